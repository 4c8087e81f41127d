//! What each person file brings: pupils with their classes and groups, legal guardians with
//! their children, staff with profiles, classes, subjects and functions.

use std::collections::{HashMap, HashSet};

use crate::domain::{Profile, normalize_name};
use crate::provisioning::onde::plan::{name_key, pupil_key};
use crate::provisioning::onde::read::ReadError;

use super::super::{Authority, Operation, Pupil, Record, Relation, Staff};
use super::accounts::person;
use super::apply::{Apply, CLASS, GROUP, PUPIL, RELATION, STAFF};
use super::plan::{Plan, pupil_structure};

/// Attribute names that restate a pupil's links (2D and 1D).
const LINK_ATTRIBUTES: &[&str] = &["ENTElevePersRelEleve", "ENTEleveAutoriteParentale"];
/// Attribute names that restate names and details.
const NAME_ATTRIBUTES: &[&str] = &[
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

fn error<T>(record: &Record<T>, message: String) -> ReadError {
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
        staff(apply, record).await?;
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

/// The profile a staff member has in one structure (aaf.md §9): direction from functions or
/// `ENTEnsFonctionDir`; an inspector by function; a teacher by category, presence before
/// pupils, teaching functions or services; anyone else is personnel.
fn staff_profile(staff: &Staff, structure: &str) -> Profile {
    let functions: Vec<_> = staff
        .functions
        .iter()
        .filter(|f| f.structure == structure)
        .collect();
    let label = |f: &&super::super::Function| {
        normalize_name(&format!(
            "{} {}",
            f.label,
            f.discipline_label.as_deref().unwrap_or_default()
        ))
    };
    let directs = staff.directs.iter().any(|s| s == structure)
        || functions
            .iter()
            .any(|f| f.code == "DIR" || label(f).starts_with("direction"));
    if directs {
        return Profile::Director;
    }
    if functions
        .iter()
        .any(|f| matches!(f.code.as_str(), "INS" | "IEN") || label(f).contains("inspect"))
    {
        return Profile::Inspector;
    }
    let services =
        (staff.classes.iter().chain(&staff.groups)).any(|s| s.group.structure == structure);
    let teaches = match staff.teacher_category {
        Some(category) => category,
        None => {
            staff.teaches == Some(true)
                || services
                || functions
                    .iter()
                    .any(|f| matches!(f.code.as_str(), "ENS" | "DOC"))
        }
    };
    if teaches {
        Profile::Teacher
    } else {
        Profile::Staff
    }
}

async fn staff(apply: &mut Apply<'_>, record: &Record<Staff>) -> Result<(), sqlx::Error> {
    if record.operation == Operation::Delete {
        return delete(apply, record, STAFF).await;
    }
    let data = &record.data;
    let add = record.operation == Operation::Add;
    let known_user = apply.known.ids.get(&record.id).map(|(id, _)| id.clone());
    if !add && known_user.is_none() {
        if data.all_structures().is_empty() {
            apply.report.ignored.staff += 1;
        } else {
            apply.errors.push(error(
                record,
                "modification d'un personnel jamais importé sur ce nœud".to_owned(),
            ));
        }
        return Ok(());
    }
    let structures: Vec<String> = (data.all_structures().into_iter())
        .filter(|s| apply.schools.contains_key(*s))
        .map(str::to_owned)
        .collect();
    let wanted = (add || record.mentions(NAME_ATTRIBUTES)).then(|| {
        person(
            &data.first_name,
            &data.last_name,
            data.birth_name.as_deref(),
            data.birth_date.map(|d| d.to_string()),
            data.email.clone(),
            data.civility.clone(),
        )
    });
    let onde = match (&known_user, &wanted) {
        (None, Some(p)) => structures.iter().find_map(|s| {
            let school = apply.schools.get(s)?;
            let key = name_key(&p.last_name, &p.first_name);
            apply
                .known
                .onde_keys
                .get(&(school.clone(), "teacher".to_owned(), key))
                .cloned()
        }),
        _ => None,
    };
    let (id, created, mut changed) = apply.account(&record.id, STAFF, wanted, onde).await?;
    // A modification restating no structure leaves memberships as they are.
    let restated = add || !structures.is_empty();
    let mut teacher = false;
    for structure in &structures {
        let school = apply.schools[structure].clone();
        let profile = staff_profile(data, structure);
        teacher |= matches!(profile, Profile::Teacher | Profile::Director);
        changed |= apply.member(&id, &school, profile).await? && !created;
        let functions: HashSet<[String; 3]> = (data.functions.iter())
            .filter(|f| &f.structure == structure && f.code != "-")
            .map(|f| {
                [
                    f.code.clone(),
                    f.label.clone(),
                    f.discipline_label.clone().unwrap_or_default(),
                ]
            })
            .collect();
        changed |= apply.functions(&id, &school, functions).await? && !created;
    }
    if !restated {
        teacher = (apply.known.memberships.get(&id).into_iter().flatten())
            .any(|(_, p)| p == "teacher" || p == "director");
        apply.seen.entry(id.clone()).or_default().extend(
            (apply.known.memberships.get(&id).into_iter().flatten()).map(|(s, _)| s.clone()),
        );
    }
    let services_named = add
        || record.mentions(&[
            "ENTAuxEnsClassesMatieres",
            "ENTAuxEnsGroupesMatieres",
            "ENTAuxEnsClasses",
            "ENTAuxEnsGroupes",
            "ENTAuxEnsClassesPrincipal",
        ]);
    if services_named {
        let class_of = |apply: &Apply<'_>, g: &super::super::GroupRef| {
            let school = apply.schools.get(&g.structure)?;
            apply
                .class_ids
                .get(&(school.clone(), g.code.clone()))
                .cloned()
        };
        let mut places: HashMap<String, bool> = HashMap::new();
        let mut taught: HashSet<(String, String)> = HashSet::new();
        for service in data.classes.iter().chain(&data.groups) {
            if let Some(class) = class_of(apply, &service.group) {
                places.insert(class.clone(), false);
                let subject = service.subject.clone().unwrap_or_default();
                if !subject.is_empty() && !apply.known.subjects.contains_key(&subject) {
                    apply.report.warnings.push(error(
                        record,
                        format!("matière {subject} absente du fichier MatiereEducNat (gardée telle quelle)"),
                    ));
                }
                taught.insert((class, subject));
            }
        }
        for group in &data.head_of {
            if let Some(class) = class_of(apply, group) {
                places.insert(class, true);
            }
        }
        changed |= apply.place(&id, "teacher", &[CLASS, GROUP], places).await? && !created;
        changed |= apply.teach(&id, taught).await? && !created;
    }
    let counts = if teacher {
        &mut apply.report.teachers
    } else {
        &mut apply.report.staff
    };
    counts.count(created, changed);
    Ok(())
}

/// A Delta's deletion: the person leaves the hosted schools (deactivated when they belong
/// to no other school of the node).
async fn delete<T>(
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

#[cfg(test)]
mod tests {
    use super::super::super::{Function, GroupRef, Service};
    use super::*;

    fn function(code: &str, label: &str, discipline: &str) -> Function {
        Function {
            structure: "6027".to_owned(),
            code: code.to_owned(),
            label: label.to_owned(),
            discipline_code: None,
            discipline_label: Some(discipline.to_owned()),
        }
    }

    fn with(functions: Vec<Function>) -> Staff {
        Staff {
            functions,
            ..Staff::default()
        }
    }

    #[test]
    fn profiles_follow_functions_categories_and_services() {
        let profile = |staff: &Staff| staff_profile(staff, "6027");
        let head = with(vec![function(
            "DIR",
            "DIRECTION",
            "DIRECTION CHEF D'ETABLISSEMENT",
        )]);
        assert_eq!(profile(&head), Profile::Director);
        let one_d = Staff {
            directs: vec!["6027".to_owned()],
            ..Staff::default()
        };
        assert_eq!(profile(&one_d), Profile::Director);
        let cpe = with(vec![function("EDU", "EDUCATION", "EDUCATION  (CE ,CPE)")]);
        assert_eq!(profile(&cpe), Profile::Staff);
        let aed = with(vec![function("AED", "ASSISTANT D'EDUCATION", "SANS OBJET")]);
        assert_eq!(profile(&aed), Profile::Staff);
        let secretary = with(vec![function(
            "ADF",
            "PERSONNELS ADMINISTRATIFS",
            "GESTION",
        )]);
        assert_eq!(profile(&secretary), Profile::Staff);
        let librarian = with(vec![function("DOC", "DOCUMENTATION", "DOCUMENTATION")]);
        assert_eq!(
            profile(&librarian),
            Profile::Teacher,
            "professeur documentaliste"
        );
        let inspector = with(vec![function("INS", "INSPECTION", "IEN")]);
        assert_eq!(profile(&inspector), Profile::Inspector);
        let english = with(vec![function("ENS", "ENSEIGNEMENT", "ANGLAIS")]);
        assert_eq!(profile(&english), Profile::Teacher);
        let not_a_teacher = Staff {
            teacher_category: Some(false),
            ..with(vec![function("ENS", "ENSEIGNEMENT", "ANGLAIS")])
        };
        assert_eq!(
            profile(&not_a_teacher),
            Profile::Staff,
            "the category decides"
        );
        let services = Staff {
            classes: vec![Service {
                group: GroupRef {
                    structure: "6027".to_owned(),
                    code: "6EME1".to_owned(),
                    label: None,
                },
                subject: None,
            }],
            ..Staff::default()
        };
        assert_eq!(profile(&services), Profile::Teacher);
        assert_eq!(
            staff_profile(&services, "9999"),
            Profile::Staff,
            "per structure"
        );
    }
}
