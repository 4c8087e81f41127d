//! The absences a class's families announce (mots d'absence of the cahier de liaison), on the
//! class's days of its teachers' and director's agenda only: never another class's teacher,
//! the parents, the pupils or the school's staff; sent in the quiet hours, shown at their end.

use chrono::Duration;
use ent_tests::agenda::view;
use ent_tests::liaison::add_parent;
use ent_tests::messaging::{move_to, to_tuesday_morning};
use ent_tests::{World, spawn_app};

#[tokio::test]
async fn absences_show_on_the_class_s_days_for_its_teachers_and_director_only() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let today = app.state.clock.today();
    let parent = app.signed_in(&w.parent).await;
    let (from, to) = (today.to_string(), (today + Duration::days(1)).to_string());
    let sent = parent
        .submit(
            "/liaison/absence",
            "/liaison/absence",
            &[
                ("eleve", w.pupil.id.as_str()),
                ("du", &from),
                ("au", &to),
                ("motif", "maladie"),
                ("precisions", "Fièvre, secret médical"),
            ],
        )
        .await;
    assert!(
        sent.redirects_to("/liaison?fait=absence-envoyee"),
        "{sent:?}"
    );
    let other_parent = add_parent(&app.state, &w, &w.other_pupil.id, "Julie").await;
    let absent = "Léa Martin (";
    for who in [&w.teacher, &w.director] {
        let client = app.signed_in(who).await;
        let week = view(&client, "semaine", &from).await;
        assert!(week.body.contains("Absences annoncées"), "{}", week.body);
        // Tuesday and Wednesday, not Thursday; the reason's label, never the free text.
        assert_eq!(ent_tests::agenda::times(&week, absent), 2, "{}", week.body);
        assert!(week.body.contains("Maladie") && !week.body.contains("secret médical"));
        let month = view(&client, "mois", &from).await;
        assert_eq!(ent_tests::agenda::times(&month, absent), 2);
        // The next week: none.
        let next = view(
            &client,
            "semaine",
            &(today + Duration::weeks(1)).to_string(),
        )
        .await;
        assert_eq!(ent_tests::agenda::times(&next, absent), 0);
    }
    // Another class's teacher, the parents (even the child's own: it is on their liaison
    // page), another family, the pupils, the school's staff: nothing.
    for who in [
        &w.other_teacher,
        &w.parent,
        &other_parent,
        &w.pupil,
        &w.other_pupil,
        &w.staff,
    ] {
        let client = app.signed_in(who).await;
        for vue in ["semaine", "mois"] {
            let page = view(&client, vue, &from).await;
            assert_eq!(page.status, 200);
            assert!(
                !page.body.contains(absent) && !page.body.contains("Absences annoncées"),
                "{}: {}",
                who.identifier,
                page.body
            );
        }
    }
    // Sent in the quiet hours: on the class's day once delivered, not before.
    move_to(&app, 4, 20, 30);
    let parent = app.signed_in(&w.parent).await;
    let monday = app.state.clock.today() + Duration::days(3);
    let late = parent
        .submit(
            "/liaison/absence",
            "/liaison/absence",
            &[
                ("eleve", w.pupil.id.as_str()),
                ("du", &monday.to_string()),
                ("au", &monday.to_string()),
                ("motif", "medical"),
            ],
        )
        .await;
    assert!(late.status.is_redirection(), "{late:?}");
    let teacher = app.signed_in(&w.teacher).await;
    let week = view(&teacher, "semaine", &monday.to_string()).await;
    assert!(!week.body.contains("Rendez-vous médical"));
    app.state.clock.advance(3 * 86_400 - 14 * 3600);
    let teacher = app.signed_in(&w.teacher).await;
    let week = view(&teacher, "semaine", &monday.to_string()).await;
    assert!(week.body.contains("Rendez-vous médical"), "{}", week.body);
    app.stop().await;
}
