//! The cahier de liaison: who may write a mot (forged forms refused, nothing written), the
//! signatures of each guardian or one per family (a form sent twice signs once), reminders,
//! the printable list of missing signatures, private answers in the messagerie, mots
//! d'absence, the pupil's carnet, the quiet hours and deletion.

use ent_tests::liaison::{add_parent, id_of, occurrences, rows, write_mot};
use ent_tests::messaging::{in_folder, move_to, to_tuesday_morning};
use ent_tests::{World, spawn_app};

#[tokio::test]
async fn only_the_class_s_teacher_and_the_director_write_mots_and_forged_forms_write_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    for (who, person) in w.profiles() {
        let client = app.signed_in(person).await;
        let allowed = matches!(who, "teacher" | "other teacher" | "director");
        for (class, pupils) in [
            (w.class_a.as_str(), Vec::new()),
            (w.class_a.as_str(), vec![w.other_pupil.id.as_str()]),
            (w.class_b.as_str(), Vec::new()),
            ("inconnue", Vec::new()),
        ] {
            let before = rows(&app.state, "liaison_mots").await;
            let mut fields: Vec<(&str, &str)> = pupils.iter().map(|p| ("eleves", *p)).collect();
            fields.extend([
                ("classe", class),
                ("title", "Mot"),
                ("body", "Texte."),
                ("signature", "chaque"),
            ]);
            let sent = client.post_signed("/liaison/ecrire", &fields).await;
            let ok = match who {
                "teacher" => class == w.class_a && pupils.is_empty(),
                "other teacher" => class == w.class_b,
                "director" => class != "inconnue" && (class != w.class_a || pupils.is_empty()),
                _ => false,
            };
            let after = rows(&app.state, "liaison_mots").await;
            if ok {
                assert!(sent.status.is_redirection(), "{who} {class}: {}", sent.body);
                assert_eq!(after, before + 1);
            } else {
                assert_eq!(sent.status.as_u16(), 403, "{who} {class} {pupils:?}");
                assert!(
                    sent.body.contains("a été envoyé")
                        || sent.body.contains("pas accessible avec ce compte"),
                    "{who}: {}",
                    sent.body
                );
                assert_eq!(after, before, "{who} {class}: written");
            }
        }
        assert_eq!(
            client.get("/liaison/ecrire").await.status.is_success(),
            allowed,
            "{who}"
        );
    }
    assert_eq!(rows(&app.state, "liaison_pupils").await, 4);
    assert_eq!(rows(&app.state, "liaison_mots").await, 4);
    app.stop().await;
}

