//! Forging with headers: one genuine delivery signed by B must never let anyone make a node
//! accept an activity B did not sign, for a node B did not address, or older than what the
//! node holds. Each case sends raw requests (headers repeated, in any case and order) to real
//! nodes over TLS, and has a positive twin so that none passes vacuously.

use ent_federation::signing::{digest_header, http_date};
use ent_tests::federation::{Linked, eventually};
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};
use serde_json::{Value, json};

use crate::federation::{publish, received, trio};

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

const INBOX: &str = "POST /federation/inbox HTTP/1.1";

type Lines = Vec<(String, String)>;

/// Sends `lines` and `body` to node `to`'s inbox; the status.
async fn send(linked: &Linked, to: usize, lines: &Lines, body: &[u8]) -> u16 {
    linked.target(to).send(INBOX, lines, body).await.0
}

fn bytes(activity: &Value) -> Vec<u8> {
    activity.to_string().into_bytes()
}

/// `lines` with `(name, value)` inserted at `at`.
fn with(lines: &Lines, at: usize, name: &str, value: &str) -> Lines {
    let mut lines = lines.clone();
    lines.insert(at, (name.to_owned(), value.to_owned()));
    lines
}

fn value_of<'l>(lines: &'l Lines, name: &str) -> &'l str {
    &lines.iter().find(|(n, _)| n == name).expect(name).1
}

#[tokio::test]
async fn a_second_digest_cannot_carry_a_forged_body() {
    let linked = trio().await;
    let genuine = bytes(&linked.note_activity(B, A, "n1", "Avis authentique"));
    let lines = linked.delivery_lines(B, A, &genuine);
    let forged = bytes(&linked.note_activity(B, A, "n2", "Avis forgé"));
    let mut delete = linked.note_activity(B, A, "n3", "x");
    delete["type"] = "Delete".into();
    let delete = bytes(&delete);
    for body in [&forged, &delete] {
        let digest = digest_header(body);
        // Before the signed Digest (the one the crate hashed the body against), after it, and
        // with the header name in another case.
        for (at, name) in [(2, "Digest"), (3, "digest"), (0, "DIGEST")] {
            let status = send(&linked, A, &with(&lines, at, name, &digest), body).await;
            assert_eq!(status, 401, "second {name} at {at}");
        }
    }
    assert!(received(&linked, A, B).await.is_empty());
    // The genuine delivery, exactly as captured, is accepted.
    assert_eq!(send(&linked, A, &lines, &genuine).await, 202);
    assert_eq!(received(&linked, A, B).await, ["Avis authentique"]);
}

#[tokio::test]
async fn a_forged_space_post_is_refused_by_the_host_and_never_reaches_the_other_ecole() {
    let cycle3 = Cycle3::start().await;
    let id = cycle3.shared_space().await;
    let group = cycle3.group_of(&id).await;
    let linked = &cycle3.linked;
    let teacher: String = sqlx::query_scalar(
        "SELECT actor_id FROM space_members WHERE node = $1 AND role = 'moderator'",
    )
    .bind(&linked.domains[ECOLE1])
    .fetch_one(cycle3.node(COLLEGE).state.db.pool())
    .await
    .expect("école 1's teacher is a member on the host");
    let post = |n: &str, text: &str| {
        let base = format!("https://{}", linked.domains[ECOLE1]);
        bytes(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{base}/federation/activities/{n}"),
            "type": "Create",
            "actor": teacher,
            "audience": group,
            "to": [format!("https://{}/federation/node", linked.domains[COLLEGE])],
            "object": {
                "id": format!("{base}/federation/objects/{n}"),
                "type": "Note",
                "attributedTo": teacher,
                "audience": group,
                "content": text,
                "updated": ent_node::spaces::relay::rfc3339(cycle3.node(ECOLE1).state.clock.now()),
            }
        }))
    };
    let genuine = post("p1", "Message authentique");
    let lines = linked.delivery_lines(ECOLE1, COLLEGE, &genuine);
    let forged = post("p2", "Message forgé");
    let status = send(
        linked,
        COLLEGE,
        &with(&lines, 2, "Digest", &digest_header(&forged)),
        &forged,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(send(linked, COLLEGE, &lines, &genuine).await, 202);
    // The genuine post is announced to école 2; the forged one exists nowhere.
    cycle3
        .wait_status(ECOLE2, "Message authentique", Some("published"))
        .await;
    for node in [COLLEGE, ECOLE1, ECOLE2] {
        assert_eq!(cycle3.status_of(node, "Message forgé").await, None);
    }
}

