//! Requests refused before any handler ran (a form or JSON that does not parse, a bad query,
//! a missing content type, a body too large, a method a route does not take, a timeout): axum
//! answers them in English plain text. This layer gives them the node's French error page, or
//! the `{"error": …}` JSON of machine endpoints (`/api/`, federation), keeping the status.
//!
//! One place for every extractor of every route, rather than a wrapper per extractor: a
//! handler's own errors are already French (HTML or JSON), so only plain-text or empty 4xx
//! answers are rewritten.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: rewrites the framework's refusals.
pub async fn french_rejections(request: Request, next: Next) -> Response {
    let machine = is_machine(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let (heading, message) = words(status);
    let mut rewritten = if machine {
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        crate::error::error_page(status, heading, message)
    };
    // What a client needs to retry correctly stays (`Allow` of a 405).
    if let Some(allow) = response.headers().get(header::ALLOW) {
        rewritten.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rewritten
}

/// Paths read by programs rather than people.
fn is_machine(path: &str) -> bool {
    path.starts_with("/api/")
        || (path.starts_with("/federation/") && !path.starts_with("/federation/login/"))
        || path.starts_with("/.well-known/")
        || path.starts_with("/nodeinfo/")
}

/// Heading and message of a refusal, in French.
fn words(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Envoi trop volumineux",
            "Ce qui a été envoyé dépasse la taille permise. Il faut revenir à la page précédente et envoyer moins (ou des fichiers plus petits).",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "Demande incorrecte",
            "Le type de contenu envoyé n'est pas celui attendu. Le formulaire doit partir de la page de l'ENT (ou, pour l'API, du JSON).",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Demande incorrecte",
            "Cette adresse ne s'utilise pas de cette façon. Il faut revenir à la page précédente.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "Délai dépassé",
            "La demande a pris trop de temps. Nouvel essai possible dans un instant.",
        ),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => (
            "Demande incorrecte",
            "Le formulaire ou l'adresse envoyés sont incomplets ou mal formés. Il faut revenir à la page précédente, la recharger et recommencer.",
        ),
        _ => (
            "Demande refusée",
            "Cette demande ne peut pas être traitée. Il faut revenir à la page précédente.",
        ),
    }
}
