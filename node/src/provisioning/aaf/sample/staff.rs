//! The staff of a generated collège: direction, vie scolaire, documentaliste, secretariat,
//! teachers with their services and head classes, and a music teacher shared by two collèges.

use super::model::{BOYS, GIRLS, LAST_NAMES, Model, SUBJECTS, StaffModel, name};

/// Non-teaching functions: (code, label, discipline code, discipline label).
const ROLES: [(&str, &str, &str, &str); 7] = [
    (
        "DIR",
        "DIRECTION",
        "D0010",
        "DIRECTION CHEF D'ETABLISSEMENT",
    ),
    (
        "DIR",
        "DIRECTION",
        "D0020",
        "DIRECTION ADJOINT AU CHEF ETABLISSEMENT",
    ),
    ("EDU", "EDUCATION", "E0030", "EDUCATION  (CE ,CPE)"),
    ("DOC", "DOCUMENTATION", "L0080", "DOCUMENTATION"),
    ("ADF", "PERSONNELS ADMINISTRATIFS", "P0010", "SECRETARIAT"),
    ("AED", "ASSISTANT D'EDUCATION", "-", "SANS OBJET"),
    (
        "MDS",
        "PERSONNELS MEDICO-SOCIAUX",
        "P9110",
        "INFIRMIERE EN ETABLISSEMENT",
    ),
];

/// Classes a teacher of one core subject teaches.
const CLASSES_PER_TEACHER: usize = 6;

impl Model {
    fn new_staff(&mut self, structure: &str, functions: Vec<String>) -> usize {
        let index = self.staff.len();
        let woman = !index.is_multiple_of(3);
        self.staff.push(StaffModel {
            id: (4_000_000 + index).to_string(),
            names: (
                name(&LAST_NAMES, index * 11 + 5).to_owned(),
                name(if woman { &GIRLS } else { &BOYS }, index * 3 + 1).to_owned(),
                if woman { "Mme" } else { "M." },
            ),
            attached: vec![structure.to_owned()],
            functions,
            ..StaffModel::default()
        });
        index
    }

    /// Adds the staff of collège `college` (jointure id `structure`).
    pub(super) fn staff_of(&mut self, college: usize, structure: &str) {
        let sid = structure;
        let classes: Vec<String> = (self.colleges[college].classes.iter())
            .map(|(code, _, _)| code.clone())
            .collect();
        for (code, label, discipline, discipline_label) in ROLES {
            let function = format!("{sid}${code}${label}${discipline}${discipline_label}");
            let index = self.new_staff(sid, vec![function]);
            self.staff[index].teaches = code == "DOC";
        }
        let without_head = (college == 0).then(|| classes.last().cloned()).flatten();
        if let Some(class) = &without_head {
            self.expected.class_without_head = (sid.to_owned(), class.clone());
        }
        for (subject, (bcn, _, discipline, discipline_label)) in SUBJECTS.iter().enumerate() {
            for (k, chunk) in classes.chunks(CLASSES_PER_TEACHER).enumerate() {
                let function = format!("{sid}$ENS$ENSEIGNEMENT${discipline}${discipline_label}");
                let index = self.new_staff(sid, vec![function]);
                let teacher = &mut self.staff[index];
                teacher.teaches = true;
                teacher.class_services = chunk.iter().map(|c| format!("{sid}${c}${bcn}")).collect();
                if subject == 0 {
                    // The French teacher is the head teacher; real feeds repeat the value.
                    for class in chunk.iter().filter(|c| Some(*c) != without_head.as_ref()) {
                        teacher.head_of.push(format!("{sid}${class}"));
                        if k == 0 {
                            teacher.head_of.push(format!("{sid}${class}"));
                        }
                    }
                    if k == 0 {
                        teacher.group_services.push(format!("{sid}$4LAT$020300"));
                    }
                }
            }
        }
        for (suffix, bcn, discipline) in [
            ("ESP", "030602", "L0426$ESPAGNOL"),
            ("ALL", "030502", "L0423$ALLEMAND"),
        ] {
            let function = format!("{sid}$ENS$ENSEIGNEMENT${discipline}");
            let index = self.new_staff(sid, vec![function]);
            let teacher = &mut self.staff[index];
            teacher.teaches = true;
            teacher.group_services = ['5', '4', '3']
                .iter()
                .map(|digit| format!("{sid}${digit}{suffix}${bcn}"))
                .collect();
        }
        let sixth: Vec<String> = (classes.iter())
            .filter(|c| c.starts_with('6'))
            .map(|c| format!("{sid}${c}$130200"))
            .collect();
        let music = format!("{sid}$ENS$ENSEIGNEMENT$L1700$EDUCATION MUSICALE");
        match self
            .staff
            .iter()
            .position(|s| s.id == self.expected.two_college_teacher)
        {
            // The music teacher of the first collège also teaches in the second: one record,
            // attached to the first, with a function and services in each.
            Some(index) if college == 1 => {
                let teacher = &mut self.staff[index];
                teacher.functions.push(music);
                teacher.class_services.extend(sixth);
            }
            _ => {
                let index = self.new_staff(sid, vec![music]);
                self.staff[index].teaches = true;
                self.staff[index].class_services = sixth;
                if college == 0 {
                    self.expected.two_college_teacher = self.staff[index].id.clone();
                }
            }
        }
    }
}
