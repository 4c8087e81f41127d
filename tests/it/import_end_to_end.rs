//! Imported pupils activate with their connection sheet and reach their class.

use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

use crate::import::{Files, add_school, run, texts};
use crate::import_changes::{CLASS, fields};

#[tokio::test]
async fn imported_pupils_activate_with_their_sheet_and_reach_their_class() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let uai = add_school(&app).await;
    let texts = texts();
    run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("import");
    let class_name = fields(texts.pupils.lines().nth(1).unwrap())[CLASS].clone();
    let class_id: String = sqlx::query_scalar(
        "SELECT c.id FROM classes c JOIN schools s ON s.id = c.school_id WHERE s.uai = $1 AND c.name = $2",
    )
    .bind(uai.as_str())
    .bind(&class_name)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();

    let operator = app.signed_in(&world.operator).await;
    let page = operator.print_sheets(&class_id).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let sheets = page.sheets();
    assert_eq!(
        sheets.iter().filter(|s| s.pupil).count(),
        24,
        "one sheet per pupil of the class"
    );
    assert!(sheets.iter().any(|s| !s.pupil), "and their parents'");
    let sheet = sheets.iter().find(|s| s.pupil).unwrap();

    let pupil = app.client();
    let activated = pupil
        .activate(&sheet.identifier, &sheet.code, "ma-trousse-bleue")
        .await;
    assert!(activated.redirects_to("/portail"), "{activated:?}");
    let portal = pupil.get("/portail").await;
    assert!(
        portal.body.contains("Ma classe")
            && portal
                .body
                .contains(&format!("href=\"/classes/{class_id}\""))
    );
    let class = pupil.get(&format!("/classes/{class_id}")).await;
    assert_eq!(class.status, StatusCode::OK);
    assert!(
        class.body.contains(&class_name) && class.body.contains("École du Lac"),
        "{}",
        class.body
    );
    app.stop().await;
}
