use super::*;
use crate::provisioning::onde::sample::{self, SampleEncoding, SampleOptions};

fn options(classes: usize, pupils_per_class: usize) -> SampleOptions {
    SampleOptions {
        classes,
        pupils_per_class,
        ..SampleOptions::default()
    }
}

fn unquoted() -> SampleOptions {
    SampleOptions {
        quoted: false,
        encoding: SampleEncoding::Utf8,
        crlf: false,
        ..SampleOptions::default()
    }
}

/// Replaces cell `column` (0-based) of physical line `line` (1-based), keeping its quoting.
fn set_cell(text: &str, line: usize, column: usize, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut cells: Vec<String> = lines[line - 1].split(';').map(str::to_owned).collect();
    let quoted = cells[column].starts_with('"');
    cells[column] = if quoted {
        format!("\"{value}\"")
    } else {
        value.to_owned()
    };
    lines[line - 1] = cells.join(";");
    lines.join("\n") + "\n"
}

/// Applies `f` to the cells of every line (unquoted texts only).
fn map_cells(text: &str, f: impl Fn(&mut Vec<&str>)) -> String {
    let lines = text.lines().map(|line| {
        let mut cells: Vec<&str> = line.split(';').collect();
        f(&mut cells);
        cells.join(";") + "\n"
    });
    lines.collect()
}

fn error(line: usize, column: Option<&str>, message: &str) -> ReadError {
    let column = column.map(str::to_owned);
    ReadError {
        file: "eleves.csv".into(),
        line,
        column,
        message: message.into(),
    }
}

#[test]
fn windows_1252_accents_are_decoded() {
    let files = sample::files(&SampleOptions::default());
    assert!(
        std::str::from_utf8(&files.pupils).is_err(),
        "really Windows-1252"
    );
    let pupils = read_pupils("eleves.csv", &files.pupils).unwrap();
    for name in ["Zoé", "Anaïs", "Gaëlle", "François", "Noël"] {
        assert!(pupils.iter().any(|p| p.first_name == name), "{name}");
    }
    assert_eq!(decode(b"Lef\xE8vre \x9C"), "Lefèvre œ");
}

#[test]
fn utf8_bom_and_utf16_are_decoded() {
    assert_eq!(decode("\u{feff}Prénom".as_bytes()), "Prénom");
    assert_eq!(decode(b"\xFF\xFEZ\x00o\x00\xE9\x00"), "Zoé");
    let opts = SampleOptions {
        encoding: SampleEncoding::Utf8Bom,
        ..SampleOptions::default()
    };
    let files = sample::files(&opts);
    assert!(files.pupils.starts_with(b"\xEF\xBB\xBF\"Nom El"));
    let pupils = read_pupils("eleves.csv", &files.pupils).unwrap();
    assert_eq!((pupils.len(), pupils[0].first_name.as_str()), (48, "Zoé"));
}

#[test]
fn every_encoding_line_end_and_quoting_reads_the_same() {
    let reference = sample::files(&unquoted());
    let pupils = read_pupils("e", &reference.pupils).unwrap();
    let guardians = read_guardians("r", &reference.guardians).unwrap();
    let teachers = read_teachers("t", &reference.teachers).unwrap();
    assert_eq!((pupils.len(), teachers.len()), (48, 2));
    for encoding in [
        SampleEncoding::Utf8,
        SampleEncoding::Utf8Bom,
        SampleEncoding::Windows1252,
    ] {
        for (crlf, quoted) in [(false, false), (false, true), (true, false), (true, true)] {
            let files = sample::files(&SampleOptions {
                encoding,
                crlf,
                quoted,
                ..SampleOptions::default()
            });
            assert_eq!(
                read_pupils("e", &files.pupils).unwrap(),
                pupils,
                "{encoding:?} {crlf} {quoted}"
            );
            assert_eq!(read_guardians("r", &files.guardians).unwrap(), guardians);
            assert_eq!(read_teachers("t", &files.teachers).unwrap(), teachers);
        }
    }
}

