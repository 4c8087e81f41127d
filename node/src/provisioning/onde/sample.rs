//! Deterministic generator of realistic ONDE exports, for tests, the demo and benchmarks.
//!
//! Real exports cannot be shared (they hold children's personal data), so this builds files
//! with the same shape and the same traps: Windows-1252 accents, apostrophes and hyphens,
//! twins, homonyms, siblings in different classes, usage names, double-level classes.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::domain::{ClassLevel, Identifier};

/// Byte encoding of a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleEncoding {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with a BOM, as Excel writes "CSV UTF-8".
    Utf8Bom,
    /// Windows-1252, as ONDE and older Excel versions write.
    Windows1252,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Number of classes.
    pub classes: usize,
    /// Pupils in each class.
    pub pupils_per_class: usize,
    /// Byte encoding of the files.
    pub encoding: SampleEncoding,
    /// CRLF line ends (as ONDE) rather than LF.
    pub crlf: bool,
    /// Every field between double quotes.
    pub quoted: bool,
    /// Seed of the generator: the same options always give the same files.
    pub seed: u64,
}

impl Default for SampleOptions {
    fn default() -> Self {
        Self {
            classes: 2,
            pupils_per_class: 24,
            encoding: SampleEncoding::Windows1252,
            crlf: true,
            quoted: true,
            seed: 1,
        }
    }
}

/// The three files as UTF-8 text with `\n` line ends, before encoding, so tests can edit them.
#[derive(Debug, Clone)]
pub struct SampleTexts {
    /// Pupils export.
    pub pupils: String,
    /// Guardians export.
    pub guardians: String,
    /// Teachers file.
    pub teachers: String,
}

/// The three files as bytes, ready for the readers.
#[derive(Debug, Clone)]
pub struct SampleFiles {
    /// Pupils export.
    pub pupils: Vec<u8>,
    /// Guardians export.
    pub guardians: Vec<u8>,
    /// Teachers file.
    pub teachers: Vec<u8>,
}

/// Generates the three files as text.
pub fn texts(options: &SampleOptions) -> SampleTexts {
    let mut school = School::new(options.seed);
    school.classes(options.classes);
    school.pupils(options.classes, options.pupils_per_class);
    SampleTexts {
        pupils: school.pupils_text(options.quoted),
        guardians: school.guardians_text(options.quoted),
        teachers: school.teachers_text(options.quoted),
    }
}

/// Encodes a text made by [`texts`] (possibly edited), turning `\n` into `\r\n` if asked.
pub fn encode(text: &str, encoding: SampleEncoding, crlf: bool) -> Vec<u8> {
    let text = if crlf {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_owned()
    };
    match encoding {
        SampleEncoding::Utf8 => text.into_bytes(),
        SampleEncoding::Utf8Bom => [b"\xEF\xBB\xBF", text.as_bytes()].concat(),
        SampleEncoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
    }
}

/// Generates and encodes the three files.
pub fn files(options: &SampleOptions) -> SampleFiles {
    let texts = texts(options);
    let encode = |text: &str| encode(text, options.encoding, options.crlf);
    SampleFiles {
        pupils: encode(&texts.pupils),
        guardians: encode(&texts.guardians),
        teachers: encode(&texts.teachers),
    }
}

const LEVELS: [ClassLevel; 5] = [
    ClassLevel::Cp,
    ClassLevel::Ce1,
    ClassLevel::Ce2,
    ClassLevel::Cm1,
    ClassLevel::Cm2,
];
const LABELS: [&str; 5] = [
    "Cours préparatoire",
    "Cours élémentaire 1ère année",
    "Cours élémentaire 2e année",
    "Cours moyen 1ère année",
    "Cours moyen 2e année",
];
/// CP pupils of the 2026-2027 school year were born in 2020.
const CP_BIRTH_YEAR: i32 = 2020;
const PUPILS_HEADER: &str = "Nom Elève;Nom d'usage Elève;Prénom Elève;Date naissance;Sexe;\
    Adresse;Code postal;Commune;Pays;Cycle;Niveau;Classe;Regroupement;Date inscription";
