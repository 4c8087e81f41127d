//! An école fed by ONDE, then by the académie's AAF1D: the same people keep their accounts;
//! and what a collège's people see once the AAF made them.

use std::fmt::Write as _;

use ent_node::provisioning::aaf::sample::{self, Model};
use ent_tests::spawn_app;
use ent_tests::world::give_password;
use reqwest::StatusCode;

use crate::import::{Files, add_school, texts};
use crate::import_aaf::{folder, host, options, run, user_of};
use crate::import_changes::fields;

/// One 1D record.
fn record(category: &str, id: &str, attributes: &[(&str, &str)]) -> String {
    let mut out = format!(
        "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>{category}</value></attr>\
         </operationalAttributes><identifier><id>{id}</id></identifier><attributes>\
         <attr name=\"ENTPersonJointure\"><value>{id}</value></attr>"
    );
    for (name, value) in attributes {
        write!(out, "<attr name=\"{name}\"><value>{value}</value></attr>").unwrap();
    }
    out.push_str("</attributes></addRequest>\n");
    out
}

fn file(records: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- codeAcademieExport=\"08\" -->\n<!-- degre=\"1D\" -->\n\
         <ficAlimMENESR>\n{records}</ficAlimMENESR>\n"
    )
}

#[tokio::test]
async fn an_école_fed_by_onde_then_by_aaf_1d_keeps_one_account_per_person() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = texts();
    crate::import::run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("ONDE import");
    let users_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();

    let pupils: Vec<Vec<String>> = texts.pupils.lines().skip(1).take(2).map(fields).collect();
    let teacher = fields(texts.teachers.lines().nth(1).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: String| {
        std::fs::write(
            dir.path()
                .join(format!("ENT1D_Complet_20240916_{name}_0000.xml")),
            body,
        )
        .unwrap();
    };
    let structure = "0000";
    let etab = "<addRequest><operationalAttributes><attr name=\"categorieStructure\"><value>EtabEducNat</value></attr>\
         </operationalAttributes><identifier><id>0000</id></identifier><attributes>\
         <attr name=\"ENTStructureJointure\"><value>0000</value></attr>"
        .to_owned()
        + &format!(
            "<attr name=\"ENTStructureUAI\"><value>{uai}</value></attr>\
             <attr name=\"ENTStructureNomCourant\"><value>ECOLE ELEMENTAIRE DU LAC</value></attr>\
             <attr name=\"ENTStructureTypeStruct\"><value>ECOLE ELEMENTAIRE PUBLIQUE</value></attr>\
             </attributes></addRequest>\n"
        );
    write("EtabEducNat", file(&etab));
    let mut eleves = String::new();
    let mut relations = String::new();
    for (index, pupil) in pupils.iter().enumerate() {
        let (last, first, birth, level, class) =
            (&pupil[0], &pupil[2], &pupil[3], &pupil[10], &pupil[11]);
        let class_value = format!("{structure}$CLASSE$O$500$ {class}");
        let parent = format!("{}", 8000 + index);
        eleves.push_str(&record(
            "Eleve",
            &format!("{}", 7000 + index),
            &[
                ("ENTPersonNom", last),
                ("ENTPersonPrenom", first),
                ("ENTPersonDateNaissance", birth),
                ("ENTPersonStructRattach", structure),
                ("ENTPersonClasses", class_value.trim()),
                ("ENTEleveNiveau", level),
                ("ENTEleveAutoriteParentale", &format!("{parent}$10")),
            ],
        ));
        relations.push_str(&record(
            "PersRelEleve",
            &parent,
            &[
                ("ENTPersonNom", "NOUVEAU"),
                ("ENTPersonPrenom", &format!("Parent{index}")),
            ],
        ));
    }
    write("Eleve", file(&eleves));
    write("PersRelEleve", file(&relations));
    let staff = record(
        "PersEducNat",
        "9000",
        &[
            ("ENTPersonNom", &teacher[2]),
            ("ENTPersonPrenom", &teacher[3]),
            ("ENTPersonStructRattach", structure),
            ("ENTEnsFonctionDir", structure),
            ("ENTPersonCategorieEnseignant", "O"),
        ],
    );
    write("PersEducNat", file(&staff));

    let report = run(&app, dir.path(), |_| {}).await.expect("AAF1D import");
    assert_eq!(report.academy, "8");
    assert_eq!(
        report.matched, 3,
        "two pupils and the teacher were already there: {report:#?}"
    );
    assert_eq!(report.pupils.created, 0);
    assert_eq!(report.guardians.created, 2, "the feed's new guardians");
    assert_eq!(
        report.classes.created, 0,
        "the class ONDE made is the feed's class"
    );
    let users_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(users_after, users_before + 2, "only the two new guardians");
    let profile: String = sqlx::query_scalar(
        "SELECT m.profile FROM memberships m JOIN directory_ids d ON d.user_id = m.user_id WHERE d.jointure = '9000'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        profile, "director",
        "ENTEnsFonctionDir makes the head of the école"
    );
    let again = run(&app, dir.path(), |_| {}).await.expect("again");
    assert!(!again.changed_anything(), "{again:#?}");
    app.stop().await;
}

