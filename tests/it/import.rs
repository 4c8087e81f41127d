//! ONDE imports through the library, on the test node's database: first import and
//! re-imports. Shared helpers for the other `import_*` modules.

use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::onde::sample::{self, SampleEncoding, SampleOptions, SampleTexts};
use ent_node::provisioning::onde::{
    Counts, ImportError, ImportInput, ImportReport, SourceFile, import,
};
use ent_tests::{TestApp, spawn_app};

/// The three files of one import, as bytes.
pub(crate) struct Files {
    pub(crate) pupils: Vec<u8>,
    pub(crate) guardians: Vec<u8>,
    pub(crate) teachers: Option<Vec<u8>>,
}

impl Files {
    /// Encodes sample texts (possibly edited) as ONDE would, or as Excel re-saves them.
    pub(crate) fn encode(texts: &SampleTexts, encoding: SampleEncoding, crlf: bool) -> Self {
        Self {
            pupils: sample::encode(&texts.pupils, encoding, crlf),
            guardians: sample::encode(&texts.guardians, encoding, crlf),
            teachers: Some(sample::encode(&texts.teachers, encoding, crlf)),
        }
    }

    /// ONDE's own form: Windows-1252 with CRLF line ends.
    pub(crate) fn onde(texts: &SampleTexts) -> Self {
        Self::encode(texts, SampleEncoding::Windows1252, true)
    }
}

/// The default sample (2 classes of 24 pupils), as text to edit.
pub(crate) fn texts() -> SampleTexts {
    sample::texts(&SampleOptions::default())
}

/// Adds the school receiving the imports.
pub(crate) async fn add_school(app: &TestApp) -> Uai {
    let uai = Uai::from_number(3_800_042);
    let now = app.state.clock.now();
    ent_node::schools::store::add(
        &app.state.db,
        &uai,
        "École du Lac",
        SchoolKind::Elementaire,
        None,
        now,
    )
    .await
    .expect("school");
    uai
}

/// Imports into the school of `uai` for the current school year.
pub(crate) async fn run(
    app: &TestApp,
    uai: &Uai,
    files: &Files,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let input = ImportInput {
        uai,
        pupils: SourceFile {
            name: "eleves.csv",
            bytes: &files.pupils,
        },
        guardians: SourceFile {
            name: "responsables.csv",
            bytes: &files.guardians,
        },
        teachers: files.teachers.as_deref().map(|bytes| SourceFile {
            name: "enseignants.csv",
            bytes,
        }),
        dry_run,
        max_deactivation_percent: ent_node::provisioning::onde::DEFAULT_MAX_DEACTIVATION_PERCENT,
        allow_mass_deactivation: true,
        year: SchoolYear::containing(app.state.clock.today()),
        now: app.state.clock.now(),
    };
    import(&app.state.db, input, &|_, _| {}).await
}

/// Row counts of every table an import writes to.
pub(crate) async fn table_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "classes",
        "class_members",
        "memberships",
        "guardianships",
        "import_keys",
        "audit_log",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        counts.push((
            table,
            sqlx::query_scalar(&sql)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap(),
        ));
    }
    counts
}

/// Data lines of a file (header excluded).
pub(crate) fn data_lines(text: &str) -> u64 {
    text.lines().filter(|line| !line.trim().is_empty()).count() as u64 - 1
}

/// Counts of kind where every record is `created`.
pub(crate) fn created(n: u64) -> Counts {
    Counts {
        created: n,
        ..Counts::default()
    }
}

/// Counts where every record is unchanged.
pub(crate) fn unchanged(n: u64) -> Counts {
    Counts {
        unchanged: n,
        ..Counts::default()
    }
}

/// The identifiers of users with these names, sorted.
pub(crate) async fn identifiers(app: &TestApp, first: &str, last: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT identifier FROM users WHERE first_name = $1 AND last_name = $2 ORDER BY identifier",
    )
    .bind(first)
    .bind(last)
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_first_import_creates_classes_pupils_guardians_and_teachers() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = texts();
    let report = run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("import");
    assert_eq!(report.school, uai.to_string());
    assert!(!report.dry_run);
    assert_eq!(report.classes, created(2));
    assert_eq!(report.pupils, created(48));
    assert_eq!(report.guardians, created(data_lines(&texts.guardians)));
    assert_eq!(report.teachers, created(2));

    let db = app.state.db.pool();
    let pupils: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE profile = 'pupil'")
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(pupils, 48);
    let placed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM class_members WHERE role = 'pupil'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(placed, 48);
    let director: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE profile = 'director'")
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(
        director, 1,
        "the first teacher of the file directs the school"
    );
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL")
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(
        pending, 0,
        "imported accounts wait for their activation code"
    );
    // Windows-1252 accents arrive intact.
    assert_eq!(identifiers(&app, "Zoé", "D'Angelo").await, ["zoe.d-angelo"]);
    assert_eq!(
        identifiers(&app, "François", "Lefèvre-Durand").await,
        ["francois.lefevre-durand"]
    );

    // Both D'Angelo parents are linked to their three children.
    let parents: Vec<String> =
        sqlx::query_scalar("SELECT parent_id FROM guardianships GROUP BY parent_id HAVING COUNT(*) = 3 ORDER BY parent_id")
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(parents.len(), 2, "{parents:?}");
    for parent in &parents {
        let children: Vec<String> = sqlx::query_scalar(
            "SELECT u.first_name FROM guardianships g JOIN users u ON u.id = g.child_id \
             WHERE g.parent_id = $1 AND u.last_name = 'D''Angelo' ORDER BY u.first_name",
        )
        .bind(parent)
        .fetch_all(db)
        .await
        .unwrap();
        assert_eq!(children, ["Anaïs", "Noël", "Zoé"]);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_second_identical_import_changes_nothing_whatever_the_encoding() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = texts();
    run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("first import");
    let before = table_counts(&app).await;
    let guardians = data_lines(&texts.guardians);
    for (encoding, crlf) in [
        (SampleEncoding::Windows1252, true),
        (SampleEncoding::Utf8Bom, false),
        (SampleEncoding::Utf8, true),
    ] {
        let report = run(&app, &uai, &Files::encode(&texts, encoding, crlf), false)
            .await
            .expect("re-import");
        assert!(!report.changed_anything(), "{encoding:?}: {report:?}");
        assert_eq!(report.classes, unchanged(2), "{encoding:?}");
        assert_eq!(report.pupils, unchanged(48), "{encoding:?}");
        assert_eq!(report.guardians, unchanged(guardians), "{encoding:?}");
        assert_eq!(report.teachers, unchanged(2), "{encoding:?}");
    }
    let after = table_counts(&app).await;
    let without_audit = |c: Vec<(&'static str, i64)>| {
        c.into_iter()
            .filter(|(t, _)| *t != "audit_log")
            .collect::<Vec<_>>()
    };
    assert_eq!(without_audit(after), without_audit(before));
    app.stop().await;
}
