//! Tests of the AAF reader on generated feeds and on hand-written unkind files.

use std::path::Path;

use tempfile::TempDir;

use super::sample::{self, LargePupilFile, LinkCodes, SampleEncoding, SampleFeed, SampleOptions};
use super::typed::type_record;
use super::xml::RawRecords;
use super::*;

fn folder(feed: &SampleFeed) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    feed.write_folder(dir.path()).expect("written");
    dir
}

fn all<T: FromAaf>(feed: &Feed) -> (Vec<Record<T>>, Reading) {
    let mut records = Vec::new();
    let reading = feed.read::<T>(|r| records.push(r)).expect("readable");
    (records, reading)
}

/// Reads every entity and returns the record counts, checking there is no error.
fn counts(feed: &Feed) -> ([u64; 6], Vec<String>) {
    let mut warnings = Vec::new();
    let mut counts = [0; 6];
    let mut take = |i: usize, reading: Reading| {
        assert!(reading.errors.is_empty(), "{:?}", reading.errors);
        counts[i] = reading.records();
        warnings.extend(reading.warnings.iter().map(ToString::to_string));
    };
    take(0, all::<Structure>(feed).1);
    take(1, all::<Subject>(feed).1);
    take(2, all::<Mef>(feed).1);
    take(3, all::<Pupil>(feed).1);
    take(4, all::<Relation>(feed).1);
    take(5, all::<Staff>(feed).1);
    (counts, warnings)
}

/// One hand-written file in a folder, read as pupils.
fn pupils_of(xml: &[u8]) -> (Vec<Record<Pupil>>, Reading) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ENT_Complet_20240916_Eleve_0000.xml"), xml).expect("written");
    all::<Pupil>(&open(dir.path()).expect("opens"))
}

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ficAlimMENESR>\n";

fn pupil(id: &str, extra: &str) -> String {
    format!(
        "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value>\
         </attr></operationalAttributes><identifier><id>{id}</id></identifier><attributes>\
         <attr name=\"ENTPersonJointure\"><value>{id}</value></attr>\
         <attr name=\"sn\"><value>Martin</value></attr><attr name=\"givenName\"><value>Léa</value></attr>\
         <attr name=\"ENTPersonDateNaissance\"><value>14/09/2012</value></attr>{extra}\
         </attributes></addRequest>\n"
    )
}

#[test]
fn a_generated_complet_reads_with_exact_counts_links_and_services() {
    let generated = sample::complet(&SampleOptions::default());
    let dir = folder(&generated);
    let feed = open(dir.path()).expect("opens");
    assert_eq!(feed.kind, FeedKind::Complet);
    let (counts, warnings) = counts(&feed);
    assert_eq!(counts, generated.expected.records);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(counts[3], 1200);

    let (pupils, _) = all::<Pupil>(&feed);
    let mut legal: Vec<&str> = pupils
        .iter()
        .flat_map(|p| p.data.legal_links())
        .map(|l| l.person.as_str())
        .collect();
    legal.sort_unstable();
    legal.dedup();
    assert_eq!(legal.len() as u64, generated.expected.legal_relations);
    let expected = &generated.expected;
    let link_to = |id: &str| {
        pupils
            .iter()
            .flat_map(|p| &p.data.links)
            .find(|l| l.person == id)
            .cloned()
            .expect("linked")
    };
    let ase = link_to(&expected.ase_guardian);
    assert_eq!(
        (ase.kinship, ase.authority),
        (Kinship::ChildWelfare, Authority::Legal)
    );
    assert_eq!(link_to(&expected.contact).authority, Authority::None);
    let children = |id: &str| {
        pupils
            .iter()
            .filter(|p| p.data.links.iter().any(|l| l.person == id))
            .count()
    };
    assert!(children(&expected.sibling_parent) >= 2);
    let cross = expected
        .cross_college_parent
        .as_deref()
        .expect("two collèges");
    let structures: Vec<_> = (pupils.iter())
        .filter(|p| p.data.links.iter().any(|l| l.person == cross))
        .filter_map(|p| p.data.structure.clone())
        .collect();
    assert_eq!(structures.len(), 2);
    assert_ne!(structures[0], structures[1]);
    assert!(
        pupils
            .iter()
            .all(|p| p.data.level().is_some() && p.data.classes.len() == 1)
    );

    let (staff, _) = all::<Staff>(&feed);
    let music = staff
        .iter()
        .find(|s| s.id == expected.two_college_teacher)
        .expect("music teacher");
    assert_eq!(music.data.all_structures().len(), 2);
    let (structure, class) = &expected.class_without_head;
    assert!(!staff.iter().any(|s| {
        s.data
            .head_of
            .iter()
            .any(|g| g.structure == *structure && g.code == *class)
    }));
    // Repeated head-teacher values are read once.
    assert!(staff.iter().all(|s| {
        let mut heads = s.data.head_of.clone();
        heads.dedup();
        heads.len() == s.data.head_of.len()
    }));
    let (structures, _) = all::<Structure>(&feed);
    let college = structures
        .iter()
        .find(|s| s.data.kind.as_deref() == Some("COLLEGE"))
        .expect("collège");
    assert!(college.data.groups.iter().any(|g| g.label == "4ème latin"));
}