#[test]
fn both_date_formats_and_level_labels_are_read() {
    let text = sample::texts(&unquoted()).pupils;
    let text = set_cell(&text, 2, 3, "2020-03-15");
    let text = set_cell(&text, 3, 3, "5/3/2020 00:00");
    let text = set_cell(&text, 4, 10, "Cours moyen 2e année");
    let pupils = read_pupils("eleves.csv", text.as_bytes()).unwrap();
    assert_eq!(
        pupils[0].birth_date,
        NaiveDate::from_ymd_opt(2020, 3, 15).unwrap()
    );
    assert_eq!(
        pupils[1].birth_date,
        NaiveDate::from_ymd_opt(2020, 3, 5).unwrap()
    );
    assert_eq!(pupils[2].level, ClassLevel::Cm2);
    assert!(
        pupils.iter().any(|p| p.level == ClassLevel::Ce1),
        "labels of class 1 parsed"
    );
}

#[test]
fn columns_in_another_order_give_the_same_rows() {
    let texts = sample::texts(&unquoted());
    let reversed = map_cells(&texts.pupils, |cells| cells.reverse());
    let pupils = read_pupils("e", texts.pupils.as_bytes()).unwrap();
    assert_eq!(read_pupils("e", reversed.as_bytes()).unwrap(), pupils);
    // Teachers: swap "Nom usage" and "Nom" so only exact header matching gets them right.
    let swapped = map_cells(&texts.teachers, |cells| cells.swap(1, 2));
    assert_eq!(
        read_teachers("t", swapped.as_bytes()),
        read_teachers("t", texts.teachers.as_bytes())
    );
    // Guardians: move the child groups before the guardian's own columns.
    let moved = map_cells(&texts.guardians, |cells| cells.rotate_left(12));
    assert_eq!(
        read_guardians("r", moved.as_bytes()),
        read_guardians("r", texts.guardians.as_bytes())
    );
}

#[test]
fn missing_required_column_is_reported_on_line_1() {
    let text = map_cells(&sample::texts(&unquoted()).pupils, |cells| {
        _ = cells.remove(2)
    });
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    assert_eq!(
        errors,
        vec![error(
            1,
            None,
            "colonne obligatoire « Prénom Elève » absente"
        )]
    );
    assert_eq!(
        errors[0].to_string(),
        "eleves.csv, ligne 1 : colonne obligatoire « Prénom Elève » absente"
    );
    let text = map_cells(&sample::texts(&unquoted()).guardians, |cells| {
        cells.truncate(12)
    });
    let errors = read_guardians("r", text.as_bytes()).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].message.contains("Nom de famille enfant")
            && errors[1].message.contains("Prénom enfant")
    );
}

#[test]
fn malformed_date_on_line_57_is_located() {
    let opts = options(2, 30);
    let text = set_cell(&sample::texts(&opts).pupils, 57, 3, "31/02/2015");
    let bytes = sample::encode(&text, opts.encoding, opts.crlf);
    let errors = read_pupils("eleves.csv", &bytes).unwrap_err();
    let message = "date invalide « 31/02/2015 » (jj/mm/aaaa ou aaaa-mm-jj attendu)";
    assert_eq!(errors, vec![error(57, Some("Date naissance"), message)]);
    assert_eq!(
        errors[0].to_string(),
        "eleves.csv, ligne 57, colonne « Date naissance » : date invalide « 31/02/2015 » (jj/mm/aaaa ou aaaa-mm-jj attendu)"
    );
    let text = set_cell(&sample::texts(&opts).pupils, 57, 3, "01/01/1850");
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    assert!(errors[0].message.contains("entre 1900 et 2100"));
}

#[test]
fn unknown_level_names_the_column_and_value() {
    let text = set_cell(&sample::texts(&unquoted()).pupils, 5, 10, "CM3");
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    assert_eq!(
        (errors.len(), errors[0].line, errors[0].column.as_deref()),
        (1, 5, Some("Niveau"))
    );
    assert!(errors[0].message.contains("« CM3 »"));
}

