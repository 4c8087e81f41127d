//! Moderation across nodes: the host decides on an edit written on a member node, the other
//! nodes keep the approved text until a moderator approves the new one; a space reopened on
//! the host comes back on every node.

use ent_tests::federation::eventually;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};

/// (content, proposed) of the post `object_id` on node `i` (None: not there).
async fn texts(c: &Cycle3, i: usize, object_id: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT content, proposed FROM space_posts WHERE object_id = $1")
        .bind(object_id)
        .fetch_optional(c.node(i).state.db.pool())
        .await
        .expect("post")
}

async fn wait_texts(c: &Cycle3, i: usize, object_id: &str, content: &str, proposed: &str) {
    let want = Some((content.to_owned(), proposed.to_owned()));
    eventually(
        &format!("node {i}: « {content} » / « {proposed} »"),
        || {
            let want = want.clone();
            async move { texts(c, i, object_id).await == want }
        },
    )
    .await;
}

#[tokio::test]
async fn an_edit_from_a_member_node_waits_for_the_host_moderators() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let text = "Nos haricots ont germé";
    c.pupil_posts(ECOLE1, &group, text).await;
    c.approve(&id, text).await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    let object_id: String =
        sqlx::query_scalar("SELECT object_id FROM space_posts WHERE content = $1")
            .bind(text)
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();

    // The pupil changes it from their own ENT: their copy keeps the approved text, marked.
    let copy = c.local_id(ECOLE1, &group).await.expect("copy");
    let page1 = format!("/espaces/{copy}");
    let on_ecole1 = c.post_id(ECOLE1, text).await;
    let changed = "Nos haricots ont germé (et un gros mot)";
    let sent = c
        .pupil(ECOLE1)
        .await
        .submit(
            &page1,
            &format!("{page1}/messages/{on_ecole1}/modifier"),
            &[("content", changed)],
        )
        .await;
    assert!(sent.redirects_to(&page1), "{}", sent.body);
    assert_eq!(
        texts(&c, ECOLE1, &object_id).await,
        Some((text.to_owned(), changed.to_owned()))
    );
    // The host decides: it waits for a moderator there; the other école never sees it.
    wait_texts(&c, COLLEGE, &object_id, text, changed).await;
    c.drained(COLLEGE, ECOLE2).await;
    c.drained(COLLEGE, ECOLE1).await;
    assert_eq!(
        texts(&c, ECOLE2, &object_id).await,
        Some((text.to_owned(), String::new()))
    );
    assert!(
        !c.pupil(ECOLE2)
            .await
            .get(&format!(
                "/espaces/{}",
                c.local_id(ECOLE2, &group).await.unwrap()
            ))
            .await
            .body
            .contains("gros mot")
    );
    assert_eq!(
        texts(&c, ECOLE1, &object_id).await,
        Some((text.to_owned(), changed.to_owned())),
        "the author's node still shows the approved text to others"
    );
    let host_page = format!("/espaces/{id}");
    let queue = c.teacher(COLLEGE).await.get(&host_page).await.body;
    assert!(
        queue.contains("Nouveau texte proposé") && queue.contains("gros mot"),
        "{queue}"
    );
    let journal: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'space.post_edited'")
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    assert_eq!(journal, 1);
    let at_home: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'space.post_edited'")
            .fetch_one(c.node(ECOLE1).state.db.pool())
            .await
            .unwrap();
    assert_eq!(at_home, 1, "the author's node keeps the line too");

    // Approved on the host: every node reads the new text.
    c.approve(&id, text).await;
    for node in [COLLEGE, ECOLE1, ECOLE2] {
        wait_texts(&c, node, &object_id, changed, "").await;
    }

    // Closed, then reopened by its owner: it comes back on the member nodes too.
    let teacher = c.teacher(COLLEGE).await;
    teacher
        .submit(
            &host_page,
            &format!("{host_page}/fermer"),
            &[("confirme", "oui")],
        )
        .await;
    let closed_at = |i: usize| {
        let db = c.node(i).state.db.clone();
        let group = group.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT closed_at FROM spaces WHERE group_id = $1")
                .bind(group)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    eventually("école 2's copy is closed", || async {
        closed_at(ECOLE2).await > 0
    })
    .await;
    let reopened = teacher
        .submit("/espaces/fermes", &format!("{host_page}/rouvrir"), &[])
        .await;
    assert!(reopened.redirects_to(&host_page), "{}", reopened.body);
    eventually("école 2's copy is open again", || async {
        closed_at(ECOLE2).await == 0
    })
    .await;
    eventually("école 1's copy is open again", || async {
        closed_at(ECOLE1).await == 0
    })
    .await;
}

