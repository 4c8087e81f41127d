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
