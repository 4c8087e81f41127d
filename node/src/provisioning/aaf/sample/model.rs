//! The people and structures of a generated feed, before they are written as XML.

use super::{LinkCodes, SampleOptions};

/// Collège MEFs: (level digit, MEF code, MEF label, birth year for a 2024 feed).
pub(super) const MEFS: [(char, &str, &str, u32); 4] = [
    ('6', "10010012110", "6EME", 2013),
    ('5', "10110001110", "5EME", 2012),
    ('4', "10210001110", "4EME", 2011),
    ('3', "10310019110", "3EME", 2010),
];

/// Subjects taught in every class: (BCN code, label, discipline code, discipline label).
pub(super) const SUBJECTS: [(&str, &str, &str, &str); 6] = [
    ("020700", "FRANCAIS", "L0202", "LETTRES MODERNES"),
    ("061300", "MATHEMATIQUES", "L1300", "MATHEMATIQUES"),
    (
        "040600",
        "HISTOIRE ET GEOGRAPHIE",
        "L1000",
        "HISTOIRE GEOGRAPHIE",
    ),
    ("030201", "ANGLAIS LV1", "L0422", "ANGLAIS"),
    (
        "062900",
        "SCIENCES DE LA VIE ET DE LA TERRE",
        "L1500",
        "SCIENCES VIE ET TERRE",
    ),
    (
        "100100",
        "EDUCATION PHYSIQUE ET SPORTIVE",
        "L1900",
        "EDUCATION PHYSIQUE SPORT",
    ),
];

/// Other subjects of the nomenclature: LV2 groups, Latin, music.
pub(super) const OTHER_SUBJECTS: [(&str, &str); 4] = [
    ("030602", "ESPAGNOL LV2"),
    ("030502", "ALLEMAND LV2"),
    ("020300", "LATIN"),
    ("130200", "EDUCATION MUSICALE"),
];

pub(super) const LAST_NAMES: [&str; 24] = [
    "Martin",
    "Bernard",
    "Lefèvre",
    "N'Diaye",
    "Le Goff",
    "Pérez",
    "Girard-Roussel",
    "Müller",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garçon",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Boyer",
    "Gauthier",
    "Chevalier",
    "François",
    "Mercier",
    "Dupont",
    "Lambert",
];
pub(super) const GIRLS: [&str; 12] = [
    "Léa", "Chloé", "Zoé", "Noémie", "Inès", "Anaïs", "Adèle", "Aïcha", "Agathe", "Maëlle",
    "Hélène", "Manon",
];
pub(super) const BOYS: [&str; 12] = [
    "Hugo",
    "Loïc",
    "Gaël",
    "Jérôme",
    "François",
    "Maël",
    "Noé",
    "Lucas",
    "Yanis",
    "Joël",
    "Nathan",
    "Téo",
];

