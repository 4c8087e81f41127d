//! The operator's federation page: this node's identity, each link's state and queue, the
//! notices received from linked nodes, and a form to send one.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ent_federation::Federation;
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::federation::notices::{self, Notice, NoticeText};
use crate::federation::store;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{Page, PageQuery, Pager, render};

/// One link as the page shows it.
pub struct LinkLine {
    /// Convention title.
    pub label: String,
    /// Peer domain.
    pub domain: String,
    /// Where the link comes from: a signed convention and its version, or `[[links]]`.
    pub source: String,
    /// State in French.
    pub state: &'static str,
    /// Why it is not active.
    pub reason: String,
    /// Deliveries waiting.
    pub queue: i64,
    /// Last successful delivery, or "jamais".
    pub last_success: String,
}

#[derive(Template)]
#[template(path = "admin_federation.html")]
struct FederationPage<'a> {
    page: Page<'a>,
    enabled: bool,
    domain: String,
    fingerprint: String,
    links: Vec<LinkLine>,
    received: Vec<Notice>,
    pager: Pager,
    ours: Vec<Notice>,
    error: Option<&'a str>,
    /// What the operator typed in the new-notice form, given back with the error.
    draft: (&'a str, &'a str),
}

/// The notice form (publish, change or delete).
#[derive(Deserialize, Default)]
pub struct NoticeForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    delete: Option<String>,
    #[serde(default)]
    csrf: String,
}

fn when(state: &AppState, secs: i64) -> String {
    if secs == 0 {
        return "jamais".into();
    }
    let _ = state;
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%d/%m/%Y %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The first words of a reason (network errors chain their causes; `links check` shows all).
fn short(reason: &str) -> String {
    let mut words = String::new();
    for word in reason.split_whitespace() {
        if words.chars().count() + word.chars().count() > 80 {
            words.push_str(" …");
            break;
        }
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(word);
    }
    words
}

/// The links of `federation` with their stored counters.
pub async fn link_lines(state: &AppState, federation: &Federation) -> AppResult<Vec<LinkLine>> {
    let records = store::load_peers(&state.db).await?;
    let mut lines = Vec::new();
    for peer in federation.shared().links.all() {
        let domain = peer.domain();
        let record = records.iter().find(|r| r.domain == domain);
        lines.push(LinkLine {
            label: peer.config.label.clone(),
            source: peer.config.source.describe(),
            state: peer.state.label(),
            reason: short(peer.state.reason()),
            queue: store::queue(&state.db, &domain).await?.depth,
            last_success: when(state, record.map_or(0, |r| r.last_success_at)),
            domain,
        });
    }
    Ok(lines)
}

/// Received notices per page of the operator's page.
const NOTICES_PER_PAGE: usize = 20;

async fn respond(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<&str>,
    draft: (&str, &str),
    page: Option<usize>,
) -> AppResult<Response> {
    let (enabled, domain, fingerprint, links) = match &state.federation {
        Some(federation) => (
            federation.is_enabled(),
            federation.shared().authority.clone(),
            federation.shared().identity.fingerprint_grouped(),
            link_lines(state, federation).await?,
        ),
        None => (
            false,
            state.config.node.domain.clone(),
            String::new(),
            vec![],
        ),
    };
    let ours = notices::ours_all(&state.db).await?;
    let total = notices::received_count(&state.db).await?;
    let pager = Pager::new(
        page,
        usize::try_from(total).unwrap_or(0),
        NOTICES_PER_PAGE,
        "/admin/federation",
    )
    .words(
        "Pages d'avis reçus",
        "Avis plus récents",
        "Avis plus anciens",
    );
    let received = notices::received_page(&state.db, pager.offset(), pager.per_page).await?;
    let page = FederationPage {
        page: viewer.page("ENT liés", &state.config.node.name),
        enabled,
        domain,
        fingerprint,
        links,
        received,
        pager,
        ours,
        error,
        draft,
    };
    Ok((status, render(&page)?).into_response())
}

/// The page again with what to fix (422); `draft` refills the new-notice form.
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    message: &str,
    draft: (&str, &str),
) -> AppResult<Response> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    respond(state, viewer, status, Some(message), draft, None).await
}

/// `GET /admin/federation?page=N` (N: page of received notices).
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageFederation)?;
    respond(&state, &viewer, StatusCode::OK, None, ("", ""), query.page).await
}

/// `POST /admin/federation/avis`: sends a notice to every active link.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NoticeForm>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageFederation)?;
    viewer.check_csrf(&form.csrf)?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let text = match NoticeText::parse(&form.title, &form.content) {
        Ok(text) => text,
        Err(message) => {
            return refused(&state, &viewer, message, (&form.title, &form.content)).await;
        }
    };
    notices::publish(&state.db, federation, &text, state.clock.now()).await?;
    Ok(Redirect::to("/admin/federation").into_response())
}

/// `POST /admin/federation/avis/{id}`: changes or deletes one of our notices.
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<NoticeForm>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageFederation)?;
    viewer.check_csrf(&form.csrf)?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let found = if form.delete.is_some() {
        notices::delete(&state.db, federation, &id, now).await?
    } else {
        let text = match NoticeText::parse(&form.title, &form.content) {
            Ok(text) => text,
            Err(message) => return refused(&state, &viewer, message, ("", "")).await,
        };
        notices::update(&state.db, federation, &id, &text, now).await?
    };
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/federation").into_response())
}
