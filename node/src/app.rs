//! The one place where feature routers are merged, with the cross-cutting layers (the top of
//! the crate: it imports every feature; nothing imports it).

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Header carrying the request id, generated when the client sends none.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application: every feature's routes, then the cross-cutting layers.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.config.server.request_timeout_secs);
    let body_limit =
        usize::try_from(state.config.server.body_limit_kib * 1024).unwrap_or(usize::MAX);

    let https = state.config.public_url().starts_with("https://");

    let features = Router::new()
        .merge(crate::web::router())
        .merge(crate::ops::router())
        .merge(crate::accounts::router())
        .merge(crate::portal::router())
        .merge(crate::classes::router())
        .merge(crate::groups::router())
        .merge(crate::spaces::router())
        .merge(crate::messaging::router())
        .merge(crate::agenda::router())
        .merge(crate::news::router())
        .merge(crate::homework::router())
        .merge(crate::liaison::router())
        .merge(crate::notifications::router())
        .merge(crate::admin::router())
        .merge(crate::guests::router())
        .merge(crate::federation::router())
        .nest("/api/v1", crate::api::router())
        .fallback(not_found);

    features
        // Inside the metrics: a replayed form is counted under its route like any request.
        .layer(middleware::from_fn_with_state(
            crate::web::once::OnceGuard::new(state.clone()),
            crate::web::once::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::ops::metrics::track,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(panic_page))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        // Outside the timeout and the body limit, so that their refusals are French too.
        .layer(middleware::from_fn(
            crate::web::rejections::french_rejections,
        ))
        // Outermost, so that timeout (408) and panic (500) responses carry the headers too.
        .layer(middleware::from_fn(crate::web::security_headers))
        .layer(middleware::from_fn_with_state(
            https,
            crate::web::strict_transport,
        ))
        .with_state(state)
}

fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    // A private calendar feed's address is its only key: never written to the logs.
    let path = request.uri().path();
    let path = if path.starts_with("/agenda/flux/") {
        "/agenda/flux/…"
    } else {
        path
    };
    tracing::info_span!("request", id, method = %request.method(), path = %path)
}

/// A panic in a handler is a bug: log it, show the ordinary French error page, never the
/// panic message.
fn panic_page(cause: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    axum::response::IntoResponse::into_response(crate::error::AppError::internal(format!(
        "handler panicked: {message}"
    )))
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}
