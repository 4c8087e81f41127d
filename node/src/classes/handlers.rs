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
use crate::web::{ConfirmForm, Confirmation, Page, TokenForm, confirm, render};

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

/// Answers the POST itself, unlike other forms (POST/redirect/GET): the code is shown once
/// and must never travel in a URL or stay in a history.
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

/// The sheets of a class's waiting accounts, as a page to print.
async fn sheets_response(
    state: &AppState,
    viewer: &Viewer,
    class: &ClassRow,
    which: sheets::Codes,
) -> AppResult<Response> {
    let printout = sheets::for_class(
        &state.db,
        class,
        state.clock.now(),
        state.config.accounts.activation_code_days,
        state.config.security.secret_key.expose(),
        which,
        Some(viewer.id()),
    )
    .await?;
    let html = sheets::render(
        &state.config.node.name,
        &state.config.public_url(),
        class,
        &printout,
        Some(&viewer.csrf),
        false,
    )?;
    Ok(Html(html).into_response())
}

/// `POST /classes/{id}/fiches`: the sheets of the accounts still waiting, with their current
/// codes (printing again, or reloading, changes no code).
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
    sheets_response(&state, &viewer, &class, sheets::Codes::Current).await
}

/// `POST /classes/{id}/fiches/renouveler`: new codes for every account still waiting, once
/// asked (sheets already handed out stop working).
pub async fn renew_codes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let class = load(&state, &id).await?;
    let facts = store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ManageClass(&facts))?;
    if !form.confirmed() {
        let waiting = store::members(&state.db, &class.id, "pupil")
            .await?
            .iter()
            .filter(|p| p.pending)
            .count()
            + store::parents(&state.db, &class.id)
                .await?
                .iter()
                .filter(|(_, p)| p.pending)
                .map(|(_, p)| p.id.clone())
                .collect::<std::collections::HashSet<_>>()
                .len();
        let these = if waiting == 1 {
            "le code de ce compte".to_owned()
        } else {
            format!("les codes de ces {waiting} comptes")
        };
        let text = format!(
            "Renouveler {these} de la classe {} ? Les fiches déjà imprimées ou distribuées pour ces comptes ne fonctionneront plus : il faudra donner les nouvelles. Les comptes déjà activés ne changent pas.",
            class.name
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/classes/{}/fiches/renouveler", class.id),
            fields: Vec::new(),
            yes: format!("Oui, renouveler {these}"),
            no: "Non, garder les codes actuels".into(),
            back: format!("/classes/{}", class.id),
        };
        return confirm::ask(
            viewer.page("Renouveler les codes", &state.config.node.name),
            &ask,
        );
    }
    sheets_response(&state, &viewer, &class, sheets::Codes::Renew).await
}

/// `POST /classes/{id}/comptes/{user_id}/code`: a new code for one pupil or parent of the class;
/// for an activated account (its password stops working), once asked.
pub async fn regenerate_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, user_id)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
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
    if !member.pending && !form.confirmed() {
        let name = format!("{} {}", member.first_name, member.last_name);
        let text = format!(
            "Donner un nouveau code à {name} ? Ce compte est déjà activé : son mot de passe actuel cessera de fonctionner tout de suite et ses connexions en cours seront fermées. Il faudra activer le compte de nouveau avec la nouvelle fiche."
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/classes/{}/comptes/{}/code", class.id, member.id),
            fields: Vec::new(),
            yes: format!("Oui, un nouveau code pour {name}"),
            no: "Non, garder son mot de passe".into(),
            back: format!("/classes/{}", class.id),
        };
        return confirm::ask(viewer.page("Nouveau code", &state.config.node.name), &ask);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let issued = codes::reset_for_sheet(
        &mut tx,
        &member.id,
        now,
        state.config.accounts.activation_code_days,
        state.config.security.secret_key.expose(),
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
    Ok(render(&CodeIssuedPage {
        page,
        class: &class,
        sheet: &sheet,
        address: &state.config.public_url(),
    })?
    .into_response())
}
