//! HTTP signatures (draft-cavage, as Mastodon and the ActivityPub crate use them): signing our
//! requests, reading a request's `Signature` header, and verifying it against a pinned key.
//!
//! Every signature we make covers `(request-target)`, `host`, `date` and, with a body,
//! `digest`; the inbox refuses signatures that cover less.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_signature_normalization::Config;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// Headers every signature must cover; `digest` too when the request has a body.
pub const REQUIRED_HEADERS: [&str; 3] = ["(request-target)", "host", "date"];

/// Why a signature could not be made or does not hold.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// No `Signature` header, or one that cannot be parsed.
    #[error("en-tête Signature absent ou illisible")]
    Missing,
    /// The signature does not cover a required header.
    #[error("la signature ne couvre pas « {0} »")]
    Uncovered(&'static str),
    /// The key is not a usable RSA key.
    #[error("clé RSA illisible")]
    BadKey,
    /// The signature does not match the request.
    #[error("signature invalide")]
    Invalid,
}

/// A private key that signs requests, with the key id peers use to find its public half.
#[derive(Clone)]
pub struct Signer {
    key_id: String,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// `SHA-256=<base64>` of a body, the value of the `Digest` header.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// An HTTP date (`Date` header) for a Unix time in seconds.
pub fn http_date(unix_secs: i64) -> String {
    let secs = u64::try_from(unix_secs).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

impl Signer {
    /// A signer from a PKCS#8 PEM private key.
    pub fn from_pem(
        key_id: impl Into<String>,
        private_key_pem: &str,
    ) -> Result<Self, SignatureError> {
        let key =
            RsaPrivateKey::from_pkcs8_pem(private_key_pem).map_err(|_| SignatureError::BadKey)?;
        Ok(Self {
            key_id: key_id.into(),
            key,
        })
    }

    /// The key id (`<actor>#main-key`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The `Signature` header for a request whose signed headers are `headers` (lower-case
    /// names; `host` and `date` at least, `digest` with a body).
    pub fn signature(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &BTreeMap<String, String>,
    ) -> Result<String, SignatureError> {
        let config = Config::new().dont_use_created_field();
        let unsigned = config
            .begin_sign(method, path_and_query, headers.clone())
            .map_err(|_| SignatureError::Missing)?;
        let signed = unsigned.sign(self.key_id.clone(), |signing_string| {
            let hashed = Sha256::digest(signing_string.as_bytes());
            self.key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &hashed)
                .map(|raw| BASE64.encode(raw))
                .map_err(|_| SignatureError::BadKey)
        })?;
        Ok(signed.signature_header())
    }

    /// The headers of a signed request: `host`, `date`, `digest` (with a body), `content-type`
    /// (with a body) and `signature`.
    pub fn signed_headers(
        &self,
        method: &str,
        url: &url::Url,
        date: &str,
        body: Option<&[u8]>,
    ) -> Result<BTreeMap<String, String>, SignatureError> {
        let mut headers = BTreeMap::new();
        headers.insert("host".to_owned(), authority(url));
        headers.insert("date".to_owned(), date.to_owned());
        if let Some(body) = body {
            headers.insert("digest".to_owned(), digest_header(body));
            headers.insert(
                "content-type".to_owned(),
                crate::ACTIVITY_CONTENT_TYPE.to_owned(),
            );
        }
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let signature = self.signature(method, &target, &headers)?;
        headers.insert("signature".to_owned(), signature);
        Ok(headers)
    }
}

/// `host[:port]` of a URL, as the `Host` header carries it.
pub fn authority(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

/// The parts of a `Signature` header the inbox checks before any cryptography.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `keyId`: `<actor url>#<fragment>`.
    pub key_id: String,
    /// The covered headers, lower case, in order.
    pub headers: Vec<String>,
}

impl SignatureHeader {
    /// Reads a `Signature` header value; `None` when `keyId` or `signature` is missing.
    pub fn parse(value: &str) -> Option<Self> {
        let mut key_id = None;
        let mut headers = None;
        let mut signature = false;
        for part in value.trim_start_matches("Signature").split(',') {
            let (name, value) = part.trim().split_once('=')?;
            let value = value.trim().trim_matches('"');
            match name.trim() {
                "keyId" => key_id = Some(value.to_owned()),
                "headers" => {
                    headers = Some(
                        value
                            .split_whitespace()
                            .map(str::to_ascii_lowercase)
                            .collect(),
                    );
                }
                "signature" => signature = !value.is_empty(),
                _ => {}
            }
        }
        Some(Self {
            key_id: key_id?,
            // Without a list, the draft says only `(created)` is signed: nothing we accept.
            headers: if signature {
                headers.unwrap_or_default()
            } else {
                return None;
            },
        })
    }

    /// The key's URL (`keyId` without its fragment).
    pub fn key_url(&self) -> Option<url::Url> {
        let url = url::Url::parse(&self.key_id).ok()?;
        let mut owner = url.clone();
        owner.set_fragment(None);
        Some(owner)
    }

    /// Checks that every required header is covered (`digest` when `with_body`).
    pub fn check_coverage(&self, with_body: bool) -> Result<(), SignatureError> {
        for required in REQUIRED_HEADERS {
            if !self.headers.iter().any(|h| h == required) {
                return Err(SignatureError::Uncovered(required));
            }
        }
        if with_body && !self.headers.iter().any(|h| h == "digest") {
            return Err(SignatureError::Uncovered("digest"));
        }
        Ok(())
    }
}

/// Verifies a request's signature with `public_key_pem` (what signed GETs and the reciprocity
/// check use; inbox POSTs go through the ActivityPub crate's own verification).
pub fn verify(
    method: &str,
    path_and_query: &str,
    headers: &axum::http::HeaderMap,
    public_key_pem: &str,
) -> Result<(), SignatureError> {
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            map.insert(name.as_str().to_owned(), value.to_owned());
        }
    }
    // Expiry is ours to judge (the Date skew check); the library's window is only a backstop.
    let config = Config::new()
        .dont_use_created_field()
        .set_expiration(std::time::Duration::from_secs(3600));
    let unverified = config
        .begin_verify(method, path_and_query, map)
        .map_err(|_| SignatureError::Missing)?;
    let key =
        RsaPublicKey::from_public_key_pem(public_key_pem).map_err(|_| SignatureError::BadKey)?;
    let valid = unverified.verify(|signature, signing_string| {
        let Ok(raw) = BASE64.decode(signature) else {
            return false;
        };
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
            &raw,
        )
        .is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_headers_are_read_without_cryptography() {
        let header = SignatureHeader::parse(
            r#"keyId="https://a.test/federation/node#main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="abc=""#,
        )
        .unwrap();
        assert_eq!(header.key_id, "https://a.test/federation/node#main-key");
        assert_eq!(
            header.key_url().unwrap().as_str(),
            "https://a.test/federation/node"
        );
        assert!(header.check_coverage(true).is_ok());
        let partial = SignatureHeader::parse(
            r#"keyId="https://a.test/x#k",headers="(request-target) host",signature="abc""#,
        )
        .unwrap();
        assert!(matches!(
            partial.check_coverage(false),
            Err(SignatureError::Uncovered("date"))
        ));
        assert!(SignatureHeader::parse(r#"keyId="x""#).is_none());
        assert!(SignatureHeader::parse("garbage").is_none());
    }
}