#[test]
fn two_bad_lines_give_two_errors_and_errors_are_capped() {
    let text = sample::texts(&unquoted()).pupils;
    let text = set_cell(&set_cell(&text, 3, 2, ""), 10, 11, " ");
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    let missing = "valeur obligatoire manquante";
    assert_eq!(
        errors,
        vec![
            error(3, Some("Prénom Elève"), missing),
            error(10, Some("Classe"), missing)
        ]
    );
    let text = sample::texts(&options(10, 20)).pupils;
    let (header, rows) = text.split_once('\n').unwrap();
    let broken = format!(
        "{header}\n{}",
        map_cells(rows, |cells| cells[3] = "\"hier\"")
    );
    let errors = read_pupils("eleves.csv", broken.as_bytes()).unwrap_err();
    assert_eq!((errors.len(), errors[99].line), (101, 101));
    // The 101st tells the total, on no line.
    assert_eq!(errors[100].line, 0);
    assert!(
        errors[100].message.starts_with("200 erreurs en tout"),
        "{}",
        errors[100]
    );
    assert!(
        errors[100]
            .to_string()
            .starts_with("eleves.csv : 200 erreurs")
    );
}

#[test]
fn a_line_break_in_a_field_is_an_error_where_its_quote_opened() {
    // Line 6 (after CRLF lines and a quoted export): one value broken over two lines.
    let text = sample::texts(&SampleOptions::default()).pupils;
    let text = set_cell(&text, 6, 5, "12 rue des Écoles\nBâtiment B");
    let bytes = sample::encode(&text, SampleEncoding::Windows1252, true);
    let errors = read_pupils("eleves.csv", &bytes).unwrap_err();
    assert_eq!((errors.len(), errors[0].line), (1, 6), "{errors:?}");
    assert!(
        errors[0].message.contains("ouvert ligne 6"),
        "{}",
        errors[0]
    );

    // An unquoted file with one stray quote on line 4: everything after would be one value.
    let text = sample::texts(&unquoted()).pupils;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[3] = lines[3].replacen(';', ";\"", 1);
    let text = lines.join("\r\n") + "\r\n";
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 4);
    assert_eq!(errors[0].column.as_deref(), Some("Nom d'usage Elève"));

    // Line numbers stay physical: the row after a fixed CRLF file is where it is.
    let pupils = read_pupils(
        "eleves.csv",
        &sample::encode(
            &sample::texts(&SampleOptions::default()).pupils,
            SampleEncoding::Utf8,
            true,
        ),
    )
    .unwrap();
    assert_eq!(
        (pupils[0].line, pupils[1].line, pupils[47].line),
        (2, 3, 49)
    );
}

#[test]
fn spreadsheets_and_binary_files_are_named_not_parsed() {
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml";
    let errors = read_pupils("eleves.xlsx", xlsx).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("pas un fichier CSV"),
        "{}",
        errors[0]
    );
    assert!(errors[0].message.contains(".xlsx"));
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    assert!(
        read_guardians("r.xls", &xls).unwrap_err()[0]
            .message
            .contains(".xls")
    );
    let binary: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 256) as u8).collect();
    let errors = read_teachers("t.csv", &binary).unwrap_err();
    assert!(errors[0].message.contains("binaire"), "{}", errors[0]);
}

