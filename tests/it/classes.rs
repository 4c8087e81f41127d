//! The class page as each profile sees it.

use ent_tests::world::set_pending;
use ent_tests::{PASSWORD, World, spawn_app};
use reqwest::StatusCode;

/// The table rows of a management page: `(class attribute, row html)`.
fn rows(body: &str) -> Vec<(&str, &str)> {
    body.split("<tr class=\"")
        .skip(1)
        .filter_map(|row| row.split_once('"'))
        .map(|(class, rest)| (class, rest.split("</tr>").next().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn a_teacher_sees_identifiers_states_and_parents_under_each_pupil() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    set_pending(&app.state, &world.parent.id).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = teacher.get(&format!("/classes/{}", world.class_a)).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = rows(&page.body);
    assert_eq!(rows.len(), 2, "one pupil, one parent: {rows:?}");
    let (pupil_class, pupil_row) = rows[0];
    assert_eq!(pupil_class, "pupil-row");
    assert!(
        pupil_row.contains(&world.pupil.identifier) && pupil_row.contains("Activé"),
        "{pupil_row}"
    );
    assert!(pupil_row.contains("Nouveau code"));
    let (parent_class, parent_row) = rows[1];
    assert_eq!(
        parent_class, "parent-row",
        "the parent is listed under their child"
    );
    assert!(
        parent_row.contains(&world.parent.identifier) && parent_row.contains("En attente"),
        "{parent_row}"
    );
    assert!(parent_row.contains("(parent)"));
    assert!(page.body.contains("Imprimer les fiches de connexion"));
    // Pupils of another class are not listed.
    assert!(!page.body.contains(&world.other_pupil.identifier));
    app.stop().await;
}

#[tokio::test]
async fn a_pupil_sees_the_simple_view_of_their_class() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let classmate = world
        .add_pupil(&app.state, &world.class_a, "Jules", "Robert")
        .await;
    let pupil = app.signed_in(&world.pupil).await;
    let page = pupil.get(&format!("/classes/{}", world.class_a)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<body class=\"simple\">"));
    assert!(
        page.body.contains("Léa M.") && page.body.contains("Jules R."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Paul Durand"), "teachers are listed");
    for hidden in [
        &world.pupil.identifier,
        &classmate.identifier,
        &world.parent.identifier,
    ] {
        assert!(
            !page.body.contains(hidden.as_str()),
            "identifier {hidden} is shown to a pupil"
        );
    }
    assert!(!page.body.contains("Nouveau code") && !page.body.contains("Imprimer"));
    assert!(!page.body.contains("En attente") && !page.body.contains("Activé"));
    app.stop().await;
}

#[tokio::test]
async fn a_parent_reaches_their_child_class_from_the_portal() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let parent = app.signed_in(&world.parent).await;
    let portal = parent.get("/portail").await;
    let link = format!("href=\"/classes/{}\"", world.class_a);
    let tile = portal
        .body
        .split(&link)
        .nth(1)
        .and_then(|rest| rest.split("</a>").next())
        .expect("a tile to the class");
    assert!(tile.contains("Classe de Léa"), "{tile}");
    assert!(!portal.body.contains(&format!("/classes/{}", world.class_b)));
    let class = parent.get(&format!("/classes/{}", world.class_a)).await;
    assert_eq!(class.status, StatusCode::OK);
    assert!(class.body.contains("CM2 A") && class.body.contains("Léa M."));
    assert!(
        !class.body.contains("Nouveau code"),
        "parents do not manage the class"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_parent_loses_the_class_of_a_deactivated_child() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    assert!(
        operator
            .set_user_active(&world.pupil.id, false)
            .await
            .status
            .is_redirection()
    );
    let parent = app.signed_in(&world.parent).await;
    let portal = parent.get("/portail").await;
    assert!(
        !portal.body.contains("Classe de Léa"),
        "the portal no longer offers the class"
    );
    let class = parent.get(&format!("/classes/{}", world.class_a)).await;
    assert_eq!(
        class.status,
        StatusCode::FORBIDDEN,
        "nor does the class page: {}",
        class.body
    );
    let (_, token) = parent.api_token(&world.parent.identifier, PASSWORD).await;
    let (status, _) = parent
        .api_get(&format!("/classes/{}", world.class_a), &token.unwrap())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}