const GUARDIANS_HEADER: &str = "Civilité Responsable;Nom responsable;Nom usage responsable;\
    Prénom responsable;Adresse responsable;Code postal responsable;Commune responsable;\
    Pays responsable;Téléphone domicile;Téléphone travail;Téléphone portable;Courriel";
/// Repeated once per child, as ONDE does.
const CHILD_HEADER: &str = "Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants";
/// "Nom usage" before "Nom": the reader must match names exactly, not by prefix.
const TEACHERS_HEADER: &str = "Civilité;Nom usage;Nom;Prénom;Courriel;Directeur;Classe";
/// (class, position, family name, usage name, first name, girl): the traps of every set.
const SPECIALS: [(usize, usize, &str, &str, &str, bool); 7] = [
    // Twins: same family name, birth date and class.
    (0, 0, "D'Angelo", "", "Zoé", true),
    (0, 1, "D'Angelo", "", "Noël", false),
    // Their sister in another class: their guardians have three children.
    (1, 0, "D'Angelo", "", "Anaïs", true),
    // Homonyms: same names, other class and birth date.
    (0, 2, "Morel", "", "Gaëlle", true),
    (1, 2, "Morel", "", "Gaëlle", true),
    (0, 3, "Lefèvre-Durand", "", "François", false),
    // A usage name (the mother's) different from the family name.
    (1, 3, "Girard", "Vasseur", "Chloé", true),
];
// Name lists are comma-separated strings: one line each instead of one line per name.
const GIRLS: &str = "Zoé,Anaïs,Gaëlle,Chloé,Léa,Inès,Maëlys,Hélène,Célia,Éloïse,Emma,Jade,Louise,\
    Alice,Lina,Rose,Ambre,Agathe,Noémie,Françoise";
const BOYS: &str = "François,Noël,Loïc,Jérôme,Raphaël,Timothée,Benoît,Joël,Gabriel,Louis,Hugo,\
    Arthur,Jules,Adam,Léo,Maël,Nathan,Théo,Côme,Anatole";
const WOMEN: &str = "Camille,Sophie,Isabelle,Nathalie,Céline,Aurélie,Stéphanie,Émilie,Sandrine,\
    Véronique,Élodie,Agnès";
const MEN: &str = "Hervé,Stéphane,Frédéric,Sébastien,Jérémie,Nicolas,Thierry,Cédric,Rémi,Grégory,\
    Laurent,Benoît";
/// Surnames drawn at random; the special cases' surnames are kept out so they stay unique.
const SURNAMES: &str = "Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,\
    Simon,Laurent,Lefèvre,Michel,Garcia,David,Bertrand,Roux,Vincent,Fournier,André,Mercier,\
    Dupont,Lambert,Bonnet,François,Legrand,Garnier,Faure,Rousseau,Blanc,Guérin,Muller,Henry,\
    Roussel,Perrin,Morin,Mathieu,Clément,Gauthier,Dumont,Fontaine,Chevalier,Robin,Masson,Gérard,\
    Nguyen,Boyer,Lemaître,Duval,Joly,Bénard,Caron,Da Silva,Le Gall,Ménard,Brière,Besançon,\
    Lacôte,Pâris";
const STREETS: &str = "rue des Écoles,avenue Jean-Jaurès,place de l'Église,chemin des Prés,\
    rue du Château,allée des Tilleuls,boulevard Gambetta,impasse des Lilas";
const TOWNS: &str = "38500 Voiron,38210 Tullins,38140 Rives,38850 Chirens";

/// splitmix64: tiny, fast and good enough; avoids a `rand` dependency and keeps output
/// identical across platforms and crate versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One item of a comma-separated list.
    fn pick(&mut self, list: &'static str) -> &'static str {
        let index = self.below(list.matches(',').count() + 1);
        list.split(',').nth(index).unwrap_or_default()
    }
}

struct Person {
    civility: &'static str,
    last: String,
    usage: Option<String>,
    first: String,
}

struct Class {
    name: String,
    levels: Vec<ClassLevel>,
    teacher: Person,
}

struct Pupil {
    last: String,
    usage: Option<String>,
    first: String,
    female: bool,
    birth: NaiveDate,
    level: ClassLevel,
    class: usize,
}

