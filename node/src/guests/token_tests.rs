//! Unit tests of the federated sign-in token: signature, algorithm, audience, expiry, shape.

use std::sync::OnceLock;

use super::*;

const HOME: &str = "ecole.test:8443";
const HOST: &str = "college.test";
const NOW: i64 = 1_800_000_000;

/// Two node key pairs (public, private), made once: the home node's and a stranger's.
fn keys() -> &'static [(String, String); 2] {
    static KEYS: OnceLock<[(String, String); 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pair = || ent_federation::identity::generate_keypair().expect("key pair");
        [pair(), pair()]
    })
}

fn claims() -> LoginClaims {
    LoginClaims {
        iss: HOME.into(),
        sub: format!("https://{HOME}/federation/actors/0192-abcd"),
        aud: HOST.into(),
        exp: NOW + LIFETIME_SECS,
        iat: NOW,
        nonce: "a".repeat(48),
        jti: "b".repeat(32),
        name: "Léa M.".into(),
        school: "École des Tilleuls".into(),
    }
}

fn signed(claims: &LoginClaims, key: usize) -> String {
    sign(&keys()[key].1, claims).expect("signed")
}

fn verified(token: &str, now: i64) -> Result<LoginClaims, Refusal> {
    verify(token, &keys()[0].0, HOME, HOST, now)
}

#[test]
fn a_token_of_the_home_node_verifies_with_its_pinned_key() {
    let token = signed(&claims(), 0);
    assert_eq!(claimed_issuer(&token).unwrap(), HOME);
    assert_eq!(verified(&token, NOW + 10).unwrap(), claims());
}

#[test]
fn expiry_is_checked_by_our_clock_with_no_leeway() {
    let token = signed(&claims(), 0);
    assert!(verified(&token, NOW + LIFETIME_SECS - 1).is_ok());
    assert_eq!(verified(&token, NOW + LIFETIME_SECS), Err(Refusal::Expired));
}

#[test]
fn another_audience_or_issuer_is_refused() {
    let other_host = LoginClaims {
        aud: "autre.test".into(),
        ..claims()
    };
    assert_eq!(
        verified(&signed(&other_host, 0), NOW),
        Err(Refusal::WrongAudience)
    );
    let token = signed(&claims(), 0);
    assert_eq!(
        verify(&token, &keys()[0].0, "autre.test", HOST, NOW),
        Err(Refusal::UnlinkedIssuer)
    );
    assert_eq!(
        check_claims(&claims(), "autre.test", HOST, NOW),
        Err(Refusal::UnlinkedIssuer)
    );
}

#[test]
fn another_key_a_changed_payload_or_another_algorithm_fails_the_signature() {
    assert_eq!(
        verified(&signed(&claims(), 1), NOW),
        Err(Refusal::BadSignature)
    );
    let token = signed(&claims(), 0);
    let changed = serde_json::to_vec(&LoginClaims {
        name: "Autre N.".into(),
        ..claims()
    })
    .unwrap();
    let payload =
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, changed);
    let parts: Vec<&str> = token.split('.').collect();
    let forged = [parts[0], &payload, parts[2]].join(".");
    assert_eq!(verified(&forged, NOW), Err(Refusal::BadSignature));
    // HS256 signed with the public key as secret (algorithm confusion).
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(keys()[0].0.as_bytes()),
    )
    .unwrap();
    assert_eq!(verified(&hs, NOW), Err(Refusal::BadSignature));
}

#[test]
fn claims_out_of_shape_are_refused() {
    let long = LoginClaims {
        exp: NOW + LIFETIME_SECS + 1,
        ..claims()
    };
    assert_eq!(verified(&signed(&long, 0), NOW), Err(Refusal::Malformed));
    let foreign_actor = LoginClaims {
        sub: "https://autre.test/federation/actors/1".into(),
        ..claims()
    };
    assert_eq!(
        verified(&signed(&foreign_actor, 0), NOW),
        Err(Refusal::Malformed)
    );
    let short_nonce = LoginClaims {
        nonce: "abc".into(),
        ..claims()
    };
    assert_eq!(
        check_claims(&short_nonce, HOME, HOST, NOW),
        Err(Refusal::Malformed)
    );
    assert_eq!(claimed_issuer("pas-un-jeton"), Err(Refusal::Malformed));
    assert_eq!(verified("a.b.c", NOW), Err(Refusal::Malformed));
}

#[test]
fn subjects_must_be_person_actors_of_the_issuer() {
    assert!(is_actor_of(
        "https://b.test:8443/federation/actors/x1",
        "b.test:8443"
    ));
    assert!(!is_actor_of(
        "https://b.test/federation/actors/x1",
        "b.test:8443"
    ));
    assert!(!is_actor_of("https://b.test/federation/actors/", "b.test"));
    assert!(!is_actor_of("https://b.test/federation/node", "b.test"));
    assert!(!is_actor_of(
        "https://b.test/federation/actors/a/b",
        "b.test"
    ));
    assert!(!is_actor_of(
        "https://b.test/federation/actors/a?x=1",
        "b.test"
    ));
    assert!(!is_actor_of("ftp://b.test/federation/actors/a", "b.test"));
    assert!(!is_actor_of("local:123", "b.test"));
}

#[test]
fn refusals_say_why_in_french_with_a_client_error_status() {
    for refusal in [
        Refusal::UnknownLink,
        Refusal::Malformed,
        Refusal::UnlinkedIssuer,
        Refusal::BadSignature,
        Refusal::WrongAudience,
        Refusal::Expired,
        Refusal::Replayed,
        Refusal::UnknownRequest,
        Refusal::NotMember,
    ] {
        assert!(refusal.status().is_client_error(), "{refusal:?}");
        assert!(!refusal.message().is_empty() && !refusal.code().is_empty());
    }
    assert_eq!(Refusal::Expired.status(), StatusCode::BAD_REQUEST);
    assert_eq!(Refusal::NotMember.status(), StatusCode::FORBIDDEN);
}