#[test]
fn encodings_chunks_and_crlf_read_the_same_names_and_say_what_was_repaired() {
    let plain = sample::complet(&SampleOptions {
        colleges: 1,
        pupils_per_college: 120,
        ..SampleOptions::default()
    });
    let plain_dir = folder(&plain);
    let (reference, _) = all::<Pupil>(&open(plain_dir.path()).expect("opens"));
    for (persons, structures) in [
        (SampleEncoding::Latin1Entities, SampleEncoding::Latin1InUtf8),
        (SampleEncoding::Latin1InUtf8, SampleEncoding::Latin9),
        (SampleEncoding::Latin9, SampleEncoding::Latin1Entities),
    ] {
        let options = SampleOptions {
            colleges: 1,
            pupils_per_college: 120,
            encoding: persons,
            structure_encoding: structures,
            chunk_records: 50,
            crlf: true,
            ..SampleOptions::default()
        };
        let generated = sample::complet(&options);
        let dir = folder(&generated);
        let feed = open(dir.path()).expect("opens");
        assert_eq!(
            feed.files
                .iter()
                .filter(|f| f.entity == Entity::Pupil)
                .count(),
            3
        );
        let (counts, warnings) = counts(&feed);
        assert_eq!(counts, generated.expected.records, "{persons:?}");
        let (pupils, reading) = all::<Pupil>(&feed);
        let names = |list: &[Record<Pupil>]| {
            list.iter()
                .map(|p| (p.data.last_name.clone(), p.data.first_name.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&pupils), names(&reference), "{persons:?}");
        let repaired = warnings.iter().filter(|w| w.contains("Latin-1")).count();
        let expected_repairs = [persons, structures]
            .iter()
            .filter(|e| **e == SampleEncoding::Latin1InUtf8)
            .count();
        assert!(
            repaired >= expected_repairs.min(1) && (expected_repairs > 0 || repaired == 0),
            "{warnings:?}"
        );
        if persons == SampleEncoding::Latin1InUtf8 {
            assert!(reading.files.iter().all(|f| f.repaired_bytes > 0));
        }
        let (structures_read, _) = all::<Structure>(&feed);
        assert!(
            structures_read
                .iter()
                .any(|s| s.data.name.contains("COLLÈGE"))
        );
    }
}

#[test]
fn zip_and_tgz_archives_read_like_the_folder() {
    let options = SampleOptions {
        colleges: 1,
        pupils_per_college: 100,
        chunk_records: 40,
        ..SampleOptions::default()
    };
    let generated = sample::complet(&options);
    let dir = tempfile::tempdir().expect("temp dir");
    let zip = dir.path().join("ENT2DVA.20240916.zip");
    let tgz = dir.path().join("Complet-ENT.20240916.tgz");
    generated.write_zip(&zip).expect("zip");
    generated.write_tgz(&tgz).expect("tgz");
    for path in [zip, tgz] {
        let feed = open(&path).expect("opens");
        assert!(feed.ignored.is_empty(), "{:?}", feed.ignored);
        assert_eq!(
            counts(&feed).0,
            generated.expected.records,
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_generated_delta_gives_its_operations() {
    let options = SampleOptions::default();
    let generated = sample::delta(&options);
    let dir = folder(&generated);
    let feed = open(dir.path()).expect("opens");
    assert_eq!(feed.kind, FeedKind::Delta);
    let (pupils, reading) = all::<Pupil>(&feed);
    assert_eq!(
        reading.files[0].operations,
        generated.expected.operations[3]
    );
    let (relations, reading) = all::<Relation>(&feed);
    assert_eq!(
        reading.files[0].operations,
        generated.expected.operations[4]
    );
    let (_, reading) = all::<Staff>(&feed);
    assert_eq!(
        reading.files[0].operations,
        generated.expected.operations[5]
    );
    for (id, class) in &generated.expected.moved {
        let moved = pupils.iter().find(|p| p.id == *id).expect("moved");
        assert_eq!(moved.operation, Operation::Modify);
        assert!(moved.mentions(&["ENTEleveClasses"]) && !moved.mentions(&["sn"]));
        assert_eq!(moved.data.classes[0].code, *class);
        // A modification that does not name the names does not need them.
        assert!(moved.data.last_name.is_empty());
    }
    let deleted: Vec<&str> = (pupils.iter().map(|p| (p.operation, p.id.as_str())))
        .chain(relations.iter().map(|r| (r.operation, r.id.as_str())))
        .filter(|(op, _)| *op == Operation::Delete)
        .map(|(_, id)| id)
        .collect();
    assert!(
        generated
            .expected
            .departed
            .iter()
            .filter(|d| !d.starts_with('4'))
            .all(|d| deleted.contains(&d.as_str()))
    );
}

#[test]
fn old_link_codes_give_the_same_legal_representatives() {
    let options = SampleOptions {
        colleges: 1,
        pupils_per_college: 200,
        link_codes: LinkCodes::Old,
        ..SampleOptions::default()
    };
    let generated = sample::complet(&options);
    let dir = folder(&generated);
    let (pupils, _) = all::<Pupil>(&open(dir.path()).expect("opens"));
    let mut legal: Vec<&str> = pupils
        .iter()
        .flat_map(|p| p.data.legal_links())
        .map(|l| l.person.as_str())
        .collect();
    legal.sort_unstable();
    legal.dedup();
    assert_eq!(legal.len() as u64, generated.expected.legal_relations);
    assert!(
        pupils
            .iter()
            .flat_map(|p| &p.data.links)
            .any(|l| l.kinship == Kinship::Father && l.code == Some(1))
    );
}

#[test]
fn a_truncated_file_keeps_the_records_before_and_says_where_it_stops() {
    let xml = format!("{HEAD}{}{}", pupil("1", ""), &pupil("2", "")[..200]);
    let (pupils, reading) = pupils_of(xml.as_bytes());
    assert_eq!(pupils.len(), 1);
    assert_eq!(reading.errors.len(), 1);
    assert!(
        reading.errors[0].message.contains("tronqué"),
        "{}",
        reading.errors[0]
    );
    assert!(!reading.files[0].complete);
    // Cut between records: the closing root tag is missing.
    let (pupils, reading) = pupils_of(format!("{HEAD}{}", pupil("1", "")).as_bytes());
    assert_eq!(pupils.len(), 1);
    assert!(
        reading.errors[0].message.contains("</ficAlimMENESR>"),
        "{}",
        reading.errors[0]
    );
}

#[test]
fn a_wrong_root_or_a_file_that_is_not_xml_is_refused_clearly() {
    let (pupils, reading) = pupils_of(b"<?xml version=\"1.0\"?><annuaire><addRequest/></annuaire>");
    assert!(pupils.is_empty());
    assert!(
        reading.errors[0].message.contains("« annuaire »"),
        "{}",
        reading.errors[0]
    );
    let (_, reading) = pupils_of("Nom;Prénom\nMartin;Léa\n".as_bytes());
    assert!(
        reading.errors[0].message.contains("pas du XML"),
        "{}",
        reading.errors[0]
    );
    let (_, reading) = pupils_of(b"");
    assert!(
        reading.errors[0].message.contains("vide"),
        "{}",
        reading.errors[0]
    );
}

#[test]
fn bad_records_are_refused_with_file_id_and_reason_and_the_others_read() {
    let no_id = pupil("", "").replace("<id></id>", "");
    let xml = format!(
        "{HEAD}{}{no_id}{}{}{}{}{}</ficAlimMENESR>",
        pupil("1", ""),
        pupil("3", "").replace("14/09/2012", "31/02/2012"),
        pupil("4", "").replace("<attr name=\"sn\"><value>Martin</value></attr>", ""),
        pupil(
            "5",
            "<attr name=\"ENTEleveNouveau2030\"><value>x</value></attr>"
        ),
        pupil("6", "").replace("<value>6</value></attr>", "<value>7</value></attr>"),
        pupil("8", "").replace(">Eleve<", ">PersRelEleve<"),
    );
    let (pupils, reading) = pupils_of(xml.as_bytes());
    let ids: Vec<&str> = pupils.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["1", "5"]);
    let errors: Vec<String> = reading.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("ENT_Complet_20240916_Eleve_0000.xml, ligne ")),
        "{errors:?}"
    );
    assert!(
        errors[0].contains("enregistrement n° 2 (sans identifiant)")
            && errors[0].contains("identifiant")
    );
    assert!(
        errors[1].contains("enregistrement 3")
            && errors[1].contains("date impossible « 31/02/2012 »")
    );
    assert!(errors[2].contains("enregistrement 4") && errors[2].contains("nom manquant"));
    assert!(errors[3].contains("enregistrement 6") && errors[3].contains("« 7 » différent"));
    assert!(errors[4].contains("catégorie « PersRelEleve »"));
    // An unknown attribute is a warning, once per file, and the record is read.
    assert_eq!(reading.warnings.len(), 1, "{:?}", reading.warnings);
    assert!(
        reading.warnings[0]
            .message
            .contains("attribut inconnu « ENTEleveNouveau2030 »")
    );
}

#[test]
fn entities_of_every_kind_are_decoded_and_html_ones_reported() {
    let extra = "<attr name=\"ENTEleveRegime\"><value>DEMI-PENSIONNAIRE DANS L&amp;apos;ETABLISSEMENT</value></attr>";
    let xml = format!(
        "{HEAD}{}</ficAlimMENESR>",
        pupil("1", extra).replace("Léa", "L&#233;a &eacute;lise &#x00C9;")
    );
    let (pupils, reading) = pupils_of(xml.as_bytes());
    assert_eq!(pupils[0].data.first_name, "Léa élise É");
    let warnings: Vec<String> = reading.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("1 entité(s) HTML")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("échappées deux fois")),
        "{warnings:?}"
    );
}

