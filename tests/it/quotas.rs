//! Storage quotas: per member per day (posts, file bytes) and per space (file bytes), checked
//! in the transaction that writes (posts awaiting moderation count); a refused post is shown
//! again with its text, and leaves nothing behind, nor does a storage failure half-way.

use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2, PNG, multipart};
use ent_tests::{TestApp, TestClient, World, spawn_app_with};
use reqwest::StatusCode;

/// A space of the CM2 teacher with class A in it; (space page).
async fn space(world: &World, teacher: &TestClient) -> String {
    let created = teacher
        .submit(
            "/espaces",
            "/espaces",
            &[("title", "Sciences"), ("description", "")],
        )
        .await;
    let page = created.location.expect("space created");
    let invite = format!("{page}/inviter");
    ent_tests::spaces::add_local_class(teacher, &invite, &world.class_a).await;
    page
}

async fn rows(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// A PNG of `kib` KiB (its type is read from its first bytes).
fn png(kib: usize) -> Vec<u8> {
    let mut bytes = PNG.to_vec();
    bytes.resize(kib * 1024, 0);
    bytes
}

async fn send(
    client: &TestClient,
    page: &str,
    text: &str,
    files: &[(&str, &[u8])],
) -> ent_tests::client::Page {
    let csrf = client.get(page).await.csrf();
    let (kind, body) = multipart(&[("csrf", &csrf), ("content", text)], files);
    client
        .post_bytes(&format!("{page}/messages"), &kind, body)
        .await
}

#[tokio::test]
async fn a_pupil_reaches_the_daily_quota_with_posts_awaiting_moderation() {
    let app = spawn_app_with(|config| config.quotas.member_daily_posts = 2).await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = space(&world, &teacher).await;
    let pupil = app.signed_in(&world.pupil).await;
    for text in ["Premier", "Deuxième"] {
        assert!(send(&pupil, &page, text, &[]).await.redirects_to(&page));
    }
    // Both wait for a moderator, and still count.
    let refused = send(&pupil, &page, "Troisième message", &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{refused:?}"
    );
    assert!(
        refused.body.contains("2 messages en 24 heures"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Troisième message"),
        "the text is kept"
    );
    assert_eq!(rows(&app, "space_posts").await, 2);
    // The teacher is another member: their own quota.
    assert!(
        send(&teacher, &page, "Bravo", &[])
            .await
            .redirects_to(&page)
    );
    // A day later the pupil writes again.
    app.state.clock.advance(86_400);
    let pupil = app.signed_in(&world.pupil).await;
    assert!(
        send(&pupil, &page, "Le lendemain", &[])
            .await
            .redirects_to(&page)
    );
}

#[tokio::test]
async fn a_full_space_refuses_files_and_leaves_no_half_post() {
    let app = spawn_app_with(|config| config.quotas.space_mib = 1).await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = space(&world, &teacher).await;
    let first = png(600);
    assert!(
        send(&teacher, &page, "", &[("a.png", &first)])
            .await
            .redirects_to(&page)
    );
    // 600 + 300 + 300 KiB > 1 MiB: the whole post is refused, its first file included.
    let (b, c) = (png(300), png(300));
    let refused = send(&teacher, &page, "Photos", &[("b.png", &b), ("c.png", &c)]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{refused:?}"
    );
    assert!(
        refused.body.contains("Cet espace est plein (1 Mo"),
        "{}",
        refused.body
    );
    assert_eq!(rows(&app, "space_posts").await, 1);
    assert_eq!(rows(&app, "space_files").await, 1);
    assert_eq!(rows(&app, "space_file_data").await, 1);
    // Text alone still fits.
    assert!(
        send(&teacher, &page, "Sans photo", &[])
            .await
            .redirects_to(&page)
    );
}

/// Two posts with files sent at once into a space with room for one: one is stored.
#[tokio::test]
async fn two_posts_at_once_cannot_both_pass_the_space_quota() {
    let app = spawn_app_with(|config| config.quotas.space_mib = 1).await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = space(&world, &teacher).await;
    let csrf = teacher.get(&page).await.csrf();
    let file = png(700);
    let (kind, body) = multipart(&[("csrf", &csrf), ("content", "")], &[("a.png", &file)]);
    let path = format!("{page}/messages");
    let (a, b) = tokio::join!(
        teacher.post_bytes(&path, &kind, body.clone()),
        teacher.post_bytes(&path, &kind, body)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422], "{a:?} {b:?}");
    assert_eq!(rows(&app, "space_files").await, 1);
}

/// The disk fills up while the file's bytes are written (simulated by the database refusing
/// them): the post, its file row and its bytes are all absent, and the writer gets an error.
#[tokio::test]
async fn a_storage_failure_while_writing_a_file_leaves_no_half_post() {
    let app = spawn_app_with(|_| {}).await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let page = space(&world, &teacher).await;
    let pool = app.state.db.pool();
    match app.state.db.engine() {
        ent_node::store::Engine::Sqlite => {
            sqlx::query(
                "CREATE TRIGGER disk_full BEFORE INSERT ON space_file_data \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
            )
            .execute(pool)
            .await
            .unwrap();
        }
        ent_node::store::Engine::Postgres => {
            sqlx::query(
                "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN \
                 RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql",
            )
            .execute(pool)
            .await
            .unwrap();
            sqlx::query(
                "CREATE TRIGGER disk_full BEFORE INSERT ON space_file_data \
                 FOR EACH ROW EXECUTE FUNCTION disk_full()",
            )
            .execute(pool)
            .await
            .unwrap();
        }
    }
    let file = png(10);
    let failed = send(&teacher, &page, "Avec photo", &[("a.png", &file)]).await;
    assert_eq!(
        failed.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{failed:?}"
    );
    for table in ["space_posts", "space_files", "space_file_data"] {
        assert_eq!(rows(&app, table).await, 0, "{table}");
    }
}

/// The host holds the space, so its quota counts every node's files: école 2 does not know yet
/// of école 1's pending photo (nothing is announced before approval) and lets its pupil send
/// another; the host refuses it, and école 2 shows the refusal to its author.
#[tokio::test]
async fn the_host_holds_posts_from_other_nodes_to_the_space_quota() {
    let c = Cycle3::start_with(|config| config.quotas.space_mib = 1).await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let photo = png(700);
    for (ecole, text) in [
        (ECOLE1, "Photo de Jules Ferry"),
        (ECOLE2, "Photo de Pasteur"),
    ] {
        let copy = c.local_id(ecole, &group).await.expect("copy");
        let page = format!("/espaces/{copy}");
        let pupil = c.pupil(ecole).await;
        let sent = send(&pupil, &page, text, &[("photo.png", &photo)]).await;
        assert!(sent.redirects_to(&page), "{sent:?}");
        if ecole == ECOLE1 {
            c.wait_status(COLLEGE, text, Some("pending")).await;
        }
    }
    c.wait_status(ECOLE2, "Photo de Pasteur", Some("refused"))
        .await;
    assert_eq!(c.status_of(COLLEGE, "Photo de Pasteur").await, None);
    assert_eq!(rows(c.node(COLLEGE), "space_files").await, 1);
}

/// Posts sent at once by one member into four different spaces, with one post left of their
/// daily quota: one is stored, the others refused (the member's quota spans every space).
#[tokio::test]
async fn posts_at_once_in_several_spaces_cannot_pass_the_member_quota() {
    let app = spawn_app_with(|config| config.quotas.member_daily_posts = 1).await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    // Each form is read first, so that the posts themselves leave at the same moment.
    let mut posts = Vec::new();
    for _ in 0..4 {
        let page = space(&world, &teacher).await;
        let csrf = teacher.get(&page).await.csrf();
        let (kind, body) = multipart(&[("csrf", &csrf), ("content", "Bonjour")], &[]);
        posts.push((format!("{page}/messages"), kind, body));
    }
    let send = |i: usize| {
        let (path, kind, body) = &posts[i];
        teacher.post_bytes(path, kind, body.clone())
    };
    let (a, b, c, d) = tokio::join!(send(0), send(1), send(2), send(3));
    let mut statuses = [a.status, b.status, c.status, d.status].map(|s| s.as_u16());
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422, 422, 422], "{a:?} {b:?} {c:?} {d:?}");
    assert_eq!(rows(&app, "space_posts").await, 1);
}
