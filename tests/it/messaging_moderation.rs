//! Pre-moderation of pupils' messages to classmates (the class's teacher turns it on), and the
//! recipient cap of a message, through the pages.

use ent_tests::messaging::{in_folder, person, send, sent_id};
use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn a_pupil_s_message_to_a_classmate_waits_for_the_teacher_when_the_class_is_moderated() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let classmate = w.add_pupil(&app.state, &w.class_a, "Nina", "Robert").await;
    let teacher = app.signed_in(&w.teacher).await;
    let path = format!("/messagerie/classes/{}/entre-eleves", w.class_a);
    let opened = teacher
        .submit(
            "/messagerie",
            &path,
            &[("ouvert", "oui"), ("moderation", "oui")],
        )
        .await;
    assert!(opened.status.is_redirection(), "{opened:?}");
    assert!(
        teacher
            .get("/messagerie")
            .await
            .body
            .contains("après votre validation")
    );

    let pupil = app.signed_in(&w.pupil).await;
    let sent = send(&pupil, &[&person(&classmate.id)], "Récré", "On joue ?", &[]).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let first = sent_id(&sent);
    // To the teacher, not moderated.
    let direct = send(
        &pupil,
        &[&person(&w.teacher.id)],
        "Question",
        "Pour demain ?",
        &[],
    )
    .await;
    assert!(direct.status.is_redirection());
    assert!(in_folder(&teacher, "recus", "Question").await);

    let nina = app.signed_in(&classmate).await;
    assert!(
        !in_folder(&nina, "recus", "Récré").await,
        "held for the teacher"
    );
    let waiting = teacher.get("/messagerie/a-valider").await;
    assert!(waiting.body.contains("On joue ?"), "{}", waiting.body);

    // Another class's teacher may not decide.
    let other = app.signed_in(&w.other_teacher).await;
    assert!(
        !other
            .get("/messagerie/a-valider")
            .await
            .body
            .contains("On joue ?")
    );
    let refused = other
        .submit(
            "/messagerie/a-valider",
            &format!("/messagerie/a-valider/{first}"),
            &[("action", "valider")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let approved = teacher
        .submit(
            "/messagerie/a-valider",
            &format!("/messagerie/a-valider/{first}"),
            &[("action", "valider")],
        )
        .await;
    assert!(approved.status.is_redirection(), "{approved:?}");
    assert!(in_folder(&nina, "recus", "Récré").await);

    // A refused one never arrives.
    let second = sent_id(&send(&pupil, &[&person(&classmate.id)], "Bêtise", "Hihi", &[]).await);
    teacher
        .submit(
            "/messagerie/a-valider",
            &format!("/messagerie/a-valider/{second}"),
            &[("action", "refuser")],
        )
        .await;
    assert!(!in_folder(&nina, "recus", "Bêtise").await);
    assert!(
        !teacher
            .get("/messagerie/a-valider")
            .await
            .body
            .contains("Hihi")
    );
    let decisions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'message.moderated'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(decisions, 2);

    // Without moderation, it goes at once.
    teacher
        .submit(
            "/messagerie",
            &path,
            &[("ouvert", "oui"), ("moderation", "non")],
        )
        .await;
    send(&pupil, &[&person(&classmate.id)], "Direct", "Coucou", &[]).await;
    assert!(in_folder(&nina, "recus", "Direct").await);
    app.stop().await;
}

#[tokio::test]
async fn a_message_over_the_recipient_cap_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    // A pupil may write to 40 people at most: 41 classmates in an open class are too many.
    for i in 0..41 {
        w.add_pupil(&app.state, &w.class_a, &format!("Élève{i}"), "Test")
            .await;
    }
    let teacher = app.signed_in(&w.teacher).await;
    teacher
        .submit(
            "/messagerie",
            &format!("/messagerie/classes/{}/entre-eleves", w.class_a),
            &[("ouvert", "oui")],
        )
        .await;
    let pupil = app.signed_in(&w.pupil).await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let refused = send(
        &pupil,
        &[&format!("eleves:{}", w.class_a)],
        "À toute la classe",
        "Bonjour à tous",
        &[],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{refused:?}"
    );
    assert!(
        refused
            .body
            .contains("Trop de destinataires : 41 pour 40 au plus"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Bonjour à tous"), "the text is kept");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(before, after);
    app.stop().await;
}