#[tokio::test]
async fn a_second_date_cannot_stretch_the_clock_window() {
    let linked = trio().await;
    // A delivery captured 40 minutes ago, with a fresh Date added beside its own.
    linked.node(B).state.clock.advance(-2400);
    let old = bytes(&linked.note_activity(B, A, "n1", "Ancienne livraison"));
    let lines = linked.delivery_lines(B, A, &old);
    linked.node(B).state.clock.advance(2400);
    let fresh = http_date(linked.node(A).state.clock.now());
    assert_eq!(
        send(&linked, A, &with(&lines, 0, "Date", &fresh), &old).await,
        401
    );
    assert_eq!(
        send(&linked, A, &with(&lines, 5, "date", &fresh), &old).await,
        401
    );
    assert_eq!(
        send(&linked, A, &lines, &old).await,
        401,
        "stale on its own"
    );
    let body = bytes(&linked.note_activity(B, A, "n2", "Livraison du jour"));
    assert_eq!(
        send(&linked, A, &linked.delivery_lines(B, A, &body), &body).await,
        202
    );
    assert_eq!(received(&linked, A, B).await, ["Livraison du jour"]);
}

#[tokio::test]
async fn a_second_signature_or_an_authorization_header_is_refused() {
    let linked = trio().await;
    let body = bytes(&linked.note_activity(B, A, "n1", "Signé deux fois"));
    let lines = linked.delivery_lines(B, A, &body);
    let signature = value_of(&lines, "signature").to_owned();
    // A weaker signature (request target only) beside or instead of the real one.
    let weak = linked.sign_lines(B, "post", "/federation/inbox", &[]);
    assert_eq!(
        send(&linked, A, &with(&lines, 0, "Signature", &weak), &body).await,
        401
    );
    assert_eq!(
        send(&linked, A, &with(&lines, 5, "Signature", &signature), &body).await,
        401
    );
    let authorization = format!("Signature {signature}");
    assert_eq!(
        send(
            &linked,
            A,
            &with(&lines, 0, "Authorization", &authorization),
            &body
        )
        .await,
        401
    );
    let mut only_authorization = lines.clone();
    only_authorization.retain(|(n, _)| n != "signature");
    only_authorization.push(("Authorization".into(), authorization));
    assert_eq!(send(&linked, A, &only_authorization, &body).await, 401);
    assert!(received(&linked, A, B).await.is_empty());
    assert_eq!(send(&linked, A, &lines, &body).await, 202);
}

