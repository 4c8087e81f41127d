//! ONDE imports that must write nothing: bad values, missing columns, unknown school.

use ent_node::domain::Uai;
use ent_node::provisioning::onde::ImportError;
use ent_node::provisioning::onde::sample::{self, SampleOptions};
use ent_tests::spawn_app;

use crate::import::{Files, add_school, run, table_counts, texts};

/// Replaces field `index` of physical line `line` (1-based) of a quoted `;` file.
fn set_field(text: &str, line: usize, index: usize, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut fields: Vec<String> = lines[line - 1].split(';').map(str::to_owned).collect();
    fields[index] = format!("\"{value}\"");
    lines[line - 1] = fields.join(";");
    lines.join("\n") + "\n"
}

#[tokio::test]
async fn a_malformed_date_names_file_line_and_column_and_writes_nothing() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let mut texts = sample::texts(&SampleOptions {
        classes: 3,
        pupils_per_class: 24,
        ..SampleOptions::default()
    });
    assert!(texts.pupils.lines().count() > 60);
    texts.pupils = set_field(&texts.pupils, 57, 3, "31/02/2016");
    let before = table_counts(&app).await;
    let error = run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect_err("refused");
    let ImportError::Invalid(errors) = &error else {
        panic!("{error}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("eleves.csv", 57)
    );
    assert_eq!(errors[0].column.as_deref(), Some("Date naissance"));
    assert!(
        errors[0].message.contains("31/02/2016"),
        "{}",
        errors[0].message
    );
    let message = error.to_string();
    assert!(
        message.contains("eleves.csv, ligne 57, colonne « Date naissance »"),
        "{message}"
    );
    assert!(message.contains("rien n'a été importé"));
    assert_eq!(table_counts(&app).await, before, "nothing written");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_line_in_a_re_import_leaves_the_first_import_untouched() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = texts();
    run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("first import");
    let before = table_counts(&app).await;
    let mut changed = texts.clone();
    // A new pupil (would be created) and a bad date further down: all or nothing.
    let template = changed.pupils.lines().nth(1).unwrap().to_owned();
    changed.pupils += &template.replacen("\"", "\"Nouvel", 1);
    changed.pupils = set_field(&changed.pupils, 30, 3, "2016-13-01");
    let error = run(&app, &uai, &Files::onde(&changed), false)
        .await
        .expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("ligne 30, colonne « Date naissance »"),
        "{error}"
    );
    assert_eq!(table_counts(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_missing_column_is_named() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let mut texts = texts();
    texts.pupils = texts.pupils.replacen("\"Date naissance\"", "\"Né le\"", 1);
    texts.guardians = texts
        .guardians
        .replacen("\"Prénom responsable\"", "\"Prénom\"", 1);
    let before = table_counts(&app).await;
    let error = run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect_err("refused");
    let ImportError::Invalid(errors) = &error else {
        panic!("{error}")
    };
    let missing: Vec<(&str, usize, &str)> = errors
        .iter()
        .map(|e| (e.file.as_str(), e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        missing,
        [
            (
                "eleves.csv",
                1,
                "colonne obligatoire « Date naissance » absente"
            ),
            (
                "responsables.csv",
                1,
                "colonne obligatoire « Prénom responsable » absente"
            ),
        ]
    );
    assert_eq!(table_counts(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_school_is_refused() {
    let app = spawn_app().await;
    add_school(&app).await;
    let unknown = Uai::from_number(9_999_999);
    let before = table_counts(&app).await;
    let error = run(&app, &unknown, &Files::onde(&texts()), false)
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, ImportError::UnknownSchool(uai) if *uai == unknown.to_string()),
        "{error:?}"
    );
    assert!(error.to_string().contains(unknown.as_str()));
    assert_eq!(table_counts(&app).await, before);
    app.stop().await;
}
