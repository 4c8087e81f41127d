//! Crash safety of federation between two real `ent-node` processes linked over TLS.
//!
//! A sender S (`s.test`, 127.0.0.2) and a receiver R (`r.test`, 127.0.0.3), each with its own
//! data folder, node key, database and certificate from a test authority, list each other in
//! `[[links]]`. The test publishes a burst of 1,000 notices on S (through S's own database and
//! a federation handle, as the operator's page does), kills one of the two processes with
//! SIGKILL while the notices are on their way, restarts it, and checks that every notice was
//! applied exactly once on R, that every activity id was recorded once, and that S's outbox
//! ends empty.
//!
//! SQLite files by default; two fresh PostgreSQL databases when `ENT_TEST_DATABASE_URL` names
//! a server where the test may create databases.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ent_config::NodeConfig;
use ent_federation::{LinkState, NodeIdentity};
use ent_node::federation::notices::{self, NoticeText};
use ent_node::store::{Clock, Db};

/// Notices in the burst.
const BURST: i64 = 1000;
/// The victim is killed once the receiver holds at least this many notices (well inside the
/// burst, so that both delivered and waiting notices exist at the kill).
const KILL_AFTER: i64 = 100;
/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(50);
/// Longest wait for a node to start, a link to turn active or the burst to arrive.
const DEADLINE: Duration = Duration::from_secs(90);
/// Environment variable naming a PostgreSQL server to test against.
const POSTGRES_ENV: &str = "ENT_TEST_DATABASE_URL";

/// Which process is killed in the middle of the burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Victim {
    /// S, while its delivery worker is sending.
    Sender,
    /// R, while its inbox is applying.
    Receiver,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_killed_mid_burst_delivers_each_notice_exactly_once() {
    burst_with_a_crash(Victim::Sender).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_killed_mid_burst_applies_each_notice_exactly_once() {
    burst_with_a_crash(Victim::Receiver).await;
}

/// The whole scenario: link S and R, publish the burst, kill `victim` mid-burst, restart it,
/// and check that each effect happened exactly once.
async fn burst_with_a_crash(victim: Victim) {
    let started = Instant::now();
    let mut pair = Pair::start().await;
    let linked_at = started.elapsed();
    let sender_domain = pair.sender.domain();
    let receiver_domain = pair.receiver.domain();
    let sender_db = pair.sender.db().await;
    let receiver_db = pair.receiver.db().await;

    // A federation handle on S's database and key, as the operator's page has: it only queues
    // for links it has seen active, so it checks them first.
    let config = NodeConfig::from_toml_str_only(&pair.sender.config_text).expect("S config");
    let identity = NodeIdentity::load(&pair.sender.data_dir).expect("S node key");
    let federation = ent_node::federation::start(
        &config,
        &config.links,
        sender_db.clone(),
        Clock::default(),
        identity,
    )
    .await
    .expect("S federation handle");
    let reports = federation.check_links().await;
    assert!(
        reports
            .iter()
            .any(|r| r.domain == receiver_domain && r.state == LinkState::Active),
        "S sees its link to R active: {reports:?}"
    );

    let burst_started = Instant::now();
    let publisher = {
        let (db, federation) = (sender_db.clone(), federation.clone());
        tokio::spawn(async move {
            let clock = Clock::default();
            for i in 1..=BURST {
                let title = format!("Avis {i:04}");
                let text = NoticeText::parse(&title, &format!("Texte de l'avis {i} du nœud S."))
                    .expect("valid notice");
                notices::publish(&db, &federation, &text, clock.now())
                    .await
                    .expect("notice published");
            }
            burst_started.elapsed()
        })
    };

    let received = |db: Db, peer: String| async move {
        count(
            &db,
            "SELECT COUNT(*) FROM federation_notices WHERE peer = $1",
            &peer,
        )
        .await
    };
    eventually(&format!("R received {KILL_AFTER} notices"), || {
        received(receiver_db.clone(), sender_domain.clone())
    })
    .await_until(|n| *n >= KILL_AFTER)
    .await;
    let victim_node = match victim {
        Victim::Sender => &mut pair.sender,
        Victim::Receiver => &mut pair.receiver,
    };
    victim_node.kill();
    let killed_at = burst_started.elapsed();
    let at_kill = received(receiver_db.clone(), sender_domain.clone()).await;
    assert!(
        (KILL_AFTER..BURST).contains(&at_kill),
        "the {victim:?} was killed in the middle of the burst: R held {at_kill} notices"
    );
    victim_node.start();
    victim_node.wait_ready(&pair.client).await;
    let restarted_at = burst_started.elapsed();
    let published_in = publisher.await.expect("publisher finished");

    eventually("R received every notice", || {
        received(receiver_db.clone(), sender_domain.clone())
    })
    .await_until(|n| *n >= BURST)
    .await;
    eventually("S's outbox is empty", || {
        count(&sender_db, "SELECT COUNT(*) FROM federation_deliveries", "")
    })
    .await_until(|n| *n == 0)
    .await;
    let done_at = burst_started.elapsed();

    // Each effect exactly once.
    let titles: Vec<String> =
        sqlx::query_scalar("SELECT title FROM federation_notices WHERE peer = $1")
            .bind(&sender_domain)
            .fetch_all(receiver_db.pool())
            .await
            .expect("titles");
    assert_eq!(titles.len() as i64, BURST, "one copy of each notice on R");
    let distinct: BTreeSet<String> = titles.into_iter().collect();
    let expected: BTreeSet<String> = (1..=BURST).map(|i| format!("Avis {i:04}")).collect();
    assert_eq!(distinct, expected, "every title once, none missing");
    assert_eq!(
        count(
            &receiver_db,
            "SELECT COUNT(*) FROM federation_received WHERE peer = $1",
            &sender_domain,
        )
        .await,
        BURST,
        "one received activity id per notice"
    );
    assert_eq!(
        count(
            &receiver_db,
            "SELECT COUNT(*) FROM federation_received WHERE peer <> $1",
            &sender_domain,
        )
        .await,
        0,
        "nothing received from anyone else"
    );
    assert_eq!(
        count(&sender_db, "SELECT COUNT(*) FROM federation_deliveries", "").await,
        0,
        "S's outbox is empty"
    );
    assert_eq!(
        count(
            &sender_db,
            "SELECT COUNT(*) FROM federation_notices WHERE peer = $1",
            "",
        )
        .await,
        BURST,
        "S keeps its own notices"
    );
    let replays = pair
        .receiver
        .metric_lines(&pair.client, "received_activities")
        .await;
    eprintln!(
        "[{victim:?} killed] {} — linked after {linked_at:.1?}; burst published in \
         {published_in:.1?}; killed at {killed_at:.1?} with {at_kill} notices on R; restarted \
         and ready at {restarted_at:.1?}; all {BURST} delivered at {done_at:.1?}; total \
         {:.1?}\n{replays}",
        pair.engine,
        started.elapsed()
    );
    sender_db.close().await;
    receiver_db.close().await;
}

/// `SELECT COUNT(*) …` with one text parameter (ignored when the query has none).
async fn count(db: &Db, sql: &str, param: &str) -> i64 {
    let query = if sql.contains("$1") {
        sqlx::query_scalar::<sqlx::Any, i64>(sql).bind(param.to_owned())
    } else {
        sqlx::query_scalar(sql)
    };
    query.fetch_one(db.pool()).await.expect("count")
}

/// A value polled every [`POLL`] until a predicate holds or [`DEADLINE`] passes.
struct Eventually<'a, F> {
    /// What is awaited, for the failure message.
    what: &'a str,
    /// Reads the current value.
    probe: F,
}

