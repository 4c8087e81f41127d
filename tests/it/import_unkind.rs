//! ONDE imports of a small, hand-written école whose files hold what real exports hold and
//! generated samples avoid: Windows-1252 with CRLF (and the same text re-saved as UTF-8 with a
//! BOM), two teachers of the same name one of whom directs, a double-level class "CE2/CM1",
//! two pupils of the same name in one class, ligatures in names, an unclosed quote.

use ent_node::domain::{SchoolYear, Uai};
use ent_node::provisioning::onde::sample::{self, SampleEncoding};
use ent_node::provisioning::onde::{ImportError, ImportInput, SourceFile, import};
use ent_tests::{TestApp, World, spawn_app};
use reqwest::StatusCode;

use crate::import::{Files, add_school, run, table_counts, unchanged};

const PUPILS: &str = "\
\"Nom Elève\";\"Nom d'usage Elève\";\"Prénom Elève\";\"Date naissance\";\"Sexe\";\"Adresse\";\"Code postal\";\"Commune\";\"Pays\";\"Cycle\";\"Niveau\";\"Classe\";\"Regroupement\";\"Date inscription\"
\"MARTIN\";\"\";\"Léa\";\"12/03/2017\";\"F\";\"3 rue des Lilas\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE III\";\"CM1\";\"CE2/CM1\";\"Regroupement CE2/CM1\";\"01/09/2020\"
\"MARTIN\";\"\";\"Léa\";\"04/11/2017\";\"F\";\"8 impasse Vaucanson\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE III\";\"CM1\";\"CE2/CM1\";\"Regroupement CE2/CM1\";\"01/09/2020\"
\"CŒURDEROY\";\"\";\"Chloé\";\"21/06/2018\";\"F\";\"12 cours Berriat\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE II\";\"CE2\";\"CE2/CM1\";\"Regroupement CE2/CM1\";\"01/09/2021\"
\"ROUSSEAU\";\"\";\"Lætitia\";\"30/01/2018\";\"F\";\"5 place Notre-Dame\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE II\";\"CE2\";\"CE2/CM1\";\"Regroupement CE2/CM1\";\"01/09/2021\"
\"DUPONT\";\"\";\"Hugo\";\"02/02/2019\";\"M\";\"1 rue Lesdiguières\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE II\";\"CE1\";\"CE1 A\";\"\";\"01/09/2022\"
\"NGUYEN\";\"\";\"Anh\";\"17/08/2019\";\"M\";\"40 avenue Alsace-Lorraine\";\"38000\";\"Grenoble\";\"FRANCE\";\"CYCLE II\";\"CE1\";\"CE1 A\";\"\";\"01/09/2022\"
";

const GUARDIANS: &str = "\
\"Civilité Responsable\";\"Nom responsable\";\"Nom usage responsable\";\"Prénom responsable\";\"Adresse responsable\";\"Code postal responsable\";\"Commune responsable\";\"Pays responsable\";\"Téléphone domicile\";\"Téléphone travail\";\"Téléphone portable\";\"Courriel\";\"Nom d'usage enfant\";\"Nom de famille enfant\";\"Prénom enfant\";\"Classes enfants\";\"Nom d'usage enfant\";\"Nom de famille enfant\";\"Prénom enfant\";\"Classes enfants\"
\"Mme\";\"MARTIN\";\"\";\"Sophie\";\"3 rue des Lilas\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"0601020304\";\"sophie.martin@example.fr\";\"\";\"MARTIN\";\"Léa\";\"CE2/CM1\";\"\";\"\";\"\";\"\"
\"M.\";\"MARTIN\";\"\";\"Karim\";\"8 impasse Vaucanson\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"0605060708\";\"\";\"\";\"MARTIN\";\"Léa\";\"CE2/CM1\";\"\";\"\";\"\";\"\"
\"Mme\";\"CŒURDEROY\";\"\";\"Anne\";\"12 cours Berriat\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"\";\"\";\"\";\"CŒURDEROY\";\"Chloé\";\"CE2/CM1\";\"\";\"\";\"\";\"\"
\"M.\";\"ROUSSEAU\";\"\";\"Paul\";\"5 place Notre-Dame\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"\";\"\";\"\";\"ROUSSEAU\";\"Lætitia\";\"CE2/CM1\";\"\";\"\";\"\";\"\"
\"Mme\";\"DUPONT\";\"\";\"Claire\";\"1 rue Lesdiguières\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"\";\"\";\"\";\"DUPONT\";\"Hugo\";\"CE1 A\";\"\";\"\";\"\";\"\"
\"M.\";\"NGUYEN\";\"\";\"Minh\";\"40 avenue Alsace-Lorraine\";\"38000\";\"Grenoble\";\"FRANCE\";\"\";\"\";\"\";\"\";\"\";\"NGUYEN\";\"Anh\";\"CE1 A\";\"\";\"\";\"\";\"\"
";

