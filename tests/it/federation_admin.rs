//! The operator's "ENT liés" page: identity, links with their state and queue, notices sent
//! and received; metrics per peer.

use ent_tests::PASSWORD;
use ent_tests::World;
use ent_tests::federation::eventually;

use crate::federation::{received, trio};

const A: usize = 0;
const B: usize = 1;

#[tokio::test]
async fn the_operator_sends_changes_and_deletes_a_notice_from_the_page() {
    let linked = trio().await;
    let node = linked.node(A);
    let world = World::build(&node.state).await;
    let operator = node.client();
    assert!(
        operator
            .sign_in(&world.operator.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    let portal = operator.get("/portail").await;
    assert!(portal.body.contains("/admin/federation"));
    let page = operator.get("/admin/federation").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&linked.domains[B]));
    assert!(page.body.contains("active"));
    let fingerprint = node.federation().shared().identity.fingerprint_grouped();
    assert!(page.body.contains(&fingerprint));

    let csrf = page.csrf();
    let empty = operator
        .post_form(
            "/admin/federation/avis",
            &[("csrf", &csrf), ("title", " "), ("content", "x")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Le titre doit faire"));
    let long = "é".repeat(121);
    let too_long = operator
        .post_form(
            "/admin/federation/avis",
            &[
                ("csrf", &csrf),
                ("title", &long),
                ("content", "Texte gardé"),
            ],
        )
        .await;
    assert_eq!(too_long.status, 422);
    assert!(
        too_long.body.contains(&long) && too_long.body.contains("Texte gardé"),
        "what was typed is given back"
    );
    let sent = operator
        .post_form(
            "/admin/federation/avis",
            &[
                ("csrf", &csrf),
                ("title", "Coupure réseau"),
                ("content", "Samedi 8 h – 12 h"),
            ],
        )
        .await;
    assert!(sent.redirects_to("/admin/federation"));
    eventually("B receives the notice", || async {
        received(&linked, B, A).await == ["Coupure réseau"]
    })
    .await;

    let id = ent_node::federation::notices::ours_all(&node.state.db)
        .await
        .unwrap()[0]
        .id
        .clone();
    let changed = operator
        .post_form(
            &format!("/admin/federation/avis/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "Coupure réseau (reportée)"),
                ("content", "Samedi suivant"),
            ],
        )
        .await;
    assert!(changed.redirects_to("/admin/federation"));
    eventually("B sees the change", || async {
        received(&linked, B, A).await == ["Coupure réseau (reportée)"]
    })
    .await;
    let deleted = operator
        .post_form(
            &format!("/admin/federation/avis/{id}"),
            &[
                ("csrf", &csrf),
                ("title", "x"),
                ("content", "x"),
                ("delete", "1"),
            ],
        )
        .await;
    assert!(deleted.redirects_to("/admin/federation"));
    eventually("B drops it", || async {
        received(&linked, B, A).await.is_empty()
    })
    .await;

    // B's operator reads A's notices on its own page.
    let b_world = World::build(&linked.node(B).state).await;
    let b_operator = linked.node(B).client();
    b_operator
        .sign_in(&b_world.operator.identifier, PASSWORD)
        .await;
    ent_node::federation::notices::publish(
        &node.state.db,
        node.federation(),
        &ent_node::federation::notices::NoticeText::parse("Bienvenue", "Convention signée")
            .unwrap(),
        node.state.clock.now(),
    )
    .await
    .unwrap();
    eventually("B's page shows A's notice", || async {
        b_operator
            .get("/admin/federation")
            .await
            .body
            .contains("Convention signée")
    })
    .await;

    // Someone else's notice cannot be changed.
    let theirs = operator
        .post_form(
            "/admin/federation/avis/nope",
            &[("csrf", &csrf), ("title", "x"), ("content", "y")],
        )
        .await;
    assert_eq!(theirs.status, 404);
}

#[tokio::test]
async fn metrics_tell_each_peer_queue_and_deliveries() {
    let linked = trio().await;
    crate::federation::publish(&linked, A, "Mesuré").await;
    eventually("delivered", || async {
        received(&linked, B, A).await.len() == 1
    })
    .await;
    let metrics = linked.node(A).client();
    let peer = format!("peer=\"{}\"", linked.domains[B]);
    eventually("metrics published", || async {
        let text = metrics.get("/metrics").await.body;
        text.lines().any(|l| {
            l.starts_with("ent_federation_deliveries_total")
                && l.contains(&peer)
                && l.contains("outcome=\"ok\"")
        }) && text
            .lines()
            .any(|l| l.starts_with("ent_federation_queue_depth") && l.contains(&peer))
            && text.contains("ent_federation_link_active")
            && text.contains("ent_federation_last_success_timestamp_seconds")
            && text.contains("ent_federation_oldest_pending_seconds")
    })
    .await;
}