#[tokio::test]
async fn a_collège_teacher_pupil_and_parent_sign_in_and_find_their_classes_and_groups() {
    let app = spawn_app().await;
    let options = options(1, 60);
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let dir = folder(&sample::complet(&options));
    run(&app, dir.path(), |_| {}).await.expect("import");
    let pool = app.state.db.pool();

    // A teacher of a group sees it among their classes.
    let (teacher, group, group_name): (String, String, String) = sqlx::query_as(
        "SELECT t.user_id, c.id, c.name FROM teaching t JOIN classes c ON c.id = t.class_id \
         WHERE c.kind = 'group' ORDER BY c.name LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    give_password(&app.state, &teacher).await;
    let identifier: String = sqlx::query_scalar("SELECT identifier FROM users WHERE id = $1")
        .bind(&teacher)
        .fetch_one(pool)
        .await
        .unwrap();
    let person = ent_tests::world::Person {
        id: teacher.clone(),
        identifier,
    };
    let client = app.signed_in(&person).await;
    let portal = client.get("/portail").await;
    assert!(
        portal.body.contains(&format!("href=\"/classes/{group}\"")),
        "{}",
        portal.body
    );
    assert!(portal.body.contains("(groupe)"));
    let page = client.get(&format!("/classes/{group}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&group_name));

    // A pupil of that group reaches it; their parent sees class and group.
    let pupil: String = sqlx::query_scalar(
        "SELECT user_id FROM class_members WHERE class_id = $1 AND role = 'pupil' ORDER BY user_id LIMIT 1",
    )
    .bind(&group)
    .fetch_one(pool)
    .await
    .unwrap();
    let parent: String =
        sqlx::query_scalar("SELECT parent_id FROM guardianships WHERE child_id = $1 LIMIT 1")
            .bind(&pupil)
            .fetch_one(pool)
            .await
            .unwrap();
    for (user, expected) in [(&pupil, None), (&parent, Some("Groupe : "))] {
        give_password(&app.state, user).await;
        let identifier: String = sqlx::query_scalar("SELECT identifier FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(pool)
            .await
            .unwrap();
        let client = app
            .signed_in(&ent_tests::world::Person {
                id: user.clone(),
                identifier,
            })
            .await;
        let group_page = client.get(&format!("/classes/{group}")).await;
        assert_eq!(group_page.status, StatusCode::OK, "{user}");
        if let Some(text) = expected {
            let portal = client.get("/portail").await;
            assert!(
                portal.body.contains(text) && portal.body.contains("Classe : "),
                "{}",
                portal.body
            );
        }
    }
    // Staff with functions: a CPE or vie scolaire member is personnel, the head is directeur.
    let profiles: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT m.profile FROM memberships m JOIN staff_functions f ON f.user_id = m.user_id ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        profiles.contains(&"director".to_owned()) && profiles.contains(&"staff".to_owned()),
        "{profiles:?}"
    );
    assert!(user_of(&app, &model.staff[0].id).await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn the_directory_a_collège_shares_with_its_écoles_lists_its_teachers_with_their_subjects() {
    let c = ent_tests::spaces::Cycle3::start().await;
    let college = c.node(ent_tests::spaces::COLLEGE);
    let options = options(1, 30);
    let dir = folder(&sample::complet(&options));
    run(college, dir.path(), |i| i.create_schools = true)
        .await
        .expect("AAF import on the collège's node");
    let (status, directory) = c
        .linked
        .get_as(
            Some(ent_tests::spaces::ECOLE1),
            ent_tests::spaces::COLLEGE,
            "/federation/classes",
        )
        .await;
    assert_eq!(status, 200);
    let directory: serde_json::Value = serde_json::from_str(&directory).unwrap();
    let teachers = directory["teachers"].as_array().unwrap();
    assert!(
        teachers.iter().any(|t| t["subjects"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "MATHEMATIQUES"))),
        "{directory:#}"
    );
    let pupil = &Model::build(&options).pupils[0].names;
    assert!(
        !directory.to_string().contains(&pupil.0),
        "no pupil in the directory"
    );
}
