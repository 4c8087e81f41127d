//! The agenda: who writes where (forged forms refused, nothing written), what each viewer's
//! week and month merge (a parent of two children in two classes sees each class's events
//! once), weekly series with cancelled and moved dates, the zone's holidays, the quiet hours.

use chrono::{Datelike, Duration, NaiveDate};
use ent_tests::agenda::{create, event_id, events, times, view};
use ent_tests::messaging::{move_to, to_tuesday_morning};
use ent_tests::{World, spawn_app_with};

/// Tuesday next week, and its week's Monday, as the forms write them.
fn days(app: &ent_tests::TestApp) -> (NaiveDate, String) {
    let today = app.state.clock.today();
    (today, today.to_string())
}

async fn spawn() -> ent_tests::TestApp {
    spawn_app_with(|c| c.agenda.zone = "Zone C".into()).await
}

#[tokio::test]
async fn each_profile_writes_only_where_it_may_and_forged_forms_are_refused() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let (_, day) = days(&app);
    let school = format!("ecole:{}", w.school_id);
    let class_a = format!("classe:{}", w.class_a);
    let may = |who: &str, target: &str| match target {
        "personnel" => true,
        t if t == school => who == "director" || who == "operator",
        _ => matches!(who, "teacher" | "director" | "operator"),
    };
    for (who, person) in w.profiles() {
        if who == "operator" {
            continue;
        }
        let client = app.signed_in(person).await;
        for target in ["personnel", school.as_str(), class_a.as_str()] {
            let before = events(&app.state).await;
            let title = format!("Essai {who} {target}");
            let fields = [
                ("cible", target),
                ("titre", title.as_str()),
                ("jour", day.as_str()),
                ("debut", "09:00"),
                ("fin", "10:00"),
            ];
            let sent = create(&client, &fields).await;
            if may(who, target) {
                assert_eq!(sent.status, 303, "{who} → {target}: {}", sent.body);
                assert_eq!(events(&app.state).await, before + 1);
            } else {
                assert_eq!(sent.status, 403, "{who} → {target}");
                assert!(
                    sent.body
                        .contains("Vous ne pouvez pas écrire dans cet agenda"),
                    "{who}: {}",
                    sent.body
                );
                assert_eq!(events(&app.state).await, before, "{who} wrote in {target}");
            }
        }
    }
    // The form offers only what one may write in.
    let parent = app.signed_in(&w.parent).await;
    let form = parent.get("/agenda/nouveau").await;
    assert!(!form.body.contains(&w.class_a) && !form.body.contains(&w.school_id));

    // Another class's teacher cannot cancel, move or delete the class A event.
    let teacher = app.signed_in(&w.teacher).await;
    let id = event_id(
        &create(
            &teacher,
            &[
                ("cible", &class_a),
                ("titre", "Sortie au musée"),
                ("jour", &day),
                ("journee", "oui"),
            ],
        )
        .await,
    );
    let other = app.signed_in(&w.other_teacher).await;
    for (path, fields) in [
        (
            format!("/agenda/evenements/{id}/supprimer"),
            vec![("confirme", "oui")],
        ),
        (
            format!("/agenda/evenements/{id}/occurrence"),
            vec![("action", "annuler"), ("jour", day.as_str())],
        ),
    ] {
        let refused = other.post_signed(&path, &fields).await;
        assert_eq!(refused.status, 403, "{path}");
    }
    let before = events(&app.state).await;
    // Deleting asks first; confirmed, it is gone.
    let asked = teacher
        .post_signed(&format!("/agenda/evenements/{id}/supprimer"), &[])
        .await;
    assert_eq!(asked.status, 200);
    assert!(
        asked.body.contains("Supprimer « Sortie au musée »"),
        "{}",
        asked.body
    );
    assert_eq!(events(&app.state).await, before);
    let deleted = teacher
        .post_signed(
            &format!("/agenda/evenements/{id}/supprimer"),
            &[("confirme", "oui")],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(events(&app.state).await, before - 1);
    app.stop().await;
}

