//! Reading a feed into what this node must apply: only the structures it hosts, only the
//! people of those structures, every record checked against the others before a write.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::domain::SchoolKind;
use crate::provisioning::onde::read::{MAX_ERRORS, ReadError};

use super::super::{
    Entity, Feed, FeedKind, FileTally, Mef, Operation, Pupil, Reading, Record, Relation, Staff,
    Structure, Subject,
};

/// A school of the node, as an import needs it.
#[derive(Debug, Clone)]
pub(super) struct NodeSchool {
    pub id: String,
    pub uai: String,
    pub name: String,
    pub kind: String,
    pub academy: Option<String>,
    pub jointure: Option<String>,
}

/// A structure of the feed that this node hosts (or will, with `--create-schools`).
#[derive(Debug, Clone)]
pub(super) struct Hosted {
    /// The node's school; `None` when the import creates it.
    pub school_id: Option<String>,
    pub uai: String,
    pub name: String,
    pub kind: SchoolKind,
    /// Labels of classes by code, from EtabEducNat.
    pub class_labels: HashMap<String, String>,
    /// Labels of groups by code, from EtabEducNat.
    pub group_labels: HashMap<String, String>,
}

/// What the feed holds that this node ignores, counted for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    /// Structures not hosted here (rectorat, other collèges…).
    pub structures: u64,
    /// Pupils of other structures.
    pub pupils: u64,
    /// Responsables of no pupil of this node.
    pub relations: u64,
    /// Staff of other structures.
    pub staff: u64,
}

/// The feed, read and checked.
pub(super) struct Plan {
    pub academy: String,
    pub delta: bool,
    /// Hosted structures by jointure id.
    pub hosted: BTreeMap<String, Hosted>,
    pub subjects: Vec<(String, String)>,
    pub mef_labels: HashMap<String, String>,
    pub pupils: Vec<Record<Pupil>>,
    pub relations: Vec<Record<Relation>>,
    pub staff: Vec<Record<Staff>>,
    /// Per person entity (pupils, relations, staff): whether the feed lists all of them, so
    /// that people missing from it have left (Complet, every file present, whole, no refused
    /// record).
    pub whole: [bool; 3],
    pub errors: Vec<ReadError>,
    pub warnings: Vec<ReadError>,
    pub ignored: Ignored,
    pub files: Vec<FileTally>,
}

/// How the operator asked to read the feed.
pub(super) struct PlanOptions<'a> {
    pub academy: Option<&'a str>,
    pub create_schools: bool,
}

