//! AAF imports through the library on a real node's database (both engines): a generated
//! academy feed of collèges with its traps, re-imports, Deltas, and what a collège's people
//! then see.

use std::path::Path;

use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::aaf::sample::{self, Model, SampleEncoding, SampleOptions};
use ent_node::provisioning::aaf::{AafError, AafInput, AafReport, import};
use ent_node::provisioning::onde::Counts;
use ent_tests::{TestApp, spawn_app};

/// A collège feed of `colleges` collèges of `pupils` pupils.
pub(crate) fn options(colleges: usize, pupils: usize) -> SampleOptions {
    SampleOptions {
        colleges,
        pupils_per_college: pupils,
        ..SampleOptions::default()
    }
}

/// Adds the collèges `indexes` of the model to the node.
pub(crate) async fn host(app: &TestApp, model: &Model, indexes: &[usize]) {
    for &index in indexes {
        let college = &model.colleges[index];
        ent_node::schools::store::add(
            &app.state.db,
            &Uai::parse(&college.uai).expect("uai"),
            &college.name,
            SchoolKind::College,
            None,
            app.state.clock.now(),
        )
        .await
        .expect("school");
    }
}

/// The input of a plain import of `path`.
pub(crate) fn input(app: &TestApp, path: &Path) -> AafInput<'static> {
    AafInput {
        path: Box::leak(path.to_owned().into_boxed_path()),
        academy: None,
        create_schools: false,
        partial: false,
        dry_run: false,
        max_deactivation_percent: 10,
        allow_mass_deactivation: false,
        year: SchoolYear::current(),
        now: app.state.clock.now(),
    }
}

/// Imports `path` with `input`'s defaults changed by `change`.
pub(crate) async fn run(
    app: &TestApp,
    path: &Path,
    change: impl FnOnce(&mut AafInput<'static>),
) -> Result<AafReport, AafError> {
    let mut input = input(app, path);
    change(&mut input);
    import(&app.state.db, input, &|_, _| {}).await
}

/// Writes a feed into a fresh folder.
pub(crate) fn folder(feed: &sample::SampleFeed) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    feed.write_folder(dir.path()).expect("write");
    dir
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(app.state.db.pool())
        .await
        .expect(sql)
}

/// The user of a jointure id.
pub(crate) async fn user_of(app: &TestApp, jointure: &str) -> Option<String> {
    sqlx::query_scalar("SELECT user_id FROM directory_ids WHERE jointure = $1")
        .bind(jointure)
        .fetch_optional(app.state.db.pool())
        .await
        .expect("directory id")
}

/// Everything an import decides, as sorted text: to compare two states.
pub(crate) async fn state(app: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT d.jointure || ':' || u.first_name || ':' || u.last_name || ':' || u.active FROM users u \
         JOIN directory_ids d ON d.user_id = u.id",
        "SELECT d.jointure || ':' || s.uai || ':' || m.profile FROM memberships m \
         JOIN directory_ids d ON d.user_id = m.user_id JOIN schools s ON s.id = m.school_id",
        "SELECT d.jointure || ':' || c.external_id || ':' || cm.role || ':' || cm.principal FROM class_members cm \
         JOIN directory_ids d ON d.user_id = cm.user_id JOIN classes c ON c.id = cm.class_id",
        "SELECT p.jointure || '>' || c.jointure FROM guardianships g \
         JOIN directory_ids p ON p.user_id = g.parent_id JOIN directory_ids c ON c.user_id = g.child_id",
        "SELECT d.jointure || ':' || c.external_id || ':' || t.subject_code FROM teaching t \
         JOIN directory_ids d ON d.user_id = t.user_id JOIN classes c ON c.id = t.class_id",
        "SELECT c.external_id || ':' || c.kind || ':' || c.name || ':' || c.levels FROM classes c",
    ];
    let mut all = Vec::new();
    for sql in queries {
        let mut rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(app.state.db.pool())
            .await
            .expect(sql);
        rows.sort();
        all.push(rows.join("\n"));
    }
    all
}

