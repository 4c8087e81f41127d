//! Operator pages for accounts.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::{Viewer, codes};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::users::store as users;
use crate::users::{Membership, UserRow};
use crate::web::{ConfirmForm, Confirmation, Page, confirm, render};

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    page: Page<'a>,
    query: &'a str,
    users: &'a [UserRow],
    /// Accounts waiting after wrong passwords.
    delayed: &'a [super::delayed::DelayedRow],
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage<'a> {
    page: Page<'a>,
    user: &'a UserRow,
    memberships: &'a [Membership],
    code: Option<&'a str>,
    /// Posts and comments they wrote in spaces hosted here.
    posts: usize,
}

/// `?q=` search.
#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// Activate/deactivate form.
#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    active: String,
}

/// `GET /admin/utilisateurs?q=`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(search): Query<Search>,
) -> AppResult<Html<String>> {
    policy::require(&viewer, Action::ManageUsers)?;
    let found = users::search(&state.db, &search.q, 200).await?;
    let delayed = super::delayed::rows(&state).await?;
    let page = viewer.page("Comptes", &state.config.node.name);
    render(&UsersPage {
        page,
        query: &search.q,
        users: &found,
        delayed: &delayed,
    })
}

async fn user_page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    code: Option<&str>,
) -> AppResult<Html<String>> {
    let user = users::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let memberships = users::memberships(&state.db, id).await?;
    let mut conn = state.db.pool().acquire().await?;
    let posts = crate::spaces::service::posts_of(&mut conn, id).await?.len();
    drop(conn);
    let title = user.display_name();
    let page = viewer.page(&title, &state.config.node.name);
    render(&UserPage {
        page,
        user: &user,
        memberships: &memberships,
        code,
        posts,
    })
}

/// `GET /admin/utilisateurs/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    policy::require(&viewer, Action::ManageUsers)?;
    user_page(&state, &viewer, &id, None).await
}

/// `POST /admin/utilisateurs/{id}/etat`: deactivate (ends sessions) or reactivate.
pub async fn set_state(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageUsers)?;
    let user = users::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.id == viewer.id() {
        return Err(AppError::Invalid(
            "Vous ne pouvez pas désactiver votre propre compte.".into(),
        ));
    }
    let active = form.active == "1";
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if !active && let Some(why) = users::deactivation_refused(&mut tx, &user.id).await? {
        return Err(AppError::Invalid(why.into()));
    }
    users::set_active(&mut tx, &user.id, active, now).await?;
    let action = if active {
        "account.reactivate"
    } else {
        "account.deactivate"
    };
    users::audit(&mut tx, now, Some(viewer.id()), action, &user.id, "").await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/utilisateurs/{id}")).into_response())
}

/// `POST /admin/utilisateurs/{id}/code`: a new activation code (the user sets a new password).
pub async fn reset(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageUsers)?;
    let user = users::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An activated account loses its password: asked once more.
    if user.password_hash.is_some() && !form.confirmed() {
        let name = format!("{} {}", user.first_name, user.last_name);
        let text = format!(
            "Donner un nouveau code d'activation à {name} ({}) ? Ce compte est déjà activé : son mot de passe cessera de fonctionner tout de suite et ses connexions en cours seront fermées.",
            user.identifier
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/admin/utilisateurs/{}/code", user.id),
            fields: Vec::new(),
            yes: format!("Oui, un nouveau code pour {name}"),
            no: "Non, garder son mot de passe".into(),
            back: format!("/admin/utilisateurs/{}", user.id),
        };
        return confirm::ask(viewer.page("Nouveau code", &state.config.node.name), &ask);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let issued = codes::reset(
        &mut tx,
        &user.id,
        now,
        state.config.accounts.activation_code_days,
    )
    .await?;
    users::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "account.code",
        &user.id,
        "",
    )
    .await?;
    tx.commit().await?;
    // The page itself, not a redirect: the code is shown once and must never be in a URL.
    Ok(user_page(&state, &viewer, &id, Some(&issued.code))
        .await?
        .into_response())
}

/// `POST /admin/utilisateurs/{id}/messages`: deletes everything the person wrote in the
/// spaces of this node, on every node holding a copy (asked by them, or for them).
pub async fn erase_posts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageUsers)?;
    let user = users::by_id(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !form.confirmed() {
        let mut conn = state.db.pool().acquire().await?;
        let count = crate::spaces::service::posts_of(&mut conn, &user.id)
            .await?
            .len();
        let text = format!(
            "Supprimer les {count} message(s) et commentaire(s) de {} {} dans les espaces de cet ENT ? Ils disparaissent sur chaque ENT membre, avec leurs fichiers et les commentaires des autres qui y répondent. C'est définitif.",
            user.first_name, user.last_name
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/admin/utilisateurs/{}/messages", user.id),
            fields: Vec::new(),
            yes: "Oui, tout supprimer".into(),
            no: "Non, garder ses messages".into(),
            back: format!("/admin/utilisateurs/{}", user.id),
        };
        return confirm::ask(
            viewer.page("Supprimer ses messages", &state.config.node.name),
            &ask,
        );
    }
    crate::spaces::service::erase_posts_of(&state, &id, viewer.id()).await?;
    Ok(Redirect::to(&format!("/admin/utilisateurs/{id}")).into_response())
}
