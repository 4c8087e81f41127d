//! Building the population: collèges, families (with their kinds) and pupils.

use super::model::{
    BOYS, College, Expected, GIRLS, LAST_NAMES, MEFS, Model, OTHER_SUBJECTS, PupilModel,
    RelationModel, SUBJECTS, name, uai,
};
use super::{LinkCodes, SampleOptions};

impl Model {
    /// Builds the population for `options`, deterministically.
    pub fn build(options: &SampleOptions) -> Self {
        let mut model = Self {
            colleges: Vec::new(),
            pupils: Vec::new(),
            relations: Vec::new(),
            staff: Vec::new(),
            expected: Expected::default(),
        };
        let seed = options.seed as usize;
        let mut first_families: Vec<(String, Vec<usize>)> = Vec::new();
        for c in 0..options.colleges.max(1) {
            let college = college(c, options.pupils_per_college);
            let per_level = college.classes.len() / 4;
            let id = college.id.clone();
            model.expected.classes += college.classes.len() as u64;
            model.expected.groups += college.groups.len() as u64;
            model.colleges.push(college);
            let (mut slot, mut family) = (0usize, 0usize);
            while slot < options.pupils_per_college {
                family += 1;
                let size = if family.is_multiple_of(40) {
                    3
                } else if family.is_multiple_of(7) {
                    2
                } else {
                    1
                };
                let last = name(&LAST_NAMES, family * 7 + c * 3 + seed).to_owned();
                // The second family of the second collège is the first one's: one set of
                // parents with a child in each collège.
                let shared = (c == 1 && family == 2)
                    .then(|| first_families.get(1).cloned())
                    .flatten();
                let (last, parents) = match shared {
                    Some((last, parents)) => {
                        model.expected.cross_college_parent =
                            Some(model.relations[parents[0]].id.clone());
                        (last, parents)
                    }
                    None => (last.clone(), model.family(c, family, &last)),
                };
                if c == 0 {
                    first_families.push((last.clone(), parents.clone()));
                }
                for child in 0..size.min(options.pupils_per_college - slot) {
                    let level = slot % 4;
                    let class = (slot / 4) % per_level;
                    let (digit, mef, label, year) = MEFS[level];
                    let index = model.pupils.len();
                    let girl = (index + child).is_multiple_of(2);
                    let mut groups = Vec::new();
                    if digit != '6' {
                        groups.push(format!(
                            "{digit}{}",
                            if slot % 8 < 4 { "ESP" } else { "ALL" }
                        ));
                    }
                    if digit == '4' && slot.is_multiple_of(3) {
                        groups.push("4LAT".to_owned());
                    }
                    let links = parents
                        .iter()
                        .map(|&p| model.link(options.link_codes, p))
                        .collect();
                    model.pupils.push(PupilModel {
                        id: (2_000_000 + index).to_string(),
                        college: c,
                        names: (
                            last.clone(),
                            name(if girl { &GIRLS } else { &BOYS }, index * 5 + seed).to_owned(),
                            if girl { "Mlle" } else { "M." },
                        ),
                        birth: format!("{:02}/{:02}/{year}", 1 + index % 28, 1 + index % 12),
                        class: format!("{digit}EME{}", class + 1),
                        groups,
                        mef: (mef, label),
                        links,
                    });
                    slot += 1;
                }
                if size > 1 && model.expected.sibling_parent.is_empty() {
                    model.expected.sibling_parent = model.relations[parents[0]].id.clone();
                }
            }
            model.staff_of(c, &id);
        }
        model.finish_expected();
        model
    }

    /// The responsables of a new family, by its kind; returns their indexes.
    fn family(&mut self, college: usize, family: usize, last: &str) -> Vec<usize> {
        let town = ["Lyon", "Villeurbanne", "Bron", "Saint-Priest"][family % 4];
        let home = (
            format!("{} rue de l'Église$Bâtiment B$$", 1 + family),
            "69100".to_owned(),
            town.to_owned(),
        );
        let mut add = |names: (String, String, &'static str), address: (String, String, String)| {
            self.relations.push(RelationModel {
                id: (3_000_000 + self.relations.len()).to_string(),
                names,
                address,
                legal: false,
            });
            self.relations.len() - 1
        };
        let mother = (last.to_owned(), name(&GIRLS, family + 3).to_owned(), "Mme");
        let father = (last.to_owned(), name(&BOYS, family + 5).to_owned(), "M.");
        if college == 0 && family == 3 {
            let ase = ("Service ASE".to_owned(), "Référente".to_owned(), "Mme");
            return vec![add(
                ase,
                (
                    "1 place des Terreaux$$$".into(),
                    "69001".into(),
                    "Lyon".into(),
                ),
            )];
        }
        if family.is_multiple_of(9) {
            let grandmother = ("Aïeule".to_owned(), "Françoise".to_owned(), "Mme");
            return vec![add(mother, home.clone()), add(grandmother, home)];
        }
        if family.is_multiple_of(5) {
            let other = (
                format!("{} chemin des Prés$$$", 2 + family),
                "69500".to_owned(),
                "Bron".to_owned(),
            );
            return vec![add(mother, home), add(father, other)];
        }
        vec![add(mother, home.clone()), add(father, home)]
    }

