//! Operations endpoints, cross-cutting headers, error pages and limits.

use ent_tests::{PASSWORD, World, spawn_app, spawn_app_with};
use reqwest::StatusCode;

#[tokio::test]
async fn liveness_and_readiness_answer() {
    let app = spawn_app().await;
    let client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = client.get("/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    assert!(client.get("/portail").await.redirects_to("/connexion"));
    assert!(
        client
            .sign_in(&world.teacher.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    assert_eq!(
        client
            .get(&format!("/classes/{}", world.class_a))
            .await
            .status,
        StatusCode::OK
    );
    let metrics = client.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/openmetrics-text")
    );
    let counter = |route: &str, status: &str| {
        metrics.body.lines().any(|line| {
            line.starts_with("ent_http_requests_total{")
                && line.contains(&format!("route=\"{route}\""))
                && line.contains(&format!("status=\"{status}\""))
                && line.contains("method=\"GET\"")
        })
    };
    assert!(counter("/portail", "303"), "{}", metrics.body);
    assert!(
        counter("/classes/{id}", "200"),
        "route templates, never raw ids: {}",
        metrics.body
    );
    assert!(!metrics.body.contains(&world.class_a), "no id in labels");
    assert!(
        metrics
            .body
            .contains("# TYPE ent_http_request_duration_seconds histogram")
    );
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let anonymous = app.client();
    let pupil = app.signed_in(&world.pupil).await;
    let responses = [
        ("200 page", anonymous.get("/connexion").await),
        ("redirect", anonymous.get("/portail").await),
        ("404", anonymous.get("/nulle-part").await),
        (
            "403",
            pupil.get(&format!("/classes/{}", world.class_b)).await,
        ),
        ("API 401", anonymous.get("/api/v1/me").await),
        ("static", anonymous.get("/static/ent.css").await),
        ("health", anonymous.get("/healthz").await),
        (
            "form refused",
            anonymous
                .post_form(
                    "/connexion",
                    &[("identifier", "x"), ("password", "y"), ("csrf", "z")],
                )
                .await,
        ),
    ];
    for (what, page) in &responses {
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{what}: {csp:?}"
        );
        assert_eq!(
            page.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{what}");
        assert!(
            !page.header("x-request-id").unwrap_or_default().is_empty(),
            "{what}: no request id"
        );
    }
    let ids: std::collections::HashSet<_> = responses
        .iter()
        .map(|(_, p)| p.header("x-request-id"))
        .collect();
    assert_eq!(ids.len(), responses.len(), "one id per request");
    assert_eq!(
        responses[0].1.header("cache-control"),
        Some("no-store"),
        "pages are not cached"
    );
    let echoed = anonymous
        .get_with_header("/healthz", "x-request-id", "essai-42")
        .await;
    assert_eq!(
        echoed.header("x-request-id"),
        Some("essai-42"),
        "a caller's id is kept"
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_pages_get_a_french_404_page() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let page = client.get("/cette/page/n-existe/pas").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(
        page.body.contains("lang=\"fr\"") && page.body.contains("Page introuvable"),
        "{}",
        page.body
    );
    for leak in ["panicked", "RUST_BACKTRACE", "sqlx", "thread '"] {
        assert!(!page.body.contains(leak), "{leak} in {}", page.body);
    }
    assert!(
        client
            .sign_in(&world.operator.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    let missing_class = client.get("/classes/pas-une-classe").await;
    assert_eq!(missing_class.status, StatusCode::NOT_FOUND);
    assert!(missing_class.body.contains("Page introuvable"));
    app.stop().await;
}

#[tokio::test]
async fn bodies_over_the_configured_limit_are_refused() {
    let app = spawn_app_with(|config| config.server.body_limit_kib = 16).await;
    let client = app.client();
    let padding = "a".repeat(64 * 1024);
    let body = format!("identifier=lea.martin&password={padding}&csrf=x").into_bytes();
    let page = client
        .post_bytes("/connexion", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    // A small form still goes through to the handler (here: refused for its token).
    let small = client
        .post_form(
            "/connexion",
            &[
                ("identifier", "lea.martin"),
                ("password", "x"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(small.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn the_stylesheet_is_served_as_css() {
    let app = spawn_app().await;
    let page = app.client().get("/static/ent.css").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/css")
    );
    assert!(
        page.header("cache-control")
            .unwrap_or_default()
            .contains("max-age")
    );
    assert!(!page.body.is_empty());
    app.stop().await;
}
