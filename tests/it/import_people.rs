//! ONDE imports of people easily confused: twins and homonyms.

use ent_node::provisioning::onde::sample::{self, SampleEncoding};
use ent_tests::{TestApp, spawn_app};

use crate::import::{Files, add_school, created, identifiers, run, texts};

async fn birth_date(app: &TestApp, identifier: &str) -> Option<String> {
    sqlx::query_scalar("SELECT birth_date FROM users WHERE identifier = $1")
        .bind(identifier)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn twins_are_two_accounts() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    run(&app, &uai, &Files::onde(&texts()), false)
        .await
        .expect("import");
    let (zoe, noel) = (
        identifiers(&app, "Zoé", "D'Angelo").await,
        identifiers(&app, "Noël", "D'Angelo").await,
    );
    assert_eq!(zoe, ["zoe.d-angelo"]);
    assert_eq!(noel, ["noel.d-angelo"]);
    let (a, b) = (
        birth_date(&app, &zoe[0]).await,
        birth_date(&app, &noel[0]).await,
    );
    assert!(a.is_some() && a == b, "same birth date: {a:?} {b:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_sample_homonyms_are_two_accounts() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    run(&app, &uai, &Files::onde(&texts()), false)
        .await
        .expect("import");
    let gaelle = identifiers(&app, "Gaëlle", "Morel").await;
    assert_eq!(gaelle, ["gaelle.morel", "gaelle.morel2"]);
    assert_ne!(
        birth_date(&app, &gaelle[0]).await,
        birth_date(&app, &gaelle[1]).await
    );
    app.stop().await;
}

#[tokio::test]
async fn homonyms_get_distinct_identifiers_and_their_own_guardians() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    // Two Léa Martin born on different days; their guardians name the class to tell them apart.
    let pupils = "Nom Elève;Prénom Elève;Date naissance;Niveau;Classe\n\
                  Martin;Léa;12/03/2016;CM2;CM2 A\n\
                  Martin;Léa;05/11/2017;CM1;CM1 B\n";
    let guardians = "Nom responsable;Prénom responsable;Nom de famille enfant;Prénom enfant;Classes enfants\n\
                     Martin;Sophie;Martin;Léa;CM2 A\n\
                     Martin;Karim;Martin;Léa;CM1 B\n";
    let files = Files {
        pupils: sample::encode(pupils, SampleEncoding::Utf8Bom, true),
        guardians: sample::encode(guardians, SampleEncoding::Utf8Bom, true),
        teachers: None,
    };
    let report = run(&app, &uai, &files, false).await.expect("import");
    assert_eq!((report.pupils, report.guardians), (created(2), created(2)));
    assert_eq!(
        identifiers(&app, "Léa", "Martin").await,
        ["lea.martin", "lea.martin2"]
    );
    assert_ne!(
        birth_date(&app, "lea.martin").await,
        birth_date(&app, "lea.martin2").await
    );
    let child_of = async |parent: &str| -> Vec<String> {
        sqlx::query_scalar(
            "SELECT c.identifier FROM guardianships g JOIN users p ON p.id = g.parent_id \
             JOIN users c ON c.id = g.child_id WHERE p.first_name = $1",
        )
        .bind(parent)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
    };
    assert_eq!(child_of("Sophie").await, ["lea.martin"]);
    assert_eq!(child_of("Karim").await, ["lea.martin2"]);
    app.stop().await;
}
