//! Operator pages for schools.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::classes::{ClassRow, store as classes};
use crate::domain::{SchoolKind, SchoolYear, Uai};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::schools::{SchoolRow, store};
use crate::state::AppState;
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "admin_schools.html")]
struct SchoolsPage<'a> {
    page: Page<'a>,
    schools: &'a [SchoolRow],
    form: &'a SchoolForm,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "admin_school.html")]
struct SchoolPage<'a> {
    page: Page<'a>,
    school: &'a SchoolRow,
    classes: &'a [ClassRow],
    year: String,
}

/// The add-a-school form.
#[derive(Deserialize, Default)]
pub struct SchoolForm {
    #[serde(default)]
    uai: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    csrf: String,
}

fn year(state: &AppState) -> i32 {
    SchoolYear::containing(state.clock.today()).0
}

async fn list_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: &SchoolForm,
    error: Option<&str>,
) -> AppResult<Response> {
    let schools = store::list(&state.db, year(state)).await?;
    let page = viewer.page("Écoles", &state.config.node.name);
    Ok((
        status,
        render(&SchoolsPage {
            page,
            schools: &schools,
            form,
            error,
        })?,
    )
        .into_response())
}

/// `GET /admin/ecoles`.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageSchools)?;
    list_response(
        &state,
        &viewer,
        StatusCode::OK,
        &SchoolForm::default(),
        None,
    )
    .await
}

/// `POST /admin/ecoles`.
pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SchoolForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageSchools)?;
    let parsed = Uai::parse(&form.uai).and_then(|uai| Ok((uai, SchoolKind::parse(&form.kind)?)));
    let result = match parsed {
        Ok((uai, kind)) => {
            store::add(
                &state.db,
                &uai,
                &form.name,
                kind,
                Some(viewer.id()),
                state.clock.now(),
            )
            .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/admin/ecoles/{id}")).into_response()),
        Err(AppError::Invalid(message)) => {
            list_response(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                Some(&message),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// `GET /admin/ecoles/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageSchools)?;
    let year = year(&state);
    let school = store::by_id(&state.db, &id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let classes = classes::of_school(&state.db, &school.id, year).await?;
    let title = school.name.clone();
    let page = viewer.page(&title, &state.config.node.name);
    let year = SchoolYear(year).label();
    Ok(render(&SchoolPage {
        page,
        school: &school,
        classes: &classes,
        year,
    })?
    .into_response())
}
