//! Shared pieces of the web UI: the page frame, static assets and security headers.

pub mod confirm;
pub mod csv;
pub mod flash;
mod headers;
pub mod once;
pub mod page;
pub mod pager;
pub mod rejections;
pub mod richtext;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

pub use confirm::{ConfirmForm, Confirmation};
pub use headers::{allow_forms_to, security_headers, strict_transport};
pub use page::Page;
pub use pager::{PageQuery, Pager};

use crate::state::AppState;

/// A form posted with only its anti-forgery token (buttons such as "Nouveau code").
#[derive(Debug, serde::Deserialize)]
pub struct TokenForm {
    /// The token.
    pub csrf: String,
}

/// The stylesheet, embedded so the binary is self-contained.
const STYLESHEET: &str = include_str!("../../static/ent.css");
/// The print stylesheet of connection sheets.
const SHEETS_STYLESHEET: &str = include_str!("../../static/sheets.css");
/// The favicon (SVG).
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// Routes for static assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/ent.css", get(stylesheet))
        .route("/static/sheets.css", get(sheets_stylesheet))
        .route("/favicon.svg", get(favicon))
}

/// A stylesheet response, cached for an hour.
fn css(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
}

async fn stylesheet() -> impl IntoResponse {
    css(STYLESHEET)
}

async fn sheets_stylesheet() -> impl IntoResponse {
    css(SHEETS_STYLESHEET)
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// Renders an askama template into an HTML response (template errors become a 500 page).
pub fn render(
    template: &impl askama::Template,
) -> crate::error::AppResult<axum::response::Html<String>> {
    template
        .render()
        .map(axum::response::Html)
        .map_err(crate::error::AppError::internal)
}
