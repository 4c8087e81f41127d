//! Security headers set on every response.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Only our own assets; no inline script or style, no framing, forms post to us only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Adds CSP and the usual hardening headers; pages are never cached (they hold personal data).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A response with its own policy keeps it: a served file's `sandbox` policy is stricter
    // than the pages', and the pages of "Se connecter avec mon ENT" widen `form-action` to
    // exactly their peer (see [`allow_forms_to`]).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_static && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `Strict-Transport-Security` on every response when the public address is `https://`:
/// browsers then never try plain HTTP again for a year (no `includeSubDomains`: other sites of
/// the same domain may still be served over HTTP).
pub async fn strict_transport(
    axum::extract::State(https): axum::extract::State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Gives `response` the page CSP with `form-action` widened to exactly `origins` (besides
/// 'self'). Browsers apply `form-action` to the redirects that follow a form's POST too, so
/// a page whose form leads to a linked node ("Se connecter avec mon ENT") needs that node's
/// origin; every other page keeps `form-action 'self'`. An origin that is not a plain
/// `scheme://host[:port]` is left out.
pub fn allow_forms_to(response: &mut Response, origins: &[url::Url]) {
    let mut sources = String::new();
    for origin in origins {
        let origin = origin.origin();
        if origin.is_tuple() {
            sources.push(' ');
            sources.push_str(&origin.ascii_serialization());
        }
    }
    let policy = CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self'{sources}"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_may_lead_to_exactly_the_origins_given() {
        let mut response = Response::new(axum::body::Body::empty());
        let peer =
            url::Url::parse("https://ecole.test:8443/federation/login/authorize?x=1").unwrap();
        let opaque = url::Url::parse("data:text/html,hi").unwrap();
        allow_forms_to(&mut response, &[peer, opaque]);
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("form-action 'self' https://ecole.test:8443;"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(csp.matches("form-action").count(), 1);
    }
}