#[test]
fn control_characters_and_overlong_values_are_refused_where_read() {
    let text = sample::texts(&unquoted()).pupils;
    let text = set_cell(&text, 3, 2, "Lé\u{1b}[2Ja");
    let text = set_cell(&text, 5, 0, &"A".repeat(NAME_MAX + 1));
    let text = set_cell(&text, 7, 11, &"C".repeat(CLASS_NAME_MAX + 1));
    let errors = read_pupils("eleves.csv", text.as_bytes()).unwrap_err();
    let found: Vec<(usize, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (3, Some("Prénom Elève")),
            (5, Some("Nom Elève")),
            (7, Some("Classe"))
        ],
        "{errors:?}"
    );
    assert!(errors[0].message.contains("caractère de contrôle"));
    assert!(errors[1].message.contains("trop longue"));
    // A tab in an unused column (the address) does not block the import.
    let text = set_cell(&sample::texts(&unquoted()).pupils, 3, 5, "rue\tdu Lac");
    assert!(read_pupils("eleves.csv", text.as_bytes()).is_ok());
}

#[test]
fn blank_lines_and_empty_trailing_rows_are_ignored() {
    let text = sample::texts(&unquoted())
        .pupils
        .replacen('\n', "\n\n  \n", 2)
        + "\n;;;;;;;;\n\n";
    for crlf in [false, true] {
        let pupils = read_pupils(
            "eleves.csv",
            &sample::encode(&text, SampleEncoding::Utf8, crlf),
        )
        .unwrap();
        assert_eq!(
            (
                pupils.len(),
                pupils[0].line,
                pupils[1].line,
                pupils[47].line
            ),
            (48, 4, 7, 53)
        );
    }
}

#[test]
fn empty_file_and_header_only_are_errors() {
    let errors = read_pupils("eleves.csv", b"").unwrap_err();
    assert_eq!(errors, vec![error(1, None, "fichier vide : aucune ligne")]);
    let header = sample::texts(&options(0, 0)).pupils;
    let errors = read_pupils("eleves.csv", header.as_bytes()).unwrap_err();
    assert_eq!(
        errors,
        vec![error(1, None, "aucune ligne d'élève après l'en-tête")]
    );
}

#[test]
fn guardian_with_three_children_in_two_classes() {
    let files = sample::files(&SampleOptions::default());
    let guardians = read_guardians("responsables.csv", &files.guardians).unwrap();
    let parent = guardians
        .iter()
        .find(|g| g.last_name == "D'Angelo")
        .unwrap();
    let names: Vec<_> = parent
        .children
        .iter()
        .map(|c| (c.first_name.as_str(), c.last_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Zoé", "D'Angelo"),
            ("Noël", "D'Angelo"),
            ("Anaïs", "D'Angelo")
        ]
    );
    assert_ne!(parent.children[0].class_name, parent.children[2].class_name);
    assert!(parent.children.iter().all(|c| c.class_name.is_some()));
}

const GUARDIAN_HEADER: &str = "Civilité Responsable;Nom responsable;Nom usage responsable;Prénom responsable;Courriel;\
Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants;\
Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants;\
Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants\n";

#[test]
fn repeated_child_groups_may_be_partially_empty() {
    let text = format!("{GUARDIAN_HEADER}Mme;Durand;;Lucie;;;;;CP A;Petit;Durand;Léo;CE1 B;;;;\n");
    let guardians = read_guardians("r.csv", text.as_bytes()).unwrap();
    let child = ChildRef {
        last_name: "Durand".into(),
        usage_name: Some("Petit".into()),
        first_name: "Léo".into(),
        class_name: Some("CE1 B".into()),
    };
    assert_eq!(guardians[0].children, vec![child]);
    assert_eq!(
        (
            guardians[0].civility.as_deref(),
            guardians[0].email.as_deref()
        ),
        (Some("Mme"), None)
    );
}

#[test]
fn bad_child_groups_and_guardians_without_children_are_errors() {
    let text = format!(
        "{GUARDIAN_HEADER}M.;Durand;;Paul;;;;Léo;CP A;;;;;;;;\nM.;Roux;;Jean;;;;;;;;;;;;;\nMme;Roux;;Ana;;;Roux;;CP A;;;;;;;;\n"
    );
    let errors = read_guardians("r.csv", text.as_bytes()).unwrap_err();
    let located: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        located,
        [
            (2, Some("Nom de famille enfant")),
            (3, None),
            (4, Some("Prénom enfant"))
        ]
    );
    assert!(errors[0].message.contains("« Léo »") && errors[1].message.contains("aucun enfant"));
}

