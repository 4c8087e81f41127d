//! The operator's pages: schools and accounts.

use ent_node::domain::Uai;
use ent_tests::{PASSWORD, TestApp, TestClient, World, spawn_app};
use reqwest::StatusCode;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn operator(app: &TestApp, world: &World) -> TestClient {
    app.signed_in(&world.operator).await
}

#[tokio::test]
async fn the_operator_adds_a_school_and_lands_on_its_page() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let uai = Uai::from_number(6_900_123);
    let page = client
        .add_school(
            &uai.to_string().to_lowercase(),
            "École Jean Moulin",
            "primaire",
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location.expect("redirect");
    let id: String = sqlx::query_scalar("SELECT id FROM schools WHERE uai = $1")
        .bind(uai.as_str())
        .fetch_one(app.state.db.pool())
        .await
        .expect("stored under the upper-case UAI");
    assert_eq!(location, format!("/admin/ecoles/{id}"));
    let school = client.get(&location).await;
    assert_eq!(school.status, StatusCode::OK);
    assert!(
        school.body.contains("École Jean Moulin") && school.body.contains(uai.as_str()),
        "{}",
        school.body
    );
    assert!(
        client
            .get("/admin/ecoles")
            .await
            .body
            .contains("École Jean Moulin")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_uai_check_letter_is_refused_with_the_expected_letter() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let valid = Uai::from_number(6_900_123).to_string();
    let (digits, letter) = valid.split_at(7);
    let wrong = if letter == "A" { "B" } else { "A" };
    let before = count(&app, "SELECT COUNT(*) FROM schools").await;
    let page = client
        .add_school(&format!("{digits}{wrong}"), "École fantôme", "elementaire")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains(&format!("la lettre de contrôle devrait être {letter}")),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("École fantôme"),
        "the form keeps what was typed"
    );
    let shape = client
        .add_school("12345", "École fantôme", "elementaire")
        .await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(shape.body.contains("7 chiffres suivis d"), "{}", shape.body);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM schools").await,
        before,
        "nothing inserted"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_duplicate_uai_is_refused() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let taken = Uai::from_number(1_234_567).to_string();
    let before = count(&app, "SELECT COUNT(*) FROM schools").await;
    let page = client.add_school(&taken, "École bis", "elementaire").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("est déjà utilisé par « École des Tilleuls »"),
        "{}",
        page.body
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM schools").await, before);
    app.stop().await;
}

#[tokio::test]
async fn the_operator_finds_accounts_by_name() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let page = client.search_users("martin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("2 compte(s)"), "{}", page.body);
    assert!(
        page.body.contains(&world.pupil.identifier) && page.body.contains(&world.parent.identifier)
    );
    assert!(!page.body.contains(&world.teacher.identifier));
    let by_first_name = client.search_users("Hugo").await;
    assert!(by_first_name.body.contains(&world.other_pupil.identifier));
    let user = client
        .get(&format!("/admin/utilisateurs/{}", world.pupil.id))
        .await;
    assert!(
        user.body.contains(&world.pupil.identifier) && user.body.contains("Élève"),
        "{}",
        user.body
    );
    app.stop().await;
}

#[tokio::test]
async fn the_search_finds_names_with_a_capital_accented_letter() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let emile = world
        .add_pupil(&app.state, &world.class_a, "Émile", "Étienne")
        .await;
    let client = operator(&app, &world).await;
    for typed in ["Émile", "émile", "Étienne", "ÉTIENNE"] {
        let page = client.search_users(typed).await;
        assert!(
            page.body.contains(&emile.identifier),
            "searching {typed:?} misses Émile Étienne: {}",
            page.body
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_deactivated_user_loses_their_session_and_cannot_sign_in_until_reactivated() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let teacher = app.signed_in(&world.teacher).await;
    let (_, token) = teacher.api_token(&world.teacher.identifier, PASSWORD).await;
    let token = token.expect("token");

    let off = client.set_user_active(&world.teacher.id, false).await;
    assert!(
        off.redirects_to(&format!("/admin/utilisateurs/{}", world.teacher.id)),
        "{off:?}"
    );
    assert!(
        teacher.get("/portail").await.redirects_to("/connexion"),
        "the live session is gone"
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(&world.teacher.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    assert_eq!(
        teacher.api_get("/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        teacher
            .sign_in(&world.teacher.identifier, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        client
            .get(&format!("/admin/utilisateurs/{}", world.teacher.id))
            .await
            .body
            .contains("Désactivé")
    );

    let on = client.set_user_active(&world.teacher.id, true).await;
    assert!(on.status.is_redirection(), "{on:?}");
    assert!(
        teacher
            .sign_in(&world.teacher.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target = $1 AND actor_id = $2 ORDER BY at, action",
    )
    .bind(&world.teacher.id)
    .bind(&world.operator.id)
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert!(
        actions.contains(&"account.deactivate".to_owned())
            && actions.contains(&"account.reactivate".to_owned())
    );
    app.stop().await;
}

#[tokio::test]
async fn the_operator_cannot_deactivate_themself() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = operator(&app, &world).await;
    let page = client.set_user_active(&world.operator.id, false).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("propre compte"), "{}", page.body);
    assert_eq!(
        client.get("/admin/ecoles").await.status,
        StatusCode::OK,
        "still signed in"
    );
    let active: i64 = sqlx::query_scalar("SELECT active FROM users WHERE id = $1")
        .bind(&world.operator.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(active, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_new_activation_code_from_the_operator_ends_the_password_and_sessions() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let guest = app.signed_in(&world.guest).await;
    let client = operator(&app, &world).await;
    let page = client.reset_code(&world.guest.id).await;
    assert_eq!(page.status, StatusCode::OK);
    let code = page.issued_code().expect("code shown");
    assert!(
        page.body.contains("En attente de première connexion"),
        "{}",
        page.body
    );
    assert!(guest.get("/portail").await.redirects_to("/connexion"));
    assert_eq!(
        app.client()
            .sign_in(&world.guest.identifier, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        guest
            .activate(&world.guest.identifier, &code, "mon-nouveau-secret")
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}
