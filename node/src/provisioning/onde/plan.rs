//! Reading the three files and checking them against each other, before anything is written.
//!
//! Errors stop the import (every one is reported, capped per file). What a person must
//! decide rather than the file (which of two namesake pupils a guardian row means) is not an
//! error: the rest is imported and the question is asked in the UI (see `questions.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::domain::{ClassLevel, normalize_name};

use super::import::ImportInput;
use super::read::{self, GuardianRow, PupilRow, ReadError, TeacherRow};

/// Match key of a pupil within the school: names and birth date.
pub(crate) fn pupil_key(last: &str, first: &str, birth: NaiveDate) -> String {
    format!("{}|{}|{birth}", normalize_name(last), normalize_name(first))
}

/// Names only, the key of teachers and the first half of a guardian's key.
pub(crate) fn name_key(last: &str, first: &str) -> String {
    format!("{}|{}", normalize_name(last), normalize_name(first))
}

/// A child named on a guardian row whom several pupils could be.
#[derive(Debug, Clone)]
pub(super) struct Ambiguity {
    /// The child as written (names and class, normalised): remembers the answer.
    pub key: String,
    /// The child as written, for people ("Léa Martin (CE2 A)").
    pub label: String,
    /// Indexes of the pupils it could be, in `Plan::pupils`.
    pub candidates: Vec<usize>,
}

/// A guardian row with its children resolved to pupils where the files allow it.
#[derive(Debug, Clone)]
pub(super) struct PlannedGuardian {
    pub row: GuardianRow,
    /// Indexes of the pupils named without doubt.
    pub children: Vec<usize>,
    /// Children a teacher or the director must choose.
    pub ambiguous: Vec<Ambiguity>,
}

/// A teacher row with the classes it names, matched against the pupils' classes.
#[derive(Debug, Clone)]
pub(super) struct PlannedTeacher {
    pub row: TeacherRow,
    pub classes: Vec<String>,
}

/// Rows read and cross-checked, ready to apply.
pub(super) struct Plan {
    pub pupils: Vec<PupilRow>,
    pub guardians: Vec<PlannedGuardian>,
    pub teachers: Option<Vec<PlannedTeacher>>,
    pub classes: BTreeMap<String, BTreeSet<ClassLevel>>,
    /// What was imported anyway but needs a person (reported, never blocking).
    pub warnings: Vec<ReadError>,
}

fn error(file: &str, line: usize, column: &str, message: String) -> ReadError {
    ReadError {
        file: file.to_owned(),
        line,
        column: Some(column.to_owned()),
        message,
    }
}

/// Youngest and oldest plausible pupils: a "toute petite section" starts at 2, and a few
/// pupils of an ULIS or a SEGPA are past 18; outside, the date is surely a typing error.
const PUPIL_AGE_MIN: i32 = 1;
const PUPIL_AGE_MAX: i32 = 25;

fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The classes a teacher's "Classe" cell names. A double-level class is written
/// "CE2/CM1" in ONDE, so the cell is first matched whole, then each `,` part whole, and only
/// then split on `/` ("CM1 A/CM2 B": two classes). Returns (classes, unknown names).
pub(super) fn teacher_classes(
    text: &str,
    known: &HashMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let (mut found, mut unknown) = (Vec::new(), Vec::new());
    let push = |name: &String, found: &mut Vec<String>| {
        if !found.contains(name) {
            found.push(name.clone());
        }
    };
    if let Some(name) = known.get(&normalize_name(text)) {
        push(name, &mut found);
        return (found, unknown);
    }
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(name) = known.get(&normalize_name(part)) {
            push(name, &mut found);
            continue;
        }
        for piece in part.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            match known.get(&normalize_name(piece)) {
                Some(name) => push(name, &mut found),
                None => unknown.push(piece.to_owned()),
            }
        }
    }
    (found, unknown)
}

