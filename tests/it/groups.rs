//! Groups: built by the school's staff from classes, seen by their members.

use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn a_teacher_builds_a_group_of_parents_from_a_class() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    assert!(
        teacher
            .get("/portail")
            .await
            .body
            .contains("href=\"/groupes\"")
    );

    let created = teacher
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Parents des CM2")],
        )
        .await;
    let location = created.location.clone().expect("redirect to the new group");
    assert!(location.starts_with("/groupes/"), "{created:?}");

    let added = teacher
        .submit(
            &location,
            &format!("{location}/membres"),
            &[("who", "parents"), ("class_id", &world.class_a)],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added.body.contains("1 personne(s) ajoutée(s)"),
        "{}",
        added.body
    );
    assert!(added.body.contains("Sophie Martin"));
    // Adding again adds nobody twice.
    let again = teacher
        .submit(
            &location,
            &format!("{location}/membres"),
            &[("who", "parents"), ("class_id", &world.class_a)],
        )
        .await;
    assert!(again.body.contains("0 personne(s) ajoutée(s)"));

    // The parent sees the group (read only); another parent's pupil does not.
    let parent = app.signed_in(&world.parent).await;
    let seen = parent.get(&location).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("Ajouter des membres"));
    let pupil = app.signed_in(&world.other_pupil).await;
    assert_eq!(pupil.get(&location).await.status, StatusCode::FORBIDDEN);

    // The parent may not change it.
    let csrf = parent.get("/compte").await.csrf();
    let refused = parent
        .post_form(
            &format!("{location}/membres"),
            &[
                ("who", "pupils"),
                ("class_id", &world.class_a),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn group_names_are_unique_per_school_and_classes_stay_in_their_school() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    let first = director
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Chorale")],
        )
        .await;
    let location = first.location.clone().expect("created");
    let duplicate = director
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Chorale")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(duplicate.body.contains("existe déjà"));
    let foreign = director
        .submit(
            &location,
            &format!("{location}/membres"),
            &[("who", "pupils"), ("class_id", "not-a-class")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A staff member of the school may not create groups.
    let staff = app.signed_in(&world.staff).await;
    let refused = staff
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Cantine")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Removing a member, then deleting the group.
    let added = director
        .submit(
            &location,
            &format!("{location}/membres"),
            &[("who", "pupils"), ("class_id", &world.class_a)],
        )
        .await;
    assert!(added.body.contains("Léa Martin"));
    let removed = director
        .submit(
            &location,
            &format!("{location}/membres/{}/retirer", world.pupil.id),
            &[("confirme", "oui")],
        )
        .await;
    assert!(removed.redirects_to(&location));
    assert!(!director.get(&location).await.body.contains("Léa Martin"));
    let deleted = director
        .submit(
            &location,
            &format!("{location}/supprimer"),
            &[("confirme", "oui")],
        )
        .await;
    assert!(deleted.redirects_to("/groupes"));
    assert_eq!(director.get(&location).await.status, StatusCode::NOT_FOUND);
    app.stop().await;
}
