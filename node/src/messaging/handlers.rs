//! The mailbox pages: folders, one message, and the small actions on a message (writing is
//! `compose.rs`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::Done;
use crate::web::richtext::render_text;
use crate::web::{ConfirmForm, Confirmation, Page, Pager, TokenForm, render};

use super::files::{self, FileRow};
use super::service;
use super::store::{self, Folder, Line, Message};

/// Lines per page of a folder.
const PER_PAGE: usize = 20;

#[derive(Template)]
#[template(path = "messaging_box.html")]
struct BoxPage<'a> {
    page: Page<'a>,
    folder: Folder,
    folders: [Folder; 4],
    lines: Vec<Line>,
    pager: Pager,
    search: &'a str,
    unread: i64,
    flash: Option<&'static str>,
    quiet: &'a QuietHours,
    now: i64,
    /// Classes the viewer manages, with whether their pupils may write to each other.
    classes: Vec<(crate::classes::ClassRow, bool, bool)>,
    /// The viewer directs a school (a link to the options of all its classes).
    directs: bool,
}

impl BoxPage<'_> {
    fn when(&self, at: &i64) -> String {
        crate::domain::local_time::paris_label(*at)
    }

    fn held_until(&self, line: &Line) -> String {
        self.quiet.label(line.message.deliver_at, self.now)
    }
}

/// `?dossier=&q=&page=`.
#[derive(Debug, Deserialize, Default)]
pub struct BoxQuery {
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    fait: String,
}

/// `GET /messagerie`.
pub async fn mailbox(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<BoxQuery>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::UseMessaging)?;
    // Held messages whose time has come are delivered before anyone reads (the job does it
    // too, every minute).
    service::deliver_due(&state).await?;
    let folder = Folder::parse(&query.dossier);
    let search = query.q.trim();
    let mut base = format!("/messagerie?dossier={}", folder.key());
    if !search.is_empty() {
        let encoded: String = url::form_urlencoded::byte_serialize(search.as_bytes()).collect();
        base.push_str(&format!("&q={encoded}"));
    }
    let pager = Pager::open_ended(query.page, PER_PAGE, &base);
    let (lines, more) = store::list(
        &state.db,
        viewer.id(),
        folder,
        search,
        pager.offset(),
        PER_PAGE,
    )
    .await?;
    let pager = pager.more(more).words(
        "Pages de messages",
        "Messages plus récents",
        "Messages plus anciens",
    );
    let unread = store::unread(&state.db, viewer.id()).await?;
    let page = viewer.page(folder.label(), &state.config.node.name);
    let flash = Done::parse(&query.fait).map(|d| d.message(page.simple));
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let mut classes = Vec::new();
    let year = crate::domain::SchoolYear::containing(state.clock.today()).0;
    for class in crate::classes::store::of_member(&state.db, viewer.id(), year).await? {
        let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
        if policy::allows(&viewer, Action::SetClassMessaging(&facts)) {
            let open = files::classmates_open(&state.db, &class.id).await?;
            let moderated = files::classmates_moderated(&state.db, &class.id).await?;
            classes.push((class, open, moderated));
        }
    }
    let directs = viewer.memberships.iter().any(|m| {
        policy::allows(
            &viewer,
            Action::ListClassMessaging {
                school_id: &m.school_id,
            },
        )
    });
    Ok(render(&BoxPage {
        classes,
        directs,
        page,
        folder,
        folders: Folder::ALL,
        lines,
        pager,
        search,
        unread,
        flash,
        quiet: &quiet,
        now: state.clock.now(),
    })?
    .into_response())
}

impl BoxPage<'_> {
    /// The class options a teacher may choose next: (ouvert, moderation, button).
    fn class_choices(&self, open: &bool, moderated: &bool) -> Vec<(&str, &str, &str)> {
        match (*open, *moderated) {
            (false, _) => vec![
                ("oui", "oui", "Le permettre, après ma validation"),
                ("oui", "non", "Le permettre sans validation"),
            ],
            (true, false) => vec![
                ("non", "non", "Ne plus le permettre"),
                ("oui", "oui", "Valider leurs messages avant envoi"),
            ],
            (true, true) => vec![
                ("non", "non", "Ne plus le permettre"),
                ("oui", "non", "Ne plus valider leurs messages"),
            ],
        }
    }
}

#[derive(Template)]
#[template(path = "messaging_message.html")]
struct MessagePage<'a> {
    page: Page<'a>,
    message: &'a Message,
    html: String,
    to: Vec<String>,
    /// For its sender: recipients it did not reach, and why.
    unreached: Vec<String>,
    files: Vec<FileRow>,
    /// Files whose copy has not arrived yet from a linked node.
    waiting: Vec<String>,
    answers: Option<(Message, String)>,
    received: bool,
    trashed: bool,
    held_until: Option<String>,
    flash: Option<&'static str>,
    when: String,
}

