//! Sending, saving a draft, holding in the quiet hours, delivering: the rules of a message in
//! one place, each write in one transaction (a refused message writes nothing).

use crate::accounts::Viewer;
use crate::attachments::Upload;
use crate::audience::Audience;
use crate::domain::{SchoolYear, normalize_name};
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::policy::communication;
use crate::quiet_hours::QuietHours;
use crate::quotas::{self, DAY_SECS, Limits, Usage};
use crate::state::AppState;

use super::contacts::Contacts;
use super::files;
use super::store::{self, Draft, Folder, Message};

/// Longest subject.
pub const MAX_SUBJECT: usize = 150;
/// Longest text.
pub const MAX_BODY: usize = 10_000;

/// What the composer sent, checked.
#[derive(Debug, Default)]
pub struct Composed {
    /// Recipients (already checked against the contacts).
    pub to: Vec<Audience>,
    /// Subject as typed.
    pub subject: String,
    /// Text as typed.
    pub body: String,
    /// New files.
    pub uploads: Vec<Upload>,
    /// The message answered.
    pub parent: Option<Message>,
    /// The message forwarded (its files come along).
    pub forward_of: Option<Message>,
    /// The viewer's draft or held message being edited.
    pub existing: Option<String>,
    /// Marked urgent (direction only).
    pub urgent: bool,
    /// Chosen delivery time (staff only).
    pub schedule_at: Option<i64>,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// In the recipients' Reçus.
    Sent,
    /// Held until then (quiet hours or scheduled).
    Held(i64),
    /// Saved in Brouillons.
    Drafted,
    /// Waits for a teacher's validation (a pupil's message to classmates, class moderated).
    Pending,
}

/// Checks lengths; the French message says what to fix.
fn check_texts(c: &Composed, draft: bool) -> AppResult<String> {
    let subject = c.subject.trim();
    if subject.chars().count() > MAX_SUBJECT {
        return Err(AppError::Invalid(format!(
            "L'objet est trop long ({MAX_SUBJECT} caractères au plus)."
        )));
    }
    if c.body.chars().count() > MAX_BODY {
        return Err(AppError::Invalid(
            "Le message est trop long (10 000 caractères au plus).".into(),
        ));
    }
    if !draft && c.body.trim().is_empty() && c.uploads.is_empty() && c.forward_of.is_none() {
        return Err(AppError::Invalid(
            "Le message est vide : écrivez quelque chose avant d'envoyer.".into(),
        ));
    }
    if crate::domain::refuse_control_chars(subject, "L'objet").is_err() {
        return Err(AppError::Invalid(
            "L'objet contient un caractère invisible : retapez-le sans copier-coller.".into(),
        ));
    }
    Ok(if subject.is_empty() {
        "(sans objet)".into()
    } else {
        subject.to_owned()
    })
}

