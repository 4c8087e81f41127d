//! The shared inbox refuses every malformed, unsigned, stale, foreign or oversized request
//! with the right status, and applies each activity id once.

use ent_tests::federation::{Forged, Linked};
use reqwest::StatusCode;

use crate::federation::{received, trio};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

async fn post(linked: &Linked, activity: &serde_json::Value) -> StatusCode {
    linked.post_as(B, A, Forged::of(activity)).await
}

#[tokio::test]
async fn a_valid_signed_activity_is_applied() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Réunion DANE");
    assert_eq!(post(&linked, &activity).await, StatusCode::ACCEPTED);
    assert_eq!(received(&linked, A, B).await, ["Réunion DANE"]);
}

#[tokio::test]
async fn an_altered_body_is_refused() {
    let linked = trio().await;
    let signed = linked.note_activity(B, A, "n1", "Original");
    let sent = linked.note_activity(B, A, "n1", "Modifié en route");
    let forged = Forged {
        signed_body: Some(signed.to_string()),
        ..Forged::of(&sent)
    };
    assert_eq!(linked.post_as(B, A, forged).await, StatusCode::UNAUTHORIZED);
    assert!(received(&linked, A, B).await.is_empty());
}

#[tokio::test]
async fn a_signature_missing_covered_headers_is_refused() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Sans digest");
    for covered in [
        vec!["host", "date"],
        vec!["host", "digest"],
        vec!["date", "digest"],
    ] {
        let forged = Forged {
            covered: Some(covered.clone()),
            ..Forged::of(&activity)
        };
        assert_eq!(
            linked.post_as(B, A, forged).await,
            StatusCode::UNAUTHORIZED,
            "covering only (request-target) {covered:?}"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
    // The same forging, covering everything required, is accepted: the refusals above are
    // about coverage, not about a broken forgery.
    let forged = Forged {
        covered: Some(vec!["host", "date", "digest"]),
        ..Forged::of(&activity)
    };
    assert_eq!(linked.post_as(B, A, forged).await, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn stale_and_future_dates_are_refused() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Hors délai");
    for offset in [-600, 600, -3600 * 24] {
        let forged = Forged {
            date_offset_secs: offset,
            ..Forged::of(&activity)
        };
        assert_eq!(
            linked.post_as(B, A, forged).await,
            StatusCode::UNAUTHORIZED,
            "Date shifted by {offset} s"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
}

#[tokio::test]
async fn a_clock_skew_of_two_minutes_is_accepted() {
    let linked = trio().await;
    for (i, offset) in [-120, 120].into_iter().enumerate() {
        let activity = linked.note_activity(B, A, &format!("n{i}"), &format!("Décalage {offset}"));
        let forged = Forged {
            date_offset_secs: offset,
            ..Forged::of(&activity)
        };
        assert_eq!(linked.post_as(B, A, forged).await, StatusCode::ACCEPTED);
    }
    assert_eq!(received(&linked, A, B).await.len(), 2);
}

#[tokio::test]
async fn a_replayed_activity_changes_nothing() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Une seule fois");
    assert_eq!(post(&linked, &activity).await, StatusCode::ACCEPTED);
    assert_eq!(post(&linked, &activity).await, StatusCode::ACCEPTED);
    assert_eq!(received(&linked, A, B).await, ["Une seule fois"]);
}

#[tokio::test]
async fn the_same_id_with_another_body_is_refused() {
    let linked = trio().await;
    let first = linked.note_activity(B, A, "n1", "Premier contenu");
    assert_eq!(post(&linked, &first).await, StatusCode::ACCEPTED);
    let mut other = first.clone();
    other["object"]["name"] = "Autre contenu".into();
    assert_eq!(post(&linked, &other).await, StatusCode::CONFLICT);
    assert_eq!(received(&linked, A, B).await, ["Premier contenu"]);
}

#[tokio::test]
async fn an_unlinked_sender_is_refused_before_the_body_is_read() {
    let linked = trio().await;
    // C is not linked to A: refused on the signature's keyId alone, even with a body far over
    // the size limit (the body is never read, so the size never matters).
    let huge = serde_json::json!({ "padding": "x".repeat(2 * 1024 * 1024) });
    let status = linked.post_as(C, A, Forged::of(&huge)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let activity = linked.note_activity(C, A, "n1", "Intrus");
    assert_eq!(
        linked.post_as(C, A, Forged::of(&activity)).await,
        StatusCode::FORBIDDEN
    );
    assert!(received(&linked, A, C).await.is_empty());
}

#[tokio::test]
async fn a_reference_to_an_unlinked_host_is_refused() {
    let linked = trio().await;
    let mut activity = linked.note_activity(B, A, "n1", "Réponse");
    activity["object"]["inReplyTo"] =
        format!("https://{}/federation/objects/x", linked.domains[C]).into();
    assert_eq!(post(&linked, &activity).await, StatusCode::FORBIDDEN);
    let mut public = linked.note_activity(B, A, "n2", "Public");
    public["cc"] = serde_json::json!(["https://www.w3.org/ns/activitystreams#Public"]);
    assert_eq!(post(&linked, &public).await, StatusCode::BAD_REQUEST);
    // The actor must be one of the signer's actors (its node, a Person, a Group): an object of
    // the signer is not an actor, and another node's actor is not the signer's.
    let mut not_an_actor = linked.note_activity(B, A, "n3", "Autre acteur");
    not_an_actor["actor"] = format!("https://{}/federation/objects/x", linked.domains[B]).into();
    assert_eq!(post(&linked, &not_an_actor).await, StatusCode::FORBIDDEN);
    let mut other_node = linked.note_activity(B, A, "n4", "Acteur d'un autre nœud");
    other_node["actor"] = format!("https://{}/federation/actors/x", linked.domains[A]).into();
    assert_eq!(post(&linked, &other_node).await, StatusCode::FORBIDDEN);
    assert!(received(&linked, A, B).await.is_empty());
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let linked = trio().await;
    let mut activity = linked.note_activity(B, A, "n1", "Trop long");
    activity["object"]["content"] = "x".repeat(300 * 1024).into();
    assert_eq!(
        post(&linked, &activity).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn deep_or_wide_json_is_refused() {
    let linked = trio().await;
    let mut deep = linked.note_activity(B, A, "n1", "Profond");
    let mut nested = serde_json::json!(1);
    for _ in 0..40 {
        nested = serde_json::json!([nested]);
    }
    deep["object"]["tag"] = nested;
    assert_eq!(post(&linked, &deep).await, StatusCode::BAD_REQUEST);
    let mut wide = linked.note_activity(B, A, "n2", "Large");
    wide["to"] = serde_json::json!(vec![
        format!("https://{}/federation/node", linked.domains[A]);
        500
    ]);
    assert_eq!(post(&linked, &wide).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_wrong_content_type_is_refused() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Mauvais type");
    for content_type in [
        "text/plain",
        "application/json",
        "application/x-www-form-urlencoded",
    ] {
        let forged = Forged {
            content_type: Some(content_type.into()),
            ..Forged::of(&activity)
        };
        assert_eq!(
            linked.post_as(B, A, forged).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
}

#[tokio::test]
async fn an_unsigned_request_is_refused() {
    let linked = trio().await;
    let activity = linked.note_activity(B, A, "n1", "Sans signature");
    let status = linked
        .http()
        .post(format!("https://{}/federation/inbox", linked.domains[A]))
        .header("content-type", "application/activity+json")
        .body(activity.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn activity_ids_must_be_on_the_sender_domain() {
    let linked = trio().await;
    for host in [&linked.domains[A], &linked.domains[C]] {
        let mut activity = linked.note_activity(B, A, "n1", "Usurpation");
        activity["id"] = format!("https://{host}/federation/activities/n1").into();
        assert_eq!(
            post(&linked, &activity).await,
            StatusCode::FORBIDDEN,
            "id on {host}"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
}
