//! Entries reaching the class: copies to another class of the teacher's, and the
//! notifications of new work (at once, or by the job once the planned date or the quiet hours
//! are over).

use crate::accounts::Viewer;
use crate::audience::{Audience, AudienceKind};
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;

use super::service::{REFUSED, writable};
use super::store::{self, Entry, NewEntry};

/// Copies an entry (with its files) to another class the viewer teaches; returns the copy's id.
pub async fn copy(
    state: &AppState,
    viewer: &Viewer,
    entry: &Entry,
    to_class: &str,
) -> AppResult<String> {
    let now = state.clock.now();
    let classes = writable(state, viewer).await?;
    let Some(target) = classes.iter().find(|w| w.class.id == to_class) else {
        return Err(AppError::Refused(REFUSED.into()));
    };
    // The subject follows when the teacher teaches it in the other class too.
    let subject = if target
        .subjects
        .iter()
        .any(|(c, _)| *c == entry.subject_code)
    {
        entry.subject_code.as_str()
    } else {
        ""
    };
    let visible_at =
        QuietHours::of(&state.config.quiet_hours).end_of_quiet(entry.visible_at.max(now));
    let files = super::files::ENTRY.list(&state.db, &entry.id).await?;
    let mut uploads = Vec::new();
    for file in &files {
        if let Some((_, f, bytes)) = super::files::ENTRY.get(&state.db, &file.id).await? {
            uploads.push(
                crate::attachments::Upload::parse(&f.name, bytes).map_err(AppError::Invalid)?,
            );
        }
    }
    let bytes: i64 = uploads.iter().map(|u| u.bytes.len() as i64).sum();
    let mut tx = state.db.begin_write().await?;
    super::files::check_quota(&mut tx, state, viewer.id(), false, bytes).await?;
    let id = store::insert(
        &mut tx,
        &NewEntry {
            class_id: &target.class.id,
            author_id: viewer.id(),
            kind: &entry.kind,
            subject_code: subject,
            day: &entry.day,
            title: &entry.title,
            body: &entry.body,
            links: &entry.links,
            minutes: entry.minutes,
            hand_in: entry.hand_in,
            visible_at,
            notified: visible_at <= now,
        },
        now,
    )
    .await?;
    super::files::ENTRY
        .attach(&mut tx, &id, &uploads, now)
        .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "homework.copied",
        &id,
        &format!("« {} » copié vers {}", entry.title, target.class.name),
    )
    .await?;
    tx.commit().await?;
    if visible_at <= now && entry.is_work() {
        tell(state, &id, &target.class.id).await?;
    }
    Ok(id)
}

/// Tells the pupils of a class and their parents of new work.
pub(super) async fn tell(state: &AppState, id: &str, class_id: &str) -> AppResult<()> {
    let year = SchoolYear::containing(state.clock.today());
    let mut recipients: Vec<String> = Vec::new();
    for kind in [AudienceKind::ClassPupils, AudienceKind::ClassParents] {
        for user in Audience::new(kind, class_id)
            .resolve(&state.db, year)
            .await?
        {
            if !recipients.contains(&user) {
                recipients.push(user);
            }
        }
    }
    notify(
        state,
        &recipients,
        Event::HomeworkPublished { entry_id: id },
    )
    .await;
    Ok(())
}

/// Tells the classes of the work whose time came (planned, or after the quiet hours).
pub async fn notify_due(state: &AppState) -> AppResult<usize> {
    let due = store::claim_due(&state.db, state.clock.now()).await?;
    for (id, class_id, _) in &due {
        if store::get(&state.db, id)
            .await?
            .is_some_and(|e| e.is_work())
        {
            tell(state, id, class_id).await?;
        }
    }
    Ok(due.len())
}