#[test]
fn raw_latin1_in_a_file_declared_utf8_is_repaired_and_located() {
    let mut xml = format!("{HEAD}{}", pupil("1", "")).into_bytes();
    xml.extend(
        encoding_rs::WINDOWS_1252
            .encode(&pupil("2", "").replace("Martin", "Lefèvre"))
            .0
            .iter(),
    );
    xml.extend(b"</ficAlimMENESR>");
    let (pupils, reading) = pupils_of(&xml);
    assert_eq!(pupils[1].data.last_name, "Lefèvre");
    assert_eq!(pupils[0].data.first_name, "Léa");
    assert!(
        reading.warnings[0]
            .message
            .contains("1 octet(s) hors UTF-8")
            || reading.warnings[0].message.contains("octet(s) hors UTF-8")
    );
    assert_eq!(reading.warnings[0].line, 4);
}

#[test]
fn errors_are_capped_per_file_with_the_total() {
    let bad: String = (1..=150)
        .map(|i| pupil(&i.to_string(), "").replace("Martin", ""))
        .collect();
    let (pupils, reading) = pupils_of(format!("{HEAD}{bad}</ficAlimMENESR>").as_bytes());
    assert!(pupils.is_empty());
    assert_eq!(reading.rejected(), 150);
    assert_eq!(reading.errors.len(), 101);
    assert!(
        reading.errors[100]
            .message
            .starts_with("150 erreurs en tout")
    );
}

