//! The mailbox pages: folders, one message, writing, and the small actions on a message.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
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

use super::contacts::{self, Contacts};
use super::service::{self, Composed, Outcome};
use super::store::{self, FileRow, Folder, Line, Message};

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
    classes: Vec<(crate::classes::ClassRow, bool)>,
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
    let (_, total) = store::list(&state.db, viewer.id(), folder, search, 0, 0).await?;
    let pager = Pager::new(query.page, total, PER_PAGE, &base).words(
        "Pages de messages",
        "Messages plus récents",
        "Messages plus anciens",
    );
    let (lines, _) = store::list(
        &state.db,
        viewer.id(),
        folder,
        search,
        pager.offset(),
        PER_PAGE,
    )
    .await?;
    let unread = store::unread(&state.db, viewer.id()).await?;
    let page = viewer.page(folder.label(), &state.config.node.name);
    let flash = Done::parse(&query.fait).map(|d| d.message(page.simple));
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let mut classes = Vec::new();
    let year = crate::domain::SchoolYear::containing(state.clock.today()).0;
    for class in crate::classes::store::of_member(&state.db, viewer.id(), year).await? {
        let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
        if policy::allows(&viewer, Action::ManageClass(&facts)) {
            let open = store::classmates_open(&state.db, &class.id).await?;
            classes.push((class, open));
        }
    }
    Ok(render(&BoxPage {
        classes,
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

#[derive(Template)]
#[template(path = "messaging_message.html")]
struct MessagePage<'a> {
    page: Page<'a>,
    message: &'a Message,
    html: String,
    to: Vec<String>,
    files: Vec<FileRow>,
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
    viewer: Viewer,
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
        files: store::files(&state.db, &id).await?,
        when: crate::domain::local_time::paris_label(message.created_at),
        page,
        message: &message,
        to,
        answers,
        received,
        trashed: places.iter().all(|(_, t)| *t),
        held_until,
        flash,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "messaging_compose.html")]
struct ComposePage<'a> {
    page: Page<'a>,
    contacts: &'a Contacts,
    chosen: Vec<String>,
    subject: &'a str,
    body: &'a str,
    parent: &'a str,
    forward: &'a str,
    existing: &'a str,
    may_urgent: bool,
    may_schedule: bool,
    error: Option<&'a str>,
    quoted: Option<String>,
}

impl ComposePage<'_> {
    fn is_chosen(&self, code: String) -> bool {
        self.chosen.contains(&code)
    }

    fn person_code(&self, id: &str) -> String {
        Audience::Person(id.to_owned()).code()
    }
}

/// `?repondre=ID&tous=1`, `?transferer=ID`, `?modifier=ID`, `?a=CODE`.
#[derive(Debug, Deserialize, Default)]
pub struct ComposeQuery {
    #[serde(default)]
    repondre: String,
    #[serde(default)]
    tous: String,
    #[serde(default)]
    transferer: String,
    #[serde(default)]
    modifier: String,
    #[serde(default)]
    a: String,
}

