//! Anti-forgery tokens.
//!
//! Signed-in forms carry the session's token (checked against the session row). Forms shown
//! before sign-in (sign-in, activation) use a signed double-submit token: a random nonce and its
//! HMAC under the node's secret, sent both as a strict cookie and as a hidden field.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::codes::constant_time_eq;

/// Cookie carrying the anonymous form token.
pub const COOKIE: &str = "ent_csrf";

/// A random token for a new session.
pub fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// HMAC-SHA256 of `nonce` under the node's secret, hex (anonymous form tokens, mail links).
pub fn mac(secret: &str, nonce: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new signed anonymous token `nonce.mac`.
pub fn anonymous_token(secret: &str) -> String {
    let nonce = random_token();
    format!("{nonce}.{}", mac(secret, &nonce))
}

/// Whether the form field equals the cookie and carries our signature.
pub fn anonymous_token_ok(secret: &str, cookie: Option<&str>, field: &str) -> bool {
    let Some(cookie) = cookie else { return false };
    let Some((nonce, signature)) = field.split_once('.') else {
        return false;
    };
    constant_time_eq(cookie.as_bytes(), field.as_bytes())
        && constant_time_eq(signature.as_bytes(), mac(secret, nonce).as_bytes())
}

/// Whether a signed-in form's token matches the session's.
pub fn session_token_ok(expected: &str, field: &str) -> bool {
    !expected.is_empty() && constant_time_eq(expected.as_bytes(), field.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_tokens_need_cookie_field_and_signature() {
        let secret = "s".repeat(32);
        let token = anonymous_token(&secret);
        assert!(anonymous_token_ok(&secret, Some(&token), &token));
        assert!(!anonymous_token_ok(&secret, None, &token));
        assert!(!anonymous_token_ok(&secret, Some("x.y"), &token));
        let forged = format!("{}.{}", random_token(), "00");
        assert!(!anonymous_token_ok(&secret, Some(&forged), &forged));
        assert!(!anonymous_token_ok(&"t".repeat(32), Some(&token), &token));
    }
}