/// A collège.
#[derive(Debug, Clone)]
pub struct College {
    /// Jointure id.
    pub id: String,
    /// UAI, with a valid key letter.
    pub uai: String,
    /// Display name.
    pub name: String,
    /// (code, label, MEF).
    pub classes: Vec<(String, String, &'static str)>,
    /// (code, label, classes).
    pub groups: Vec<(String, String, Vec<String>)>,
}

/// A generated pupil.
#[derive(Debug, Clone)]
pub struct PupilModel {
    /// Jointure id.
    pub id: String,
    /// Index of the collège.
    pub college: usize,
    /// Last name, first name, `M.`/`Mlle`.
    pub names: (String, String, &'static str),
    /// `dd/mm/yyyy`.
    pub birth: String,
    /// Class code.
    pub class: String,
    /// Group codes.
    pub groups: Vec<String>,
    /// MEF code and label.
    pub mef: (&'static str, &'static str),
    /// `relId$code$fin$legal$contact$pay` values.
    pub links: Vec<String>,
}

/// A generated responsable.
#[derive(Debug, Clone)]
pub struct RelationModel {
    /// Jointure id.
    pub id: String,
    /// Last name, first name, civility.
    pub names: (String, String, &'static str),
    /// Address line (`$`-separated lines), postal code, town.
    pub address: (String, String, String),
    /// Whether some pupil lists them with parental authority.
    pub legal: bool,
}

/// A generated member of staff.
#[derive(Debug, Clone, Default)]
pub struct StaffModel {
    /// Jointure id.
    pub id: String,
    /// Last name, first name, civility.
    pub names: (String, String, &'static str),
    /// `ENTPersonStructRattach`.
    pub attached: Vec<String>,
    /// `ENTPersonFonctions` values.
    pub functions: Vec<String>,
    /// `ENTAuxEnsClassesMatieres` values.
    pub class_services: Vec<String>,
    /// `ENTAuxEnsGroupesMatieres` values.
    pub group_services: Vec<String>,
    /// `ENTAuxEnsClassesPrincipal` values (repeated, as real feeds do).
    pub head_of: Vec<String>,
    /// `PersEducNatPresenceDevantEleves`.
    pub teaches: bool,
}

/// What a generated feed holds, to check an import against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Records per entity: structures, subjects, MEFs, pupils, responsables, staff.
    pub records: [u64; 6],
    /// Responsables with parental authority over some pupil (parent accounts).
    pub legal_relations: u64,
    /// Responsables who are contacts only (no account).
    pub contacts: u64,
    /// Classes and groups over all collèges.
    pub classes: u64,
    /// Groups over all collèges.
    pub groups: u64,
    /// The ASE guardian (legal, link code 51 or 5).
    pub ase_guardian: String,
    /// A contact without parental authority.
    pub contact: String,
    /// A pupil whose two legal parents live apart.
    pub separated_pupil: String,
    /// A responsable of two children (siblings).
    pub sibling_parent: String,
    /// A responsable with a child in each of two collèges (two collèges or more).
    pub cross_college_parent: Option<String>,
    /// The music teacher of two collèges (one record).
    pub two_college_teacher: String,
    /// (structure id, class code) of the class without head teacher.
    pub class_without_head: (String, String),
    /// Delta only: operations per entity (add, modify, delete).
    pub operations: [[u64; 3]; 6],
    /// Delta only: pupils moved to another class (pupil id, new class code).
    pub moved: Vec<(String, String)>,
    /// Delta only: pupils, responsables and staff deleted.
    pub departed: Vec<String>,
    /// Delta only: pupils and responsables added.
    pub arrived: Vec<String>,
}

/// The whole generated population.
#[derive(Debug, Clone)]
pub struct Model {
    /// Collèges.
    pub colleges: Vec<College>,
    /// Pupils.
    pub pupils: Vec<PupilModel>,
    /// Responsables.
    pub relations: Vec<RelationModel>,
    /// Staff.
    pub staff: Vec<StaffModel>,
    /// What it holds.
    pub expected: Expected,
}

/// A valid UAI for a number (the key letter is the number modulo 23).
pub(super) fn uai(number: u32) -> String {
    const KEYS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    format!("{number:07}{}", KEYS[(number % 23) as usize] as char)
}

pub(super) fn name(list: &[&'static str], index: usize) -> &'static str {
    list[index % list.len()]
}

impl Model {
    /// One pupil of collège `6027` made from its index alone (for files of any size).
    pub fn one_pupil(index: usize) -> PupilModel {
        let (digit, mef, label, year) = MEFS[index % 4];
        let girl = index.is_multiple_of(2);
        let family = 3_000_000 + 2 * index;
        PupilModel {
            id: (2_000_000 + index).to_string(),
            college: 0,
            names: (
                name(&LAST_NAMES, index * 7).to_owned(),
                name(if girl { &GIRLS } else { &BOYS }, index * 5).to_owned(),
                if girl { "Mlle" } else { "M." },
            ),
            birth: format!("{:02}/{:02}/{year}", 1 + index % 28, 1 + index % 12),
            class: format!("{digit}EME{}", 1 + index % 9),
            groups: Vec::new(),
            mef: (mef, label),
            links: vec![
                format!("{family}$10$1$1$0$0"),
                format!("{}$20$0$1$0$0", family + 1),
            ],
        }
    }

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
