//! Handlers of the class pages.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use crate::accounts::{Viewer, codes};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::users::store::audit;
use crate::web::{Page, TokenForm, render};

use super::sheets;
use super::store::{self, ClassRow, MemberRow};

#[derive(Template)]
#[template(path = "class.html")]
struct ClassPage<'a> {
    page: Page<'a>,
    class: &'a ClassRow,
    teachers: &'a [MemberRow],
    pupils: &'a [MemberRow],
    parents: &'a [(String, MemberRow)],
    manage: bool,
    /// Parent links an import left to choose (managers only).
    questions: Vec<crate::provisioning::onde::questions::Question>,
}

impl ClassPage<'_> {
    /// Parents listed under a pupil on the management page.
    fn parents_of(&self, pupil_id: &str) -> Vec<&MemberRow> {
        self.parents
            .iter()
            .filter(|(child, _)| child == pupil_id)
            .map(|(_, p)| p)
            .collect()
    }
}

#[derive(Template)]
#[template(path = "code_issued.html")]
struct CodeIssuedPage<'a> {
    page: Page<'a>,
    class: &'a ClassRow,
    sheet: &'a sheets::Sheet,
    address: &'a str,
}

async fn load(state: &AppState, id: &str) -> AppResult<ClassRow> {
    store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// `GET /classes/{id}`: management view for its teachers, director and the operator; a simple
/// view (teachers, classmates' first names) for its pupils and their parents.
pub async fn class_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    let class = load(&state, &id).await?;
    let facts = store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ViewClass(&facts))?;
    let manage = policy::allows(&viewer, Action::ManageClass(&facts));
    let teachers = store::members(&state.db, &class.id, "teacher").await?;
    let pupils = store::members(&state.db, &class.id, "pupil").await?;
    let parents = if manage {
        store::parents(&state.db, &class.id).await?
    } else {
        Vec::new()
    };
    let questions = if manage {
        crate::provisioning::onde::questions::open_for_class(&state.db, &class.id).await?
    } else {
        Vec::new()
    };
    let title = format!("Classe {}", class.name);
    let page = viewer.page(&title, &state.config.node.name);
    render(&ClassPage {
        page,
        class: &class,
        teachers: &teachers,
        pupils: &pupils,
        parents: &parents,
        manage,
        questions,
    })
}

/// `POST /classes/{id}/fiches`: issues codes for the pending accounts and shows the print page.
pub async fn print_sheets(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let class = load(&state, &id).await?;
    let facts = store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ManageClass(&facts))?;
    let days = state.config.accounts.activation_code_days;
    let sheets = sheets::issue_for_class(
        &state.db,
        &class,
        state.clock.now(),
        days,
        Some(viewer.id()),
    )
    .await?;
    let html = sheets::render(
        &state.config.node.name,
        &state.config.public_url(),
        &class,
        &sheets,
        false,
    )?;
    Ok(Html(html).into_response())
}

/// `POST /classes/{id}/comptes/{user_id}/code`: a new code for one pupil or parent of the class.
pub async fn regenerate_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, user_id)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> AppResult<Html<String>> {
    viewer.check_csrf(&form.csrf)?;
    let class = load(&state, &id).await?;
    let facts = store::facts(&state.db, &class, &viewer).await?;
    let account = store::account_facts(&state.db, facts, &class.id, &user_id).await?;
    policy::require(&viewer, Action::RegenerateCode(&account))?;
    let pupils = store::members(&state.db, &class.id, "pupil").await?;
    let parents = store::parents(&state.db, &class.id).await?;
    let (member, role, pupil) = match pupils.iter().find(|p| p.id == user_id) {
        Some(p) => (p.clone(), "Élève".to_owned(), true),
        None => {
            let (child_id, parent) = parents
                .iter()
                .find(|(_, p)| p.id == user_id)
                .ok_or(AppError::NotFound)?;
            let child = pupils
                .iter()
                .find(|p| &p.id == child_id)
                .map(|p| p.first_name.clone())
                .unwrap_or_default();
            (parent.clone(), format!("Parent de {child}"), false)
        }
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let issued = codes::reset(
        &mut tx,
        &member.id,
        now,
        state.config.accounts.activation_code_days,
    )
    .await?;
    audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "account.code",
        &member.id,
        &class.id,
    )
    .await?;
    tx.commit().await?;
    let sheet = sheets::single(&member, &role, pupil, &issued);
    let title = format!("Nouveau code pour {}", sheet.name);
    let page = viewer.page(&title, &state.config.node.name);
    render(&CodeIssuedPage {
        page,
        class: &class,
        sheet: &sheet,
        address: &state.config.public_url(),
    })
}
