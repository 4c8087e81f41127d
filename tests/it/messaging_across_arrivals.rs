//! What happens around a message between linked nodes once it is sent: its recipient is
//! notified like for a local message, a file whose copy is on its way says so (503 with
//! Retry-After, and a label in the message), and a scheduled message whose link ended before
//! its time tells its sender instead of vanishing (local recipients still get it).

use ent_tests::federation::eventually;
use ent_tests::messaging::{in_folder, person, send, sent_id};
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, PNG, multipart};
use reqwest::StatusCode;

use crate::messaging_across::{actor_url, count};

/// Waits until node `i` holds a message with `subject`; returns its id.
async fn arrived(c: &Cycle3, i: usize, subject: &'static str) -> String {
    let db = c.node(i).state.db.clone();
    eventually("the message arrives", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM messages WHERE subject = $1")
                .bind(subject)
                .fetch_one(db.pool())
                .await
                .unwrap_or(0)
                == 1
        }
    })
    .await;
    sqlx::query_scalar("SELECT id FROM messages WHERE subject = $1")
        .bind(subject)
        .fetch_one(c.node(i).state.db.pool())
        .await
        .expect("id")
}

#[tokio::test]
async fn a_message_from_a_linked_node_is_notified_and_its_file_says_it_is_on_its_way() {
    let c = Cycle3::start().await;
    let college_teacher = actor_url(&c, COLLEGE, &c.worlds[COLLEGE].teacher.id).await;
    let cm2 = c.teacher(ECOLE1).await;
    let csrf = cm2.get("/messagerie/ecrire").await.csrf();
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("distant", &college_teacher),
            ("subject", "Bilan de Léa"),
            ("body", "Le bilan est joint."),
            ("action", "envoyer"),
        ],
        &[("bilan.png", PNG)],
    );
    let sent = cm2.post_bytes("/messagerie/ecrire", &kind, body).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let received = arrived(&c, COLLEGE, "Bilan de Léa").await;

    // Notified as a local message is (kind "message", to the message), once.
    let sixth_id = c.worlds[COLLEGE].teacher.id.clone();
    let link = format!("/messagerie/{received}");
    let db = c.node(COLLEGE).state.db.clone();
    let (user, wanted) = (sixth_id.clone(), link.clone());
    eventually("the recipient is notified", || {
        let (db, user, wanted) = (db.clone(), user.clone(), wanted.clone());
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND link = $2 AND kind = 'message'",
            )
            .bind(user)
            .bind(wanted)
            .fetch_one(db.pool())
            .await
            .unwrap_or(0)
                == 1
        }
    })
    .await;
    let sixth = c.teacher(COLLEGE).await;
    let portal = sixth.get("/notifications").await;
    assert!(
        portal.body.contains("Nouveau message dans la messagerie"),
        "{}",
        portal.body
    );
    // Nobody else of the collège was told.
    assert_eq!(
        count(
            &c,
            COLLEGE,
            "SELECT COUNT(*) FROM notifications WHERE link = $1",
            &link
        )
        .await,
        1
    );

    // The file's copy has not arrived yet: a clear page, not a 404.
    let file: String = sqlx::query_scalar("SELECT id FROM message_files WHERE message_id = $1")
        .bind(&received)
        .fetch_one(c.node(COLLEGE).state.db.pool())
        .await
        .expect("file");
    let early = sixth.get(&format!("/messagerie/fichiers/{file}")).await;
    assert_eq!(early.status, StatusCode::SERVICE_UNAVAILABLE, "{early:?}");
    assert_eq!(early.header("retry-after"), Some("60"));
    assert!(
        early.body.contains("Pièce jointe en cours de réception")
            && early.body.contains("bilan.png"),
        "{}",
        early.body
    );
    let shown = sixth.get(&link).await.body;
    assert!(shown.contains("en cours de réception"), "{shown}");
    assert!(!shown.contains(&format!("href=\"/messagerie/fichiers/{file}\"")));
    // Someone who does not hold the message learns nothing more than before.
    let director = c.node(COLLEGE).signed_in(&c.worlds[COLLEGE].director).await;
    let stranger = director.get(&format!("/messagerie/fichiers/{file}")).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);

    // Once copied, the file is served and the label is gone.
    ent_node::messaging::run_once(&c.node(COLLEGE).state).await;
    let got = sixth.get(&format!("/messagerie/fichiers/{file}")).await;
    assert_eq!(got.status, StatusCode::OK);
    let shown = sixth.get(&link).await.body;
    assert!(!shown.contains("en cours de réception"), "{shown}");
    assert!(shown.contains(&format!("href=\"/messagerie/fichiers/{file}\"")));
}

