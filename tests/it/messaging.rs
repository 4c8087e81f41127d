//! The mailbox: one message to a class's parents, folders, read/unread, threads, forward with
//! files, drafts, trash and its purge, search without accents, reports, limits.

use ent_tests::messaging::{folder, in_folder, person, send, sent_id};
use ent_tests::spaces::{PNG, multipart};
use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

async fn count(app: &ent_tests::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_to_a_class_s_parents_is_one_message_in_each_parent_s_mailbox() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let sent = send(
        &teacher,
        &[&format!("parents:{}", w.class_a)],
        "Sortie au musée",
        "Prévoir un **goûter**.",
        &[],
    )
    .await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let id = sent_id(&sent);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages").await, 1);
    let guardians = count(
        &app,
        "SELECT COUNT(*) FROM guardianships g JOIN class_members c ON c.user_id = g.child_id",
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM message_recipients").await,
        guardians
    );

    // The parent: unread on the portal, in Reçus, read once opened, unread again on demand.
    let parent = app.signed_in(&w.parent).await;
    assert!(
        parent
            .get("/portail")
            .await
            .body
            .contains("Messagerie · 1 non lu")
    );
    let inbox = folder(&parent, "recus", "").await;
    assert!(inbox.body.contains("Sortie au musée") && inbox.body.contains(">non lu<"));
    let shown = parent.get(&format!("/messagerie/{id}")).await;
    assert!(
        shown.body.contains("<strong>goûter</strong>"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Parents de CM2 A"));
    assert!(!parent.get("/portail").await.body.contains(" non lu<"));
    let unread = parent
        .submit(
            &format!("/messagerie/{id}"),
            &format!("/messagerie/{id}/non-lu"),
            &[],
        )
        .await;
    assert!(unread.status.is_redirection());
    assert!(parent.get("/portail").await.body.contains("1 non lu"));

    // Search: accents and case do not matter; subject, text and sender all count.
    for (words, found) in [
        ("MUSEE", true),
        ("gouter", true),
        ("durand", true),
        ("piscine", false),
    ] {
        let page = folder(&parent, "recus", words).await;
        assert_eq!(page.body.contains("Sortie au musée"), found, "{words}");
    }
    // Another parent's mailbox, or a pupil, never sees it.
    let pupil = app.signed_in(&w.other_pupil).await;
    assert_eq!(
        pupil.get(&format!("/messagerie/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(pupil.get("/portail").await.body.contains(">Messagerie<"));
    app.stop().await;
}

#[tokio::test]
async fn replies_thread_forwards_carry_files_and_drafts_wait() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    // A message with a file, as a browser sends it.
    let csrf = teacher.get("/messagerie/ecrire").await.csrf();
    let director_code = person(&w.director.id);
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("to", &director_code),
            ("subject", "Photo de classe"),
            ("body", "La voici."),
            ("action", "envoyer"),
        ],
        &[("classe.png", PNG)],
    );
    let sent = teacher.post_bytes("/messagerie/ecrire", &kind, body).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let first = sent_id(&sent);

    // The director answers: the answer shows what it answers.
    let director = app.signed_in(&w.director).await;
    let reply_page = director
        .get(&format!("/messagerie/ecrire?repondre={first}"))
        .await;
    assert!(reply_page.body.contains("RE : Photo de classe"));
    let teacher_code = person(&w.teacher.id);
    let reply = send(
        &director,
        &[&teacher_code],
        "RE : Photo de classe",
        "Merci !",
        &[("parent", &first)],
    )
    .await;
    let reply_id = sent_id(&reply);
    let shown = teacher.get(&format!("/messagerie/{reply_id}")).await;
    assert!(shown.body.contains("En réponse à"), "{}", shown.body);

    // The director forwards the first message to another teacher: the file comes along.
    let other_code = person(&w.other_teacher.id);
    let forward = send(
        &director,
        &[&other_code],
        "TR : Photo de classe",
        "Pour information.",
        &[("forward", &first)],
    )
    .await;
    let forward_id = sent_id(&forward);
    let other = app.signed_in(&w.other_teacher).await;
    let shown = other.get(&format!("/messagerie/{forward_id}")).await;
    assert!(shown.body.contains("classe.png"), "{}", shown.body);
    let file_id: String = sqlx::query_scalar("SELECT id FROM message_files WHERE message_id = $1")
        .bind(&forward_id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let file = other.get(&format!("/messagerie/fichiers/{file_id}")).await;
    assert_eq!(file.status, StatusCode::OK);
    // Someone who does not hold the message does not get its file.
    let parent = app.signed_in(&w.parent).await;
    assert_eq!(
        parent
            .get(&format!("/messagerie/fichiers/{file_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A draft is saved explicitly, delivered to nobody, and sent later.
    let parent_code = person(&w.parent.id);
    let draft = teacher
        .submit(
            "/messagerie/ecrire",
            "/messagerie/ecrire",
            &[
                ("to", &parent_code),
                ("subject", "Note en cours"),
                ("body", "À finir"),
                ("action", "brouillon"),
            ],
        )
        .await;
    assert!(
        draft.redirects_to("/messagerie?fait=brouillon"),
        "{draft:?}"
    );
    assert!(in_folder(&teacher, "brouillons", "Note en cours").await);
    assert!(!in_folder(&parent, "recus", "Note en cours").await);
    let draft_id: String = sqlx::query_scalar("SELECT id FROM messages WHERE state = 'draft'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let resumed = teacher
        .get(&format!("/messagerie/ecrire?modifier={draft_id}"))
        .await;
    assert!(resumed.body.contains("À finir"));
    let sent = send(
        &teacher,
        &[&parent_code],
        "Note finie",
        "Fini.",
        &[("existing", &draft_id)],
    )
    .await;
    assert_eq!(sent_id(&sent), draft_id);
    assert!(in_folder(&parent, "recus", "Note finie").await);
    assert!(!in_folder(&teacher, "brouillons", "Note finie").await);
    app.stop().await;
}

#[tokio::test]
async fn the_trash_restores_for_thirty_days_then_the_job_purges_it() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let parent_code = person(&w.parent.id);
    let sent = send(&teacher, &[&parent_code], "Réunion", "Mardi.", &[]).await;
    let id = sent_id(&sent);
    let parent = app.signed_in(&w.parent).await;
    let path = format!("/messagerie/{id}");
    parent
        .submit(&path, &format!("{path}/supprimer"), &[])
        .await;
    assert!(!in_folder(&parent, "recus", "Réunion").await);
    assert!(in_folder(&parent, "corbeille", "Réunion").await);
    parent
        .submit(&path, &format!("{path}/restaurer"), &[])
        .await;
    assert!(in_folder(&parent, "recus", "Réunion").await);
    parent
        .submit(&path, &format!("{path}/supprimer"), &[])
        .await;

    // 29 days: still there; 31 days: the job purges it (the sender keeps their copy).
    app.state.clock.advance(29 * 86_400);
    ent_node::messaging::run_once(&app.state).await;
    // Sessions end when idle: sign in again after each move of the clock.
    let parent = app.signed_in(&w.parent).await;
    assert!(in_folder(&parent, "corbeille", "Réunion").await);
    app.state.clock.advance(2 * 86_400);
    ent_node::messaging::run_once(&app.state).await;
    let (parent, teacher) = (
        app.signed_in(&w.parent).await,
        app.signed_in(&w.teacher).await,
    );
    assert!(!in_folder(&parent, "corbeille", "Réunion").await);
    assert!(in_folder(&teacher, "envoyes", "Réunion").await);

    // Emptying the trash asks first.
    let teacher_path = format!("/messagerie/{id}");
    teacher
        .submit(&teacher_path, &format!("{teacher_path}/supprimer"), &[])
        .await;
    let asked = teacher
        .submit(
            "/messagerie?dossier=corbeille",
            "/messagerie/corbeille/vider",
            &[],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("Oui, vider la corbeille"));
    assert!(in_folder(&teacher, "corbeille", "Réunion").await);
    let emptied = teacher
        .submit(
            "/messagerie?dossier=corbeille",
            "/messagerie/corbeille/vider",
            &[("confirme", "oui")],
        )
        .await;
    assert!(emptied.status.is_redirection());
    assert!(!in_folder(&teacher, "corbeille", "Réunion").await);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM messages").await,
        0,
        "nobody holds it"
    );
    app.stop().await;
}

#[tokio::test]
async fn limits_answer_in_french_and_write_nothing_and_reports_reach_the_right_adult() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let pupil = app.signed_in(&w.pupil).await;
    let teacher_code = person(&w.teacher.id);
    // A body too long.
    let long = "a".repeat(10_001);
    let refused = send(&pupil, &[&teacher_code], "Trop long", &long, &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("trop long"), "{}", refused.body);
    // Messages per hour (pupils: 10).
    for i in 0..10 {
        let sent = send(
            &pupil,
            &[&teacher_code],
            &format!("Message {i}"),
            "Bonjour",
            &[],
        )
        .await;
        assert!(sent.status.is_redirection(), "{sent:?}");
    }
    let refused = send(&pupil, &[&teacher_code], "Encore", "Bonjour", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Déjà 10 messages"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Bonjour"), "the text is kept");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages").await, 10);
    // An hour later it goes.
    app.state.clock.advance(3601);
    let pupil = app.signed_in(&w.pupil).await;
    assert!(
        send(&pupil, &[&teacher_code], "Encore", "Bonjour", &[])
            .await
            .status
            .is_redirection()
    );

    // A parent reports a teacher's message: the director receives it; the journal says so.
    let teacher = app.signed_in(&w.teacher).await;
    let parent_code = person(&w.parent.id);
    let pupil_code = person(&w.pupil.id);
    let to_parent =
        sent_id(&send(&teacher, &[&parent_code], "Remarque", "Texte signalé", &[]).await);
    let parent = app.signed_in(&w.parent).await;
    let path = format!("/messagerie/{to_parent}");
    let reported = parent.submit(&path, &format!("{path}/signaler"), &[]).await;
    assert!(reported.status.is_redirection(), "{reported:?}");
    let director = app.signed_in(&w.director).await;
    let inbox = folder(&director, "recus", "").await;
    assert!(
        inbox.body.contains("Signalement : Remarque"),
        "{}",
        inbox.body
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'message.reported'"
        )
        .await,
        1
    );
    // A pupil's report goes to their teacher, not the director.
    let to_pupil = sent_id(&send(&teacher, &[&pupil_code], "Pour toi", "Bravo", &[]).await);
    let path = format!("/messagerie/{to_pupil}");
    pupil.submit(&path, &format!("{path}/signaler"), &[]).await;
    assert!(in_folder(&teacher, "recus", "Signalement : Pour toi").await);
    assert!(!in_folder(&director, "recus", "Signalement : Pour toi").await);
    app.stop().await;
}

#[tokio::test]
async fn a_form_sent_twice_sends_one_message_and_pupils_see_new_without_a_count() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let page = teacher.get("/messagerie/ecrire").await;
    let csrf = page.csrf();
    let marker = "name=\"once\" value=\"";
    let start = page.body.find(marker).expect("once field") + marker.len();
    let once = &page.body[start..start + 32];
    let pupil_code = person(&w.pupil.id);
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", once),
        ("to", &pupil_code),
        ("subject", "Bravo"),
        ("body", "Très beau dessin."),
        ("action", "envoyer"),
    ];
    let first = teacher.post_form("/messagerie/ecrire", &fields).await;
    let again = teacher.post_form("/messagerie/ecrire", &fields).await;
    assert!(first.status.is_redirection() && again.status.is_redirection());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM messages").await, 1);
    let second = sent_id(&send(&teacher, &[&pupil_code], "Encore bravo", "Oui.", &[]).await);
    assert!(!second.is_empty());

    let pupil = app.signed_in(&w.pupil).await;
    let portal = pupil.get("/portail").await.body;
    assert!(portal.contains("Messagerie · nouveau"), "{portal}");
    assert!(!portal.contains(" non lu<"));
    app.stop().await;
}
