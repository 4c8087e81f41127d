//! Cahier de textes: rights for every page and action (teacher of the class, other teacher,
//! pupil of the class, other pupil, parent, other parent, director, inspector, staff, guest,
//! operator), forged forms refused with nothing written, a parent of two children, "À faire"
//! tomorrow first, "fait" seen by teachers only, hand-ins and answers, copies, planned dates and
//! the quiet hours (warning the evening before), forms sent twice, quotas on files.

use chrono::{Duration, NaiveDate};
use ent_tests::client::Page;
use ent_tests::liaison::{add_parent, link, rows};
use ent_tests::messaging::{move_to, to_tuesday_morning};
use ent_tests::spaces::multipart;
use ent_tests::{TestApp, TestClient, World, spawn_app, spawn_app_with};

/// The node's today in Paris.
fn today(app: &TestApp) -> NaiveDate {
    ent_node::domain::local_time::paris(app.state.clock.now())
        .expect("date")
        .date()
}

fn day(app: &TestApp, days: i64) -> String {
    (today(app) + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The entry id a successful write redirected to.
fn entry_id(page: &Page) -> String {
    let location = page
        .location
        .as_deref()
        .unwrap_or_else(|| panic!("no redirect: {} {}", page.status, page.body));
    location
        .trim_start_matches("/cahier-de-textes/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// Writes a work for `class` due `due` as `client` (no file); the raw answer.
async fn give(
    client: &TestClient,
    class: &str,
    title: &str,
    due: &str,
    extra: &[(&str, &str)],
) -> Page {
    let mut fields = vec![
        ("classe", class),
        ("type", "travail"),
        ("jour", due),
        ("titre", title),
        ("texte", "Lire la **page 12** et répondre aux questions."),
        ("minutes", "20"),
    ];
    fields.extend_from_slice(extra);
    client
        .post_signed("/cahier-de-textes/ecrire", &fields)
        .await
}

#[tokio::test]
async fn every_profile_gets_exactly_its_rights_and_forged_posts_write_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let other_parent = add_parent(&app.state, &w, &w.other_pupil.id, "Claire").await;
    let classmate = w.add_pupil(&app.state, &w.class_a, "Zoé", "Girard").await;
    let teacher = app.signed_in(&w.teacher).await;
    let due = day(&app, 1);
    let id = entry_id(
        &give(
            &teacher,
            &w.class_a,
            "Exercices de géométrie",
            &due,
            &[("a_rendre", "oui")],
        )
        .await,
    );
    // Whose action is it: (profile, person, reads, writes class A, is its pupil).
    let people = [
        ("teacher", &w.teacher, true, true, false),
        ("other teacher", &w.other_teacher, false, false, false),
        ("pupil", &w.pupil, true, false, true),
        ("other pupil", &w.other_pupil, false, false, false),
        ("parent", &w.parent, true, false, false),
        ("other parent", &other_parent, false, false, false),
        ("director", &w.director, true, false, false),
        ("inspector", &w.inspector, true, false, false),
        ("staff", &w.staff, false, false, false),
        ("guest", &w.guest, false, false, false),
        ("operator", &w.operator, false, false, false),
    ];
    // The classmate hands in (for the answer), ticks "fait".
    let mate = app.signed_in(&classmate).await;
    let (kind, body) = multipart(
        &[
            ("csrf", &mate.session_csrf().await),
            ("texte", "Ma réponse"),
        ],
        &[],
    );
    let handed = mate
        .post_bytes(&format!("/cahier-de-textes/{id}/rendre"), &kind, body)
        .await;
    assert!(handed.status.is_redirection(), "{}", handed.body);
    mate.post_signed(&format!("/cahier-de-textes/{id}/fait"), &[("fait", "oui")])
        .await;
    let handin: String = sqlx::query_scalar("SELECT id FROM homework_handins")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    for (who, person, reads, writes, is_pupil) in people {
        let client = app.signed_in(person).await;
        let opens = !matches!(who, "staff" | "guest" | "operator");
        let status = |p: &Page| p.status.as_u16();
        assert_eq!(
            status(&client.get("/cahier-de-textes").await) == 200,
            opens,
            "{who} home"
        );
        let entry = client.get(&format!("/cahier-de-textes/{id}")).await;
        assert_eq!(
            status(&entry) == 200,
            reads,
            "{who} entry {}",
            status(&entry)
        );
        if !reads {
            assert_eq!(status(&entry), 404, "{who}");
        }
        let class = client
            .get(&format!("/cahier-de-textes/classes/{}", w.class_a))
            .await;
        assert_eq!(status(&class) == 200, reads, "{who} class");
        if reads {
            assert!(class.body.contains("Exercices de géométrie"), "{who}");
        }
        let form = client.get("/cahier-de-textes/ecrire").await;
        assert_eq!(status(&form) == 200, who.contains("teacher"), "{who} form");
        // Writing in class A.
        let before = rows(&app.state, "homework_entries").await;
        let sent = give(&client, &w.class_a, &format!("Par {who}"), &due, &[]).await;
        assert_eq!(
            sent.status.is_redirection(),
            writes,
            "{who} writes: {}",
            sent.body
        );
        if !writes {
            assert_eq!(status(&sent), 403, "{who}");
            assert!(
                sent.body.contains("été enregistré") || sent.body.contains("pas accessible"),
                "{who}: {}",
                sent.body
            );
        }
        assert_eq!(
            rows(&app.state, "homework_entries").await,
            before + i64::from(writes),
            "{who}"
        );
        // "Fait", hand-in: the class's pupils only.
        let done_before = rows(&app.state, "homework_done").await;
        let tick = client
            .post_signed(&format!("/cahier-de-textes/{id}/fait"), &[("fait", "oui")])
            .await;
        assert_eq!(tick.status.is_redirection(), is_pupil, "{who} ticks");
        assert_eq!(
            rows(&app.state, "homework_done").await,
            done_before + i64::from(is_pupil),
            "{who}"
        );
        if !is_pupil {
            assert_eq!(status(&tick), 403, "{who}");
            let (kind, body) = multipart(
                &[("csrf", &client.session_csrf().await), ("texte", "Faux")],
                &[],
            );
            let forged = client
                .post_bytes(&format!("/cahier-de-textes/{id}/rendre"), &kind, body)
                .await;
            assert_eq!(status(&forged), 403, "{who} hands in");
        }
        // Answer, copy, delete: the class's teacher only (copying needs a second class).
        let answer = client
            .post_signed(
                &format!("/cahier-de-textes/rendus/{handin}/repondre"),
                &[("reponse", &format!("Réponse de {who}"))],
            )
            .await;
        assert_eq!(answer.status.is_redirection(), writes, "{who} answers");
        if !writes {
            assert_eq!(status(&answer), 403, "{who}");
        }
        let copy = client
            .post_signed(
                &format!("/cahier-de-textes/{id}/copier"),
                &[("classe", &w.class_b)],
            )
            .await;
        assert_eq!(status(&copy), 403, "{who} copies to a class not theirs");
        if !writes {
            let before = rows(&app.state, "homework_entries").await;
            let delete = client
                .post_signed(
                    &format!("/cahier-de-textes/{id}/supprimer"),
                    &[("confirme", "oui")],
                )
                .await;
            assert_eq!(status(&delete), 403, "{who} deletes");
            assert_eq!(rows(&app.state, "homework_entries").await, before, "{who}");
        }
        // Only the class's teachers see who ticked and handed in; the pupil sees their own.
        if reads && !writes {
            assert!(!entry.body.contains("Zoé"), "{who} sees the classmate");
            assert!(!entry.body.contains("Ma réponse"), "{who} sees the hand-in");
        }
    }
    // The answer reached the classmate, never the other pupils.
    let theirs = mate.get(&format!("/cahier-de-textes/{id}")).await;
    assert!(
        theirs.body.contains("Réponse de teacher"),
        "{}",
        theirs.body
    );
    let teachers = teacher.get(&format!("/cahier-de-textes/{id}")).await;
    assert!(teachers.body.contains("Zoé Girard") && teachers.body.contains("Ma réponse"));
    // The teacher's delete went through the confirmation page (and only then deleted).
    let asked = teacher
        .post_signed(&format!("/cahier-de-textes/{id}/supprimer"), &[])
        .await;
    assert_eq!(asked.status.as_u16(), 200);
    assert!(asked.body.contains("pas réversible"));
    assert!(rows(&app.state, "homework_entries").await >= 2);
    let gone = teacher
        .post_signed(
            &format!("/cahier-de-textes/{id}/supprimer"),
            &[("confirme", "oui")],
        )
        .await;
    assert!(gone.status.is_redirection());
    assert_eq!(rows(&app.state, "homework_handins").await, 0);
    assert_eq!(
        teacher
            .get(&format!("/cahier-de-textes/{id}"))
            .await
            .status
            .as_u16(),
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn a_parent_of_two_children_sees_each_list_once_and_pupils_see_tomorrow_first() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    link(&app.state, &w.parent.id, &w.other_pupil.id).await;
    let (teacher, other) = (
        app.signed_in(&w.teacher).await,
        app.signed_in(&w.other_teacher).await,
    );
    give(&teacher, &w.class_a, "Poésie à réciter", &day(&app, 3), &[]).await;
    give(
        &teacher,
        &w.class_a,
        "Tables de multiplication",
        &day(&app, 1),
        &[],
    )
    .await;
    give(&other, &w.class_b, "Dictée à préparer", &day(&app, 2), &[]).await;
    // A séance is not "à faire".
    teacher
        .post_signed(
            "/cahier-de-textes/ecrire",
            &[
                ("classe", &w.class_a),
                ("type", "seance"),
                ("jour", &day(&app, 0)),
                ("titre", "Séance sur les fractions"),
            ],
        )
        .await;
    let pupil = app.signed_in(&w.pupil).await.get("/cahier-de-textes").await;
    let tables = pupil
        .body
        .find("Tables de multiplication")
        .expect("tomorrow");
    let poetry = pupil.body.find("Poésie à réciter").expect("later");
    assert!(tables < poetry, "tomorrow first");
    assert!(pupil.body.contains("Demain"));
    assert!(
        !pupil.body.contains("Dictée à préparer")
            && !pupil.body.contains("Séance sur les fractions")
    );
    assert!(pupil.body.contains("Mes devoirs"), "simple view");
    let parent = app
        .signed_in(&w.parent)
        .await
        .get("/cahier-de-textes")
        .await;
    for title in [
        "Poésie à réciter",
        "Tables de multiplication",
        "Dictée à préparer",
    ] {
        assert_eq!(parent.body.matches(title).count(), 1, "{title}");
    }
    assert!(parent.body.contains("À faire · Léa") && parent.body.contains("À faire · Hugo"));
    assert!(
        !parent.body.contains("Marquer comme fait"),
        "parents do not tick"
    );
    // The class page shows the séance to the class's readers.
    let class = app
        .signed_in(&w.pupil)
        .await
        .get(&format!("/cahier-de-textes/classes/{}", w.class_a))
        .await;
    assert!(class.body.contains("Séance sur les fractions"));
    app.stop().await;
}

#[tokio::test]
async fn work_in_the_quiet_hours_waits_for_their_end_and_warns_the_evening_before() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    // Tuesday 21:00 UTC: 22:00 in Paris, quiet.
    move_to(&app, 1, 21, 0);
    let teacher = app.signed_in(&w.teacher).await;
    let tomorrow = day(&app, 1);
    let warned = give(&teacher, &w.class_a, "Pour demain matin", &tomorrow, &[]).await;
    assert_eq!(warned.status.as_u16(), 200, "{}", warned.body);
    assert!(
        warned.body.contains("le matin même")
            && warned.body.contains("name=\"confirme\" value=\"oui\"")
    );
    assert_eq!(
        rows(&app.state, "homework_entries").await,
        0,
        "nothing written before the answer"
    );
    // Work due later: no warning, held until 07:00.
    let later = give(&teacher, &w.class_a, "Pour jeudi", &day(&app, 2), &[]).await;
    assert!(later.status.is_redirection(), "{}", later.body);
    let confirmed = give(
        &teacher,
        &w.class_a,
        "Pour demain matin",
        &tomorrow,
        &[("confirme", "oui")],
    )
    .await;
    let id = entry_id(&confirmed);
    let pupil = app.signed_in(&w.pupil).await;
    assert!(
        !pupil
            .get("/cahier-de-textes")
            .await
            .body
            .contains("Pour demain matin")
    );
    assert_eq!(
        pupil
            .get(&format!("/cahier-de-textes/{id}"))
            .await
            .status
            .as_u16(),
        404
    );
    assert!(
        teacher
            .get(&format!("/cahier-de-textes/{id}"))
            .await
            .body
            .contains("le verront")
    );
    let tick = pupil
        .post_signed(&format!("/cahier-de-textes/{id}/fait"), &[("fait", "oui")])
        .await;
    assert_eq!(tick.status.as_u16(), 403, "not visible yet");
    ent_node::homework::run_once(&app.state).await;
    assert_eq!(
        rows(&app.state, "notifications").await,
        0,
        "no notification in the quiet hours"
    );
    // Wednesday 06:30 UTC: 07:30 in Paris.
    app.state.clock.advance(9 * 3600 + 30 * 60);
    // Sessions end after hours of inactivity: sign in again.
    let pupil = app.signed_in(&w.pupil).await;
    let list = pupil.get("/cahier-de-textes").await;
    assert!(list.body.contains("Pour demain matin") && list.body.contains("Pour jeudi"));
    ent_node::homework::run_once(&app.state).await;
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE kind = 'homework' AND user_id IN ($1, $2)",
    )
    .bind(&w.pupil.id)
    .bind(&w.parent.id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(told, 4, "two works, a pupil and a parent each");
    ent_node::homework::run_once(&app.state).await;
    assert_eq!(rows(&app.state, "notifications").await, 4, "told once");
    app.stop().await;
}

#[tokio::test]
async fn a_planned_date_hides_work_until_then_and_bad_fields_write_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let publish = format!("{}T10:00", day(&app, 2));
    let planned = give(
        &teacher,
        &w.class_a,
        "Exposé programmé",
        &day(&app, 7),
        &[("publication", &publish)],
    )
    .await;
    assert!(
        planned
            .location
            .as_deref()
            .unwrap_or_default()
            .contains("cahier-programme")
    );
    let pupil = app.signed_in(&w.pupil).await;
    assert!(
        !pupil
            .get("/cahier-de-textes")
            .await
            .body
            .contains("Exposé programmé")
    );
    assert!(
        teacher
            .get("/cahier-de-textes?semaine=")
            .await
            .status
            .is_success()
    );
    app.state.clock.advance(2 * 86_400 + 2 * 3600);
    let pupil = app.signed_in(&w.pupil).await;
    let teacher = app.signed_in(&w.teacher).await;
    assert!(
        pupil
            .get("/cahier-de-textes")
            .await
            .body
            .contains("Exposé programmé")
    );
    let before = rows(&app.state, "homework_entries").await;
    for (fields, message) in [
        (vec![("jour", "demain")], "Date illisible"),
        (vec![("jour", day(&app, -1).as_str())], "déjà passé"),
        (
            vec![("liens", "javascript:alert(1)")],
            "pas une adresse web",
        ),
        (vec![("minutes", "beaucoup")], "minutes"),
        (vec![("titre", "")], "titre"),
        (vec![("type", "autre")], "séance ou travail"),
    ] {
        let mut all = vec![
            ("classe", w.class_a.as_str()),
            ("type", "travail"),
            ("jour", "2099-01-01"),
            ("titre", "Titre"),
        ];
        for (name, value) in fields {
            all.retain(|(n, _)| *n != name);
            all.push((name, value));
        }
        let sent = teacher.post_signed("/cahier-de-textes/ecrire", &all).await;
        assert_eq!(sent.status.as_u16(), 422, "{message}: {}", sent.status);
        assert!(sent.body.contains(message), "{message}: {}", sent.body);
    }
    // A subject the teacher does not teach there is refused.
    let forged = give(
        &teacher,
        &w.class_a,
        "Matière inventée",
        &day(&app, 3),
        &[("matiere", "030201")],
    )
    .await;
    assert_eq!(forged.status.as_u16(), 403);
    assert_eq!(rows(&app.state, "homework_entries").await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_teacher_of_two_classes_copies_and_sees_the_week() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    sqlx::query("INSERT INTO class_members (class_id, user_id, role) VALUES ($1, $2, 'teacher')")
        .bind(&w.class_b)
        .bind(&w.teacher.id)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let teacher = app.signed_in(&w.teacher).await;
    let id = entry_id(&give(&teacher, &w.class_a, "Fiche de lecture", &day(&app, 2), &[]).await);
    let copied = teacher
        .post_signed(
            &format!("/cahier-de-textes/{id}/copier"),
            &[("classe", &w.class_b)],
        )
        .await;
    assert!(copied.status.is_redirection(), "{}", copied.body);
    let in_b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM homework_entries WHERE class_id = $1")
        .bind(&w.class_b)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(in_b, 1);
    assert!(
        app.signed_in(&w.other_pupil)
            .await
            .get("/cahier-de-textes")
            .await
            .body
            .contains("Fiche de lecture")
    );
    let week = teacher
        .get(&format!("/cahier-de-textes?semaine={}", day(&app, 2)))
        .await;
    assert_eq!(
        week.body.matches("Fiche de lecture").count(),
        2,
        "one per class"
    );
    assert!(week.body.contains("CM2 A") && week.body.contains("CM1 B"));
    app.stop().await;
}

#[tokio::test]
async fn forms_sent_twice_do_one_thing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let page = teacher.get("/cahier-de-textes/ecrire").await;
    let (csrf, once) = crate::once::form_tokens(&page, "/cahier-de-textes/ecrire");
    let due = day(&app, 2);
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", once.as_str()),
        ("classe", w.class_a.as_str()),
        ("type", "travail"),
        ("jour", due.as_str()),
        ("titre", "Une seule fois"),
        ("a_rendre", "oui"),
    ];
    let (a, b) = tokio::join!(
        teacher.post_form("/cahier-de-textes/ecrire", &fields),
        teacher.post_form("/cahier-de-textes/ecrire", &fields)
    );
    assert!(
        a.status.is_redirection() && b.status.is_redirection(),
        "{} {}",
        a.status,
        b.status
    );
    assert_eq!(rows(&app.state, "homework_entries").await, 1);
    let id: String = sqlx::query_scalar("SELECT id FROM homework_entries")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    // "Fait" twice (without the one-time token): one mark.
    let pupil = app.signed_in(&w.pupil).await;
    for _ in 0..2 {
        pupil
            .post_signed(&format!("/cahier-de-textes/{id}/fait"), &[("fait", "oui")])
            .await;
    }
    assert_eq!(rows(&app.state, "homework_done").await, 1);
    // Handing in twice keeps one hand-in (the text replaced).
    for text in ["Premier envoi", "Second envoi"] {
        let (kind, body) = multipart(
            &[("csrf", &pupil.session_csrf().await), ("texte", text)],
            &[],
        );
        pupil
            .post_bytes(&format!("/cahier-de-textes/{id}/rendre"), &kind, body)
            .await;
    }
    assert_eq!(rows(&app.state, "homework_handins").await, 1);
    let kept: String = sqlx::query_scalar("SELECT body FROM homework_handins")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(kept, "Second envoi");
    app.stop().await;
}

#[tokio::test]
async fn files_are_sniffed_counted_against_quotas_and_served_to_readers_only() {
    let app = spawn_app_with(|config| config.quotas.member_daily_mib = 1).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(700 * 1024, b' ');
    let due = day(&app, 2);
    let send = async |title: &str, file: &[u8]| {
        let (kind, body) = multipart(
            &[
                ("csrf", &teacher.session_csrf().await),
                ("classe", &w.class_a),
                ("type", "travail"),
                ("jour", &due),
                ("titre", title),
                ("a_rendre", "oui"),
            ],
            &[("consignes.pdf", file)],
        );
        teacher
            .post_bytes("/cahier-de-textes/ecrire", &kind, body)
            .await
    };
    let first = send("Avec consignes", &pdf).await;
    let id = entry_id(&first);
    let second = send("Encore des consignes", &pdf).await;
    assert_eq!(second.status.as_u16(), 422, "{}", second.body);
    assert!(second.body.contains("24 heures"), "{}", second.body);
    let fake = send("Faux fichier", b"<script>alert(1)</script>").await;
    assert_eq!(fake.status.as_u16(), 422);
    assert_eq!(rows(&app.state, "homework_entries").await, 1);
    assert_eq!(rows(&app.state, "homework_files").await, 1);
    let file: String = sqlx::query_scalar("SELECT id FROM homework_files")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let path = format!("/cahier-de-textes/fichiers/{file}");
    assert_eq!(
        app.signed_in(&w.pupil)
            .await
            .get(&path)
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        app.signed_in(&w.parent)
            .await
            .get(&path)
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        app.signed_in(&w.other_pupil)
            .await
            .get(&path)
            .await
            .status
            .as_u16(),
        404
    );
    // The pupil hands in a file; the teacher reads it, another pupil never does.
    let pupil = app.signed_in(&w.pupil).await;
    let (kind, body) = multipart(
        &[("csrf", &pupil.session_csrf().await)],
        &[("photo.png", ent_tests::spaces::PNG)],
    );
    let handed = pupil
        .post_bytes(&format!("/cahier-de-textes/{id}/rendre"), &kind, body)
        .await;
    assert!(handed.status.is_redirection(), "{}", handed.body);
    let handin_file: String = sqlx::query_scalar("SELECT id FROM homework_handin_files")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let path = format!("/cahier-de-textes/rendus/fichiers/{handin_file}");
    assert_eq!(teacher.get(&path).await.status.as_u16(), 200);
    assert_eq!(pupil.get(&path).await.status.as_u16(), 200);
    let classmate = w.add_pupil(&app.state, &w.class_a, "Zoé", "Girard").await;
    assert_eq!(
        app.signed_in(&classmate)
            .await
            .get(&path)
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        app.signed_in(&w.director)
            .await
            .get(&path)
            .await
            .status
            .as_u16(),
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn in_a_college_work_goes_by_subject_and_groups_are_classes() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let db = app.state.db.pool();
    sqlx::query("UPDATE schools SET kind = 'college' WHERE id = $1")
        .bind(&w.school_id)
        .execute(db)
        .await
        .unwrap();
    // Class B becomes an LV2 group the teacher teaches, with the pupil of class A in it.
    sqlx::query("UPDATE classes SET kind = 'group', name = 'ESP2 4e' WHERE id = $1")
        .bind(&w.class_b)
        .execute(db)
        .await
        .unwrap();
    for (class, user, role) in [
        (&w.class_b, &w.teacher.id, "teacher"),
        (&w.class_b, &w.pupil.id, "pupil"),
    ] {
        sqlx::query("INSERT INTO class_members (class_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(class)
            .bind(user)
            .bind(role)
            .execute(db)
            .await
            .unwrap();
    }
    for (code, label) in [("030201", "ESPAGNOL LV2"), ("061300", "MATHEMATIQUES")] {
        sqlx::query("INSERT INTO subjects (code, label) VALUES ($1, $2)")
            .bind(code)
            .bind(label)
            .execute(db)
            .await
            .unwrap();
    }
    for (class, subject) in [(&w.class_a, "061300"), (&w.class_b, "030201")] {
        sqlx::query("INSERT INTO teaching (class_id, user_id, subject_code) VALUES ($1, $2, $3)")
            .bind(class)
            .bind(&w.teacher.id)
            .bind(subject)
            .execute(db)
            .await
            .unwrap();
    }
    let teacher = app.signed_in(&w.teacher).await;
    let form = teacher.get("/cahier-de-textes/ecrire").await;
    assert!(form.body.contains("Groupe ESP2 4e") && form.body.contains("ESPAGNOL LV2"));
    let missing = give(&teacher, &w.class_b, "Vocabulaire", &day(&app, 1), &[]).await;
    assert_eq!(missing.status.as_u16(), 422);
    assert!(missing.body.contains("Choisissez la matière"));
    // A subject taught in the other class only is not this group's.
    let wrong = give(
        &teacher,
        &w.class_b,
        "Vocabulaire",
        &day(&app, 1),
        &[("matiere", "061300")],
    )
    .await;
    assert_eq!(wrong.status.as_u16(), 403);
    assert_eq!(rows(&app.state, "homework_entries").await, 0);
    let ok = give(
        &teacher,
        &w.class_b,
        "Vocabulaire",
        &day(&app, 1),
        &[("matiere", "030201")],
    )
    .await;
    assert!(ok.status.is_redirection(), "{}", ok.body);
    give(
        &teacher,
        &w.class_a,
        "Fractions",
        &day(&app, 1),
        &[("matiere", "061300")],
    )
    .await;
    let list = app.signed_in(&w.pupil).await.get("/cahier-de-textes").await;
    assert!(
        list.body.contains("ESPAGNOL LV2 · ESP2 4e") && list.body.contains("MATHEMATIQUES · CM2 A")
    );
    app.stop().await;
}
