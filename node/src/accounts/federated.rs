//! "Se connecter avec mon ENT": a user of a linked node signs in here (the host) through their
//! own node (home). The host records a nonce and sends the browser home; the home node asks
//! its user to approve ([`home`]) and sends back a short-lived token signed with its node key;
//! the host verifies it with the key it pinned for that link and opens a session for the
//! user's guest account. Nothing is fetched from the home node at sign-in time.

mod back;
mod home;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use ent_config::Scope;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::guests::logins;
use crate::guests::token::{REQUEST_SECS, Refusal};
use crate::net::ClientAddress;
use crate::state::AppState;
use crate::web::{Page, render};

use super::handlers::{anonymous_page, check_anonymous_csrf};
use super::session::{self, MaybeViewer};

pub use back::come_back;
pub use home::{authorize, authorize_page};

/// Cookie binding a sign-in request to the browser that made it.
const COOKIE: &str = "ent_federated_login";

/// A home node the user may choose.
pub struct HomeChoice {
    /// Its domain.
    pub domain: String,
    /// The convention's label.
    pub label: String,
}

#[derive(Template)]
#[template(path = "federated_choose.html")]
struct ChoosePage<'a> {
    page: Page<'a>,
    homes: Vec<HomeChoice>,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "federated_refused.html")]
struct RefusedPage<'a> {
    page: Page<'a>,
    heading: &'a str,
    message: &'a str,
    link: (&'a str, &'a str),
    /// A declined request rather than a refusal.
    calm: bool,
}

/// The choice of the home node.
#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    home: String,
    #[serde(default)]
    csrf: String,
}

/// Whether the sign-in page offers "Se connecter avec mon ENT" (a link with the `spaces` scope).
pub fn offered(state: &AppState) -> bool {
    state.federation.as_ref().is_some_and(|federation| {
        (federation.shared().links.all().iter()).any(|peer| peer.config.allows(Scope::Spaces))
    })
}

/// `value` when it is a path of this site (no scheme, no host, no backslash, no control).
pub fn safe_return(value: &str) -> Option<&str> {
    let ok = value.starts_with('/')
        && !value.starts_with("//")
        && value.len() <= 2048
        && value.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    ok.then_some(value)
}

/// Active links with the `spaces` scope, with their labels.
fn homes(state: &AppState) -> Vec<HomeChoice> {
    let Some(federation) = &state.federation else {
        return Vec::new();
    };
    let links = &federation.shared().links;
    federation
        .recipients(Some(Scope::Spaces))
        .into_iter()
        .filter_map(|(domain, _)| links.configured(&domain))
        .map(|peer| HomeChoice {
            domain: peer.domain(),
            label: peer.config.label,
        })
        .collect()
}

/// A refusal (or a declined request) as a page.
fn refused_page(
    page: Page<'_>,
    status: StatusCode,
    message: &str,
    link: (&str, &str),
) -> AppResult<Response> {
    let heading = if status.is_success() {
        "Connexion annulée"
    } else {
        "Connexion refusée"
    };
    let html = render(&RefusedPage {
        heading,
        message,
        link,
        calm: status.is_success(),
        page: Page {
            title: heading,
            ..page
        },
    })?;
    Ok((status, html).into_response())
}

/// Logs and counts a refusal of an anonymous request on the host, and shows it. Not journaled:
/// anyone can send these, and one journal row each would let them fill the journal; the
/// client's address is throttled instead ([`crate::ops::refusals`]).
async fn refuse(
    state: &AppState,
    refusal: Refusal,
    peer: &str,
    client: &str,
) -> AppResult<Response> {
    tracing::info!(
        peer,
        client,
        reason = refusal.code(),
        "federated sign-in refused"
    );
    state.metrics.count_refusal(refusal.code());
    crate::ops::refusals::record(&state.db, client, state.clock.now()).await?;
    let page = Page {
        node_name: state.config.node.name.clone(),
        ..Page::anonymous("")
    };
    let retry = ("/connexion/ent", "Recommencer la connexion");
    refused_page(page, refusal.status(), refusal.message(), retry)
}

fn choose_response(
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
) -> AppResult<Response> {
    let (page, cookie) = anonymous_page(state, "Se connecter avec mon ENT");
    let homes = homes(state);
    // The form's POST is answered with a redirect to the chosen home node: the browser lets
    // it through only to the origins this page's CSP names (exactly the homes offered).
    let origins: Vec<url::Url> = match &state.federation {
        Some(federation) => homes
            .iter()
            .map(|home| federation.shared().peer_base(&home.domain))
            .collect(),
        None => Vec::new(),
    };
    let html = render(&ChoosePage { page, homes, error })?;
    let mut response =
        (status, AppendHeaders([(header::SET_COOKIE, cookie)]), html).into_response();
    crate::web::allow_forms_to(&mut response, &origins);
    Ok(response)
}

/// `GET /connexion/ent`: the choice of one's home node among active links.
pub async fn choose_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
) -> AppResult<Response> {
    if viewer.is_some() {
        return Ok(Redirect::to("/portail").into_response());
    }
    choose_response(&state, StatusCode::OK, None)
}

/// Refuses at once, without any work, a client address that was refused too often.
pub(super) async fn check_throttle(state: &AppState, client: &str) -> AppResult<()> {
    if crate::ops::refusals::throttled(&state.db, client, state.clock.now()).await? {
        state.metrics.count_refusal("throttled");
        return Err(AppError::Throttled);
    }
    Ok(())
}

/// `POST /connexion/ent`: records the request and sends the browser to its home node.
pub async fn choose(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ChooseForm>,
) -> AppResult<Response> {
    check_throttle(&state, &client).await?;
    check_anonymous_csrf(&state, &headers, &form.csrf)?;
    if form.home.trim().is_empty() {
        let error = Some("Il faut choisir un ENT dans la liste.");
        return choose_response(&state, StatusCode::UNPROCESSABLE_ENTITY, error);
    }
    let home = ent_config::normalize_domain(&form.home).unwrap_or_default();
    let Some(federation) = &state.federation else {
        return refuse(&state, Refusal::UnknownLink, &home, &client).await;
    };
    let shared = federation.shared();
    if !shared.links.allows(&home, shared.today(), Scope::Spaces) {
        return refuse(&state, Refusal::UnknownLink, &home, &client).await;
    }
    let nonce = logins::begin(&state.db, &home, state.clock.now()).await?;
    let mut target = shared
        .peer_base(&home)
        .join("/federation/login/authorize")
        .map_err(AppError::internal)?;
    target
        .query_pairs_mut()
        .append_pair("host", &shared.authority)
        .append_pair("nonce", &nonce);
    let cookie = session::set_cookie(&state, COOKIE, &nonce, REQUEST_SECS, "Lax");
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to(target.as_str()),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        let back = "/federation/login/authorize?host=a.test&nonce=ab12";
        assert_eq!(safe_return(back), Some(back));
        for bad in [
            "",
            "https://evil.test/",
            "//evil.test/x",
            "/\\evil.test",
            "/a b",
            "/a\nb",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_return(bad), None, "{bad:?}");
        }
    }
}
