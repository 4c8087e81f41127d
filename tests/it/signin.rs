//! Sign-in under attack: throttling that concurrency cannot beat, delays that lock the attacker
//! rather than the account's owner, bounded hashing, staff password rules, rehashing.

use ent_tests::{PASSWORD, TestApp, TestClient, World, spawn_app, spawn_app_with};
use reqwest::StatusCode;

/// The throttle row of an account as typed, if any: (attempts, blocked_until).
async fn throttle_row(app: &TestApp, identifier: &str) -> Option<(i64, i64)> {
    sqlx::query_as("SELECT attempts, blocked_until FROM sign_in_throttle WHERE subject = $1")
        .bind(format!("account:{identifier}"))
        .fetch_optional(app.state.db.pool())
        .await
        .unwrap()
}

/// The wait a throttled page announces (`Retry-After`), checked against its French text and
/// against what was expected (a second may pass between the attempt and the answer).
fn announced_wait(page: &ent_tests::client::Page, expected: i64) -> i64 {
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{page:?}");
    let secs: i64 = page
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(
        (expected - 2..=expected).contains(&secs),
        "{secs} s, {expected} s expected"
    );
    assert!(
        page.body
            .contains(&format!("Nouvel essai possible dans {secs} s")),
        "{}",
        page.body
    );
    secs
}

/// Posts the sign-in form of an already loaded page (its token is in the client's jar).
async fn post_sign_in(client: &TestClient, csrf: &str, identifier: &str, password: &str) -> u16 {
    client
        .post_form(
            "/connexion",
            &[
                ("identifier", identifier),
                ("password", password),
                ("csrf", csrf),
            ],
        )
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_check_only_the_allowed_five() {
    let app = spawn_app_with(|c| c.accounts.hash_wait_ms = 30_000).await;
    let world = World::build(&app.state).await;
    // Every attacker loads the form first, then all post at once.
    let mut loaded = Vec::new();
    for _ in 0..30 {
        let client = app.client();
        let csrf = client.get("/connexion").await.csrf();
        loaded.push((client, csrf));
    }
    let mut attempts = tokio::task::JoinSet::new();
    for (client, csrf) in loaded {
        let identifier = world.teacher.identifier.clone();
        attempts.spawn(async move { post_sign_in(&client, &csrf, &identifier, "faux").await });
    }
    let statuses = attempts.join_all().await;
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let waiting = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, waiting), (5, 25), "{statuses:?}");
    assert_eq!(
        throttle_row(&app, &world.teacher.identifier)
            .await
            .map(|r| r.0),
        Some(5)
    );

    // During the delay even the right password is not checked: the page says how long to wait.
    let client = app.client();
    let during = client.sign_in(&world.teacher.identifier, PASSWORD).await;
    announced_wait(&during, 30);
    // Once it has passed, the owner signs in: the account was never locked against them.
    app.state.clock.advance(30);
    let after = client.sign_in(&world.teacher.identifier, PASSWORD).await;
    assert!(after.redirects_to("/portail"), "{after:?}");
    assert_eq!(throttle_row(&app, &world.teacher.identifier).await, None);
    app.stop().await;
}

#[tokio::test]
async fn delays_grow_after_each_further_wrong_password() {
    let app = spawn_app_with(|c| c.accounts.max_failures_per_account = 1).await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let who = &world.parent.identifier;
    assert_eq!(
        client.sign_in(who, "faux").await.status,
        StatusCode::UNAUTHORIZED
    );
    announced_wait(&client.sign_in(who, "faux").await, 30);
    app.state.clock.advance(30);
    assert_eq!(
        client.sign_in(who, "faux").await.status,
        StatusCode::UNAUTHORIZED
    );
    announced_wait(&client.sign_in(who, PASSWORD).await, 60);
    app.state.clock.advance(60);
    assert!(client.sign_in(who, PASSWORD).await.redirects_to("/portail"));
    app.stop().await;
}

