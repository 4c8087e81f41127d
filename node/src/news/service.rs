//! The rules of a news item: whom its author may address (`policy::publishing`, resolved to
//! classes and schools here), its texts and dates, the quiet hours, notifications.

use crate::accounts::Viewer;
use crate::audience::{Audience, AudienceKind};
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::policy::publishing::{self, Author};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;

use super::store::{self, NewItem};

/// Longest title.
pub const MAX_TITLE: usize = 150;
/// Longest text.
pub const MAX_BODY: usize = 10_000;

/// An audience the viewer may publish for, with its label and the school it belongs to.
#[derive(Debug, Clone)]
pub struct Reachable {
    /// The audience.
    pub audience: Audience,
    /// "Parents de CM2 A".
    pub label: String,
    /// Its school (`None`: the whole node).
    pub school_id: Option<String>,
}

/// Every audience the viewer may address a news item to (empty: not an author).
pub async fn reachable(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Reachable>> {
    let db = &state.db;
    let year = i64::from(SchoolYear::containing(state.clock.today()).0);
    let mut authors: Vec<(Option<String>, Author)> = viewer
        .memberships
        .iter()
        .filter_map(|m| publishing::author_of(m.profile).map(|a| (Some(m.school_id.clone()), a)))
        .collect();
    if viewer.is_operator() {
        let schools: Vec<String> = sqlx::query_scalar("SELECT id FROM schools ORDER BY name")
            .fetch_all(db.pool())
            .await?;
        authors.push((None, Author::Operator));
        authors.extend(schools.into_iter().map(|s| (Some(s), Author::Operator)));
    }
    let mut found: Vec<Reachable> = Vec::new();
    for (school, author) in authors {
        let kinds = [
            AudienceKind::Node,
            AudienceKind::SchoolParents,
            AudienceKind::SchoolPupils,
            AudienceKind::SchoolStaff,
            AudienceKind::ClassParents,
            AudienceKind::ClassPupils,
        ];
        for kind in kinds {
            if !publishing::may_publish_to(author, kind) {
                continue;
            }
            let ids: Vec<String> = match (kind, &school) {
                (AudienceKind::Node, None) => vec![String::new()],
                (AudienceKind::Node, Some(_)) | (_, None) => Vec::new(),
                (AudienceKind::ClassParents | AudienceKind::ClassPupils, Some(school)) => {
                    let taught = if author == Author::Teacher {
                        "AND EXISTS (SELECT 1 FROM class_members m WHERE m.class_id = c.id \
                         AND m.user_id = $3 AND m.role = 'teacher')"
                    } else {
                        "AND $3 <> ''"
                    };
                    sqlx::query_scalar(&format!(
                        "SELECT c.id FROM classes c WHERE c.school_id = $1 AND c.school_year = $2 {taught} ORDER BY c.name"
                    ))
                    .bind(school)
                    .bind(year)
                    .bind(viewer.id())
                    .fetch_all(db.pool())
                    .await?
                }
                (_, Some(school)) => vec![school.clone()],
            };
            for id in ids {
                let audience = Audience::new(kind, &id);
                if found.iter().any(|r| r.audience == audience) {
                    continue;
                }
                found.push(Reachable {
                    label: audience.label(db).await?,
                    audience,
                    school_id: school.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// A news item as its author sent it.
#[derive(Debug, Default)]
pub struct Draft {
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Audience codes chosen.
    pub audiences: Vec<String>,
    /// Publication (`None`: now).
    pub publish_at: Option<i64>,
    /// End (`None`: none).
    pub end_at: Option<i64>,
    /// Pinned to the top.
    pub pinned: bool,
    /// An image, a PDF (checked by `attachments`).
    pub uploads: Vec<crate::attachments::Upload>,
}

/// Publishes an item: refused (403) when an audience is out of the author's reach, 422 when a
/// text or a date is wrong; nothing is written then. Returns its id and when it shows.
pub async fn publish(state: &AppState, viewer: &Viewer, draft: Draft) -> AppResult<(String, i64)> {
    if !publishing::publishes_news(viewer) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let reach = reachable(state, viewer).await?;
    let mut chosen: Vec<&Reachable> = Vec::new();
    for code in draft.audiences.iter().filter(|c| !c.trim().is_empty()) {
        let audience = Audience::parse(code)
            .ok_or_else(|| AppError::Invalid("Un public choisi est illisible.".into()))?;
        let Some(found) = reach.iter().find(|r| r.audience == audience) else {
            return Err(AppError::Refused(
                "Vous ne pouvez pas publier pour ce public : il n'est pas dans ce que votre \
                 profil permet d'atteindre. Rien n'a été publié."
                    .into(),
            ));
        };
        if !chosen.iter().any(|c| c.audience == audience) {
            chosen.push(found);
        }
    }
    let title = draft.title.trim();
    let body = draft.body.trim().replace("\r\n", "\n");
    if title.is_empty() {
        return Err(AppError::Invalid("Donnez un titre à l'actualité.".into()));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(AppError::Invalid(format!(
            "Le titre est trop long ({MAX_TITLE} caractères au plus)."
        )));
    }
    if crate::domain::refuse_control_chars(title, "Le titre").is_err() {
        return Err(AppError::Invalid(
            "Le titre contient un caractère invisible : retapez-le sans copier-coller.".into(),
        ));
    }
    if body.chars().count() > MAX_BODY {
        return Err(AppError::Invalid(
            "Le texte est trop long (10 000 caractères au plus).".into(),
        ));
    }
    if chosen.is_empty() {
        return Err(AppError::Invalid(
            "Choisissez au moins un public pour l'actualité.".into(),
        ));
    }
    let publish_at = draft.publish_at.unwrap_or(now).max(now);
    // Droit à la déconnexion: what reaches families shows at the end of the quiet hours.
    let families = chosen.iter().any(|c| c.audience.kind().reaches_families());
    let visible_at = if families {
        QuietHours::of(&state.config.quiet_hours).end_of_quiet(publish_at)
    } else {
        publish_at
    };
    if draft.end_at.is_some_and(|end| end <= visible_at) {
        return Err(AppError::Invalid(
            "La date de fin doit venir après la publication.".into(),
        ));
    }
    let codes: Vec<String> = chosen.iter().map(|c| c.audience.code()).collect();
    let school_id = chosen.iter().find_map(|c| c.school_id.clone());
    let published_now = visible_at <= now;
    let bytes: i64 = draft.uploads.iter().map(|u| u.bytes.len() as i64).sum();
    let mut tx = state.db.begin_write().await?;
    if bytes > 0 {
        let (day, held) =
            super::files::usage(&mut tx, viewer.id(), now - crate::quotas::DAY_SECS).await?;
        let limits = crate::quotas::Limits::of(&state.config.quotas);
        let usage = crate::quotas::Usage {
            member_items: 0,
            member_bytes: day,
            place_bytes: held,
        };
        crate::quotas::check(&limits, &usage, 0, bytes)
            .map_err(|e| AppError::Invalid(e.message(&limits)))?;
    }
    let id = store::insert(
        &mut tx,
        &NewItem {
            author_id: viewer.id(),
            school_id: school_id.as_deref(),
            title,
            body: &body,
            pinned: draft.pinned,
            visible_at,
            end_at: draft.end_at,
            audiences: &codes,
            notified: published_now,
        },
        now,
    )
    .await?;
    super::files::TABLES
        .attach(&mut tx, &id, &draft.uploads, now)
        .await?;
    let labels: Vec<&str> = chosen.iter().map(|c| c.label.as_str()).collect();
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "news.published",
        &id,
        &format!("« {title} » pour {}", labels.join(", ")),
    )
    .await?;
    tx.commit().await?;
    if published_now {
        tell(state, &id, &codes, viewer.id()).await?;
    }
    Ok((id, visible_at))
}

/// Notifies the audience of an item (its author excepted).
async fn tell(state: &AppState, id: &str, codes: &[String], author: &str) -> AppResult<()> {
    let year = SchoolYear::containing(state.clock.today());
    let mut recipients: Vec<String> = Vec::new();
    for audience in codes.iter().filter_map(|c| Audience::parse(c)) {
        for user in audience.resolve(&state.db, year).await? {
            if user != author && !recipients.contains(&user) {
                recipients.push(user);
            }
        }
    }
    notify(state, &recipients, Event::NewsPublished { news_id: id }).await;
    Ok(())
}

/// Tells the audiences of the items whose time came (after the quiet hours, or scheduled).
pub async fn notify_due(state: &AppState) -> AppResult<usize> {
    let due = store::claim_due(&state.db, state.clock.now()).await?;
    for (id, author, codes) in &due {
        tell(state, id, codes, author).await?;
    }
    Ok(due.len())
}