#[tokio::test]
async fn a_parent_of_two_children_in_two_classes_sees_each_event_once() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let second = w.add_pupil(&app.state, &w.class_b, "Tom", "Martin").await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    ent_node::users::store::link_guardian(&mut tx, &w.parent.id, &second.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, day) = days(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let other = app.signed_in(&w.other_teacher).await;
    let director = app.signed_in(&w.director).await;
    for (client, target, title) in [
        (&teacher, format!("classe:{}", w.class_a), "Sortie au musée"),
        (&other, format!("classe:{}", w.class_b), "Piscine des CM1"),
        (&director, format!("ecole:{}", w.school_id), "Kermesse"),
    ] {
        let sent = create(
            client,
            &[
                ("cible", &target),
                ("titre", title),
                ("jour", &day),
                ("journee", "oui"),
            ],
        )
        .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
    }
    let parent = app.signed_in(&w.parent).await;
    for vue in ["semaine", "mois"] {
        let page = view(&parent, vue, &day).await;
        for title in ["Sortie au musée", "Piscine des CM1", "Kermesse"] {
            assert_eq!(times(&page, title), 1, "{vue} {title}: {}", page.body);
        }
    }
    // A pupil of class A sees their class and school, not class B.
    let pupil = app.signed_in(&w.pupil).await;
    let page = view(&pupil, "semaine", &day).await;
    assert_eq!(times(&page, "Sortie au musée"), 1);
    assert_eq!(times(&page, "Kermesse"), 1);
    assert_eq!(times(&page, "Piscine des CM1"), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_weekly_series_with_a_cancelled_and_a_moved_date_in_week_and_month() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let (today, day) = days(&app);
    let until = (today + Duration::weeks(3)).to_string();
    let teacher = app.signed_in(&w.teacher).await;
    let class = format!("classe:{}", w.class_a);
    let sent = create(
        &teacher,
        &[
            ("cible", &class),
            ("titre", "Bibliothèque"),
            ("jour", &day),
            ("debut", "14:00"),
            ("fin", "15:00"),
            ("jusqu_au", &until),
        ],
    )
    .await;
    let id = event_id(&sent);
    let week2 = (today + Duration::weeks(1)).to_string();
    let week3 = today + Duration::weeks(2);
    let moved_to = (week3 + Duration::days(2)).to_string();
    let base = format!("/agenda/evenements/{id}/occurrence");
    let cancel = teacher
        .post_signed(&base, &[("action", "annuler"), ("jour", &week2)])
        .await;
    assert_eq!(cancel.status, 303, "{}", cancel.body);
    let week3_text = week3.to_string();
    let moved = teacher
        .post_signed(
            &base,
            &[
                ("action", "deplacer"),
                ("jour", &week3_text),
                ("nouveau_jour", &moved_to),
                ("debut", "10:00"),
                ("fin", "11:30"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    // A date that is not one of the series is refused.
    let wrong = teacher
        .post_signed(&base, &[("action", "annuler"), ("jour", "2020-01-01")])
        .await;
    assert_eq!(wrong.status, 422);

    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        times(&view(&parent, "semaine", &day).await, "Bibliothèque"),
        1
    );
    assert_eq!(
        times(&view(&parent, "semaine", &week2).await, "Bibliothèque"),
        0
    );
    let third = view(&parent, "semaine", &week3_text).await;
    assert_eq!(times(&third, "Bibliothèque"), 1);
    assert!(third.body.contains("10 h 00 – 11 h 30"), "{}", third.body);
    assert!(third.body.contains("Déplacé du"), "{}", third.body);
    assert_eq!(
        times(&view(&parent, "semaine", &until).await, "Bibliothèque"),
        1
    );
    // The month of the first date: as many lines as the dates that fall in it.
    let (first, last) = {
        let first = today.with_day(1).unwrap();
        let next = (first + Duration::days(32)).with_day(1).unwrap();
        (first, next - Duration::days(1))
    };
    let expected = [today, week3 + Duration::days(2), today + Duration::weeks(3)]
        .iter()
        .filter(|d| **d >= first && **d <= last)
        .count();
    let month = view(&parent, "mois", &day).await;
    assert_eq!(times(&month, "Bibliothèque"), expected, "{}", month.body);
    let shown = parent.get(&format!("/agenda/evenements/{id}")).await;
    assert!(shown.body.contains("annulée") && shown.body.contains("déplacée au"));
    app.stop().await;
}

#[tokio::test]
async fn the_zone_s_holidays_show_in_every_agenda() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    let pupil = app.signed_in(&w.pupil).await;
    let week = view(&pupil, "semaine", "2026-12-21").await;
    assert!(
        week.body
            .contains("Vacances de Noël : du samedi 19 décembre au dimanche 3 janvier"),
        "{}",
        week.body
    );
    // Zone C's winter holidays, not zone A's.
    let month = view(&pupil, "mois", "2027-02-10").await;
    assert!(
        month
            .body
            .contains("Vacances d&#39;Hiver : du samedi 6 février"),
        "{}",
        month.body
    );
    let outside = view(&pupil, "semaine", "2027-03-02").await;
    assert!(!outside.body.contains("Hiver"));
    app.stop().await;
}

#[tokio::test]
async fn a_class_event_written_on_friday_night_reaches_families_on_monday() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    move_to(&app, 4, 20, 30);
    let friday = app.state.clock.today();
    let monday = (friday + Duration::days(3)).to_string();
    let teacher = app.signed_in(&w.teacher).await;
    let sent = create(
        &teacher,
        &[
            ("cible", &format!("classe:{}", w.class_a)),
            ("titre", "Réunion de rentrée"),
            ("jour", &monday),
            ("debut", "17:00"),
            ("fin", "18:00"),
        ],
    )
    .await;
    assert_eq!(sent.status, 303);
    assert_eq!(
        times(
            &view(&teacher, "semaine", &monday).await,
            "Réunion de rentrée"
        ),
        1
    );
    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        times(
            &view(&parent, "semaine", &monday).await,
            "Réunion de rentrée"
        ),
        0
    );
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agenda_notices WHERE sent = 0")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(held, 1);
    // Monday 06:30 UTC (07:30 or 08:30 in Paris): shown, the notice gone out.
    app.state.clock.advance(3 * 86_400 - 14 * 3600);
    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        times(
            &view(&parent, "semaine", &monday).await,
            "Réunion de rentrée"
        ),
        1
    );
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agenda_notices WHERE sent = 1")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(sent, 1);
    app.stop().await;
}