struct Family {
    last: String,
    /// The mother's family name when it differs from the children's.
    mother_last: Option<String>,
    children: Vec<usize>,
    address: String,
    town: (&'static str, &'static str),
}

struct School {
    rng: Rng,
    classes: Vec<Class>,
    pupils: Vec<Pupil>,
    families: Vec<Family>,
    identities: HashSet<(String, String, NaiveDate)>,
    /// (first, last, class): a guardians file names children by name and class only, so two
    /// pupils with the same name in one class could not be told apart (real schools avoid it).
    names_in_class: HashSet<(String, String, usize)>,
    emails: HashSet<String>,
}

impl School {
    fn new(seed: u64) -> Self {
        Self {
            rng: Rng(seed),
            classes: Vec::new(),
            pupils: Vec::new(),
            families: Vec::new(),
            identities: HashSet::new(),
            names_in_class: HashSet::new(),
            emails: HashSet::new(),
        }
    }

    /// Levels cycle through CP..CM2; every third class is a double level named after its
    /// teacher, as schools do ("CE2-CM1 Mme Durand").
    fn classes(&mut self, count: usize) {
        let mut names = HashSet::new();
        let mut per_level = [0usize; 5];
        for i in 0..count {
            let female = self.rng.below(3) > 0;
            let last = self.rng.pick(SURNAMES).to_owned();
            let teacher = Person {
                civility: if female { "Mme" } else { "M." },
                usage: (female && self.rng.below(4) == 0)
                    .then(|| self.rng.pick(SURNAMES).to_owned()),
                first: self.rng.pick(if female { WOMEN } else { MEN }).to_owned(),
                last,
            };
            let base = i % 5;
            let (levels, mut name) = if i % 3 == 2 {
                let low = base.min(3);
                let shown = teacher.usage.as_deref().unwrap_or(&teacher.last);
                let name = format!(
                    "{}-{} {} {shown}",
                    LEVELS[low].code(),
                    LEVELS[low + 1].code(),
                    teacher.civility
                );
                (vec![LEVELS[low], LEVELS[low + 1]], name)
            } else {
                per_level[base] += 1;
                (
                    vec![LEVELS[base]],
                    format!("{} {}", LEVELS[base].code(), letters(per_level[base])),
                )
            };
            let stem = name.clone();
            for n in 2.. {
                if names.insert(name.clone()) {
                    break;
                }
                name = format!("{stem} {n}");
            }
            self.classes.push(Class {
                name,
                levels,
                teacher,
            });
        }
    }

    fn pupils(&mut self, classes: usize, per_class: usize) {
        let special = classes >= 2 && per_class >= 4;
        let mut d_angelo = None;
        for class in 0..classes {
            for j in 0..per_class {
                let levels = &self.classes[class].levels;
                let level = levels[j % levels.len()];
                let birth = self.birth(level);
                let found = SPECIALS
                    .iter()
                    .find(|s| special && (s.0, s.1) == (class, j));
                let Some(&(_, _, last, usage, first, female)) = found else {
                    self.random_pupil(class, level);
                    continue;
                };
                let twin = (class, j) == (0, 1);
                let birth = if twin {
                    self.pupils[self.pupils.len() - 1].birth
                } else {
                    birth
                };
                let family = if last == "D'Angelo" { d_angelo } else { None };
                let usage = (!usage.is_empty()).then_some(usage);
                let family = self.add(last, usage, first, female, birth, level, class, family);
                d_angelo = d_angelo.or((last == "D'Angelo").then_some(family));
            }
        }
    }

    fn birth(&mut self, level: ClassLevel) -> NaiveDate {
        let offset = LEVELS.iter().position(|&l| l == level).unwrap_or(0) as i32;
        let (month, day) = (1 + self.rng.below(12) as u32, 1 + self.rng.below(28) as u32);
        NaiveDate::from_ymd_opt(CP_BIRTH_YEAR - offset, month, day)
            .expect("days up to 28 exist in every month")
    }

