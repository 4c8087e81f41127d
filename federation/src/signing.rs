//! HTTP signatures (draft-cavage, as Mastodon and the ActivityPub crate use them): signing our
//! requests. Reading and verifying received ones is [`crate::request`]'s.
//!
//! Every signature we make covers `(request-target)`, `host`, `date` and, with a body,
//! `digest` and `content-type`; receivers refuse signatures that cover less.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_signature_normalization::Config;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// Why a signature could not be made or does not hold.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The headers to sign could not be arranged.
    #[error("en-têtes à signer incomplets")]
    Missing,
    /// The key is not a usable RSA key.
    #[error("clé RSA illisible")]
    BadKey,
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