/// An academy code without its leading zeros (`013` and `13` are Lyon both).
pub(super) fn academy_code(code: &str) -> String {
    let trimmed = code.trim().trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn feed_error(message: String) -> ReadError {
    ReadError {
        file: String::new(),
        line: 0,
        column: None,
        message,
    }
}

fn record_error<T>(record: &Record<T>, message: String) -> ReadError {
    ReadError {
        file: record.file.clone(),
        line: record.line,
        column: None,
        message: format!("enregistrement {} : {message}", record.id),
    }
}

/// The kind of school a structure is, when it is one this product hosts.
fn school_kind(structure: &Structure) -> Option<SchoolKind> {
    let kind = crate::domain::normalize_name(structure.kind.as_deref().unwrap_or_default());
    if structure.kind_code.as_deref() == Some("340") || kind.contains("college") {
        Some(SchoolKind::College)
    } else if kind.contains("maternelle") {
        Some(SchoolKind::Maternelle)
    } else if kind.contains("elementaire") {
        Some(SchoolKind::Elementaire)
    } else if kind.contains("primaire") || kind.starts_with("ecole") {
        Some(SchoolKind::Primaire)
    } else {
        None
    }
}

/// A readable school name from the feed's display name (`CLG-GEORGES CHARPAK-ac-LYON`,
/// `CLG$CLG INTEGRATION$PARIS`).
fn school_name(structure: &Structure) -> String {
    let name = structure.name.trim();
    if let Some((_, rest)) = name.split_once('$') {
        return rest.split('$').next().unwrap_or(rest).trim().to_owned();
    }
    let name = name.split("-ac-").next().unwrap_or(name);
    match name.split_once('-') {
        Some((prefix, rest)) if prefix.len() <= 4 && !rest.is_empty() => {
            format!("{prefix} {rest}")
        }
        _ => name.to_owned(),
    }
}

/// Collects a reading's tallies, errors and warnings (each capped per file by the reader).
fn absorb(plan: &mut Plan, reading: Reading) {
    plan.files.extend(reading.files);
    plan.errors.extend(reading.errors);
    plan.warnings.extend(reading.warnings);
}

/// Whether every file of `entity` was read whole with no record refused.
fn read_whole(plan: &Plan, feed: &Feed, entity: Entity) -> bool {
    feed.has(entity)
        && (plan.files.iter())
            .filter(|f| f.entity == entity)
            .all(|f| f.complete && f.rejected == 0)
}

/// Remembers ids per entity to refuse the same person twice in one feed (chunks overlap in
/// badly cut deliveries): the second is an error naming where the first was.
#[derive(Default)]
struct Seen(HashMap<String, (String, usize)>);

impl Seen {
    fn check<T>(&mut self, record: &Record<T>) -> Option<ReadError> {
        match self.0.get(&record.id) {
            Some((file, line)) => Some(record_error(
                record,
                format!("identifiant en double (déjà lu dans {file}, ligne {line})"),
            )),
            None => {
                (self.0).insert(record.id.clone(), (record.file.clone(), record.line));
                None
            }
        }
    }
}

/// Reads the feed against the node's schools.
pub(super) fn plan(
    feed: &Feed,
    schools: &[NodeSchool],
    options: &PlanOptions<'_>,
) -> Result<Plan, ReadError> {
    let mut plan = Plan {
        academy: String::new(),
        delta: feed.kind == FeedKind::Delta,
        hosted: BTreeMap::new(),
        subjects: Vec::new(),
        mef_labels: HashMap::new(),
        pupils: Vec::new(),
        relations: Vec::new(),
        staff: Vec::new(),
        whole: [false; 3],
        errors: Vec::new(),
        warnings: Vec::new(),
        ignored: Ignored::default(),
        files: Vec::new(),
    };
    let by_uai: HashMap<&str, &NodeSchool> = schools.iter().map(|s| (s.uai.as_str(), s)).collect();
    let mut header_academy: Option<String> = None;
    let mut structure_academies: Vec<String> = Vec::new();

    // Structures first: they say which records concern this node.
    let mut structures: Vec<Record<Structure>> = Vec::new();
    let reading = feed.read::<Structure>(|record| structures.push(record))?;
    header_academy = header_academy.or(header(&reading, "codeAcademieExport"));
    absorb(&mut plan, reading);
    for record in structures {
        let structure = &record.data;
        let uai = structure.uai.as_deref().map(str::to_uppercase);
        let known = uai.as_deref().and_then(|u| by_uai.get(u).copied());
        let kind = school_kind(structure);
        let hosted = match (known, kind) {
            (Some(school), _) => Some(Hosted {
                school_id: Some(school.id.clone()),
                uai: school.uai.clone(),
                name: school.name.clone(),
                kind: SchoolKind::parse(&school.kind).unwrap_or(SchoolKind::College),
                class_labels: HashMap::new(),
                group_labels: HashMap::new(),
            }),
            (None, Some(kind)) if options.create_schools && uai.is_some() => Some(Hosted {
                school_id: None,
                uai: uai.clone().unwrap_or_default(),
                name: school_name(structure),
                kind,
                class_labels: HashMap::new(),
                group_labels: HashMap::new(),
            }),
            _ => None,
        };
        let Some(mut hosted) = hosted else {
            plan.ignored.structures += 1;
            continue;
        };
        if let Some(code) = &structure.academy_code {
            structure_academies.push(academy_code(code));
        }
        // The académie an earlier import stored: a feed of ids from another one would make
        // everyone new (and everyone stored "missing").
        if let Some(code) = known.and_then(|school| school.academy.as_deref()) {
            structure_academies.push(academy_code(code));
        }
        for class in &structure.classes {
            (hosted.class_labels).insert(class.code.clone(), class.label.clone());
        }
        for group in &structure.groups {
            (hosted.group_labels).insert(group.code.clone(), group.label.clone());
        }
        plan.hosted.insert(record.id.clone(), hosted);
    }
    // A Complet says who has left, so it must say of which structures: a per-establishment
    // extract of one collège must not make the other collège's people "missing".
    if !plan.delta && !feed.has(Entity::Structure) {
        return Err(feed_error(
            "flux Complet sans fichier EtabEducNat : impossible de savoir de quels \
             établissements il donne la liste complète (rien n'a été importé)"
                .to_owned(),
        ));
    }
    // A Delta without EtabEducNat concerns the structures an earlier import tied to this
    // node's schools.
    let described = feed.has(Entity::Structure);
    for school in schools.iter().filter(|_| !described) {
        if let Some(jointure) = &school.jointure
            && !plan.hosted.contains_key(jointure)
            && !(plan.hosted.values()).any(|h| h.school_id.as_deref() == Some(&school.id))
        {
            plan.hosted.insert(
                jointure.clone(),
                Hosted {
                    school_id: Some(school.id.clone()),
                    uai: school.uai.clone(),
                    name: school.name.clone(),
                    kind: SchoolKind::parse(&school.kind).unwrap_or(SchoolKind::College),
                    class_labels: HashMap::new(),
                    group_labels: HashMap::new(),
                },
            );
            if let Some(academy) = &school.academy {
                structure_academies.push(academy.clone());
            }
        }
    }
    if plan.hosted.is_empty() {
        let uais: Vec<&str> = schools.iter().map(|s| s.uai.as_str()).collect();
        return Err(feed_error(format!(
            "aucun établissement de ce flux n'est hébergé par ce nœud (écoles du nœud : {}). \
             Ajoutez l'établissement (ent-admin school add) ou relancez avec --create-schools",
            if uais.is_empty() {
                "aucune".to_owned()
            } else {
                uais.join(", ")
            }
        )));
    }

    let subjects = &mut plan.subjects;
    let reading = feed.read::<Subject>(|record| subjects.push((record.id, record.data.label)))?;
    header_academy = header_academy.or(header(&reading, "codeAcademieExport"));
    absorb(&mut plan, reading);
    let mefs = &mut plan.mef_labels;
    let reading = feed.read::<Mef>(|record| {
        mefs.insert(record.id, record.data.label);
    })?;
    absorb(&mut plan, reading);

    // Pupils of hosted structures (or, in a Delta, of no stated structure: the store knows).
    let hosted: HashSet<String> = plan.hosted.keys().cloned().collect();
    let delta = plan.delta;
    let mut seen = Seen::default();
    let (mut pupils, mut errors, mut ignored) = (Vec::new(), Vec::new(), 0);
    let reading = feed.read::<Pupil>(|mut record| {
        lighten(&mut record);
        let structure = pupil_structure(&record.data);
        let ours = match &structure {
            Some(s) => hosted.contains(s),
            None => delta && record.operation != Operation::Add,
        };
        if !ours {
            ignored += 1;
            return;
        }
        if let Some(error) = seen.check(&record) {
            errors.push(error);
            return;
        }
        pupils.push(record);
    })?;
    header_academy = header_academy.or(header(&reading, "codeAcademieExport"));
    absorb(&mut plan, reading);
    plan.ignored.pupils = ignored;
    plan.errors.extend(errors);

    // Responsables: only those a kept pupil names (with any authority, to check links), and
    // in a Delta every change (the store knows whether the person is ours).
    let named: HashSet<String> = (pupils.iter())
        .flat_map(|p| p.data.links.iter().map(|l| l.person.clone()))
        .collect();
    let mut seen = Seen::default();
    let (mut relations, mut errors, mut ignored) = (Vec::new(), Vec::new(), 0);
    let reading = feed.read::<Relation>(|mut record| {
        lighten(&mut record);
        // Addresses and phones are never stored: not even held while importing.
        let data = &mut record.data;
        (data.address, data.mobiles, data.pupils) = (Vec::new(), Vec::new(), Vec::new());
        (data.postal_code, data.town, data.country) = (None, None, None);
        if !named.contains(&record.id) && (!delta || record.operation == Operation::Add) {
            ignored += 1;
            return;
        }
        if let Some(error) = seen.check(&record) {
            errors.push(error);
            return;
        }
        relations.push(record);
    })?;
    absorb(&mut plan, reading);
    plan.ignored.relations = ignored;
    plan.errors.extend(errors);

    // Every legal link of an added pupil must name a responsable of the feed (a Delta may
    // name one the store already has: checked when applying).
    let listed: HashSet<&str> = relations.iter().map(|r| r.id.as_str()).collect();
    if !delta {
        for pupil in &pupils {
            for link in pupil.data.legal_links() {
                if !listed.contains(link.person.as_str()) && plan.errors.len() < MAX_ERRORS * 6 {
                    plan.errors.push(record_error(
                        pupil,
                        format!(
                            "responsable légal {} absent du fichier PersRelEleve",
                            link.person
                        ),
                    ));
                }
            }
        }
    }

    let mut seen = Seen::default();
    let (mut staff, mut errors, mut ignored) = (Vec::new(), Vec::new(), 0);
    let reading = feed.read::<Staff>(|mut record| {
        lighten(&mut record);
        let all = record.data.all_structures();
        let ours = if all.is_empty() {
            delta && record.operation != Operation::Add
        } else {
            all.iter().any(|s| hosted.contains(*s))
        };
        if !ours {
            ignored += 1;
            return;
        }
        keep_hosted(&mut record.data, &hosted);
        if let Some(error) = seen.check(&record) {
            errors.push(error);
            return;
        }
        staff.push(record);
    })?;
    absorb(&mut plan, reading);
    plan.ignored.staff = ignored;
    plan.errors.extend(errors);

    plan.pupils = pupils;
    plan.relations = relations;
    plan.staff = staff;
    if !delta {
        plan.whole = [Entity::Pupil, Entity::Relation, Entity::Staff]
            .map(|entity| read_whole(&plan, feed, entity));
        for (entity, whole) in [Entity::Pupil, Entity::Relation, Entity::Staff]
            .into_iter()
            .zip(plan.whole)
        {
            if !whole {
                plan.warnings.push(feed_error(format!(
                    "fichier(s) {} absent(s), incomplet(s) ou avec des enregistrements refusés : \
                     personne n'est considéré comme parti pour cette catégorie",
                    entity.file_type()
                )));
            }
        }
    }
    plan.academy = academy(
        &mut plan,
        options.academy,
        header_academy,
        &structure_academies,
    )?;
    Ok(plan)
}

/// Drops what an added record will not be asked (the attribute names matter only to
/// modifications): an academy-wide feed keeps tens of thousands of records until applied.
fn lighten<T>(record: &mut Record<T>) {
    if record.operation == Operation::Add {
        record.attributes = Vec::new();
    }
}

/// The structure a pupil belongs to: the attachment, else the class's structure.
pub(super) fn pupil_structure(pupil: &Pupil) -> Option<String> {
    (pupil.structure.clone())
        .or_else(|| pupil.classes.first().map(|c| c.structure.clone()))
        .or_else(|| pupil.groups.first().map(|g| g.structure.clone()))
}

/// Drops the parts of a staff record that concern structures of other nodes.
fn keep_hosted(staff: &mut Staff, hosted: &HashSet<String>) {
    staff.structures.retain(|s| hosted.contains(s));
    staff.functions.retain(|f| hosted.contains(&f.structure));
    staff
        .classes
        .retain(|s| hosted.contains(&s.group.structure));
    staff.groups.retain(|s| hosted.contains(&s.group.structure));
    staff.head_of.retain(|g| hosted.contains(&g.structure));
    staff.directs.retain(|s| hosted.contains(s));
}

fn header(reading: &Reading, name: &str) -> Option<String> {
    (reading.header.iter())
        .find(|(key, _)| key == name)
        .map(|(_, value)| academy_code(value))
}

/// The académie the feed's ids belong to: what the operator said, else the feed's header,
/// else the hosted structures' académie; all that is known must agree.
fn academy(
    plan: &mut Plan,
    option: Option<&str>,
    header: Option<String>,
    structures: &[String],
) -> Result<String, ReadError> {
    let option = option.map(academy_code);
    let mut known: Vec<(String, &str)> = Vec::new();
    if let Some(code) = &option {
        known.push((code.clone(), "--academie"));
    }
    if let Some(code) = &header {
        known.push((code.clone(), "l'en-tête du flux (codeAcademieExport)"));
    }
    for code in structures {
        known.push((
            code.clone(),
            "les établissements (ENTServAcCodeAcademie ou imports précédents)",
        ));
    }
    let Some((first, source)) = known.first().cloned() else {
        return Err(feed_error(
            "le flux ne dit pas de quelle académie il vient : précisez-la avec --academie CODE \
             (les identifiants de jointure ne sont uniques que dans une académie)"
                .to_owned(),
        ));
    };
    if let Some((other, other_source)) = known.iter().find(|(code, _)| *code != first) {
        return Err(feed_error(format!(
            "académies différentes : {first} d'après {source}, {other} d'après {other_source}"
        )));
    }
    if option.is_none() && header.is_none() {
        plan.warnings.push(feed_error(format!(
            "pas d'en-tête codeAcademieExport : académie {first} déduite des établissements"
        )));
    }
    Ok(first)
}
