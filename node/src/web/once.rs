//! A form sent twice does one thing: every state-changing form carries a one-time submission
//! token (`once`, a hidden field written by `Page::once`), and this middleware lets the first
//! submission of a token through and answers every later one (a reload, a double tap, a
//! "back and send again") without running the handler again.
//!
//! - The token is claimed by inserting it into `form_submissions`: the primary key makes the
//!   claim atomic on both engines, across node processes too.
//! - A replay is sent where the first submission went (its redirect), or, when the first answer
//!   was a page (a code shown once), to a French "already sent" page.
//! - A first submission that failed (4xx/5xx: nothing was written, handlers write in one
//!   transaction) releases its token, so that sending the corrected form again works.
//! - A replay arriving while the first submission still runs (the double tap) waits for it in
//!   this process, then follows it; the first one runs to its end even when the browser gave up
//!   on it, so that what the claim says and what was written agree.
//!
//! One mechanism for every form: the handlers know nothing of it. A POST without a `once`
//! field passes through unchanged (federation, API, sign-in).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::watch;

use crate::state::AppState;

/// The form field.
pub const FIELD: &str = "once";
/// Length of a token (hex).
const TOKEN_LEN: usize = 32;
/// How much of a body is read to find the token (it is the second field of every form, after
/// the anti-forgery token, so it always lies in the first bytes).
const PREFIX: usize = 16 * 1024;
/// How long a claimed token is remembered: a day covers any reload or back button.
const KEPT_SECS: i64 = 86_400;

/// A fresh token for one form.
pub fn token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; TOKEN_LEN / 2];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The middleware's state: the node and the submissions running in this process.
#[derive(Clone)]
pub struct OnceGuard {
    state: AppState,
    running: Arc<Mutex<HashMap<String, watch::Sender<bool>>>>,
}

impl OnceGuard {
    /// A guard for one application.
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            running: Arc::default(),
        }
    }
}

/// Middleware: lets the first submission of a token through, answers replays.
pub async fn guard(State(guard): State<OnceGuard>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let (prefix, body) = match split_prefix(body).await {
        Ok(split) => split,
        Err(response) => return response,
    };
    let Some(token) = find_token(&parts.headers, &prefix) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let referer = back_link(&parts.headers, &guard.state.config.public_url());
    let request = Request::from_parts(parts, body);
    // Another submission of this token running here: wait for it, then follow it.
    let waiting = {
        let mut running = guard.running.lock().unwrap_or_else(|e| e.into_inner());
        match running.get(&token) {
            Some(sender) => Some(sender.subscribe()),
            None => {
                running.insert(token.clone(), watch::channel(false).0);
                None
            }
        }
    };
    if let Some(mut done) = waiting {
        let limit = std::time::Duration::from_secs(guard.state.config.server.request_timeout_secs);
        // Ends when the first submission finishes (or its sender is dropped).
        let _ = tokio::time::timeout(limit, done.wait_for(|finished| *finished)).await;
        return replay(&guard, &token, &referer).await;
    }
    let finished = Finished {
        running: guard.running.clone(),
        token: token.clone(),
    };
    match claim(&guard.state, &token).await {
        Ok(true) => {}
        Ok(false) => return replay(&guard, &token, &referer).await,
        Err(error) => return crate::error::AppError::from(error).into_response(),
    }
    // Run to the end even if the client goes away (the claim must match what was written), and
    // wake the replays waiting here only once the outcome is recorded (`finished` is dropped
    // last). A panic is answered as `CatchPanicLayer` would, and releases the token.
    let state = guard.state.clone();
    let handled = tokio::spawn(async move {
        let response = std::panic::AssertUnwindSafe(next.run(request))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                crate::error::AppError::internal("handler panicked").into_response()
            });
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Err(error) = record(&state, &token, response.status(), location).await {
            tracing::error!(%error, "form submission outcome not recorded");
        }
        drop(finished);
        response
    })
    .await;
    handled.unwrap_or_else(|error| crate::error::AppError::internal(error).into_response())
}

/// Removes a finished submission from the running ones and wakes its replays.
struct Finished {
    running: Arc<Mutex<HashMap<String, watch::Sender<bool>>>>,
    token: String,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = running.remove(&self.token) {
            let _ = sender.send(true);
        }
    }
}

