use super::*;
use axum::http::{HeaderName, HeaderValue};
use proptest::prelude::*;
use std::collections::BTreeMap;

use crate::signing::{Signer, digest_header, http_date};

const NOW: i64 = 1_790_000_000;

fn keys() -> &'static (Signer, String) {
    static KEYS: std::sync::OnceLock<(Signer, String)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let (public, private) = crate::identity::generate_keypair().expect("key pair");
        let signer =
            Signer::from_pem("https://b.test/federation/node#main-key", &private).expect("signer");
        (signer, public)
    })
}

/// The headers of a correct delivery of `body` to `https://a.test/federation/inbox`.
fn signed(body: &[u8]) -> Vec<(String, String)> {
    let url = url::Url::parse("https://a.test/federation/inbox").unwrap();
    let headers: BTreeMap<String, String> = keys()
        .0
        .signed_headers("post", &url, &http_date(NOW), Some(body))
        .unwrap();
    headers.into_iter().collect()
}

fn map(lines: &[(String, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in lines {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    headers
}

/// The value of the line named `name`.
fn value(lines: &[(String, String)], name: &str) -> String {
    lines.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

/// Every check the inbox makes, in its order, with the body.
fn accept(lines: &[(String, String)], body: &[u8]) -> Result<(), Refused> {
    let request = SignedRequest::read("post", "/federation/inbox", &map(lines))?;
    request.check_host(&url::Url::parse("https://a.test").unwrap())?;
    request.check_coverage(true)?;
    request.check_date(NOW, 300)?;
    request.check_digest(body)?;
    request.verify(&keys().1)
}

#[test]
fn a_correct_delivery_is_accepted() {
    let body = br#"{"id":"https://b.test/1"}"#;
    assert_eq!(accept(&signed(body), body), Ok(()));
}

#[test]
fn a_second_digest_before_the_signed_one_is_refused() {
    let body = br#"{"id":"https://b.test/1"}"#;
    let forged = br#"{"id":"https://b.test/forged"}"#;
    let mut lines = signed(body);
    lines.insert(0, ("digest".into(), digest_header(forged)));
    assert_eq!(
        accept(&lines, forged),
        Err(Refused::Repeated("digest".into()))
    );
}

#[test]
fn every_security_header_may_appear_once_only() {
    let body = b"{}";
    for name in SINGLE_HEADERS {
        let mut lines = signed(body);
        match lines
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
        {
            Some(value) => lines.push((name.to_uppercase(), value)),
            None => {
                lines.push((name.to_owned(), "2".into()));
                lines.push((name.to_uppercase(), "2".into()));
            }
        }
        assert_eq!(
            accept(&lines, body),
            Err(Refused::Repeated(name.into())),
            "{name}"
        );
    }
    let mut lines = signed(body);
    let signature = value(&lines, "signature");
    lines.push(("authorization".into(), format!("Signature {signature}")));
    assert_eq!(accept(&lines, body), Err(Refused::Authorization));
}

#[test]
fn a_request_for_another_node_is_refused_and_default_ports_are_equal() {
    let request = SignedRequest::read("post", "/federation/inbox", &map(&signed(b"{}"))).unwrap();
    let base = |s: &str| url::Url::parse(s).unwrap();
    assert!(request.check_host(&base("https://a.test")).is_ok());
    assert!(request.check_host(&base("https://A.TEST:443")).is_ok());
    assert_eq!(
        request.check_host(&base("https://c.test")),
        Err(Refused::OtherHost("a.test".into()))
    );
    assert!(request.check_host(&base("https://a.test:8443")).is_err());
    for host in ["a.test:443", "A.test.", "a.test"] {
        let mut lines = signed(b"{}");
        lines.retain(|(n, _)| n != "host");
        lines.push(("host".into(), host.into()));
        let request = SignedRequest::read("post", "/federation/inbox", &map(&lines)).unwrap();
        assert!(
            request.check_host(&base("https://a.test")).is_ok(),
            "{host}"
        );
    }
    for host in ["a.test@c.test", "c.test/a.test", "a.test:80", ""] {
        let mut lines = signed(b"{}");
        lines.retain(|(n, _)| n != "host");
        lines.push(("host".into(), host.into()));
        let request = SignedRequest::read("post", "/federation/inbox", &map(&lines)).unwrap();
        assert!(
            request.check_host(&base("https://a.test")).is_err(),
            "{host}"
        );
    }
}

#[test]
fn digest_lists_and_sha512_are_checked_entry_by_entry() {
    let body = br#"{"a":1}"#;
    let sha256 = digest_header(body);
    let sha512 = format!("SHA-512={}", BASE64.encode(Sha512::digest(body)));
    let wrong512 = format!("SHA-512={}", BASE64.encode(Sha512::digest(b"other")));
    let with = |digest: &str| {
        let mut request =
            SignedRequest::read("post", "/federation/inbox", &map(&signed(body))).unwrap();
        request.digest = Some(digest.to_owned());
        request.check_digest(body)
    };
    assert_eq!(with(&sha256), Ok(()));
    assert_eq!(with(&sha512), Ok(()));
    assert_eq!(with(&format!("{sha256},{sha512}")), Ok(()));
    assert_eq!(with(&format!("{sha512}, {sha256}")), Ok(()));
    assert_eq!(with(&sha256.replace("SHA-256", "sha-256")), Ok(()));
    assert_eq!(
        with(&format!("{sha256},{wrong512}")),
        Err(Refused::Digest("ne correspond pas au corps"))
    );
    // A SHA-256 value under another label is not a SHA-256 entry.
    assert_eq!(
        with(&sha256.replace("SHA-256", "SHA-1")),
        Err(Refused::Digest("ni SHA-256 ni SHA-512"))
    );
    assert_eq!(
        with(&format!("MD5=abc,{sha256}")),
        Ok(()),
        "unknown algorithms beside a right SHA-256 are ignored"
    );
    assert!(with("SHA-256").is_err());
    assert!(with("SHA-256=***").is_err());
}

#[test]
fn signature_parameters_are_read_strictly() {
    let good = r#"keyId="https://b.test/federation/node#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="YWJj""#;
    let params = SignatureParams::parse(good).unwrap();
    assert_eq!(params.headers.len(), 4);
    assert_eq!(params.signature, b"abc");
    let spaced = good.replace(",", " , ");
    assert_eq!(SignatureParams::parse(&spaced).unwrap(), params);
    for bad in [
        format!("{good},keyId=\"https://c.test/federation/node#main-key\""),
        format!("{good}, headers=\"(request-target)\""),
        format!("{good},signature=\"eHl6\""),
    ] {
        assert!(
            matches!(
                SignatureParams::parse(&bad),
                Err(Refused::RepeatedParameter(_))
            ),
            "{bad}"
        );
    }
    for bad in [
        "",
        "garbage",
        r#"keyId="x""#,
        r#"keyId="x",signature="""#,
        r#"keyId="x",signature="abc"#,
        r#"keyId="x" signature="YWJj""#,
        r#"keyId="x",headers="date date",signature="YWJj""#,
        r#"keyId="x\"y",signature="YWJj""#,
    ] {
        assert!(SignatureParams::parse(bad).is_err(), "{bad}");
    }
    let unknown = format!("{good},foo=\"bar\"");
    assert!(SignatureParams::parse(&unknown).is_ok());
}

#[test]
fn weak_or_odd_signatures_are_refused() {
    let body = b"{}";
    let mut lines = signed(body);
    let signature = value(&lines, "signature");
    lines.retain(|(n, _)| n != "signature");
    let (before, after) = signature.split_once("algorithm=\"").unwrap();
    let (_, after) = after.split_once('"').unwrap();
    lines.push((
        "signature".into(),
        format!("{before}algorithm=\"hmac-sha256\"{after}"),
    ));
    assert_eq!(
        accept(&lines, body),
        Err(Refused::Algorithm("hmac-sha256".into()))
    );
    let mut lines = signed(body);
    lines.retain(|(n, _)| n != "signature");
    lines.push((
        "signature".into(),
        signature.replace("(request-target) ", ""),
    ));
    assert_eq!(
        accept(&lines, body),
        Err(Refused::Uncovered("(request-target)"))
    );
    // Covered but absent.
    let mut lines = signed(body);
    lines.retain(|(n, _)| n != "date");
    assert_eq!(accept(&lines, body), Err(Refused::Missing("date".into())));
}

#[test]
fn dates_outside_the_skew_are_expired() {
    let request = SignedRequest::read("post", "/federation/inbox", &map(&signed(b"{}"))).unwrap();
    assert_eq!(request.check_date(NOW + 299, 300), Ok(()));
    assert_eq!(request.check_date(NOW + 301, 300), Err(Refused::Expired));
    assert_eq!(request.check_date(NOW - 301, 300), Err(Refused::Expired));
}

#[test]
fn a_get_signed_without_its_query_is_accepted_and_with_another_path_is_not() {
    let url =
        url::Url::parse("https://a.test/.well-known/webfinger?resource=acct:node@a.test").unwrap();
    let date = http_date(NOW);
    let mut headers = BTreeMap::new();
    headers.insert("host".to_owned(), "a.test".to_owned());
    headers.insert("date".to_owned(), date);
    let (signer, public) = keys();
    // As that implementation signs: the path alone.
    let signature = signer
        .signature("get", "/.well-known/webfinger", &headers)
        .unwrap();
    headers.insert("signature".into(), signature);
    let lines: Vec<(String, String)> = headers.into_iter().collect();
    let target = format!("{}?{}", url.path(), url.query().unwrap());
    let request = SignedRequest::read("get", &target, &map(&lines)).unwrap();
    assert_eq!(request.verify(public), Ok(()));
    // With the query, as we sign.
    let ours = signer
        .signed_headers("get", &url, &http_date(NOW), None)
        .unwrap();
    let lines: Vec<(String, String)> = ours.into_iter().collect();
    let request = SignedRequest::read("get", &target, &map(&lines)).unwrap();
    assert_eq!(request.verify(public), Ok(()));
    // Another path is not the same request, and a POST never drops its query.
    let request = SignedRequest::read("get", "/federation/link", &map(&lines)).unwrap();
    assert_eq!(request.verify(public), Err(Refused::Invalid));
}

/// A header line as an attacker may write it: a name of any case among the ones that matter,
/// and a value that may be a genuine one, a forged one or noise.
fn header_line() -> impl Strategy<Value = (String, usize)> {
    let names = prop_oneof![
        Just("signature"),
        Just("digest"),
        Just("date"),
        Just("host"),
        Just("content-type"),
        Just("content-length"),
        Just("authorization"),
        Just("x-other"),
    ];
    (names, any::<bool>(), 0usize..3).prop_map(|(name, upper, choice)| {
        let name = if upper {
            name.to_uppercase()
        } else {
            name.to_owned()
        };
        (name, choice)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever headers are added to a genuine delivery (repeated, in any case, any order),
    /// the request is accepted only for the body its signer signed, and never when a security
    /// header appears twice.
    #[test]
    fn added_headers_never_make_a_forgery_pass(
        extra in prop::collection::vec(header_line(), 1..5),
        positions in prop::collection::vec(any::<prop::sample::Index>(), 5),
        send_forged in any::<bool>(),
    ) {
        let body = br#"{"id":"https://b.test/1"}"#.to_vec();
        let forged = br#"{"id":"https://b.test/2"}"#.to_vec();
        let genuine = signed(&body);
        let forged_lines = signed(&forged);
        let mut lines = genuine.clone();
        for ((name, choice), at) in extra.iter().zip(positions.iter().cycle()) {
            let lower = name.to_lowercase();
            let value = match choice {
                0 => genuine.iter().find(|(n, _)| *n == lower).map(|(_, v)| v.clone()),
                1 => forged_lines.iter().find(|(n, _)| *n == lower).map(|(_, v)| v.clone()),
                _ => None,
            }
            .unwrap_or_else(|| match lower.as_str() {
                "content-length" => body.len().to_string(),
                _ => "x".to_owned(),
            });
            let index = at.index(lines.len() + 1);
            lines.insert(index, (name.clone(), value));
        }
        let sent = if send_forged { &forged } else { &body };
        let result = accept(&lines, sent);
        let repeated = SINGLE_HEADERS.iter().any(|h| {
            lines.iter().filter(|(n, _)| n.eq_ignore_ascii_case(h)).count() > 1
        });
        let authorization = lines.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        if send_forged || repeated || authorization {
            prop_assert!(result.is_err(), "accepted: {:?}", lines);
        }
        if !send_forged && !repeated && !authorization {
            prop_assert_eq!(result, Ok(()));
        }
    }

    /// Arbitrary Signature values never panic the reader.
    #[test]
    fn arbitrary_signature_values_never_panic(value in "[ -~]{0,200}") {
        let _ = SignatureParams::parse(&value);
    }
}
