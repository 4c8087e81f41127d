//! Rights that leaked across schools or classes: a local guest belongs to its creator's
//! school, another teacher's class is asked and not taken, groups show short names to pupils
//! and parents; and a guest made by mistake can be deleted.

use ent_node::domain::SchoolYear;
use ent_tests::{TestApp, TestClient, World, spawn_app};

fn end_of_year(app: &TestApp) -> String {
    SchoolYear::containing(app.state.clock.today())
        .last_day()
        .format("%Y-%m-%d")
        .to_string()
}

/// `director` creates a local guest; returns its user id.
async fn guest_of(app: &TestApp, director: &TestClient, first: &str) -> String {
    let created = director
        .submit(
            "/admin/invites",
            "/admin/invites",
            &[
                ("first_name", first),
                ("last_name", "Invité"),
                ("last_day", &end_of_year(app)),
            ],
        )
        .await;
    assert!(created.issued_code().is_some(), "{}", created.body);
    sqlx::query_scalar("SELECT id FROM users WHERE first_name = $1")
        .bind(first)
        .fetch_one(app.state.db.pool())
        .await
        .expect("guest")
}

#[tokio::test]
async fn a_local_guest_belongs_to_its_creators_school_and_can_be_deleted() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let yves = ent_tests::world::other_school_director(&app.state).await;
    let other_director = app.signed_in(&yves).await;
    let ours = guest_of(&app, &app.signed_in(&world.director).await, "Malik").await;
    let theirs = guest_of(&app, &other_director, "Zoé").await;

    // A teacher of our school is offered our guest, never the other school's.
    let teacher = app.signed_in(&world.teacher).await;
    let space = teacher
        .submit("/espaces", "/espaces", &[("title", "Atelier conte")])
        .await
        .location
        .expect("space");
    let invite = format!("{space}/inviter");
    let page = teacher.get(&invite).await.body;
    assert!(page.contains("Malik") && !page.contains("Zoé"), "{page}");
    let taken = teacher
        .submit(&invite, &invite, &[("kind", "guest"), ("user_id", &theirs)])
        .await;
    assert_eq!(taken.status, 404, "{}", taken.body);
    let added = teacher
        .submit(&invite, &invite, &[("kind", "guest"), ("user_id", &ours)])
        .await;
    assert!(added.redirects_to(&format!("{invite}?fait=invite-ajoute")));
    let added = teacher.follow(added).await;
    assert!(added.body.contains("comme invité"), "{}", added.body);

    // Its creator deletes the other one, once asked; our director cannot.
    let director = app.signed_in(&world.director).await;
    let delete = format!("/admin/invites/{theirs}/supprimer");
    assert_eq!(
        director.submit("/admin/invites", &delete, &[]).await.status,
        404
    );
    let asked = other_director.submit("/admin/invites", &delete, &[]).await;
    assert!(
        asked
            .body
            .contains("Supprimer le compte invité de Zoé Invité"),
        "{}",
        asked.body
    );
    let done = other_director
        .submit("/admin/invites", &delete, &[("confirme", "oui")])
        .await;
    assert!(done.redirects_to("/admin/invites"), "{}", done.body);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(&theirs)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
    let journal: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'guest.delete' AND target = $1",
    )
    .bind(&theirs)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(journal, 1);
    // A guest already in a space leaves it when deleted.
    let delete = format!("/admin/invites/{ours}/supprimer");
    director
        .submit("/admin/invites", &delete, &[("confirme", "oui")])
        .await;
    let state: String = sqlx::query_scalar("SELECT state FROM space_members WHERE user_id = $1")
        .bind(&ours)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "removed");
}