/// Reads the first bytes of a body, and gives back a body that yields them again followed by
/// the rest (the handler reads the same bytes).
async fn split_prefix(body: Body) -> Result<(Bytes, Body), Response> {
    let mut stream = body.into_data_stream();
    let mut prefix = Vec::new();
    let mut ended = true;
    while prefix.len() < PREFIX {
        match stream.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(_)) => {
                return Err(crate::error::AppError::Invalid(
                    "Envoi interrompu. Il faut recharger la page et recommencer.".into(),
                )
                .into_response());
            }
            None => {
                ended = true;
                break;
            }
        }
        ended = false;
    }
    let prefix = Bytes::from(prefix);
    let again =
        futures_util::stream::once(std::future::ready(Ok::<_, axum::Error>(prefix.clone())));
    let body = if ended {
        Body::from(prefix.clone())
    } else {
        Body::from_stream(again.chain(stream))
    };
    Ok((prefix, body))
}

/// The token of a form body (urlencoded or multipart), when it has a well-formed one.
fn find_token(headers: &HeaderMap, prefix: &[u8]) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let value = if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(prefix)
            .find(|(name, _)| name == FIELD)
            .map(|(_, value)| value.into_owned())
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(prefix, FIELD)
    } else {
        None
    };
    value.filter(|v| v.len() == TOKEN_LEN && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The value of a short text field in the first bytes of a multipart body.
fn multipart_field(prefix: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(prefix);
    let marker = format!("name=\"{name}\"");
    let after = &text[text.find(&marker)? + marker.len()..];
    let value = &after[after.find("\r\n\r\n")? + 4..];
    Some(value[..value.find("\r\n")?].to_owned())
}

/// Claims a token: true for the first submission.
async fn claim(state: &AppState, token: &str) -> sqlx::Result<bool> {
    let now = state.clock.now();
    sqlx::query("DELETE FROM form_submissions WHERE at < $1")
        .bind(now - KEPT_SECS)
        .execute(state.db.pool())
        .await?;
    let claimed = sqlx::query(
        "INSERT INTO form_submissions (token, at, location) VALUES ($1, $2, '') \
         ON CONFLICT (token) DO NOTHING",
    )
    .bind(token)
    .bind(now)
    .execute(state.db.pool())
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Keeps where a submission went, or releases the token of one that failed.
async fn record(
    state: &AppState,
    token: &str,
    status: StatusCode,
    location: Option<String>,
) -> sqlx::Result<()> {
    if status.is_client_error() || status.is_server_error() {
        sqlx::query("DELETE FROM form_submissions WHERE token = $1")
            .bind(token)
            .execute(state.db.pool())
            .await?;
    } else if let Some(location) = location {
        sqlx::query("UPDATE form_submissions SET location = $1 WHERE token = $2")
            .bind(location)
            .bind(token)
            .execute(state.db.pool())
            .await?;
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "form_replayed.html")]
struct ReplayedPage<'a> {
    page: super::Page<'a>,
    back: &'a str,
    /// The first submission failed (nothing was done): the form must be sent again.
    failed: bool,
}

/// The answer to a replay: where the first submission went, or the "already sent" page. A
/// token released meanwhile (the first submission failed) is claimed again by a new attempt.
async fn replay(guard: &OnceGuard, token: &str, back: &str) -> Response {
    let location: Option<String> =
        match sqlx::query_scalar("SELECT location FROM form_submissions WHERE token = $1")
            .bind(token)
            .fetch_optional(guard.state.db.pool())
            .await
        {
            Ok(location) => location,
            Err(error) => return crate::error::AppError::from(error).into_response(),
        };
    if let Some(location) = location.as_deref().filter(|l| !l.is_empty()) {
        return Redirect::to(location).into_response();
    }
    let page = ReplayedPage {
        page: super::Page::anonymous("Formulaire déjà envoyé"),
        back,
        failed: location.is_none(),
    };
    match page.render() {
        Ok(html) => (StatusCode::CONFLICT, Html(html)).into_response(),
        Err(error) => crate::error::AppError::internal(error).into_response(),
    }
}

/// Where "back" leads on the "already sent" page: the page the form was on when it is a page of
/// this node, else the portal.
fn back_link(headers: &HeaderMap, public_url: &str) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| referer.strip_prefix(public_url))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .filter(|path| path.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| "/portail".to_owned(), str::to_owned)
}

#[cfg(test)]
#[path = "once_tests.rs"]
mod tests;
