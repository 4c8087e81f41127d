//! One-time activation codes printed on connection sheets.
//!
//! Only a hash is stored, so a code exists in clear only on the sheet just printed (or the
//! screen of the teacher who regenerated it). Issuing a new code replaces the previous one.

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::store::Db;

/// Letters and digits a child will not confuse (no 0/O, 1/I/L, 5/S, 2/Z).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRTUVWXY346789";

/// A freshly issued code, shown once.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    /// The user it activates.
    pub user_id: String,
    /// The code as printed, `ABCD-EFGH`.
    pub code: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: i64,
}

/// Generates a random code `ABCD-EFGH`.
fn generate() -> String {
    let mut rng = rand::thread_rng();
    let chars: String = (0..8)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The stored form: SHA-256 of the user id and the normalized code.
fn digest(user_id: &str, code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(format!("{user_id}:{normalized}")))
}

/// Issues a new code for `user_id`, replacing any previous one, inside the caller's transaction.
pub async fn issue(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
    valid_days: u32,
) -> Result<IssuedCode, sqlx::Error> {
    let code = generate();
    let expires_at = now + i64::from(valid_days) * 86_400;
    sqlx::query("DELETE FROM activation_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO activation_codes (user_id, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(digest(user_id, &code))
        .bind(expires_at)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(IssuedCode {
        user_id: user_id.to_owned(),
        code,
        expires_at,
    })
}

/// The code a sheet carries: derived from the node's secret key and a random seed, so that
/// printing the sheets again prints the same code while the database alone (hash and seed)
/// still does not reveal it.
fn derive(secret: &str, user_id: &str, seed: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("activation-code:{user_id}:{seed}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    // Two bytes per character keep the modulo bias below 0.05 %.
    let chars: String = bytes
        .chunks(2)
        .take(8)
        .map(|pair| {
            let n = usize::from(u16::from_be_bytes([pair[0], pair[1]]));
            ALPHABET[n % ALPHABET.len()] as char
        })
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// Issues a new code that the sheets can print again (see [`current_for_sheet`]), replacing
/// any previous one, inside the caller's transaction.
pub async fn issue_for_sheet(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
    valid_days: u32,
    secret: &str,
) -> Result<IssuedCode, sqlx::Error> {
    let seed = hex::encode(rand::random::<[u8; 16]>());
    let code = derive(secret, user_id, &seed);
    let expires_at = now + i64::from(valid_days) * 86_400;
    sqlx::query("DELETE FROM activation_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO activation_codes (user_id, code_hash, expires_at, created_at, seed) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(digest(user_id, &code))
    .bind(expires_at)
    .bind(now)
    .bind(&seed)
    .execute(&mut *conn)
    .await?;
    Ok(IssuedCode {
        user_id: user_id.to_owned(),
        code,
        expires_at,
    })
}

/// Where an account's code stands when its sheet is printed.
#[derive(Debug, Clone)]
pub enum SheetCode {
    /// A live code a sheet already carried: printed again as it is.
    Current(IssuedCode),
    /// A live code shown once on a screen (it cannot be printed again, and is not replaced).
    HandedOut,
    /// No live code (never issued, used or expired): a new one may be issued.
    None,
}

/// The live code of `user_id` as a sheet can print it.
pub async fn current_for_sheet(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
    secret: &str,
) -> Result<SheetCode, sqlx::Error> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT code_hash, seed, expires_at FROM activation_codes WHERE user_id = $1 AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((hash, seed, expires_at)) = row else {
        return Ok(SheetCode::None);
    };
    if seed.is_empty() {
        return Ok(SheetCode::HandedOut);
    }
    let code = derive(secret, user_id, &seed);
    // A changed secret key derives another code: that sheet cannot be printed again.
    if !constant_time_eq(hash.as_bytes(), digest(user_id, &code).as_bytes()) {
        return Ok(SheetCode::HandedOut);
    }
    Ok(SheetCode::Current(IssuedCode {
        user_id: user_id.to_owned(),
        code,
        expires_at,
    }))
}

/// Resets an account: the password and every session end, and a new code is issued (a lost or
/// compromised password must stop working at once, not when the new code is used).
pub async fn reset(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
    valid_days: u32,
) -> Result<IssuedCode, sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = NULL, updated_at = $1, \
         credentials_version = credentials_version + 1 WHERE id = $2",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    issue(conn, user_id, now, valid_days).await
}

/// [`reset`], with a code the class's sheets can print again.
pub async fn reset_for_sheet(
    conn: &mut AnyConnection,
    user_id: &str,
    now: i64,
    valid_days: u32,
    secret: &str,
) -> Result<IssuedCode, sqlx::Error> {
    reset(conn, user_id, now, valid_days).await?;
    issue_for_sheet(conn, user_id, now, valid_days, secret).await
}

/// Whether `code` is the current, unexpired code of `user_id`.
pub async fn matches(db: &Db, user_id: &str, code: &str, now: i64) -> Result<bool, sqlx::Error> {
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT code_hash FROM activation_codes WHERE user_id = $1 AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    Ok(stored.is_some_and(|s| constant_time_eq(s.as_bytes(), digest(user_id, code).as_bytes())))
}

/// Consumes the code (after a successful activation), in the caller's transaction.
pub async fn consume(conn: &mut AnyConnection, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM activation_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Compares without leaking the position of the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_forgiving_when_typed() {
        let code = generate();
        assert_eq!(code.len(), 9);
        assert!(
            code.chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        let lower = code.to_lowercase().replace('-', " ");
        assert_eq!(digest("u1", &code), digest("u1", &lower));
        assert_ne!(digest("u1", &code), digest("u2", &code));
    }

    #[test]
    fn sheet_codes_are_stable_per_seed_and_secret() {
        let code = derive("secret", "u1", "seed");
        assert_eq!(code, derive("secret", "u1", "seed"));
        assert_ne!(code, derive("secret", "u1", "seed2"));
        assert_ne!(code, derive("other", "u1", "seed"));
        assert_ne!(code, derive("secret", "u2", "seed"));
        assert!(
            code.len() == 9
                && code
                    .chars()
                    .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
    }
}