#[tokio::test]
async fn another_teachers_class_is_asked_not_taken() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let space = teacher
        .submit("/espaces", "/espaces", &[("title", "Défi lecture")])
        .await
        .location
        .expect("space");
    let invite = format!("{space}/inviter");
    let class_b = [("kind", "local"), ("class_id", world.class_b.as_str())];
    let asked = teacher.submit(&invite, &invite, &class_b).await;
    let asked = teacher.follow(asked).await;
    assert!(
        asked.body.contains("l'invitation lui est envoyée")
            || asked.body.contains("l&#39;invitation lui est envoyée"),
        "{}",
        asked.body
    );
    // Sent twice: asked once.
    teacher.submit(&invite, &invite, &class_b).await;
    let invitations: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM space_invitations WHERE direction = 'in' AND class_ref = $1",
    )
    .bind(&world.class_b)
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(invitations.len(), 1);
    let other_pupil = app.signed_in(&world.other_pupil).await;
    assert_eq!(
        other_pupil.get(&space).await.status,
        404,
        "nobody added yet"
    );

    // Class B's teacher answers, choosing the pupils.
    let other_teacher = app.signed_in(&world.other_teacher).await;
    assert!(
        other_teacher
            .get("/espaces")
            .await
            .body
            .contains("Défi lecture")
    );
    let answer = format!("/espaces/invitations/{}", invitations[0]);
    let done = other_teacher
        .submit(
            &answer,
            &answer,
            &[("answer", "accepter"), ("pupil", &world.other_pupil.id)],
        )
        .await;
    assert!(done.redirects_to("/espaces"), "{}", done.body);
    assert_eq!(other_pupil.get(&space).await.status, 200);
    assert_eq!(other_teacher.get(&space).await.status, 200);
    // One's own class still comes in at once.
    let own = teacher
        .submit(
            &invite,
            &invite,
            &[("kind", "local"), ("class_id", &world.class_a)],
        )
        .await;
    let own = teacher.follow(own).await;
    assert!(own.body.contains("La classe a été ajoutée"), "{}", own.body);
}

#[tokio::test]
async fn groups_show_short_names_to_pupils_and_parents() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    world
        .add_pupil(&app.state, &world.class_a, "Tom", "Petit")
        .await;
    let director = app.signed_in(&world.director).await;
    let group = director
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Chorale")],
        )
        .await
        .location
        .expect("group");
    director
        .submit(
            &group,
            &format!("{group}/membres"),
            &[("who", "pupils"), ("class_id", &world.class_a)],
        )
        .await;
    assert!(director.get(&group).await.body.contains("Tom Petit"));
    let pupil = app.signed_in(&world.pupil).await;
    let seen = pupil.get(&group).await;
    assert_eq!(seen.status, 200);
    assert!(
        seen.body.contains("Tom P.") && !seen.body.contains("Petit"),
        "{}",
        seen.body
    );
}

#[tokio::test]
async fn another_teachers_class_joins_a_group_only_when_its_teacher_accepts() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let group = teacher
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Chorale")],
        )
        .await
        .location
        .expect("group");
    let add = format!("{group}/membres");
    let class_b = [("who", "pupils"), ("class_id", world.class_b.as_str())];
    let asked = teacher.submit(&group, &add, &class_b).await;
    assert!(
        asked.body.contains("la demande lui est envoyée"),
        "{}",
        asked.body
    );
    teacher.submit(&group, &add, &class_b).await;
    let requests: Vec<String> = sqlx::query_scalar("SELECT id FROM group_requests")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(requests.len(), 1, "sent twice, asked once");
    let members = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM group_members")
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(members(&app).await, 0);

    // Class B's teacher sees the request and accepts it (twice: once).
    let other = app.signed_in(&world.other_teacher).await;
    assert!(
        other
            .get("/groupes")
            .await
            .body
            .contains("Demandes pour mes classes")
    );
    let answer = format!("/groupes/demandes/{}", requests[0]);
    // Nobody else answers for the class.
    assert_eq!(
        teacher
            .submit("/groupes", &answer, &[("answer", "accepter")])
            .await
            .status,
        404
    );
    let done = other
        .submit("/groupes", &answer, &[("answer", "accepter")])
        .await;
    assert!(done.redirects_to("/groupes"), "{}", done.body);
    assert_eq!(members(&app).await, 1);
    let again = other
        .submit("/groupes", &answer, &[("answer", "accepter")])
        .await;
    assert_eq!(again.status, 404);
    // One's own class comes in at once.
    let own = teacher
        .submit(
            &group,
            &add,
            &[("who", "pupils"), ("class_id", world.class_a.as_str())],
        )
        .await;
    assert!(own.body.contains("personne(s) ajoutée(s)"), "{}", own.body);
    assert_eq!(members(&app).await, 2);
}
