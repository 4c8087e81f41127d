//! The messagerie between linked nodes (staff only): a collège linked to two écoles; the first
//! link allows messaging, the second does not. A CM2 teacher writes to a 6e teacher with a
//! file, the reply threads back; pupils never write nor receive across a link (refused on both
//! sides, forged activities included); the link ends mid-conversation.

use ent_tests::federation::{Forged, eventually};
use ent_tests::messaging::{in_folder, person, send};
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2, PNG, multipart};
use reqwest::StatusCode;

/// The second école's link carries spaces only (on both sides).
async fn start() -> Cycle3 {
    Cycle3::start_with(|config| {
        let ecole2 = config.node.domain.starts_with("ecole2");
        for link in &mut config.links {
            if ecole2 || link.domain.starts_with("ecole2") {
                link.scopes = vec![ent_config::Scope::Spaces];
            }
        }
    })
    .await
}

async fn scalar(c: &Cycle3, node: usize, sql: &str, bind: &str) -> Option<String> {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_optional(c.node(node).state.db.pool())
        .await
        .expect("query")
}

pub(crate) async fn count(c: &Cycle3, node: usize, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(c.node(node).state.db.pool())
        .await
        .expect("count")
}

/// The Person actor URL of a user of node `i` (created when its directory was served).
pub(crate) async fn actor_url(c: &Cycle3, i: usize, user: &str) -> String {
    let id = ent_node::federation::persons::ensure(
        &c.node(i).state.db,
        user,
        c.node(i).state.clock.now(),
    )
    .await
    .expect("actor");
    format!(
        "https://{}/federation/actors/{}",
        c.linked.domains[i], id.id
    )
}

/// A message activity as node `from` would send it, by `author` (a Person URL) to `to`.
fn forged(c: &Cycle3, from: usize, author: &str, role: &str, to: &str, id: &str) -> Forged {
    let base = format!("https://{}", c.linked.domains[from]);
    Forged::of(&serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{base}/federation/activities/{id}"),
        "type": "Create",
        "actor": author,
        "to": [to],
        "cc": [format!("https://{}/federation/node", c.linked.domains[COLLEGE])],
        "object": {
            "id": format!("{base}/federation/messages/{id}"),
            "type": "Note",
            "attributedTo": author,
            "to": [to],
            "name": "Message forgé",
            "content": "Texte forgé",
            "entAuthorName": "Léa M.",
            "entAuthorSchool": "École Jules Ferry",
            "entAuthorRole": role,
        }
    }))
}

