//! Reading each entity's attributes, and the `$`-separated composite values (aaf.md §5-11).

use super::entity::Entity;
use super::records::{
    Authority, Function, GroupRef, Kinship, Link, Mef, Pupil, Relation, Service, Staff, Structure,
    StructureClass, StructureGroup, Subject,
};
use super::typed::{Attrs, FromAaf};

const LAST: &[&str] = &["sn", "ENTPersonNom", "ENTPersonNomPatro"];
const FIRST: &[&str] = &["givenName", "ENTPersonPrenom"];
const BIRTH_NAME: &[&str] = &["ENTPersonNomPatro"];
const CIVILITY: &[&str] = &["personalTitle", "ENTPersonCivilite"];
const BIRTH: &[&str] = &["ENTPersonDateNaissance"];
const MAIL: &[&str] = &["mail", "ENTPersonMail"];

impl FromAaf for Structure {
    const ENTITY: Entity = Entity::Structure;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        let mut classes: Vec<StructureClass> = Vec::new();
        for value in attrs.values(&["ENTStructureClasses"]) {
            let parts = split(value);
            match parts.as_slice() {
                [code, label, mefs @ ..] if !code.is_empty() => {
                    // A class may be listed twice (aaf.md §13.13): the first wins.
                    if classes.iter().all(|c| c.code != *code) {
                        classes.push(StructureClass {
                            code: (*code).to_owned(),
                            label: non_empty(label).unwrap_or(*code).to_owned(),
                            mefs: mefs
                                .iter()
                                .filter(|m| !m.is_empty())
                                .map(|m| (*m).to_owned())
                                .collect(),
                        });
                    }
                }
                _ => unreadable(attrs, "ENTStructureClasses", value),
            }
        }
        let mut groups: Vec<StructureGroup> = Vec::new();
        for value in attrs.values(&["ENTStructureGroupes"]) {
            let parts = split(value);
            match parts.as_slice() {
                [code, label, members @ ..] if !code.is_empty() => {
                    if groups.iter().all(|g| g.code != *code) {
                        groups.push(StructureGroup {
                            code: (*code).to_owned(),
                            label: non_empty(label).unwrap_or(*code).to_owned(),
                            classes: members
                                .iter()
                                .filter(|m| !m.is_empty())
                                .map(|m| (*m).to_owned())
                                .collect(),
                        });
                    }
                }
                _ => unreadable(attrs, "ENTStructureGroupes", value),
            }
        }
        Self {
            uai: attrs.one(&["ENTStructureUAI", "ENTEtablissementUAI"]),
            name: attrs.name(&["ENTStructureNomCourant"], "nom de la structure"),
            kind: attrs.one(&["ENTStructureTypeStruct"]),
            kind_code: attrs.one(&["ENTStructureCodeTypeStruct"]),
            academy: attrs.one(&["ENTServAcAcademie"]),
            academy_code: attrs.one(&["ENTServAcCodeAcademie"]),
            town: attrs.one(&["l", "ENTStructureVille"]),
            postal_code: attrs.one(&["postalCode", "ENTStructureCodePostal"]),
            classes,
            groups,
        }
    }
}

impl FromAaf for Subject {
    const ENTITY: Entity = Entity::Subject;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        Self {
            label: attrs.name(&["ENTLibelleMatiere"], "libellé de la matière"),
        }
    }
}

impl FromAaf for Mef {
    const ENTITY: Entity = Entity::Mef;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        Self {
            label: attrs.name(&["ENTLibelleMef"], "libellé du MEF"),
            level_label: attrs.one(&["ENTNivFormation"]),
        }
    }
}

impl FromAaf for Pupil {
    const ENTITY: Entity = Entity::Pupil;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        Self {
            ine: attrs.one(&["ENTEleveINE"]),
            last_name: attrs.name(LAST, "nom"),
            birth_name: attrs.one(BIRTH_NAME),
            first_name: attrs.name(FIRST, "prénom"),
            civility: attrs.one(CIVILITY),
            birth_date: attrs.date(BIRTH, true),
            structure: attrs.one(&["ENTPersonStructRattach"]),
            classes: group_refs(attrs, &["ENTEleveClasses", "ENTPersonClasses"]),
            groups: group_refs(attrs, &["ENTEleveGroupes", "ENTPersonGroupes"]),
            mef: attrs.one(&["ENTEleveMEF"]),
            mef_label: attrs.one(&["ENTEleveLibelleMEF"]),
            level_label: attrs.one(&["ENTEleveNiveau"]),
            links: links(attrs),
            email: attrs.one(MAIL),
        }
    }
}

