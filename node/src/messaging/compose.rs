//! Writing: the compose page (new, reply, reply to all, forward, a draft or held message taken
//! up again) and its form (send or save the draft). Only recipients one may write to are offered.

use askama::Template;
use axum::extract::{Query, Request, State};
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
use crate::web::{Page, render};

use super::across;
use super::contacts::{self, Contacts};
use super::handlers::held_by;
use super::service::{self, Composed, Outcome};

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
    /// Teachers and directors of linked nodes (staff only).
    remote: Vec<across::RemoteContact>,
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
    let remote = remote_offered(&state, &senders).await;
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
        remote,
    })?
    .into_response())
}

/// The people of linked nodes offered to staff (nobody to pupils and parents).
async fn remote_offered(
    state: &AppState,
    senders: &[crate::policy::communication::Sender],
) -> Vec<across::RemoteContact> {
    if crate::policy::communication::may_write_across(senders) {
        across::directory(state).await
    } else {
        Vec::new()
    }
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
    let mut to = contacts::check_chosen(&contacts, &form.all("to"))?;
    for remote in across::chosen(&state, &contacts.sender_kinds(), &form.all("distant")).await? {
        if !to.contains(&remote) {
            to.push(remote);
        }
    }
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
        Ok((id, Outcome::Pending)) => {
            Ok(Done::MessagePending.redirect(&format!("/messagerie/{id}")))
        }
        Err(AppError::Invalid(message)) => {
            let senders = contacts.sender_kinds();
            let remote = remote_offered(&state, &senders).await;
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
                remote,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

/// `2026-12-07T08:30` typed in the schools' time zone, as Unix seconds.
fn local_input(quiet: &QuietHours, text: &str) -> AppResult<i64> {
    quiet.local_input(text).ok_or_else(|| {
        AppError::Invalid("Heure d'envoi illisible (jour et heure attendus).".into())
    })
}
