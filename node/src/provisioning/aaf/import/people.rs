//! What pupils and responsables bring: pupils with their classes and groups, legal guardians
//! with their children; then staff (`staff.rs`). Deletions of a Delta for all three.

use std::collections::{HashMap, HashSet};

use crate::domain::Profile;
use crate::provisioning::onde::plan::{name_key, pupil_key};
use crate::provisioning::onde::read::ReadError;

use super::super::{Authority, Operation, Pupil, Record, Relation};
use super::accounts::person;
use super::apply::{Apply, CLASS, GROUP, PUPIL, RELATION};
use super::plan::{Plan, pupil_structure};

/// Attribute names that restate a pupil's links (2D and 1D).
const LINK_ATTRIBUTES: &[&str] = &["ENTElevePersRelEleve", "ENTEleveAutoriteParentale"];
/// Attribute names that restate names and details.
pub(super) const NAME_ATTRIBUTES: &[&str] = &[
    "sn",
    "givenName",
    "ENTPersonNom",
    "ENTPersonPrenom",
    "ENTPersonNomPatro",
    "personalTitle",
    "ENTPersonCivilite",
    "ENTPersonDateNaissance",
    "mail",
    "ENTPersonMail",
];
const CLASS_ATTRIBUTES: &[&str] = &["ENTEleveClasses", "ENTPersonClasses"];
const GROUP_ATTRIBUTES: &[&str] = &["ENTEleveGroupes", "ENTPersonGroupes"];

pub(super) fn error<T>(record: &Record<T>, message: String) -> ReadError {
    ReadError {
        file: record.file.clone(),
        line: record.line,
        column: None,
        message: format!("enregistrement {} : {message}", record.id),
    }
}

/// Applies the three person files in order (guardians need their children's accounts).
pub(super) async fn apply(apply: &mut Apply<'_>, plan: &Plan) -> Result<(), sqlx::Error> {
    let mut links = Links::default();
    for record in &plan.pupils {
        pupil(apply, record, &mut links).await?;
        apply.tick();
    }
    apply.batch.flush(apply.conn).await?;
    relations(apply, &plan.relations, &links).await?;
    for record in &plan.staff {
        super::staff::staff(apply, record).await?;
        apply.tick();
    }
    Ok(())
}

/// What pupils say of their guardians, for the relations step.
#[derive(Default)]
struct Links {
    /// Children whose links the feed states, with their school.
    stated: HashMap<String, String>,
    /// Responsable jointure → children (account ids) whose legal guardian they are.
    legal: HashMap<String, Vec<String>>,
    /// Responsables named without parental authority.
    others: HashSet<String>,
    /// Where each responsable is named first, for errors.
    named_at: HashMap<String, ReadError>,
}

async fn pupil(
    apply: &mut Apply<'_>,
    record: &Record<Pupil>,
    links: &mut Links,
) -> Result<(), sqlx::Error> {
    let data = &record.data;
    if record.operation == Operation::Delete {
        return delete(apply, record, PUPIL).await;
    }
    let known_user = apply.known.ids.get(&record.id).map(|(id, _)| id.clone());
    let structure = pupil_structure(data);
    let school = structure
        .as_ref()
        .and_then(|s| apply.schools.get(s))
        .cloned()
        .or_else(|| {
            // A modification that names no structure: the school the pupil is in.
            let user = known_user.as_ref()?;
            let schools = apply.known.memberships.get(user)?;
            apply
                .schools
                .values()
                .find(|s| schools.contains_key(*s))
                .cloned()
        });
    let Some(school) = school else {
        apply.report.ignored.pupils += 1;
        return Ok(());
    };
    let add = record.operation == Operation::Add;
    if !add && known_user.is_none() {
        apply.errors.push(error(
            record,
            "modification d'un élève jamais importé sur ce nœud".to_owned(),
        ));
        return Ok(());
    }
    let wanted = (add || record.mentions(NAME_ATTRIBUTES)).then(|| {
        person(
            &data.first_name,
            &data.last_name,
            data.birth_name.as_deref(),
            data.birth_date.map(|d| d.to_string()),
            None,
            data.civility.clone(),
        )
    });
    // The first AAF import of a school that ONDE fed: the same pupil is the same account.
    let onde = match (&known_user, &wanted, data.birth_date) {
        (None, Some(p), Some(birth)) => {
            let key = pupil_key(&p.last_name, &p.first_name, birth);
            (apply
                .known
                .onde_keys
                .get(&(school.clone(), PUPIL.to_owned(), key)))
            .cloned()
        }
        _ => None,
    };
    let (id, created, mut changed) = apply.account(&record.id, PUPIL, wanted, onde).await?;
    changed |= apply.member(&id, &school, Profile::Pupil).await? && !created;
    for (attributes, refs, kind) in [
        (CLASS_ATTRIBUTES, &data.classes, CLASS),
        (GROUP_ATTRIBUTES, &data.groups, GROUP),
    ] {
        if add || record.mentions(attributes) {
            let wanted: HashMap<String, bool> = (refs.iter())
                .filter_map(|g| {
                    let school = apply.schools.get(&g.structure)?;
                    apply.class_ids.get(&(school.clone(), g.code.clone()))
                })
                .map(|class| (class.clone(), false))
                .collect();
            changed |= apply.place(&id, PUPIL, &[kind], wanted).await? && !created;
        }
    }
    if add || record.mentions(LINK_ATTRIBUTES) {
        links.stated.insert(id.clone(), school.clone());
        for link in &data.links {
            links
                .named_at
                .entry(link.person.clone())
                .or_insert_with(|| {
                    error(
                        record,
                        format!("lien vers le responsable inconnu {}", link.person),
                    )
                });
            if link.authority == Authority::Legal {
                links
                    .legal
                    .entry(link.person.clone())
                    .or_default()
                    .push(id.clone());
            } else {
                links.others.insert(link.person.clone());
            }
        }
    }
    apply.report.pupils.count(created, changed);
    Ok(())
}