#[tokio::test]
async fn a_second_content_type_is_refused() {
    let linked = trio().await;
    let body = bytes(&linked.note_activity(B, A, "n1", "Deux types"));
    let lines = linked.delivery_lines(B, A, &body);
    for (at, value) in [(4, "text/plain"), (0, "application/activity+json")] {
        assert_eq!(
            send(&linked, A, &with(&lines, at, "Content-Type", value), &body).await,
            401,
            "{value} at {at}"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
    assert_eq!(send(&linked, A, &lines, &body).await, 202);
}

#[tokio::test]
async fn a_second_host_is_refused() {
    let linked = trio().await;
    let body = bytes(&linked.note_activity(B, A, "n1", "Deux hôtes"));
    let lines = linked.delivery_lines(B, A, &body);
    for host in [&linked.domains[C], &linked.domains[A]] {
        assert_eq!(
            send(&linked, A, &with(&lines, 1, "Host", host), &body).await,
            401,
            "{host}"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
    assert_eq!(send(&linked, A, &lines, &body).await, 202);
}

#[tokio::test]
async fn a_second_content_length_never_gives_two_readings() {
    let linked = trio().await;
    let body = bytes(&linked.note_activity(B, A, "n1", "Deux longueurs"));
    let lines = linked.delivery_lines(B, A, &body);
    let length = body.len().to_string();
    // Two different lengths: refused by HTTP itself (hyper), before any handler.
    let shorter = (body.len() - 10).to_string();
    for (first, second) in [(&length, &shorter), (&shorter, &length)] {
        let twice = with(
            &with(&lines, 0, "Content-Length", first),
            0,
            "content-length",
            second,
        );
        assert_eq!(
            send(&linked, A, &twice, &body).await,
            400,
            "{first} then {second}"
        );
    }
    assert!(received(&linked, A, B).await.is_empty());
    // The same length twice is one length (hyper keeps one value): the body is read once,
    // framed by it, and the genuine delivery is applied once.
    let twice = with(
        &with(&lines, 0, "Content-Length", &length),
        0,
        "content-length",
        &length,
    );
    assert_eq!(send(&linked, A, &twice, &body).await, 202);
    let once = with(&lines, 0, "Content-Length", &length);
    assert_eq!(send(&linked, A, &once, &body).await, 202);
    assert_eq!(received(&linked, A, B).await, ["Deux longueurs"]);
}

#[tokio::test]
async fn a_delivery_to_one_node_replayed_to_another_is_refused() {
    let linked = trio().await;
    // B's delivery to A, captured, replayed unchanged to C (which is linked to B).
    let to_a = bytes(&linked.note_activity(B, A, "n1", "Pour A seulement"));
    let lines = linked.delivery_lines(B, A, &to_a);
    assert_eq!(send(&linked, C, &lines, &to_a).await, 401);
    // Signed for C, but addressed to A in its body: refused too (C can never accept it).
    let c_lines = linked.delivery_lines(B, C, &to_a);
    assert_eq!(send(&linked, C, &c_lines, &to_a).await, 400);
    assert!(received(&linked, C, B).await.is_empty());
    // The same delivery reaches A, and one made for C reaches C.
    assert_eq!(send(&linked, A, &lines, &to_a).await, 202);
    let to_c = bytes(&linked.note_activity(B, C, "n2", "Pour C"));
    assert_eq!(
        send(&linked, C, &linked.delivery_lines(B, C, &to_c), &to_c).await,
        202
    );
    assert_eq!(received(&linked, C, B).await, ["Pour C"]);
}

#[tokio::test]
async fn a_get_signed_for_one_node_is_refused_by_another() {
    let linked = trio().await;
    let now = linked.node(B).state.clock.now();
    for path in ["/federation/link", "/federation/classes"] {
        let url: url::Url = format!("https://{}{path}", linked.domains[A])
            .parse()
            .unwrap();
        let headers = linked
            .signer(B)
            .signed_headers("get", &url, &http_date(now), None)
            .unwrap();
        let lines: Lines = headers.into_iter().collect();
        let request = format!("GET {path} HTTP/1.1");
        let (status, answer) = linked.target(C).send(&request, &lines, b"").await;
        assert_eq!(status, 401, "{path} answered by C: {answer}");
        assert!(!answer.contains("class"), "{answer}");
        let (status, _) = linked.target(A).send(&request, &lines, b"").await;
        assert_eq!(status, 200, "{path} on A, for whom it was signed");
        // The same GET with its Host repeated.
        let twice = with(&lines, 0, "Host", &linked.domains[A]);
        assert_eq!(linked.target(A).send(&request, &twice, b"").await.0, 401);
    }
}

#[tokio::test]
async fn an_older_version_never_rolls_a_notice_back() {
    let linked = trio().await;
    // v1 to A and C, then v2 to A and C, as B's operator would publish and change a notice.
    publish(&linked, B, "Version 1").await;
    eventually("A and C hold v1", || async {
        received(&linked, A, B).await == ["Version 1"]
            && received(&linked, C, B).await == ["Version 1"]
    })
    .await;
    let db = &linked.node(B).state.db;
    let ours = ent_node::federation::notices::ours_all(db).await.unwrap();
    let notice = ours.iter().find(|n| n.peer.is_empty()).expect("B's notice");
    let object_id = notice.object_id.clone();
    let v1_time = notice.updated_at;
    // What B sent A for v1 (same object, same `updated`), as it would be captured.
    let v1 = |to: usize, n: &str| {
        let mut activity = linked.note_activity(B, to, n, "Version 1");
        activity["object"]["id"] = object_id.clone().into();
        activity["object"]["updated"] = ent_node::spaces::relay::rfc3339(v1_time).into();
        bytes(&activity)
    };
    let captured = v1(A, "captured");
    let captured_lines = linked.delivery_lines(B, A, &captured);
    assert_eq!(send(&linked, A, &captured_lines, &captured).await, 202);
    let text = ent_node::federation::notices::NoticeText::parse("Version 2", "Texte v2").unwrap();
    ent_node::federation::notices::update(
        db,
        linked.node(B).federation(),
        &notice.id,
        &text,
        linked.node(B).state.clock.now(),
    )
    .await
    .unwrap();
    eventually("A and C hold v2", || async {
        received(&linked, A, B).await == ["Version 2"]
            && received(&linked, C, B).await == ["Version 2"]
    })
    .await;
    // v1's delivery replayed to C: not for C.
    assert_eq!(send(&linked, C, &captured_lines, &captured).await, 401);
    // Replayed to A, for whom it was made: a replay, acknowledged, changing nothing.
    assert_eq!(send(&linked, A, &captured_lines, &captured).await, 202);
    // Even a delivery B did make for C, carrying v1 late (a new activity id): acknowledged,
    // ignored, because C holds a newer version.
    let late = v1(C, "late");
    assert_eq!(
        send(&linked, C, &linked.delivery_lines(B, C, &late), &late).await,
        202
    );
    assert_eq!(received(&linked, A, B).await, ["Version 2"]);
    assert_eq!(received(&linked, C, B).await, ["Version 2"]);
}

/// Header lines of a delivery with a chosen `Digest` value, signed by B over all of them.
fn with_digest(linked: &Linked, body: &[u8], digest: &str) -> Lines {
    let mut lines: Lines = linked
        .delivery_lines(B, A, body)
        .into_iter()
        .filter(|(n, _)| n != "signature")
        .collect();
    for line in &mut lines {
        if line.0 == "digest" {
            line.1 = digest.to_owned();
        }
    }
    let signature = linked.sign_lines(B, "post", "/federation/inbox", &lines);
    lines.push(("signature".into(), signature));
    lines
}

/// The `Digest` value of each case for `body`.
fn digest_for(case: &str, body: &[u8]) -> String {
    let other = b"autre corps";
    match case {
        "both" => format!("{},{}", digest_header(body), sha512_of(body)),
        "sha512-only" => sha512_of(body),
        "lower-case, spaced" => format!(
            "{}, {}",
            sha512_of(body),
            digest_header(body).replace("SHA-256", "sha-256")
        ),
        "right sha256, wrong sha512" => format!("{},{}", digest_header(body), sha512_of(other)),
        "sha256 value labelled SHA-1" => digest_header(body).replace("SHA-256", "SHA-1"),
        _ => digest_header(other),
    }
}

#[tokio::test]
async fn digest_lists_and_sha512_are_checked_entry_by_entry() {
    let linked = trio().await;
    let mut accepted = 0;
    for (n, (case, expected)) in [
        ("both", 202),
        ("sha512-only", 202),
        ("lower-case, spaced", 202),
        ("right sha256, wrong sha512", 401),
        ("sha256 value labelled SHA-1", 401),
        ("another body", 401),
    ]
    .into_iter()
    .enumerate()
    {
        let body = bytes(&linked.note_activity(B, A, &format!("n{n}"), &format!("Empreinte {n}")));
        let lines = with_digest(&linked, &body, &digest_for(case, &body));
        assert_eq!(send(&linked, A, &lines, &body).await, expected, "{case}");
        if expected == 202 {
            accepted += 1;
        }
    }
    assert_eq!(received(&linked, A, B).await.len(), accepted);
}

#[tokio::test]
async fn an_expired_signature_is_401() {
    let linked = trio().await;
    linked.node(B).state.clock.advance(-3 * 3600);
    let body = bytes(&linked.note_activity(B, A, "n1", "Trop vieux"));
    let lines = linked.delivery_lines(B, A, &body);
    linked.node(B).state.clock.advance(3 * 3600);
    let (status, answer) = linked.target(A).send(INBOX, &lines, &body).await;
    assert_eq!(status, 401, "{answer}");
    let body = bytes(&linked.note_activity(B, A, "n2", "À l'heure"));
    assert_eq!(
        send(&linked, A, &linked.delivery_lines(B, A, &body), &body).await,
        202
    );
}

#[tokio::test]
async fn the_key_id_must_be_the_senders_node_key() {
    let linked = trio().await;
    let body = bytes(&linked.note_activity(B, A, "n1", "Autre clé"));
    let lines = linked.delivery_lines(B, A, &body);
    let signature = value_of(&lines, "signature");
    let node_key = format!("https://{}/federation/node#main-key", linked.domains[B]);
    let person_key = format!("https://{}/federation/actors/x#main-key", linked.domains[B]);
    let mut other = lines.clone();
    for line in &mut other {
        if line.0 == "signature" {
            line.1 = signature.replace(&node_key, &person_key);
        }
    }
    assert_eq!(send(&linked, A, &other, &body).await, 401);
    assert_eq!(send(&linked, A, &lines, &body).await, 202);
}

fn sha512_of(body: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!(
        "SHA-512={}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(body))
    )
}
