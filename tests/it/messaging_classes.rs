//! The class options of the messagerie (pupils write to classmates; a teacher validates those
//! messages first): the director's page for every class of the school, its rights (another
//! school's director, a teacher, a parent are refused, nothing written), the journal, and the
//! safe default (opened without a word about validation means validated).

use ent_tests::messaging::{in_folder, person, send};
use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

/// (pupils write to classmates, validated) of a class; `None` when never set.
async fn options(app: &ent_tests::TestApp, class: &str) -> Option<(i64, i64)> {
    sqlx::query_as(
        "SELECT pupils_write_classmates, moderated FROM class_messaging WHERE class_id = $1",
    )
    .bind(class)
    .fetch_optional(app.state.db.pool())
    .await
    .expect("options")
}

async fn journaled(app: &ent_tests::TestApp, class: &str) -> Vec<(Option<String>, String)> {
    sqlx::query_as(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'class.messaging' AND target = $1 \
         ORDER BY at, id",
    )
    .bind(class)
    .fetch_all(app.state.db.pool())
    .await
    .expect("journal")
}

#[tokio::test]
async fn the_director_sets_both_options_of_each_class_of_the_school_and_only_there() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let director = app.signed_in(&w.director).await;

    // The mailbox leads to the page; it lists both classes with their three choices.
    let mailbox = director.get("/messagerie").await.body;
    assert!(
        mailbox.contains("href=\"/messagerie/classes\""),
        "{mailbox}"
    );
    let page = director.get("/messagerie/classes").await;
    assert_eq!(page.status, StatusCode::OK);
    for class in [&w.class_a, &w.class_b] {
        assert!(
            page.body.contains(&format!(
                "action=\"/messagerie/classes/{class}/entre-eleves\""
            )),
            "{}",
            page.body
        );
    }
    assert!(page.body.contains("après validation d"));

    // Class A: open without validation; class B: open, validated.
    let path_a = format!("/messagerie/classes/{}/entre-eleves", w.class_a);
    let path_b = format!("/messagerie/classes/{}/entre-eleves", w.class_b);
    let set = director
        .submit(
            "/messagerie/classes",
            &path_a,
            &[("choix", "libre"), ("depuis", "direction")],
        )
        .await;
    assert!(set.status.is_redirection(), "{set:?}");
    assert!(
        set.location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/messagerie/classes?fait="),
        "{set:?}"
    );
    director
        .submit(
            "/messagerie/classes",
            &path_b,
            &[("choix", "valide"), ("depuis", "direction")],
        )
        .await;
    assert_eq!(options(&app, &w.class_a).await, Some((1, 0)));
    assert_eq!(options(&app, &w.class_b).await, Some((1, 1)));
    let shown = director
        .get("/messagerie/classes?fait=option-classe")
        .await
        .body;
    assert!(
        shown.contains("option de la classe est enregistrée."),
        "{shown}"
    );
    assert!(
        shown.contains("value=\"libre\" checked"),
        "the choice is shown: {shown}"
    );
    let journal = journaled(&app, &w.class_a).await;
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(journal[0].0.as_deref(), Some(w.director.id.as_str()));
    assert!(journal[0].1.contains("sans validation"), "{journal:?}");

    // An unknown choice: a French error, nothing written.
    let odd = director
        .submit("/messagerie/classes", &path_a, &[("choix", "tout")])
        .await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY, "{odd:?}");
    assert!(odd.body.contains("Choisissez une des trois options"));
    assert_eq!(options(&app, &w.class_a).await, Some((1, 0)));

    // Another school's director sees only their school and cannot set this one's class.
    let yves = ent_tests::world::other_school_director(&app.state).await;
    let yves = app.signed_in(&yves).await;
    let theirs = yves.get("/messagerie/classes").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.contains("École du Parc"));
    assert!(!theirs.body.contains(&w.class_a), "{}", theirs.body);
    let forged = yves
        .submit(
            "/messagerie/classes",
            &path_a,
            &[("choix", "ferme"), ("depuis", "direction")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(options(&app, &w.class_a).await, Some((1, 0)));
    assert_eq!(journaled(&app, &w.class_a).await.len(), 1);

    // The page is the director's: a teacher, a parent, a pupil, the operator are refused;
    // another class's teacher cannot set class A either.
    for person in [&w.teacher, &w.parent, &w.pupil, &w.operator] {
        let client = app.signed_in(person).await;
        let refused = client.get("/messagerie/classes").await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{}",
            person.identifier
        );
    }
    let other = app.signed_in(&w.other_teacher).await;
    let refused = other
        .submit("/messagerie", &path_a, &[("choix", "ferme")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let parent = app.signed_in(&w.parent).await;
    let refused = parent
        .submit("/messagerie", &path_a, &[("choix", "ferme")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(options(&app, &w.class_a).await, Some((1, 0)));
    assert_eq!(journaled(&app, &w.class_a).await.len(), 1);

    // The class's teacher sees the director's choice in the mailbox and may change it.
    let teacher = app.signed_in(&w.teacher).await;
    let mine = teacher.get("/messagerie").await.body;
    assert!(
        mine.contains("sans validation") || mine.contains("peuvent s"),
        "{mine}"
    );
    assert!(
        !mine.contains("href=\"/messagerie/classes\""),
        "only directors are led to the school's page"
    );
    app.stop().await;
}

#[tokio::test]
async fn opening_a_class_validates_pupils_messages_unless_explicitly_turned_off() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let classmate = w.add_pupil(&app.state, &w.class_a, "Nina", "Robert").await;
    let teacher = app.signed_in(&w.teacher).await;
    let path = format!("/messagerie/classes/{}/entre-eleves", w.class_a);

    // The first button offered is the validated one.
    let mailbox = teacher.get("/messagerie").await.body;
    let validated = mailbox
        .find("Le permettre, après ma validation")
        .expect("offered");
    let free = mailbox
        .find("Le permettre sans validation")
        .expect("offered");
    assert!(validated < free, "the safe choice comes first");

    // Opened with no word about validation: validated.
    let opened = teacher
        .submit("/messagerie", &path, &[("ouvert", "oui")])
        .await;
    assert!(opened.status.is_redirection(), "{opened:?}");
    assert_eq!(options(&app, &w.class_a).await, Some((1, 1)));
    let pupil = app.signed_in(&w.pupil).await;
    let sent = send(&pupil, &[&person(&classmate.id)], "Récré", "On joue ?", &[]).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let nina = app.signed_in(&classmate).await;
    assert!(
        !in_folder(&nina, "recus", "Récré").await,
        "waits for the teacher"
    );
    assert!(
        teacher
            .get("/messagerie/a-valider")
            .await
            .body
            .contains("On joue ?")
    );

    // Explicitly turned off: the next message goes at once; both changes are journaled.
    teacher
        .submit(
            "/messagerie",
            &path,
            &[("ouvert", "oui"), ("moderation", "non")],
        )
        .await;
    assert_eq!(options(&app, &w.class_a).await, Some((1, 0)));
    send(
        &pupil,
        &[&person(&classmate.id)],
        "Cantine",
        "À tout à l'heure",
        &[],
    )
    .await;
    assert!(in_folder(&nina, "recus", "Cantine").await);
    let journal = journaled(&app, &w.class_a).await;
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert!(
        journal
            .iter()
            .all(|(who, _)| who.as_deref() == Some(w.teacher.id.as_str()))
    );
    app.stop().await;
}

#[tokio::test]
async fn classes_opened_before_validation_was_the_default_are_validated_by_the_migration() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    // As an older node left them: A open without validation, B closed.
    for (class, open) in [(&w.class_a, 1), (&w.class_b, 0)] {
        sqlx::query(
            "INSERT INTO class_messaging (class_id, pupils_write_classmates, moderated) VALUES ($1, $2, 0)",
        )
        .bind(class)
        .bind(open)
        .execute(app.state.db.pool())
        .await
        .expect("insert");
    }
    // The migration's statement on classes (the rest of the file adds a column).
    let migration = include_str!("../../migrations/20261202000900_messaging_gaps.sql");
    let update = migration
        .lines()
        .find(|line| line.starts_with("UPDATE class_messaging"))
        .expect("the statement");
    sqlx::query(update)
        .execute(app.state.db.pool())
        .await
        .expect("migration");
    assert_eq!(options(&app, &w.class_a).await, Some((1, 1)));
    assert_eq!(options(&app, &w.class_b).await, Some((0, 0)));
    app.stop().await;
}
