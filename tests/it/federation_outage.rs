//! A peer down for three days: the sender keeps every delivery, retries on its capped
//! backoff the whole time (on a controlled clock, not by waiting), and catches up in order
//! once the peer is back.

use ent_node::federation::notices::{self, NoticeText};
use ent_node::federation::store;
use ent_tests::federation::eventually;

use crate::federation::{publish, received, trio};

const A: usize = 0;
const B: usize = 1;
const HOUR: i64 = 3600;

#[tokio::test]
async fn a_three_day_outage_is_caught_up_in_order() {
    let mut linked = trio().await;
    let b_clock = linked.node(B).state.clock.clone();
    let down = linked.nodes.remove(B).take_down().await;
    let node = linked.node(A);
    let (db, peer) = (node.state.db.clone(), linked.domains[B].clone());
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(publish(&linked, A, &format!("Avis {i:02}")).await);
    }
    let fixed = NoticeText::parse("Avis 03", "Texte corrigé pendant la panne").unwrap();
    let now = node.state.clock.now();
    assert!(
        notices::update(&db, node.federation(), &ids[3], &fixed, now)
            .await
            .unwrap()
    );
    assert!(
        notices::delete(&db, node.federation(), &ids[7], now)
            .await
            .unwrap()
    );

    // Three days, hour by hour: after each hour, A has tried again and failed.
    for _ in 0..72 {
        b_clock.advance(HOUR);
        linked.advance(HOUR);
        let clock = linked.node(A).state.clock.clone();
        eventually("A retried this hour", || async {
            store::next_delivery(&db, &peer)
                .await
                .unwrap()
                .is_some_and(|d| d.next_attempt_at > clock.now())
        })
        .await;
    }
    let head = store::next_delivery(&db, &peer).await.unwrap().unwrap();
    assert!(
        head.attempts >= 72,
        "retried all along: {} attempts",
        head.attempts
    );
    assert_eq!(
        store::queue(&db, &peer).await.unwrap().depth,
        12,
        "nothing dropped"
    );

    let b = down.start().await;
    linked.nodes.insert(B, b);
    linked.advance(HOUR);
    eventually("B caught up", || async {
        store::queue(&db, &peer).await.unwrap().depth == 0
    })
    .await;
    let copies = notices::from_peer(&linked.node(B).state.db, &linked.domains[A])
        .await
        .unwrap();
    let titles: Vec<&str> = copies.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Avis 00", "Avis 01", "Avis 02", "Avis 03", "Avis 04", "Avis 05", "Avis 06", "Avis 08",
            "Avis 09"
        ]
    );
    assert_eq!(copies[3].content, "Texte corrigé pendant la panne");
    assert_eq!(received(&linked, B, A).await.len(), 9);
}
