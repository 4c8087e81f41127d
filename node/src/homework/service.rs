//! The rules of the cahier de textes: which classes a teacher writes for (with their
//! subjects), what a written entry must hold, when it shows (planned date, then the end of the
//! quiet hours) and the warning when work due the next morning would show only that morning,
//! copies, notifications.

use chrono::NaiveDate;

use crate::accounts::Viewer;
use crate::classes::store::ClassRow;
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::policy::homework::HomeworkUse;
use crate::policy::{Action, ClassFacts, allows};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;

use super::store::{self, Entry, NewEntry};

/// Longest title.
pub const MAX_TITLE: usize = 150;
/// Longest text.
pub const MAX_BODY: usize = 10_000;
/// Most links on an entry.
pub const MAX_LINKS: usize = 10;

/// The French refusal of a write in a class one does not teach.
pub const REFUSED: &str = "Vous ne pouvez pas écrire dans ce cahier de textes : seuls les enseignants de la classe le peuvent. Rien n'a été enregistré.";

/// Today in Paris.
pub fn today(state: &AppState) -> NaiveDate {
    crate::domain::local_time::paris(state.clock.now())
        .map(|t| t.date())
        .unwrap_or_else(|| state.clock.today())
}

/// An entry the viewer may read (planned ones only for those who write the class's), with
/// what the viewer is to its class; 404 otherwise.
pub async fn readable(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> AppResult<(Entry, ClassFacts)> {
    let entry = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let class = crate::classes::store::by_id(&state.db, &entry.class_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
    let writes = allows(viewer, Action::Homework(&facts, HomeworkUse::Write));
    let reads = allows(viewer, Action::Homework(&facts, HomeworkUse::Read));
    if !(writes || (reads && entry.visible_at <= state.clock.now())) {
        return Err(AppError::NotFound);
    }
    Ok((entry, facts))
}

/// A class the viewer writes for, with the subjects they teach there (code, label).
#[derive(Debug, Clone)]
pub struct Writable {
    /// The class.
    pub class: ClassRow,
    /// Subjects taught there (empty in an école).
    pub subjects: Vec<(String, String)>,
    /// A collège: a subject is asked for when the teacher has some.
    pub college: bool,
}

/// The classes (and collège groups) the viewer teaches this year and may write for.
pub async fn writable(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Writable>> {
    let year = SchoolYear::containing(state.clock.today()).0;
    let mut found = Vec::new();
    for class in crate::classes::store::of_member(&state.db, viewer.id(), year).await? {
        let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
        if !allows(viewer, Action::Homework(&facts, HomeworkUse::Write)) {
            continue;
        }
        let subjects = sqlx::query_as::<_, (String, String)>(
            "SELECT t.subject_code, COALESCE(sj.label, t.subject_code) FROM teaching t \
             LEFT JOIN subjects sj ON sj.code = t.subject_code \
             WHERE t.class_id = $1 AND t.user_id = $2 AND t.subject_code <> '' ORDER BY 2",
        )
        .bind(&class.id)
        .bind(viewer.id())
        .fetch_all(state.db.pool())
        .await?;
        let kind: String = sqlx::query_scalar("SELECT kind FROM schools WHERE id = $1")
            .bind(&class.school_id)
            .fetch_one(state.db.pool())
            .await?;
        found.push(Writable {
            class,
            subjects,
            college: kind == "college",
        });
    }
    Ok(found)
}

/// An entry as its teacher sent it.
#[derive(Debug, Default)]
pub struct Draft {
    /// Class id.
    pub class_id: String,
    /// `seance` or `travail`.
    pub kind: String,
    /// Subject code or ''.
    pub subject: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Links, one a line.
    pub links: String,
    /// Estimated minutes ('' when not said).
    pub minutes: String,
    /// À rendre.
    pub hand_in: bool,
    /// Planned publication (`None`: now).
    pub publish_at: Option<i64>,
    /// The teacher already saw the quiet-hours warning and went on.
    pub confirmed: bool,
    /// Files.
    pub uploads: Vec<crate::attachments::Upload>,
}

/// What saving gave.
#[derive(Debug)]
pub enum Saved {
    /// Written: its id and when it shows.
    Done(String, i64),
    /// Not written: the warning to show before saving (work seen only the morning it is due).
    Warn(String),
}

fn invalid(message: &str) -> AppError {
    AppError::Invalid(message.into())
}

/// Checks links: `http(s)` addresses only, one a line.
fn clean_links(text: &str) -> AppResult<String> {
    let links: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if links.len() > MAX_LINKS {
        return Err(invalid("Dix liens au plus."));
    }
    for link in &links {
        let ok = url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok || link.len() > 500 {
            return Err(AppError::Invalid(format!(
                "Le lien « {} » n'est pas une adresse web (http:// ou https://).",
                link.chars().take(80).collect::<String>()
            )));
        }
    }
    Ok(links.join("\n"))
}

/// Writes an entry for a class the viewer teaches: 403 for another class or a subject they do
/// not teach there, 422 for a wrong field; nothing is written then.
pub async fn save(state: &AppState, viewer: &Viewer, draft: Draft) -> AppResult<Saved> {
    let now = state.clock.now();
    let classes = writable(state, viewer).await?;
    let Some(target) = classes.iter().find(|w| w.class.id == draft.class_id) else {
        if classes.is_empty() || !draft.class_id.is_empty() {
            return Err(AppError::Refused(REFUSED.into()));
        }
        return Err(invalid("Choisissez la classe."));
    };
    let subject = draft.subject.trim();
    if !subject.is_empty() && !target.subjects.iter().any(|(code, _)| code == subject) {
        return Err(AppError::Refused(REFUSED.into()));
    }
    if subject.is_empty() && target.college && !target.subjects.is_empty() {
        return Err(invalid("Choisissez la matière."));
    }
    let work = match draft.kind.as_str() {
        "travail" => true,
        "seance" => false,
        _ => return Err(invalid("Choisissez : séance ou travail à faire.")),
    };
    let day = NaiveDate::parse_from_str(draft.day.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("Date illisible (jour attendu, par exemple 2026-12-07)."))?;
    let title = draft.title.trim();
    let body = draft.body.trim().replace("\r\n", "\n");
    if title.is_empty() {
        return Err(invalid("Donnez un titre."));
    }
    if title.chars().count() > MAX_TITLE
        || crate::domain::refuse_control_chars(title, "Le titre").is_err()
    {
        return Err(invalid(
            "Le titre est trop long (150 caractères au plus) ou contient un caractère invisible.",
        ));
    }
    if body.chars().count() > MAX_BODY {
        return Err(invalid(
            "Le texte est trop long (10 000 caractères au plus).",
        ));
    }
    let links = clean_links(&draft.links)?;
    let minutes = match draft.minutes.trim() {
        "" => 0,
        text => match text.parse::<i64>() {
            Ok(m) if (0..=600).contains(&m) => m,
            _ => {
                return Err(invalid(
                    "Temps estimé : un nombre de minutes (600 au plus).",
                ));
            }
        },
    };
    if work && day < today(state) {
        return Err(invalid("Le jour où le travail est à faire est déjà passé."));
    }
    let asked = draft.publish_at.unwrap_or(now).max(now);
    // Droit à la déconnexion: what reaches pupils and families shows at the end of the quiet hours.
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let visible_at = quiet.end_of_quiet(asked);
    let shown_on = crate::domain::local_time::paris(visible_at).map(|t| t.date());
    if work && shown_on.is_some_and(|d| d > day) {
        return Err(invalid(
            "Ce travail serait affiché après le jour où il est à faire : choisissez une publication plus tôt.",
        ));
    }
    if work && visible_at > asked && shown_on == Some(day) && !draft.confirmed {
        return Ok(Saved::Warn(format!(
            "Ce travail est à faire pour le {} mais, à cause du droit à la déconnexion, élèves et \
             parents ne le verront que {} : le matin même. Pensez à le noter aussi en classe. \
             Enregistrer quand même ?",
            day.format("%d/%m/%Y"),
            quiet.label(visible_at, now)
        )));
    }
    let bytes: i64 = draft.uploads.iter().map(|u| u.bytes.len() as i64).sum();
    let day_text = day.format("%Y-%m-%d").to_string();
    let mut tx = state.db.begin_write().await?;
    super::files::check_quota(&mut tx, state, viewer.id(), false, bytes).await?;
    let id = store::insert(
        &mut tx,
        &NewEntry {
            class_id: &target.class.id,
            author_id: viewer.id(),
            kind: if work { "travail" } else { "seance" },
            subject_code: subject,
            day: &day_text,
            title,
            body: &body,
            links: &links,
            minutes: if work { minutes } else { 0 },
            hand_in: work && draft.hand_in,
            visible_at,
            notified: visible_at <= now,
        },
        now,
    )
    .await?;
    super::files::ENTRY
        .attach(&mut tx, &id, &draft.uploads, now)
        .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "homework.written",
        &id,
        &format!("« {title} » pour {} le {day_text}", target.class.name),
    )
    .await?;
    tx.commit().await?;
    if visible_at <= now && work {
        super::publish::tell(state, &id, &target.class.id).await?;
    }
    Ok(Saved::Done(id, visible_at))
}
