//! The one error type of the node, mapped to HTTP in one place.
//!
//! Users see a short French message on a proper page (or JSON under `/api/v1`); the cause goes to
//! the logs only. No stack trace or SQL ever reaches a page.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The page or object does not exist (or the user may not know it exists).
    #[error("introuvable")]
    NotFound,
    /// Signed in, but not allowed.
    #[error("accès refusé")]
    Forbidden,
    /// Signed in, but not allowed, with the French reason (a recipient one may not write to).
    #[error("{0}")]
    Refused(String),
    /// Not signed in: browser pages redirect to the sign-in page.
    #[error("connexion requise")]
    Unauthenticated,
    /// A form or request was invalid; the message says what to fix, in French.
    #[error("{0}")]
    Invalid(String),
    /// The anti-forgery token is missing or wrong.
    #[error("jeton de formulaire invalide")]
    Csrf,
    /// Too many failed attempts.
    #[error("trop de tentatives")]
    Throttled,
    /// Too many attempts on this account or from this address: nothing is checked for this
    /// many seconds.
    #[error("trop de tentatives, attente de {0} s")]
    RetryIn(i64),
    /// Every password-hashing slot is taken: answered at once rather than queued (503).
    #[error("serveur occupé")]
    Busy,
    /// A federated request whose security headers are ambiguous (repeated, `Authorization`)
    /// or meant for another node: 401 with the reason, as the inbox answers.
    #[error("signature refusée : {0}")]
    SignatureRefused(String),
    /// A database failure.
    #[error("base de données : {0}")]
    Store(#[from] sqlx::Error),
    /// Any other failure.
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl AppError {
    /// Wraps an unexpected failure.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Refused(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Unauthenticated | Self::SignatureRefused(_) => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Throttled | Self::RetryIn(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user reads: never the cause of an internal error. Neutral wording (no "tu",
    /// no "vous"): the page is the same for a child and an adult, signed in or not.
    pub fn public_message(&self) -> String {
        match self {
            Self::NotFound => "Cette page n'existe pas ou n'existe plus.".into(),
            Self::Forbidden => "Cette page n'est pas accessible avec ce compte.".into(),
            Self::Unauthenticated => "Il faut se connecter pour continuer.".into(),
            Self::Invalid(message) | Self::Refused(message) | Self::SignatureRefused(message) => {
                message.clone()
            }
            Self::Csrf => {
                "Le formulaire a expiré : il faut revenir à la page précédente, la recharger et recommencer."
                    .into()
            }
            Self::Throttled => {
                "Trop de tentatives. Il faut attendre quelques minutes avant de réessayer.".into()
            }
            Self::RetryIn(secs) => {
                format!("Trop de tentatives. Nouvel essai possible dans {}.", wait_text(*secs))
            }
            Self::Busy => {
                "Le serveur est très occupé en ce moment. Nouvel essai possible dans un instant.".into()
            }
            Self::Store(_) | Self::Internal(_) => {
                "Une erreur est survenue de notre côté. Nouvel essai possible dans un instant.".into()
            }
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), when it is known.
    fn retry_after(&self) -> Option<i64> {
        match self {
            Self::RetryIn(secs) => Some(*secs),
            Self::Busy => Some(1),
            _ => None,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::NotFound => "Page introuvable",
            Self::Forbidden | Self::Refused(_) | Self::Csrf => "Accès refusé",
            Self::Unauthenticated | Self::SignatureRefused(_) => "Connexion requise",
            Self::Invalid(_) => "Demande incorrecte",
            Self::Throttled | Self::RetryIn(_) => "Trop de tentatives",
            Self::Busy => "Serveur occupé",
            Self::Store(_) | Self::Internal(_) => "Erreur",
        }
    }

    fn log(&self) {
        match self {
            Self::Store(cause) => tracing::error!(error = %cause, "database error"),
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            other => tracing::debug!(error = %other, "request refused"),
        }
    }
}

impl From<crate::domain::InvalidValue> for AppError {
    fn from(value: crate::domain::InvalidValue) -> Self {
        Self::Invalid(value.0)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: crate::web::page::Page<'a>,
    code: u16,
    heading: &'a str,
    message: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        match self {
            Self::Unauthenticated => return Redirect::to("/connexion").into_response(),
            Self::SignatureRefused(reason) => {
                let refused = ent_federation::InboxError::Unauthenticated(reason);
                return FederationError(refused).into_response();
            }
            _ => {}
        }
        let mut response = error_page(self.status(), self.title(), &self.public_message());
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// The French error page with `status`, a heading and a message (also used for requests the
/// framework refused before any handler: `web::rejections`).
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        page: crate::web::page::Page::anonymous(heading),
        code: status.as_u16(),
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.to_owned(),
        )
            .into_response(),
    }
}

/// The same errors rendered as JSON, for `/api/v1`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = serde_json::json!({ "error": self.0.public_message() });
        let mut response = (self.0.status(), axum::Json(body)).into_response();
        if let Some(secs) = self.0.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// A refused federated request: the status says why; the body is a short French reason (the
/// peer's operator reads it in their logs); the cause is logged here.
pub struct FederationError(pub ent_federation::InboxError);

impl IntoResponse for FederationError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "federation: inbox failure");
        } else {
            tracing::info!(error = %self.0, status = status.as_u16(), "federation: activity refused");
        }
        let reason = match &self.0 {
            ent_federation::InboxError::Internal(_) => "erreur interne".to_owned(),
            other => other.to_string(),
        };
        (status, axum::Json(serde_json::json!({ "error": reason }))).into_response()
    }
}

/// "30 s", "2 min": how long to wait, as a user reads it.
pub fn wait_text(secs: i64) -> String {
    if secs < 120 {
        format!("{} s", secs.max(1))
    } else {
        format!("{} min", (secs + 59) / 60)
    }
}

/// Result of a browser handler.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(super::wait_text(30), "30 s");
        assert_eq!(super::wait_text(0), "1 s");
        assert_eq!(super::wait_text(240), "4 min");
        assert_eq!(super::wait_text(241), "5 min");
    }
}
