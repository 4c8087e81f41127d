//! The droit à la déconnexion: what staff and families write to each other in the quiet hours
//! is held and delivered at their end (the test clock moves: Friday night to Monday morning);
//! the sender can edit or cancel until then; staff-to-staff and the director's urgent messages
//! are not held.

use ent_tests::messaging::{folder, in_folder, person, send, sent_id};
use ent_tests::{World, spawn_app};

/// The next Friday, 20:30 UTC (21:30 or 22:30 in Paris: quiet).
fn to_friday_night(app: &ent_tests::TestApp) {
    ent_tests::messaging::move_to(app, 4, 20, 30);
}

#[tokio::test]
async fn a_teacher_s_message_to_a_parent_on_friday_night_arrives_on_monday_morning() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_friday_night(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let parent = app.signed_in(&w.parent).await;
    let parent_code = person(&w.parent.id);
    let sent = send(&teacher, &[&parent_code], "Devoirs", "Pour lundi.", &[]).await;
    assert!(
        sent.location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=message-differe")
    );
    let id = sent_id(&sent);
    let shown = teacher.get(&format!("/messagerie/{id}")).await;
    assert!(
        shown
            .body
            .contains("Votre message sera remis lundi à 7 h 00"),
        "{}",
        shown.body
    );
    assert!(!in_folder(&parent, "recus", "Devoirs").await);

    // Saturday: still held; the teacher edits it.
    app.state.clock.advance(86_400);
    // Sessions end when idle: sign in again after each move of the clock.
    let (teacher, parent) = (
        app.signed_in(&w.teacher).await,
        app.signed_in(&w.parent).await,
    );
    assert!(!in_folder(&parent, "recus", "Devoirs").await);
    let edit = teacher
        .get(&format!("/messagerie/ecrire?modifier={id}"))
        .await;
    assert!(edit.body.contains("Pour lundi."));
    let edited = send(
        &teacher,
        &[&parent_code],
        "Devoirs (corrigé)",
        "Pour mardi.",
        &[("existing", &id)],
    )
    .await;
    assert_eq!(sent_id(&edited), id);
    assert!(!in_folder(&parent, "recus", "Devoirs").await);

    // Monday 06:30 UTC (07:30 or 08:30 in Paris): delivered, as edited.
    app.state.clock.advance(2 * 86_400 - 14 * 3600);
    let parent = app.signed_in(&w.parent).await;
    let inbox = folder(&parent, "recus", "").await;
    assert!(inbox.body.contains("Devoirs (corrigé)"), "{}", inbox.body);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mailbox WHERE folder = 'inbox'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn a_held_message_can_be_cancelled_and_some_messages_are_never_held() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_friday_night(&app);
    let parent = app.signed_in(&w.parent).await;
    let teacher_code = person(&w.teacher.id);
    // A parent to a teacher: held too; cancelled, it goes back to the drafts.
    let held = sent_id(&send(&parent, &[&teacher_code], "Absence", "Lundi.", &[]).await);
    let path = format!("/messagerie/{held}");
    let cancelled = parent.submit(&path, &format!("{path}/annuler"), &[]).await;
    assert!(cancelled.status.is_redirection(), "{cancelled:?}");
    assert!(in_folder(&parent, "brouillons", "Absence").await);
    app.state.clock.advance(3 * 86_400);
    let teacher = app.signed_in(&w.teacher).await;
    assert!(!in_folder(&teacher, "recus", "Absence").await);

    // Staff to staff: at once, even on Friday night.
    to_friday_night(&app);
    let (parent, teacher, director) = (
        app.signed_in(&w.parent).await,
        app.signed_in(&w.teacher).await,
        app.signed_in(&w.director).await,
    );
    let director_code = person(&w.director.id);
    send(
        &teacher,
        &[&director_code],
        "Conseil",
        "Ordre du jour.",
        &[],
    )
    .await;
    assert!(in_folder(&director, "recus", "Conseil").await);
    // The director's urgent message to the parents: at once, and journaled.
    let parents = format!("parents:{}", w.class_a);
    let urgent = send(
        &director,
        &[&parents],
        "École fermée demain",
        "Alerte météo.",
        &[("urgent", "oui")],
    )
    .await;
    assert!(
        urgent
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=message-envoye")
    );
    assert!(in_folder(&parent, "recus", "École fermée demain").await);
    let journaled: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'message.urgent'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(journaled, 1);
    // A teacher may not mark a message urgent (a forged form).
    let forged = send(
        &teacher,
        &[&person(&w.parent.id)],
        "Urgent ?",
        "Non.",
        &[("urgent", "oui")],
    )
    .await;
    assert_eq!(forged.status, reqwest::StatusCode::FORBIDDEN);

    // A scheduled message (staff) waits for its time, even outside the quiet hours.
    app.state.clock.advance(3 * 86_400);
    let teacher = app.signed_in(&w.teacher).await;
    let in_two_days = chrono_like_input(&app, 2 * 86_400);
    let scheduled = send(
        &teacher,
        &[&director_code],
        "Rappel",
        "Réunion.",
        &[("schedule", &in_two_days)],
    )
    .await;
    assert!(
        scheduled
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=message-differe"),
        "{scheduled:?}"
    );
    assert!(!in_folder(&director, "recus", "Rappel").await);
    app.state.clock.advance(2 * 86_400 + 7200);
    let director = app.signed_in(&w.director).await;
    assert!(in_folder(&director, "recus", "Rappel").await);
    app.stop().await;
}

/// `yyyy-mm-ddThh:mm` of the node's time plus `secs`, as a Paris-time input (a day's margin
/// covers the offset).
fn chrono_like_input(app: &ent_tests::TestApp, secs: i64) -> String {
    let at = app.state.clock.now() + secs;
    ent_node::domain::local_time::paris(at)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap()
}