/// Sends (or, with `draft`, saves) a message.
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    contacts: &Contacts,
    c: Composed,
    draft: bool,
) -> AppResult<(String, Outcome)> {
    let now = state.clock.now();
    let subject = check_texts(&c, draft)?;
    let body = c.body.trim().replace("\r\n", "\n");
    let senders = contacts.sender_kinds();
    if c.urgent && !communication::may_send_urgent(&senders) {
        return Err(AppError::Refused(
            "Seule la direction peut marquer un message urgent.".into(),
        ));
    }
    if c.schedule_at.is_some() && !communication::may_schedule(&senders) {
        return Err(AppError::Refused(
            "Seuls les personnels peuvent programmer un message.".into(),
        ));
    }
    if let Some(id) = &c.existing {
        let mine = store::get(&state.db, id)
            .await?
            .filter(|m| m.sender_id == viewer.id() && m.state != "sent");
        if mine.is_none() {
            return Err(AppError::NotFound);
        }
    }
    let year = SchoolYear::containing(state.clock.today());
    let mut recipients: Vec<String> = Vec::new();
    for audience in &c.to {
        for id in audience.resolve(&state.db, year).await? {
            if id != viewer.id() && !recipients.contains(&id) {
                recipients.push(id);
            }
        }
    }
    let (state_code, deliver_at) = if draft {
        ("draft", now)
    } else {
        if recipients.is_empty() {
            return Err(AppError::Invalid(
                "Choisissez au moins un destinataire (un groupe vide ne compte pas).".into(),
            ));
        }
        // A message a linked node can no longer take is kept as a draft (nothing is lost).
        match super::across::check_recipients(state, viewer, &senders, &recipients).await {
            Err(AppError::Invalid(why)) => {
                Box::pin(submit(state, viewer, contacts, c, true)).await?;
                return Err(AppError::Invalid(format!(
                    "{why} Il est gardé dans vos brouillons."
                )));
            }
            other => other?,
        }
        let max = communication::max_recipients(&senders);
        if recipients.len() > max {
            return Err(AppError::Invalid(format!(
                "Trop de destinataires : {} pour {max} au plus. Le message n'est pas parti.",
                recipients.len()
            )));
        }
        let at = match c.schedule_at {
            Some(at) if at > now => at,
            Some(_) => {
                return Err(AppError::Invalid(
                    "L'heure d'envoi programmée est déjà passée.".into(),
                ));
            }
            None => now,
        };
        let at = if !c.urgent && holds(state, &senders, &recipients).await? {
            QuietHours::of(&state.config.quiet_hours).end_of_quiet(at)
        } else {
            at
        };
        if viewer.is_pupil_only()
            && super::moderation::applies(state, viewer.id(), &recipients).await?
        {
            ("pending", at)
        } else {
            (if at > now { "held" } else { "sent" }, at)
        }
    };
    let audiences: Vec<String> = c.to.iter().map(Audience::code).collect();
    let search = normalize_name(&format!("{subject} {body} {}", viewer.user.display_name()));
    let bytes: i64 = c.uploads.iter().map(|u| u.bytes.len() as i64).sum();

    let mut tx = state.db.begin_write().await?;
    crate::store::lock(&mut tx, &format!("messages:{}", viewer.id()), now).await?;
    if !draft {
        let sent = store::sent_since(&mut tx, viewer.id(), now - 3600).await?;
        let max = communication::max_per_hour(&senders);
        if sent >= max {
            return Err(AppError::Invalid(format!(
                "Déjà {max} messages envoyés en une heure : c'est le maximum. Le texte est gardé ci-dessous, il pourra partir plus tard."
            )));
        }
    }
    if bytes > 0 {
        let (day, held) = files::file_usage(&mut tx, viewer.id(), now - DAY_SECS).await?;
        let limits = Limits::of(&state.config.quotas);
        let usage = Usage {
            member_items: 0,
            member_bytes: day,
            place_bytes: held,
        };
        quotas::check(&limits, &usage, 0, bytes)
            .map_err(|e| AppError::Invalid(e.message(&limits)))?;
    }
    let saved = Draft {
        sender_id: viewer.id(),
        subject: &subject,
        body: &body,
        search_text: &search,
        parent: c.parent.as_ref(),
        state: if state_code == "sent" {
            "held"
        } else {
            state_code
        },
        deliver_at,
        urgent: c.urgent,
        audiences: &audiences,
    };
    let id = store::save(&mut tx, c.existing.as_deref(), &saved, now).await?;
    files::attach(&mut tx, &id, &c.uploads, now).await?;
    if let Some(forwarded) = &c.forward_of {
        files::copy_files(&mut tx, &forwarded.id, &id, now).await?;
    }
    let mut delivered = Vec::new();
    let mut peers = Vec::new();
    let outcome = if draft {
        store::file_in(&mut tx, viewer.id(), &id, Folder::Drafts, now).await?;
        Outcome::Drafted
    } else {
        store::set_recipients(&mut tx, &id, &recipients).await?;
        store::file_in(&mut tx, viewer.id(), &id, Folder::Sent, now).await?;
        if state_code == "sent" {
            delivered = store::deliver(&mut tx, &id, now).await?;
            peers = super::across::queue(&mut tx, shared(state), &id, now).await?;
            Outcome::Sent
        } else if state_code == "pending" {
            Outcome::Pending
        } else {
            Outcome::Held(deliver_at)
        }
    };
    if c.urgent && !draft {
        crate::users::store::audit(
            &mut tx,
            now,
            Some(viewer.id()),
            "message.urgent",
            &id,
            &format!("{} destinataire(s)", recipients.len()),
        )
        .await?;
    }
    tx.commit().await?;
    super::across::wake(state, &peers);
    if !delivered.is_empty() {
        notify(
            state,
            &delivered,
            Event::MessageDelivered { message_id: &id },
        )
        .await;
    }
    Ok((id, outcome))
}

/// The federation's shared state, when federation is on.
fn shared(state: &AppState) -> Option<&ent_federation::service::Shared> {
    state.federation.as_ref().map(|f| f.shared().as_ref())
}

/// Whether the quiet hours hold a message from these senders to these people: staff to
/// families (a pupil or a parent among them), families to staff.
async fn holds(
    state: &AppState,
    senders: &[communication::Sender],
    recipients: &[String],
) -> AppResult<bool> {
    let staff_first = communication::held_in_quiet_hours(senders, true);
    let family_first = communication::held_in_quiet_hours(senders, false);
    if !staff_first && !family_first {
        return Ok(false);
    }
    let mut any_family = false;
    let mut any_staff = false;
    for chunk in recipients.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT profile FROM memberships WHERE user_id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for profile in query.fetch_all(state.db.pool()).await? {
            match profile.as_str() {
                "pupil" | "parent" => any_family = true,
                "teacher" | "director" | "staff" => any_staff = true,
                _ => {}
            }
        }
    }
    Ok((staff_first && any_family) || (family_first && any_staff))
}

