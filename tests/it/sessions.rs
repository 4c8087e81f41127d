//! Session lifetimes, sessions replaced at sign-in, API tokens voided by a credentials change,
//! `__Host-` cookies and HSTS over HTTPS.

use ent_tests::{PASSWORD, World, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn an_active_session_still_ends_after_its_absolute_lifetime() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    for _ in 0..2 {
        app.state.clock.advance(5 * 3600);
        assert_eq!(director.get("/portail").await.status, StatusCode::OK);
    }
    // 15 h after sign-in, used every 5 h: the idle timeout never hit, the 12 h limit did.
    app.state.clock.advance(5 * 3600);
    assert!(director.get("/portail").await.redirects_to("/connexion"));
    app.stop().await;
}

#[tokio::test]
async fn a_pupil_session_ends_sooner_when_left_idle() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let pupil = app.signed_in(&world.pupil).await;
    let teacher = app.signed_in(&world.teacher).await;
    app.state.clock.advance(44 * 60);
    assert_eq!(pupil.get("/portail").await.status, StatusCode::OK);
    // Used at 44 min: extended to 45 min from then.
    app.state.clock.advance(44 * 60);
    assert_eq!(pupil.get("/portail").await.status, StatusCode::OK);
    app.state.clock.advance(46 * 60);
    assert!(pupil.get("/portail").await.redirects_to("/connexion"));
    assert_eq!(teacher.get("/portail").await.status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn signing_in_over_a_session_ends_it() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let sessions = |user_id: String| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    // A shared classroom computer: Léa leaves without signing out, Hugo signs in.
    let computer = app.client();
    let csrf = computer.get("/connexion").await.csrf();
    let lea = [
        ("identifier", world.pupil.identifier.as_str()),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    assert!(
        computer
            .post_form("/connexion", &lea)
            .await
            .redirects_to("/portail")
    );
    assert_eq!(sessions(world.pupil.id.clone()).await, 1);
    let hugo = [
        ("identifier", world.other_pupil.identifier.as_str()),
        ("password", PASSWORD),
        ("csrf", &csrf),
    ];
    assert!(
        computer
            .post_form("/connexion", &hugo)
            .await
            .redirects_to("/portail")
    );
    assert_eq!(
        sessions(world.pupil.id.clone()).await,
        0,
        "Léa's session ended"
    );
    assert_eq!(sessions(world.other_pupil.id.clone()).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_issued_before_a_credentials_change_are_refused() {
    use ent_node::accounts::codes;
    use ent_node::users::store as users;
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.signed_in(&world.parent).await;
    let token = |password: &'static str| {
        let client = &client;
        let identifier = world.parent.identifier.clone();
        async move {
            let (status, token) = client.api_token(&identifier, password).await;
            assert_eq!(status, StatusCode::OK);
            token.unwrap()
        }
    };

    // A password change.
    let before = token(PASSWORD).await;
    assert_eq!(client.api_get("/me", &before).await.0, StatusCode::OK);
    let changed = client.change_password(PASSWORD, "un-nouveau-secret").await;
    assert!(changed.body.contains("Votre mot de passe a été modifié."));
    assert_eq!(
        client.api_get("/me", &before).await.0,
        StatusCode::UNAUTHORIZED
    );
    let after = token("un-nouveau-secret").await;
    assert_eq!(client.api_get("/me", &after).await.0, StatusCode::OK);

    // A deactivation then a reactivation.
    let now = app.state.clock.now();
    let mut tx = app.state.db.begin_write().await.unwrap();
    users::set_active(&mut tx, &world.parent.id, false, now)
        .await
        .unwrap();
    users::set_active(&mut tx, &world.parent.id, true, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        client.api_get("/me", &after).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A new activation code (the password is reset).
    let last = token("un-nouveau-secret").await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    codes::reset(&mut tx, &world.parent.id, now, 60)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        client.api_get("/me", &last).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn https_nodes_send_hsts_and_host_prefixed_cookies() {
    // Linked nodes are the test nodes that serve HTTPS under a public https:// address.
    let linked = ent_tests::federation::spawn_linked(&["a.test", "b.test"], &[(0, 1)]).await;
    let node = &linked.nodes[0];
    let world = World::build(&node.state).await;
    let client = node.client();
    let form = client.get("/connexion").await;
    assert_eq!(
        form.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let cookie = form.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.starts_with("__Host-ent_csrf="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain="), "{cookie}");
    let signed = client.sign_in(&world.teacher.identifier, PASSWORD).await;
    assert!(signed.redirects_to("/portail"), "{signed:?}");
    let session = signed.header("set-cookie").unwrap_or_default().to_owned();
    assert!(session.starts_with("__Host-ent_session="), "{session}");
    assert_eq!(client.get("/portail").await.status, StatusCode::OK);

    // Plain HTTP (a test or a demo): no HSTS, no prefix.
    let app = spawn_app().await;
    let page = app.client().get("/connexion").await;
    assert_eq!(page.header("strict-transport-security"), None);
    assert!(
        page.header("set-cookie")
            .unwrap_or_default()
            .starts_with("ent_csrf=")
    );
    app.stop().await;
}