#[tokio::test]
async fn staff_of_linked_nodes_write_to_each_other_and_pupils_never_do() {
    let c = start().await;
    let college_teacher = actor_url(&c, COLLEGE, &c.worlds[COLLEGE].teacher.id).await;
    let cm2 = c.teacher(ECOLE1).await;

    // The CM2 teacher is offered the collège's teachers and direction, never a pupil.
    let page = cm2.get("/messagerie/ecrire").await.body;
    assert!(
        page.contains(&format!("name=\"distant\" value=\"{college_teacher}\"")),
        "{page}"
    );
    let pupil_actor = actor_url(&c, COLLEGE, &c.worlds[COLLEGE].pupil.id).await;
    assert!(!page.contains(&pupil_actor));

    // A message with a file crosses the link.
    let csrf = cm2.get("/messagerie/ecrire").await.csrf();
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("distant", &college_teacher),
            ("subject", "Liaison CM2-6e"),
            ("body", "Voici le bilan de Léa."),
            ("action", "envoyer"),
        ],
        &[("bilan.png", PNG)],
    );
    let sent = cm2.post_bytes("/messagerie/ecrire", &kind, body).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let sixth = c.teacher(COLLEGE).await;
    let db = c.node(COLLEGE).state.db.clone();
    eventually("the message reaches the collège", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM messages WHERE subject = 'Liaison CM2-6e'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap_or(0)
                == 1
        }
    })
    .await;
    assert!(in_folder(&sixth, "recus", "Liaison CM2-6e").await);
    let received = scalar(
        &c,
        COLLEGE,
        "SELECT id FROM messages WHERE subject = $1",
        "Liaison CM2-6e",
    )
    .await
    .expect("received");
    // Its file is copied by the collège's job.
    ent_node::messaging::run_once(&c.node(COLLEGE).state).await;
    let file = scalar(&c, COLLEGE, "SELECT f.id FROM message_files f JOIN message_file_data d ON d.file_id = f.id WHERE f.message_id = $1", &received)
        .await
        .expect("file copied");
    let got = sixth.get(&format!("/messagerie/fichiers/{file}")).await;
    assert_eq!(got.status, StatusCode::OK);
    let shown = sixth.get(&format!("/messagerie/{received}")).await.body;
    assert!(
        shown.contains("Voici le bilan de Léa.") && shown.contains("École Jules Ferry"),
        "{shown}"
    );

    // The reply threads back on the école.
    let sender = scalar(
        &c,
        COLLEGE,
        "SELECT sender_id FROM messages WHERE id = $1",
        &received,
    )
    .await
    .expect("sender");
    let reply = send(
        &sixth,
        &[&person(&sender)],
        "RE : Liaison CM2-6e",
        "Merci, bien reçu.",
        &[("parent", &received)],
    )
    .await;
    assert!(reply.status.is_redirection(), "{reply:?}");
    let ecole_db = c.node(ECOLE1).state.db.clone();
    eventually("the reply reaches the école", || {
        let db = ecole_db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM messages r JOIN messages o ON o.id = r.parent_id \
                 WHERE r.subject = 'RE : Liaison CM2-6e' AND o.subject = 'Liaison CM2-6e' AND r.thread_id = o.id",
            )
            .fetch_one(db.pool())
            .await
            .unwrap_or(0)
                == 1
        }
    })
    .await;
    assert!(in_folder(&cm2, "recus", "RE : Liaison CM2-6e").await);

    // Journals: who and to whom, never the text.
    for (node, action) in [
        (ECOLE1, "message.sent_across"),
        (COLLEGE, "message.received_across"),
        (COLLEGE, "message.sent_across"),
        (ECOLE1, "message.received_across"),
    ] {
        let details: Vec<String> =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_all(c.node(node).state.db.pool())
                .await
                .unwrap();
        assert_eq!(details.len(), 1, "{action} on {node}");
        assert!(!details[0].contains("bilan") && !details[0].contains("Merci"));
    }

    // A pupil may not write across a link: refused on the sending side…
    let pupil = c.pupil(ECOLE1).await;
    let refused = pupil
        .submit(
            "/messagerie/ecrire",
            "/messagerie/ecrire",
            &[
                ("distant", &college_teacher),
                ("subject", "Coucou"),
                ("body", "x"),
                ("action", "envoyer"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(
        !pupil
            .get("/messagerie/ecrire")
            .await
            .body
            .contains("name=\"distant\"")
    );
    // … and on the receiving side: a forged pupil's message, a message to a pupil.
    let ecole_pupil = format!(
        "https://{}/federation/actors/forged-pupil",
        c.linked.domains[ECOLE1]
    );
    let status = c
        .linked
        .post_as(
            ECOLE1,
            COLLEGE,
            forged(&c, ECOLE1, &ecole_pupil, "pupil", &college_teacher, "p1"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let cm2_actor = actor_url(&c, ECOLE1, &c.worlds[ECOLE1].teacher.id).await;
    let status = c
        .linked
        .post_as(
            ECOLE1,
            COLLEGE,
            forged(&c, ECOLE1, &cm2_actor, "teacher", &pupil_actor, "p2"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(
        count(
            &c,
            COLLEGE,
            "SELECT COUNT(*) FROM messages WHERE subject = $1",
            "Message forgé"
        )
        .await,
        0
    );

    // The link without the messaging scope carries nothing.
    let other = c.teacher(ECOLE2).await;
    assert!(
        !other
            .get("/messagerie/ecrire")
            .await
            .body
            .contains("name=\"distant\"")
    );
    let nothing = other
        .submit(
            "/messagerie/ecrire",
            "/messagerie/ecrire",
            &[
                ("distant", &college_teacher),
                ("subject", "Bonjour"),
                ("body", "x"),
                ("action", "envoyer"),
            ],
        )
        .await;
    assert_eq!(
        nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{nothing:?}"
    );
    let ecole2_teacher = actor_url(&c, ECOLE2, &c.worlds[ECOLE2].teacher.id).await;
    let status = c
        .linked
        .post_as(
            ECOLE2,
            COLLEGE,
            forged(
                &c,
                ECOLE2,
                &ecole2_teacher,
                "teacher",
                &college_teacher,
                "e2",
            ),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let (code, _) = c
        .linked
        .get_as(Some(ECOLE2), COLLEGE, "/federation/messagerie/annuaire")
        .await;
    assert_eq!(code, 404);

    // The link ends mid-conversation: what was received stays, nothing more crosses.
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
    let college_shadow = scalar(
        &c,
        ECOLE1,
        "SELECT sender_id FROM messages WHERE subject = $1",
        "RE : Liaison CM2-6e",
    )
    .await
    .expect("reply's sender");
    let after = send(
        &cm2,
        &[&person(&college_shadow)],
        "Encore un mot",
        "Et aussi…",
        &[],
    )
    .await;
    assert_eq!(after.status, StatusCode::UNPROCESSABLE_ENTITY, "{after:?}");
    assert!(after.body.contains("a pris fin"), "{}", after.body);
    assert!(
        in_folder(&cm2, "brouillons", "Encore un mot").await,
        "a message that could not leave is kept as a draft"
    );
    assert!(in_folder(&sixth, "recus", "Liaison CM2-6e").await);
    assert!(in_folder(&cm2, "recus", "RE : Liaison CM2-6e").await);
    let status = c
        .linked
        .post_as(
            ECOLE1,
            COLLEGE,
            forged(&c, ECOLE1, &cm2_actor, "teacher", &college_teacher, "late"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
}
