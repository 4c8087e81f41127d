//! iCalendar: a private feed read by an independent parser (the `ical` crate; the node writes
//! with `icalendar`), a series with its cancelled (EXDATE) and moved (RECURRENCE-ID) dates, the
//! zone's holidays, a revoked address answering 404; a class's `.ics`; a `.ics` imported into
//! the school's agenda by its director only, a second import updating the same events.

use chrono::Duration;
use ent_tests::agenda::{create, event_id, events, times, view};
use ent_tests::messaging::to_tuesday_morning;
use ent_tests::{World, spawn_app_with};

/// Parses a feed with the independent parser: its events as (name → values) lists.
fn parse(text: &str) -> Vec<Vec<(String, String, String)>> {
    let mut reader = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = reader
        .next()
        .expect("one calendar")
        .unwrap_or_else(|e| panic!("feed refused by the parser: {e}\n{text}"));
    assert!(reader.next().is_none());
    calendar
        .events
        .iter()
        .map(|e| {
            e.properties
                .iter()
                .map(|p| {
                    let params = p
                        .params
                        .iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={}", v.join(",")))
                        .collect::<Vec<_>>()
                        .join(";");
                    (p.name.clone(), params, p.value.clone().unwrap_or_default())
                })
                .collect()
        })
        .collect()
}

fn value<'a>(event: &'a [(String, String, String)], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, _, v)| v.as_str())
}

#[tokio::test]
async fn a_private_feed_parses_with_series_exceptions_and_holidays_and_dies_when_revoked() {
    let app = spawn_app_with(|c| c.agenda.zone = "Zone A".into()).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let today = app.state.clock.today();
    let teacher = app.signed_in(&w.teacher).await;
    let id = event_id(
        &create(
            &teacher,
            &[
                ("cible", &format!("classe:{}", w.class_a)),
                ("titre", "Piscine, bassin 2"),
                ("lieu", "Piscine municipale"),
                ("jour", &today.to_string()),
                ("debut", "09:00"),
                ("fin", "10:00"),
                ("jusqu_au", &(today + Duration::weeks(4)).to_string()),
            ],
        )
        .await,
    );
    let base = format!("/agenda/evenements/{id}/occurrence");
    let cancelled = (today + Duration::weeks(1)).to_string();
    let moved = (today + Duration::weeks(2)).to_string();
    let moved_to = (today + Duration::weeks(2) + Duration::days(1)).to_string();
    teacher
        .post_signed(&base, &[("action", "annuler"), ("jour", &cancelled)])
        .await;
    teacher
        .post_signed(
            &base,
            &[
                ("action", "deplacer"),
                ("jour", &moved),
                ("nouveau_jour", &moved_to),
                ("debut", "13:30"),
                ("fin", "14:30"),
            ],
        )
        .await;

    let parent = app.signed_in(&w.parent).await;
    let on = parent
        .post_signed("/agenda/flux", &[("action", "activer")])
        .await;
    assert_eq!(on.status, 200);
    let start = on.body.find("/agenda/flux/").expect("feed address shown");
    let path: String = on.body[start..].chars().take_while(|c| *c != '"').collect();
    let token = path
        .trim_start_matches("/agenda/flux/")
        .trim_end_matches(".ics");
    assert!(token.len() >= 64, "{token}");
    // Only its hash is kept.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM agenda_feeds")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_ne!(stored, token);

    // A calendar app has no session.
    let app_client = app.client();
    let feed = app_client.get(&path).await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    let parsed = parse(&feed.body);
    let series: Vec<_> = parsed
        .iter()
        .filter(|e| {
            value(e, "SUMMARY") == Some("Piscine\\, bassin 2")
                || value(e, "SUMMARY") == Some("Piscine, bassin 2")
        })
        .collect();
    assert_eq!(series.len(), 2, "{}", feed.body);
    let main = series.iter().find(|e| value(e, "RRULE").is_some()).unwrap();
    assert!(
        value(main, "RRULE")
            .unwrap()
            .starts_with("FREQ=WEEKLY;UNTIL=")
    );
    let (_, params, start) = main.iter().find(|(n, _, _)| n == "DTSTART").unwrap();
    assert_eq!(params, "TZID=Europe/Paris");
    assert_eq!(start, &format!("{}T090000", today.format("%Y%m%d")));
    let exdate = value(main, "EXDATE").expect("EXDATE of the cancelled date");
    assert_eq!(exdate, format!("{}T090000", cancelled.replace('-', "")));
    let over = series
        .iter()
        .find(|e| value(e, "RECURRENCE-ID").is_some())
        .unwrap();
    assert_eq!(
        value(over, "RECURRENCE-ID").unwrap(),
        format!("{}T090000", moved.replace('-', ""))
    );
    assert_eq!(
        value(over, "DTSTART").unwrap(),
        format!("{}T133000", moved_to.replace('-', ""))
    );
    assert_eq!(value(over, "UID"), value(main, "UID"));
    assert_eq!(value(main, "LOCATION"), Some("Piscine municipale"));
    // The holidays of zone A are there as all-day events.
    assert!(
        parsed
            .iter()
            .any(|e| value(e, "SUMMARY") == Some("Vacances de Noël")
                && value(e, "DTSTART").is_some_and(|d| d.len() == 8))
    );
    assert!(feed.body.contains("BEGIN:VTIMEZONE"));

    // Revoked: 404; a guessed token too.
    parent
        .post_signed("/agenda/flux", &[("action", "revoquer")])
        .await;
    assert_eq!(app_client.get(&path).await.status, 404);
    let guessed = format!("/agenda/flux/{}.ics", "0".repeat(64));
    assert_eq!(app_client.get(&guessed).await.status, 404);

    // The class's agenda as a file, for who may see the class only.
    let export = parent
        .get(&format!("/agenda/classes/{}/agenda.ics", w.class_a))
        .await;
    assert_eq!(export.status, 200);
    assert_eq!(
        parse(&export.body)
            .iter()
            .filter(|e| value(e, "RRULE").is_some())
            .count(),
        1
    );
    let other_parent_view = app
        .signed_in(&w.other_pupil)
        .await
        .get(&format!("/agenda/classes/{}/agenda.ics", w.class_a))
        .await;
    assert_eq!(other_parent_view.status, 403);
    app.stop().await;
}

