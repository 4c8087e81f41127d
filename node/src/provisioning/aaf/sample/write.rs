//! Writing a generated population as AAF files: records, chunks, encodings, archives.

use super::model::{College, Expected, MEFS, Model, OTHER_SUBJECTS, PupilModel, SUBJECTS};
use super::{SampleEncoding, SampleOptions};

/// A generated feed: its files (name, bytes) and what it holds.
#[derive(Debug, Clone)]
pub struct SampleFeed {
    /// Files in delivery order, the DTD included.
    pub files: Vec<(String, Vec<u8>)>,
    /// What an import of it must give.
    pub expected: Expected,
}

/// The DTD shipped with every delivery (aaf.md §4).
const DTD: &str = "<!ELEMENT ficAlimMENESR (addRequest | modifyRequest | deleteRequest)*>\n";

/// Attributes of one record: (name, values).
type Attributes = Vec<(&'static str, Vec<String>)>;

fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn values(out: &mut String, values: &[String]) {
    if values.is_empty() {
        out.push_str("<value/>");
    }
    for value in values {
        out.push_str(&format!("<value>{}</value>", escape(value)));
    }
}

fn head(out: &mut String, request: &str, category: (&str, &str), id: &str) {
    out.push_str(&format!(
        "<{request}>\n<operationalAttributes><attr name=\"{}\"><value>{}</value></attr></operationalAttributes>\n\
         <identifier><id>{id}</id></identifier>\n",
        category.0, category.1
    ));
}

/// An `addRequest`.
pub(super) fn add(category: (&str, &str), id: &str, attributes: &Attributes) -> String {
    let mut out = String::new();
    head(&mut out, "addRequest", category, id);
    out.push_str("<attributes> \n");
    for (name, list) in attributes {
        out.push_str(&format!("<attr name=\"{name}\">"));
        values(&mut out, list);
        out.push_str("</attr>\n");
    }
    out.push_str("</attributes>\n</addRequest>\n");
    out
}

/// A `modifyRequest` replacing the attributes given.
pub(super) fn modify(category: (&str, &str), id: &str, attributes: &Attributes) -> String {
    let mut out = String::new();
    head(&mut out, "modifyRequest", category, id);
    out.push_str("<modifications>\n");
    for (name, list) in attributes {
        out.push_str(&format!(
            "<modification name=\"{name}\" operation=\"replace\">"
        ));
        values(&mut out, list);
        out.push_str("</modification>\n");
    }
    out.push_str("</modifications>\n</modifyRequest>\n");
    out
}

/// A `deleteRequest`.
pub(super) fn delete(category: (&str, &str), id: &str) -> String {
    let mut out = String::new();
    head(&mut out, "deleteRequest", category, id);
    out.push_str("</deleteRequest>\n");
    out
}

pub(super) fn one(value: impl Into<String>) -> Vec<String> {
    vec![value.into()]
}

pub(super) const PERSON: &str = "categoriePersonne";

fn structure(college: &College) -> String {
    let classes = (college.classes.iter())
        .map(|(code, label, mef)| format!("{code}${label}${mef}"))
        .collect();
    let groups = (college.groups.iter())
        .map(|(code, label, classes)| format!("{code}${label}${}", classes.join("$")))
        .collect();
    let attributes: Attributes = vec![
        ("ENTStructureJointure", one(&college.id)),
        ("ENTStructureUAI", one(&college.uai)),
        ("ENTStructureNomCourant", one(&college.name)),
        ("ENTStructureTypeStruct", one("COLLEGE")),
        ("ENTStructureCodeTypeStruct", one("340")),
        ("ENTServAcAcademie", one("LYON")),
        ("ENTServAcCodeAcademie", one("010")),
        ("postalCode", one("69100")),
        ("l", one("VILLEURBANNE")),
        ("ENTStructureClasses", classes),
        ("ENTStructureGroupes", groups),
    ];
    add(
        ("categorieStructure", "EtabEducNat"),
        &college.id,
        &attributes,
    )
}

/// The attributes of a pupil record (2D, current names plus the legacy duplicates).
pub(super) fn pupil_attributes(pupil: &PupilModel, structure: &str) -> Attributes {
    let legal: Vec<String> = (pupil.links.iter())
        .filter(|l| l.split('$').nth(3) != Some("0"))
        .filter_map(|l| l.split('$').next().map(str::to_owned))
        .collect();
    let (last, first, civility) = &pupil.names;
    vec![
        ("ENTPersonJointure", one(&pupil.id)),
        (
            "ENTEleveINE",
            one(format!(
                "{}AB",
                100_000_000 + pupil.id.parse::<u64>().unwrap_or(0) % 1_000_000
            )),
        ),
        (
            "ENTEleveStructRattachId",
            one(format!("9{}", &pupil.id[1..])),
        ),
        ("ENTPersonDateNaissance", one(&pupil.birth)),
        ("ENTPersonNomPatro", one(last.to_uppercase())),
        ("sn", one(last)),
        ("givenName", one(first)),
        ("ENTPersonAutresPrenoms", vec![]),
        ("personalTitle", one(*civility)),
        ("ENTElevePersRelEleve", pupil.links.clone()),
        ("ENTEleveAutoriteParentale", legal),
        ("ENTEleveBoursier", one("N")),
        (
            "ENTEleveRegime",
            one("DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT"),
        ),
        ("ENTEleveMEF", one(pupil.mef.0)),
        ("ENTEleveLibelleMEF", one(pupil.mef.1)),
        ("ENTPersonStructRattach", one(structure)),
        (
            "ENTEleveClasses",
            one(format!("{structure}${}", pupil.class)),
        ),
        (
            "ENTEleveGroupes",
            pupil
                .groups
                .iter()
                .map(|g| format!("{structure}${g}"))
                .collect(),
        ),
        (
            "ENTEleveCodeEnseignements",
            SUBJECTS.iter().map(|s| s.0.to_owned()).collect(),
        ),
    ]
}

/// A pupil `addRequest`.
pub(super) fn pupil_record(pupil: &PupilModel, structure: &str) -> String {
    add(
        (PERSON, "Eleve"),
        &pupil.id,
        &pupil_attributes(pupil, structure),
    )
}

fn records(model: &Model) -> [Vec<String>; 6] {
    let mut structures: Vec<String> = model.colleges.iter().map(structure).collect();
    structures.push(add(
        ("categorieStructure", "EtabEducNat"),
        "5000",
        &vec![
            ("ENTStructureJointure", one("5000")),
            ("ENTStructureUAI", one(super::model::uai(691_064))),
            (
                "ENTStructureNomCourant",
                one("RECTORAT DE L'ACADÉMIE DE LYON"),
            ),
            ("ENTStructureTypeStruct", one("RECTORAT")),
        ],
    ));
    let subjects = (SUBJECTS.iter().map(|s| (s.0, s.1)))
        .chain(OTHER_SUBJECTS)
        .map(|(code, label)| {
            let attributes = vec![
                ("ENTMatJointure", one(code)),
                ("ENTLibelleMatiere", one(label)),
            ];
            add(("categorieMatiere", "MatEducNat"), code, &attributes)
        })
        .collect();
    let mefs = (MEFS.iter())
        .map(|(_, code, label, _)| {
            let attributes = vec![
                ("ENTMefJointure", one(*code)),
                ("ENTLibelleMef", one(*label)),
            ];
            add(("categorieMef", "MefEducNat"), code, &attributes)
        })
        .collect();
    let pupils = (model.pupils.iter())
        .map(|p| pupil_record(p, &model.colleges[p.college].id))
        .collect();
    let relations = (model.relations.iter())
        .map(|r| {
            let (last, first, civility) = &r.names;
            let attributes = vec![
                ("ENTPersonJointure", one(&r.id)),
                ("ENTPersonDateNaissance", vec![]),
                ("ENTPersonNomPatro", one(last.to_uppercase())),
                ("sn", one(last)),
                ("givenName", one(first)),
                ("personalTitle", one(*civility)),
                ("ENTPersonAdresse", one(&r.address.0)),
                ("ENTPersonCodePostal", one(&r.address.1)),
                ("ENTPersonVille", one(&r.address.2)),
                ("ENTPersonPays", one("FRANCE")),
                ("mobile", one("06 00 00 00 00")),
                ("mail", one(format!("parent{}@example.org", r.id))),
            ];
            add((PERSON, "PersRelEleve"), &r.id, &attributes)
        })
        .collect();
    let staff = (model.staff.iter())
        .map(|s| {
            let (last, first, civility) = &s.names;
            let classes = s
                .class_services
                .iter()
                .map(|v| {
                    v.rsplit_once('$')
                        .map_or(v.as_str(), |(class, _)| class)
                        .to_owned()
                })
                .collect();
            let attributes = vec![
                ("ENTPersonJointure", one(&s.id)),
                ("ENTPersonNomPatro", one(last.to_uppercase())),
                ("sn", one(last)),
                ("givenName", one(first)),
                ("personalTitle", one(*civility)),
                ("mail", one(format!("agent{}@ac-lyon.fr", s.id))),
                ("ENTPersonStructRattach", s.attached.clone()),
                ("ENTPersonFonctions", s.functions.clone()),
                ("ENTAuxEnsClasses", classes),
                ("ENTAuxEnsClassesMatieres", s.class_services.clone()),
                ("ENTAuxEnsGroupesMatieres", s.group_services.clone()),
                ("ENTAuxEnsClassesPrincipal", s.head_of.clone()),
                (
                    "PersEducNatPresenceDevantEleves",
                    one(if s.teaches { "O" } else { "N" }),
                ),
            ];
            add((PERSON, "PersEducNat"), &s.id, &attributes)
        })
        .collect();
    [structures, subjects, mefs, pupils, relations, staff]
}

const TYPES: [&str; 6] = [
    "EtabEducNat",
    "MatiereEducNat",
    "MefEducNat",
    "Eleve",
    "PersRelEleve",
    "PersEducNat",
];

/// The XML declaration and header comments of a file.
pub(super) fn header(encoding: SampleEncoding, declaration: bool) -> String {
    let declared = match encoding {
        SampleEncoding::Utf8 | SampleEncoding::Latin1InUtf8 => "UTF-8",
        SampleEncoding::Latin1Entities => "ISO-8859-1",
        SampleEncoding::Latin9 => "ISO-8859-15",
    };
    let mut out = String::new();
    if declaration {
        out.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"{declared}\"?>\n"
        ));
    }
    out.push_str(
        "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n<ficAlimMENESR>\n\
         <!-- versionAF=\"AAF-VE2407\" -->\n<!-- codeAcademieExport=\"10\" -->\n<!-- degre=\"2D\" -->\n",
    );
    out
}