#[tokio::test]
async fn a_school_behind_one_address_is_spared_when_its_network_is_trusted() {
    let limits = |c: &mut ent_config::NodeConfig| {
        c.accounts.max_failures_per_account = 2;
        c.accounts.max_failures_per_address = 3;
    };
    // Untrusted: the fourth wrong password from the address, on yet another account, waits.
    let app = spawn_app_with(limits).await;
    let client = app.client();
    for n in 0..3 {
        let page = client.sign_in(&format!("eleve.{n}"), "faux").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = client.sign_in("eleve.9", "faux").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;

    // Trusted: only each account is counted.
    let app = spawn_app_with(|c| {
        limits(c);
        c.accounts.trusted_networks = vec!["127.0.0.0/8".into()];
    })
    .await;
    let world = World::build(&app.state).await;
    let client = app.client();
    for n in 0..4 {
        let page = client.sign_in(&format!("eleve.{n}"), "faux").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    assert!(
        client
            .sign_in(&world.pupil.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_busy_node_answers_at_once_without_counting_the_attempt() {
    let app = spawn_app_with(|c| {
        c.accounts.max_concurrent_hashes = 1;
        c.accounts.hash_wait_ms = 0;
    })
    .await;
    let world = World::build(&app.state).await;
    // Every hashing slot is taken (as by a flood of anonymous sign-ins).
    let held = app.state.hashing.clone().acquire_owned().await.unwrap();
    let client = app.client();
    let busy = client.sign_in(&world.pupil.identifier, PASSWORD).await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        busy.body.contains("Le serveur est très occupé"),
        "{}",
        busy.body
    );
    assert_eq!(
        throttle_row(&app, &world.pupil.identifier)
            .await
            .map(|r| r.0),
        Some(0)
    );
    let (status, _) = client.api_token(&world.pupil.identifier, PASSWORD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    drop(held);
    assert!(
        client
            .sign_in(&world.pupil.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_current_password_counts_like_a_failed_sign_in() {
    let app = spawn_app_with(|c| c.accounts.max_failures_per_account = 2).await;
    let world = World::build(&app.state).await;
    let parent = app.signed_in(&world.parent).await;
    for _ in 0..2 {
        let page = parent
            .change_password("pas-le-bon", "un-nouveau-secret")
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("Le mot de passe actuel est incorrect"));
    }
    // The account now waits, on this page and at the sign-in page alike.
    let page = parent.change_password(PASSWORD, "un-nouveau-secret").await;
    announced_wait(&page, 30);
    let elsewhere = app
        .client()
        .sign_in(&world.parent.identifier, PASSWORD)
        .await;
    assert_eq!(elsewhere.status, StatusCode::TOO_MANY_REQUESTS);
    app.state.clock.advance(30);
    let page = parent.change_password(PASSWORD, "un-nouveau-secret").await;
    assert!(
        page.body.contains("Votre mot de passe a été modifié."),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_passwords_are_long_and_not_common_while_pupils_keep_the_simple_rule() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let short = teacher.change_password(PASSWORD, "cahier-vert").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.body.contains("au moins 12 caractères"),
        "{}",
        short.body
    );
    let common = teacher.change_password(PASSWORD, "1qaz2wsx3edc").await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(common.body.contains("les plus courants"), "{}", common.body);
    let good = teacher
        .change_password(PASSWORD, "le cahier vert du mardi")
        .await;
    assert!(good.body.contains("Votre mot de passe a été modifié."));

    let pupil = app.signed_in(&world.pupil).await;
    let simple = pupil.change_password(PASSWORD, "cahier-1").await;
    assert!(
        // A pupil is told "tu".
        simple.body.contains("Ton mot de passe a été modifié."),
        "{}",
        simple.body
    );
    app.stop().await;
}

#[tokio::test]
async fn a_staff_activation_with_a_weak_password_keeps_its_code() {
    use ent_node::accounts::codes;
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let issued = codes::reset(&mut tx, &world.director.id, app.state.clock.now(), 60)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let client = app.client();
    let weak = client
        .activate(&world.director.identifier, &issued.code, "1qaz2wsx3edc")
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("les plus courants"), "{}", weak.body);
    let strong = client
        .activate(
            &world.director.identifier,
            &issued.code,
            "la cour de récréation",
        )
        .await;
    assert!(strong.redirects_to("/portail"), "{strong:?}");
    app.stop().await;
}

#[tokio::test]
async fn raised_argon2_parameters_rehash_the_password_at_sign_in() {
    let app = spawn_app_with(|c| c.accounts.argon2_memory_kib = 20 * 1024).await;
    let world = World::build(&app.state).await;
    let stored = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1")
            .bind(&world.pupil.id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap()
    };
    assert!(stored().await.contains("m=19456"));
    app.signed_in(&world.pupil).await;
    let rehashed = stored().await;
    assert!(rehashed.contains("m=20480"), "{rehashed}");
    // Same password, stronger hash.
    app.signed_in(&world.pupil).await;
    assert_eq!(stored().await, rehashed);
    app.stop().await;
}

#[tokio::test]
async fn the_operator_sees_delayed_accounts_and_unlocks_them() {
    let app = spawn_app_with(|c| c.accounts.max_failures_per_account = 1).await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    let teacher = app.client();
    teacher.sign_in(&world.teacher.identifier, "faux").await;
    let page = operator.get("/admin/utilisateurs").await;
    assert!(page.body.contains("Comptes en attente"), "{}", page.body);
    assert!(page.body.contains(&world.teacher.identifier));
    let unlocked = operator
        .post_signed(
            "/admin/utilisateurs/debloquer",
            &[("identifier", &world.teacher.identifier)],
        )
        .await;
    assert!(unlocked.redirects_to("/admin/utilisateurs"), "{unlocked:?}");
    assert!(
        !operator
            .get("/admin/utilisateurs")
            .await
            .body
            .contains("Comptes en attente")
    );
    assert!(
        teacher
            .sign_in(&world.teacher.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );
    // Nobody else may unlock.
    let refused = teacher
        .post_signed(
            "/admin/utilisateurs/debloquer",
            &[("identifier", &world.teacher.identifier)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.stop().await;
}
