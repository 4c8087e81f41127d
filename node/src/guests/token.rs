//! The token of a federated sign-in ("se connecter avec mon ENT"): the user's home node signs
//! it (RS256, with its node key) and the host verifies it with the key it pinned for that link.
//! It lives at most two minutes, names its audience and carries the host's nonce and a unique id.

use axum::http::StatusCode;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use serde::{Deserialize, Serialize};

/// Longest lifetime of a token, seconds.
pub const LIFETIME_SECS: i64 = 120;
/// How long the host keeps a sign-in request open, seconds.
pub const REQUEST_SECS: i64 = 600;
/// Path of a Person actor on its node, which `sub` must name.
const ACTOR_PATH: &str = "/federation/actors/";

/// What the home node asserts about its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginClaims {
    /// The home node's domain (`host[:port]`).
    pub iss: String,
    /// The user's Person actor URL on the home node.
    pub sub: String,
    /// The host's domain.
    pub aud: String,
    /// Expiry (Unix seconds), at most [`LIFETIME_SECS`] after `iat`.
    pub exp: i64,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// The host's request this answers.
    pub nonce: String,
    /// Unique token id: a host accepts it once.
    pub jti: String,
    /// Display name: first name and initial of the last name.
    pub name: String,
    /// The user's school on the home node.
    #[serde(default)]
    pub school: String,
}

/// Why a federated sign-in is refused. Each has its status, a log code and a French message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The node asked for (or asking) is not an active link with the `spaces` scope.
    UnknownLink,
    /// Not a token we can read, or claims out of shape.
    Malformed,
    /// Issued by a node that is not an active link with the `spaces` scope.
    UnlinkedIssuer,
    /// The signature does not verify with the issuer's pinned key.
    BadSignature,
    /// Issued for another node.
    WrongAudience,
    /// Past its expiry by our clock.
    Expired,
    /// Its id was already accepted.
    Replayed,
    /// No open request of this browser matches its nonce.
    UnknownRequest,
    /// No valid guest account here, or one that is in no space.
    NotMember,
}

impl Refusal {
    /// Short code for logs and the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownLink => "unknown_link",
            Self::Malformed => "malformed",
            Self::UnlinkedIssuer => "unlinked_issuer",
            Self::BadSignature => "bad_signature",
            Self::WrongAudience => "wrong_audience",
            Self::Expired => "expired",
            Self::Replayed => "replayed",
            Self::UnknownRequest => "unknown_request",
            Self::NotMember => "not_member",
        }
    }

    /// The HTTP status of the refusal page: 403 when trust is missing, 400 for a bad token.
    pub fn status(self) -> StatusCode {
        match self {
            Self::UnknownLink | Self::UnlinkedIssuer | Self::BadSignature | Self::NotMember => {
                StatusCode::FORBIDDEN
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// What the user reads.
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownLink => {
                "Cet ENT n'est pas lié à celui-ci pour les espaces partagés, ou la convention \
                 n'est pas active en ce moment."
            }
            Self::Malformed => {
                "Le jeton de connexion reçu est illisible. Il faut recommencer la connexion depuis le début."
            }
            Self::UnlinkedIssuer => {
                "Le jeton de connexion vient d'un ENT qui n'est pas lié à celui-ci : il est refusé."
            }
            Self::BadSignature => {
                "La signature du jeton de connexion ne correspond pas à la clé de l'ENT lié : il \
                 est refusé."
            }
            Self::WrongAudience => {
                "Ce jeton de connexion a été délivré pour un autre ENT : il ne peut pas servir ici."
            }
            Self::Expired => {
                "Le jeton de connexion a expiré (il ne vaut que deux minutes). Recommencez la \
                 connexion."
            }
            Self::Replayed => {
                "Ce jeton de connexion a déjà été utilisé. Il faut recommencer la connexion depuis le début."
            }
            Self::UnknownRequest => {
                "Cette connexion n'a pas été demandée depuis ce navigateur, ou la demande a plus \
                 de 10 minutes. Recommencez depuis la page de connexion."
            }
            Self::NotMember => {
                // Read by pupils and adults of the other node alike: neither "tu" nor "vous".
                "Ce compte n'est membre d'aucun espace partagé de cet ENT : il n'y a rien à \
                 ouvrir ici. Une invitation de l'enseignant est nécessaire."
            }
        }
    }
}

