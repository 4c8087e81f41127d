//! Whom the viewer may write to: the communication rules (`policy::communication`) resolved to
//! people and audiences in the store. The compose page offers exactly these, and a sent form is
//! checked against the same computation, so a recipient never offered is refused (403).

use std::collections::{BTreeMap, HashSet};

use sqlx::Row;

use crate::accounts::Viewer;
use crate::audience::{Audience, AudienceKind};
use crate::domain::{Profile, SchoolKind, SchoolYear};
use crate::error::{AppError, AppResult};
use crate::policy::communication::{self, Reach, Sender};
use crate::state::AppState;

/// What the viewer may write to.
#[derive(Debug, Default)]
pub struct Contacts {
    /// What the viewer is for the rules, per school (`None`: node-wide).
    pub senders: Vec<(Option<String>, Sender)>,
    /// People one may write to: id → display name.
    pub people: BTreeMap<String, String>,
    /// Whole audiences one may address, with their labels.
    pub audiences: Vec<(Audience, String)>,
}

impl Contacts {
    /// Every kind of sender the viewer is.
    pub fn sender_kinds(&self) -> Vec<Sender> {
        self.senders.iter().map(|(_, s)| *s).collect()
    }

    /// Whether `audience` is one the viewer may use.
    pub fn allows(&self, audience: &Audience) -> bool {
        match audience {
            Audience::Person(id) => self.people.contains_key(id),
            other => self.audiences.iter().any(|(a, _)| a == other),
        }
    }
}

/// What a membership makes its holder, for the rules (a collège's staff are its
/// administration, with the direction).
fn sender_of(profile: Profile, kind: Option<SchoolKind>) -> Option<Sender> {
    Some(match profile {
        Profile::Teacher => Sender::Teacher,
        Profile::Director => Sender::Direction,
        Profile::Staff if kind == Some(SchoolKind::College) => Sender::Direction,
        Profile::Staff => Sender::Staff,
        Profile::Pupil => Sender::Pupil,
        Profile::Parent => Sender::Parent,
        Profile::Guest => Sender::Guest,
        Profile::Inspector | Profile::Admin => return None,
    })
}

/// The viewer's contacts now.
pub async fn of(state: &AppState, viewer: &Viewer) -> AppResult<Contacts> {
    let db = &state.db;
    let year = SchoolYear::containing(state.clock.today());
    let mut contacts = Contacts::default();
    for m in &viewer.memberships {
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM schools WHERE id = $1")
            .bind(&m.school_id)
            .fetch_optional(db.pool())
            .await?;
        let kind = kind.and_then(|k| SchoolKind::parse(&k).ok());
        if let Some(sender) = sender_of(m.profile, kind) {
            contacts.senders.push((Some(m.school_id.clone()), sender));
        }
    }
    if viewer.is_operator() {
        contacts.senders.push((None, Sender::Operator));
    }
    // A guest of spaces holds no membership.
    if contacts.senders.is_empty() && !viewer.is_operator() && viewer.memberships.is_empty() {
        contacts.senders.push((None, Sender::Guest));
    }
    let mut ids: HashSet<String> = HashSet::new();
    for (school, sender) in contacts.senders.clone() {
        let school = school.as_deref().unwrap_or_default();
        for reach in communication::reaches(sender) {
            ids.extend(reached(state, viewer.id(), school, *reach, year).await?);
        }
        for kind in [
            AudienceKind::ClassPupils,
            AudienceKind::ClassParents,
            AudienceKind::SchoolStaff,
            AudienceKind::SchoolPupils,
            AudienceKind::SchoolParents,
        ] {
            if communication::may_address(sender, kind) {
                for id in audience_ids(state, viewer.id(), school, sender, kind, year).await? {
                    contacts
                        .audiences
                        .push((Audience::new(kind, &id), String::new()));
                }
            }
        }
    }
    ids.remove(viewer.id());
    let active: HashSet<String> = if ids.is_empty() {
        HashSet::new()
    } else {
        names(state, &ids, &mut contacts.people).await?
    };
    // A group, only when every member is reachable (and it has members).
    for (school, sender) in contacts.senders.clone() {
        if !communication::may_address(sender, AudienceKind::Group) {
            continue;
        }
        let groups = sqlx::query("SELECT id FROM groups WHERE school_id = $1 ORDER BY name")
            .bind(school.as_deref().unwrap_or_default())
            .fetch_all(db.pool())
            .await?;
        for row in groups {
            let group = Audience::Group(row.get(0));
            let members = group.resolve(db, year).await?;
            let others: Vec<&String> = members.iter().filter(|m| *m != viewer.id()).collect();
            if !others.is_empty() && others.iter().all(|m| active.contains(*m)) {
                contacts.audiences.push((group, String::new()));
            }
        }
    }
    contacts.audiences.dedup_by(|a, b| a.0 == b.0);
    for entry in &mut contacts.audiences {
        entry.1 = entry.0.label(db).await?;
    }
    Ok(contacts)
}

