//! What concerns a viewer (their agendas: their schools, classes, groups, their children's
//! classes, their own) and the writes that reach families: a change made in the quiet hours is
//! shown to families and notified at their end.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::Row;

use super::model::{Event, Occurrence, Scope};
use super::store;
use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::domain::{Profile, SchoolYear};
use crate::error::AppResult;
use crate::quiet_hours::QuietHours;
use crate::state::AppState;

/// The agendas a viewer follows: agenda id → what people read ("CM2 A", "École des
/// Tilleuls", "Groupe Chorale", "Mon agenda").
pub async fn agendas_of(state: &AppState, viewer: &Viewer) -> AppResult<BTreeMap<String, String>> {
    let mut agendas = BTreeMap::new();
    agendas.insert(viewer.id().to_owned(), "Mon agenda".to_owned());
    for m in &viewer.memberships {
        agendas.insert(m.school_id.clone(), m.school_name.clone());
    }
    let year = i64::from(SchoolYear::containing(state.clock.today()).0);
    // Their classes, and each child's (once, however many children share one).
    let rows = sqlx::query(
        "SELECT c.id, c.name, s.id, s.name FROM classes c JOIN schools s ON s.id = c.school_id \
         WHERE c.school_year = $2 AND c.id IN (SELECT class_id FROM class_members WHERE user_id = $1 \
         UNION SELECT m.class_id FROM class_members m JOIN guardianships g ON g.child_id = m.user_id \
         JOIN users u ON u.id = m.user_id AND u.active = 1 WHERE g.parent_id = $1 AND m.role = 'pupil')",
    )
    .bind(viewer.id())
    .bind(year)
    .fetch_all(state.db.pool())
    .await?;
    for r in &rows {
        agendas.insert(r.get(0), r.get(1));
        agendas.insert(r.get(2), r.get(3));
    }
    let groups = sqlx::query(
        "SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1",
    )
    .bind(viewer.id())
    .fetch_all(state.db.pool())
    .await?;
    for r in &groups {
        agendas.insert(r.get(0), format!("Groupe {}", r.get::<String, _>(1)));
    }
    Ok(agendas)
}

/// Whether the viewer sees `event` now: families see what reaches them once the quiet hours
/// that held it are over; its author and the school's staff see it at once.
pub fn shown_to(viewer: &Viewer, event: &Event, now: i64) -> bool {
    if event.families_from <= now || event.author_id == viewer.id() || viewer.is_operator() {
        return true;
    }
    event.school_id.as_deref().is_some_and(|school| {
        matches!(
            viewer.profile_in(school),
            Some(Profile::Director | Profile::Teacher | Profile::Staff)
        )
    })
}

/// One occurrence with its event and where it comes from.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The event.
    pub event: Event,
    /// The occurrence.
    pub occurrence: Occurrence,
    /// The agenda's name.
    pub origin: String,
}

/// The events of every agenda the viewer follows that they may see now (each once), with the
/// agendas' names.
pub async fn followed(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<(BTreeMap<String, String>, Vec<Event>)> {
    let agendas = agendas_of(state, viewer).await?;
    let ids: Vec<String> = agendas.keys().cloned().collect();
    let now = state.clock.now();
    let events = store::of_targets(&state.db, &ids)
        .await?
        .into_iter()
        // Someone else's personal agenda is never read, even if an id collided.
        .filter(|e| e.scope != Scope::Personal || e.target_id == viewer.id())
        .filter(|e| shown_to(viewer, e, now))
        .collect();
    Ok((agendas, events))
}

/// The viewer's occurrences touching `from..=to`, in order, each event once.
pub async fn occurrences(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Shown>> {
    let (agendas, events) = followed(state, viewer).await?;
    let mut shown = Vec::new();
    for event in events {
        let origin = agendas.get(&event.target_id).cloned().unwrap_or_default();
        for occurrence in event.occurrences(from, to) {
            shown.push(Shown {
                event: event.clone(),
                occurrence,
                origin: origin.clone(),
            });
        }
    }
    shown.sort_by_key(|s| (s.occurrence.day, s.occurrence.hours.map(|h| h.0)));
    Ok(shown)
}

/// The families an event of this agenda reaches (pupils and parents of the class, of the
/// school; members of the group).
pub async fn families_of(state: &AppState, event: &Event) -> AppResult<Vec<String>> {
    let year = SchoolYear::containing(state.clock.today());
    let audiences = match event.scope {
        Scope::School => vec![
            Audience::SchoolPupils(event.target_id.clone()),
            Audience::SchoolParents(event.target_id.clone()),
        ],
        Scope::Class => vec![
            Audience::ClassPupils(event.target_id.clone()),
            Audience::ClassParents(event.target_id.clone()),
        ],
        Scope::Group => vec![Audience::Group(event.target_id.clone())],
        Scope::Personal => Vec::new(),
    };
    let mut people = Vec::new();
    for audience in audiences {
        people.extend(audience.resolve(&state.db, year).await?);
    }
    people.sort();
    people.dedup();
    Ok(people)
}

/// When a change made now reaches families: now, or the end of the quiet hours.
pub fn families_at(state: &AppState) -> i64 {
    QuietHours::of(&state.config.quiet_hours).end_of_quiet(state.clock.now())
}

/// After a committed change of `event`: families hear of it now, or a notice waits for the
/// end of the quiet hours (`store::hold_notice` was queued in the change's transaction).
pub async fn tell_families(state: &AppState, event: &Event, held: bool) -> AppResult<()> {
    if held || !event.scope.reaches_families() {
        return Ok(());
    }
    let people = families_of(state, event).await?;
    crate::notifications::notify(
        state,
        &people,
        crate::notifications::Event::EventChanged {
            event_id: &event.id,
        },
    )
    .await;
    Ok(())
}

/// Sends the notices whose quiet hours are over (the job, every minute, and before a page).
pub async fn deliver_due(state: &AppState) -> AppResult<()> {
    for id in store::take_due_notices(&state.db, state.clock.now()).await? {
        let people = match store::get(&state.db, &id).await? {
            Some(event) => families_of(state, &event).await?,
            None => continue,
        };
        crate::notifications::notify(
            state,
            &people,
            crate::notifications::Event::EventChanged { event_id: &id },
        )
        .await;
    }
    Ok(())
}

/// The mots d'absence of `from..=to` of the classes whose absences the viewer sees (their
/// teachers and director, `policy::Action::SeeAbsences`; never parents or pupils).
pub async fn absences(
    state: &AppState,
    viewer: &Viewer,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<super::view::Absent>> {
    let classes: Vec<String> = crate::liaison::service::absence_classes(state, viewer)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    Ok(crate::liaison::absences_between(state, &classes, from, to)
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(super::view::Absent {
                from: day(&a.from_date)?,
                to: day(&a.to_date)?,
                label: format!("{} ({}) : {}", a.pupil_name, a.class_name, a.reason_label()),
            })
        })
        .collect())
}
