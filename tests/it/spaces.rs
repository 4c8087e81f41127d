//! Spaces on one node: a local space works like a shared one and never leaves the node; the
//! pages for pupils, teachers and guests.

use ent_tests::{TestApp, World, spawn_app};

/// A node with its world and a space of the CM2 teacher holding class A; (space id).
async fn space_with_class(app: &TestApp, world: &World) -> String {
    let teacher = app.signed_in(&world.teacher).await;
    let created = teacher
        .submit(
            "/espaces",
            "/espaces",
            &[("title", "Défi lecture"), ("description", "Nos lectures")],
        )
        .await;
    let id = created
        .location
        .clone()
        .expect("redirect")
        .trim_start_matches("/espaces/")
        .to_owned();
    let invite = format!("/espaces/{id}/inviter");
    ent_tests::spaces::add_local_class(&teacher, &invite, &world.class_a).await;
    id
}

#[tokio::test]
async fn a_local_space_runs_without_federation() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let id = space_with_class(&app, &world).await;
    let page = format!("/espaces/{id}");
    let pupil = app.signed_in(&world.pupil).await;
    assert!(pupil.get("/espaces").await.body.contains("Défi lecture"));
    let sent = pupil
        .submit(
            &page,
            &format!("{page}/messages"),
            &[("content", "J'ai lu **Matilda** !")],
        )
        .await;
    assert!(sent.redirects_to(&page));
    let mine = pupil.get(&page).await;
    assert!(mine.body.contains("en attente de validation"));
    // Another pupil of the class does not see it before approval.
    let teacher = app.signed_in(&world.teacher).await;
    let queue = teacher.get(&page).await;
    assert!(queue.body.contains("À valider (1)"), "{}", queue.body);
    assert!(teacher.get("/espaces").await.body.contains("1 à valider"));
    assert!(!pupil.get("/espaces").await.body.contains("à valider"));
    let post: String = sqlx::query_scalar("SELECT id FROM space_posts")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    teacher
        .submit(
            &page,
            &format!("{page}/messages/{post}/moderer"),
            &[("action", "approuver")],
        )
        .await;
    let shown = pupil.get(&page).await;
    assert!(
        shown.body.contains("<strong>Matilda</strong>"),
        "{}",
        shown.body
    );
    // Comments, edit by the author, report by a member.
    pupil
        .submit(
            &page,
            &format!("{page}/messages"),
            &[("content", "Moi aussi"), ("parent", &post)],
        )
        .await;
    pupil
        .submit(
            &page,
            &format!("{page}/messages/{post}/modifier"),
            &[("content", "J'ai lu Matilda deux fois")],
        )
        .await;
    assert!(pupil.get(&page).await.body.contains("deux fois"));
    teacher
        .submit(
            &page,
            &format!("{page}/messages/{post}/signaler"),
            &[("reason", "à vérifier")],
        )
        .await;
    assert!(teacher.get(&page).await.body.contains("Signalements"));
    // Nobody else may edit it.
    let refused = teacher
        .submit(
            &page,
            &format!("{page}/messages/{post}/modifier"),
            &[("content", "Changé")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Seul l&#39;auteur"),
        "{}",
        refused.body
    );
    // Nothing was queued for any other node (there is none, and the space is local).
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM federation_deliveries")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(queued, 0);
    // Pupils never see counts of views or likes, nor moderation tools.
    let body = pupil.get(&page).await.body;
    assert!(!body.contains("vue") && !body.contains("J'aime"));
    assert!(!body.contains("Masquer") && !body.contains("À valider"));
}