/// Fills `people` with the names of the active accounts among `ids`; returns those ids.
async fn names(
    state: &AppState,
    ids: &HashSet<String>,
    people: &mut BTreeMap<String, String>,
) -> AppResult<HashSet<String>> {
    let mut found = HashSet::new();
    let list: Vec<&String> = ids.iter().collect();
    for chunk in list.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, first_name || ' ' || COALESCE(usage_name, last_name) FROM users \
             WHERE active = 1 AND id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(state.db.pool()).await? {
            let id: String = row.get(0);
            people.insert(id.clone(), row.get(1));
            found.insert(id);
        }
    }
    Ok(found)
}

/// The ids of the classes (or the school) an audience kind covers for this sender.
async fn audience_ids(
    state: &AppState,
    viewer: &str,
    school: &str,
    sender: Sender,
    kind: AudienceKind,
    year: SchoolYear,
) -> AppResult<Vec<String>> {
    let year = i64::from(year.0);
    let db = state.db.pool();
    Ok(match kind {
        AudienceKind::SchoolStaff | AudienceKind::SchoolPupils | AudienceKind::SchoolParents => {
            vec![school.to_owned()]
        }
        _ => {
            let sql = match sender {
                Sender::Direction => {
                    "SELECT c.id FROM classes c WHERE c.school_id = $1 AND c.school_year = $2 \
                     AND $3 <> '' ORDER BY c.name"
                }
                Sender::Teacher => {
                    "SELECT c.id FROM classes c JOIN class_members m ON m.class_id = c.id \
                     WHERE c.school_id = $1 AND c.school_year = $2 AND m.user_id = $3 AND m.role = 'teacher' ORDER BY c.name"
                }
                Sender::Pupil if kind == AudienceKind::ClassPupils => {
                    "SELECT c.id FROM classes c JOIN class_members m ON m.class_id = c.id \
                     JOIN class_messaging o ON o.class_id = c.id AND o.pupils_write_classmates = 1 \
                     WHERE c.school_id = $1 AND c.school_year = $2 AND m.user_id = $3 AND m.role = 'pupil' ORDER BY c.name"
                }
                _ => return Ok(Vec::new()),
            };
            sqlx::query_scalar(sql)
                .bind(school)
                .bind(year)
                .bind(viewer)
                .fetch_all(db)
                .await?
        }
    })
}

