//! Sign-in identifiers are unique node-wide and every account creator allocates them under one
//! lock: creators needing `paul.martin` at the same moment (imports of two schools, operators
//! creating staff or local guests on the web or with `ent-admin`) get `paul.martin`,
//! `paul.martin2`…, never a duplicate-key error (PostgreSQL) nor a busy failure (SQLite).

use std::collections::HashSet;

use ent_node::domain::{SchoolKind, Uai};
use ent_node::users::staff::{self, NewStaff};
use ent_tests::{TestApp, World, spawn_app};
use reqwest::StatusCode;

use crate::import::{Files, add_school, run, texts};
use crate::once::form_tokens;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn two_imports_of_different_schools_at_once_share_out_the_identifiers() {
    let app = spawn_app().await;
    let lac = add_school(&app).await;
    let other = Uai::from_number(3_800_043);
    let now = app.state.clock.now();
    ent_node::schools::store::add(
        &app.state.db,
        &other,
        "École du Parc",
        SchoolKind::Elementaire,
        None,
        now,
    )
    .await
    .expect("school");
    // The same files: every person of the second school is a namesake of one of the first.
    let files = Files::onde(&texts());
    let (a, b) = tokio::join!(
        run(&app, &lac, &files, false),
        run(&app, &other, &files, false)
    );
    let (a, b) = (a.expect("first school"), b.expect("second school"));
    assert_eq!(
        (a.pupils.created, b.pupils.created),
        (48, 48),
        "{a:?}\n{b:?}"
    );
    let created = [&a, &b]
        .iter()
        .map(|r| r.pupils.created + r.guardians.created + r.teachers.created)
        .sum::<u64>();
    let users = count(&app, "SELECT COUNT(*) FROM users").await;
    assert_eq!(
        users as u64, created,
        "one account per person of each school"
    );
    let identifiers: Vec<String> = sqlx::query_scalar("SELECT identifier FROM users")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    let suffixed = identifiers
        .iter()
        .filter(|i| i.ends_with(|c: char| c.is_ascii_digit()))
        .count();
    assert!(
        suffixed as u64 >= created / 2,
        "the second school's namesakes got suffixes: {identifiers:?}"
    );
}

#[tokio::test]
async fn every_creator_of_paul_martin_at_once_gets_its_own_identifier() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let first = app.signed_in(&world.operator).await;
    let second = app.signed_in(&world.operator).await;
    let staff_path = format!("/admin/ecoles/{}/personnel", world.school_id);
    let last_day = ent_node::domain::SchoolYear::containing(app.state.clock.today())
        .last_day()
        .format("%Y-%m-%d")
        .to_string();
    // Each form is read first, so that the posts themselves leave at the same moment.
    let (csrf1, once1) = form_tokens(&first.get(&staff_path).await, &staff_path);
    let (csrf2, once2) = form_tokens(&second.get(&staff_path).await, &staff_path);
    let (csrf3, once3) = form_tokens(&first.get("/admin/invites").await, "/admin/invites");
    let staff1 = staff_form(&csrf1, &once1);
    let staff2 = staff_form(&csrf2, &once2);
    let guest = [
        ("first_name", "Paul"),
        ("last_name", "Martin"),
        ("last_day", last_day.as_str()),
        ("csrf", csrf3.as_str()),
        ("once", once3.as_str()),
    ];
    // `ent-admin users add` runs the same function in its own transaction.
    let cli = async {
        let new = NewStaff::parse("Paul", "Martin", "director", "").expect("staff");
        let mut tx = app.state.db.begin_write().await.expect("tx");
        let created = staff::create(
            &mut tx,
            &world.school_id,
            &new,
            None,
            app.state.clock.now(),
            7,
        )
        .await
        .expect("created by the CLI");
        tx.commit().await.expect("commit");
        created.identifier
    };
    let (a, b, c, d) = tokio::join!(
        first.post_form(&staff_path, &staff1),
        second.post_form(&staff_path, &staff2),
        first.post_form("/admin/invites", &guest),
        cli
    );
    for page in [&a, &b, &c] {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let identifiers: HashSet<String> = sqlx::query_scalar(
        "SELECT identifier FROM users WHERE first_name = 'Paul' AND last_name = 'Martin'",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
    .into_iter()
    .collect();
    let wanted: HashSet<String> = [
        "paul.martin",
        "paul.martin2",
        "paul.martin3",
        "paul.martin4",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(identifiers, wanted);
    assert!(identifiers.contains(&d));
}

/// The fields of the operator's staff form for Paul Martin.
fn staff_form<'a>(csrf: &'a str, once: &'a str) -> [(&'a str, &'a str); 6] {
    [
        ("first_name", "Paul"),
        ("last_name", "Martin"),
        ("profile", "teacher"),
        ("email", ""),
        ("csrf", csrf),
        ("once", once),
    ]
}