/// Legal guardians become parent accounts, one per person whatever the number of children
/// and schools; contacts and persons in charge get none.
async fn relations(
    apply: &mut Apply<'_>,
    records: &[Record<Relation>],
    links: &Links,
) -> Result<(), sqlx::Error> {
    let mut parents: HashMap<String, (String, bool, bool)> = HashMap::new();
    let in_feed: HashMap<&str, &Record<Relation>> =
        records.iter().map(|r| (r.id.as_str(), r)).collect();
    for record in records {
        if record.operation == Operation::Delete {
            delete(apply, record, RELATION).await?;
            apply.tick();
            continue;
        }
        let children = links.legal.get(&record.id);
        let known = apply.known.ids.get(&record.id).map(|(id, _)| id.clone());
        // Without a child to be the legal guardian of, a responsable gets no account; one the
        // node already has is only updated by a Delta's modification (a Complet that no longer
        // names them as legal guardian makes them depart).
        if children.is_none() && (known.is_none() || record.operation == Operation::Add) {
            if links.others.contains(&record.id) {
                apply.report.without_account += 1;
            } else {
                apply.report.ignored.relations += 1;
            }
            apply.tick();
            continue;
        }
        let data = &record.data;
        let add = record.operation == Operation::Add;
        let wanted = (add || record.mentions(NAME_ATTRIBUTES)).then(|| {
            person(
                &data.first_name,
                &data.last_name,
                data.birth_name.as_deref(),
                None,
                data.email.clone(),
                data.civility.clone(),
            )
        });
        // An ONDE guardian is known by name and child.
        let onde = match (&known, &wanted, children) {
            (None, Some(p), Some(children)) => children.iter().find_map(|child| {
                let school = links.stated.get(child)?;
                let key = format!("{}|{child}", name_key(&p.last_name, &p.first_name));
                apply
                    .known
                    .onde_keys
                    .get(&(school.clone(), "guardian".to_owned(), key))
                    .cloned()
            }),
            _ => None,
        };
        let (id, created, changed) = apply.account(&record.id, RELATION, wanted, onde).await?;
        parents.insert(record.id.clone(), (id, created, changed));
        apply.tick();
    }
    // Guardians named by a pupil of a Delta but absent from its PersRelEleve: the store has them.
    for (jointure, _) in links.legal.iter() {
        if parents.contains_key(jointure) || in_feed.contains_key(jointure.as_str()) {
            continue;
        }
        match apply.known.ids.get(jointure).cloned() {
            Some((id, _)) => {
                parents.insert(jointure.clone(), (id, false, false));
            }
            None => {
                if let Some(error) = links.named_at.get(jointure) {
                    apply.errors.push(error.clone());
                }
            }
        }
    }
    apply.batch.flush(apply.conn).await?;
    // Parent profiles in each child's school, and the links the pupils state.
    let mut wanted_pairs: HashSet<(String, String)> = HashSet::new();
    let mut jointures: Vec<String> = parents.keys().cloned().collect();
    jointures.sort();
    for jointure in jointures {
        let (parent, created, mut changed) = parents[&jointure].clone();
        for child in links.legal.get(&jointure).into_iter().flatten() {
            if let Some(school) = links.stated.get(child) {
                changed |= apply.member(&parent, school, Profile::Parent).await? && !created;
            }
            wanted_pairs.insert((parent.clone(), child.clone()));
        }
        parents.insert(jointure, (parent, created, changed));
    }
    let current: Vec<(String, String)> = (apply.known.guardianships.iter())
        .filter(|(_, child)| links.stated.contains_key(child))
        .cloned()
        .collect();
    let mut touched: HashSet<String> = HashSet::new();
    for (parent, child) in current {
        if !wanted_pairs.contains(&(parent.clone(), child.clone())) {
            sqlx::query("DELETE FROM guardianships WHERE parent_id = $1 AND child_id = $2")
                .bind(&parent)
                .bind(&child)
                .execute(&mut *apply.conn)
                .await?;
            apply.known.guardianships.remove(&(parent.clone(), child));
            touched.insert(parent);
        }
    }
    for (parent, child) in wanted_pairs {
        if apply
            .known
            .guardianships
            .insert((parent.clone(), child.clone()))
        {
            apply.batch.guardianship(&parent, &child);
            touched.insert(parent);
        }
    }
    for (parent, created, changed) in parents.into_values() {
        apply
            .report
            .guardians
            .count(created, changed || touched.contains(&parent) && !created);
    }
    Ok(())
}

/// A Delta's deletion: the person leaves the hosted schools (deactivated when they belong
/// to no other school of the node).
pub(super) async fn delete<T>(
    apply: &mut Apply<'_>,
    record: &Record<T>,
    kind: &str,
) -> Result<(), sqlx::Error> {
    let Some((user, _)) = apply.known.ids.get(&record.id).cloned() else {
        apply.report.unknown_deletions += 1;
        return Ok(());
    };
    apply.depart(&user, kind).await
}
