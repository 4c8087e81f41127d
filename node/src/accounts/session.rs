//! Browser sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, so that
//! sessions are revocable server-side and a database leak does not hand out live cookies.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sqlx::Row;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::Db;

use super::csrf;
use super::viewer::Viewer;

/// Name of the session cookie.
pub const COOKIE: &str = "ent_session";

fn digest(token: &str) -> String {
    crate::store::token_digest(token)
}

/// How long a session lives: without activity (`idle_secs`), and at most (`absolute_secs`)
/// from its opening however active.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    /// Seconds without a request after which it ends.
    pub idle_secs: i64,
    /// Seconds after its opening at which it ends.
    pub absolute_secs: i64,
}

impl Lifetime {
    /// From `[accounts]`: pupil-only accounts get the shorter idle time (classroom computers
    /// are shared), everyone the same absolute lifetime.
    pub fn for_account(config: &ent_config::AccountsSection, pupil_only: bool) -> Self {
        let idle_secs = if pupil_only {
            i64::from(config.pupil_session_minutes) * 60
        } else {
            i64::from(config.session_hours) * 3600
        };
        let absolute_secs = i64::from(config.session_absolute_hours) * 3600;
        Self {
            idle_secs: idle_secs.min(absolute_secs),
            absolute_secs,
        }
    }
}

/// Opens a session for `user_id`; returns the cookie token.
pub async fn open(
    db: &Db,
    user_id: &str,
    now: i64,
    lifetime: Lifetime,
) -> Result<String, sqlx::Error> {
    // Housekeeping where it is cheap: the user's own expired sessions go when a new one opens.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
        .bind(user_id)
        .bind(now)
        .execute(db.pool())
        .await?;
    let token = format!("{}{}", csrf::random_token(), csrf::random_token());
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, idle_secs) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(digest(&token))
    .bind(user_id)
    .bind(csrf::random_token())
    .bind(now)
    .bind(now + lifetime.idle_secs)
    .bind(lifetime.idle_secs)
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

/// The user and form token of a live session, extending it when half its idle time is spent,
/// never past its absolute lifetime.
async fn resolve(state: &AppState, token: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let now = state.clock.now();
    let absolute = i64::from(state.config.accounts.session_absolute_hours) * 3600;
    let row = sqlx::query(
        "SELECT user_id, csrf_token, expires_at, created_at, idle_secs FROM sessions \
         WHERE id_hash = $1 AND expires_at > $2 AND created_at > $3",
    )
    .bind(digest(token))
    .bind(now)
    .bind(now - absolute)
    .fetch_optional(state.db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: i64 = row.try_get(2)?;
    let created_at: i64 = row.try_get(3)?;
    let idle: i64 = match row.try_get::<i64, _>(4)? {
        0 => i64::from(state.config.accounts.session_hours) * 3600,
        secs => secs,
    };
    if expires_at - now < idle / 2 {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id_hash = $2")
            .bind((now + idle).min(created_at + absolute))
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

/// Whether browsers reach the node over HTTPS (cookies are then `Secure` and `__Host-`).
fn served_over_https(state: &AppState) -> bool {
    state.config.serves_tls() || state.config.public_url().starts_with("https://")
}

/// The name a cookie goes by: over HTTPS, with the `__Host-` prefix, so that browsers accept it
/// only from this exact origin, `Secure`, for the whole site (no sibling domain can set it).
pub fn cookie_name(state: &AppState, name: &str) -> String {
    if served_over_https(state) {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// Reads one of the node's cookies (under its prefixed name over HTTPS); see [`cookie`].
pub fn read_cookie<'a>(state: &AppState, headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie(headers, &cookie_name(state, name))
}

/// A `Set-Cookie` value with the node's cookie policy: HttpOnly, SameSite, Secure and the
/// `__Host-` prefix under HTTPS.
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age_secs: i64,
    same_site: &str,
) -> String {
    let secure = served_over_https(state);
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{}",
        cookie_name(state, name),
        if secure { "; Secure" } else { "" }
    )
}

/// The session token carried by the request, if any.
pub fn token<'a>(state: &AppState, parts: &'a Parts) -> Option<&'a str> {
    read_cookie(state, &parts.headers, COOKIE)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token(state, parts).ok_or(AppError::Unauthenticated)?;
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
