//! Staff accounts made by hand by the operator, and the one rule on control characters in
//! typed names (staff, groups).

use ent_node::domain::Uai;
use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

use crate::import::{Files, run, texts};

/// The text of `id="…"` in a page.
fn issued(body: &str, id: &str) -> String {
    let start = body.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
    body[start..].split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_operator_creates_staff_by_hand_namesakes_apart_and_an_import_keeps_them() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    let path = format!("/admin/ecoles/{}/personnel", world.school_id);
    let form = operator.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Ajouter un membre du personnel"));
    let school = operator
        .get(&format!("/admin/ecoles/{}", world.school_id))
        .await;
    assert!(school.body.contains(&format!("href=\"{path}\"")));

    let fields = [
        ("first_name", "Marie"),
        ("last_name", "Curie"),
        ("profile", "teacher"),
        ("email", ""),
    ];
    let first = operator.post_signed(&path, &fields).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(issued(&first.body, "issued-identifier"), "marie.curie");
    let code = issued(&first.body, "issued-code");
    let id: String = sqlx::query_scalar("SELECT id FROM users WHERE identifier = 'marie.curie'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(!first.body.contains(&id), "no internal id on the page");
    let now = app.state.clock.now();
    assert!(
        ent_node::accounts::codes::matches(&app.state.db, &id, &code, now)
            .await
            .unwrap()
    );
    let profile: String = sqlx::query_scalar("SELECT profile FROM memberships WHERE user_id = $1")
        .bind(&id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(profile, "teacher");

    // A namesake is another person, with another identifier.
    let second = operator.post_signed(&path, &fields).await;
    assert_eq!(issued(&second.body, "issued-identifier"), "marie.curie2");

    // Control characters never reach a name.
    let bad = operator
        .post_signed(
            &path,
            &[
                ("first_name", "Marie"),
                ("last_name", "Cu\u{1b}[2Jrie"),
                ("profile", "director"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("caractère de contrôle"), "{}", bad.body);
    // Nor can anyone but the operator create staff.
    let director = app.signed_in(&world.director).await;
    assert_eq!(
        director.post_signed(&path, &fields).await.status,
        StatusCode::FORBIDDEN
    );

    // An ONDE import of the school does not deactivate hand-made accounts.
    let uai = Uai::from_number(1_234_567);
    run(&app, &uai, &Files::onde(&texts()), false)
        .await
        .unwrap();
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE identifier IN ('marie.curie', 'marie.curie2') AND active = 1",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(active, 2);
    app.stop().await;
}

#[tokio::test]
async fn a_group_name_with_a_control_character_is_refused() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = teacher
        .submit(
            "/groupes",
            "/groupes",
            &[
                ("school_id", &world.school_id),
                ("name", "Chorale\u{7}\u{1b}[31m"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("caractère de contrôle"), "{}", page.body);
    let groups: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups WHERE name LIKE 'Chorale%'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(groups, 0);
    app.stop().await;
}