#[tokio::test]
async fn outsiders_and_guests_stay_out_of_what_is_not_theirs() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let id = space_with_class(&app, &world).await;
    let page = format!("/espaces/{id}");
    // A pupil of another class, a parent: the space does not exist for them.
    for person in [&world.other_pupil, &world.parent, &world.operator] {
        let client = app.signed_in(person).await;
        assert_eq!(client.get(&page).await.status, 404, "{}", person.identifier);
    }
    // A guest admitted to this space only.
    sqlx::query(
        "INSERT INTO space_members (space_id, actor_id, user_id, node, display_name, school, level, role, state, joined_at) \
         VALUES ($1, $2, $2, '', 'Inès F.', '', '', 'guest', 'active', 0)",
    )
    .bind(&id)
    .bind(&world.guest.id)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let guest = app.signed_in(&world.guest).await;
    assert_eq!(guest.get(&page).await.status, 200);
    let other = app.signed_in(&world.other_teacher).await;
    let other_space = other
        .submit("/espaces", "/espaces", &[("title", "Chorale")])
        .await
        .location
        .expect("created");
    assert_eq!(guest.get(&other_space).await.status, 404);
    assert_eq!(
        guest
            .get(&format!("/classes/{}", world.class_a))
            .await
            .status,
        403
    );
    assert_eq!(guest.get(&format!("{page}/inviter")).await.status, 403);
    let post = guest
        .submit(
            &page,
            &format!("{page}/messages"),
            &[("content", "Bonjour, je suis l'intervenante")],
        )
        .await;
    assert!(post.redirects_to(&page));
    let post_id: String = sqlx::query_scalar("SELECT id FROM space_posts")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let moderation = guest
        .submit(
            &page,
            &format!("{page}/messages/{post_id}/moderer"),
            &[("action", "approuver")],
        )
        .await;
    assert_eq!(moderation.status, 403);
    let created = guest
        .submit("/espaces", "/espaces", &[("title", "Le mien")])
        .await;
    assert_eq!(created.status, 403);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let id = space_with_class(&app, &world).await;
    let page = format!("/espaces/{id}");
    let pupil = app.signed_in(&world.pupil).await;
    let empty = pupil
        .submit(&page, &format!("{page}/messages"), &[("content", "   ")])
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Le message est vide"));
    let long = "a".repeat(5001);
    let too_long = pupil
        .submit(&page, &format!("{page}/messages"), &[("content", &long)])
        .await;
    assert_eq!(too_long.status, 422);
    assert!(too_long.body.contains(&long), "the typed text is kept");
    let teacher = app.signed_in(&world.teacher).await;
    let bad_date = teacher
        .submit(
            &page,
            &format!("{page}/reglages"),
            &[("title", "Défi"), ("open_until", "31/06/2027")],
        )
        .await;
    assert_eq!(bad_date.status, 422);
    assert!(
        bad_date.body.contains("Date de fin invalide"),
        "{}",
        bad_date.body
    );
    assert!(
        bad_date.body.contains("Défi lecture"),
        "shown again, unchanged"
    );
    let untitled = teacher
        .submit("/espaces", "/espaces", &[("title", "")])
        .await;
    assert_eq!(untitled.status, 422);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spaces")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing half-made");
}

#[tokio::test]
async fn a_long_wall_is_read_a_page_at_a_time() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let id = space_with_class(&app, &world).await;
    let page = format!("/espaces/{id}");
    let teacher = app.signed_in(&world.teacher).await;
    for i in 1..=31 {
        teacher
            .submit(
                &page,
                &format!("{page}/messages"),
                &[("content", &format!("Lecture numéro {i:02}"))],
            )
            .await;
    }
    let first = teacher.get(&page).await.body;
    assert!(first.contains("Lecture numéro 31") && !first.contains("Lecture numéro 01"));
    assert!(first.contains("Messages plus anciens") && first.contains("Page 1 sur 2"));
    let second = teacher.get(&format!("{page}?page=2")).await.body;
    assert!(second.contains("Lecture numéro 01") && !second.contains("Lecture numéro 31"));
    assert!(second.contains("Messages plus récents"));
    let beyond = teacher.get(&format!("{page}?page=99")).await.body;
    assert!(beyond.contains("Page 2 sur 2"));
}