/// A multipart new-event form with one file.
fn with_file(fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----agenda-fichier";
    let mut body = Vec::new();
    for (key, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_event_s_files_reach_who_sees_the_event_only() {
    let app = spawn().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let (_, day) = days(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let csrf = teacher.session_csrf().await;
    let class = format!("classe:{}", w.class_a);
    let fields = [
        ("csrf", csrf.as_str()),
        ("cible", class.as_str()),
        ("titre", "Sortie au zoo"),
        ("jour", day.as_str()),
        ("journee", "oui"),
    ];
    // Not an image, a PDF or a sound: refused, nothing written.
    let (kind, body) = with_file(&fields, "notes.txt", b"juste du texte");
    let refused = teacher.post_bytes("/agenda/nouveau", &kind, body).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("ni une image, ni un PDF"),
        "{}",
        refused.body
    );
    assert_eq!(events(&app.state).await, 0);

    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let (kind, body) = with_file(&fields, "autorisation.pdf", pdf);
    let sent = teacher.post_bytes("/agenda/nouveau", &kind, body).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let id = event_id(&sent);
    let parent = app.signed_in(&w.parent).await;
    let page = parent.get(&format!("/agenda/evenements/{id}")).await;
    let start = page.body.find("/agenda/fichiers/").expect("file listed");
    let link: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let file = parent.get(&link).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), pdf);
    // A pupil of the other class does not see the event, nor its file.
    let other = app.signed_in(&w.other_pupil).await;
    assert_eq!(other.get(&link).await.status, 404);
    assert_eq!(
        other.get(&format!("/agenda/evenements/{id}")).await.status,
        404
    );
    app.stop().await;
}
