//! The pages of a signed-in user: the centre (`/notifications`) and the preferences (kinds,
//! e-mail). The links of mails are `links.rs`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::mail::{compose, outbox};
use super::{Kind, store};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::{Page, PageQuery, Pager, TokenForm, render};

/// Lines per page of the centre.
const PER_PAGE: usize = 20;

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage<'a> {
    page: Page<'a>,
    lines: Vec<store::Line>,
    pager: Pager,
    unread: i64,
}

impl ListPage<'_> {
    fn when(&self, at: &i64) -> String {
        crate::domain::local_time::paris_label(*at)
    }
}

/// `GET /notifications`: the centre, newest first, paged in the query.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    let total = store::count(&state.db, viewer.id()).await?;
    let pager = Pager::new(query.page, total as usize, PER_PAGE, "/notifications").words(
        "Pages de notifications",
        "Plus récentes",
        "Plus anciennes",
    );
    let lines = store::page(&state.db, viewer.id(), pager.offset(), PER_PAGE).await?;
    let unread = store::unread(&state.db, viewer.id()).await?;
    let page = viewer.page("Notifications", &state.config.node.name);
    Ok(render(&ListPage {
        page,
        lines,
        pager,
        unread,
    })?
    .into_response())
}

/// `GET /notifications/{id}`: marks it read and goes where it points.
pub async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let link = store::open(&state.db, viewer.id(), &id, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&link).into_response())
}

/// `POST /notifications/tout-lu`.
pub async fn all_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    store::all_read(&state.db, viewer.id(), state.clock.now()).await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Template)]
#[template(path = "notifications_preferences.html")]
struct PreferencesPage<'a> {
    page: Page<'a>,
    kinds: Vec<(Kind, bool)>,
    /// Adults only, when the node sends mail.
    mail_offered: bool,
    mail: Option<store::MailSettings>,
    flash: Option<&'static str>,
    error: Option<String>,
    quiet_now: bool,
}

impl PreferencesPage<'_> {
    fn mode_is(&self, mode: &str) -> bool {
        self.mail
            .as_ref()
            .map_or(mode == "each", |m| m.mode == mode)
    }
}

async fn preferences_page(
    state: &AppState,
    viewer: &Viewer,
    flash: Option<&'static str>,
    error: Option<String>,
) -> AppResult<Response> {
    let muted = store::muted(&state.db, viewer.id()).await?;
    let kinds = Kind::ALL
        .into_iter()
        .map(|k| (k, !muted.contains(&k)))
        .collect();
    let mail = store::mail_settings(&state.db, viewer.id()).await?;
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let html = render(&PreferencesPage {
        page: viewer.page("Mes notifications", &state.config.node.name),
        kinds,
        mail_offered: state.config.mail.enabled() && !viewer.is_pupil_only(),
        mail,
        flash,
        error,
        quiet_now: quiet.is_quiet(state.clock.now()),
    })?;
    Ok((status, html).into_response())
}

/// `GET /notifications/preferences`.
pub async fn preferences(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let simple = viewer.is_pupil_only();
    preferences_page(&state, &viewer, flash.message(simple), None).await
}

/// `POST /notifications/preferences`: the kinds one gets (a checkbox `kind.KEY` per kind).
pub async fn save_kinds(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let muted: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| !form.contains_key(&format!("kind.{}", k.key())))
        .collect();
    let mut tx = state.db.begin_write().await?;
    store::set_muted(&mut tx, viewer.id(), &muted).await?;
    tx.commit().await?;
    Ok(Done::NotificationsSaved.redirect("/notifications/preferences"))
}

/// The e-mail form.
#[derive(Debug, Deserialize)]
pub struct MailForm {
    csrf: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    mode: String,
}

/// Whether `address` looks like one a mail can go to (the SMTP server decides the rest).
fn plausible(address: &str) -> bool {
    address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && address.parse::<lettre::Address>().is_ok()
}

/// `POST /notifications/courriel`: gives (or changes) the address and the mode; a new address
/// gets a confirmation mail and receives nothing before it is confirmed. `mode=off` stops mails.
pub async fn save_mail(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<MailForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    if viewer.is_pupil_only() || !state.config.mail.enabled() {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let address = form.address.trim();
    if form.mode == "off" {
        super::links::stop_mails(&state, viewer.id(), "depuis ses préférences").await?;
        return Ok(Done::NotificationsSaved.redirect("/notifications/preferences"));
    }
    if !plausible(address) {
        let error = format!(
            "Adresse électronique : « {} » n'est pas une adresse valide (par exemple prenom.nom@exemple.fr).",
            address.chars().take(80).collect::<String>()
        );
        return preferences_page(&state, &viewer, None, Some(error)).await;
    }
    let mode = if form.mode == "digest" {
        "digest"
    } else {
        "each"
    };
    let token = crate::accounts::csrf::random_token();
    let mut tx = state.db.begin_write().await?;
    let new_address = store::set_mail(&mut tx, viewer.id(), address, mode, &token, now).await?;
    if new_address {
        let (subject, body) = compose::confirmation(&state.config, &token);
        let not_before = QuietHours::of(&state.config.quiet_hours).end_of_quiet(now);
        outbox::queue(
            &mut tx,
            viewer.id(),
            address,
            &subject,
            &body,
            not_before,
            now,
        )
        .await?;
        crate::users::store::audit(
            &mut tx,
            now,
            Some(viewer.id()),
            "notification.mail_given",
            viewer.id(),
            "confirmation envoyée",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(if new_address {
        Done::MailConfirmationSent
    } else {
        Done::NotificationsSaved
    }
    .redirect("/notifications/preferences"))
}
