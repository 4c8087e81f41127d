//! The typed records of an AAF feed, one struct per entity file (aaf.md §6-11).
//!
//! 2D and 1D attribute names land in the same fields. Lists are de-duplicated (feeds repeat
//! values) and keep their order. In a `modifyRequest` only the attributes it names are
//! meaningful: [`Record::mentions`] tells which.

use chrono::NaiveDate;

use crate::domain::ClassLevel;

use super::xml::Operation;

/// One record as read, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<T> {
    /// Add (Complet or Delta), modify or delete (Delta).
    pub operation: Operation,
    /// The academy-scoped jointure identifier (`<identifier><id>`).
    pub id: String,
    /// File the record was read from (its name inside the feed).
    pub file: String,
    /// Line where the record starts.
    pub line: usize,
    /// Names of the attributes present in the record, as written.
    pub attributes: Vec<String>,
    /// The values; for a delete, only the identifier is meaningful and this is the default.
    pub data: T,
}

impl<T> Record<T> {
    /// Whether the record carries one of these attributes (for a modify: changes it).
    pub fn mentions(&self, names: &[&str]) -> bool {
        self.attributes.iter().any(|a| names.contains(&a.as_str()))
    }
}

/// A class or group of a structure, as a pupil or teacher value names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupRef {
    /// Jointure id of the structure (`6027`).
    pub structure: String,
    /// Code of the class or group inside it (`3EME4`; in 1D the class id).
    pub code: String,
    /// Label when the value carries one (1D values do).
    pub label: Option<String>,
}

/// A class listed by a structure (`ENTStructureClasses`: `CODE$LABEL$MEF…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureClass {
    /// Code (`6EME1`).
    pub code: String,
    /// Label (`6EME1 SECTION SPORT`).
    pub label: String,
    /// MEF codes of the class.
    pub mefs: Vec<String>,
}

/// A group listed by a structure (`ENTStructureGroupes`: `CODE$LABEL$CLASS…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureGroup {
    /// Code (`4LAT`).
    pub code: String,
    /// Label typed by the school (`4ème latin`).
    pub label: String,
    /// Codes of the classes the group is drawn from.
    pub classes: Vec<String>,
}

/// A structure (`EtabEducNat`): an établissement, an école, or an academy service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Structure {
    /// UAI (`0693890D`), absent for some services.
    pub uai: Option<String>,
    /// Display name as delivered (`CLG-GEORGES CHARPAK-ac-LYON`, `CLG$CLG INTEGRATION$PARIS`).
    pub name: String,
    /// Type (`COLLEGE`, `RECTORAT`, `ECOLE ELEMENTAIRE PUBLIQUE`…).
    pub kind: Option<String>,
    /// Numeric type code (`340` for a collège).
    pub kind_code: Option<String>,
    /// Academy name (`LYON`).
    pub academy: Option<String>,
    /// Academy code (`013`).
    pub academy_code: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Classes the structure lists.
    pub classes: Vec<StructureClass>,
    /// Groups the structure lists.
    pub groups: Vec<StructureGroup>,
}

/// A subject of the academy nomenclature (`MatiereEducNat`); the id is the BCN code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Label (`MATHEMATIQUES`).
    pub label: String,
}

/// A MEF of the academy nomenclature (`MefEducNat`); the id is the 11-character code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mef {
    /// Label (`3EME`).
    pub label: String,
    /// Training level (`3EME GENERALE`), newer feeds only.
    pub level_label: Option<String>,
}

/// Who a responsable is to the pupil, from the link code (both generations, aaf.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Kinship {
    /// Mother (old 2, new 10).
    Mother,
    /// Father (old 1, new 20).
    Father,
    /// Tutor (old 3, new 50).
    Tutor,
    /// Aide sociale à l'enfance (old 5, new 51).
    ChildWelfare,
    /// The pupil themself (old 7, new 70).
    Pupil,
    /// Anyone else (family member, educator, childminder, other).
    Other,
}

/// The legal part of a link, whose meaning changed with the link codes (aaf.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Authority {
    /// A legal representative: a parent account.
    Legal,
    /// "Personne en charge" (new codes, legal part `2`): no account unless decided otherwise.
    InCharge,
    /// A contact, to call but without parental authority: no account.
    None,
}

/// A pupil's link to a responsable (`ENTElevePersRelEleve` and its older or 1D forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Jointure id of the responsable.
    pub person: String,
    /// The link code as delivered (`1`, `20`…), if any.
    pub code: Option<u8>,
    /// Who the person is.
    pub kinship: Kinship,
    /// Parental authority.
    pub authority: Authority,
    /// Pays the fees.
    pub financial: bool,
    /// To be contacted.
    pub contact: bool,
}