#[tokio::test]
async fn a_scheduled_message_whose_link_ended_tells_its_sender_and_still_reaches_local_people() {
    let c = Cycle3::start().await;
    let college_teacher = actor_url(&c, COLLEGE, &c.worlds[COLLEGE].teacher.id).await;
    let cm2 = c.teacher(ECOLE1).await;
    let director = c.worlds[ECOLE1].director.clone();
    // In three hours, to the collège's teacher and to the école's director.
    let at = ent_node::domain::local_time::paris(c.node(ECOLE1).state.clock.now() + 3 * 3600)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .expect("time");
    let scheduled = send(
        &cm2,
        &[&person(&director.id)],
        "Réunion de liaison",
        "Jeudi à 17 h.",
        &[("distant", &college_teacher), ("schedule", &at)],
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
    let id = sent_id(&scheduled);

    // The link ends before its time.
    for (node, peer) in [(COLLEGE, ECOLE1), (ECOLE1, COLLEGE)] {
        let app = c.node(node);
        let mut links = app.state.config.links.clone();
        for link in &mut links {
            if link.normalized_domain() == c.linked.domains[peer] {
                link.valid_until = "2020-06-30".into();
            }
        }
        app.federation().reload(&links).await;
        app.federation().check_links().await;
    }
    c.linked.advance(4 * 3600);
    ent_node::messaging::run_once(&c.node(ECOLE1).state).await;

    // The director got it; nothing was queued for the collège.
    let head = c.node(ECOLE1).signed_in(&director).await;
    assert!(in_folder(&head, "recus", "Réunion de liaison").await);
    assert_eq!(
        count(
            &c,
            ECOLE1,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'message.sent_across' AND target = $1",
            &id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &c,
            COLLEGE,
            "SELECT COUNT(*) FROM messages WHERE subject = $1",
            "Réunion de liaison"
        )
        .await,
        0
    );
    // The sender is told, and the message says who it did not reach and why.
    let link = format!("/messagerie/{id}");
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE link = $1 AND kind = 'message' AND user_id = $2",
    )
    .bind(&link)
    .bind(&c.worlds[ECOLE1].teacher.id)
    .fetch_one(c.node(ECOLE1).state.db.pool())
    .await
    .expect("count");
    assert_eq!(told, 1);
    let shown = cm2.get(&link).await.body;
    assert!(
        shown.contains("non remis : le lien avec Collège Jean Moulin a pris fin"),
        "{shown}"
    );
    // The director (a local recipient) sees no such line.
    let theirs = head.get(&link).await.body;
    assert!(!theirs.contains("non remis"), "{theirs}");
    // Journaled, without the text.
    let journal: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'message.not_sent_across' AND target = $1",
    )
    .bind(&id)
    .fetch_all(c.node(ECOLE1).state.db.pool())
    .await
    .expect("journal");
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert!(journal[0].contains("college.test") && !journal[0].contains("17 h"));
    // A second pass tells nobody twice.
    ent_node::messaging::run_once(&c.node(ECOLE1).state).await;
    assert_eq!(
        count(
            &c,
            ECOLE1,
            "SELECT COUNT(*) FROM notifications WHERE link = $1 AND label LIKE '%pas pu%'",
            &link
        )
        .await,
        1
    );
}