#[test]
fn invalid_emails_are_refused() {
    for email in [
        "jean.dupont@exemple",
        "jean dupont@exemple.fr",
        "a@b@c.fr",
        "@exemple.fr",
        "x@.fr",
    ] {
        let text = format!("{GUARDIAN_HEADER}M.;Durand;;Paul;{email};;Durand;Léo;CP A;;;;;;;;\n");
        let errors = read_guardians("r.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            (errors.len(), errors[0].column.as_deref()),
            (1, Some("Courriel")),
            "{email}"
        );
    }
    let text =
        format!("{GUARDIAN_HEADER}M.;Durand;;Paul; paul.durand@exemple.fr ;;Durand;Léo;;;;;;;;;\n");
    let guardians = read_guardians("r.csv", text.as_bytes()).unwrap();
    assert_eq!(
        guardians[0].email.as_deref(),
        Some("paul.durand@exemple.fr")
    );
}

#[test]
fn teacher_director_with_two_classes() {
    let text = "\"Civilité\";\"Nom usage\";\"Nom\";\"Prénom\";\"Courriel\";\"Directeur\";\"Classe\"\r\n\
        \"Mme\";\"Martin\";\"Durand\";\"Sophie\";\"s.martin@ac-exemple.fr\";\"OUI\";\"CM1 A, CM2 B\"\r\n\
        M.;;Petit;Jean;;x;CP A / CE1 A\r\nMme;;Roux;Anne;;;CE2 A\r\nM.;;Blanc;Luc;;n;\r\n";
    let teachers = read_teachers("enseignants.csv", text.as_bytes()).unwrap();
    let director = &teachers[0];
    assert_eq!(
        (director.last_name.as_str(), director.usage_name.as_deref()),
        ("Durand", Some("Martin"))
    );
    assert!(director.is_director);
    assert_eq!(director.class_names, ["CM1 A", "CM2 B"]);
    assert_eq!(
        (teachers[1].is_director, teachers[1].class_names.clone()),
        (true, vec!["CP A".into(), "CE1 A".into()])
    );
    assert!(
        !teachers[2].is_director && !teachers[3].is_director && teachers[3].class_names.is_empty()
    );
    let text = text.replace("OUI", "Peut-être");
    let errors = read_teachers("enseignants.csv", text.as_bytes()).unwrap_err();
    assert_eq!(
        (errors[0].line, errors[0].column.as_deref()),
        (2, Some("Directeur"))
    );
}

#[test]
fn preferred_spellings_win_over_generic_ones() {
    let text = "Nom;Prénom;Nom élève;PRENOM ELEVE;Date naissance;Niveau;Classe\nX;Y;Durand;Léa;01/02/2020;CP;CP A\n";
    let pupils = read_pupils("eleves.csv", text.as_bytes()).unwrap();
    assert_eq!(
        (pupils[0].last_name.as_str(), pupils[0].first_name.as_str()),
        ("Durand", "Léa")
    );
}

#[test]
fn comma_separated_files_are_understood() {
    let text = "Nom,Prénom,Classe\nDurand,Sophie,CM1 A\n";
    assert_eq!(
        read_teachers("t.csv", text.as_bytes()).unwrap()[0].class_names,
        ["CM1 A"]
    );
}

#[test]
fn large_sample_generates_and_reads_quickly() {
    let started = std::time::Instant::now();
    let files = sample::files(&options(400, 25));
    assert_eq!(read_pupils("e", &files.pupils).unwrap().len(), 10_000);
    assert!(read_guardians("r", &files.guardians).unwrap().len() > 10_000);
    assert_eq!(read_teachers("t", &files.teachers).unwrap().len(), 400);
    // Generous: debug builds are far slower than the release target of well under a second.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
