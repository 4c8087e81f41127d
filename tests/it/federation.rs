//! Federation core between real nodes over TLS: A↔B and B↔C linked, A–C not linked.

use ent_node::federation::notices::{self, NoticeText};
use ent_tests::federation::{Linked, eventually, spawn_linked};

/// Three nodes: A (0) ↔ B (1) ↔ C (2); A and C are not linked.
pub async fn trio() -> Linked {
    spawn_linked(&["a.test", "b.test", "c.test"], &[(0, 1), (1, 2)]).await
}

/// Publishes a notice from node `i`.
pub async fn publish(linked: &Linked, i: usize, title: &str) -> String {
    let node = linked.node(i);
    let text = NoticeText::parse(title, &format!("Texte de {title}")).unwrap();
    notices::publish(
        &node.state.db,
        node.federation(),
        &text,
        node.state.clock.now(),
    )
    .await
    .unwrap()
}

/// Node `to` drops its link with node `from` (as if it had not enabled its side of the link
/// yet): its inbox refuses `from` (403) while `from` still sees the link active.
pub async fn refuses(linked: &Linked, to: usize, from: usize) {
    let node = linked.node(to);
    let others: Vec<_> = node
        .state
        .config
        .links
        .iter()
        .filter(|l| l.normalized_domain() != linked.domains[from])
        .cloned()
        .collect();
    node.federation().reload(&others).await;
}

/// Titles of the notices node `i` received from node `from`, oldest first.
pub async fn received(linked: &Linked, i: usize, from: usize) -> Vec<String> {
    notices::from_peer(&linked.node(i).state.db, &linked.domains[from])
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect()
}

#[tokio::test]
async fn a_notice_reaches_linked_nodes_only() {
    let linked = trio().await;
    publish(&linked, 1, "Maintenance samedi").await;
    eventually("A and C receive B's notice", || async {
        received(&linked, 0, 1).await == ["Maintenance samedi"]
            && received(&linked, 2, 1).await == ["Maintenance samedi"]
    })
    .await;
    publish(&linked, 0, "Avis de A").await;
    eventually("B receives A's notice", || async {
        received(&linked, 1, 0).await == ["Avis de A"]
    })
    .await;
    // A and C are not linked: nothing of A ever reaches C.
    assert!(received(&linked, 2, 0).await.is_empty());
    let queue = ent_node::federation::store::queue(&linked.node(0).state.db, &linked.domains[1])
        .await
        .unwrap();
    assert_eq!(queue.depth, 0);
}
