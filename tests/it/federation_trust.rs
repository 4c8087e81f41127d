//! Trust in a link follows the peer at once: a key that changed is caught at the first
//! signature that fails (not at the next periodic check), a peer that stops listing us is
//! shown, and the operator's page says why; the received notices are paged.

use ent_federation::LinkState;
use ent_tests::federation::eventually;
use ent_tests::{PASSWORD, World};

use crate::federation::{publish, received, refuses, trio};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

/// The operator of node `i`, signed in.
async fn operator(linked: &ent_tests::federation::Linked, i: usize) -> ent_tests::TestClient {
    let node = linked.node(i);
    let world = World::build(&node.state).await;
    let client = node.client();
    let page = client.sign_in(&world.operator.identifier, PASSWORD).await;
    assert!(page.redirects_to("/portail"));
    client
}

fn state_of(linked: &ent_tests::federation::Linked, at: usize, peer: usize) -> LinkState {
    linked
        .node(at)
        .federation()
        .shared()
        .links
        .configured(&linked.domains[peer])
        .expect("configured")
        .state
}

#[tokio::test]
async fn a_peer_key_that_changed_is_refused_at_its_first_failing_signature() {
    let mut linked = trio().await;
    publish(&linked, B, "Avant le changement").await;
    eventually("A holds B's first notice", || async {
        received(&linked, A, B).await == ["Avant le changement"]
    })
    .await;
    // B's node key is replaced (a reinstall without its data folder's keys), B restarts.
    let node = linked.nodes.remove(B);
    let down = node.take_down().await;
    let keys = down.data_dir().join("keys");
    std::fs::remove_file(keys.join("node-private.pem")).unwrap();
    std::fs::remove_file(keys.join("node-public.pem")).unwrap();
    linked.nodes.insert(B, down.start().await);
    // B restores its links as they were (active) once it serves; then it writes.
    eventually("B restored its links", || async {
        state_of(&linked, B, A) == LinkState::Active
    })
    .await;
    publish(&linked, B, "Après le changement").await;
    // No clock moves: the periodic check (every 10 minutes) is not due; the failing signature
    // alone makes A look at B's key.
    eventually("A refuses the link with B", || async {
        matches!(state_of(&linked, A, B), LinkState::Refused(_))
    })
    .await;
    assert_eq!(received(&linked, A, B).await, ["Avant le changement"]);
    let page = operator(&linked, A).await.get("/admin/federation").await;
    assert!(page.body.contains("refusée"), "{}", page.body);
    assert!(page.body.contains("ne correspond pas"), "{}", page.body);
    // C, linked to B too, judges B's new key the same way.
    eventually("C refuses the link with B too", || async {
        matches!(state_of(&linked, C, B), LinkState::Refused(_))
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_stops_listing_us_is_shown_with_the_reason() {
    let linked = trio().await;
    // B ends its side of the convention with A (reload without A).
    refuses(&linked, B, A).await;
    // A finds out at its next check of B (due every 10 minutes; run now).
    let federation = linked.node(A).federation();
    ent_federation::checker::check(federation.shared(), &linked.domains[B]).await;
    assert!(matches!(state_of(&linked, A, B), LinkState::Pending(_)));
    let page = operator(&linked, A).await.get("/admin/federation").await;
    assert!(page.body.contains("en attente"), "{}", page.body);
    assert!(page.body.contains("ne liste pas ce nœud"), "{}", page.body);
    // B–C is untouched.
    assert_eq!(state_of(&linked, C, B), LinkState::Active);
}

#[tokio::test]
async fn received_notices_are_shown_twenty_a_page() {
    let linked = trio().await;
    let db = &linked.node(A).state.db;
    let now = linked.node(A).state.clock.now();
    for i in 0..45 {
        sqlx::query(
            "INSERT INTO federation_notices (id, object_id, peer, author_label, title, content, published_at, updated_at) \
             VALUES ($1, $2, $3, 'ENT B', $4, 'Texte', $5, $5)",
        )
        .bind(format!("n{i}"))
        .bind(format!("https://{}/federation/objects/n{i}", linked.domains[B]))
        .bind(&linked.domains[B])
        .bind(format!("Avis numéro {i:02}"))
        .bind(now + i)
        .execute(db.pool())
        .await
        .unwrap();
    }
    let operator = operator(&linked, A).await;
    let first = operator.get("/admin/federation").await;
    assert!(first.body.contains("Avis numéro 44") && first.body.contains("Avis numéro 25"));
    assert!(!first.body.contains("Avis numéro 24"));
    assert!(first.body.contains("Page 1 sur 3") && first.body.contains("?page=2"));
    let last = operator.get("/admin/federation?page=3").await;
    assert!(last.body.contains("Avis numéro 04") && last.body.contains("Avis numéro 00"));
    assert!(!last.body.contains("Avis numéro 05"));
    // Beyond the last page: the last page.
    let beyond = operator.get("/admin/federation?page=99").await;
    assert!(beyond.body.contains("Page 3 sur 3"));
    assert!(first.body.len() < 64 * 1024, "{} bytes", first.body.len());
}
