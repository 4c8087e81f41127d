//! Activation codes and connection sheets, issued from the class page.

use ent_node::accounts::codes;
use ent_tests::client::is_code_shaped;
use ent_tests::world::set_pending;
use ent_tests::{PASSWORD, TestApp, World, spawn_app};
use reqwest::StatusCode;

async fn code_matches(app: &TestApp, user_id: &str, code: &str) -> bool {
    codes::matches(&app.state.db, user_id, code, app.state.clock.now())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_regenerated_code_is_shown_once_and_replaces_the_old_one() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    set_pending(&app.state, &world.pupil.id).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let old = codes::issue(&mut tx, &world.pupil.id, app.state.clock.now(), 30)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let teacher = app.signed_in(&world.teacher).await;
    let page = teacher
        .regenerate_code(&world.class_a, &world.pupil.id)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("ne fonctionnent plus"), "{}", page.body);
    let code = page.issued_code().expect("the new code is shown");
    assert!(is_code_shaped(&code), "{code}");
    assert_ne!(code, old.code);
    assert!(
        !code_matches(&app, &world.pupil.id, &old.code).await,
        "the old code stopped working"
    );
    assert!(code_matches(&app, &world.pupil.id, &code).await);

    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'account.code' AND target = $1 AND actor_id = $2",
    )
    .bind(&world.pupil.id)
    .bind(&world.teacher.id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // Shown once: the class page does not repeat it.
    assert!(
        !teacher
            .get(&format!("/classes/{}", world.class_a))
            .await
            .body
            .contains(&code)
    );

    let pupil = app.client();
    let refused = pupil
        .activate(&world.pupil.identifier, &old.code, "mon-cartable-rouge")
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let activated = pupil
        .activate(&world.pupil.identifier, &code, "mon-cartable-rouge")
        .await;
    assert!(activated.redirects_to("/portail"), "{activated:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_teacher_regenerates_a_parent_code_too() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = teacher
        .regenerate_code(&world.class_a, &world.parent.id)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Parent de Léa"), "{}", page.body);
    let code = page.issued_code().expect("code shown");
    assert!(code_matches(&app, &world.parent.id, &code).await);
    app.stop().await;
}

#[tokio::test]
async fn a_new_code_ends_the_old_password_and_sessions_at_once() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let pupil = app.signed_in(&world.pupil).await;
    let teacher = app.signed_in(&world.teacher).await;
    let code = teacher
        .regenerate_code(&world.class_a, &world.pupil.id)
        .await
        .issued_code()
        .expect("code");
    assert!(
        pupil.get("/portail").await.redirects_to("/connexion"),
        "the pupil's session ended"
    );
    assert_eq!(
        app.client()
            .sign_in(&world.pupil.identifier, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let rows = teacher.get(&format!("/classes/{}", world.class_a)).await;
    assert!(
        rows.body.contains("En attente"),
        "the account waits for its new code"
    );
    assert!(
        app.client()
            .activate(&world.pupil.identifier, &code, "un-nouveau-depart")
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn printing_sheets_issues_codes_for_pending_accounts_only() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let activated = world
        .add_pupil(&app.state, &world.class_a, "Jules", "Robert")
        .await;
    set_pending(&app.state, &world.pupil.id).await;
    set_pending(&app.state, &world.parent.id).await;
    let teacher = app.signed_in(&world.teacher).await;

    let page = teacher.print_sheets(&world.class_a).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let sheets = page.sheets();
    let identifiers: Vec<&str> = sheets.iter().map(|s| s.identifier.as_str()).collect();
    assert_eq!(
        identifiers,
        [
            world.pupil.identifier.as_str(),
            world.parent.identifier.as_str()
        ],
        "pupils first"
    );
    assert!(sheets[0].pupil && !sheets[1].pupil);
    assert!(page.body.contains("Parent de Léa"));
    for (sheet, user_id) in sheets.iter().zip([&world.pupil.id, &world.parent.id]) {
        assert!(is_code_shaped(&sheet.code), "{sheet:?}");
        assert!(code_matches(&app, user_id, &sheet.code).await, "{sheet:?}");
    }
    assert!(
        !page.body.contains(&activated.identifier),
        "activated accounts get no sheet"
    );
    assert!(!page.body.contains(&world.other_pupil.identifier));

    // Printing again (or reloading) prints the same codes: sheets handed out keep working.
    let again = teacher.print_sheets(&world.class_a).await;
    assert_eq!(again.sheets(), sheets);
    assert!(code_matches(&app, &world.pupil.id, &sheets[0].code).await);
    assert!(
        again.body.contains("Renouveler les codes de ces 2 comptes"),
        "{}",
        again.body
    );

    // Renewing is an explicit choice, asked once more; activated accounts are left alone.
    let renew = format!("/classes/{}/fiches/renouveler", world.class_a);
    let asked = teacher.post_signed(&renew, &[]).await;
    assert!(
        asked
            .body
            .contains("Renouveler les codes de ces 2 comptes de la classe"),
        "{}",
        asked.body
    );
    assert!(code_matches(&app, &world.pupil.id, &sheets[0].code).await);
    let renewed = teacher.post_signed(&renew, &[("confirme", "oui")]).await;
    let renewed = renewed.sheets();
    assert_eq!(renewed.len(), 2);
    assert!(!code_matches(&app, &world.pupil.id, &sheets[0].code).await);
    assert!(code_matches(&app, &world.pupil.id, &renewed[0].code).await);
    assert!(code_matches(&app, &world.parent.id, &renewed[1].code).await);
    let untouched: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM activation_codes WHERE user_id = $1")
            .bind(&activated.id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(untouched, 0, "an activated account gets no code");
    app.stop().await;
}

#[tokio::test]
async fn a_code_shown_on_screen_is_not_cancelled_by_printing() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    set_pending(&app.state, &world.pupil.id).await;
    // A code shown once on a screen (the operator's reset), then the class's sheets.
    let operator = app.signed_in(&world.operator).await;
    let shown = operator
        .reset_code(&world.pupil.id)
        .await
        .issued_code()
        .expect("code shown");
    let teacher = app.signed_in(&world.teacher).await;
    let page = teacher.print_sheets(&world.class_a).await;
    assert!(page.sheets().is_empty(), "{}", page.body);
    assert!(
        page.body
            .contains("1 compte(s) en attente ont reçu un code affiché")
    );
    assert!(code_matches(&app, &world.pupil.id, &shown).await);
    // The class teacher's "Nouveau code" prints again on the sheets.
    let code = teacher
        .regenerate_code(&world.class_a, &world.pupil.id)
        .await
        .issued_code()
        .expect("code");
    let sheets = teacher.print_sheets(&world.class_a).await.sheets();
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0].code, code);
    app.stop().await;
}

#[tokio::test]
async fn a_class_with_every_account_activated_prints_no_sheet() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.other_teacher).await;
    let page = teacher.print_sheets(&world.class_b).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.sheets().is_empty());
    assert!(page.body.contains("aucune fiche à imprimer"));
    app.stop().await;
}