/// Starts polling `probe`, described as `what` in the failure message.
fn eventually<F>(what: &str, probe: F) -> Eventually<'_, F> {
    Eventually { what, probe }
}

impl<F, Fut, T> Eventually<'_, F>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
    T: std::fmt::Debug,
{
    /// Polls until `done` holds for the probed value, and returns that value.
    async fn await_until(mut self, done: impl Fn(&T) -> bool) -> T {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let value = (self.probe)().await;
            if done(&value) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "still not true after {DEADLINE:?}: {} (last value: {value:?})",
                self.what
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The two linked nodes of one test, and a client that reaches both by name.
struct Pair {
    /// S, on 127.0.0.2.
    sender: Node,
    /// R, on 127.0.0.3.
    receiver: Node,
    /// Reaches both nodes by name over TLS (trusts the test authority only).
    client: reqwest::Client,
    /// "SQLite" or "PostgreSQL", for the timings line.
    engine: &'static str,
    /// Certificates and the nodes' folders (removed last).
    _dir: tempfile::TempDir,
}

impl Pair {
    /// Prepares keys, certificates, databases and configurations, starts both nodes and waits
    /// until each has saved its link to the other as active.
    async fn start() -> Self {
        ent_node::server::install_crypto();
        let dir = tempfile::tempdir().expect("temp dir");
        let names = [("s.test", [127, 0, 0, 2]), ("r.test", [127, 0, 0, 3])];
        let ca_pem = write_pki(dir.path(), &names.map(|(name, _)| name));
        let hosts: BTreeMap<String, IpAddr> = names
            .iter()
            .map(|(name, ip)| ((*name).to_owned(), IpAddr::from(*ip)))
            .collect();
        let mut prepared = Vec::new();
        for (name, ip) in names {
            let addr = free_address(IpAddr::from(ip));
            let data_dir = dir.path().join(name);
            // The key exists before the configurations are written: each lists the other's
            // fingerprint.
            let identity = NodeIdentity::load_or_create(&data_dir).expect("node key");
            let database = TestDatabase::new(&data_dir).await;
            prepared.push((name, addr, data_dir, identity.fingerprint, database));
        }
        let domains: Vec<String> = prepared
            .iter()
            .map(|(name, addr, ..)| format!("{name}:{}", addr.port()))
            .collect();
        let fingerprints: Vec<String> = prepared.iter().map(|p| p.3.clone()).collect();
        let engine = if prepared[0].4.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        let mut nodes = Vec::new();
        for (i, (name, addr, data_dir, _, database)) in prepared.into_iter().enumerate() {
            let peer = 1 - i;
            let config_text = config_text(
                name,
                addr,
                &data_dir,
                database.url(),
                dir.path(),
                &hosts,
                (&domains[peer], &fingerprints[peer]),
            );
            let config_path = dir.path().join(format!("{name}.toml"));
            std::fs::write(&config_path, &config_text).expect("write config");
            nodes.push(Node {
                name,
                addr,
                data_dir,
                config_path,
                config_text,
                log_path: dir.path().join(format!("{name}.log")),
                child: None,
                database,
            });
        }
        let receiver = nodes.pop().expect("R");
        let sender = nodes.pop().expect("S");
        let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("test CA");
        let client = reqwest::Client::builder()
            .resolve(sender.name, sender.addr)
            .resolve(receiver.name, receiver.addr)
            .tls_certs_only([ca])
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let mut pair = Self {
            sender,
            receiver,
            client,
            engine,
            _dir: dir,
        };
        pair.sender.start();
        pair.sender.wait_ready(&pair.client).await;
        pair.receiver.start();
        pair.receiver.wait_ready(&pair.client).await;
        let (sender_db, receiver_db) = (pair.sender.db().await, pair.receiver.db().await);
        wait_active(&sender_db, &pair.receiver.domain(), "S → R").await;
        wait_active(&receiver_db, &pair.sender.domain(), "R → S").await;
        sender_db.close().await;
        receiver_db.close().await;
        pair
    }
}

/// Polls `federation_peers` until the link to `peer` is saved as active by the node's checker.
async fn wait_active(db: &Db, peer: &str, what: &str) {
    eventually(&format!("link {what} active"), || async {
        sqlx::query_scalar::<_, String>("SELECT state FROM federation_peers WHERE domain = $1")
            .bind(peer)
            .fetch_optional(db.pool())
            .await
            .expect("federation_peers readable")
    })
    .await_until(|state| state.as_deref() == Some("active"))
    .await;
}

/// One `ent-node` process (stopped or running), its files and its database.
struct Node {
    /// Host name (`s.test`, `r.test`), on its certificate and in `[federation.hosts]`.
    name: &'static str,
    /// Where it listens (same port after a restart).
    addr: SocketAddr,
    /// Its data folder (node key, SQLite file).
    data_dir: PathBuf,
    /// Its configuration file.
    config_path: PathBuf,
    /// The text of that file.
    config_text: String,
    /// stdout and stderr of every run, appended.
    log_path: PathBuf,
    /// The running process, if any.
    child: Option<Child>,
    /// Its database (dropped after the process is killed).
    database: TestDatabase,
}

impl Node {
    /// `host:port`, as links and received rows name it.
    fn domain(&self) -> String {
        format!("{}:{}", self.name, self.addr.port())
    }

    /// Spawns the binary on the node's configuration, its output appended to its log.
    fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        writeln!(log, "===== ent-node start =====").expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_ent-node"));
        command
            .arg("--config")
            .arg(&self.config_path)
            .arg("serve")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        // The configuration file says everything: no override from the test's environment.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ENT_") {
                command.env_remove(key);
            }
        }
        self.child = Some(command.spawn().expect("ent-node started"));
    }

    /// SIGKILL (no graceful stop: in-flight work is lost as in a crash), then reaps it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Polls `/readyz` until it answers "ready" (the node has migrated its database and
    /// serves); fails at once if the process exits.
    async fn wait_ready(&mut self, client: &reqwest::Client) {
        let url = format!("https://{}/readyz", self.domain());
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("{} exited while starting: {status}", self.name);
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
                && response.text().await.is_ok_and(|body| body == "ready")
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready after {DEADLINE:?}",
                self.name
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// A pool on the node's database (the node has created and migrated it).
    async fn db(&self) -> Db {
        Db::connect(self.database.url(), 2)
            .await
            .expect("node database reachable")
    }

    /// The lines of the node's `/metrics` that name `metric`.
    async fn metric_lines(&self, client: &reqwest::Client, metric: &str) -> String {
        let url = format!("https://{}/metrics", self.domain());
        let Ok(response) = client.get(&url).send().await else {
            return String::new();
        };
        response
            .text()
            .await
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(metric) && !line.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Node {
    /// Never leaves a process behind; on failure, shows what the node logged.
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(200)..];
            eprintln!(
                "----- log of {} ({}, last {} lines) -----\n{}\n-----",
                self.name,
                self.log_path.display(),
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

/// The configuration of one node, linked to `peer` (`host:port`, fingerprint).
fn config_text(
    name: &str,
    addr: SocketAddr,
    data_dir: &Path,
    database_url: &str,
    pki: &Path,
    hosts: &BTreeMap<String, IpAddr>,
    peer: (&str, &str),
) -> String {
    let path = |file: String| pki.join(file).display().to_string();
    let mut text = format!(
        "[node]\ndomain = {name:?}\nname = \"ENT {name}\"\ndata_dir = {data:?}\n\
         public_url = \"https://{name}:{port}\"\n\
         [server]\nlisten = \"{addr}\"\ntls_cert = {cert:?}\ntls_key = {key:?}\n\
         [database]\nurl = {database_url:?}\nmax_connections = 5\n\
         [security]\nsecret_key = \"{secret}\"\n\
         [logging]\nlevel = \"info\"\n\
         [federation]\nallow_private_addresses = true\nextra_ca_file = {ca:?}\n\
         [federation.hosts]\n",
        data = data_dir.display().to_string(),
        port = addr.port(),
        cert = path(format!("{name}.crt")),
        key = path(format!("{name}.key")),
        ca = path("ca.pem".to_owned()),
        secret = "f".repeat(40),
    );
    for (host, ip) in hosts {
        text.push_str(&format!("{host:?} = \"{ip}\"\n"));
    }
    let (domain, fingerprint) = peer;
    text.push_str(&format!(
        "[[links]]\ndomain = {domain:?}\nfingerprint = {fingerprint:?}\nscopes = [\"spaces\"]\n\
         guest_quota = 30\nlabel = \"Convention de test avec {domain}\"\n\
         valid_from = \"2020-01-01\"\nvalid_until = \"2099-12-31\"\n"
    ));
    text
}

/// Writes a test certificate authority (`ca.pem`) and a certificate and key for each name
/// (`NAME.crt`, `NAME.key`) into `dir`; returns the authority's PEM.
fn write_pki(dir: &Path, names: &[&str]) -> String {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Autorité de test des ENT");
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    for name in names {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec![(*name).to_owned()]).expect("params");
        let cert = params.signed_by(&key, &issuer).expect("certificate");
        std::fs::write(dir.join(format!("{name}.crt")), cert.pem()).expect("write");
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).expect("write");
    }
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write");
    ca.pem()
}

/// A free port on `ip` for a child process, which binds it itself (a tiny race with other
/// processes; the same port is reused when the node restarts).
fn free_address(ip: IpAddr) -> SocketAddr {
    std::net::TcpListener::bind((ip, 0))
        .expect("bind")
        .local_addr()
        .expect("address")
}

/// A node's database for one test: a SQLite file in its data folder, or a new PostgreSQL
/// database dropped (best effort) at the end.
struct TestDatabase {
    /// The URL given to the node.
    url: String,
    /// Server URL and database name, on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Creates the database (PostgreSQL when [`POSTGRES_ENV`] is set).
    async fn new(data_dir: &Path) -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.is_empty() => {
                use sqlx::Connection;
                let name = format!("ent_it_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&server)
                    .await
                    .expect("PostgreSQL reachable");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                conn.close().await.ok();
                let mut url = url::Url::parse(&server).expect("valid ENT_TEST_DATABASE_URL");
                url.set_path(&format!("/{name}"));
                Self {
                    url: url.to_string(),
                    postgres: Some((server, name)),
                }
            }
            _ => Self {
                url: format!("sqlite://{}", data_dir.join("ent.db").display()),
                postgres: None,
            },
        }
    }

    /// The URL the node and the test use.
    fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    /// Drops the PostgreSQL database (its node is already killed: `Node` drops it first).
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside the test's runtime: use a private one on a thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}
