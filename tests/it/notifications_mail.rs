//! Notifications by e-mail through a real SMTP server (aiosmtpd started by the test): the
//! confirmation of an address, one mail per notification (never the text), the daily digest,
//! the quiet hours, unsubscribing without signing in, and the outbox across a failed send, a
//! restart and a sender that died holding a mail.

use ent_node::notifications::mail::run_once;
use ent_tests::messaging::{move_to, person, send, to_tuesday_morning};
use ent_tests::smtp::{self, Mail, SmtpServer};
use ent_tests::{TestApp, TestClient, World, spawn_app_with};

const ADDRESS: &str = "directrice@ecole.test.fr";

async fn mail_app(port: u16) -> TestApp {
    spawn_app_with(|c| smtp::configure(c, port)).await
}

/// A running SMTP server (and its folder), a node sending to it, its world, on a Tuesday morning.
async fn with_server() -> (tempfile::TempDir, SmtpServer, TestApp, World) {
    let folder = tempfile::tempdir().unwrap();
    let server = SmtpServer::start_on(smtp::free_port(), folder.path()).await;
    let app = mail_app(server.port).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    (folder, server, app, w)
}

async fn give_address(client: &TestClient, address: &str, mode: &str) {
    let done = client
        .submit(
            "/notifications/preferences",
            "/notifications/courriel",
            &[("address", address), ("mode", mode)],
        )
        .await;
    assert!(
        done.redirects_to("/notifications/preferences?fait=confirmation-envoyee"),
        "{done:?}"
    );
}

async fn outbox(app: &TestApp, state: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = $1")
        .bind(state)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// Gives `address` for `who` in `mode` and opens the confirmation link without signing in.
async fn confirmed(
    app: &TestApp,
    server: &SmtpServer,
    who: &ent_tests::world::Person,
    address: &str,
    mode: &str,
) {
    let client = app.signed_in(who).await;
    give_address(&client, address, mode).await;
    // Nothing goes before it is confirmed: the only mail is the confirmation.
    run_once(&app.state).await;
    let mails = server.mails_to(address);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.starts_with("Confirmez votre adresse"));
    let link = mails[0].link("/notifications/courriel/");
    let path = link.trim_start_matches(&app.base_url);
    let page = app.client().get(path).await;
    assert!(
        page.body.contains("Votre adresse est confirmée"),
        "{}",
        page.body
    );
}

async fn teacher_writes_to(app: &TestApp, w: &World, to: &str, body: &str) {
    let teacher = app.signed_in(&w.teacher).await;
    let sent = send(&teacher, &[&person(to)], "Réunion", body, &[]).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
}

#[tokio::test]
async fn each_notification_is_mailed_without_its_text_and_the_link_unsubscribes_without_sign_in() {
    let (_folder, server, app, w) = with_server().await;
    confirmed(&app, &server, &w.director, ADDRESS, "each").await;

    teacher_writes_to(&app, &w, &w.director.id, "Le code du portail est 4321").await;
    run_once(&app.state).await;
    let mails = server.mails_to(ADDRESS);
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mail: &Mail = &mails[1];
    assert!(
        mail.subject
            .starts_with("Nouveau message dans la messagerie"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("/messagerie/"), "{}", mail.body);
    assert!(!mail.body.contains("4321") && !mail.subject.contains("Réunion"));
    assert!(
        mail.message_id.ends_with("@127.0.0.1>"),
        "{}",
        mail.message_id
    );
    // A second pass sends nothing again.
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 2);

    // The unsubscribe link works signed out: a page asking, then the POST.
    let link = mail.link("/notifications/desabonnement/");
    let path = link.trim_start_matches(&app.base_url).to_owned();
    assert_eq!(mail.list_unsubscribe, format!("<{link}>"));
    let anonymous = app.client();
    let asked = anonymous.get(&path).await;
    assert!(
        asked.body.contains("Ne plus recevoir de courriels"),
        "{}",
        asked.body
    );
    // What a mail client's one-click unsubscribe (RFC 8058) posts.
    let done = anonymous
        .post_form(&path, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert!(
        done.body.contains("Désabonnement enregistré"),
        "{}",
        done.body
    );
    // A forged token is refused.
    let forged = format!("{}0", path);
    assert_eq!(anonymous.get(&forged).await.status, 404);

    teacher_writes_to(&app, &w, &w.director.id, "Encore").await;
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 2);
    // The centre still has it: no e-mail is ever needed.
    let director = app.signed_in(&w.director).await;
    assert_eq!(
        director
            .get("/notifications")
            .await
            .body
            .matches("Nouveau message")
            .count(),
        2
    );
}

