//! The audit log as the operator reads it: who did what, including what remote actors read or
//! changed through links (`space.remote`, `space.directory`, guests' reads); filtered by kind
//! and exported as CSV for the DPO.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sqlx::Row;

use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{Page, render};

/// One row of the log.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `yyyy-mm-dd hh:mm` (UTC).
    pub at: String,
    /// The local account that acted, if any.
    pub actor: String,
    /// What was done (`space.remote`, `guest.expired`…).
    pub action: String,
    /// On what.
    pub target: String,
    /// Details (for remote actions: the activity, its actor and the link).
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    page: Page<'a>,
    entries: &'a [Entry],
    filter: &'a str,
}

/// `?type=` filter: `federation` (what crossed links), or everything.
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    format: String,
}

/// Actions that concern other nodes and guests.
const FEDERATION_ACTIONS: &str = "action LIKE 'space.%' OR action LIKE 'federation.%' OR action LIKE 'guest.%' OR action LIKE 'federated%'";

async fn entries(state: &AppState, federation_only: bool) -> sqlx::Result<Vec<Entry>> {
    let filter = if federation_only {
        format!("WHERE {FEDERATION_ACTIONS}")
    } else {
        String::new()
    };
    let rows = sqlx::query(&format!(
        "SELECT a.at, COALESCE(u.identifier, ''), a.action, a.target, a.detail FROM audit_log a \
         LEFT JOIN users u ON u.id = a.actor_id {filter} ORDER BY a.at DESC, a.id DESC LIMIT 5000"
    ))
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Entry {
            at: chrono::DateTime::from_timestamp(r.get(0), 0)
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
            actor: r.get(1),
            action: r.get(2),
            target: r.get(3),
            detail: r.get(4),
        })
        .collect())
}

/// `GET /admin/journal[?type=federation][&format=csv]`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageUsers)?;
    let federation_only = filter.kind == "federation";
    let entries = entries(&state, federation_only).await?;
    if filter.format == "csv" {
        return csv(&entries);
    }
    let html = render(&AuditPage {
        page: viewer.page("Journal", &state.config.node.name),
        entries: &entries,
        filter: &filter.kind,
    })?;
    Ok(html.into_response())
}

fn csv(entries: &[Entry]) -> AppResult<Response> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["date", "compte", "action", "objet", "détail"])
        .map_err(AppError::internal)?;
    for e in entries {
        out.write_record([&e.at, &e.actor, &e.action, &e.target, &e.detail])
            .map_err(AppError::internal)?;
    }
    let body = out.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"journal.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