/// A pupil (`Eleve`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pupil {
    /// National pupil id (INE), from AAF-VE1803 on.
    pub ine: Option<String>,
    /// Usage last name (`sn`, 1D `ENTPersonNom`).
    pub last_name: String,
    /// Birth last name (`ENTPersonNomPatro`).
    pub birth_name: Option<String>,
    /// First name (`givenName`, 1D `ENTPersonPrenom`).
    pub first_name: String,
    /// Civility (`M.`, `Mlle`, `Mme`).
    pub civility: Option<String>,
    /// Birth date; required for an added pupil.
    pub birth_date: Option<NaiveDate>,
    /// Jointure id of the structure the pupil belongs to.
    pub structure: Option<String>,
    /// Classes (one in practice).
    pub classes: Vec<GroupRef>,
    /// Groups (LV2, options).
    pub groups: Vec<GroupRef>,
    /// MEF code (`10310019110`).
    pub mef: Option<String>,
    /// MEF label (`3EME`).
    pub mef_label: Option<String>,
    /// 1D level (`CM2`) as delivered.
    pub level_label: Option<String>,
    /// Links to responsables, one per person.
    pub links: Vec<Link>,
    /// E-mail, when given.
    pub email: Option<String>,
}

impl Pupil {
    /// The class level from the 1D level, else the MEF code, else the MEF label.
    pub fn level(&self) -> Option<ClassLevel> {
        let from_label = |label: &Option<String>| {
            let label = label.as_deref()?;
            let first = label.split([' ', '-']).next().unwrap_or(label);
            ClassLevel::parse(label)
                .or_else(|_| ClassLevel::parse(first))
                .ok()
        };
        from_label(&self.level_label)
            .or_else(|| {
                // Collège MEFs start with 100 (6e), 101 (5e), 102 (4e), 103 (3e).
                match self.mef.as_deref()?.get(..3)? {
                    "100" => Some(ClassLevel::Sixieme),
                    "101" => Some(ClassLevel::Cinquieme),
                    "102" => Some(ClassLevel::Quatrieme),
                    "103" => Some(ClassLevel::Troisieme),
                    _ => None,
                }
            })
            .or_else(|| from_label(&self.mef_label))
    }

    /// Links whose person is a legal representative.
    pub fn legal_links(&self) -> impl Iterator<Item = &Link> {
        self.links
            .iter()
            .filter(|link| link.authority == Authority::Legal)
    }
}

/// A responsable (`PersRelEleve`): parent, guardian, or contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relation {
    /// Usage last name.
    pub last_name: String,
    /// Birth last name.
    pub birth_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// Civility.
    pub civility: Option<String>,
    /// Birth date (usually empty for responsables).
    pub birth_date: Option<NaiveDate>,
    /// E-mail.
    pub email: Option<String>,
    /// Mobile phones.
    pub mobiles: Vec<String>,
    /// Address lines (the `$` lines split).
    pub address: Vec<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Town.
    pub town: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Pupils this person is linked to, when the feed says so from this side.
    pub pupils: Vec<String>,
}

/// A function of a staff member in one structure (`structId$CODE$LABEL$DISC$DISCLABEL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Jointure id of the structure.
    pub structure: String,
    /// Function code (`ENS`, `DIR`, `EDU`, `DOC`, `ADF`, `AED`…; `-` for none).
    pub code: String,
    /// Function label (`DIRECTION`).
    pub label: String,
    /// Discipline code (`L0422`).
    pub discipline_code: Option<String>,
    /// Discipline label (`ANGLAIS`, `DIRECTION CHEF D'ETABLISSEMENT`).
    pub discipline_label: Option<String>,
}

/// A teaching service (`structId$CLASS$SUBJECT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Service {
    /// The class or group.
    pub group: GroupRef,
    /// BCN subject code, when given.
    pub subject: Option<String>,
}

/// A member of staff (`PersEducNat`): teacher, direction, CPE, documentaliste…
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staff {
    /// Usage last name.
    pub last_name: String,
    /// Birth last name.
    pub birth_name: Option<String>,
    /// First name.
    pub first_name: String,
    /// Civility.
    pub civility: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Academic e-mail.
    pub email: Option<String>,
    /// Administrative structures (`ENTPersonStructRattach`), often empty.
    pub structures: Vec<String>,
    /// Functions, one per structure and function.
    pub functions: Vec<Function>,
    /// `PersEducNatPresenceDevantEleves`.
    pub teaches: Option<bool>,
    /// `ENTPersonCategorieEnseignant`, which decides when present.
    pub teacher_category: Option<bool>,
    /// Classes taught, with subject when known.
    pub classes: Vec<Service>,
    /// Groups taught, with subject when known.
    pub groups: Vec<Service>,
    /// Classes of which the person is professeur principal.
    pub head_of: Vec<GroupRef>,
    /// Structures the person directs (1D `ENTEnsFonctionDir`).
    pub directs: Vec<String>,
}

impl Staff {
    /// Every structure the person belongs to: attachment, functions, services (aaf.md §9).
    pub fn all_structures(&self) -> Vec<&str> {
        let mut all: Vec<&str> = Vec::new();
        let services = self.classes.iter().chain(&self.groups).map(|s| &s.group);
        let named = (self.structures.iter().map(String::as_str))
            .chain(self.functions.iter().map(|f| f.structure.as_str()))
            .chain(services.map(|g| g.structure.as_str()))
            .chain(self.head_of.iter().map(|g| g.structure.as_str()))
            .chain(self.directs.iter().map(String::as_str));
        for structure in named {
            if !all.contains(&structure) {
                all.push(structure);
            }
        }
        all
    }
}
