//! Sign-in, activation, sessions and password change, end to end.

use ent_node::accounts::codes;
use ent_tests::{PASSWORD, World, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn a_pupil_signs_in_and_reaches_the_portal() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let page = client.sign_in(&world.pupil.identifier, PASSWORD).await;
    assert!(page.redirects_to("/portail"), "{page:?}");
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let portal = client.get("/portail").await;
    assert_eq!(portal.status, StatusCode::OK);
    assert!(portal.body.contains("Bonjour Léa"));
    assert!(portal.body.contains("Ma classe"));
    assert!(portal.body.contains(&format!("/classes/{}", world.class_a)));
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_identifier_look_the_same() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let wrong = client.sign_in(&world.pupil.identifier, "pas-le-bon").await;
    let unknown = client.sign_in("personne.inconnue", "pas-le-bon").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    let message = "Identifiant ou mot de passe incorrect.";
    assert!(wrong.body.contains(message) && unknown.body.contains(message));
    app.stop().await;
}

#[tokio::test]
async fn sign_in_is_throttled_per_account() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            client
                .sign_in(&world.teacher.identifier, "faux")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = client.sign_in(&world.teacher.identifier, PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("Trop de tentatives"));
    app.state.clock.advance(16 * 60);
    assert!(
        client
            .sign_in(&world.teacher.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn forms_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let page = client
        .post_form(
            "/connexion",
            &[
                ("identifier", &world.pupil.identifier),
                ("password", PASSWORD),
                ("csrf", "forged.token"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        client
            .sign_in(&world.pupil.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    let change = client
        .post_form(
            "/compte/mot-de-passe",
            &[
                ("current", PASSWORD),
                ("password", "nouveau-mdp-123"),
                ("confirmation", "nouveau-mdp-123"),
                ("csrf", "nope"),
            ],
        )
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn a_pupil_activates_with_the_code_of_their_sheet() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
        .bind(&world.pupil.id)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let mut tx = app.state.db.begin_write().await.unwrap();
    let issued = codes::issue(&mut tx, &world.pupil.id, app.state.clock.now(), 60)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let client = app.client();
    assert_eq!(
        client.sign_in(&world.pupil.identifier, "").await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = client
        .activate(&world.pupil.identifier, "AAAA-AAAA", "mon-beau-cartable")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let typed = issued.code.to_lowercase();
    let page = client
        .activate(&world.pupil.identifier, &typed, "mon-beau-cartable")
        .await;
    assert!(page.redirects_to("/portail"), "{page:?}");
    assert!(client.get("/portail").await.body.contains("Bonjour Léa"));
    // The code is single-use; the new password works.
    let again = app
        .client()
        .activate(&world.pupil.identifier, &issued.code, "autre-mot-de-passe")
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.client()
            .sign_in(&world.pupil.identifier, "mon-beau-cartable")
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn expired_codes_do_not_activate() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let issued = codes::issue(&mut tx, &world.parent.id, app.state.clock.now(), 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.state.clock.advance(86_400 + 1);
    let page = app
        .client()
        .activate(&world.parent.identifier, &issued.code, "un-mot-de-passe")
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("code expiré"));
    app.stop().await;
}

#[tokio::test]
async fn password_change_and_sign_out_end_sessions() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let laptop = app.client();
    let phone = app.client();
    assert!(
        laptop
            .sign_in(&world.parent.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    assert!(
        phone
            .sign_in(&world.parent.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    // A refused change shows the form again with what to fix.
    let short = laptop.change_password(PASSWORD, "court").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.body.contains("action=\"/compte/mot-de-passe\"")
            && short.body.contains("role=\"alert\""),
        "{}",
        short.body
    );
    // Done: POST/redirect/GET, a reload shows the page without sending the form again.
    let fields = [
        ("current", PASSWORD),
        ("password", "un-nouveau-secret"),
        ("confirmation", "un-nouveau-secret"),
    ];
    let changed = laptop
        .submit("/compte", "/compte/mot-de-passe", &fields)
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{changed:?}");
    assert!(changed.redirects_to("/compte?fait=mot-de-passe"));
    let changed = laptop.follow(changed).await;
    assert!(
        changed.body.contains("Votre mot de passe a été modifié."),
        "{}",
        changed.body
    );
    // Only known outcomes are shown: nothing typed in the address is reflected.
    let forged = laptop
        .get("/compte?fait=%3Cb%3EVotre+compte+est+bloqu%C3%A9%3C%2Fb%3E")
        .await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(
        !forged.body.contains("bloqu") && !forged.body.contains("modifié"),
        "{}",
        forged.body
    );
    // The other device is signed out; this one stays.
    assert!(phone.get("/portail").await.redirects_to("/connexion"));
    assert_eq!(laptop.get("/portail").await.status, StatusCode::OK);
    assert!(laptop.sign_out().await.redirects_to("/connexion"));
    assert!(laptop.get("/portail").await.redirects_to("/connexion"));
    assert!(
        app.client()
            .sign_in(&world.parent.identifier, "un-nouveau-secret")
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_are_issued_from_the_same_credentials() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let (status, token) = client.api_token(&world.teacher.identifier, "faux").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(token.is_none());
    let (status, token) = client.api_token(&world.teacher.identifier, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = token.unwrap();
    let (status, me) = client.api_get("/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["identifier"], world.teacher.identifier);
    let (status, class) = client
        .api_get(&format!("/classes/{}", world.class_a), &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{class}");
    assert_eq!(class["pupils"][0], "Léa M.");
    let (status, _) = client
        .api_get(&format!("/classes/{}", world.class_b), &token)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = client.api_get("/me", "garbage").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.state.clock.advance(16 * 60);
    let (status, _) = client.api_get("/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
