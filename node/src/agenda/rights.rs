//! Which agendas a viewer may write in, with the facts the policy needs (`policy::WriteEvent`):
//! the agendas offered in the new-event form, and whether an existing event may be changed.
//! A target typed in a forged form goes through the same question.

use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, EventTarget};
use crate::state::AppState;

use super::model::{Event, Scope};

/// The French refusal of a write in an agenda one does not run.
pub const REFUSED: &str = "Vous ne pouvez pas écrire dans cet agenda : seuls ceux qui le tiennent le peuvent (la direction pour l'école, les enseignants pour leurs classes et groupes).";

/// An agenda one may write in.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its kind.
    pub scope: Scope,
    /// The school, class, group or person.
    pub id: String,
    /// Its school.
    pub school_id: Option<String>,
    /// "Classe CM2 A".
    pub label: String,
}

impl Target {
    /// `classe:ID` as the form sends it (`personnel` for one's own).
    pub fn code(&self) -> String {
        match self.scope {
            Scope::Personal => "personnel".into(),
            scope => format!("{}:{}", scope.code(), self.id),
        }
    }
}

/// The agenda `code` names, if the viewer may write in it; a refusal otherwise.
pub async fn resolve(state: &AppState, viewer: &Viewer, code: &str) -> AppResult<Target> {
    let (scope, id) = match code.split_once(':') {
        _ if code == "personnel" => (Scope::Personal, viewer.id()),
        Some((scope, id)) => (
            Scope::parse(scope).ok_or_else(|| AppError::Invalid("Agenda inconnu.".into()))?,
            id,
        ),
        None => return Err(AppError::Invalid("Choisissez un agenda.".into())),
    };
    let target = check(state, viewer, scope, id).await?;
    target.ok_or_else(|| AppError::Refused(REFUSED.into()))
}

/// The target if it exists and the viewer may write in it.
async fn check(
    state: &AppState,
    viewer: &Viewer,
    scope: Scope,
    id: &str,
) -> AppResult<Option<Target>> {
    let (school_id, label, allowed) = match scope {
        Scope::Personal => (None, "Mon agenda".to_owned(), id == viewer.id()),
        Scope::School => {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
                .bind(id)
                .fetch_optional(state.db.pool())
                .await?;
            let Some(name) = name else { return Ok(None) };
            let allowed = policy::allows(
                viewer,
                Action::WriteEvent(EventTarget::School { school_id: id }),
            );
            (Some(id.to_owned()), name, allowed)
        }
        Scope::Class => {
            let Some(class) = crate::classes::store::by_id(&state.db, id).await? else {
                return Ok(None);
            };
            let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
            let allowed = policy::allows(viewer, Action::WriteEvent(EventTarget::Class(&facts)));
            (
                Some(class.school_id.clone()),
                format!("Classe {}", class.name),
                allowed,
            )
        }
        Scope::Group => {
            let Some(group) = crate::groups::store::by_id(&state.db, id).await? else {
                return Ok(None);
            };
            let member = crate::groups::store::is_member(&state.db, id, viewer.id()).await?;
            let allowed = policy::allows(
                viewer,
                Action::WriteEvent(EventTarget::Group {
                    school_id: &group.school_id,
                    viewer_is_member: member,
                }),
            );
            (
                Some(group.school_id.clone()),
                format!("Groupe {}", group.name),
                allowed,
            )
        }
    };
    Ok(allowed.then(|| Target {
        scope,
        id: id.to_owned(),
        school_id,
        label,
    }))
}

/// Every agenda the viewer may write in: their own, then their schools', classes', groups'.
pub async fn offered(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Target>> {
    let mut candidates = vec![(Scope::Personal, viewer.id().to_owned())];
    let year = crate::domain::SchoolYear::containing(state.clock.today()).0;
    for m in &viewer.memberships {
        candidates.push((Scope::School, m.school_id.clone()));
        for class in crate::classes::store::of_school(&state.db, &m.school_id, year).await? {
            candidates.push((Scope::Class, class.id));
        }
    }
    let groups: Vec<String> =
        sqlx::query_scalar("SELECT group_id FROM group_members WHERE user_id = $1")
            .bind(viewer.id())
            .fetch_all(state.db.pool())
            .await?;
    candidates.extend(groups.into_iter().map(|g| (Scope::Group, g)));
    let mut offered = Vec::new();
    for (scope, id) in candidates {
        if let Some(target) = check(state, viewer, scope, &id).await? {
            offered.push(target);
        }
    }
    Ok(offered)
}

/// Whether the viewer may change or delete `event`.
pub async fn may_change(state: &AppState, viewer: &Viewer, event: &Event) -> AppResult<bool> {
    Ok(check(state, viewer, event.scope, &event.target_id)
        .await?
        .is_some())
}

/// The classes whose agenda the viewer may export (`ViewClass`): `(id, name)`.
pub async fn exportable_classes(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<Vec<(String, String)>> {
    let agendas = super::service::agendas_of(state, viewer).await?;
    let mut found = Vec::new();
    for (id, name) in agendas {
        if let Some(class) = crate::classes::store::by_id(&state.db, &id).await? {
            let facts = crate::classes::store::facts(&state.db, &class, viewer).await?;
            if policy::allows(viewer, Action::ViewClass(&facts)) {
                found.push((id, name));
            }
        }
    }
    Ok(found)
}
