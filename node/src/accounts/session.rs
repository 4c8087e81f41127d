//! Browser sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, so that
//! sessions are revocable server-side and a database leak does not hand out live cookies.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::Db;

use super::csrf;
use super::viewer::Viewer;

/// Name of the session cookie.
pub const COOKIE: &str = "ent_session";

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session for `user_id`; returns the cookie token.
pub async fn open(db: &Db, user_id: &str, now: i64, hours: u32) -> Result<String, sqlx::Error> {
    // Housekeeping where it is cheap: the user's own expired sessions go when a new one opens.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
        .bind(user_id)
        .bind(now)
        .execute(db.pool())
        .await?;
    let token = format!("{}{}", csrf::random_token(), csrf::random_token());
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(csrf::random_token())
    .bind(now)
    .bind(now + i64::from(hours) * 3600)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// Ends the session behind `token`.
pub async fn close(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(digest(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of a user except, optionally, the current one (after a password change).
pub async fn close_others(
    db: &Db,
    user_id: &str,
    keep_token: Option<&str>,
) -> Result<(), sqlx::Error> {
    let keep = keep_token.map(digest).unwrap_or_default();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The user and form token of a live session, extending it when half its life is spent.
async fn resolve(state: &AppState, token: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let now = state.clock.now();
    let row = sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(digest(token))
        .bind(now)
        .fetch_optional(state.db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: i64 = row.try_get(2)?;
    let lifetime = i64::from(state.config.accounts.session_hours) * 3600;
    if expires_at - now < lifetime / 2 {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id_hash = $2")
            .bind(now + lifetime)
            .bind(digest(token))
            .execute(state.db.pool())
            .await?;
    }
    Ok(Some((row.try_get(0)?, row.try_get(1)?)))
}

/// Reads one cookie from the request headers; a cookie sent twice (another site of the same
/// domain may set one beside ours) is taken as absent, never read one way or the other.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// A `Set-Cookie` value with the node's cookie policy: HttpOnly, SameSite, Secure under TLS.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: &str,
) -> String {
    let secure = state.config.serves_tls() || state.config.public_url().starts_with("https://");
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session token carried by the request, if any.
pub fn token(parts: &Parts) -> Option<&str> {
    cookie(&parts.headers, COOKIE)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token(parts).ok_or(AppError::Unauthenticated)?;
        let (user_id, csrf) = resolve(state, token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let viewer = Viewer::load(&state.db, &user_id, csrf).await?;
        viewer
            .filter(|v| v.user.active)
            .ok_or(AppError::Unauthenticated)
    }
}

/// The viewer when signed in, `None` otherwise (pages open to everyone).
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Viewer::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(Self(Some(viewer))),
            Err(AppError::Unauthenticated) => Ok(Self(None)),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(axum::http::header::COOKIE, line.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_cookie_sent_twice_is_not_read() {
        assert_eq!(
            cookie(&headers(&["a=1; ent_session=x"]), "ent_session"),
            Some("x")
        );
        assert_eq!(
            cookie(&headers(&["a=1", "ent_session=x"]), "ent_session"),
            Some("x")
        );
        for twice in [
            &["ent_session=x; ent_session=y"][..],
            &["ent_session=x", "ent_session=y"][..],
            &["ent_session=x", "ent_session=x"][..],
        ] {
            assert_eq!(cookie(&headers(twice), "ent_session"), None, "{twice:?}");
        }
        assert_eq!(cookie(&headers(&["other=x"]), "ent_session"), None);
    }
}