/// Signs `claims` with a node's private key (PKCS#8 PEM).
pub fn sign(private_key_pem: &str, claims: &LoginClaims) -> anyhow::Result<String> {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem)?;
    let der = key.to_pkcs1_der()?;
    let key = EncodingKey::from_rsa_der(der.as_bytes());
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &key,
    )?)
}

/// The issuer a token claims, read before any check, only to pick the key to check it with.
pub fn claimed_issuer(token: &str) -> Result<String, Refusal> {
    #[derive(Deserialize)]
    struct Issuer {
        iss: String,
    }
    jsonwebtoken::dangerous::insecure_decode::<Issuer>(token)
        .map(|data| data.claims.iss)
        .map_err(|_| Refusal::Malformed)
}

/// Verifies a token issued by `issuer` with its pinned public key (SPKI PEM): RS256 only,
/// audience `own_domain`, then every claim by our clock ([`check_claims`]).
pub fn verify(
    token: &str,
    public_key_pem: &str,
    issuer: &str,
    own_domain: &str,
    now: i64,
) -> Result<LoginClaims, Refusal> {
    let key = rsa::RsaPublicKey::from_public_key_pem(public_key_pem)
        .and_then(|key| key.to_pkcs1_der().map_err(Into::into))
        .map_err(|_| Refusal::BadSignature)?;
    let key = DecodingKey::from_rsa_der(key.as_bytes());
    let mut validation = Validation::new(Algorithm::RS256);
    // Expiry is checked below against the node's clock, with no leeway.
    validation.validate_exp = false;
    validation.leeway = 0;
    validation.set_audience(&[own_domain]);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let data =
        jsonwebtoken::decode::<LoginClaims>(token, &key, &validation).map_err(
            |error| match error.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => Refusal::BadSignature,
                ErrorKind::InvalidAudience => Refusal::WrongAudience,
                ErrorKind::InvalidIssuer => Refusal::UnlinkedIssuer,
                _ => Refusal::Malformed,
            },
        )?;
    check_claims(&data.claims, issuer, own_domain, now)?;
    Ok(data.claims)
}

/// The checks of the claims themselves, by our clock (`now`, zero leeway).
pub fn check_claims(
    claims: &LoginClaims,
    issuer: &str,
    own_domain: &str,
    now: i64,
) -> Result<(), Refusal> {
    if claims.iss != issuer {
        return Err(Refusal::UnlinkedIssuer);
    }
    if claims.aud != own_domain {
        return Err(Refusal::WrongAudience);
    }
    if now >= claims.exp {
        return Err(Refusal::Expired);
    }
    let lifetime_ok = claims.exp - claims.iat <= LIFETIME_SECS && claims.iat <= now + 60;
    let ids_ok = is_token_id(&claims.nonce) && is_token_id(&claims.jti);
    if !lifetime_ok || !ids_ok || !is_actor_of(&claims.sub, issuer) {
        return Err(Refusal::Malformed);
    }
    Ok(())
}

/// Whether `value` has the shape of a nonce or token id: 16 to 128 letters, digits or `-`.
pub fn is_token_id(value: &str) -> bool {
    (16..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether `url` is a Person actor URL on `domain` (`https://domain/federation/actors/ID`).
pub fn is_actor_of(url: &str, domain: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let id = url.path().strip_prefix(ACTOR_PATH).unwrap_or_default();
    matches!(url.scheme(), "https" | "http")
        && ent_federation::signing::authority(&url) == domain
        && !id.is_empty()
        && !id.contains('/')
        && url.query().is_none()
        && url.fragment().is_none()
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
