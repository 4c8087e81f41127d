//! The rules of the cahier de liaison: who writes a mot to which pupils' families, the quiet
//! hours, what the viewer is to a mot, reminders, notifications.

use crate::accounts::Viewer;
use crate::classes::ClassRow;
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::notifications::{Event, notify};
use crate::policy::publishing::MotFacts;
use crate::policy::{self, Action};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;

use super::store::{self, Due, Mot, NewMot, PupilStatus, Signature};

/// Longest title.
pub const MAX_TITLE: usize = 150;
/// Longest text.
pub const MAX_BODY: usize = 5_000;

/// The classes of this school year the viewer writes mots in.
pub async fn writable_classes(state: &AppState, viewer: &Viewer) -> AppResult<Vec<ClassRow>> {
    let mut out = Vec::new();
    for (class, facts) in reachable_classes(state, viewer).await? {
        if policy::allows(viewer, Action::WriteMots(&facts)) {
            out.push(class);
        }
    }
    Ok(out)
}

/// The classes of this school year whose absences the viewer sees (`Action::SeeAbsences`).
pub async fn absence_classes(state: &AppState, viewer: &Viewer) -> AppResult<Vec<ClassRow>> {
    let mut out = Vec::new();
    // Parents and pupils open the agenda most: spare them the classes' facts (who writes no
    // mot anywhere sees no class's absences, the policy's same rule).
    if !crate::policy::publishing::writes_some_mots(viewer) {
        return Ok(out);
    }
    for (class, facts) in reachable_classes(state, viewer).await? {
        if policy::allows(viewer, Action::SeeAbsences(&facts)) {
            out.push(class);
        }
    }
    Ok(out)
}

