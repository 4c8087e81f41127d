//! What PersEducNat brings: one account per person, a profile per hosted structure from
//! functions and categories (aaf.md §9), classes and groups taught with subjects, the classes
//! one is professeur principal of, and functions kept.

use std::collections::{HashMap, HashSet};

use crate::domain::{Profile, normalize_name};
use crate::provisioning::onde::plan::name_key;

use super::super::{Operation, Record, Staff};
use super::accounts::person;
use super::apply::{Apply, CLASS, GROUP, STAFF};
use super::people::{NAME_ATTRIBUTES, delete, error};

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

pub(super) async fn staff(
    apply: &mut Apply<'_>,
    record: &Record<Staff>,
) -> Result<(), sqlx::Error> {
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