/// The people one reach of the table means for `viewer` in `school`.
async fn reached(
    state: &AppState,
    viewer: &str,
    school: &str,
    reach: Reach,
    year: SchoolYear,
) -> AppResult<Vec<String>> {
    let by_audience = |kind| Audience::new(kind, school);
    let db = &state.db;
    let my_classes = "SELECT me.class_id FROM class_members me JOIN classes c ON c.id = me.class_id \
                      WHERE me.user_id = $1 AND c.school_id = $2 AND c.school_year = $3";
    let sql = match reach {
        Reach::SchoolStaff => return Ok(by_audience(AudienceKind::SchoolStaff).resolve(db, year).await?),
        Reach::SchoolEveryone => {
            "SELECT user_id FROM memberships WHERE school_id = $2 AND profile <> 'guest' AND $1 <> '' AND $3 > 0"
                .to_owned()
        }
        Reach::PupilsOfMyClasses => format!(
            "SELECT p.user_id FROM class_members p WHERE p.role = 'pupil' AND p.class_id IN \
             ({my_classes} AND me.role = 'teacher')"
        ),
        Reach::ParentsOfMyClasses => format!(
            "SELECT g.parent_id FROM guardianships g JOIN class_members p ON p.user_id = g.child_id \
             WHERE p.role = 'pupil' AND p.class_id IN ({my_classes} AND me.role = 'teacher')"
        ),
        Reach::MyTeachers => format!(
            "SELECT t.user_id FROM class_members t WHERE t.role = 'teacher' AND t.class_id IN \
             ({my_classes} AND me.role = 'pupil')"
        ),
        Reach::ClassmatesIfOpen => format!(
            "SELECT p.user_id FROM class_members p JOIN class_messaging o ON o.class_id = p.class_id \
             AND o.pupils_write_classmates = 1 WHERE p.role = 'pupil' AND p.class_id IN \
             ({my_classes} AND me.role = 'pupil')"
        ),
        Reach::ChildrensTeachers => {
            "SELECT t.user_id FROM guardianships g JOIN class_members p ON p.user_id = g.child_id AND p.role = 'pupil' \
             JOIN classes c ON c.id = p.class_id AND c.school_id = $2 AND c.school_year = $3 \
             JOIN class_members t ON t.class_id = c.id AND t.role = 'teacher' WHERE g.parent_id = $1"
                .to_owned()
        }
        Reach::SchoolDirection => {
            "SELECT m.user_id FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.school_id = $2 \
             AND (m.profile = 'director' OR (m.profile = 'staff' AND s.kind = 'college')) AND $1 <> '' AND $3 > 0"
                .to_owned()
        }
        Reach::MyChildren => {
            "SELECT child_id FROM guardianships WHERE parent_id = $1 AND $2 = $2 AND $3 > 0".to_owned()
        }
        Reach::SpaceOwners => {
            "SELECT o.user_id FROM space_members me JOIN space_members o ON o.space_id = me.space_id \
             AND o.role = 'owner' AND o.state = 'active' AND o.user_id IS NOT NULL \
             WHERE me.user_id = $1 AND me.state = 'active' AND $2 = $2 AND $3 > 0"
                .to_owned()
        }
        Reach::Directors => {
            "SELECT user_id FROM memberships WHERE profile = 'director' AND $1 <> '' AND $2 = $2 AND $3 > 0"
                .to_owned()
        }
        Reach::Operators => {
            "SELECT id FROM users WHERE is_operator = 1 AND $1 <> '' AND $2 = $2 AND $3 > 0".to_owned()
        }
        Reach::WroteToMe => {
            "SELECT DISTINCT m.sender_id FROM mailbox b JOIN messages m ON m.id = b.message_id \
             WHERE b.owner_id = $1 AND b.folder = 'inbox' AND $2 = $2 AND $3 > 0"
                .to_owned()
        }
    };
    Ok(sqlx::query_scalar(&sql)
        .bind(viewer)
        .bind(school)
        .bind(i64::from(year.0))
        .fetch_all(db.pool())
        .await?)
}

/// Checks chosen audience codes against the contacts: unknown codes are a mistake (422), a
/// recipient one may not write to is refused (403) with a clear French message.
pub fn check_chosen(contacts: &Contacts, codes: &[&str]) -> AppResult<Vec<Audience>> {
    let mut chosen = Vec::new();
    for code in codes.iter().filter(|c| !c.trim().is_empty()) {
        let audience = Audience::parse(code)
            .ok_or_else(|| AppError::Invalid("Un destinataire est illisible.".into()))?;
        if !contacts.allows(&audience) {
            return Err(AppError::Refused(
                "Vous ne pouvez pas écrire à ce destinataire : les règles de communication de \
                 l'école ne le permettent pas."
                    .into(),
            ));
        }
        if !chosen.contains(&audience) {
            chosen.push(audience);
        }
    }
    Ok(chosen)
}
