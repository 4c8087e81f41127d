//! The host's side of the way back: the home node's token is verified with the key pinned for
//! that link, then, in one transaction, its id is recorded (never accepted twice), the request
//! it answers is used up, and the user's guest account is looked up.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use ent_config::Scope;
use serde::Deserialize;
use sqlx::AnyConnection;

use crate::accounts::codes::constant_time_eq;
use crate::accounts::handlers::replace_session;
use crate::accounts::session;
use crate::error::{AppError, AppResult};
use crate::guests::logins;
use crate::guests::token::{self, LoginClaims, Refusal};
use crate::state::AppState;
use crate::users::store as users;
use crate::web::Page;

use super::{COOKIE, check_throttle, refuse, refused_page};
use crate::net::ClientAddress;

/// `?token=` of the way back.
#[derive(Deserialize)]
pub struct ComeBack {
    #[serde(default)]
    token: String,
}

/// `GET /connexion/ent/retour?token=…`: verifies the home node's token and opens a session
/// for the user's guest account.
pub async fn come_back(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Query(query): Query<ComeBack>,
) -> AppResult<Response> {
    check_throttle(&state, &client).await?;
    let federation = state.federation.clone().ok_or(AppError::NotFound)?;
    let shared = federation.shared();
    let now = state.clock.now();
    let issuer = match token::claimed_issuer(&query.token) {
        Ok(issuer) => issuer,
        Err(refusal) => return refuse(&state, refusal, "", &client).await,
    };
    // The key pinned when the link was checked: nothing is fetched now.
    let key = shared
        .links
        .active(&issuer, shared.today())
        .filter(|peer| peer.config.allows(Scope::Spaces))
        .and_then(|peer| peer.public_key_pem);
    let Some(key) = key else {
        return refuse(&state, Refusal::UnlinkedIssuer, &issuer, &client).await;
    };
    let claims = match token::verify(&query.token, &key, &issuer, &shared.authority, now) {
        Ok(claims) => claims,
        Err(refusal) => return refuse(&state, refusal, &issuer, &client).await,
    };
    let same_browser = session::read_cookie(&state, &headers, COOKIE).unwrap_or_default();
    let mut tx = state.db.begin_write().await?;
    let outcome = admit(&mut tx, &claims, same_browser, now).await?;
    let (action, actor, result) = match &outcome {
        Ok(user_id) => ("federated_login.accepted", Some(user_id.as_str()), "ok"),
        Err(refusal) => ("federated_login.refused", None, refusal.code()),
    };
    let detail = format!("{result} {} jti {}", claims.sub, claims.jti);
    users::audit(&mut tx, now, actor, action, &claims.iss, &detail).await?;
    // Committed either way: the token and the request are used up.
    tx.commit().await?;
    match outcome {
        Ok(user_id) => {
            tracing::info!(peer = %claims.iss, user = %user_id, "federated sign-in accepted");
            // Like the sign-in form: a session this browser already holds (someone else's, on a
            // shared computer) ends rather than staying open behind the new one.
            let mut response = replace_session(&state, &headers, &user_id, "/portail").await?;
            let clear = session::set_cookie(&state, COOKIE, "", 0, "Lax");
            if let Ok(value) = HeaderValue::from_str(&clear) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(refusal) => {
            tracing::info!(peer = %claims.iss, reason = refusal.code(), "federated sign-in refused");
            let page = Page {
                node_name: state.config.node.name.clone(),
                ..Page::anonymous("")
            };
            let retry = ("/connexion/ent", "Recommencer la connexion");
            refused_page(page, refusal.status(), refusal.message(), retry)
        }
    }
}

/// The checks that need the database, in the caller's transaction: the token id is new, the
/// nonce is an open request of this browser to the issuer, and the user has a guest account
/// in a space here.
async fn admit(
    conn: &mut AnyConnection,
    claims: &LoginClaims,
    browser_nonce: &str,
    now: i64,
) -> sqlx::Result<Result<String, Refusal>> {
    if !logins::record_token(conn, &claims.jti, claims.exp).await? {
        return Ok(Err(Refusal::Replayed));
    }
    let requested = logins::consume_request(conn, &claims.nonce, &claims.iss, now).await?;
    if !requested || !constant_time_eq(browser_nonce.as_bytes(), claims.nonce.as_bytes()) {
        return Ok(Err(Refusal::UnknownRequest));
    }
    let guest = logins::signable_guest(conn, &claims.sub, &claims.iss, now).await?;
    Ok(guest.ok_or(Refusal::NotMember))
}