#[tokio::test]
async fn each_guardian_signs_once_reminders_go_to_the_others_and_the_missing_list_prints() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let second = add_parent(&app.state, &w, &w.pupil.id, "Karim").await;
    let tom = w.add_pupil(&app.state, &w.class_a, "Tom", "Girard").await;
    let teacher = app.signed_in(&w.teacher).await;
    let sent = write_mot(&teacher, &w.class_a, &[], "Sortie au musée", "chaque").await;
    assert!(
        sent.location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=mot-envoye"),
        "{sent:?}"
    );
    let id = id_of(&sent, "/liaison/mots/");
    let path = format!("/liaison/mots/{id}");

    // The pupil's carnet: simple words, a paper to have signed.
    let pupil = app.signed_in(&w.pupil).await;
    let carnet = pupil.get("/liaison").await;
    assert!(
        carnet.body.contains("Mon carnet") && carnet.body.contains("à faire signer"),
        "{}",
        carnet.body
    );
    assert!(
        pupil
            .get(&path)
            .await
            .body
            .contains("à faire signer par tes parents")
    );
    assert_eq!(
        pupil
            .post_signed(&format!("{path}/signer"), &[("eleve", &w.pupil.id)])
            .await
            .status
            .as_u16(),
        403
    );

    // One parent signs; the same form sent twice signs once.
    let parent = app.signed_in(&w.parent).await;
    let page = parent.get(&path).await;
    assert!(page.body.contains("Lu et pris connaissance"));
    let once = page
        .body
        .split("name=\"once\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let fields = [
        ("eleve", w.pupil.id.as_str()),
        ("once", once.as_str()),
        ("csrf", &page.csrf()),
    ];
    let first = parent.post_form(&format!("{path}/signer"), &fields).await;
    assert!(
        first.redirects_to(&format!("{path}?fait=mot-signe")),
        "{first:?}"
    );
    let again = parent.post_form(&format!("{path}/signer"), &fields).await;
    assert!(again.status.is_redirection() || again.status.is_success());
    parent
        .post_signed(&format!("{path}/signer"), &[("eleve", &w.pupil.id)])
        .await;
    assert_eq!(rows(&app.state, "liaison_signatures").await, 1);
    // Not their child: refused.
    let refused = parent
        .post_signed(&format!("{path}/signer"), &[("eleve", &tom.id)])
        .await;
    assert_eq!(refused.status.as_u16(), 403);
    assert_eq!(rows(&app.state, "liaison_signatures").await, 1);

    // The teacher sees who signed, reminds the others, prints the missing list.
    let follow = teacher.get(&path).await;
    assert!(
        follow.body.contains("Signatures : 0 sur 2"),
        "{}",
        follow.body
    );
    assert!(
        follow.body.contains("Sophie Martin : signé le")
            && follow.body.contains("Karim Martin : non signé")
    );
    let missing = teacher.get(&format!("{path}/manquantes")).await;
    assert!(missing.body.contains("Léa Martin") && missing.body.contains("Karim Martin"));
    assert!(missing.body.contains("Tom Girard") && !missing.body.contains("Sophie Martin"));
    let reminded = teacher.post_signed(&format!("{path}/relancer"), &[]).await;
    assert!(
        reminded.redirects_to(&format!("{path}?fait=mot-relance")),
        "{reminded:?}"
    );
    let journal: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'liaison.reminded'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    // Karim only: Tom has no guardian, Sophie signed.
    assert!(journal.contains("1 parent(s)"), "{journal}");
    // Nobody else's families read the mot or its list.
    let other = app.signed_in(&w.other_teacher).await;
    assert_eq!(other.get(&path).await.status.as_u16(), 404);
    assert_eq!(
        other
            .get(&format!("{path}/manquantes"))
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        parent
            .get(&format!("{path}/manquantes"))
            .await
            .status
            .as_u16(),
        404
    );

    let karim = app.signed_in(&second).await;
    karim
        .post_signed(&format!("{path}/signer"), &[("eleve", &w.pupil.id)])
        .await;
    assert!(
        teacher
            .get(&path)
            .await
            .body
            .contains("Signatures : 1 sur 2")
    );
    assert!(
        !teacher
            .get(&format!("{path}/manquantes"))
            .await
            .body
            .contains("Léa Martin")
    );

    // One signature per family: the first guardian's is enough, the second changes nothing.
    let family = id_of(
        &write_mot(
            &teacher,
            &w.class_a,
            &[&w.pupil.id],
            "Photo de classe",
            "famille",
        )
        .await,
        "/liaison/mots/",
    );
    let fpath = format!("/liaison/mots/{family}");
    karim
        .post_signed(&format!("{fpath}/signer"), &[("eleve", &w.pupil.id)])
        .await;
    assert!(
        parent.get(&fpath).await.body.contains("C&#39;est signé.")
            || parent.get(&fpath).await.body.contains("C'est signé.")
    );
    parent
        .post_signed(&format!("{fpath}/signer"), &[("eleve", &w.pupil.id)])
        .await;
    let signed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM liaison_signatures WHERE mot_id = $1")
            .bind(&family)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(signed, 1);
    assert!(
        teacher
            .get(&fpath)
            .await
            .body
            .contains("Signatures : 1 sur 1")
    );
    let all_signed = teacher.post_signed(&format!("{fpath}/relancer"), &[]).await;
    assert_eq!(all_signed.status.as_u16(), 422);
    app.stop().await;
}