impl FromAaf for Relation {
    const ENTITY: Entity = Entity::Relation;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        Self {
            last_name: attrs.name(LAST, "nom"),
            birth_name: attrs.one(BIRTH_NAME),
            first_name: attrs.name(FIRST, "prénom"),
            civility: attrs.one(CIVILITY),
            birth_date: attrs.date(BIRTH, false),
            email: attrs.one(MAIL),
            mobiles: owned(attrs.distinct(&["mobile", "ENTPersRelEleveTelMobile"])),
            address: attrs
                .one(&["ENTPersonAdresse"])
                .map(|a| {
                    split(&a)
                        .into_iter()
                        .filter_map(non_empty)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            postal_code: attrs.one(&["ENTPersonCodePostal"]),
            town: attrs.one(&["ENTPersonVille"]),
            country: attrs.one(&["ENTPersonPays"]),
            pupils: owned(attrs.distinct(&["ENTAuxPersRelEleveEleve", "ENTPersRelEleveEleve"])),
        }
    }
}

impl FromAaf for Staff {
    const ENTITY: Entity = Entity::Staff;

    fn read(attrs: &mut Attrs<'_>) -> Self {
        let mut functions: Vec<Function> = Vec::new();
        for value in attrs.distinct(&["ENTPersonFonctions"]) {
            let parts = split(value);
            match parts.as_slice() {
                [structure, code, rest @ ..] if !structure.is_empty() && !code.is_empty() => {
                    let part =
                        |i: usize| rest.get(i).copied().and_then(meaningful).map(str::to_owned);
                    functions.push(Function {
                        structure: (*structure).to_owned(),
                        code: (*code).to_owned(),
                        label: part(0).unwrap_or_default(),
                        discipline_code: part(1),
                        discipline_label: part(2),
                    });
                }
                _ => unreadable(attrs, "ENTPersonFonctions", value),
            }
        }
        Self {
            last_name: attrs.name(LAST, "nom"),
            birth_name: attrs.one(BIRTH_NAME),
            first_name: attrs.name(FIRST, "prénom"),
            civility: attrs.one(CIVILITY),
            birth_date: attrs.date(BIRTH, false),
            email: attrs.one(MAIL),
            structures: owned(attrs.distinct(&["ENTPersonStructRattach"])),
            functions,
            teaches: attrs.flag(&["PersEducNatPresenceDevantEleves"]),
            teacher_category: attrs.flag(&["ENTPersonCategorieEnseignant"]),
            classes: services(attrs, "ENTAuxEnsClassesMatieres", "ENTAuxEnsClasses"),
            groups: services(attrs, "ENTAuxEnsGroupesMatieres", "ENTAuxEnsGroupes"),
            head_of: group_refs(attrs, &["ENTAuxEnsClassesPrincipal"]),
            directs: owned(attrs.distinct(&["ENTEnsFonctionDir"]))
                .into_iter()
                .filter(|s| !s.contains('$'))
                .collect(),
        }
    }
}

fn split(value: &str) -> Vec<&str> {
    value.split('$').map(str::trim).collect()
}

fn non_empty(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

/// A part that says something: not empty, not `-`, `AUCUNE` or `SANS OBJET`.
fn meaningful(value: &str) -> Option<&str> {
    (!matches!(value, "" | "-" | "AUCUNE" | "SANS OBJET")).then_some(value)
}

fn owned(values: Vec<&str>) -> Vec<String> {
    values.into_iter().map(str::to_owned).collect()
}

fn unreadable(attrs: &mut Attrs<'_>, attribute: &str, value: &str) {
    attrs.warn(attribute, format!("valeur « {value} » illisible : ignorée"));
}

/// `structId$CODE` (2D) or `structId$?$?$ID$LABEL` (1D, aaf.md §11), de-duplicated.
fn group_refs(attrs: &mut Attrs<'_>, names: &[&str]) -> Vec<GroupRef> {
    let mut refs: Vec<GroupRef> = Vec::new();
    for value in attrs.distinct(names) {
        let parts = split(value);
        let found = match parts.as_slice() {
            [structure, _, _, code, label, ..] => Some((structure, code, non_empty(label))),
            [structure, code, ..] => Some((structure, code, None)),
            _ => None,
        };
        match found {
            Some((structure, code, label)) if !structure.is_empty() && !code.is_empty() => {
                let group = GroupRef {
                    structure: (*structure).to_owned(),
                    code: (*code).to_owned(),
                    label: label.map(str::to_owned),
                };
                if !refs.contains(&group) {
                    refs.push(group);
                }
            }
            _ => unreadable(attrs, names[0], value),
        }
    }
    refs
}

/// Services with their subject (`structId$CLASS$SUBJECT`), then the classes named without
/// a subject that no service covers.
fn services(attrs: &mut Attrs<'_>, with_subject: &str, without: &str) -> Vec<Service> {
    let mut services: Vec<Service> = Vec::new();
    for value in attrs.distinct(&[with_subject]) {
        match split(value).as_slice() {
            [structure, code, rest @ ..] if !structure.is_empty() && !code.is_empty() => {
                let service = Service {
                    group: GroupRef {
                        structure: (*structure).to_owned(),
                        code: (*code).to_owned(),
                        label: None,
                    },
                    subject: rest
                        .first()
                        .copied()
                        .and_then(meaningful)
                        .map(str::to_owned),
                };
                if !services.contains(&service) {
                    services.push(service);
                }
            }
            _ => unreadable(attrs, with_subject, value),
        }
    }
    for group in group_refs(attrs, &[without]) {
        if services.iter().all(|s| s.group != group) {
            services.push(Service {
                group,
                subject: None,
            });
        }
    }
    services
}

/// The pupil's links: `ENTElevePersRelEleve` when present, else `ENTEleveAutoriteParentale`
/// (plain ids in old 2D feeds, `relId$code` in 1D), one link per person.
fn links(attrs: &mut Attrs<'_>) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    let full = attrs.values(&["ENTElevePersRelEleve"]);
    let from_full = !full.is_empty();
    let values = if from_full {
        full
    } else {
        attrs.values(&["ENTEleveAutoriteParentale"])
    };
    for value in values {
        let parts = split(value);
        let person = parts[0];
        if person.is_empty() {
            unreadable(attrs, "ENTElevePersRelEleve", value);
            continue;
        }
        let code = parts.get(1).and_then(|c| c.parse::<u8>().ok());
        let flag = |i: usize| parts.get(i).is_some_and(|v| *v == "1");
        let authority = if from_full {
            match (code, parts.get(3).copied()) {
                (_, Some("1")) => Authority::Legal,
                (Some(1..=9), Some("2")) => Authority::Legal,
                (_, Some("2")) => Authority::InCharge,
                _ => Authority::None,
            }
        } else {
            // Every person listed with parental authority is a legal representative.
            Authority::Legal
        };
        let kinship = match code {
            Some(1 | 20) => Kinship::Father,
            Some(2 | 10) => Kinship::Mother,
            Some(3 | 50) => Kinship::Tutor,
            Some(5 | 51) => Kinship::ChildWelfare,
            Some(7 | 70) => Kinship::Pupil,
            Some(4 | 6 | 37..=43 | 90) | None => Kinship::Other,
            Some(other) => {
                let message = format!("code de lien « {other} » inconnu : lien « autre »");
                attrs.warn("ENTElevePersRelEleve", message);
                Kinship::Other
            }
        };
        let link = Link {
            person: person.to_owned(),
            code,
            kinship,
            authority,
            financial: flag(2),
            contact: flag(4),
        };
        match links.iter_mut().find(|l| l.person == link.person) {
            // A repeated person (aaf.md §7): keep one link, the strongest authority.
            Some(existing) => {
                if link.authority == Authority::Legal {
                    existing.authority = Authority::Legal;
                }
                existing.financial |= link.financial;
                existing.contact |= link.contact;
            }
            None => links.push(link),
        }
    }
    links
}
