//! Local guests made by hand on `/admin/invites` (a partner without a node): activation code
//! shown once, activation, confinement, and the daily expiry (its first pass runs at start).

use ent_node::domain::SchoolYear;
use ent_tests::{PASSWORD, TestApp, World, spawn_app};

/// The last day a guest created today may have, `yyyy-mm-dd`.
fn end_of_year(app: &TestApp) -> String {
    let today = app.state.clock.today();
    SchoolYear::containing(today)
        .last_day()
        .format("%Y-%m-%d")
        .to_string()
}

/// Creates a local guest from the operator's page; the page showing its code.
async fn create(operator: &ent_tests::TestClient, last_day: &str) -> ent_tests::client::Page {
    operator
        .submit(
            "/admin/invites",
            "/admin/invites",
            &[
                ("first_name", "Malik"),
                ("last_name", "Intervenant"),
                ("last_day", last_day),
            ],
        )
        .await
}

#[tokio::test]
async fn an_operator_creates_a_local_guest_who_activates_and_sees_no_school_page() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    let page = operator.get("/admin/invites").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Créer un compte invité"));

    let shown = create(&operator, &end_of_year(&app)).await;
    assert_eq!(shown.status, 200, "{shown:?}");
    let code = shown.issued_code().expect("code shown once");
    assert!(shown.body.contains("malik.intervenant"), "{}", shown.body);
    let listed = operator.get("/admin/invites").await;
    assert!(listed.body.contains("Invité local") && listed.body.contains("Malik"));
    assert!(!listed.body.contains(&code), "the code is shown once only");

    let guest = app.client();
    let activated = guest.activate("malik.intervenant", &code, PASSWORD).await;
    assert!(activated.redirects_to("/portail"), "{activated:?}");
    assert_eq!(guest.get("/portail").await.status, 200);
    for path in [
        format!("/classes/{}", world.class_a),
        "/admin/ecoles".to_owned(),
        "/admin/invites".to_owned(),
        "/admin/utilisateurs".to_owned(),
    ] {
        assert_eq!(guest.get(&path).await.status, 403, "{path}");
    }
    let row: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT g.peer, g.remote_actor, g.created_by FROM guests g \
         JOIN users u ON u.id = g.user_id WHERE u.identifier = 'malik.intervenant'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(row, (String::new(), None, Some(world.operator.id.clone())));
}

#[tokio::test]
async fn only_operators_and_directors_create_guests_within_the_school_year() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    for person in [&world.teacher, &world.guest, &world.parent, &world.staff] {
        let client = app.signed_in(person).await;
        assert_eq!(client.get("/admin/invites").await.status, 403);
        let posted = client
            .post_signed(
                "/admin/invites",
                &[
                    ("first_name", "A"),
                    ("last_name", "B"),
                    ("last_day", "2030-01-01"),
                ],
            )
            .await;
        assert_eq!(posted.status, 403);
    }
    let operator = app.signed_in(&world.operator).await;
    let too_late = SchoolYear::containing(app.state.clock.today())
        .last_day()
        .succ_opt()
        .unwrap();
    let refused = create(&operator, &too_late.format("%Y-%m-%d").to_string()).await;
    assert_eq!(refused.status, 422, "{refused:?}");
    let text = ent_tests::guests::unescape(&refused.body);
    assert!(text.contains("la fin de l'année scolaire"), "{text}");
    assert!(
        refused.body.contains("value=\"Malik\""),
        "the form keeps what was typed"
    );
    let forged = operator
        .post_form(
            "/admin/invites",
            &[
                ("first_name", "A"),
                ("last_name", "B"),
                ("last_day", "2030-01-01"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guests")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn guests_past_their_last_day_expire_when_the_node_starts() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    let today = app.state.clock.today().format("%Y-%m-%d").to_string();
    let code = create(&operator, &today).await.issued_code().expect("code");
    let guest = app.client();
    assert!(
        guest
            .activate("malik.intervenant", &code, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    // Two days later the node restarts: the expiry's first pass runs before it serves, so
    // its first answer comes after it.
    app.state.clock.advance(2 * 86_400);
    let app = app.restart().await;
    assert_eq!(
        guest.get("/portail").await.status,
        303,
        "sessions end with the account"
    );
    let again = app.client().sign_in("malik.intervenant", PASSWORD).await;
    assert_eq!(again.status, 401);
    let listed = app
        .signed_in(&world.operator)
        .await
        .get("/admin/invites")
        .await;
    assert!(listed.body.contains("Expiré"), "{}", listed.body);
    let (expired_at, active): (i64, i64) = sqlx::query_as(
        "SELECT g.expired_at, u.active FROM guests g JOIN users u ON u.id = g.user_id",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(expired_at > 0);
    assert_eq!(active, 0);
}

#[tokio::test]
async fn a_director_creates_a_guest_whom_a_teacher_adds_to_one_space_only() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    let code = create(&director, &end_of_year(&app))
        .await
        .issued_code()
        .expect("code shown");
    // The operator's guests are not the director's business.
    let operator = app.signed_in(&world.operator).await;
    operator
        .submit(
            "/admin/invites",
            "/admin/invites",
            &[
                ("first_name", "Zoé"),
                ("last_name", "Conteuse"),
                ("last_day", &end_of_year(&app)),
            ],
        )
        .await;
    let listed = director.get("/admin/invites").await;
    assert!(
        listed.body.contains("Malik") && !listed.body.contains("Zoé"),
        "{}",
        listed.body
    );

    let teacher = app.signed_in(&world.teacher).await;
    let space = teacher
        .submit("/espaces", "/espaces", &[("title", "Atelier conte")])
        .await
        .location
        .expect("space");
    let other = teacher
        .submit("/espaces", "/espaces", &[("title", "Autre espace")])
        .await
        .location
        .expect("space");
    let invite = format!("{space}/inviter");
    let user_id: String =
        sqlx::query_scalar("SELECT id FROM users WHERE identifier = 'malik.intervenant'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let added = teacher
        .submit(
            &invite,
            &invite,
            &[("kind", "guest"), ("user_id", &user_id)],
        )
        .await;
    let added = teacher.follow(added).await;
    assert!(added.body.contains("comme invité"), "{}", added.body);

    let guest = app.client();
    guest.activate("malik.intervenant", &code, PASSWORD).await;
    let portal = guest.get("/portail").await;
    assert!(portal.body.contains("Mes espaces"));
    assert!(guest.get("/espaces").await.body.contains("Atelier conte"));
    assert_eq!(guest.get(&space).await.status, 200);
    assert_eq!(guest.get(&other).await.status, 404);
    assert_eq!(guest.get(&invite).await.status, 403);
    let posted = guest
        .submit(
            &space,
            &format!("{space}/messages"),
            &[("content", "Bonjour, je suis Malik")],
        )
        .await;
    assert!(posted.redirects_to(&space));
}