const TEACHERS: &str = "\
\"Civilité\";\"Nom usage\";\"Nom\";\"Prénom\";\"Courriel\";\"Directeur\";\"Classe\"
\"Mme\";\"\";\"BERNARD\";\"Marie\";\"\";\"Oui\";\"CE1 A\"
\"Mme\";\"\";\"BERNARD\";\"Marie\";\"\";\"Non\";\"CE2/CM1\"
";

/// The école as ONDE writes it: Windows-1252, CRLF.
fn onde_files(pupils: &str, guardians: &str) -> Files {
    Files {
        pupils: sample::encode(pupils, SampleEncoding::Windows1252, true),
        guardians: sample::encode(guardians, SampleEncoding::Windows1252, true),
        teachers: Some(sample::encode(TEACHERS, SampleEncoding::Windows1252, true)),
    }
}

/// The same texts after a spreadsheet re-saved them: UTF-8 with a BOM, LF.
fn resaved_files() -> Files {
    Files {
        pupils: sample::encode(PUPILS, SampleEncoding::Utf8Bom, false),
        guardians: sample::encode(GUARDIANS, SampleEncoding::Utf8Bom, false),
        teachers: Some(sample::encode(TEACHERS, SampleEncoding::Utf8Bom, false)),
    }
}

async fn strings(app: &TestApp, sql: &str, bind: &str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

/// (identifier, profile, classes taught) of each teacher named Marie Bernard.
async fn bernards(app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for (id, identifier) in sqlx::query_as::<_, (String, String)>(
        "SELECT id, identifier FROM users WHERE last_name = 'BERNARD' ORDER BY identifier",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
    {
        let profile = strings(
            app,
            "SELECT profile FROM memberships WHERE user_id = $1",
            &id,
        )
        .await;
        let classes = strings(
            app,
            "SELECT c.name FROM class_members m JOIN classes c ON c.id = m.class_id \
             WHERE m.user_id = $1 AND m.role = 'teacher' ORDER BY c.name",
            &id,
        )
        .await;
        out.push((identifier, profile.join(","), classes));
    }
    out
}

#[tokio::test]
async fn namesakes_a_double_level_class_and_ligatures_import_and_reimport_unchanged() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let report = run(&app, &uai, &onde_files(PUPILS, GUARDIANS), false)
        .await
        .expect("the whole école imports");
    assert_eq!((report.pupils.created, report.guardians.created), (6, 6));
    assert_eq!(report.teachers.created, 2, "namesakes are two people");
    assert_eq!(report.links_to_confirm, 2, "{report:?}");
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(
        report.warnings[0]
            .message
            .contains("2 élèves s'appellent « Léa MARTIN (CE2/CM1) »"),
        "{}",
        report.warnings[0]
    );
    assert_eq!(
        bernards(&app).await,
        [
            (
                "marie.bernard".into(),
                "director".into(),
                vec!["CE1 A".into()]
            ),
            (
                "marie.bernard2".into(),
                "teacher".into(),
                vec!["CE2/CM1".into()]
            ),
        ]
    );
    let ligatures = strings(
        &app,
        "SELECT identifier FROM users WHERE identifier LIKE $1 ORDER BY identifier",
        "%oe%",
    )
    .await;
    assert_eq!(ligatures, ["anne.coeurderoy", "chloe.coeurderoy"]);
    assert_eq!(
        strings(
            &app,
            "SELECT identifier FROM users WHERE first_name = $1",
            "Lætitia"
        )
        .await,
        ["laetitia.rousseau"]
    );

    // Re-saved by a spreadsheet: nothing changes, and the namesakes keep their classes.
    let again = run(&app, &uai, &resaved_files(), false).await.unwrap();
    assert_eq!(again.teachers, unchanged(2), "{again:?}");
    assert_eq!(
        (again.pupils, again.guardians),
        (unchanged(6), unchanged(6))
    );
    assert_eq!(bernards(&app).await[1].2, ["CE2/CM1"]);
    app.stop().await;
}

#[tokio::test]
async fn an_ambiguous_parent_link_is_chosen_on_the_class_page_and_remembered() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let uai = add_school(&app).await;
    run(&app, &uai, &onde_files(PUPILS, GUARDIANS), false)
        .await
        .unwrap();
    let class_id =
        strings(&app, "SELECT id FROM classes WHERE name = $1", "CE2/CM1").await[0].clone();
    let sophie = strings(
        &app,
        "SELECT id FROM users WHERE last_name = 'MARTIN' AND first_name = $1",
        "Sophie",
    )
    .await[0]
        .clone();
    let older = strings(
        &app,
        "SELECT id FROM users WHERE last_name = 'MARTIN' AND birth_date = $1",
        "2017-03-12",
    )
    .await[0]
        .clone();
    assert!(
        strings(
            &app,
            "SELECT child_id FROM guardianships WHERE parent_id = $1",
            &sophie
        )
        .await
        .is_empty()
    );

    let operator = app.signed_in(&world.operator).await;
    let page = operator.get(&format!("/classes/{class_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Liens parent–enfant à confirmer"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Sophie MARTIN est responsable de « Léa MARTIN (CE2/CM1) »")
    );
    assert!(page.body.contains("né(e) le 12/03/2017") && page.body.contains("né(e) le 04/11/2017"));
    let question: String =
        sqlx::query_scalar("SELECT id FROM guardian_link_questions WHERE parent_id = $1")
            .bind(&sophie)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let path = format!("/classes/{class_id}/liens/{question}");
    // A pupil the row cannot mean is refused.
    let hugo = strings(
        &app,
        "SELECT id FROM users WHERE last_name = 'DUPONT' AND first_name = $1",
        "Hugo",
    )
    .await[0]
        .clone();
    let refused = operator.post_signed(&path, &[("child_id", &hugo)]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let chosen = operator.post_signed(&path, &[("child_id", &older)]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
    assert_eq!(
        strings(
            &app,
            "SELECT child_id FROM guardianships WHERE parent_id = $1",
            &sophie
        )
        .await,
        std::slice::from_ref(&older)
    );
    // Sent twice: the second does nothing.
    let twice = operator.post_signed(&path, &[("child_id", &older)]).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);

    // The next import keeps the answer and still asks about Karim only.
    let report = run(&app, &uai, &resaved_files(), false).await.unwrap();
    assert_eq!(report.links_to_confirm, 1, "{report:?}");
    assert_eq!(report.guardians, unchanged(6), "{report:?}");
    assert_eq!(
        strings(
            &app,
            "SELECT child_id FROM guardianships WHERE parent_id = $1",
            &sophie
        )
        .await,
        [older]
    );
    let page = operator.get(&format!("/classes/{class_id}")).await;
    assert!(!page.body.contains("Sophie MARTIN est responsable"));
    assert!(page.body.contains("Karim MARTIN est responsable"));
    app.stop().await;
}

#[tokio::test]
async fn an_unclosed_quote_names_its_line_and_costs_nobody_their_account() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    run(&app, &uai, &onde_files(PUPILS, GUARDIANS), false)
        .await
        .unwrap();
    let before = table_counts(&app).await;
    // Re-saved by a spreadsheet without quotes, then one typed by hand on line 3: the quote
    // is never closed and, unchecked, swallowed every later line (their parents then looked
    // gone and were deactivated).
    let broken = GUARDIANS
        .replace('"', "")
        .replacen(";Karim;", ";\"Karim;", 1);
    assert!(broken.lines().nth(2).unwrap().contains("\"Karim"));
    let error = run(&app, &uai, &onde_files(PUPILS, &broken), false)
        .await
        .expect_err("refused");
    let ImportError::Invalid(errors) = &error else {
        panic!("{error}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        ("responsables.csv", 3)
    );
    assert!(errors[0].message.contains("guillemet"), "{}", errors[0]);
    assert_eq!(
        table_counts(&app).await,
        before,
        "nothing written, nobody deactivated"
    );

    // A birth year typed as the enrolment year; then a name pasted with a terminal escape.
    let refused = |pupils: String| {
        let files = onde_files(&pupils, GUARDIANS);
        let app = &app;
        let uai = &uai;
        async move {
            match run(app, uai, &files, false).await {
                Err(error @ ImportError::Invalid(_)) => error.to_string(),
                other => panic!("{other:?}"),
            }
        }
    };
    let message = refused(PUPILS.replacen("\"02/02/2019\"", "\"02/02/1990\"", 1)).await;
    assert!(
        message.contains("eleves.csv, ligne 6, colonne « Date naissance » : date de naissance peu plausible « 02/02/1990 »"),
        "{message}"
    );
    assert!(message.starts_with("1 erreur(s)"), "{message}");
    let message = refused(PUPILS.replacen("\"Anh\"", "\"A\u{1b}[2Jnh\"", 1)).await;
    assert!(
        message.contains("eleves.csv, ligne 7, colonne « Prénom Elève » : la valeur contient un caractère de contrôle"),
        "{message}"
    );
    assert_eq!(table_counts(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_run_that_would_deactivate_too_many_stops_and_shows_the_count() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = crate::import::texts();
    run(&app, &uai, &Files::onde(&texts), false).await.unwrap();
    // A truncated guardians export: only its first 20 rows arrived.
    let kept: Vec<&str> = texts.guardians.lines().take(21).collect();
    let mut truncated = texts.clone();
    truncated.guardians = kept.join("\n") + "\n";
    let files = Files::onde(&truncated);
    let input = |allow: bool| ImportInput {
        uai: &uai,
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
        dry_run: false,
        max_deactivation_percent: 10,
        allow_mass_deactivation: allow,
        year: SchoolYear::containing(app.state.clock.today()),
        now: app.state.clock.now(),
    };
    let before = table_counts(&app).await;
    let error = import(&app.state.db, input(false), &|_, _| {})
        .await
        .expect_err("stopped");
    let ImportError::MassDeactivation {
        deactivated,
        active,
        limit,
        ..
    } = error
    else {
        panic!("{error}")
    };
    assert_eq!(limit, 10);
    assert!(
        deactivated * 10 > active && active > 48,
        "{deactivated} of {active}"
    );
    assert!(error.to_string().contains("--allow-mass-deactivation"));
    assert!(
        error
            .to_string()
            .contains(&format!("désactiverait {deactivated} des {active}"))
    );
    assert_eq!(table_counts(&app).await, before, "nothing written");
    let report = import(&app.state.db, input(true), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(report.guardians.deactivated, deactivated);
    app.stop().await;
}

#[tokio::test]
async fn two_imports_of_one_school_at_once_wait_for_each_other() {
    let app = spawn_app().await;
    let uai: Uai = add_school(&app).await;
    let files = Files::onde(&crate::import::texts());
    let (first, second) = tokio::join!(
        run(&app, &uai, &files, false),
        run(&app, &uai, &files, false)
    );
    let (first, second) = (first.expect("first"), second.expect("second"));
    let created = |r: &ent_node::provisioning::onde::ImportReport| r.pupils.created;
    // One of them created the school, the other found it done.
    let mut pupils = [created(&first), created(&second)];
    pupils.sort();
    assert_eq!(pupils, [0, 48], "{first:?}\n{second:?}");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE active = 1")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let once = first.pupils.created
        + first.guardians.created
        + first.teachers.created
        + second.pupils.created
        + second.guardians.created
        + second.teachers.created;
    assert_eq!(users as u64, once, "no account twice, none deactivated");
    app.stop().await;
}