#[test]
fn feeds_that_mix_kinds_or_dates_or_hold_nothing_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("notes.txt"), "x").expect("written");
    assert!(
        open(dir.path())
            .unwrap_err()
            .message
            .contains("aucun fichier AAF")
    );
    std::fs::write(path("ENT_Complet_20240916_Eleve_0000.xml"), "x").expect("written");
    std::fs::write(path("ENT_Delta_20240916_PersRelEleve_0000.xml"), "x").expect("written");
    assert!(open(dir.path()).unwrap_err().message.contains("mélange"));
    std::fs::remove_file(path("ENT_Delta_20240916_PersRelEleve_0000.xml")).expect("removed");
    std::fs::write(path("ENT_Complet_20240923_Eleve_0000.xml"), "x").expect("written");
    assert!(
        open(dir.path())
            .unwrap_err()
            .message
            .contains("20240916, 20240923")
    );
    assert!(open(Path::new("/nonexistent/feed.rar")).is_err());
}

#[test]
fn a_large_file_streams_in_bounded_memory() {
    // About 45 MB of pupils, generated while read: neither side ever holds the file.
    let count = 30_000;
    let mut records = RawRecords::new(LargePupilFile::new(count));
    let (mut read, mut peak) = (0, 0);
    while let Some(record) = records.next() {
        let typed = type_record::<Pupil>(&record.expect("well formed"), "large.xml");
        assert!(typed.errors.is_empty(), "{:?}", typed.errors);
        read += usize::from(typed.record.is_some());
        peak = peak.max(records.buffered());
    }
    assert_eq!(read, count);
    assert!(peak < 1024 * 1024, "buffers grew to {peak} bytes");
}