#[tokio::test]
async fn the_digest_counts_the_day_s_notifications_in_one_mail_the_next_morning() {
    let (_folder, server, app, w) = with_server().await;
    confirmed(&app, &server, &w.parent, "parent@famille.test.fr", "digest").await;
    teacher_writes_to(&app, &w, &w.parent.id, "Premier").await;
    teacher_writes_to(&app, &w, &w.parent.id, "Second").await;
    run_once(&app.state).await;
    assert_eq!(
        server.mails_to("parent@famille.test.fr").len(),
        1,
        "no mail of its own"
    );

    // Wednesday 09:00 UTC: the digest, once.
    move_to(&app, 2, 9, 0);
    run_once(&app.state).await;
    run_once(&app.state).await;
    let mails = server.mails_to("parent@famille.test.fr");
    assert_eq!(mails.len(), 2, "{mails:?}");
    let digest = &mails[1];
    assert!(
        digest
            .subject
            .starts_with("Votre récapitulatif : 2 notifications"),
        "{}",
        digest.subject
    );
    assert!(
        digest
            .body
            .contains("- Nouveau message dans la messagerie (2)"),
        "{}",
        digest.body
    );
    assert!(!digest.body.contains("Premier") && !digest.body.contains("Second"));
}

#[tokio::test]
async fn nothing_is_sent_in_the_quiet_hours_it_waits_for_the_morning() {
    let (_folder, server, app, w) = with_server().await;
    confirmed(&app, &server, &w.director, ADDRESS, "each").await;

    // Tuesday 21:00 UTC (22:00 in Paris): a message between colleagues is delivered at once,
    // its mail waits.
    move_to(&app, 1, 21, 0);
    teacher_writes_to(&app, &w, &w.director.id, "Tard").await;
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 1);
    assert_eq!(outbox(&app, "queued").await, 1);
    // Wednesday 05:30 UTC (06:30 in Paris): still quiet.
    move_to(&app, 2, 5, 30);
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 1);
    // 06:05 UTC (07:05 in Paris): it goes.
    move_to(&app, 2, 6, 5);
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 2);
}

#[tokio::test]
async fn the_outbox_survives_a_failed_send_and_a_restart_and_delivers_once() {
    let folder = tempfile::tempdir().unwrap();
    let port = smtp::free_port();
    let app = mail_app(port).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let director = app.signed_in(&w.director).await;
    give_address(&director, ADDRESS, "each").await;

    // The server is down: the attempt fails, the mail waits (a minute) and stays queued.
    run_once(&app.state).await;
    assert_eq!(outbox(&app, "queued").await, 1);
    let (attempts, error): (i64, String) =
        sqlx::query_as("SELECT attempts, last_error FROM mail_outbox")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(!error.is_empty());

    // The node restarts; the server comes up; after the wait, the mail goes, once.
    let app = app.restart().await;
    let server = SmtpServer::start_on(port, folder.path()).await;
    run_once(&app.state).await;
    assert!(server.mails().is_empty(), "still within the wait");
    app.state.clock.advance(61);
    run_once(&app.state).await;
    run_once(&app.state).await;
    assert_eq!(server.mails_to(ADDRESS).len(), 1);
    assert_eq!(outbox(&app, "sent").await, 1);
}

#[tokio::test]
async fn a_mail_held_by_a_sender_is_not_sent_twice_until_its_lease_ends() {
    let (_folder, server, app, w) = with_server().await;
    let director = app.signed_in(&w.director).await;
    give_address(&director, ADDRESS, "each").await;
    // Another process claimed it and is (or died) sending it.
    let now = app.state.clock.now();
    sqlx::query("UPDATE mail_outbox SET state = 'sending', lease_until = $1, attempts = 1")
        .bind(now + 300)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    run_once(&app.state).await;
    assert!(server.mails().is_empty());
    // The lease ended (the process died): sent again, with the Message-ID it always had.
    app.state.clock.advance(301);
    run_once(&app.state).await;
    let mails = server.mails_to(ADDRESS);
    assert_eq!(mails.len(), 1);
    let id: String = sqlx::query_scalar("SELECT message_id FROM mail_outbox")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(mails[0].message_id, format!("<{id}@127.0.0.1>"));
}

#[tokio::test]
async fn pupils_are_offered_no_e_mail_and_a_wrong_address_is_explained() {
    let app = mail_app(smtp::free_port()).await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let pupil = app.signed_in(&w.pupil).await;
    assert!(
        !pupil
            .get("/notifications/preferences")
            .await
            .body
            .contains("courriel")
    );
    let refused = pupil
        .submit(
            "/notifications/preferences",
            "/notifications/courriel",
            &[("address", "a@b.fr"), ("mode", "each")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let parent = app.signed_in(&w.parent).await;
    let wrong = parent
        .submit(
            "/notifications/preferences",
            "/notifications/courriel",
            &[("address", "pas une adresse"), ("mode", "each")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("n&#39;est pas une adresse valide"),
        "{}",
        wrong.body
    );
}
