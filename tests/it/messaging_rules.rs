//! Who may write to whom (`policy::communication`): every profile of the world against every
//! kind of recipient. A recipient one may not write to is never offered, and a forged POST
//! naming it is refused (403, with a clear French message) and writes nothing.

use ent_tests::messaging::{offers, person, send};
use ent_tests::{TestClient, World, spawn_app};
use reqwest::StatusCode;

async fn messages(app: &ent_tests::TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// Checks one sender against recipients (code, allowed): offered or not, sent or refused.
async fn check(app: &ent_tests::TestApp, who: &str, client: &TestClient, cases: &[(String, bool)]) {
    for (code, allowed) in cases {
        assert_eq!(
            offers(client, code).await,
            *allowed,
            "{who} → {code}: offered?"
        );
        let before = messages(app).await;
        let page = send(client, &[code], "Bonjour", "Un message.", &[]).await;
        if *allowed {
            assert!(page.status.is_redirection(), "{who} → {code}: {page:?}");
            assert_eq!(messages(app).await, before + 1);
        } else {
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{who} → {code}");
            assert!(
                page.body.contains("règles de communication"),
                "{}",
                page.body
            );
            assert_eq!(messages(app).await, before, "a refusal writes nothing");
        }
    }
}

#[tokio::test]
async fn every_profile_writes_only_to_whom_the_table_allows() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let p = |p: &ent_tests::world::Person| person(&p.id);
    let class = |kind: &str, id: &str| format!("{kind}:{id}");

    let teacher = app.signed_in(&w.teacher).await;
    check(
        &app,
        "teacher",
        &teacher,
        &[
            (p(&w.director), true),
            (p(&w.staff), true),
            (p(&w.other_teacher), true),
            (p(&w.pupil), true),
            (p(&w.parent), true),
            (p(&w.other_pupil), false),
            (p(&w.operator), false),
            (p(&w.guest), false),
            (class("parents", &w.class_a), true),
            (class("eleves", &w.class_a), true),
            (class("parents", &w.class_b), false),
            (class("personnels-ecole", &w.school_id), true),
            (class("parents-ecole", &w.school_id), false),
            (class("eleves-ecole", &w.school_id), false),
        ],
    )
    .await;

    let director = app.signed_in(&w.director).await;
    check(
        &app,
        "director",
        &director,
        &[
            (p(&w.other_pupil), true),
            (p(&w.parent), true),
            (p(&w.staff), true),
            (p(&w.operator), true),
            (p(&w.guest), false),
            (class("eleves", &w.class_b), true),
            (class("parents-ecole", &w.school_id), true),
            (class("eleves-ecole", &w.school_id), true),
        ],
    )
    .await;

    let staff = app.signed_in(&w.staff).await;
    check(
        &app,
        "staff",
        &staff,
        &[
            (p(&w.teacher), true),
            (p(&w.director), true),
            (p(&w.pupil), false),
            (p(&w.parent), false),
            (class("parents", &w.class_a), false),
        ],
    )
    .await;

    let parent = app.signed_in(&w.parent).await;
    check(
        &app,
        "parent",
        &parent,
        &[
            (p(&w.teacher), true),
            (p(&w.director), true),
            (p(&w.pupil), true),
            (p(&w.other_teacher), false),
            (p(&w.other_pupil), false),
            (p(&w.staff), false),
            (class("parents", &w.class_a), false),
        ],
    )
    .await;

    let operator = app.signed_in(&w.operator).await;
    check(
        &app,
        "operator",
        &operator,
        &[
            (p(&w.director), true),
            (p(&w.teacher), false),
            (p(&w.parent), false),
        ],
    )
    .await;

    for (who, account) in [("inspector", &w.inspector), ("guest", &w.guest)] {
        let client = app.signed_in(account).await;
        check(
            &app,
            who,
            &client,
            &[(p(&w.teacher), false), (p(&w.director), false)],
        )
        .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn pupils_write_to_their_teacher_and_to_classmates_only_when_the_class_allows_it() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let classmate = w.add_pupil(&app.state, &w.class_a, "Nina", "Robert").await;
    let pupil = app.signed_in(&w.pupil).await;
    check(
        &app,
        "pupil",
        &pupil,
        &[
            (person(&w.teacher.id), true),
            (person(&w.other_teacher.id), false),
            (person(&w.director.id), false),
            (person(&w.parent.id), false),
            (person(&classmate.id), false),
            (person(&w.other_pupil.id), false),
            (format!("eleves:{}", w.class_a), false),
        ],
    )
    .await;
    // The simple view says "tu".
    let compose = pupil.get("/messagerie/ecrire").await;
    assert!(
        compose.body.contains("J'écris un message"),
        "{}",
        compose.body
    );

    // Another class's teacher may not open it; the class's teacher does.
    let other = app.signed_in(&w.other_teacher).await;
    let path = format!("/messagerie/classes/{}/entre-eleves", w.class_a);
    let refused = other
        .submit("/messagerie", &path, &[("ouvert", "oui")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let teacher = app.signed_in(&w.teacher).await;
    let opened = teacher
        .submit("/messagerie", &path, &[("ouvert", "oui")])
        .await;
    assert!(opened.status.is_redirection(), "{opened:?}");
    check(
        &app,
        "pupil, class open",
        &pupil,
        &[
            (person(&classmate.id), true),
            (format!("eleves:{}", w.class_a), true),
            (person(&w.other_pupil.id), false),
        ],
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_guest_writes_to_the_owners_of_their_spaces_and_an_answer_is_always_possible() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let now = app.state.clock.now();
    // A space of the teacher, where the guest is a member.
    let space = ent_node::store::new_id();
    sqlx::query(
        "INSERT INTO spaces (id, group_id, host, title, description, school_year, host_school, premoderated, \
         comments_on, files_allowed, open_until, local_only, created_at) \
         VALUES ($1, $2, '', 'Chorale', '', 2026, 'École', 1, 1, 1, 0, 1, $3)",
    )
    .bind(&space)
    .bind(format!("local:{space}"))
    .bind(now)
    .execute(app.state.db.pool())
    .await
    .expect("space");
    let guest = app.signed_in(&w.guest).await;
    assert!(!offers(&guest, &person(&w.teacher.id)).await);
    for (user, role) in [(&w.teacher.id, "owner"), (&w.guest.id, "guest")] {
        let inserted = sqlx::query(
            "INSERT INTO space_members (space_id, actor_id, user_id, node, display_name, school, level, role, state, joined_at) \
             VALUES ($1, $2, $3, 'local', 'X', '', '', $4, 'active', $5)",
        )
        .bind(&space)
        .bind(format!("local:{user}"))
        .bind(user)
        .bind(role)
        .bind(now)
        .execute(app.state.db.pool())
        .await;
        inserted.expect("space member");
    }
    check(
        &app,
        "guest in a space",
        &guest,
        &[
            (person(&w.teacher.id), true),
            (person(&w.director.id), false),
        ],
    )
    .await;
    // The teacher may answer the guest (whoever wrote to me may be answered).
    let teacher = app.signed_in(&w.teacher).await;
    assert!(offers(&teacher, &person(&w.guest.id)).await);
    app.stop().await;
}

#[tokio::test]
async fn a_group_is_offered_only_when_every_member_may_be_written_to() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let created = teacher
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &w.school_id), ("name", "Parents des CM2")],
        )
        .await;
    let location = created.location.clone().expect("new group");
    let group = format!("groupe:{}", location.trim_start_matches("/groupes/"));
    teacher
        .submit(
            &location,
            &format!("{location}/membres"),
            &[("who", "parents"), ("class_id", &w.class_a)],
        )
        .await;
    check(&app, "teacher", &teacher, &[(group.clone(), true)]).await;
    // The other teacher may not write to class A's parents: the group is not theirs to use.
    let other = app.signed_in(&w.other_teacher).await;
    check(&app, "other teacher", &other, &[(group, false)]).await;
    app.stop().await;
}
