//! One reading of a signed request's security headers, shared by the inbox and every signed GET.
//!
//! A header that can appear twice can be read two ways: the ActivityPub crate, for one, checked
//! the body against the *first* `Digest` and built the signed string from the *last* one, which
//! let anyone holding one genuine delivery forge any activity. So a signed request may name each
//! of `Signature`, `Digest`, `Date`, `Host`, `Content-Type` and `Content-Length` at most once
//! (every header its signature covers exactly once), and no `Authorization` at all. They are
//! read here, once, into [`SignedRequest`]; every later check (Host, coverage, Date, Digest, the
//! signature itself) reads these values and nothing else. Every refusal here is a 401.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256, Sha512};

/// Headers a signed request may carry at most once.
pub const SINGLE_HEADERS: [&str; 6] = [
    "signature",
    "digest",
    "date",
    "host",
    "content-type",
    "content-length",
];

/// Headers every signature must cover; `digest` too when the request has a body.
pub const REQUIRED_HEADERS: [&str; 3] = ["(request-target)", "host", "date"];

/// Why a signed request is refused (always 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A security header, or a covered one, appears more than once.
    #[error("en-tête {0} répété")]
    Repeated(String),
    /// An `Authorization` header: signatures travel in `Signature` only.
    #[error("en-tête Authorization refusé : la signature passe par l'en-tête Signature")]
    Authorization,
    /// A required header is absent.
    #[error("en-tête {0} absent")]
    Missing(String),
    /// A header's value is not visible ASCII, or not what its name promises.
    #[error("en-tête {0} illisible")]
    Unreadable(String),
    /// The `Signature` header cannot be read as `name="value"` pairs.
    #[error("en-tête Signature mal formé : {0}")]
    Malformed(&'static str),
    /// A parameter of the `Signature` header appears twice.
    #[error("paramètre {0} répété dans l'en-tête Signature")]
    RepeatedParameter(String),
    /// An algorithm other than `hs2019` or `rsa-sha256`.
    #[error("algorithme de signature non accepté : {0}")]
    Algorithm(String),
    /// The signature does not cover a required header.
    #[error("la signature ne couvre pas « {0} »")]
    Uncovered(&'static str),
    /// The `keyId` is not the sender's node key.
    #[error("keyId inattendu : {0}")]
    KeyId(String),
    /// The request was meant for another node.
    #[error("requête adressée à {0}, pas à ce nœud")]
    OtherHost(String),
    /// `Date` (or `(created)`/`(expires)`) outside the allowed clock skew.
    #[error("signature expirée ou datée hors de la tolérance d'horloge")]
    Expired,
    /// The body does not match `Digest`.
    #[error("en-tête Digest : {0}")]
    Digest(&'static str),
    /// The signature does not verify with the sender's key.
    #[error("signature invalide")]
    Invalid,
}

/// The parameters of a `Signature` header, each read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// `keyId`.
    pub key_id: String,
    /// `algorithm`, if given.
    pub algorithm: Option<String>,
    /// The covered headers, lower case, in order (`(created)` when the list is absent).
    pub headers: Vec<String>,
    /// The decoded signature.
    pub signature: Vec<u8>,
    /// `created`, Unix seconds.
    pub created: Option<i64>,
    /// `expires`, Unix seconds.
    pub expires: Option<i64>,
}

impl SignatureParams {
    /// Reads `keyId="…",algorithm="…",headers="…",signature="…"` strictly: every parameter at
    /// most once, quoted strings without escapes, nothing between pairs but commas and spaces.
    /// Unknown parameters are ignored, as the draft says.
    pub fn parse(value: &str) -> Result<Self, Refused> {
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut rest = value.trim();
        if rest.is_empty() {
            return Err(Refused::Malformed("vide"));
        }
        loop {
            let (name, after) = rest
                .split_once('=')
                .ok_or(Refused::Malformed("paire sans « = »"))?;
            let name = name.trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Refused::Malformed("nom de paramètre invalide"));
            }
            let after = after.trim_start();
            let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted
                    .find('"')
                    .ok_or(Refused::Malformed("guillemet non fermé"))?;
                let value = &quoted[..end];
                if value.contains('\\') {
                    return Err(Refused::Malformed("échappement dans une valeur"));
                }
                (value, &quoted[end + 1..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim_end(), &after[end..])
            };
            if seen.iter().any(|(n, _)| n == name) {
                return Err(Refused::RepeatedParameter(name.to_owned()));
            }
            seen.push((name.to_owned(), value.to_owned()));
            let after = after.trim_start();
            if after.is_empty() {
                break;
            }
            rest = after
                .strip_prefix(',')
                .ok_or(Refused::Malformed("caractères après une valeur"))?
                .trim_start();
        }
        let take = |name: &str| seen.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let time = |name: &'static str| -> Result<Option<i64>, Refused> {
            take(name)
                .map(|v| v.parse::<i64>().map_err(|_| Refused::Malformed(name)))
                .transpose()
        };
        let key_id = take("keyId").ok_or(Refused::Malformed("keyId absent"))?;
        let signature = take("signature").ok_or(Refused::Malformed("signature absente"))?;
        let signature = BASE64
            .decode(signature.as_bytes())
            .map_err(|_| Refused::Malformed("signature non base64"))?;
        if signature.is_empty() {
            return Err(Refused::Malformed("signature vide"));
        }
        // Without a list, the draft says only `(created)` is signed: nothing we accept.
        let headers: Vec<String> = match take("headers") {
            Some(list) => list
                .split_ascii_whitespace()
                .map(str::to_ascii_lowercase)
                .collect(),
            None => vec!["(created)".to_owned()],
        };
        for (i, header) in headers.iter().enumerate() {
            if headers[..i].contains(header) {
                return Err(Refused::Malformed("en-tête couvert deux fois"));
            }
        }
        Ok(Self {
            key_id,
            algorithm: take("algorithm"),
            headers,
            signature,
            created: time("created")?,
            expires: time("expires")?,
        })
    }

    /// The key's URL (`keyId` without its fragment).
    pub fn key_url(&self) -> Option<url::Url> {
        let mut url = url::Url::parse(&self.key_id).ok()?;
        url.set_fragment(None);
        Some(url)
    }
}

