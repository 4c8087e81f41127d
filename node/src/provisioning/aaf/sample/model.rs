//! The people and structures of a generated feed, before they are written as XML.

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
    /// Classes over all collèges (groups apart).
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
}
