//! Teachers of the same names are different people: which account each row of the teachers
//! file is.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::import::TEACHER;
use super::plan::{PlannedTeacher, name_key};
use super::snapshot::Snapshot;

/// A way to recognise a namesake's account: (row index, user id) → same person?
type Rule<'r> = &'r dyn Fn(usize, &str) -> bool;

/// The match key of each teacher row. Namesakes are different people: the rows sharing
/// names take the accounts already keyed under them (`name`, `name|2`…) by e-mail first,
/// then by the same classes, then in file order, so that re-importing the same file
/// changes nothing and a namesake's classes never move to the other.
pub(super) fn teacher_keys(
    snapshot: &Snapshot,
    class_ids: &HashMap<String, String>,
    teachers: &[PlannedTeacher],
) -> Vec<String> {
    let mut keys = vec![String::new(); teachers.len()];
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, teacher) in teachers.iter().enumerate() {
        let name = name_key(&teacher.row.last_name, &teacher.row.first_name);
        groups.entry(name).or_default().push(index);
    }
    let key_of = |name: &str, n: usize| {
        if n <= 1 {
            name.to_owned()
        } else {
            format!("{name}|{n}")
        }
    };
    for (name, rows) in groups {
        // Accounts already keyed under these names: (key, user id), in key order.
        let prefix = format!("{name}|");
        let mut existing: Vec<(usize, String, String)> = (snapshot.keys.iter())
            .filter(|((kind, _), _)| kind == TEACHER)
            .filter_map(|((_, key), id)| {
                let n = if *key == name {
                    1
                } else {
                    key.strip_prefix(&prefix)?.parse::<usize>().ok()?
                };
                Some((n, key.clone(), id.clone()))
            })
            .collect();
        existing.sort();
        let existing: Vec<(String, String)> =
            existing.into_iter().map(|(_, key, id)| (key, id)).collect();
        let mut free: Vec<bool> = vec![true; existing.len()];
        let classes_of = |index: usize| -> HashSet<String> {
            (teachers[index].classes.iter())
                .filter_map(|c| class_ids.get(c).cloned())
                .collect()
        };
        let rules: [Rule<'_>; 2] = [
            &|index, id| {
                let email = teachers[index].row.email.as_deref().map(str::to_lowercase);
                email.is_some()
                    && snapshot
                        .people
                        .get(id)
                        .and_then(|p| p.email.as_deref())
                        .map(str::to_lowercase)
                        == email
            },
            &|index, id| {
                let classes = classes_of(index);
                !classes.is_empty()
                    && snapshot
                        .class_members
                        .get(&(id.to_owned(), TEACHER.to_owned()))
                        == Some(&classes)
            },
        ];
        for rule in rules {
            for &index in &rows {
                if !keys[index].is_empty() {
                    continue;
                }
                if let Some(slot) =
                    (0..existing.len()).find(|&slot| free[slot] && rule(index, &existing[slot].1))
                {
                    free[slot] = false;
                    keys[index] = existing[slot].0.clone();
                }
            }
        }
        let mut taken: HashSet<String> = existing.iter().map(|(k, _)| k.clone()).collect();
        for &index in &rows {
            if !keys[index].is_empty() {
                continue;
            }
            if let Some(slot) = (0..existing.len()).find(|&slot| free[slot]) {
                free[slot] = false;
                keys[index] = existing[slot].0.clone();
                continue;
            }
            let key = (1..)
                .map(|n| key_of(&name, n))
                .find(|key| !taken.contains(key))
                .unwrap_or_default();
            taken.insert(key.clone());
            keys[index] = key;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::onde::read::TeacherRow;
    use crate::provisioning::onde::snapshot::Person;

    fn row(line: usize, email: Option<&str>, class: &str) -> PlannedTeacher {
        PlannedTeacher {
            row: TeacherRow {
                line,
                civility: None,
                last_name: "BERNARD".into(),
                usage_name: None,
                first_name: "Marie".into(),
                email: email.map(str::to_owned),
                is_director: false,
                class_names: vec![class.into()],
                classes_text: class.into(),
            },
            classes: vec![class.into()],
        }
    }

    fn person(email: Option<&str>) -> Person {
        Person {
            first_name: "Marie".into(),
            last_name: "BERNARD".into(),
            usage_name: None,
            birth_date: None,
            email: email.map(str::to_owned),
            civility: None,
            active: true,
        }
    }

    /// Two accounts already keyed: u1 (a@, CE1 A) and u2 (b@, CM2).
    fn known() -> (Snapshot, HashMap<String, String>) {
        let mut snapshot = Snapshot::default();
        let name = name_key("BERNARD", "Marie");
        for (key, id, email, class) in [
            (name.clone(), "u1", "a@ac.fr", "c1"),
            (format!("{name}|2"), "u2", "b@ac.fr", "c2"),
        ] {
            snapshot.keys.insert((TEACHER.into(), key), id.to_owned());
            snapshot.people.insert(id.into(), person(Some(email)));
            snapshot.class_members.insert(
                (id.into(), TEACHER.into()),
                HashSet::from([class.to_owned()]),
            );
        }
        let classes = HashMap::from([
            ("CE1 A".to_owned(), "c1".to_owned()),
            ("CM2".to_owned(), "c2".to_owned()),
        ]);
        (snapshot, classes)
    }

    #[test]
    fn namesakes_keep_their_accounts_when_the_file_order_changes() {
        let (snapshot, classes) = known();
        let name = name_key("BERNARD", "Marie");
        // Swapped rows, recognised by e-mail even with swapped classes.
        let rows = [
            row(2, Some("B@ac.fr"), "CE1 A"),
            row(3, Some("a@ac.fr"), "CM2"),
        ];
        assert_eq!(
            teacher_keys(&snapshot, &classes, &rows),
            [format!("{name}|2"), name.clone()]
        );
        // No e-mail: recognised by their classes.
        let rows = [row(2, None, "CM2"), row(3, None, "CE1 A")];
        assert_eq!(
            teacher_keys(&snapshot, &classes, &rows),
            [format!("{name}|2"), name.clone()]
        );
        // A third namesake arrives: a new key, the two others keep theirs.
        let rows = [
            row(2, None, "CE1 A"),
            row(3, None, "CP"),
            row(4, None, "CM2"),
        ];
        assert_eq!(
            teacher_keys(&snapshot, &classes, &rows),
            [name.clone(), format!("{name}|3"), format!("{name}|2")]
        );
    }
}