    /// A random pupil, now and then the younger sibling of a pupil of an earlier class.
    fn random_pupil(&mut self, class: usize, level: ClassLevel) {
        loop {
            let female = self.rng.below(2) == 0;
            let first = self.rng.pick(if female { GIRLS } else { BOYS });
            let birth = self.birth(level);
            let mut family = None;
            if class > 0 && !self.families.is_empty() && self.rng.below(8) == 0 {
                let f = self.rng.below(self.families.len());
                let children = &self.families[f].children;
                let fits = children.len() < 3
                    && children
                        .iter()
                        .all(|&p| self.pupils[p].class != class && self.pupils[p].first != first);
                family = fits.then_some(f);
            }
            let last = match family {
                Some(f) => self.families[f].last.clone(),
                None => self.rng.pick(SURNAMES).to_owned(),
            };
            let clash = self
                .identities
                .contains(&(first.to_owned(), last.clone(), birth))
                || self
                    .names_in_class
                    .contains(&(first.to_owned(), last.clone(), class));
            if !clash {
                self.add(&last, None, first, female, birth, level, class, family);
                return;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        last: &str,
        usage: Option<&str>,
        first: &str,
        female: bool,
        birth: NaiveDate,
        level: ClassLevel,
        class: usize,
        family: Option<usize>,
    ) -> usize {
        let family = family.unwrap_or_else(|| {
            let mother_last = match usage {
                Some(usage) => Some(usage.to_owned()),
                None => (self.rng.below(3) == 0).then(|| self.rng.pick(SURNAMES).to_owned()),
            };
            let address = format!("{} {}", 1 + self.rng.below(120), self.rng.pick(STREETS));
            let town = self.rng.pick(TOWNS).split_once(' ').unwrap_or_default();
            let children = Vec::new();
            self.families.push(Family {
                last: last.to_owned(),
                mother_last,
                children,
                address,
                town,
            });
            self.families.len() - 1
        });
        self.identities
            .insert((first.to_owned(), last.to_owned(), birth));
        self.names_in_class
            .insert((first.to_owned(), last.to_owned(), class));
        self.families[family].children.push(self.pupils.len());
        let (last, first, usage) = (last.to_owned(), first.to_owned(), usage.map(str::to_owned));
        self.pupils.push(Pupil {
            last,
            usage,
            first,
            female,
            birth,
            level,
            class,
        });
        family
    }

    fn pupils_text(&self, quoted: bool) -> String {
        let mut out = String::new();
        let header: Vec<&str> = PUPILS_HEADER.split(';').collect();
        push_line(&mut out, &header, quoted);
        let mut homes = vec![0; self.pupils.len()];
        for (f, family) in self.families.iter().enumerate() {
            family.children.iter().for_each(|&p| homes[p] = f);
        }
        for (p, pupil) in self.pupils.iter().enumerate() {
            let family = &self.families[homes[p]];
            let class = &self.classes[pupil.class];
            let index = LEVELS.iter().position(|&l| l == pupil.level).unwrap_or(0);
            let cycle = if index < 3 { "CYCLE II" } else { "CYCLE III" };
            // ONDE versions differ: some give the code, others the label.
            let level = if pupil.class % 2 == 1 {
                LABELS[index]
            } else {
                pupil.level.code()
            };
            let group = if class.levels.len() > 1 {
                format!("Regroupement {}", class.name)
            } else {
                String::new()
            };
            let (birth, since) = (
                pupil.birth.format("%d/%m/%Y").to_string(),
                format!("{}-09-01", 2026 - index),
            );
            let fields: [&str; 14] = [
                &pupil.last,
                pupil.usage.as_deref().unwrap_or(""),
                &pupil.first,
                &birth,
                if pupil.female { "F" } else { "M" },
                &family.address,
                family.town.0,
                family.town.1,
                "FRANCE",
                cycle,
                level,
                &class.name,
                &group,
                &since,
            ];
            push_line(&mut out, &fields, quoted);
        }
        out
    }

    fn guardians_text(&mut self, quoted: bool) -> String {
        let groups = self
            .families
            .iter()
            .map(|f| f.children.len())
            .max()
            .unwrap_or(1);
        let header =
            std::iter::once(GUARDIANS_HEADER).chain(std::iter::repeat_n(CHILD_HEADER, groups));
        let header: Vec<&str> = header.flat_map(|h| h.split(';')).collect();
        let mut out = String::new();
        push_line(&mut out, &header, quoted);
        for f in 0..self.families.len() {
            let home = self.phone("04 76");
            // Two guardians most of the time; always for the families of the special cases.
            let family = &self.families[f];
            let special =
                family.children.len() > 1 || self.pupils[family.children[0]].usage.is_some();
            let both = special || self.rng.below(10) < 8;
            let mother_first = !both && self.rng.below(2) == 0;
            for mother in [true, false] {
                if !both && mother != mother_first {
                    continue;
                }
                let family = &self.families[f];
                let (last, usage) = match (&family.mother_last, mother) {
                    (Some(own), true) => (own.clone(), Some(family.last.clone())),
                    _ => (family.last.clone(), None),
                };
                let first = self.rng.pick(if mother { WOMEN } else { MEN });
                let email = self.email(first, usage.as_deref().unwrap_or(&last), "example.org", 9);
                let mobile = self.phone("06");
                let work = if self.rng.below(3) == 0 {
                    self.phone("04 76")
                } else {
                    String::new()
                };
                let family = &self.families[f];
                let mut fields = vec![
                    if mother { "Mme" } else { "M." }.to_owned(),
                    last,
                    usage.unwrap_or_default(),
                    first.to_owned(),
                    family.address.clone(),
                    family.town.0.to_owned(),
                    family.town.1.to_owned(),
                    "FRANCE".to_owned(),
                    home.clone(),
                    work,
                    mobile,
                    email,
                ];
                for slot in 0..groups {
                    match family.children.get(slot).map(|&p| &self.pupils[p]) {
                        Some(child) => fields.extend([
                            child.usage.clone().unwrap_or_default(),
                            child.last.clone(),
                            child.first.clone(),
                            self.classes[child.class].name.clone(),
                        ]),
                        None => fields.extend(std::iter::repeat_n(String::new(), 4)),
                    }
                }
                push_line(&mut out, &fields, quoted);
            }
        }
        out
    }

    fn teachers_text(&mut self, quoted: bool) -> String {
        let mut out = String::new();
        let header: Vec<&str> = TEACHERS_HEADER.split(';').collect();
        push_line(&mut out, &header, quoted);
        for i in 0..self.classes.len() {
            let t = &self.classes[i].teacher;
            let (civility, usage, last, first) =
                (t.civility, t.usage.clone(), t.last.clone(), t.first.clone());
            let name = self.classes[i].name.clone();
            let email = self.email(
                &first,
                usage.as_deref().unwrap_or(&last),
                "ecole.example.org",
                10,
            );
            let director = if i == 0 { "Oui" } else { "Non" };
            let fields = [
                civility,
                usage.as_deref().unwrap_or(""),
                &last,
                &first,
                &email,
                director,
                &name,
            ];
            push_line(&mut out, &fields, quoted);
        }
        out
    }

    /// A French phone number: the prefix, then pairs of digits up to ten digits.
    fn phone(&mut self, prefix: &str) -> String {
        let mut number = prefix.to_owned();
        for _ in 0..(10 - prefix.len() + prefix.matches(' ').count()) / 2 {
            number += &format!(" {:02}", self.rng.below(100));
        }
        number
    }

    /// A unique address for `rate` tenths of the people, none for the others.
    fn email(&mut self, first: &str, last: &str, domain: &str, rate: usize) -> String {
        if self.rng.below(10) >= rate {
            return String::new();
        }
        let base = Identifier::base_for(first, last);
        let mut email = format!("{base}@{domain}");
        for n in 2.. {
            if self.emails.insert(email.clone()) {
                break;
            }
            email = format!("{base}{n}@{domain}");
        }
        email
    }
}

/// 1 → A, 26 → Z, 27 → AA: class letters that never run out.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn push_line<S: AsRef<str>>(out: &mut String, fields: &[S], quoted: bool) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        if quoted {
            out.push('"');
            out.push_str(&field.as_ref().replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field.as_ref());
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provisioning::onde::read::{read_guardians, read_pupils, read_teachers};

    fn options(classes: usize, pupils_per_class: usize) -> SampleOptions {
        SampleOptions {
            classes,
            pupils_per_class,
            ..SampleOptions::default()
        }
    }

    #[test]
    fn same_seed_same_files_other_seed_other_files() {
        let a = files(&SampleOptions::default());
        let b = files(&SampleOptions::default());
        assert_eq!(
            (a.pupils, a.guardians, a.teachers),
            (b.pupils.clone(), b.guardians, b.teachers)
        );
        assert_ne!(
            files(&SampleOptions {
                seed: 2,
                ..SampleOptions::default()
            })
            .pupils,
            b.pupils
        );
    }

    #[test]
    fn special_cases_are_in_every_set() {
        for seed in 0..20 {
            let f = files(&SampleOptions {
                seed,
                ..options(2, 4)
            });
            let pupils = read_pupils("eleves.csv", &f.pupils).unwrap();
            let named = |first: &str, last: &str| {
                pupils
                    .iter()
                    .filter(|p| p.first_name == first && p.last_name == last)
                    .collect::<Vec<_>>()
            };
            let (zoe, noel) = (named("Zoé", "D'Angelo"), named("Noël", "D'Angelo"));
            assert_eq!(
                (zoe[0].birth_date, &zoe[0].class_name),
                (noel[0].birth_date, &noel[0].class_name)
            );
            let homonyms = named("Gaëlle", "Morel");
            assert_eq!(homonyms.len(), 2);
            assert_ne!(homonyms[0].birth_date, homonyms[1].birth_date);
            assert_ne!(homonyms[0].class_name, homonyms[1].class_name);
            assert_eq!(named("François", "Lefèvre-Durand").len(), 1);
            assert_eq!(
                named("Chloé", "Girard")[0].usage_name.as_deref(),
                Some("Vasseur")
            );
            let guardians = read_guardians("responsables.csv", &f.guardians).unwrap();
            let three = guardians
                .iter()
                .filter(|g| g.children.len() == 3 && g.children[2].first_name == "Anaïs")
                .count();
            assert_eq!(three, 2, "both D'Angelo parents list three children");
            let mut identities = pupils
                .iter()
                .map(|p| (&p.first_name, &p.last_name, p.birth_date))
                .collect::<Vec<_>>();
            identities.sort();
            identities.dedup();
            assert_eq!(
                identities.len(),
                pupils.len(),
                "no accidental duplicate pupil"
            );
        }
    }

    #[test]
    fn accents_are_single_bytes_in_windows_1252() {
        let f = files(&SampleOptions::default());
        assert!(f.pupils.windows(4).any(|w| w == b"Zo\xE9\""));
        assert!(std::str::from_utf8(&f.pupils).is_err());
        assert!(f.pupils.ends_with(b"\"\r\n"));
    }

    #[test]
    fn birth_dates_match_levels_and_classes_are_unique() {
        let f = files(&options(60, 10));
        let pupils = read_pupils("eleves.csv", &f.pupils).unwrap();
        for p in &pupils {
            let index = LEVELS.iter().position(|&l| l == p.level).unwrap() as i32;
            assert_eq!(chrono::Datelike::year(&p.birth_date), CP_BIRTH_YEAR - index);
        }
        assert!(pupils.iter().any(|p| p.class_name.starts_with("CE2-CM1 ")));
        let teachers = read_teachers("enseignants.csv", &f.teachers).unwrap();
        let mut names = teachers
            .iter()
            .flat_map(|t| t.class_names.clone())
            .collect::<Vec<_>>();
        assert_eq!(names.len(), 60);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 60);
        assert!(teachers[0].is_director && teachers[1..].iter().all(|t| !t.is_director));
        let guardians = read_guardians("responsables.csv", &f.guardians).unwrap();
        assert!(
            guardians.len() > pupils.len(),
            "two guardians for most pupils"
        );
    }

    #[test]
    fn class_letters_never_run_out() {
        assert_eq!(
            (letters(1), letters(26), letters(27), letters(53)),
            ("A".into(), "Z".into(), "AA".into(), "BA".into())
        );
    }
}
