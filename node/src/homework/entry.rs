//! One séance or work: its text, files and links; for the pupil, "fait" and the hand-in; for
//! the class's teachers, who ticked it and who handed in (with the answer form), copy and
//! deletion.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::accounts::Viewer;
use crate::agenda::view::day_label;
use crate::attachments::StoredFile;
use crate::error::AppResult;
use crate::policy::homework::HomeworkUse;
use crate::policy::{Action, allows};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::Flash;
use crate::web::richtext::render_text;
use crate::web::{Page, render};

use super::handins::{self, Handin};
use super::service;
use super::store::{self, Entry};

/// A pupil of the class as the teacher follows them on a work.
pub struct Follow {
    /// Name.
    pub name: String,
    /// Ticked "fait".
    pub done: bool,
    /// What they handed in, with its files.
    pub handin: Option<(Handin, Vec<StoredFile>)>,
}

#[derive(Template)]
#[template(path = "homework/entry.html")]
struct EntryPage<'a> {
    page: Page<'a>,
    flash: Option<&'static str>,
    entry: Entry,
    html: String,
    day: String,
    files: Vec<StoredFile>,
    waiting: Option<String>,
    writes: bool,
    does: bool,
    done: bool,
    mine: Option<(Handin, Vec<StoredFile>)>,
    follows: Vec<Follow>,
    copy_to: Vec<(String, String)>,
}

/// `GET /cahier-de-textes/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let (entry, facts) = service::readable(&state, &viewer, &id).await?;
    let writes = allows(&viewer, Action::Homework(&facts, HomeworkUse::Write));
    let does = entry.is_work() && allows(&viewer, Action::Homework(&facts, HomeworkUse::Do));
    let follow = entry.is_work() && allows(&viewer, Action::Homework(&facts, HomeworkUse::Follow));
    let done_by = store::done_by(&state.db, &id).await?;
    let done = does && done_by.iter().any(|p| p == viewer.id());
    let mine = if does && entry.hand_in {
        match handins::of_pupil(&state.db, &id, viewer.id()).await? {
            Some(h) => {
                let files = super::files::HANDIN.list(&state.db, &h.id).await?;
                Some((h, files))
            }
            None => None,
        }
    } else {
        None
    };
    let mut follows = Vec::new();
    if follow {
        let all = handins::of_entry(&state.db, &id).await?;
        for pupil in crate::classes::store::members(&state.db, &entry.class_id, "pupil").await? {
            let handin = match all.iter().find(|h| h.pupil_id == pupil.id) {
                Some(h) => Some((
                    h.clone(),
                    super::files::HANDIN.list(&state.db, &h.id).await?,
                )),
                None => None,
            };
            follows.push(Follow {
                name: format!("{} {}", pupil.first_name, pupil.last_name),
                done: done_by.contains(&pupil.id),
                handin,
            });
        }
    }
    let copy_to = if writes {
        service::writable(&state, &viewer)
            .await?
            .into_iter()
            .filter(|w| w.class.id != entry.class_id)
            .map(|w| {
                let label = format!("{} {}", w.class.kind_word(), w.class.name);
                (w.class.id, label)
            })
            .collect()
    } else {
        Vec::new()
    };
    let waiting = (entry.visible_at > now)
        .then(|| QuietHours::of(&state.config.quiet_hours).label(entry.visible_at, now));
    let day = NaiveDate::parse_from_str(&entry.day, "%Y-%m-%d")
        .map(day_label)
        .unwrap_or_default();
    let title = if entry.is_work() {
        "Travail à faire"
    } else {
        "Séance"
    };
    let page = viewer.page(title, &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&EntryPage {
        page,
        flash,
        html: render_text(&entry.body),
        files: super::files::ENTRY.list(&state.db, &id).await?,
        entry,
        day,
        waiting,
        writes,
        does,
        done,
        mine,
        follows,
        copy_to,
    })?
    .into_response())
}