    /// The link value of responsable `index` (by its place in the family) for a child.
    fn link(&mut self, codes: LinkCodes, index: usize) -> String {
        let relation = &mut self.relations[index];
        let id = relation.id.clone();
        let (code, financial, legal, contact) =
            match (relation.names.0.as_str(), relation.names.2, codes) {
                ("Service ASE", _, LinkCodes::New) => (51, 1, 1, 0),
                ("Service ASE", _, LinkCodes::Old) => (5, 1, 1, 0),
                ("Aïeule", _, LinkCodes::New) => (38, 0, 0, 1),
                ("Aïeule", _, LinkCodes::Old) => (4, 0, 0, 1),
                (_, "Mme", LinkCodes::New) => (10, 1, 1, 0),
                (_, _, LinkCodes::New) => (20, 0, 1, 0),
                (_, "Mme", LinkCodes::Old) => (2, 1, 1, 0),
                (_, _, LinkCodes::Old) => (1, 0, 2, 0),
            };
        relation.legal |= legal != 0;
        if relation.names.0 == "Service ASE" {
            self.expected.ase_guardian = id.clone();
        } else if legal == 0 && self.expected.contact.is_empty() {
            self.expected.contact = id.clone();
        }
        format!("{id}${code}${financial}${legal}${contact}$0")
    }

    fn finish_expected(&mut self) {
        let separated = self.pupils.iter().find(|p| {
            let addresses: Vec<&str> = (p.links.iter())
                .filter_map(|l| l.split('$').next())
                .filter_map(|id| self.relations.iter().find(|r| r.id == id))
                .map(|r| r.address.0.as_str())
                .collect();
            addresses.len() == 2
                && addresses[0] != addresses[1]
                && p.links.iter().all(|l| l.split('$').nth(3) != Some("0"))
        });
        self.expected.separated_pupil = separated.map(|p| p.id.clone()).unwrap_or_default();
        let legal = self.relations.iter().filter(|r| r.legal).count() as u64;
        self.expected.legal_relations = legal;
        self.expected.contacts = self.relations.len() as u64 - legal;
        self.expected.records = [
            self.colleges.len() as u64 + 1,
            (SUBJECTS.len() + OTHER_SUBJECTS.len()) as u64,
            MEFS.len() as u64,
            self.pupils.len() as u64,
            self.relations.len() as u64,
            self.staff.len() as u64,
        ];
    }
}

/// A collège of about `pupils` pupils: 4 levels of classes of about 25, LV2 and Latin groups.
fn college(index: usize, pupils: usize) -> College {
    let per_level = pupils.div_ceil(100).max(1);
    let mut classes = Vec::new();
    for (digit, mef, _, _) in MEFS {
        for k in 1..=per_level {
            classes.push((format!("{digit}EME{k}"), format!("{digit}ème {k}"), mef));
        }
    }
    let mut groups = Vec::new();
    for digit in ['5', '4', '3'] {
        let members: Vec<String> = (1..=per_level).map(|k| format!("{digit}EME{k}")).collect();
        groups.push((
            format!("{digit}ESP"),
            format!("{digit}ème LV2 espagnol"),
            members.clone(),
        ));
        groups.push((
            format!("{digit}ALL"),
            format!("{digit}ème LV2 allemand"),
            members,
        ));
    }
    let latin: Vec<String> = (1..=per_level).map(|k| format!("4EME{k}")).collect();
    groups.push(("4LAT".to_owned(), "4ème latin".to_owned(), latin));
    College {
        id: (6027 + index).to_string(),
        uai: uai(690_100 + index as u32 * 7),
        name: format!(
            "CLG$COLLÈGE {}$LYON",
            ["JEAN MOULIN", "GEORGES CHARPAK", "LOUISE MICHEL"][index % 3]
        ),
        classes,
        groups,
    }
}