/// Reads the three files and checks them against each other; collects every error.
pub(super) fn plan(input: &ImportInput<'_>) -> Result<Plan, Vec<ReadError>> {
    let mut errors = Vec::new();
    let pupils = read::read_pupils(input.pupils.name, input.pupils.bytes)
        .map_err(|e| errors.extend(e))
        .ok();
    let guardians = read::read_guardians(input.guardians.name, input.guardians.bytes)
        .map_err(|e| errors.extend(e))
        .ok();
    let teachers = input.teachers.map(|f| {
        read::read_teachers(f.name, f.bytes)
            .map_err(|e| errors.extend(e))
            .ok()
    });
    let (Some(pupils), Some(guardians)) = (pupils, guardians) else {
        return Err(errors);
    };
    let teachers = match teachers {
        Some(None) => return Err(errors),
        Some(Some(t)) => Some(t),
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }

    let today = chrono::DateTime::from_timestamp(input.now, 0)
        .unwrap_or_default()
        .date_naive();
    let mut classes: BTreeMap<String, BTreeSet<ClassLevel>> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, pupil) in pupils.iter().enumerate() {
        classes
            .entry(pupil.class_name.clone())
            .or_default()
            .insert(pupil.level);
        let age = age_on(pupil.birth_date, today);
        if !(PUPIL_AGE_MIN..=PUPIL_AGE_MAX).contains(&age) {
            errors.push(error(
                input.pupils.name,
                pupil.line,
                "Date naissance",
                format!(
                    "date de naissance peu plausible « {} » : l'élève aurait {age} an(s) \
                     (entre {PUPIL_AGE_MIN} et {PUPIL_AGE_MAX} ans attendu)",
                    pupil.birth_date.format("%d/%m/%Y")
                ),
            ));
        }
        let key = pupil_key(&pupil.last_name, &pupil.first_name, pupil.birth_date);
        if let Some(first_line) = seen.insert(key, pupil.line) {
            errors.push(error(
                input.pupils.name,
                pupil.line,
                "Prénom Elève",
                format!("élève en double : mêmes nom, prénom et date de naissance qu'à la ligne {first_line}"),
            ));
        }
        by_name
            .entry(name_key(&pupil.last_name, &pupil.first_name))
            .or_default()
            .push(index);
        if let Some(usage) = &pupil.usage_name {
            by_name
                .entry(name_key(usage, &pupil.first_name))
                .or_default()
                .push(index);
        }
    }

    let mut warnings = Vec::new();
    let mut planned = Vec::with_capacity(guardians.len());
    for guardian in guardians {
        let (mut children, mut ambiguous) = (Vec::new(), Vec::new());
        for child in &guardian.children {
            let mut candidates: Vec<usize> = by_name
                .get(&name_key(&child.last_name, &child.first_name))
                .into_iter()
                .chain(
                    child
                        .usage_name
                        .as_ref()
                        .and_then(|u| by_name.get(&name_key(u, &child.first_name))),
                )
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            if candidates.len() > 1
                && let Some(class) = &child.class_name
            {
                candidates
                    .retain(|&i| normalize_name(&pupils[i].class_name) == normalize_name(class));
            }
            match candidates.as_slice() {
                [one] => children.push(*one),
                [] => errors.push(error(
                    input.guardians.name,
                    guardian.line,
                    "Prénom enfant",
                    format!(
                        "enfant « {} {} » absent du fichier des élèves",
                        child.first_name, child.last_name
                    ),
                )),
                _ => {
                    let class = child.class_name.as_deref().unwrap_or_default();
                    let label = if class.is_empty() {
                        format!("{} {}", child.first_name, child.last_name)
                    } else {
                        format!("{} {} ({class})", child.first_name, child.last_name)
                    };
                    warnings.push(error(
                        input.guardians.name,
                        guardian.line,
                        "Prénom enfant",
                        format!(
                            "{} élèves s'appellent « {label} » : le lien avec {} {} sera à \
                             confirmer par l'enseignant ou la direction, sur la page de la classe \
                             (le reste est importé)",
                            candidates.len(),
                            guardian.first_name,
                            guardian.last_name
                        ),
                    ));
                    ambiguous.push(Ambiguity {
                        key: format!(
                            "{}|{}",
                            name_key(&child.last_name, &child.first_name),
                            normalize_name(class)
                        ),
                        label,
                        candidates,
                    });
                }
            }
        }
        planned.push(PlannedGuardian {
            row: guardian,
            children,
            ambiguous,
        });
    }

    let known: HashMap<String, String> = classes
        .keys()
        .map(|name| (normalize_name(name), name.clone()))
        .collect();
    let teachers = match (teachers, input.teachers) {
        (Some(teachers), Some(file)) => Some(
            teachers
                .into_iter()
                .map(|row| {
                    let (classes, unknown) = teacher_classes(&row.classes_text, &known);
                    for class in unknown {
                        errors.push(error(
                            file.name,
                            row.line,
                            "Classe",
                            format!("classe « {class} » absente du fichier des élèves"),
                        ));
                    }
                    PlannedTeacher { row, classes }
                })
                .collect(),
        ),
        _ => None,
    };
    if errors.is_empty() {
        Ok(Plan {
            pupils,
            guardians: planned,
            teachers,
            classes,
            warnings,
        })
    } else {
        Err(read::cap_errors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_level_class_keeps_its_slash() {
        let known: HashMap<String, String> = ["CE2/CM1", "CM2 A", "CM1 A", "CM2 B"]
            .iter()
            .map(|n| (normalize_name(n), (*n).to_owned()))
            .collect();
        assert_eq!(teacher_classes("CE2/CM1", &known).0, ["CE2/CM1"]);
        assert_eq!(
            teacher_classes("CE2/CM1, CM2 A", &known).0,
            ["CE2/CM1", "CM2 A"]
        );
        assert_eq!(teacher_classes("CM1 A/CM2 B", &known).0, ["CM1 A", "CM2 B"]);
        assert_eq!(
            teacher_classes("CE2/CM2", &known).1,
            ["CE2".to_owned(), "CM2".to_owned()]
        );
    }

    #[test]
    fn ages_count_birthdays() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_on(day(2019, 9, 2), day(2026, 9, 1)), 6);
        assert_eq!(age_on(day(2019, 9, 1), day(2026, 9, 1)), 7);
    }
}
