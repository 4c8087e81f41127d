//! JSON API under `/api/v1`, authenticated by short-lived bearer tokens issued from the same
//! credentials as the web sign-in (and throttled the same way).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::accounts::attempt;
use crate::accounts::jwt::ApiViewer;
use crate::classes::store as classes;
use crate::domain::{Identifier, SchoolYear};
use crate::error::{ApiError, AppError};
use crate::net::ClientAddress;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::users::store as users;

/// API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/token", post(token))
        .route("/me", get(me))
        .route("/classes/{id}", get(class))
}

/// Credentials exchanged for a token.
#[derive(Deserialize)]
pub struct Credentials {
    identifier: String,
    password: String,
}

/// A bearer token.
#[derive(Serialize)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u32,
}

async fn token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(credentials): Json<Credentials>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.clock.now();
    let user = match Identifier::parse(&credentials.identifier) {
        Ok(identifier) => users::by_identifier(&state.db, &identifier)
            .await?
            .filter(|u| u.active),
        Err(_) => None,
    };
    let ok = attempt::check_password(
        &state,
        &credentials.identifier,
        &address,
        credentials.password,
        user.as_ref(),
    )
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(AppError::Invalid("Identifiant ou mot de passe incorrect.".into()).into());
    };
    let version = users::credentials_version(&state.db, &user.id)
        .await?
        .unwrap_or_default();
    let minutes = state.config.accounts.api_token_minutes;
    let access_token = state
        .jwt
        .sign_versioned(&user.id, version, now, minutes)
        .map_err(AppError::internal)?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: minutes * 60,
    }))
}

/// The signed-in user.
#[derive(Serialize)]
pub struct Me {
    id: String,
    identifier: String,
    display_name: String,
    operator: bool,
    memberships: Vec<users::Membership>,
    classes: Vec<classes::ClassRow>,
}

async fn me(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> Result<Json<Me>, ApiError> {
    policy::require(&viewer, Action::UseApi)?;
    let year = SchoolYear::containing(state.clock.today()).0;
    let classes = classes::of_member(&state.db, viewer.id(), year).await?;
    Ok(Json(Me {
        id: viewer.user.id.clone(),
        identifier: viewer.user.identifier.clone(),
        display_name: viewer.user.display_name(),
        operator: viewer.is_operator(),
        memberships: viewer.memberships.clone(),
        classes,
    }))
}

/// A class as the API shows it.
#[derive(Serialize)]
pub struct ClassView {
    class: classes::ClassRow,
    teachers: Vec<String>,
    pupils: Vec<String>,
}

async fn class(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<String>,
) -> Result<Json<ClassView>, ApiError> {
    let class = classes::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = classes::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ViewClass(&facts))?;
    let teachers = classes::members(&state.db, &class.id, "teacher").await?;
    let pupils = classes::members(&state.db, &class.id, "pupil").await?;
    Ok(Json(ClassView {
        class,
        teachers: teachers
            .iter()
            .map(|t| format!("{} {}", t.first_name, t.last_name))
            .collect(),
        pupils: pupils.iter().map(|p| p.short_name()).collect(),
    }))
}
