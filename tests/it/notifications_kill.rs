//! The e-mail outbox across a real `kill -9`: the `ent-node` binary runs as a child process,
//! sends a batch of notification mails to a real SMTP server (aiosmtpd) that stalls in the
//! middle of the batch, is killed with SIGKILL, and is started again on the same database and
//! data folder. Counted by Message-ID at the server: every mail arrives; none twice when the
//! node died before the server kept the mail; exactly one twice, with the same Message-ID,
//! when it died after the server kept it but before the 250 reached it (the window of
//! `docs/notifications.md`).
//!
//! The binary is the one `cargo test --workspace` (the README's and CI's command) builds
//! next to this test (`target/debug/ent-node`: `node/tests/` makes cargo build the package's
//! binaries). The test never builds it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ent_node::notifications::{Event, notify};
use ent_tests::smtp::{self, SmtpServer, Stall};
use ent_tests::{World, spawn_app_with};

/// Mails in the batch: 4 adults × 6 notifications, one mail each.
const BATCH: usize = 24;
/// The mail the server stalls on.
const STALL_AT: usize = 7;
/// `[mail] lease_seconds` of the child (its SMTP timeout is half of it: longer than the test
/// takes to see the stall and kill).
const LEASE: u64 = 10;

/// `target/debug/ent-node`, beside this test's executable (`target/debug/deps/it-…`).
fn node_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|debug| debug.join(format!("ent-node{}", std::env::consts::EXE_SUFFIX)))
        .expect("target folder");
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo build -p ent-node` first (`cargo test --workspace`, the \
         README's and CI's command, builds it before the tests)",
        binary.display()
    );
    binary
}

/// Polls `done` every 50 ms until it holds, or panics with `what` after `limit`.
async fn until<F, Fut>(limit: Duration, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The node as a child process, its log in a file.
struct Node {
    child: Child,
    log: PathBuf,
}

impl Node {
    fn start(config: &Path, log: &Path) -> Self {
        let stderr = std::fs::File::create(log).expect("log file");
        let child = Command::new(node_binary())
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env_remove("ENT_CONFIG")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("ent-node started");
        Self {
            child,
            log: log.to_owned(),
        }
    }

    /// Panics with the log when the process ended on its own.
    fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().expect("status") {
            panic!(
                "ent-node ended ({status}): {}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }

    /// `kill -9` (SIGKILL on Unix), then reaps it.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `SELECT COUNT(*)…` on the child's database; `$1`, when the query names it, is the real time.
async fn count(db: &ent_node::store::Db, sql: &str) -> i64 {
    let query = sqlx::query_scalar(sql);
    let query = if sql.contains("$1") {
        query.bind(real_now())
    } else {
        query
    };
    query.fetch_one(db.pool()).await.unwrap()
}

/// Runs the scenario; returns the Message-IDs received (with how many times each) and the
/// outbox's ids, and the id of the mail the first process was sending when killed.
async fn killed_mid_batch(stall: Stall) -> (BTreeMap<String, usize>, Vec<String>, String) {
    let binary = node_binary();
    let folder = tempfile::tempdir().unwrap();
    let server =
        SmtpServer::start_stalling(smtp::free_port(), folder.path(), STALL_AT, stall).await;
    let app = spawn_app_with(|c| {
        smtp::configure(c, server.port);
        c.quiet_hours.enabled = false;
    })
    .await;
    let w = World::build(&app.state).await;
    // Four adults with a confirmed address, one mail per notification.
    let adults = [&w.director, &w.teacher, &w.other_teacher, &w.parent];
    for (i, who) in adults.iter().enumerate() {
        sqlx::query(
            "INSERT INTO notification_mail (user_id, address, token, confirmed_at, mode, digest_at, created_at) \
             VALUES ($1, $2, $3, 1, 'each', 0, 0)",
        )
        .bind(&who.id)
        .bind(format!("adulte{i}@ecole.test.fr"))
        .bind(format!("jeton{i}"))
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    let ids: Vec<String> = adults.iter().map(|p| p.id.clone()).collect();
    for n in 0..BATCH / adults.len() {
        let event = format!("evenement-{n}");
        notify(&app.state, &ids, Event::EventChanged { event_id: &event }).await;
    }
    // Due now for the child, whose clock is the real one (and too young to be purged).
    sqlx::query("UPDATE mail_outbox SET not_before = 0, created_at = $1")
        .bind(real_now())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let queued = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(queued, BATCH as i64);
    let url = app.state.config.database.url.expose().to_owned();
    let data_dir = app.data_dir();
    let down = app.take_down().await;

    let run = tempfile::tempdir().unwrap();
    let config = run.path().join("ent.toml");
    let port = smtp::free_port();
    std::fs::write(
        &config,
        format!(
            "[node]\ndomain = \"127.0.0.1\"\nname = \"ENT de test\"\ndata_dir = {:?}\n\
             public_url = \"http://127.0.0.1:{port}\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n\
             [database]\nurl = {url:?}\nmax_connections = 5\n[security]\nsecret_key = \"{}\"\n\
             [quiet_hours]\nenabled = false\n[mail]\nhost = \"127.0.0.1\"\nport = {}\n\
             security = \"plain\"\nfrom = \"ENT de test <ne-pas-repondre@ent.test.fr>\"\n\
             lease_seconds = {LEASE}\n",
            data_dir.display().to_string(),
            "k".repeat(40),
            server.port,
        ),
    )
    .unwrap();
    assert!(binary.is_file());
    let db = ent_node::store::Db::connect(&url, 2).await.unwrap();

    // First life: sends until the server stalls on a mail, then is killed in the middle of it.
    let mut node = Node::start(&config, &run.path().join("first.log"));
    until(Duration::from_secs(90), "the server's stall", || {
        node.assert_alive();
        std::future::ready(server.stalled())
    })
    .await;
    node.kill();
    let kept = server.mails().len();
    let expected_kept = match stall {
        Stall::BeforeKeeping => STALL_AT - 1,
        Stall::AfterKeeping => STALL_AT,
    };
    assert_eq!(kept, expected_kept, "mails kept before the kill");
    // The dead sender's mail: still `sending`, under its lease.
    let held: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM mail_outbox WHERE state = 'sending'")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(held.len(), 1, "one mail in flight when killed");
    let sent = count(&db, "SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'").await;
    assert_eq!(sent, STALL_AT as i64 - 1);
    // Until its lease ends no process may send it again: wait for that (not a fixed time).
    until(
        Duration::from_secs(LEASE + 30),
        "the dead sender's lease to end",
        || async {
            count(
                &db,
                "SELECT COUNT(*) FROM mail_outbox WHERE state = 'sending' AND lease_until >= $1",
            )
            .await
                == 0
        },
    )
    .await;

    // Second life on the same data: the rest goes, the held one too.
    let mut node = Node::start(&config, &run.path().join("second.log"));
    until(Duration::from_secs(90), "every mail sent", || {
        node.assert_alive();
        let db = &db;
        async move {
            count(db, "SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'").await == BATCH as i64
        }
    })
    .await;
    node.kill();
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for mail in server.mails() {
        *received.entry(mail.message_id).or_default() += 1;
    }
    let outbox: Vec<String> = sqlx::query_scalar("SELECT message_id FROM mail_outbox")
        .fetch_all(db.pool())
        .await
        .unwrap();
    db.close().await;
    server.stop();
    drop(down);
    (received, outbox, held[0].clone())
}

/// `<ROW-ID@127.0.0.1>`: the Message-ID the outbox gives a row.
fn message_id(row: &str) -> String {
    format!("<{row}@127.0.0.1>")
}

#[tokio::test]
async fn killed_before_the_server_kept_a_mail_the_node_loses_none_and_sends_none_twice() {
    let (received, outbox, held) = killed_mid_batch(Stall::BeforeKeeping).await;
    assert_eq!(outbox.len(), BATCH);
    for row in &outbox {
        assert_eq!(
            received.get(&message_id(row)),
            Some(&1),
            "{row}: {received:?}"
        );
    }
    assert_eq!(received.len(), BATCH, "{received:?}");
    assert_eq!(received[&message_id(&held)], 1);
}

#[tokio::test]
async fn killed_after_the_server_kept_a_mail_its_one_copy_more_has_the_same_message_id() {
    let (received, outbox, held) = killed_mid_batch(Stall::AfterKeeping).await;
    assert_eq!(outbox.len(), BATCH);
    assert_eq!(
        received.len(),
        BATCH,
        "no mail lost, no new id: {received:?}"
    );
    for row in &outbox {
        let times = received.get(&message_id(row)).copied().unwrap_or(0);
        // The window of at-least-once: only the mail in flight at the kill comes twice, and
        // both copies carry its one Message-ID, so a client drops the second.
        let expected = if *row == held { 2 } else { 1 };
        assert_eq!(times, expected, "{row}: {received:?}");
    }
}