/// Encodes a file's text as `encoding` says.
pub(super) fn encode(text: &str, encoding: SampleEncoding, crlf: bool) -> Vec<u8> {
    let text = if crlf {
        text.replace('\n', "\r\n")
    } else {
        text.to_owned()
    };
    match encoding {
        SampleEncoding::Utf8 => text.into_bytes(),
        SampleEncoding::Latin1Entities => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    out.push_str(&format!("&#{};", c as u32));
                }
            }
            out.into_bytes()
        }
        SampleEncoding::Latin1InUtf8 => encoding_rs::WINDOWS_1252.encode(&text).0.into_owned(),
        SampleEncoding::Latin9 => encoding_rs::ISO_8859_15.encode(&text).0.into_owned(),
    }
}

pub(super) fn files(
    all: [Vec<String>; 6],
    options: &SampleOptions,
    kind: &str,
) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("ficAlimMENESR.dtd".to_owned(), DTD.as_bytes().to_vec())];
    for (entity, records) in all.iter().enumerate() {
        if records.is_empty() {
            continue;
        }
        let encoding = if entity == 0 {
            options.structure_encoding
        } else {
            options.encoding
        };
        for (chunk, part) in records.chunks(options.chunk_records.max(1)).enumerate() {
            // Later chunks of person files come without XML declaration, as in real
            // deliveries; Latin-9 needs its declaration to be read right.
            let declaration = chunk == 0 || encoding == SampleEncoding::Latin9;
            let mut text = header(encoding, declaration);
            text.extend(part.iter().map(String::as_str));
            text.push_str("</ficAlimMENESR>\n");
            let name = format!(
                "ENT2DVA-ENT10_{kind}_{}_{}_{chunk:04}.xml",
                options.date, TYPES[entity]
            );
            files.push((name, encode(&text, encoding, options.crlf)));
        }
    }
    files
}

pub(super) fn complet(model: &Model, options: &SampleOptions) -> SampleFeed {
    SampleFeed {
        files: files(records(model), options, "Complet"),
        expected: model.expected.clone(),
    }
}

pub(super) fn delta(model: &Model, options: &SampleOptions) -> SampleFeed {
    super::delta::build(model, options, |all| files(all, options, "Delta"))
}
