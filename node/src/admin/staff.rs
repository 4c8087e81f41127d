//! Operator pages to create a staff account of a school by hand (teacher, director,
//! personnel), for the people no import lists; see `users::staff` for why an import never
//! deactivates them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::schools::{SchoolRow, store as schools};
use crate::state::AppState;
use crate::users::staff::{self, NewStaff};
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage<'a> {
    page: Page<'a>,
    school: &'a SchoolRow,
    form: &'a StaffForm,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "admin_staff_created.html")]
struct CreatedPage<'a> {
    page: Page<'a>,
    school: &'a SchoolRow,
    name: String,
    profile: &'static str,
    identifier: &'a str,
    code: &'a str,
    expires: String,
    address: String,
}

/// The form: names, profile, optional e-mail.
#[derive(Deserialize, Default)]
pub struct StaffForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

impl StaffForm {
    /// Whether the profile select shows `code` chosen.
    fn chosen(&self, code: &str) -> bool {
        self.profile == code
    }
}

async fn school(state: &AppState, id: &str) -> AppResult<SchoolRow> {
    let year = SchoolYear::containing(state.clock.today()).0;
    schools::by_id(&state.db, id, year)
        .await?
        .ok_or(AppError::NotFound)
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    school: &SchoolRow,
    form: &StaffForm,
    error: Option<&str>,
) -> AppResult<Response> {
    let page = viewer.page("Ajouter un membre du personnel", &state.config.node.name);
    let html = render(&StaffPage {
        page,
        school,
        form,
        error,
    })?;
    Ok((status, html).into_response())
}

/// `GET /admin/ecoles/{id}/personnel`.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageUsers)?;
    let school = school(&state, &id).await?;
    let form = StaffForm {
        profile: "teacher".into(),
        ..StaffForm::default()
    };
    form_page(&state, &viewer, StatusCode::OK, &school, &form, None)
}

/// `POST /admin/ecoles/{id}/personnel`: creates the account and shows its code once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<StaffForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageUsers)?;
    let school = school(&state, &id).await?;
    let new = match NewStaff::parse(
        &form.first_name,
        &form.last_name,
        &form.profile,
        &form.email,
    ) {
        Ok(new) => new,
        Err(invalid) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&state, &viewer, status, &school, &form, Some(&invalid.0));
        }
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let created = staff::create(
        &mut tx,
        &school.id,
        &new,
        Some(viewer.id()),
        now,
        state.config.accounts.activation_code_days,
    )
    .await?;
    tx.commit().await?;
    let page = viewer.page("Compte créé", &state.config.node.name);
    let expires = chrono::DateTime::from_timestamp(created.code.expires_at, 0)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default();
    Ok(render(&CreatedPage {
        page,
        school: &school,
        name: format!("{} {}", new.first_name, new.last_name),
        profile: new.profile.label(),
        identifier: &created.identifier,
        code: &created.code.code,
        expires,
        address: state.config.public_url(),
    })?
    .into_response())
}