/// The viewer's classes and those of their schools this school year, each once, with what
/// the viewer is to it.
async fn reachable_classes(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<Vec<(ClassRow, crate::policy::ClassFacts)>> {
    let year = SchoolYear::containing(state.clock.today()).0;
    let mut classes = crate::classes::store::of_member(&state.db, viewer.id(), year).await?;
    for m in &viewer.memberships {
        classes.extend(crate::classes::store::of_school(&state.db, &m.school_id, year).await?);
    }
    let mut out: Vec<(ClassRow, crate::policy::ClassFacts)> = Vec::new();
    for class in classes {
        if out.iter().any(|(c, _)| c.id == class.id) {
            continue;
        }
        let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
        out.push((class, facts));
    }
    Ok(out)
}

/// A mot as its author sent it.
#[derive(Debug)]
pub struct Written {
    /// The class.
    pub class_id: String,
    /// Chosen pupils (empty: the whole class).
    pub pupils: Vec<String>,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// How it is signed (the form's value).
    pub signature: String,
}

/// Writes a mot: 403 when the class or a pupil is out of the author's reach, 422 for a wrong
/// text; nothing is written then. Returns its id and its delivery time.
pub async fn write(state: &AppState, viewer: &Viewer, w: Written) -> AppResult<(String, i64)> {
    let class = crate::classes::store::by_id(&state.db, &w.class_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
    if !policy::allows(viewer, Action::WriteMots(&facts)) {
        return Err(AppError::Refused(
            "Vous ne pouvez pas écrire dans le carnet de cette classe : seuls son enseignant \
             et la direction le peuvent. Rien n'a été envoyé."
                .into(),
        ));
    }
    let members = crate::classes::store::members(&state.db, &class.id, "pupil").await?;
    let mut pupils: Vec<String> = Vec::new();
    for id in w.pupils.iter().filter(|p| !p.is_empty()) {
        if !members.iter().any(|m| &m.id == id) {
            return Err(AppError::Refused(
                "Un élève choisi n'est pas dans cette classe. Rien n'a été envoyé.".into(),
            ));
        }
        if !pupils.contains(id) {
            pupils.push(id.clone());
        }
    }
    if pupils.is_empty() {
        pupils = members.iter().map(|m| m.id.clone()).collect();
    }
    let signature = Signature::parse(&w.signature)
        .ok_or_else(|| AppError::Invalid("Choisissez si le mot est à signer.".into()))?;
    let title = w.title.trim();
    let body = w.body.trim().replace("\r\n", "\n");
    if title.is_empty() || body.is_empty() {
        return Err(AppError::Invalid(
            "Le mot a besoin d'un titre et d'un texte.".into(),
        ));
    }
    if title.chars().count() > MAX_TITLE || body.chars().count() > MAX_BODY {
        return Err(AppError::Invalid(format!(
            "Le mot est trop long (titre : {MAX_TITLE} caractères, texte : {MAX_BODY})."
        )));
    }
    if crate::domain::refuse_control_chars(title, "Le titre").is_err() {
        return Err(AppError::Invalid(
            "Le titre contient un caractère invisible : retapez-le sans copier-coller.".into(),
        ));
    }
    if pupils.is_empty() {
        return Err(AppError::Invalid(
            "Cette classe n'a pas encore d'élève.".into(),
        ));
    }
    let now = state.clock.now();
    // Droit à la déconnexion: a mot is for families, delivered at the end of the quiet hours.
    let visible_at = QuietHours::of(&state.config.quiet_hours).end_of_quiet(now);
    let mut tx = state.db.begin_write().await?;
    let id = store::insert(
        &mut tx,
        &NewMot {
            author_id: viewer.id(),
            school_id: &class.school_id,
            class_id: &class.id,
            title,
            body: &body,
            signature,
            visible_at,
            pupils: &pupils,
        },
        now,
    )
    .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "liaison.mot_sent",
        &id,
        &format!("« {title} », {} élève(s) de {}", pupils.len(), class.name),
    )
    .await?;
    tx.commit().await?;
    if visible_at <= now {
        tell(state, &id).await?;
    }
    Ok((id, visible_at))
}

/// What the viewer is to a mot (the rights it gives are `policy::Action::FollowMot`,
/// `ReadMot`, `SignMot`).
pub async fn facts(state: &AppState, viewer: &Viewer, mot: &Mot) -> AppResult<MotFacts> {
    let class = match crate::classes::store::by_id(&state.db, &mot.class_id).await? {
        Some(class) => crate::classes::store::facts(&state.db, &class, viewer).await?,
        None => crate::policy::ClassFacts::default(),
    };
    let guardian: Option<String> = sqlx::query_scalar(
        "SELECT p.pupil_id FROM liaison_pupils p JOIN guardianships g ON g.child_id = p.pupil_id \
         WHERE p.mot_id = $1 AND g.parent_id = $2",
    )
    .bind(&mot.id)
    .bind(viewer.id())
    .fetch_optional(state.db.pool())
    .await?;
    let pupil: Option<String> = sqlx::query_scalar(
        "SELECT pupil_id FROM liaison_pupils WHERE mot_id = $1 AND pupil_id = $2",
    )
    .bind(&mot.id)
    .bind(viewer.id())
    .fetch_optional(state.db.pool())
    .await?;
    Ok(MotFacts {
        class,
        viewer_is_author: mot.author_id == viewer.id(),
        delivered: mot.visible_at <= state.clock.now(),
        guardian: guardian.is_some(),
        pupil: pupil.is_some(),
        asks_signature: mot.signature != Signature::None,
    })
}

/// A mot the viewer may read, with the facts; else 404 (its existence is not told).
pub async fn readable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(Mot, MotFacts)> {
    let mot = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let facts = facts(state, viewer, &mot).await?;
    if !policy::allows(viewer, Action::ReadMot(&facts)) {
        return Err(AppError::NotFound);
    }
    Ok((mot, facts))
}

/// Tells the families of a delivered mot: parents (to sign, or to read) and pupils.
async fn tell(state: &AppState, id: &str) -> AppResult<()> {
    let Some(mot) = store::get(&state.db, id).await? else {
        return Ok(());
    };
    let statuses = store::statuses(&state.db, id).await?;
    let parents: Vec<String> = dedup(
        statuses
            .iter()
            .flat_map(|s| s.guardians.iter().map(|g| g.id.clone())),
    );
    let pupils: Vec<String> = statuses.iter().map(|s| s.pupil_id.clone()).collect();
    if mot.signature == Signature::None {
        notify(state, &parents, Event::MotDelivered { mot_id: id }).await;
    } else {
        notify(
            state,
            &parents,
            Event::MotToSign {
                mot_id: id,
                reminder: false,
            },
        )
        .await;
    }
    notify(state, &pupils, Event::MotDelivered { mot_id: id }).await;
    Ok(())
}

fn dedup(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Reminds, in one action, every guardian still to sign; returns how many.
pub async fn remind(
    state: &AppState,
    viewer: &Viewer,
    mot: &Mot,
    statuses: &[PupilStatus],
) -> AppResult<usize> {
    if mot.signature == Signature::None {
        return Err(AppError::Invalid("Ce mot n'est pas à signer.".into()));
    }
    let missing = dedup(
        statuses
            .iter()
            .flat_map(|s| s.missing(mot.signature).into_iter().map(|g| g.id.clone())),
    );
    if missing.is_empty() {
        return Err(AppError::Invalid(
            "Toutes les familles ont signé : personne à relancer.".into(),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    sqlx::query("UPDATE liaison_mots SET reminded_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&mot.id)
        .execute(&mut *tx)
        .await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "liaison.reminded",
        &mot.id,
        &format!("« {} », {} parent(s)", mot.title, missing.len()),
    )
    .await?;
    tx.commit().await?;
    notify(
        state,
        &missing,
        Event::MotToSign {
            mot_id: &mot.id,
            reminder: true,
        },
    )
    .await;
    Ok(missing.len())
}

/// Tells the families of mots, and the school of mots d'absence, whose time came.
pub async fn notify_due(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let mots = store::claim_due(&state.db, Due::Mots, now).await?;
    for id in &mots {
        tell(state, id).await?;
    }
    let absences = store::claim_due(&state.db, Due::Absences, now).await?;
    for id in &absences {
        super::absence::tell(state, id).await?;
    }
    Ok(mots.len() + absences.len())
}