fn total(counts: Counts) -> u64 {
    counts.created + counts.updated + counts.unchanged
}

#[tokio::test]
async fn a_collège_feed_gives_exact_accounts_links_and_memberships_and_a_second_import_changes_nothing()
 {
    let app = spawn_app().await;
    let options = SampleOptions {
        encoding: SampleEncoding::Latin1Entities,
        structure_encoding: SampleEncoding::Latin1InUtf8,
        chunk_records: 250,
        crlf: true,
        ..options(2, 120)
    };
    let model = Model::build(&options);
    host(&app, &model, &[0, 1]).await;
    let feed = sample::complet(&options);
    let dir = folder(&feed);
    let report = run(&app, dir.path(), |_| {}).await.expect("import");
    let expected = &feed.expected;
    assert_eq!(report.academy, "10");
    assert_eq!(report.pupils.created, expected.records[3], "{report:#?}");
    assert_eq!(report.guardians.created, expected.legal_relations);
    assert_eq!(report.without_account, expected.contacts);
    assert_eq!(report.classes.created, expected.classes, "classes");
    assert_eq!(report.groups.created, expected.groups);
    assert_eq!(
        total(report.teachers) + total(report.staff),
        expected.records[5],
        "every staff record of the two collèges"
    );
    assert!(report.staff.created > 0, "CPE, vie scolaire… are personnel");

    // The traps of real feeds.
    assert!(
        user_of(&app, &expected.contact).await.is_none(),
        "a contact gets no account"
    );
    let ase = user_of(&app, &expected.ase_guardian)
        .await
        .expect("ASE guardian");
    assert!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM guardianships WHERE parent_id = $1",
            &ase
        )
        .await
            >= 1
    );
    let sibling = user_of(&app, &expected.sibling_parent).await.unwrap();
    assert!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM guardianships WHERE parent_id = $1",
            &sibling
        )
        .await
            >= 2
    );
    let separated = user_of(&app, &expected.separated_pupil).await.unwrap();
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM guardianships WHERE child_id = $1",
            &separated
        )
        .await,
        2,
        "both parents, living apart"
    );
    let cross = expected.cross_college_parent.clone().expect("two collèges");
    let cross = user_of(&app, &cross).await.unwrap();
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND profile = 'parent'",
            &cross
        )
        .await,
        2,
        "a parent of children in two collèges is one account in both"
    );
    let teacher = user_of(&app, &expected.two_college_teacher).await.unwrap();
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM memberships WHERE user_id = $1",
            &teacher
        )
        .await,
        2,
        "the teacher of two collèges is one account with two memberships"
    );
    let (structure, code) = &expected.class_without_head;
    let heads = |code: String| {
        let app = &app;
        let structure = structure.clone();
        async move {
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM class_members cm JOIN classes c ON c.id = cm.class_id \
                 JOIN schools s ON s.id = c.school_id \
                 WHERE c.external_id = $1 AND s.jointure = $2 AND cm.principal = 1",
            )
            .bind(code)
            .bind(structure)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
            count
        }
    };
    assert_eq!(
        heads(code.clone()).await,
        0,
        "the class without head teacher has none"
    );
    let other = &model
        .colleges
        .iter()
        .find(|c| &c.id == structure)
        .unwrap()
        .classes;
    let other = other.iter().find(|(c, _, _)| c != code).unwrap().0.clone();
    assert_eq!(heads(other).await, 1, "the others have one");
    let subjects: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM teaching WHERE subject_code <> $1",
        "",
    )
    .await;
    assert!(subjects > 0, "teachers keep their subjects");
    let directors: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM memberships WHERE profile = $1",
        "director",
    )
    .await;
    assert!(directors >= 2, "each collège's direction");

    let before = state(&app).await;
    let again = run(&app, dir.path(), |_| {}).await.expect("again");
    assert!(!again.changed_anything(), "{again:#?}");
    assert_eq!(again.pupils.unchanged, expected.records[3]);
    assert_eq!(state(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn an_academy_wide_feed_imports_only_the_hosted_collège_and_counts_the_rest() {
    let app = spawn_app().await;
    let options = options(3, 60);
    let model = Model::build(&options);
    host(&app, &model, &[1]).await;
    let feed = sample::complet(&options);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("ENT2DVA.20240916.zip");
    feed.write_zip(&archive).unwrap();
    let report = run(&app, &archive, |_| {}).await.expect("import");
    let hosted = model.pupils.iter().filter(|p| p.college == 1).count() as u64;
    assert_eq!(report.pupils.created, hosted);
    assert_eq!(report.ignored.pupils, model.pupils.len() as u64 - hosted);
    assert!(
        report.ignored.structures >= 2,
        "other collèges and the rectorat"
    );
    assert!(report.ignored.staff > 0);
    let other = &model.pupils.iter().find(|p| p.college == 0).unwrap().id;
    assert!(user_of(&app, other).await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_delta_applies_its_operations_and_the_next_complet_converges() {
    let app = spawn_app().await;
    let options = options(2, 80);
    let model = Model::build(&options);
    host(&app, &model, &[0, 1]).await;
    let complet = folder(&sample::complet(&options));
    run(&app, complet.path(), |_| {}).await.expect("complet");
    let first = state(&app).await;

    let delta = sample::delta(&options);
    let delta_dir = folder(&delta);
    let report = run(&app, delta_dir.path(), |_| {}).await.expect("delta");
    assert!(report.delta);
    for (pupil, class) in &delta.expected.moved {
        let user = user_of(&app, pupil).await.unwrap();
        let now: String = sqlx::query_scalar(
            "SELECT c.external_id FROM class_members cm JOIN classes c ON c.id = cm.class_id \
             WHERE cm.user_id = $1 AND c.kind = 'class'",
        )
        .bind(&user)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
        assert_eq!(&now, class, "moved by the Delta");
    }
    for gone in &delta.expected.departed {
        if let Some(user) = user_of(&app, gone).await {
            let active = scalar(&app, "SELECT active FROM users WHERE id = $1", &user).await;
            assert_eq!(active, 0, "{gone} left");
        }
    }
    for new in &delta.expected.arrived {
        assert!(user_of(&app, new).await.is_some(), "{new} arrived");
    }
    assert_eq!(report.pupils.deactivated, delta.expected.operations[3][2]);

    // The same Complet again undoes the Delta: Delta then Complet converge.
    let back = run(&app, complet.path(), |i| i.allow_mass_deactivation = true)
        .await
        .expect("complet again");
    assert!(back.changed_anything());
    let after: Vec<String> = state(&app).await;
    // Arrivals of the Delta are now departed (inactive), the rest is as first imported.
    let strip = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .map(|block| {
                block
                    .lines()
                    .filter(|l| {
                        !delta.expected.arrived.iter().any(|a| {
                            l.starts_with(&format!("{a}:")) || l.contains(&format!(">{a}"))
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    };
    assert_eq!(strip(&after)[0], strip(&first)[0], "people");
    assert_eq!(strip(&after)[2], strip(&first)[2], "places");
    assert_eq!(strip(&after)[4], strip(&first)[4], "teaching");
    app.stop().await;
}

#[tokio::test]
async fn bad_feeds_write_nothing_and_say_where() {
    let app = spawn_app().await;
    let options = options(1, 40);
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let feed = sample::complet(&options);
    let users_before = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE identifier <> $1",
        "",
    )
    .await;

    // A truncated pupil file.
    let dir = folder(&feed);
    let pupils = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_Eleve_"))
        .unwrap();
    let bytes = std::fs::read(&pupils).unwrap();
    std::fs::write(&pupils, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let error = run(&app, dir.path(), |_| {}).await.expect_err("truncated");
    let AafError::Invalid(errors) = &error else {
        panic!("{error}")
    };
    assert!(errors.iter().any(|e| e.file.contains("_Eleve_")), "{error}");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE identifier <> $1",
            ""
        )
        .await,
        users_before,
        "nothing written"
    );
    // With --partial the valid records go in, and nobody is marked departed.
    let report = run(&app, dir.path(), |i| i.partial = true)
        .await
        .expect("partial");
    assert!(report.pupils.created > 0 && !report.refused.is_empty());
    assert!(report.warnings.iter().any(|w| w.message.contains("parti")));

    // A wrong root element.
    let dir = folder(&feed);
    let pupils = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_Eleve_"))
        .unwrap();
    let text = String::from_utf8(std::fs::read(&pupils).unwrap()).unwrap();
    std::fs::write(&pupils, text.replace("ficAlimMENESR", "annuaire")).unwrap();
    let error = run(&app, dir.path(), |_| {}).await.expect_err("wrong root");
    assert!(error.to_string().contains("_Eleve_"), "{error}");

    // A link to a responsable the feed does not hold.
    let dir = folder(&feed);
    let relations = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_PersRelEleve_"))
        .unwrap();
    let text = String::from_utf8(std::fs::read(&relations).unwrap()).unwrap();
    let first = model.relations.iter().find(|r| r.legal).unwrap();
    let start = text.find(&format!("<id>{}</id>", first.id)).unwrap();
    let begin = text[..start].rfind("<addRequest>").unwrap();
    let end = start + text[start..].find("</addRequest>").unwrap() + "</addRequest>".len();
    std::fs::write(&relations, format!("{}{}", &text[..begin], &text[end..])).unwrap();
    let error = run(&app, dir.path(), |_| {})
        .await
        .expect_err("unknown link");
    assert!(
        error.to_string().contains(&first.id) && error.to_string().contains("PersRelEleve"),
        "{error}"
    );

    // A Delta modifying a person never imported.
    let dir = tempfile::tempdir().unwrap();
    let college = &model.colleges[0];
    std::fs::write(
        dir.path().join("ENT_Delta_20240917_Eleve_0000.xml"),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- codeAcademieExport=\"10\" -->\n<ficAlimMENESR>\
             <modifyRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value></attr></operationalAttributes>\
             <identifier><id>9999999</id></identifier><modifications>\
             <modification name=\"ENTEleveClasses\" operation=\"replace\"><value>{}$6EME1</value></modification>\
             </modifications></modifyRequest></ficAlimMENESR>\n",
            college.id
        ),
    )
    .unwrap();
    let error = run(&app, dir.path(), |_| {})
        .await
        .expect_err("unknown person");
    assert!(
        error.to_string().contains("9999999") && error.to_string().contains("jamais importé"),
        "{error}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_feed_for_no_hosted_school_is_refused_unless_schools_are_created() {
    let app = spawn_app().await;
    let options = options(1, 20);
    let feed = sample::complet(&options);
    let dir = folder(&feed);
    let error = run(&app, dir.path(), |_| {}).await.expect_err("no school");
    assert!(error.to_string().contains("--create-schools"), "{error}");
    let dry = run(&app, dir.path(), |i| {
        i.create_schools = true;
        i.dry_run = true;
    })
    .await
    .expect("dry run");
    assert!(dry.dry_run && dry.schools.iter().all(|s| s.created) && dry.pupils.created == 20);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM schools WHERE uai <> $1", "").await,
        0,
        "a simulation writes nothing"
    );
    let report = run(&app, dir.path(), |i| i.create_schools = true)
        .await
        .expect("create");
    assert_eq!(report.schools.len(), 1);
    let kind: String = sqlx::query_scalar("SELECT kind FROM schools")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(kind, "college", "the rectorat is not a school");
    app.stop().await;
}
