//! API bearer tokens: the extractor of the viewer a valid token names (the keys themselves are
//! [`crate::keys`]).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::{ApiError, AppError};
use crate::state::AppState;

pub use crate::keys::{Claims, JwtKeys};

use super::viewer::Viewer;

/// A viewer authenticated by an API bearer token.
pub struct ApiViewer(pub Viewer);

impl FromRequestParts<AppState> for ApiViewer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // One Authorization header, or none is trusted.
        let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
        let token = values
            .next()
            .filter(|_| values.next().is_none())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let claims = state
            .jwt
            .verify(token, state.clock.now())
            .ok_or(ApiError(AppError::Unauthenticated))?;
        // A token issued before a password change, a reset or a reactivation is refused.
        let version = crate::users::store::credentials_version(&state.db, &claims.sub).await?;
        if version != Some(claims.ver) {
            return Err(ApiError(AppError::Unauthenticated));
        }
        let viewer = Viewer::load(&state.db, &claims.sub, String::new()).await?;
        match viewer {
            Some(v) if v.user.active => Ok(Self(v)),
            _ => Err(ApiError(AppError::Unauthenticated)),
        }
    }
}