/// A message the viewer holds, else 404.
async fn held_by(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Message> {
    if store::places(&state.db, viewer.id(), id).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    store::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// `GET /messagerie/ecrire`.
pub async fn compose(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ComposeQuery>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::UseMessaging)?;
    let contacts = contacts::of(&state, &viewer).await?;
    let (mut subject, mut body, mut chosen) = (String::new(), String::new(), Vec::new());
    let (mut parent, mut forward, mut existing) = (String::new(), String::new(), String::new());
    let mut quoted = None;
    if !q.repondre.is_empty() {
        let m = held_by(&state, &viewer, &q.repondre).await?;
        subject = prefixed("RE : ", &m.subject);
        chosen.push(Audience::Person(m.sender_id.clone()).code());
        if q.tous == "1" {
            let recipients: Vec<String> =
                sqlx::query_scalar("SELECT user_id FROM message_recipients WHERE message_id = $1")
                    .bind(&m.id)
                    .fetch_all(state.db.pool())
                    .await?;
            chosen.extend(recipients.into_iter().map(|r| Audience::Person(r).code()));
        }
        quoted = Some(render_text(&m.body));
        parent = m.id;
    } else if !q.transferer.is_empty() {
        let m = held_by(&state, &viewer, &q.transferer).await?;
        subject = prefixed("TR : ", &m.subject);
        body = format!("\n\n--- Message de {} ---\n{}", m.sender_name, m.body);
        forward = m.id;
    } else if !q.modifier.is_empty() {
        let m = held_by(&state, &viewer, &q.modifier).await?;
        if m.sender_id != viewer.id() || m.state == "sent" {
            return Err(AppError::NotFound);
        }
        (subject, body, chosen) = (m.subject, m.body, m.audiences);
        existing = m.id;
    } else if !q.a.is_empty() {
        chosen.push(q.a.clone());
    }
    // Only what may be offered is kept (a reply to all leaves out who one may not write to).
    chosen.retain(|c| Audience::parse(c).is_some_and(|a| contacts.allows(&a)));
    let senders = contacts.sender_kinds();
    let page = viewer.page("Écrire un message", &state.config.node.name);
    Ok(render(&ComposePage {
        page,
        contacts: &contacts,
        chosen,
        subject: &subject,
        body: &body,
        parent: &parent,
        forward: &forward,
        existing: &existing,
        may_urgent: crate::policy::communication::may_send_urgent(&senders),
        may_schedule: crate::policy::communication::may_schedule(&senders),
        error: None,
        quoted,
    })?
    .into_response())
}

fn prefixed(prefix: &str, subject: &str) -> String {
    if subject.starts_with(prefix) {
        subject.to_owned()
    } else {
        format!("{prefix}{subject}")
    }
}

/// `POST /messagerie/ecrire`: send, or save the draft (`action=brouillon`).
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    policy::require(&viewer, Action::UseMessaging)?;
    let contacts = contacts::of(&state, &viewer).await?;
    let to = contacts::check_chosen(&contacts, &form.all("to"))?;
    let draft = form.get("action") == "brouillon";
    let optional = |name: &str| Some(form.get(name).to_owned()).filter(|v| !v.is_empty());
    let outcome = async {
        let uploads = crate::attachments::parse_uploads(&form.files).map_err(AppError::Invalid)?;
        let parent = match optional("parent") {
            Some(id) => Some(held_by(&state, &viewer, &id).await?),
            None => None,
        };
        let forward_of = match optional("forward") {
            Some(id) => Some(held_by(&state, &viewer, &id).await?),
            None => None,
        };
        let quiet = QuietHours::of(&state.config.quiet_hours);
        let schedule_at = match optional("schedule") {
            Some(text) => Some(local_input(&quiet, &text)?),
            None => None,
        };
        let composed = Composed {
            to: to.clone(),
            subject: form.get("subject").to_owned(),
            body: form.get("body").to_owned(),
            uploads,
            parent,
            forward_of,
            existing: optional("existing"),
            urgent: form.get("urgent") == "oui",
            schedule_at,
        };
        service::submit(&state, &viewer, &contacts, composed, draft).await
    }
    .await;
    match outcome {
        Ok((id, Outcome::Sent)) => Ok(Done::MessageSent.redirect(&format!("/messagerie/{id}"))),
        Ok((id, Outcome::Held(_))) => Ok(Done::MessageHeld.redirect(&format!("/messagerie/{id}"))),
        Ok((_, Outcome::Drafted)) => Ok(Done::DraftSaved.redirect("/messagerie")),
        Err(AppError::Invalid(message)) => {
            let senders = contacts.sender_kinds();
            let page = viewer.page("Écrire un message", &state.config.node.name);
            let html = render(&ComposePage {
                page,
                contacts: &contacts,
                chosen: to.iter().map(Audience::code).collect(),
                subject: form.get("subject"),
                body: form.get("body"),
                parent: form.get("parent"),
                forward: form.get("forward"),
                existing: form.get("existing"),
                may_urgent: crate::policy::communication::may_send_urgent(&senders),
                may_schedule: crate::policy::communication::may_schedule(&senders),
                error: Some(&message),
                quoted: None,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

/// `2026-12-07T08:30` typed in the schools' time zone, as Unix seconds.
fn local_input(quiet: &QuietHours, text: &str) -> AppResult<i64> {
    use chrono::TimeZone;
    let wrong = || AppError::Invalid("Heure d'envoi illisible (jour et heure attendus).".into());
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| wrong())?;
    quiet
        .timezone()
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
        .ok_or_else(wrong)
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
    let (message_id, row, bytes) = store::file(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    held_by(&state, &viewer, &message_id).await?;
    Ok(crate::attachments::serve(&row.name, &row.media_type, bytes))
}

/// The class option form.
#[derive(Debug, Deserialize)]
pub struct ClassOptionForm {
    csrf: String,
    #[serde(default)]
    ouvert: String,
}

/// `POST /messagerie/classes/{id}/entre-eleves`: pupils of the class may write to each other
/// (the class's teacher or the director decides).
pub async fn classmates(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(class_id): Path<String>,
    Form(form): Form<ClassOptionForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let class = crate::classes::store::by_id(&state.db, &class_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::ManageClass(&facts))?;
    let mut tx = state.db.begin_write().await?;
    store::set_classmates_open(&mut tx, &class_id, form.ouvert == "oui").await?;
    tx.commit().await?;
    Ok(Done::ClassOptionSaved.redirect("/messagerie"))
}
