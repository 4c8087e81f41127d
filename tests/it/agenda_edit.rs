//! Changing an event: the creation's form filled in, for who may write in its agenda only (a
//! forged form: 403, nothing written), journaled, notified to families as an event change (at
//! the end of the quiet hours when made in them), sent twice done once; a series changed as a
//! whole keeps its dates' cancellations.

use chrono::Duration;
use ent_tests::agenda::{create, event_id, view};
use ent_tests::messaging::{move_to, to_tuesday_morning};
use ent_tests::{TestApp, World, spawn_app};

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn title(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT title FROM agenda_events WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn told(app: &TestApp, who: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'agenda'",
        who,
    )
    .await
}

async fn journaled(app: &TestApp, id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'agenda.update' AND target = $1",
        id,
    )
    .await
}

#[tokio::test]
async fn an_event_is_changed_by_who_writes_in_its_agenda_only_and_families_hear_of_it() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let day = app.state.clock.today().to_string();
    let teacher = app.signed_in(&w.teacher).await;
    let class = format!("classe:{}", w.class_a);
    let id = event_id(
        &create(
            &teacher,
            &[
                ("cible", &class),
                ("titre", "Piscine"),
                ("lieu", "Piscine municipale"),
                ("jour", &day),
                ("debut", "09:00"),
                ("fin", "10:00"),
            ],
        )
        .await,
    );
    let path = format!("/agenda/evenements/{id}/modifier");
    // The form is the creation's, filled with what the event is.
    let form = teacher.get(&path).await;
    assert_eq!(form.status, 200);
    for value in [
        "value=\"Piscine\"",
        "value=\"Piscine municipale\"",
        "value=\"09:00\"",
    ] {
        assert!(form.body.contains(value), "{value}: {}", form.body);
    }
    let shown = teacher.get(&format!("/agenda/evenements/{id}")).await;
    assert!(shown.body.contains(&path), "{}", shown.body);
    let changed = [
        ("titre", "Piscine (horaire changé)"),
        ("lieu", "Piscine Jean-Bouin"),
        ("description", "Prévoir un bonnet."),
        ("jour", day.as_str()),
        ("debut", "14:00"),
        ("fin", "15:30"),
    ];
    // Forged: another class's teacher, a parent, a pupil, the school's staff: 403, nothing
    // written, no form shown either.
    for person in [&w.other_teacher, &w.parent, &w.pupil, &w.staff] {
        let client = app.signed_in(person).await;
        assert_eq!(client.get(&path).await.status, 403, "{}", person.identifier);
        let refused = client.post_signed(&path, &changed).await;
        assert_eq!(refused.status, 403, "{}", person.identifier);
        assert!(
            refused
                .body
                .contains("Vous ne pouvez pas écrire dans cet agenda")
        );
    }
    assert_eq!(title(&app, &id).await, "Piscine");
    assert_eq!(journaled(&app, &id).await, 0);
    // Wrong input: the form again (422), nothing changed.
    let wrong = teacher
        .post_signed(
            &path,
            &[
                ("titre", "Piscine"),
                ("jour", &day),
                ("debut", "15:00"),
                ("fin", "14:00"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("La fin doit venir après le début"));
    assert!(wrong.body.contains("Enregistrer les changements"));
    assert_eq!(title(&app, &id).await, "Piscine");

    // Sent twice at once with the same one-time token: one change, one journal line, one
    // notice to each family.
    let before = told(&app, &w.parent.id).await;
    let pupil_before = told(&app, &w.pupil.id).await;
    let page = teacher.get(&path).await;
    let (csrf, once) = crate::once::form_tokens(&page, &path);
    let mut fields = changed.to_vec();
    fields.push(("csrf", &csrf));
    fields.push(("once", &once));
    let (first, second) = tokio::join!(
        teacher.post_form(&path, &fields),
        teacher.post_form(&path, &fields)
    );
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(second.status, 303, "{}", second.body);
    assert_eq!(title(&app, &id).await, "Piscine (horaire changé)");
    assert_eq!(journaled(&app, &id).await, 1);
    assert_eq!(told(&app, &w.parent.id).await, before + 1);
    assert_eq!(told(&app, &w.pupil.id).await, pupil_before + 1);
    // The parent reads the new version.
    let parent = app.signed_in(&w.parent).await;
    let week = view(&parent, "semaine", &day).await;
    assert!(
        week.body.contains("Piscine (horaire changé)"),
        "{}",
        week.body
    );
    assert!(week.body.contains("14 h 00"));

    // In the quiet hours (Friday 20:30 UTC): changed at once, families told on Monday.
    move_to(&app, 4, 20, 30);
    let teacher = app.signed_in(&w.teacher).await;
    let held = told(&app, &w.parent.id).await;
    let mut late = changed.to_vec();
    late[0] = ("titre", "Piscine reportée");
    assert_eq!(teacher.post_signed(&path, &late).await.status, 303);
    assert_eq!(title(&app, &id).await, "Piscine reportée");
    assert_eq!(told(&app, &w.parent.id).await, held);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM agenda_notices WHERE sent = 0 AND event_id = $1",
            &id
        )
        .await,
        1
    );
    app.state.clock.advance(3 * 86_400 - 14 * 3600);
    ent_node::agenda::run_once(&app.state).await;
    assert_eq!(told(&app, &w.parent.id).await, held + 1);
    app.stop().await;
}

