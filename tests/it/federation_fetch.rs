//! Authorized fetch: every ActivityPub GET but the node's Service actor needs a signature from
//! a linked peer's node key; anything else is a 404. WebFinger and NodeInfo.

use ent_node::federation::notices;
use ent_node::federation::persons::PersonActor;
use ent_tests::federation::Linked;
use ent_tests::{World, spawn_app};

use crate::federation::{publish, trio};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

#[tokio::test]
async fn the_node_actor_is_public_and_carries_the_pinned_key() {
    let linked = trio().await;
    let (status, body) = linked.get_as(None, A, "/federation/node").await;
    assert_eq!(status, 200);
    let actor: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(actor["type"], "Service");
    let pem = actor["publicKey"]["publicKeyPem"].as_str().unwrap();
    assert_eq!(
        ent_federation::fingerprint_of_pem(pem).unwrap(),
        linked.node(A).federation().shared().identity.fingerprint
    );
    assert!(!body.contains("PRIVATE"));
}

#[tokio::test]
async fn objects_are_served_to_linked_peers_only() {
    let linked = trio().await;
    let id = publish(&linked, A, "Avis privé").await;
    let path = format!("/federation/objects/{id}");
    assert_eq!(linked.get_as(None, A, &path).await.0, 404, "unsigned");
    assert_eq!(
        linked.get_as(Some(C), A, &path).await.0,
        404,
        "signed, not linked"
    );
    let (status, body) = linked.get_as(Some(B), A, &path).await;
    assert_eq!(status, 200, "signed by a linked peer");
    assert!(body.contains("Avis privé"));
    let missing = "/federation/objects/00000000-0000-0000-0000-000000000000";
    assert_eq!(linked.get_as(Some(B), A, missing).await.0, 404);
    // A valid signature made for another path does not open this one.
    let other: url::Url = format!("https://{}/federation/node", linked.domains[A])
        .parse()
        .unwrap();
    let date = ent_federation::signing::http_date(linked.node(B).state.clock.now());
    let headers = linked
        .signer(B)
        .signed_headers("get", &other, &date, None)
        .unwrap();
    let mut request = linked
        .http()
        .get(format!("https://{}{path}", linked.domains[A]));
    for (name, value) in &headers {
        request = request.header(name.as_str(), value.as_str());
    }
    assert_eq!(request.send().await.unwrap().status(), 404);
    assert_eq!(
        notices::ours_all(&linked.node(A).state.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_reciprocity_endpoint_answers_configured_peers_only() {
    let linked = trio().await;
    let path = ent_federation::actors::LINK_PATH;
    assert_eq!(linked.get_as(None, A, path).await.0, 404);
    assert_eq!(linked.get_as(Some(C), A, path).await.0, 404);
    let (status, body) = linked.get_as(Some(B), A, path).await;
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["domain"], linked.domains[A]);
    assert_eq!(info["scopes"], serde_json::json!(["spaces", "messaging"]));
}

/// Node A's world, whose pupil has taken part in federation (so has a Person actor).
async fn federating_pupil(linked: &Linked) -> (World, PersonActor) {
    let node = linked.node(A);
    let world = World::build(&node.state).await;
    let actor = ent_node::federation::persons::ensure(&node.state.db, &world.pupil.id, 0)
        .await
        .unwrap();
    (world, actor)
}

#[tokio::test]
async fn person_actors_exist_only_once_federating_and_only_for_linked_peers() {
    let linked = trio().await;
    let (world, actor) = federating_pupil(&linked).await;
    let again = ent_node::federation::persons::ensure(&linked.node(A).state.db, &world.pupil.id, 0)
        .await
        .unwrap();
    assert_eq!(actor.id, again.id, "one actor per user");
    assert_ne!(
        actor.id, world.pupil.id,
        "actor ids are opaque, not user ids"
    );
    let path = format!("/federation/actors/{}", actor.id);
    assert_eq!(linked.get_as(None, A, &path).await.0, 404);
    assert_eq!(linked.get_as(Some(C), A, &path).await.0, 404);
    let (status, body) = linked.get_as(Some(B), A, &path).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["type"], "Person");
    let name = json["name"].as_str().unwrap();
    assert!(
        name.ends_with('.') && name.split(' ').count() == 2,
        "first name + initial: {name}"
    );
    for private in ["birth", "identifier", &world.pupil.identifier] {
        assert!(!body.contains(private), "{private} leaked");
    }
}

#[tokio::test]
async fn webfinger_answers_signed_linked_requests_for_federating_actors_only() {
    let linked = trio().await;
    let (world, actor) = federating_pupil(&linked).await;
    let query = |name: &str| {
        format!(
            "/.well-known/webfinger?resource=acct:{name}@{}",
            linked.domains[A]
        )
    };
    assert_eq!(linked.get_as(None, A, &query("node")).await.0, 404);
    assert_eq!(linked.get_as(Some(C), A, &query("node")).await.0, 404);
    let (status, body) = linked.get_as(Some(B), A, &query("node")).await;
    assert_eq!(status, 200);
    assert!(body.contains("/federation/node"));
    assert_eq!(linked.get_as(Some(B), A, &query(&actor.id)).await.0, 200);
    // A user who never federated, named by identifier or id: nothing to find.
    assert_eq!(
        linked
            .get_as(Some(B), A, &query(&world.teacher.identifier))
            .await
            .0,
        404
    );
    assert_eq!(
        linked.get_as(Some(B), A, &query(&world.teacher.id)).await.0,
        404
    );
}

#[tokio::test]
async fn nodeinfo_tells_the_software_and_no_head_counts() {
    let linked = trio().await;
    let (status, body) = linked.get_as(None, A, "/.well-known/nodeinfo").await;
    assert_eq!(status, 200);
    assert!(body.contains("/nodeinfo/2.1"));
    let (status, body) = linked.get_as(None, A, "/nodeinfo/2.1").await;
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
    assert_eq!(info["usage"]["users"], serde_json::json!({}));
}

#[tokio::test]
async fn without_links_federation_is_off() {
    let app = spawn_app().await;
    let client = app.client();
    for path in [
        "/federation/node",
        "/federation/link",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.1",
        "/.well-known/webfinger?resource=acct:node@127.0.0.1",
    ] {
        assert_eq!(client.get(path).await.status, 404, "{path}");
    }
    let status = reqwest::Client::new()
        .post(format!("{}/federation/inbox", app.base_url))
        .header("content-type", "application/activity+json")
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}