/// `GET /messagerie/{id}`: the viewer must hold the message; opening a received one reads it.
pub async fn show(
    State(state): State<AppState>,
    mut viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<BoxQuery>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::UseMessaging)?;
    let places = store::places(&state.db, viewer.id(), &id).await?;
    let message = match store::get(&state.db, &id).await? {
        Some(m) if !places.is_empty() => m,
        _ => return Err(AppError::NotFound),
    };
    let received = places.iter().any(|(f, _)| f == "inbox");
    if received {
        store::set_read(&state.db, viewer.id(), &id, Some(state.clock.now())).await?;
        // Its notification is read too (the bell of this very page counts it no more).
        let link = format!("/messagerie/{id}");
        let now = state.clock.now();
        viewer.notifications -=
            crate::notifications::store::read_link(&state.db, viewer.id(), &link, now).await?;
    }
    let mut to = Vec::new();
    for code in &message.audiences {
        if let Some(a) = Audience::parse(code) {
            to.push(a.label(&state.db).await?);
        }
    }
    let answers = match &message.parent_id {
        Some(parent)
            if !store::places(&state.db, viewer.id(), parent)
                .await?
                .is_empty() =>
        {
            store::get(&state.db, parent).await?.map(|p| {
                let html = render_text(&p.body);
                (p, html)
            })
        }
        _ => None,
    };
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let held_until = (message.state == "held" && message.sender_id == viewer.id())
        .then(|| quiet.label(message.deliver_at, state.clock.now()));
    let page = viewer.page("Message", &state.config.node.name);
    let flash = Done::parse(&query.fait).map(|d| d.message(page.simple));
    Ok(render(&MessagePage {
        html: render_text(&message.body),
        files: files::files(&state.db, &id).await?,
        waiting: files::waiting(&state.db, &id).await?,
        when: crate::domain::local_time::paris_label(message.created_at),
        page,
        message: &message,
        unreached: if message.sender_id == viewer.id() {
            super::unreached::list(&state.db, &id).await?
        } else {
            Vec::new()
        },
        to,
        answers,
        received,
        trashed: places.iter().all(|(_, t)| *t),
        held_until,
        flash,
    })?
    .into_response())
}

/// A message the viewer holds, else 404.
pub(super) async fn held_by(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Message> {
    if store::places(&state.db, viewer.id(), id).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    store::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// `POST /messagerie/{id}/{action}`: non-lu, supprimer, restaurer, annuler, signaler.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::UseMessaging)?;
    let message = held_by(&state, &viewer, &id).await?;
    let now = state.clock.now();
    let places = store::places(&state.db, viewer.id(), &id).await?;
    let received = places.iter().any(|(f, _)| f == "inbox");
    let done = match action.as_str() {
        "non-lu" if received => {
            store::set_read(&state.db, viewer.id(), &id, None).await?;
            Done::MarkedUnread
        }
        "supprimer" => {
            if store::set_trashed(&state.db, viewer.id(), &id, Some(now)).await? == 0 {
                // A draft is simply dropped: it was never sent.
                discard_draft(&state, &viewer, &message).await?;
            }
            Done::MessageTrashed
        }
        "restaurer" => {
            store::set_trashed(&state.db, viewer.id(), &id, None).await?;
            Done::MessageRestored
        }
        "annuler" => {
            service::cancel(&state, &viewer, &id).await?;
            Done::MessageCancelled
        }
        "signaler" if received => {
            service::report(&state, &viewer, &message).await?;
            Done::MessageReported
        }
        _ => return Err(AppError::NotFound),
    };
    Ok(done.redirect("/messagerie"))
}

async fn discard_draft(state: &AppState, viewer: &Viewer, message: &Message) -> AppResult<()> {
    if message.sender_id != viewer.id() || message.state != "draft" {
        return Ok(());
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query("DELETE FROM mailbox WHERE message_id = $1")
        .bind(&message.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM message_file_data WHERE file_id IN (SELECT id FROM message_files WHERE message_id = $1)",
    )
    .bind(&message.id)
    .execute(&mut *tx)
    .await?;
    for sql in [
        "DELETE FROM message_files WHERE message_id = $1",
        "UPDATE messages SET parent_id = NULL WHERE parent_id = $1",
        "DELETE FROM messages WHERE id = $1 AND state = 'draft'",
    ] {
        sqlx::query(sql).bind(&message.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `POST /messagerie/corbeille/vider`: asks first (nothing comes back).
pub async fn empty_trash(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::UseMessaging)?;
    if !form.confirmed() {
        let ask = Confirmation {
            to_child: "Vider la corbeille ? Les messages seront effacés pour toujours.".into(),
            to_adult: "Vider la corbeille ? Les messages qu'elle contient seront effacés définitivement de votre messagerie.".into(),
            action: "/messagerie/corbeille/vider".into(),
            fields: Vec::new(),
            yes: "Oui, vider la corbeille".into(),
            no: "Non, garder les messages".into(),
            back: "/messagerie?dossier=corbeille".into(),
        };
        return crate::web::confirm::ask(
            viewer.page("Vider la corbeille", &state.config.node.name),
            &ask,
        );
    }
    let mut tx = state.db.begin_write().await?;
    store::purge(&mut tx, Some(viewer.id()), state.clock.now()).await?;
    tx.commit().await?;
    Ok(Done::TrashEmptied.redirect("/messagerie"))
}

/// `GET /messagerie/fichiers/{id}`: a file of a message the viewer holds.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::UseMessaging)?;
    let Some((message_id, row, bytes)) = files::file(&state.db, &id).await? else {
        // A file of a linked node's message whose copy is on its way: say so, and when to retry.
        let (message_id, name) = files::waiting_file(&state.db, &id)
            .await?
            .ok_or(AppError::NotFound)?;
        held_by(&state, &viewer, &message_id).await?;
        let mut response = crate::error::error_page(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "Pièce jointe en cours de réception",
            &format!(
                "Le fichier « {name} » arrive de l'ENT de l'expéditeur : il sera disponible \
                 dans quelques minutes. Réessayez un peu plus tard."
            ),
        );
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("60"),
        );
        return Ok(response);
    };
    held_by(&state, &viewer, &message_id).await?;
    Ok(crate::attachments::serve(&row.name, &row.media_type, bytes))
}