/// Delivers every held message whose time has come; returns how many.
pub async fn deliver_due(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let due = store::due(&state.db, now).await?;
    for id in &due {
        let mut tx = state.db.begin_write().await?;
        let reached = store::deliver(&mut tx, id, now).await?;
        // Its time came after a link ended: those recipients are marked, the sender told.
        let unreached = super::unreached::mark(&mut tx, shared(state), id, now).await?;
        let peers = super::across::queue(&mut tx, shared(state), id, now).await?;
        tx.commit().await?;
        super::across::wake(state, &peers);
        if !reached.is_empty() {
            notify(state, &reached, Event::MessageDelivered { message_id: id }).await;
        }
        if let Some(sender) = unreached {
            notify(
                state,
                &[sender],
                Event::MessageNotDelivered { message_id: id },
            )
            .await;
        }
    }
    Ok(due.len())
}

/// Turns a held message of the viewer back into a draft (nothing was delivered).
pub async fn cancel(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE messages SET state = 'draft', updated_at = $1 WHERE id = $2 AND sender_id = $3 AND state = 'held'",
    )
    .bind(now)
    .bind(id)
    .bind(viewer.id())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::Invalid(
            "Ce message est déjà parti : il ne peut plus être annulé.".into(),
        ));
    }
    for sql in [
        "DELETE FROM mailbox WHERE message_id = $1",
        "DELETE FROM message_recipients WHERE message_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    store::file_in(&mut tx, viewer.id(), id, Folder::Drafts, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Reports a received message: to the viewer's teachers for a pupil, else to the directors of
/// the viewer's schools. The report is a message that reaches them whatever the rules (a
/// pupil may not write to the director, but must be able to report).
pub async fn report(state: &AppState, viewer: &Viewer, reported: &Message) -> AppResult<()> {
    let now = state.clock.now();
    let year = SchoolYear::containing(state.clock.today());
    let mut to: Vec<String> = Vec::new();
    for m in &viewer.memberships {
        let ids: Vec<String> = if viewer.is_pupil_only() {
            sqlx::query_scalar(
                "SELECT t.user_id FROM class_members t JOIN class_members me ON me.class_id = t.class_id \
                 JOIN classes c ON c.id = t.class_id WHERE me.user_id = $1 AND me.role = 'pupil' \
                 AND t.role = 'teacher' AND c.school_id = $2 AND c.school_year = $3",
            )
            .bind(viewer.id())
            .bind(&m.school_id)
            .bind(i64::from(year.0))
            .fetch_all(state.db.pool())
            .await?
        } else {
            sqlx::query_scalar(
                "SELECT user_id FROM memberships WHERE school_id = $1 AND profile = 'director'",
            )
            .bind(&m.school_id)
            .fetch_all(state.db.pool())
            .await?
        };
        for id in ids {
            if id != viewer.id() && !to.contains(&id) {
                to.push(id);
            }
        }
    }
    if to.is_empty() {
        return Err(AppError::Invalid(
            "Personne ne peut recevoir ce signalement pour l'instant : parlez-en à l'école.".into(),
        ));
    }
    let subject = format!("Signalement : {}", reported.subject);
    let body = format!(
        "{} signale un message reçu de {} le {}.\n\n---\n\n{}",
        viewer.user.display_name(),
        reported.sender_name,
        crate::domain::local_time::paris_label(reported.created_at),
        reported.body
    );
    let search = normalize_name(&format!("{subject} {body} {}", viewer.user.display_name()));
    let saved = Draft {
        sender_id: viewer.id(),
        subject: &subject,
        body: &body,
        search_text: &search,
        parent: None,
        state: "held",
        deliver_at: now,
        urgent: false,
        audiences: &to
            .iter()
            .map(|id| Audience::Person(id.clone()).code())
            .collect::<Vec<_>>(),
    };
    let mut tx = state.db.begin_write().await?;
    let id = store::save(&mut tx, None, &saved, now).await?;
    store::set_recipients(&mut tx, &id, &to).await?;
    files::copy_files(&mut tx, &reported.id, &id, now).await?;
    store::deliver(&mut tx, &id, now).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "message.reported",
        &reported.id,
        &format!("signalé à {} personne(s)", to.len()),
    )
    .await?;
    tx.commit().await?;
    notify(state, &to, Event::MessageReported { message_id: &id }).await;
    Ok(())
}