/// Notifications of node `i` of `user` with `label` (any link).
async fn told(c: &Cycle3, i: usize, user: &str, label: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT kind, link FROM notifications WHERE user_id = $1 AND label = $2 ORDER BY created_at",
    )
    .bind(user)
    .bind(label)
    .fetch_all(c.node(i).state.db.pool())
    .await
    .expect("notifications")
}

#[tokio::test]
async fn a_pupil_of_a_member_node_is_told_when_the_host_decides_on_their_post() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let copy = c.local_id(ECOLE1, &group).await.expect("copy");
    let pupil = c.worlds[ECOLE1].pupil.id.clone();
    let approved = "Notre herbier est prêt";
    let refused = "Un message hors sujet";
    c.pupil_posts(ECOLE1, &group, approved).await;
    c.pupil_posts(ECOLE1, &group, refused).await;
    // The author's node has learnt that both wait (no decision yet, nothing told).
    c.wait_status(ECOLE1, approved, Some("pending")).await;
    c.wait_status(ECOLE1, refused, Some("pending")).await;
    let published_label = "Message publié dans un espace";
    let refused_label = "Message refusé par les modérateurs d'un espace";
    assert!(told(&c, ECOLE1, &pupil, published_label).await.is_empty());

    // The host's moderator approves one and refuses the other.
    c.approve(&id, approved).await;
    let page = format!("/espaces/{id}");
    let post = c.post_id(COLLEGE, refused).await;
    let done = c
        .teacher(COLLEGE)
        .await
        .submit(
            &page,
            &format!("{page}/messages/{post}/moderer"),
            &[("action", "refuser")],
        )
        .await;
    assert!(done.redirects_to(&page), "{}", done.body);
    c.wait_status(ECOLE1, approved, Some("published")).await;
    c.wait_status(ECOLE1, refused, Some("hidden")).await;

    // The pupil's own node tells them, linking to its copy of the space, once each.
    let link = format!("/espaces/{copy}");
    eventually("the approval is told", || async {
        told(&c, ECOLE1, &pupil, published_label).await.len() == 1
    })
    .await;
    eventually("the refusal is told", || async {
        told(&c, ECOLE1, &pupil, refused_label).await.len() == 1
    })
    .await;
    let published = told(&c, ECOLE1, &pupil, published_label).await;
    assert_eq!(published[0].1, link);
    assert_eq!(published[0].0, "own_post");
    assert_eq!(
        told(&c, ECOLE1, &pupil, refused_label).await[0],
        published[0]
    );
    // Nobody else of the école, and nobody on the other member node, is told.
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id <> $1 AND label IN ($2, $3)",
    )
    .bind(&pupil)
    .bind(published_label)
    .bind(refused_label)
    .fetch_one(c.node(ECOLE1).state.db.pool())
    .await
    .unwrap();
    assert_eq!(others, 0);
    let elsewhere: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE label IN ($1, $2)")
            .bind(published_label)
            .bind(refused_label)
            .fetch_one(c.node(ECOLE2).state.db.pool())
            .await
            .unwrap();
    assert_eq!(elsewhere, 0);
    // Later announces of the same post (a comment, a new version) tell nothing again.
    c.drained(COLLEGE, ECOLE1).await;
    assert_eq!(told(&c, ECOLE1, &pupil, published_label).await.len(), 1);
}
