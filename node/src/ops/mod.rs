//! Operations endpoints: liveness, readiness and Prometheus metrics.

pub mod logging;
pub mod metrics;
pub mod refusals;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::AppError;
use crate::net::ClientAddress;
use crate::state::AppState;

/// `/healthz`, `/readyz`, `/metrics`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// The metrics, to the networks of `[server] metrics_allow` only (route names, counts and
/// federation peers are not for everyone), whether the node serves HTTPS itself or sits
/// behind a proxy: the client address is the one [`ClientAddress`] reads in both cases.
async fn metrics_text(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
) -> Result<impl IntoResponse, AppError> {
    if !metrics_allowed(&state.config.server.metrics_allow, &client) {
        tracing::info!(%client, "metrics refused to this address");
        return Err(AppError::Forbidden);
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    ))
}

/// Whether `client` (an address as [`ClientAddress`] gives it) is in one of `allowed`.
fn metrics_allowed(allowed: &[String], client: &str) -> bool {
    let Ok(address) = client.parse::<std::net::IpAddr>() else {
        return false;
    };
    // An IPv4 client reached over an IPv6 socket is written `::ffff:a.b.c.d`.
    let address = match address {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, std::net::IpAddr::V4),
        v4 => v4,
    };
    allowed
        .iter()
        .filter_map(|network| ent_config::parse_network(network))
        .any(|network| network.contains(&address))
}

#[cfg(test)]
mod tests {
    use super::metrics_allowed;

    #[test]
    fn metrics_go_to_allowed_networks_only() {
        let allowed = vec![
            "10.0.0.0/8".to_owned(),
            "::1/128".to_owned(),
            "192.0.2.7".to_owned(),
        ];
        for ok in ["10.1.2.3", "::1", "192.0.2.7", "::ffff:10.0.0.1"] {
            assert!(metrics_allowed(&allowed, ok), "{ok}");
        }
        for refused in ["11.0.0.1", "192.0.2.8", "unknown", "", "10.0.0.1, 1.2.3.4"] {
            assert!(!metrics_allowed(&allowed, refused), "{refused}");
        }
        assert!(!metrics_allowed(&[], "127.0.0.1"));
    }
}
