//! A Delta after a generated Complet: moves, departures, an arrival, staff changes.

use super::SampleOptions;
use super::model::{Model, StaffModel};
use super::write::{PERSON, SampleFeed, add, delete, modify, one, pupil_record};

/// Builds the Delta records and lets `files` write them.
pub(super) fn build(
    model: &Model,
    _options: &SampleOptions,
    files: impl Fn([Vec<String>; 6]) -> Vec<(String, Vec<u8>)>,
) -> SampleFeed {
    let mut expected = model.expected.clone();
    let mut all: [Vec<String>; 6] = Default::default();
    let college = &model.colleges[0];
    let sid = college.id.as_str();
    let per_level = college.classes.len() / 4;
    let first: Vec<_> = model.pupils.iter().filter(|p| p.college == 0).collect();
    // Three pupils change class within their level.
    if per_level > 1 {
        for pupil in first.iter().take(3) {
            let (level, number) = pupil.class.split_at(4);
            let number: usize = number.parse().unwrap_or(1);
            let new = format!("{level}{}", number % per_level + 1);
            let values = vec![("ENTEleveClasses", one(format!("{sid}${new}")))];
            all[3].push(modify((PERSON, "Eleve"), &pupil.id, &values));
            expected.operations[3][1] += 1;
            expected.moved.push((pupil.id.clone(), new));
        }
    }
    // Two only children leave, and their responsables with them.
    let only_child = |relation: &str| {
        let prefix = format!("{relation}$");
        model
            .pupils
            .iter()
            .filter(|p| p.links.iter().any(|l| l.starts_with(&prefix)))
            .count()
            == 1
    };
    let leaving = first.iter().rev().filter(|p| {
        p.links
            .iter()
            .all(|l| only_child(l.split('$').next().unwrap_or_default()))
    });
    for pupil in leaving.take(2) {
        all[3].push(delete((PERSON, "Eleve"), &pupil.id));
        expected.operations[3][2] += 1;
        expected.records[3] -= 1;
        expected.departed.push(pupil.id.clone());
        for link in &pupil.links {
            let id = link.split('$').next().unwrap_or_default();
            all[4].push(delete((PERSON, "PersRelEleve"), id));
            expected.operations[4][2] += 1;
            expected.records[4] -= 1;
            if link.split('$').nth(3) == Some("0") {
                expected.contacts -= 1;
            } else {
                expected.legal_relations -= 1;
            }
            expected.departed.push(id.to_owned());
        }
    }
    // A pupil arrives with a mother never seen before.
    let mut newcomer = first[0].clone();
    newcomer.id = "2999001".to_owned();
    newcomer.names.1 = "Éloïse".to_owned();
    newcomer.links = vec!["3999001$10$1$1$0$0".to_owned()];
    all[3].push(pupil_record(&newcomer, sid));
    let mother = vec![
        ("ENTPersonJointure", one("3999001")),
        ("sn", one(newcomer.names.0.clone())),
        ("givenName", one("Maïwenn")),
        ("personalTitle", one("Mme")),
    ];
    all[4].push(add((PERSON, "PersRelEleve"), "3999001", &mother));
    expected.operations[3][0] += 1;
    expected.operations[4][0] += 1;
    expected.records[3] += 1;
    expected.records[4] += 1;
    expected.legal_relations += 1;
    expected
        .arrived
        .extend(["2999001".to_owned(), "3999001".to_owned()]);
    // A parent's e-mail changes.
    if let Some(relation) = model.relations.first() {
        let values = vec![("mail", one("nouvelle.adresse@example.org"))];
        all[4].push(modify((PERSON, "PersRelEleve"), &relation.id, &values));
        expected.operations[4][1] += 1;
    }
    // The Spanish teacher of the first collège leaves; a French teacher loses classes.
    let teaches = |s: &&StaffModel, what: &str| {
        s.functions
            .iter()
            .any(|f| f.starts_with(sid) && f.contains(what))
    };
    if let Some(teacher) = model.staff.iter().find(|s| teaches(s, "ESPAGNOL")) {
        all[5].push(delete((PERSON, "PersEducNat"), &teacher.id));
        expected.operations[5][2] += 1;
        expected.records[5] -= 1;
        expected.departed.push(teacher.id.clone());
    }
    if let Some(teacher) = model.staff.iter().find(|s| teaches(s, "LETTRES")) {
        let kept = teacher.class_services.iter().take(2).cloned().collect();
        all[5].push(modify(
            (PERSON, "PersEducNat"),
            &teacher.id,
            &vec![("ENTAuxEnsClassesMatieres", kept)],
        ));
        expected.operations[5][1] += 1;
    }
    SampleFeed {
        files: files(all),
        expected,
    }
}