#[tokio::test]
async fn a_series_is_changed_as_a_whole_and_keeps_its_dates_changes() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let today = app.state.clock.today();
    let teacher = app.signed_in(&w.teacher).await;
    let id = event_id(
        &create(
            &teacher,
            &[
                ("cible", &format!("classe:{}", w.class_a)),
                ("titre", "Chorale"),
                ("jour", &today.to_string()),
                ("debut", "11:00"),
                ("fin", "12:00"),
                ("jusqu_au", &(today + Duration::weeks(4)).to_string()),
            ],
        )
        .await,
    );
    for week in [1, 3] {
        let cancelled = teacher
            .post_signed(
                &format!("/agenda/evenements/{id}/occurrence"),
                &[
                    ("action", "annuler"),
                    ("jour", &(today + Duration::weeks(week)).to_string()),
                ],
            )
            .await;
        assert_eq!(cancelled.status, 303);
    }
    let exceptions = |app: &TestApp| {
        let app_db = app.state.db.clone();
        let id = id.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT day FROM agenda_exceptions WHERE event_id = $1 ORDER BY day",
            )
            .bind(&id)
            .fetch_all(app_db.pool())
            .await
            .unwrap()
        }
    };
    assert_eq!(exceptions(&app).await.len(), 2);
    let path = format!("/agenda/evenements/{id}/modifier");
    let form = teacher.get(&path).await;
    assert!(
        form.body
            .contains(&(today + Duration::weeks(4)).to_string())
    );
    // The whole series, two weeks shorter: the cancelled date still in it stays cancelled,
    // the one no longer in it goes.
    let done = teacher
        .post_signed(
            &path,
            &[
                ("titre", "Chorale de Noël"),
                ("jour", &today.to_string()),
                ("debut", "11:00"),
                ("fin", "12:00"),
                ("jusqu_au", &(today + Duration::weeks(2)).to_string()),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        exceptions(&app).await,
        vec![(today + Duration::weeks(1)).to_string()]
    );
    let month = view(&teacher, "mois", &today.to_string()).await;
    assert!(ent_tests::agenda::times(&month, "Chorale de Noël") >= 1);
    let event = teacher.get(&format!("/agenda/evenements/{id}")).await;
    assert!(event.body.contains("annulée"), "{}", event.body);
    assert!(event.body.contains("Modifier la série"));
    // Turned into one date: no date changes left.
    let single = teacher
        .post_signed(
            &path,
            &[
                ("titre", "Chorale de Noël"),
                ("jour", &today.to_string()),
                ("journee", "oui"),
            ],
        )
        .await;
    assert_eq!(single.status, 303);
    assert!(exceptions(&app).await.is_empty());
    app.stop().await;
}
