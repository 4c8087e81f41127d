//! The guests page, `/admin/invites`: every guest account of the node, and a form to create a
//! local guest (a partner without a node) whose activation code is shown once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::error::AppError;
use crate::error::AppResult;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{ConfirmForm, Confirmation, Page, confirm, render};

use super::{Guest, local, store};

/// One guest as the page lists it.
pub struct GuestLine {
    /// The account.
    pub guest: Guest,
    /// Where it comes from: "Invité local" or the link's domain.
    pub origin: String,
    /// Last valid day, `dd/mm/yyyy`.
    pub until: String,
    /// The viewer may delete it (a local guest they created, or the operator).
    pub deletable: bool,
}

#[derive(Template)]
#[template(path = "guests.html")]
struct GuestsPage<'a> {
    page: Page<'a>,
    guests: Vec<GuestLine>,
    form: &'a GuestForm,
    /// Latest last day accepted, `yyyy-mm-dd` (the date field's `max`).
    latest: String,
    /// The same, `dd/mm/yyyy`.
    latest_label: String,
    error: Option<&'a str>,
}

/// Answers the POST itself, unlike other forms (POST/redirect/GET): the code is shown once
/// and must never travel in a URL or stay in a history.
#[derive(Template)]
#[template(path = "guest_code.html")]
struct CodePage<'a> {
    page: Page<'a>,
    name: String,
    identifier: String,
    code: &'a str,
    address: String,
    code_until: String,
    account_until: String,
}

/// The create-a-guest form.
#[derive(Deserialize, Default)]
pub struct GuestForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    csrf: String,
}

fn created_by(viewer: &Viewer, guest: &super::Guest) -> bool {
    guest.created_by.as_deref() == Some(viewer.id())
}

/// The one question "may the viewer see this guest" (the guests list, a space's invite page).
pub fn see<'a>(viewer: &Viewer, guest: &'a super::Guest) -> Action<'a> {
    Action::SeeGuest {
        created_by_viewer: created_by(viewer, guest),
        school_id: guest.school_id.as_deref(),
    }
}

fn date(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|t| t.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

async fn list_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    form: &GuestForm,
    error: Option<&str>,
) -> AppResult<Response> {
    let all = store::list(&state.db, None).await?;
    let guests = all
        .into_iter()
        .filter(|g| policy::allows(viewer, see(viewer, g)))
        .map(|guest| GuestLine {
            deletable: guest.peer.is_empty()
                && policy::allows(
                    viewer,
                    Action::DeleteGuest {
                        created_by_viewer: created_by(viewer, &guest),
                    },
                ),
            origin: match guest.peer.as_str() {
                "" => "Invité local".to_owned(),
                peer => peer.to_owned(),
            },
            // Stored as the following midnight: the last valid day is the one before.
            until: date(guest.expires_at - 1),
            guest,
        })
        .collect();
    let latest = local::latest_day(state.clock.today());
    let page = viewer.page("Comptes invités", &state.config.node.name);
    let html = render(&GuestsPage {
        page,
        guests,
        form,
        latest: latest.format("%Y-%m-%d").to_string(),
        latest_label: latest.format("%d/%m/%Y").to_string(),
        error,
    })?;
    Ok((status, html).into_response())
}

/// `GET /admin/invites`.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageLocalGuests)?;
    list_response(&state, &viewer, StatusCode::OK, &GuestForm::default(), None).await
}

/// `POST /admin/invites`: creates a local guest and shows its activation code once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<GuestForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageLocalGuests)?;
    let today = state.clock.today();
    let guest = match local::parse(&form.first_name, &form.last_name, &form.last_day, today) {
        Ok(guest) => guest,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return list_response(&state, &viewer, status, &form, Some(&message)).await;
        }
    };
    let now = state.clock.now();
    let days = state.config.accounts.activation_code_days;
    let mut tx = state.db.begin_write().await?;
    let (identifier, code) = local::create(&mut tx, &guest, viewer.id(), now, days).await?;
    tx.commit().await?;
    tracing::info!(user = %code.user_id, "guests: local guest created");
    let page = viewer.page("Compte invité créé", &state.config.node.name);
    let html = render(&CodePage {
        page,
        name: format!("{} {}", guest.first_name, guest.last_name),
        identifier: identifier.to_string(),
        code: &code.code,
        address: state.config.public_url(),
        code_until: date(code.expires_at),
        account_until: guest.last_day.format("%d/%m/%Y").to_string(),
    })?;
    Ok(html.into_response())
}

/// `POST /admin/invites/{id}/supprimer`: its creator (or the operator) deletes a local guest
/// made by mistake, once asked; it leaves its spaces and the journal keeps the line.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let guest = store::of_user(&state.db, &id)
        .await?
        .filter(|g| g.peer.is_empty())
        .filter(|g| policy::allows(&viewer, see(&viewer, g)))
        .ok_or(AppError::NotFound)?;
    policy::require(
        &viewer,
        Action::DeleteGuest {
            created_by_viewer: created_by(&viewer, &guest),
        },
    )?;
    if !form.confirmed() {
        let text = format!(
            "Supprimer le compte invité de {} ({}) ? L'identifiant et son code ne fonctionneront plus, et la personne quitte les espaces où elle a été ajoutée ; ce qu'elle y a écrit reste, signé « ancien membre ». Le journal garde la trace de cette suppression.",
            guest.display_name, guest.identifier
        );
        let ask = Confirmation {
            to_child: text.clone(),
            to_adult: text,
            action: format!("/admin/invites/{}/supprimer", guest.user_id),
            fields: Vec::new(),
            yes: format!("Oui, supprimer le compte de {}", guest.display_name),
            no: "Non, garder ce compte".into(),
            back: "/admin/invites".into(),
        };
        return confirm::ask(
            viewer.page("Supprimer un compte invité", &state.config.node.name),
            &ask,
        );
    }
    let mut change = crate::spaces::service::Change::begin(&state).await?;
    let (conn, relay) = change.parts();
    store::delete_local(conn, relay, &guest.user_id).await?;
    let detail = format!(
        "invité local {} ({}) supprimé",
        guest.display_name, guest.identifier
    );
    crate::users::store::audit(
        conn,
        relay.now(),
        Some(viewer.id()),
        "guest.delete",
        &guest.user_id,
        &detail,
    )
    .await?;
    change.commit().await?;
    Ok(Redirect::to("/admin/invites").into_response())
}