#[tokio::test]
async fn a_parent_answers_privately_and_a_mot_is_deleted_after_the_question() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let id = id_of(
        &write_mot(&teacher, &w.class_a, &[], "Piscine", "aucune").await,
        "/liaison/mots/",
    );
    let path = format!("/liaison/mots/{id}");
    let parent = app.signed_in(&w.parent).await;
    let answer = parent
        .post_signed(
            &format!("{path}/repondre"),
            &[("body", "Léa n'a pas de bonnet.")],
        )
        .await;
    assert!(
        answer
            .location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/messagerie/"),
        "{answer:?}"
    );
    assert!(in_folder(&teacher, "recus", "Mot « Piscine »").await);
    // A pupil does not answer from the carnet.
    let pupil = app.signed_in(&w.pupil).await;
    assert_eq!(
        pupil
            .post_signed(&format!("{path}/repondre"), &[("body", "x")])
            .await
            .status
            .as_u16(),
        403
    );

    let asked = teacher.post_signed(&format!("{path}/supprimer"), &[]).await;
    assert!(asked.body.contains("<h1>Supprimer un mot</h1>"));
    assert_eq!(rows(&app.state, "liaison_mots").await, 1);
    assert_eq!(
        parent
            .post_signed(&format!("{path}/supprimer"), &[("confirme", "oui")])
            .await
            .status
            .as_u16(),
        403
    );
    let done = teacher
        .post_signed(&format!("{path}/supprimer"), &[("confirme", "oui")])
        .await;
    assert!(done.redirects_to("/liaison?fait=mot-supprime"));
    assert_eq!(rows(&app.state, "liaison_mots").await, 0);
    assert_eq!(parent.get(&path).await.status.as_u16(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_mot_d_absence_reaches_the_class_s_teacher_and_the_director() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let parent = app.signed_in(&w.parent).await;
    assert!(parent.get("/liaison/absence").await.body.contains("Léa"));
    let fields = |from: &'static str, to: &'static str| {
        vec![
            ("eleve", w.pupil.id.clone()),
            ("du", from.to_owned()),
            ("au", to.to_owned()),
            ("motif", "maladie".to_owned()),
            ("precisions", "Fièvre".to_owned()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let wrong = as_refs(&fields("2026-12-09", "2026-12-08"));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = parent
        .submit("/liaison/absence", "/liaison/absence", &wrong)
        .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(
        refused
            .body
            .contains("Le dernier jour vient avant le premier")
    );
    assert_eq!(rows(&app.state, "liaison_absences").await, 0);
    let good = fields("2026-12-08", "2026-12-09");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = parent
        .submit("/liaison/absence", "/liaison/absence", &good)
        .await;
    assert!(
        sent.redirects_to("/liaison?fait=absence-envoyee"),
        "{sent:?}"
    );
    // Another family's child: refused, nothing written.
    let mut forged = good.clone();
    forged[0] = ("eleve", w.other_pupil.id.as_str());
    assert_eq!(
        parent
            .post_signed("/liaison/absence", &forged)
            .await
            .status
            .as_u16(),
        403
    );
    assert_eq!(rows(&app.state, "liaison_absences").await, 1);

    for reader in [&w.teacher, &w.director] {
        let page = app.signed_in(reader).await.get("/liaison").await;
        assert!(
            page.body.contains("Léa Martin") && page.body.contains("du 08/12/2026 au 09/12/2026"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Maladie : Fièvre"));
    }
    let other = app.signed_in(&w.other_teacher).await.get("/liaison").await;
    assert!(!other.body.contains("Léa Martin"));
    assert!(
        parent
            .get("/liaison")
            .await
            .body
            .contains("Vos mots d&#39;absence")
            || parent
                .get("/liaison")
                .await
                .body
                .contains("Vos mots d'absence")
    );
    let journal: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'liaison.absence'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(journal, 1);
    app.stop().await;
}

#[tokio::test]
async fn mots_written_in_the_quiet_hours_are_delivered_at_their_end() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    move_to(&app, 4, 20, 30);
    let teacher = app.signed_in(&w.teacher).await;
    let sent = write_mot(&teacher, &w.class_a, &[], "Cahier oublié", "famille").await;
    assert!(
        sent.location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=mot-differe")
    );
    let id = id_of(&sent, "/liaison/mots/");
    let path = format!("/liaison/mots/{id}");
    assert!(
        teacher
            .get(&path)
            .await
            .body
            .contains("remis aux familles lundi à 7 h 00")
    );
    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        occurrences(&parent.get("/liaison").await, "Cahier oublié"),
        0
    );
    assert_eq!(parent.get(&path).await.status.as_u16(), 404);
    let pupil = app.signed_in(&w.pupil).await;
    assert_eq!(
        occurrences(&pupil.get("/liaison").await, "Cahier oublié"),
        0
    );
    // A mot d'absence sent on Friday night reaches the school on Monday too.
    let parent_fields = [
        ("eleve", w.pupil.id.as_str()),
        ("du", "2026-12-14"),
        ("au", "2026-12-14"),
        ("motif", "medical"),
        ("precisions", ""),
    ];
    parent
        .submit("/liaison/absence", "/liaison/absence", &parent_fields)
        .await;
    assert!(
        !teacher
            .get("/liaison")
            .await
            .body
            .contains("Rendez-vous médical")
    );
    ent_node::liaison::run_once(&app.state).await;

    app.state.clock.advance(2 * 86_400 + 10 * 3600);
    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        occurrences(&parent.get("/liaison").await, "Cahier oublié"),
        1
    );
    assert!(
        parent
            .get(&path)
            .await
            .body
            .contains("Lu et pris connaissance")
    );
    let teacher = app.signed_in(&w.teacher).await;
    assert!(
        teacher
            .get("/liaison")
            .await
            .body
            .contains("Rendez-vous médical")
    );
    ent_node::liaison::run_once(&app.state).await;
    let pending: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM liaison_mots WHERE notified = 0) + (SELECT COUNT(*) FROM liaison_absences WHERE notified = 0)",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(pending, 0);
    app.stop().await;
}
