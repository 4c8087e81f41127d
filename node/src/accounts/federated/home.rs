//! The home node's side of "se connecter avec mon ENT": the signed-in user approves (or not)
//! that a linked node receives their display name and school, and goes back there with a token
//! signed by this node's key, valid two minutes, for that node only.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ent_config::Scope;
use ent_federation::Federation;
use serde::Deserialize;

use crate::accounts::{MaybeViewer, Viewer, csrf};
use crate::error::{AppError, AppResult};
use crate::federation::persons;
use crate::guests::token::{self, LIFETIME_SECS, LoginClaims, Refusal};
use crate::state::AppState;
use crate::users::store as users;
use crate::web::render;

use super::refused_page;

/// Where the home node serves the approval.
const AUTHORIZE_PATH: &str = "/federation/login/authorize";

#[derive(Template)]
#[template(path = "federated_approve.html")]
struct ApprovePage<'a> {
    page: crate::web::Page<'a>,
    label: &'a str,
    host: &'a str,
    nonce: &'a str,
    name: &'a str,
    school: &'a str,
}

/// `?host=&nonce=` of the request.
#[derive(Deserialize)]
pub struct Request {
    #[serde(default)]
    host: String,
    #[serde(default)]
    nonce: String,
}

/// The approval form.
#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    host: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    csrf: String,
}

/// The asking node's domain and convention label, when it is an active link with `spaces`.
fn asking_link(federation: &Federation, host: &str) -> Option<(String, String)> {
    let domain = ent_config::normalize_domain(host)?;
    let shared = federation.shared();
    let peer = shared.links.active(&domain, shared.today())?;
    peer.config
        .allows(Scope::Spaces)
        .then_some((domain, peer.config.label))
}

/// Logs and shows a refusal on the home node.
fn refuse(
    state: &AppState,
    viewer: Option<&Viewer>,
    refusal: Refusal,
    host: &str,
) -> AppResult<Response> {
    tracing::info!(
        host,
        reason = refusal.code(),
        "federated sign-in request refused"
    );
    refuse_with(state, viewer, refusal.status(), refusal.message())
}

fn refuse_with(
    state: &AppState,
    viewer: Option<&Viewer>,
    status: StatusCode,
    message: &str,
) -> AppResult<Response> {
    let name = &state.config.node.name;
    let page = match viewer {
        Some(viewer) => viewer.page("", name),
        None => crate::web::Page {
            node_name: name.clone(),
            ..crate::web::Page::anonymous("")
        },
    };
    refused_page(page, status, message, ("/portail", "Retour à l'accueil"))
}

/// What a guest account of this node may not do: carry its identity to a third node.
const GUEST_REFUSED: &str = "Un compte invité ne peut pas servir à se connecter à un autre ENT.";

/// The school named to the asking node: the user's first.
fn school_of(viewer: &Viewer) -> String {
    viewer
        .memberships
        .first()
        .map(|m| m.school_name.clone())
        .unwrap_or_default()
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `GET /federation/login/authorize?host=…&nonce=…`: asks the signed-in user to approve (sends
/// to the sign-in page first, with a way back here).
pub async fn authorize_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(request): Query<Request>,
) -> AppResult<Response> {
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let Some((host, label)) = asking_link(federation, &request.host) else {
        return refuse(&state, viewer.as_ref(), Refusal::UnknownLink, &request.host);
    };
    if !token::is_token_id(&request.nonce) {
        return refuse(&state, viewer.as_ref(), Refusal::Malformed, &host);
    }
    let Some(viewer) = viewer else {
        let back = format!(
            "{AUTHORIZE_PATH}?host={}&nonce={}",
            encode(&host),
            encode(&request.nonce)
        );
        return Ok(Redirect::to(&format!("/connexion?retour={}", encode(&back))).into_response());
    };
    if crate::guests::store::of_user(&state.db, viewer.id())
        .await?
        .is_some()
    {
        return refuse_with(&state, Some(&viewer), StatusCode::FORBIDDEN, GUEST_REFUSED);
    }
    // What the token will carry (the Person actor itself is made only on approval).
    let initial = viewer.user.last_name.chars().next();
    let name = match initial {
        Some(c) => format!("{} {c}.", viewer.user.first_name),
        None => viewer.user.first_name.clone(),
    };
    let school = school_of(&viewer);
    let html = render(&ApprovePage {
        page: viewer.page("Connexion à un autre ENT", &state.config.node.name),
        label: &label,
        host: &host,
        nonce: &request.nonce,
        name: &name,
        school: if school.is_empty() { "—" } else { &school },
    })?;
    // "Autoriser" is answered with a redirect to the asking node: this page's CSP lets the
    // form lead there, and nowhere else.
    let mut response = html.into_response();
    crate::web::allow_forms_to(&mut response, &[federation.shared().peer_base(&host)]);
    Ok(response)
}

/// `POST /federation/login/authorize`: on approval, signs the token and sends the browser back
/// to the asking node.
pub async fn authorize(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<Decision>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let Some((host, label)) = asking_link(federation, &form.host) else {
        return refuse(&state, Some(&viewer), Refusal::UnknownLink, &form.host);
    };
    if !token::is_token_id(&form.nonce) {
        return refuse(&state, Some(&viewer), Refusal::Malformed, &host);
    }
    if crate::guests::store::of_user(&state.db, viewer.id())
        .await?
        .is_some()
    {
        return refuse_with(&state, Some(&viewer), StatusCode::FORBIDDEN, GUEST_REFUSED);
    }
    let now = state.clock.now();
    if form.decision != "autoriser" {
        let mut tx = state.db.begin_write().await?;
        users::audit(
            &mut tx,
            now,
            Some(viewer.id()),
            "federated_login.declined",
            &host,
            "",
        )
        .await?;
        tx.commit().await?;
        let message = if viewer.is_pupil_only() {
            format!("Tu as refusé : l'ENT « {label} » ne reçoit rien.")
        } else {
            format!("Vous avez refusé : l'ENT « {label} » ne reçoit rien.")
        };
        return refuse_with(&state, Some(&viewer), StatusCode::OK, &message);
    }
    let shared = federation.shared();
    let actor = persons::ensure(&state.db, viewer.id(), now)
        .await
        .map_err(AppError::internal)?;
    let claims = LoginClaims {
        iss: shared.authority.clone(),
        sub: persons::actor_url(federation, &actor.id),
        aud: host.clone(),
        exp: now + LIFETIME_SECS,
        iat: now,
        nonce: form.nonce.clone(),
        jti: csrf::random_token(),
        name: actor.display_name.clone(),
        school: school_of(&viewer),
    };
    let signed =
        token::sign(shared.identity.private_key_pem(), &claims).map_err(AppError::internal)?;
    let mut tx = state.db.begin_write().await?;
    let detail = format!("jti {}", claims.jti);
    users::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "federated_login.issued",
        &host,
        &detail,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(host = %host, user = %viewer.id(), "federated sign-in token issued");
    let mut target = shared
        .peer_base(&host)
        .join("/connexion/ent/retour")
        .map_err(AppError::internal)?;
    target.query_pairs_mut().append_pair("token", &signed);
    Ok(Redirect::to(target.as_str()).into_response())
}