/// A multipart body with the token, the school and one file.
fn multipart(csrf: &str, school: &str, file: &str) -> (String, Vec<u8>) {
    let boundary = "----agenda-test";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"ecole\"\r\n\r\n{school}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sorties.ics\"\r\n\
         Content-Type: text/calendar\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mairie//FR\r\n\
BEGIN:VEVENT\r\nUID:fete-1@mairie\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Fête de l'école\r\n\
DTSTART;VALUE=DATE:DAY1\r\nDTEND;VALUE=DATE:DAY2\r\nLOCATION:Cour\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:chorale@mairie\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Chorale\r\n\
DTSTART;TZID=Europe/Paris:DAY1T161500\r\nDTEND;TZID=Europe/Paris:DAY1T170000\r\n\
RRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;TZID=Europe/Paris:WEEK2T161500\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn a_director_imports_an_ics_file_into_the_school_agenda_once() {
    let app = spawn_app_with(|_| {}).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let today = app.state.clock.today();
    let compact = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let file = ICS
        .replace("DAY1", &compact(today))
        .replace("DAY2", &compact(today + Duration::days(1)))
        .replace("WEEK2", &compact(today + Duration::weeks(1)));

    // A teacher's forged import: 403, nothing written.
    let teacher = app.signed_in(&w.teacher).await;
    assert_eq!(teacher.get("/agenda/importer").await.status, 403);
    let (kind, body) = multipart(&teacher.session_csrf().await, &w.school_id, &file);
    let refused = teacher.post_bytes("/agenda/importer", &kind, body).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .body
            .contains("Vous ne pouvez pas écrire dans cet agenda")
    );
    assert_eq!(events(&app.state).await, 0);

    let director = app.signed_in(&w.director).await;
    for round in 0..2 {
        let (kind, body) = multipart(&director.session_csrf().await, &w.school_id, &file);
        let done = director.post_bytes("/agenda/importer", &kind, body).await;
        assert_eq!(done.status, 200, "{}", done.body);
        let said = if round == 0 {
            "2 événement(s) ajouté(s), 0 mis à jour"
        } else {
            "0 événement(s) ajouté(s), 2 mis à jour"
        };
        assert!(done.body.contains(said), "{}", done.body);
        assert_eq!(events(&app.state).await, 2);
    }
    let parent = app.signed_in(&w.parent).await;
    let day = today.to_string();
    let week = view(&parent, "semaine", &day).await;
    assert_eq!(
        times(&week, "Fête de l&#39;école") + times(&week, "Fête de l'école"),
        1,
        "{}",
        week.body
    );
    assert!(week.body.contains("16 h 15 – 17 h 00"));
    let next = view(
        &parent,
        "semaine",
        &(today + Duration::weeks(1)).to_string(),
    )
    .await;
    assert_eq!(times(&next, "Chorale"), 0);
    let third = view(
        &parent,
        "semaine",
        &(today + Duration::weeks(2)).to_string(),
    )
    .await;
    assert_eq!(times(&third, "Chorale"), 1);

    // A file with an unsupported rule: told, nothing written.
    let bad = file.replace("RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:FREQ=DAILY;COUNT=3");
    let (kind, body) = multipart(&director.session_csrf().await, &w.school_id, &bad);
    let told = director.post_bytes("/agenda/importer", &kind, body).await;
    assert_eq!(told.status, 422);
    assert!(told.body.contains("non prise en charge"), "{}", told.body);
    app.stop().await;
}