/// A request's security headers, each read once, and the covered headers' values.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// The `Signature` header's parameters.
    pub signature: SignatureParams,
    /// `Date`, Unix seconds.
    pub date: i64,
    /// `Host`, as sent.
    pub host: String,
    /// `Digest`, as sent.
    pub digest: Option<String>,
    /// `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// `Content-Length`.
    pub content_length: Option<u64>,
    method: String,
    target: String,
    /// `(name, value)` of every covered line but `(request-target)`, in signature order.
    covered: Vec<(String, String)>,
}

/// The one value of `name`, if present (the caller has refused repetitions).
fn single(headers: &HeaderMap, name: &str) -> Result<Option<String>, Refused> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Refused::Repeated(name.to_owned()));
    }
    first
        .to_str()
        .map(|v| Some(v.to_owned()))
        .map_err(|_| Refused::Unreadable(name.to_owned()))
}

impl SignedRequest {
    /// Reads the security headers of a `method` request for `target` (path and query as
    /// received). Refuses repeated headers and `Authorization` before anything else.
    pub fn read(method: &str, target: &str, headers: &HeaderMap) -> Result<Self, Refused> {
        if headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Err(Refused::Authorization);
        }
        for name in SINGLE_HEADERS {
            if headers.get_all(name).iter().nth(1).is_some() {
                return Err(Refused::Repeated(name.to_owned()));
            }
        }
        let signature =
            single(headers, "signature")?.ok_or_else(|| Refused::Missing("Signature".into()))?;
        let signature = SignatureParams::parse(&signature)?;
        let mut covered = Vec::new();
        for name in &signature.headers {
            let value = match name.as_str() {
                "(request-target)" => continue,
                "(created)" => signature
                    .created
                    .ok_or(Refused::Malformed("(created) sans paramètre created"))?
                    .to_string(),
                "(expires)" => signature
                    .expires
                    .ok_or(Refused::Malformed("(expires) sans paramètre expires"))?
                    .to_string(),
                other => single(headers, other)?.ok_or_else(|| Refused::Missing(other.into()))?,
            };
            covered.push((name.clone(), value));
        }
        let date = single(headers, "date")?.ok_or_else(|| Refused::Missing("Date".into()))?;
        let date = httpdate::parse_http_date(&date)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .ok_or_else(|| Refused::Unreadable("Date".into()))?;
        let content_length = single(headers, "content-length")?
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| Refused::Unreadable("Content-Length".into()))
            })
            .transpose()?;
        Ok(Self {
            date,
            host: single(headers, "host")?.ok_or_else(|| Refused::Missing("Host".into()))?,
            digest: single(headers, "digest")?,
            content_type: single(headers, "content-type")?,
            content_length,
            method: method.to_ascii_lowercase(),
            target: target.to_owned(),
            covered,
            signature,
        })
    }

    /// Refuses a request whose `Host` is not this node's (`base`'s host and port; letter case,
    /// a trailing dot and the scheme's default port aside). The signature covers `host`, so a
    /// delivery or a GET signed for one node cannot be replayed to another.
    pub fn check_host(&self, base: &url::Url) -> Result<(), Refused> {
        let other = || Refused::OtherHost(self.host.clone());
        if self.host.is_empty()
            || self
                .host
                .chars()
                .any(|c| matches!(c, '/' | '@' | '?' | '#' | '\\') || c.is_whitespace())
        {
            return Err(other());
        }
        let sent =
            url::Url::parse(&format!("{}://{}/", base.scheme(), self.host)).map_err(|_| other())?;
        let host = |url: &url::Url| {
            url.host_str()
                .map(|h| h.trim_end_matches('.').to_owned())
                .unwrap_or_default()
        };
        if host(&sent) == host(base) && sent.port_or_known_default() == base.port_or_known_default()
        {
            Ok(())
        } else {
            Err(other())
        }
    }

    /// Checks that every required header is covered (`digest` when `with_body`).
    pub fn check_coverage(&self, with_body: bool) -> Result<(), Refused> {
        let covers = |name: &str| self.signature.headers.iter().any(|h| h == name);
        for required in REQUIRED_HEADERS {
            if !covers(required) {
                return Err(Refused::Uncovered(required));
            }
        }
        if with_body && !covers("digest") {
            return Err(Refused::Uncovered("digest"));
        }
        Ok(())
    }

    /// Checks `Date` (and `created`/`expires` when given) against `now`, within `skew` seconds.
    pub fn check_date(&self, now: i64, skew: i64) -> Result<(), Refused> {
        let created_late = self.signature.created.is_some_and(|c| c > now + skew);
        let expired = self.signature.expires.is_some_and(|e| e < now - skew);
        if (self.date - now).abs() > skew || created_late || expired {
            return Err(Refused::Expired);
        }
        Ok(())
    }

    /// Checks `body` against `Digest`: every SHA-256 and SHA-512 entry must match, and one of
    /// them must be there; entries of other algorithms are ignored (never taken for SHA-256).
    pub fn check_digest(&self, body: &[u8]) -> Result<(), Refused> {
        let digest = self
            .digest
            .as_deref()
            .ok_or_else(|| Refused::Missing("Digest".into()))?;
        let mut checked = 0;
        for entry in digest.split(',') {
            let (algorithm, value) = entry
                .trim()
                .split_once('=')
                .ok_or(Refused::Digest("entrée sans « = »"))?;
            let expected: Vec<u8> = match algorithm.trim().to_ascii_lowercase().as_str() {
                "sha-256" => Sha256::digest(body).to_vec(),
                "sha-512" => Sha512::digest(body).to_vec(),
                _ => continue,
            };
            let sent = BASE64
                .decode(value.trim().as_bytes())
                .map_err(|_| Refused::Digest("valeur non base64"))?;
            if sent != expected {
                return Err(Refused::Digest("ne correspond pas au corps"));
            }
            checked += 1;
        }
        if checked == 0 {
            return Err(Refused::Digest("ni SHA-256 ni SHA-512"));
        }
        Ok(())
    }

    /// The string the sender signed, for a given request target.
    fn signing_string(&self, target: &str) -> String {
        let mut lines = Vec::with_capacity(self.signature.headers.len());
        let mut covered = self.covered.iter();
        for name in &self.signature.headers {
            if name == "(request-target)" {
                lines.push(format!("(request-target): {} {target}", self.method));
            } else if let Some((name, value)) = covered.next() {
                lines.push(format!("{name}: {value}"));
            }
        }
        lines.join("\n")
    }

    /// Verifies the signature with `public_key_pem` (RSA, PKCS#1 v1.5, SHA-256). A GET with a
    /// query is also accepted when its signature leaves the query out of `(request-target)`,
    /// as one widely used implementation signs its GETs (WebFinger's `?resource=`).
    pub fn verify(&self, public_key_pem: &str) -> Result<(), Refused> {
        match self.signature.algorithm.as_deref() {
            None | Some("hs2019" | "rsa-sha256") => {}
            Some(other) => return Err(Refused::Algorithm(other.to_owned())),
        }
        let key =
            RsaPublicKey::from_public_key_pem(public_key_pem).map_err(|_| Refused::Invalid)?;
        let holds = |target: &str| {
            let hashed = Sha256::digest(self.signing_string(target).as_bytes());
            key.verify(
                Pkcs1v15Sign::new::<Sha256>(),
                &hashed,
                &self.signature.signature,
            )
            .is_ok()
        };
        if holds(&self.target) {
            return Ok(());
        }
        if self.method == "get"
            && let Some((path, _query)) = self.target.split_once('?')
            && holds(path)
        {
            return Ok(());
        }
        Err(Refused::Invalid)
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
