//! Delivery: ordered per peer, retried until the peer accepts (401/403/404/410 and outages
//! included), set aside only when the peer says the activity itself can never be accepted,
//! cancelled when the link ends.

use ent_node::federation::notices::{self, NoticeText};
use ent_node::federation::store;
use ent_tests::federation::{Forged, Linked, eventually};
use reqwest::StatusCode;

use ent_federation::delivery::BACKOFF_CAP_SECS;

use crate::federation::{publish, received, refuses, trio};

const A: usize = 0;
const B: usize = 1;

async fn b_refuses_a(linked: &Linked) {
    refuses(linked, B, A).await;
}

/// Node `to` enables (again) every link of its configuration, then both sides see it active.
async fn enables(linked: &Linked, to: usize, from: usize) {
    let node = linked.node(to);
    node.federation().reload(&node.state.config.links).await;
    linked.wait_active(to, from).await;
}

/// Waits until A has failed to deliver its oldest activity to B at least `attempts` times.
async fn wait_failed_attempts(linked: &Linked, attempts: i64) -> String {
    wait_failed(linked, A, B, attempts).await
}

/// Waits until `from` has failed to deliver its oldest activity to `to` at least `attempts`
/// times; returns the last error.
async fn wait_failed(linked: &Linked, from: usize, to: usize, attempts: i64) -> String {
    let db = &linked.node(from).state.db;
    let peer = &linked.domains[to];
    eventually(&format!("{attempts} failed attempts"), || async {
        store::next_delivery(db, peer)
            .await
            .unwrap()
            .is_some_and(|d| d.attempts >= attempts)
    })
    .await;
    let head = store::next_delivery(db, peer).await.unwrap().unwrap();
    sqlx::query_scalar("SELECT last_error FROM federation_deliveries WHERE id = $1")
        .bind(&head.id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn queue_depth(linked: &Linked, from: usize, to: usize) -> i64 {
    store::queue(&linked.node(from).state.db, &linked.domains[to])
        .await
        .unwrap()
        .depth
}

#[tokio::test]
async fn a_peer_that_has_not_enabled_the_link_yet_is_retried() {
    let linked = trio().await;
    b_refuses_a(&linked).await;
    publish(&linked, A, "Avis en attente").await;
    let error = wait_failed_attempts(&linked, 2).await;
    assert!(error.contains("403"), "{error}");
    assert!(received(&linked, B, A).await.is_empty());
    enables(&linked, B, A).await;
    linked.advance(60);
    eventually("delivered once B enabled the link", || async {
        received(&linked, B, A).await == ["Avis en attente"]
    })
    .await;
    // A records the delivery once B has answered, a moment after B applied it.
    eventually("A's queue is empty", || async {
        queue_depth(&linked, A, B).await == 0
    })
    .await;
}

#[tokio::test]
async fn a_peer_answering_401_is_retried() {
    let linked = trio().await;
    // A's clock runs ten minutes ahead: its signed Date is out of B's tolerance (401).
    linked.node(A).state.clock.advance(600);
    publish(&linked, A, "Avis horodaté").await;
    let error = wait_failed_attempts(&linked, 2).await;
    assert!(error.contains("401"), "{error}");
    linked.node(A).state.clock.advance(-600);
    // Retries are scheduled on A's (then fast) clock: let that much time pass for everyone.
    linked.advance(BACKOFF_CAP_SECS + 600);
    eventually("delivered once B's clock is right", || async {
        received(&linked, B, A).await == ["Avis horodaté"]
    })
    .await;
}

#[tokio::test]
async fn order_is_kept_under_retries() {
    let linked = trio().await;
    b_refuses_a(&linked).await;
    let node = linked.node(A);
    let (db, federation, now) = (&node.state.db, node.federation(), node.state.clock.now());
    let first = publish(&linked, A, "Version 1").await;
    let v2 = NoticeText::parse("Version 2", "Texte corrigé").unwrap();
    assert!(
        notices::update(db, federation, &first, &v2, now)
            .await
            .unwrap()
    );
    let second = publish(&linked, A, "Éphémère").await;
    assert!(notices::delete(db, federation, &second, now).await.unwrap());
    publish(&linked, A, "Dernier").await;
    assert_eq!(queue_depth(&linked, A, B).await, 5);
    wait_failed_attempts(&linked, 2).await;
    enables(&linked, B, A).await;
    linked.advance(60);
    eventually("the queue is drained", || async {
        queue_depth(&linked, A, B).await == 0
    })
    .await;
    // Create → Update → Delete arrived in order: an Update or a Delete applied before its
    // Create would leave "Version 1" or "Éphémère" behind.
    let copies = notices::from_peer(&linked.node(B).state.db, &linked.domains[A])
        .await
        .unwrap();
    let titles: Vec<&str> = copies.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["Version 2", "Dernier"]);
    assert_eq!(copies[0].content, "Texte corrigé");
}

#[tokio::test]
async fn removing_a_link_mid_queue_cancels_and_purges_at_once() {
    // B is linked to A and C; B's operator ends the convention with C.
    const C: usize = 2;
    let linked = trio().await;
    publish(&linked, C, "Avis de C").await;
    eventually("B has C's notice", || async {
        received(&linked, B, C).await == ["Avis de C"]
    })
    .await;
    refuses(&linked, C, B).await;
    for i in 0..3 {
        publish(&linked, B, &format!("En file {i}")).await;
    }
    wait_failed(&linked, B, C, 1).await;
    assert_eq!(queue_depth(&linked, B, C).await, 3);
    let remaining: Vec<_> = linked
        .node(B)
        .state
        .config
        .links
        .iter()
        .filter(|l| l.normalized_domain() != linked.domains[C])
        .cloned()
        .collect();
    linked.node(B).federation().reload(&remaining).await;
    assert_eq!(
        queue_depth(&linked, B, C).await,
        0,
        "queued deliveries cancelled"
    );
    assert!(
        received(&linked, B, C).await.is_empty(),
        "C's notices purged"
    );
    let activity = linked.note_activity(C, B, "apres", "Après la fin");
    assert_eq!(
        linked.post_as(C, B, Forged::of(&activity)).await,
        StatusCode::FORBIDDEN,
        "inbound stopped"
    );
    let (status, _) = linked
        .get_as(Some(C), B, ent_federation::actors::LINK_PATH)
        .await;
    assert_eq!(status, 404, "C is no longer listed");
    // A, still linked, is unaffected.
    eventually("A still receives B", || async {
        received(&linked, A, B).await.len() == 3
    })
    .await;
}

#[tokio::test]
async fn an_expired_link_stops_both_ways_and_is_purged() {
    let linked = trio().await;
    publish(&linked, B, "Avis de B").await;
    eventually("A has B's notice", || async {
        received(&linked, A, B).await.len() == 1
    })
    .await;
    b_refuses_a(&linked).await;
    publish(&linked, A, "Jamais livré").await;
    wait_failed_attempts(&linked, 1).await;
    // Past valid_until (2099-12-31) on every node.
    linked.advance(80 * 366 * 24 * 3600);
    let activity = linked.note_activity(B, A, "tard", "Trop tard");
    assert_eq!(
        linked.post_as(B, A, Forged::of(&activity)).await,
        StatusCode::FORBIDDEN
    );
    eventually("A purged B's notices and cancelled its queue", || async {
        received(&linked, A, B).await.is_empty() && queue_depth(&linked, A, B).await == 0
    })
    .await;
}

#[tokio::test]
async fn an_activity_the_peer_can_never_accept_is_set_aside_and_the_queue_moves_on() {
    let linked = trio().await;
    let node = linked.node(A);
    let base = format!("https://{}", linked.domains[A]);
    let strange = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{base}/federation/activities/etrange"),
        "type": "Like",
        "actor": format!("{base}/federation/node"),
        "object": format!("{base}/federation/objects/x"),
    });
    let inbox = format!("https://{}/federation/inbox", linked.domains[B]);
    let mut tx = node.state.db.begin_write().await.unwrap();
    store::enqueue(
        &mut tx,
        &linked.domains[B],
        strange["id"].as_str().unwrap(),
        &inbox,
        &strange.to_string(),
        node.state.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    publish(&linked, A, "Derrière l'activité refusée").await;
    eventually("the notice behind it is delivered", || async {
        received(&linked, B, A).await == ["Derrière l'activité refusée"]
    })
    .await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'federation.rejected' AND target = $1",
    )
    .bind(&linked.domains[B])
    .fetch_one(node.state.db.pool())
    .await
    .unwrap();
    assert!(
        detail.contains("etrange") && detail.contains("400"),
        "{detail}"
    );
    eventually("A's queue is empty", || async {
        queue_depth(&linked, A, B).await == 0
    })
    .await;
}