#[test]
fn first_degree_names_and_values_are_read_into_the_same_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let record = |category: &str, id: &str, attributes: &str| {
        format!(
            "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>{category}\
             </value></attr></operationalAttributes><identifier><id>{id}</id></identifier>\
             <attributes>{attributes}</attributes></addRequest>\n"
        )
    };
    let pupil = record(
        "Eleve",
        "71",
        "<attr name=\"ENTPersonNom\"><value>Benoît</value></attr>\
         <attr name=\"ENTPersonPrenom\"><value>Zoé</value></attr>\
         <attr name=\"ENTPersonDateNaissance\"><value>02/03/2015</value></attr>\
         <attr name=\"ENTPersonStructRattach\"><value>801</value></attr>\
         <attr name=\"ENTPersonClasses\"><value>801$x$y$C12$CE2-CM1 B</value></attr>\
         <attr name=\"ENTEleveNiveau\"><value>CM1</value></attr>\
         <attr name=\"ENTEleveAutoriteParentale\"><value>91$10</value><value>92$20</value></attr>",
    );
    let teacher = record(
        "PersEducNat",
        "81",
        "<attr name=\"ENTPersonNom\"><value>Durand</value></attr>\
         <attr name=\"ENTPersonPrenom\"><value>Anne</value></attr>\
         <attr name=\"ENTPersonFonctions\"><value>801$ENS$ENSEIGNEMENT$-$DIRECTION</value></attr>\
         <attr name=\"ENTEnsFonctionDir\"><value>801</value></attr>",
    );
    for (kind, body) in [("Eleve", pupil), ("PersEducNat", teacher)] {
        let name = format!("ENT1DVA_Complet_20240916_{kind}_0000.xml");
        std::fs::write(
            dir.path().join(name),
            format!("{HEAD}{body}</ficAlimMENESR>"),
        )
        .expect("written");
    }
    let feed = open(dir.path()).expect("opens");
    let (pupils, reading) = all::<Pupil>(&feed);
    assert!(
        reading.errors.is_empty() && reading.warnings.is_empty(),
        "{reading:?}"
    );
    let pupil = &pupils[0].data;
    assert_eq!(
        (pupil.last_name.as_str(), pupil.first_name.as_str()),
        ("Benoît", "Zoé")
    );
    assert_eq!(
        pupil.classes,
        [GroupRef {
            structure: "801".into(),
            code: "C12".into(),
            label: Some("CE2-CM1 B".into())
        }]
    );
    assert_eq!(pupil.level(), Some(crate::domain::ClassLevel::Cm1));
    let kin: Vec<_> = pupil
        .links
        .iter()
        .map(|l| (l.person.as_str(), l.kinship, l.authority))
        .collect();
    assert_eq!(
        kin,
        [
            ("91", Kinship::Mother, Authority::Legal),
            ("92", Kinship::Father, Authority::Legal)
        ]
    );
    let (staff, reading) = all::<Staff>(&feed);
    assert!(reading.errors.is_empty(), "{reading:?}");
    assert_eq!(staff[0].data.directs, ["801"]);
    assert_eq!(staff[0].data.functions[0].discipline_code, None);
}

#[test]
fn a_modification_that_is_not_a_replace_is_read_as_one_and_reported() {
    let xml = format!(
        "{HEAD}<modifyRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve\
         </value></attr></operationalAttributes><identifier><id>5</id></identifier><modifications>\
         <modification name=\"ENTEleveClasses\" operation=\"add\"><value>6027$5EME2</value>\
         </modification></modifications></modifyRequest>\
         <deleteRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value>\
         </attr></operationalAttributes><identifier><id>6</id></identifier></deleteRequest>\
         </ficAlimMENESR>"
    );
    let (pupils, reading) = pupils_of(xml.as_bytes());
    assert_eq!(pupils.len(), 2);
    assert_eq!(pupils[0].data.classes[0].code, "5EME2");
    assert_eq!(
        (pupils[1].operation, pupils[1].id.as_str()),
        (Operation::Delete, "6")
    );
    assert!(
        reading.warnings[0].message.contains("modification « add »"),
        "{:?}",
        reading.warnings
    );
    assert_eq!(reading.files[0].operations, [0, 1, 1]);
}
