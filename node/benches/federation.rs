//! Benchmark: federation throughput, end to end over HTTPS, with real nodes started in this
//! process (each its own database, data folder, node key and certificate from a test authority
//! generated here), on SQLite (and PostgreSQL too when `ENT_TEST_DATABASE_URL` is set).
//!
//! 1. **Our inbox**: 8 senders in flight POST distinct Create Note activities, correctly signed
//!    by a linked peer's node key, to a node's `POST /federation/inbox` (header guard, bounded
//!    parse, reference checks, digest and signature checked once by `ent_federation::request`,
//!    the node's transaction). Requests are signed before the clock starts.
//! 2. **The crate's bare receive path**: the same senders and the same bodies, signed the same
//!    way by the same key, to a minimal axum server served over the same TLS setup, whose only
//!    route is `activitypub_federation::axum::inbox::receive_activity` with an activity that
//!    does nothing and an actor that returns the peer's key (no database). Rounds of 1 and 2
//!    alternate, so that both see the same machine; the ratio ours/bare is the figure to watch
//!    (target: at least 0.8).
//! 3. **Delivery**: one node linked to 10 peers publishes notices
//!    (`ent_node::federation::notices::publish`); the clock runs until every one of the
//!    10 × notices deliveries has left the sender's outbox (each accepted by a real peer node
//!    that verified its signature and stored it).
//!
//! Run: `cargo bench -p ent-node --bench federation` (release profile; about a minute per
//! database engine on a 2-core machine).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::config::{Data, FederationConfig, FederationMiddleware};
use activitypub_federation::traits::{Activity, Actor, Object};
use anyhow::{Context, bail};
use axum::http::StatusCode;
use ent_config::NodeConfig;
use ent_federation::signing::{Signer, http_date};
use ent_federation::{Federation, LinkState, NodeIdentity};
use ent_node::AppState;
use ent_node::federation::notices::{self, NoticeText};
use ent_node::server::Running;
use serde::Deserialize;
use tokio::net::TcpListener;
use url::Url;

/// Requests in flight at once against an inbox.
const SENDERS: usize = 8;
/// Activities per measured inbox round.
const INBOX_ACTIVITIES: usize = 1500;
/// Measured rounds per inbox (ours and bare alternate).
const INBOX_ROUNDS: usize = 3;
/// Activities per inbox in the unmeasured warm-up round (connections, caches).
const WARM_UP_ACTIVITIES: usize = 200;
/// Peers the delivering node is linked to.
const PEERS: usize = 10;
/// Notices published in the measured delivery round (each goes to every peer).
const NOTICES: usize = 200;
/// Notices published before it, unmeasured (connections, caches).
const WARM_UP_NOTICES: usize = 5;
/// Where every node and the bare server listen (each on its own port).
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ent_node::server::install_crypto();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "federation benchmark: {cores} cores, load average {} (1, 5, 15 min)",
        load_average()
    );
    let mut engines = vec![Engine::Sqlite];
    if let Ok(server) = std::env::var("ENT_TEST_DATABASE_URL")
        && !server.is_empty()
    {
        engines.push(Engine::Postgres(server));
    }
    let mut table = Vec::new();
    for engine in &engines {
        let started = Instant::now();
        let mut databases = Databases::new(engine.clone());
        let result = run_engine(&mut databases, &mut table).await;
        databases.drop_all().await;
        result.with_context(|| format!("{} benchmark", engine.label()))?;
        println!(
            "{} done in {:.1} s, load average now {}",
            engine.label(),
            started.elapsed().as_secs_f64(),
            load_average()
        );
    }
    print_table(&table);
    Ok(())
}

/// One line of the final table.
struct Line {
    engine: &'static str,
    what: String,
    count: usize,
    elapsed: Duration,
    note: String,
}

impl Line {
    fn rate(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

fn print_table(lines: &[Line]) {
    println!();
    println!(
        "| engine     | measure                                   |  count |   time (s) |    per second | note"
    );
    println!(
        "|------------|-------------------------------------------|-------:|-----------:|--------------:|------"
    );
    for line in lines {
        println!(
            "| {:<10} | {:<41} | {:>6} | {:>10.2} | {:>13.0} | {}",
            line.engine,
            line.what,
            line.count,
            line.elapsed.as_secs_f64(),
            line.rate(),
            line.note
        );
    }
}

/// The 1, 5 and 15 minute load averages (Linux), to judge how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}

async fn run_engine(databases: &mut Databases, table: &mut Vec<Line>) -> anyhow::Result<()> {
    let engine = databases.engine.label();
    let mut names = vec!["a.test", "b.test", "bare.test", "hub.test"];
    let peer_names: Vec<String> = (1..=PEERS).map(|i| format!("peer{i:02}.test")).collect();
    names.extend(peer_names.iter().map(String::as_str));
    let pki = Pki::new(&names)?;

    // 1 and 2: node A receives from its linked peer B; the bare server receives the same.
    let started = Instant::now();
    let nodes = start_linked(databases, &pki, &["a.test", "b.test"], &[(0, 1)]).await?;
    println!(
        "{engine}: inbox nodes linked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (receiver, sender) = (&nodes[0], &nodes[1]);
    let signer = sender.federation().shared().signer.clone();
    let sender_key = sender.federation().shared().identity.public_key_pem.clone();
    let bare = BareServer::start(&pki, sender_key).await?;
    let client = pki.client(&nodes, Some(&bare))?;
    let ours_url = Url::parse(&format!("https://{}/federation/inbox", receiver.domain))?;
    let bare_url = Url::parse(&format!("https://{}/federation/inbox", bare.domain))?;

    let mut serial = 0_usize;
    let mut batch = |count: usize| {
        let bodies: Vec<String> = (serial..serial + count)
            .map(|i| note_activity(&sender.domain, &receiver.domain, i).to_string())
            .collect();
        serial += count;
        bodies
    };
    let warm_up = batch(WARM_UP_ACTIVITIES);
    let now = receiver.state.clock.now();
    blast(&client, &sign_all(&signer, &ours_url, &warm_up, now)?).await?;
    blast(&client, &sign_all(&signer, &bare_url, &warm_up, now)?).await?;

    let (mut ours_total, mut bare_total) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::new();
    for round in 1..=INBOX_ROUNDS {
        let bodies = batch(INBOX_ACTIVITIES);
        let now = receiver.state.clock.now();
        let ours_requests = sign_all(&signer, &ours_url, &bodies, now)?;
        let bare_requests = sign_all(&signer, &bare_url, &bodies, now)?;
        // Alternate which goes first, so that neither always follows the signing burst.
        let (ours, bare_time) = if round % 2 == 1 {
            let ours = blast(&client, &ours_requests).await?;
            (ours, blast(&client, &bare_requests).await?)
        } else {
            let bare_time = blast(&client, &bare_requests).await?;
            (blast(&client, &ours_requests).await?, bare_time)
        };
        ours_total += ours;
        bare_total += bare_time;
        let ratio = bare_time.as_secs_f64() / ours.as_secs_f64();
        ratios.push(ratio);
        println!(
            "{engine}: round {round}: ours {:.0}/s, bare {:.0}/s, ratio {ratio:.2}",
            INBOX_ACTIVITIES as f64 / ours.as_secs_f64(),
            INBOX_ACTIVITIES as f64 / bare_time.as_secs_f64(),
        );
    }
    let received: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM federation_notices WHERE peer = $1")
            .bind(&sender.domain)
            .fetch_one(receiver.state.db.pool())
            .await?;
    let expected = WARM_UP_ACTIVITIES + INBOX_ROUNDS * INBOX_ACTIVITIES;
    if usize::try_from(received)? != expected {
        bail!("our inbox stored {received} notices, {expected} were sent");
    }
    let total = INBOX_ROUNDS * INBOX_ACTIVITIES;
    ratios.sort_by(f64::total_cmp);
    let overall = bare_total.as_secs_f64() / ours_total.as_secs_f64();
    table.push(Line {
        engine,
        what: format!("inbox, ours ({SENDERS} in flight)"),
        count: total,
        elapsed: ours_total,
        note: format!("{received} notices stored"),
    });
    table.push(Line {
        engine,
        what: format!("inbox, crate's bare path ({SENDERS} in flight)"),
        count: total,
        elapsed: bare_total,
        note: format!(
            "ours/bare {overall:.2} (rounds {})",
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    bare.stop().await;
    stop_all(nodes).await;

    // 3: one node delivers to 10 linked peers.
    let started = Instant::now();
    let mut hub_and_peers = vec!["hub.test"];
    hub_and_peers.extend(peer_names.iter().map(String::as_str));
    let pairs: Vec<(usize, usize)> = (1..=PEERS).map(|i| (0, i)).collect();
    let nodes = start_linked(databases, &pki, &hub_and_peers, &pairs).await?;
    println!(
        "{engine}: hub and {PEERS} peers linked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let hub = &nodes[0];
    publish(hub, WARM_UP_NOTICES).await?;
    wait_outbox_empty(hub).await?;
    let started = Instant::now();
    let published_in = publish(hub, NOTICES).await?;
    wait_outbox_empty(hub).await?;
    let elapsed = started.elapsed();
    for peer in &nodes[1..] {
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM federation_notices WHERE peer = $1")
                .bind(&hub.domain)
                .fetch_one(peer.state.db.pool())
                .await?;
        if usize::try_from(stored)? != WARM_UP_NOTICES + NOTICES {
            bail!("{} stored {stored} notices of the hub", peer.domain);
        }
    }
    let failed: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(failed_count), 0) AS BIGINT) FROM federation_peers",
    )
    .fetch_one(hub.state.db.pool())
    .await?;
    table.push(Line {
        engine,
        what: format!("deliveries, 1 node → {PEERS} peers"),
        count: NOTICES * PEERS,
        elapsed,
        note: format!(
            "{NOTICES} notices published in {:.2} s; {failed} failed attempts",
            published_in.as_secs_f64()
        ),
    });
    stop_all(nodes).await;
    Ok(())
}

/// Publishes `count` notices on `node`; returns the time publishing took.
async fn publish(node: &Node, count: usize) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for i in 0..count {
        let text = NoticeText::parse(
            &format!("Avis de banc d'essai {i}"),
            "Maintenance prévue samedi matin : le service sera coupé de 8 h à 10 h.",
        )
        .map_err(anyhow::Error::msg)?;
        notices::publish(
            &node.state.db,
            node.federation(),
            &text,
            node.state.clock.now(),
        )
        .await?;
    }
    Ok(started.elapsed())
}

/// Polls the outbox of `node` until it is empty (every delivery accepted by its peer).
async fn wait_outbox_empty(node: &Node) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM federation_deliveries")
            .fetch_one(node.state.db.pool())
            .await?;
        if waiting == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{waiting} deliveries still waiting after 120 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A Create Note activity from the node at `from`, addressed to the node at `to`.
fn note_activity(from: &str, to: &str, serial: usize) -> serde_json::Value {
    let base = format!("https://{from}");
    let id = uuid::Uuid::now_v7();
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{base}/federation/activities/{id}"),
        "type": "Create",
        "actor": format!("{base}/federation/node"),
        "to": [format!("https://{to}/federation/node")],
        "object": {
            "id": format!("{base}/federation/objects/{id}"),
            "type": "Note",
            "attributedTo": format!("{base}/federation/node"),
            "name": format!("Avis de banc d'essai {serial}"),
            "content": "Maintenance prévue samedi matin : le service sera coupé de 8 h à 10 h.",
        }
    })
}

/// A request ready to send: its URL, signed headers and body.
struct Signed {
    url: Url,
    headers: BTreeMap<String, String>,
    body: String,
}

/// Signs a POST of each body to `url` with `signer`, dated `now`.
fn sign_all(
    signer: &Signer,
    url: &Url,
    bodies: &[String],
    now: i64,
) -> anyhow::Result<Arc<[Signed]>> {
    let date = http_date(now);
    bodies
        .iter()
        .map(|body| {
            let headers = signer.signed_headers("post", url, &date, Some(body.as_bytes()))?;
            Ok(Signed {
                url: url.clone(),
                headers,
                body: body.clone(),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Arc::from)
}

/// Sends every request, [`SENDERS`] in flight at once; fails unless every answer is a 2xx.
async fn blast(client: &reqwest::Client, requests: &Arc<[Signed]>) -> anyhow::Result<Duration> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..SENDERS {
        let (client, requests, next) = (client.clone(), requests.clone(), next.clone());
        senders.spawn(async move {
            loop {
                let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return anyhow::Ok(());
                };
                let mut builder = client.post(request.url.clone()).body(request.body.clone());
                for (name, value) in &request.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                let response = builder.send().await?;
                let status = response.status();
                let answer = response.text().await.unwrap_or_default();
                if !status.is_success() {
                    bail!("{} answered {status}: {answer}", request.url);
                }
            }
        });
    }
    while let Some(sender) = senders.join_next().await {
        sender??;
    }
    Ok(started.elapsed())
}

/// Where the nodes' databases are made.
#[derive(Clone)]
enum Engine {
    /// A SQLite file in each node's data folder.
    Sqlite,
    /// A fresh database per node on this PostgreSQL server.
    Postgres(String),
}

impl Engine {
    fn label(&self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The databases made for one engine's run, dropped at its end (PostgreSQL).
struct Databases {
    engine: Engine,
    created: Vec<String>,
}

impl Databases {
    fn new(engine: Engine) -> Self {
        Self {
            engine,
            created: Vec::new(),
        }
    }

    /// A new database for a node whose data folder is `dir`.
    async fn create(&mut self, dir: &Path) -> anyhow::Result<String> {
        use sqlx::Connection;
        let server = match &self.engine {
            Engine::Sqlite => return Ok(format!("sqlite://{}", dir.join("ent.db").display())),
            Engine::Postgres(server) => server,
        };
        let name = format!("ent_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        self.created.push(name.clone());
        let mut url = Url::parse(server)?;
        url.set_path(&format!("/{name}"));
        Ok(url.to_string())
    }

    /// Drops every database made (best effort).
    async fn drop_all(&mut self) {
        use sqlx::Connection;
        let Engine::Postgres(server) = &self.engine else {
            return;
        };
        let Ok(mut conn) = sqlx::PgConnection::connect(server).await else {
            return;
        };
        for name in self.created.drain(..) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
        let _ = conn.close().await;
    }
}

/// A test certificate authority and one server certificate per name.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
}

impl Pki {
    fn new(names: &[&str]) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let ca_key = rcgen::KeyPair::generate()?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Autorité du banc d'essai");
        let ca = ca_params.self_signed(&ca_key)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        for name in names {
            let key = rcgen::KeyPair::generate()?;
            let cert = rcgen::CertificateParams::new(vec![(*name).to_owned()])?
                .signed_by(&key, &issuer)?;
            std::fs::write(dir.path().join(format!("{name}.crt")), cert.pem())?;
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem())?;
        }
        std::fs::write(dir.path().join("ca.pem"), ca.pem())?;
        Ok(Self {
            ca_pem: ca.pem(),
            dir,
        })
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// The certificate and key of `name`.
    fn cert(&self, name: &str) -> (PathBuf, PathBuf) {
        (
            self.path(&format!("{name}.crt")),
            self.path(&format!("{name}.key")),
        )
    }

    /// The client a peer node uses (ent-federation's, trusting this authority), reaching the
    /// given nodes and the bare server by name.
    fn client(&self, nodes: &[Node], bare: Option<&BareServer>) -> anyhow::Result<reqwest::Client> {
        let mut hosts: BTreeMap<String, IpAddr> =
            nodes.iter().map(|n| (n.name.clone(), LOOPBACK)).collect();
        if bare.is_some() {
            hosts.insert("bare.test".into(), LOOPBACK);
        }
        let settings = ent_federation::client::ClientSettings {
            allow_private_addresses: true,
            hosts,
            extra_ca_pem: Some(self.ca_pem.clone().into_bytes()),
        };
        Ok(ent_federation::client::build(&settings)?)
    }
}

/// A node serving over HTTPS in this process.
struct Node {
    /// Its host name (`a.test`).
    name: String,
    /// `name:port`.
    domain: String,
    state: AppState,
    running: Running,
    _data_dir: tempfile::TempDir,
}

impl Node {
    fn federation(&self) -> &Federation {
        self.state.federation.as_ref().expect("links configured")
    }
}

async fn stop_all(nodes: Vec<Node>) {
    for node in nodes {
        node.running.stop().await;
        node.state.db.close().await;
    }
}

/// Starts one node per name, links the pairs given by index (both sides list each other) and
/// waits until every link is active both ways.
async fn start_linked(
    databases: &mut Databases,
    pki: &Pki,
    names: &[&str],
    pairs: &[(usize, usize)],
) -> anyhow::Result<Vec<Node>> {
    let mut listeners = Vec::new();
    let mut identities = Vec::new();
    for _ in names {
        let listener = TcpListener::bind((LOOPBACK, 0)).await?;
        let data_dir = tempfile::tempdir()?;
        identities.push(NodeIdentity::load_or_create(data_dir.path())?.fingerprint);
        listeners.push((listener, data_dir));
    }
    let domains: Vec<String> = names
        .iter()
        .zip(&listeners)
        .map(|(name, (listener, _))| Ok(format!("{name}:{}", listener.local_addr()?.port())))
        .collect::<anyhow::Result<_>>()?;
    let hosts: String = names
        .iter()
        .map(|name| format!("{name:?} = \"{LOOPBACK}\"\n"))
        .collect();
    let mut nodes = Vec::new();
    for (i, (listener, data_dir)) in listeners.into_iter().enumerate() {
        let name = names[i];
        let (cert, key) = pki.cert(name);
        let database = databases.create(data_dir.path()).await?;
        let mut text = format!(
            "[node]\ndomain = {name:?}\nname = \"ENT {name}\"\ndata_dir = {data:?}\npublic_url = \"https://{domain}\"\n\
             [server]\ntls_cert = {cert:?}\ntls_key = {key:?}\n\
             [database]\nurl = {database:?}\n\
             [security]\nsecret_key = \"{secret}\"\n\
             [federation]\nallow_private_addresses = true\nextra_ca_file = {ca:?}\n[federation.hosts]\n{hosts}",
            domain = domains[i],
            data = data_dir.path().display().to_string(),
            cert = cert.display().to_string(),
            key = key.display().to_string(),
            ca = pki.path("ca.pem").display().to_string(),
            secret = "f".repeat(40),
        );
        for &(x, y) in pairs {
            let peer = match i {
                _ if x == i => y,
                _ if y == i => x,
                _ => continue,
            };
            text.push_str(&format!(
                "[[links]]\ndomain = {domain:?}\nfingerprint = {fingerprint:?}\nscopes = [\"spaces\", \"messaging\"]\n\
                 guest_quota = 30\nlabel = \"Convention du banc d'essai\"\nvalid_from = \"2020-01-01\"\nvalid_until = \"2099-12-31\"\n",
                domain = domains[peer],
                fingerprint = identities[peer],
            ));
        }
        let config = NodeConfig::from_toml_str_only(&text)?;
        let state = ent_node::server::prepare(config).await?;
        let running = Running::start(state.clone(), listener)?;
        nodes.push(Node {
            name: name.to_owned(),
            domain: domains[i].clone(),
            state,
            running,
            _data_dir: data_dir,
        });
    }
    for &(x, y) in pairs {
        wait_active(&nodes[x], &nodes[y]).await?;
        wait_active(&nodes[y], &nodes[x]).await?;
    }
    // Once every background checker has made its first pass, link states stay put.
    for node in &nodes {
        let deadline = Instant::now() + Duration::from_secs(60);
        while node.federation().checker_passes() < 1 {
            if Instant::now() > deadline {
                bail!("{}: no link check after 60 s", node.domain);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    for &(x, y) in pairs {
        wait_active(&nodes[x], &nodes[y]).await?;
        wait_active(&nodes[y], &nodes[x]).await?;
    }
    Ok(nodes)
}

/// Checks `from`'s link to `to` until it is active.
async fn wait_active(from: &Node, to: &Node) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let report = ent_federation::checker::check(from.federation().shared(), &to.domain).await;
        if report.state == LinkState::Active {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "link {} → {} still {:?} after 60 s",
                from.domain,
                to.domain,
                report.state
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The bare server: the ActivityPub crate's `receive_activity` and nothing else, over HTTPS.
struct BareServer {
    domain: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// The bare server's app data: the one peer key it knows.
#[derive(Clone)]
struct BareData {
    peer_key_pem: Arc<str>,
}

/// An activity that is only read (id, actor) and does nothing.
#[derive(Debug, Deserialize)]
struct BareActivity {
    id: Url,
    actor: Url,
}

/// The bare server's only error.
#[derive(Debug)]
struct BareError(String);

impl From<activitypub_federation::error::Error> for BareError {
    fn from(error: activitypub_federation::error::Error) -> Self {
        Self(error.to_string())
    }
}

#[async_trait::async_trait]
impl Activity for BareActivity {
    type DataType = BareData;
    type Error = BareError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<BareData>) -> Result<(), BareError> {
        Ok(())
    }

    async fn receive(self, _data: &Data<BareData>) -> Result<(), BareError> {
        Ok(())
    }
}

/// Any actor id resolves to the one peer key, from memory.
#[derive(Debug)]
struct BareActor {
    id: Url,
    public_key_pem: Arc<str>,
}

#[async_trait::async_trait]
impl Object for BareActor {
    type DataType = BareData;
    type Kind = serde_json::Value;
    type Error = BareError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<BareData>) -> Result<Option<Self>, BareError> {
        Ok(Some(Self {
            id,
            public_key_pem: data.app_data().peer_key_pem.clone(),
        }))
    }

    async fn into_json(self, _data: &Data<BareData>) -> Result<serde_json::Value, BareError> {
        Err(BareError("not served".into()))
    }

    async fn verify(
        _json: &serde_json::Value,
        _expected_domain: &Url,
        _data: &Data<BareData>,
    ) -> Result<(), BareError> {
        Err(BareError("never fetched".into()))
    }

    async fn from_json(
        _json: serde_json::Value,
        _data: &Data<BareData>,
    ) -> Result<Self, BareError> {
        Err(BareError("never fetched".into()))
    }
}

impl Actor for BareActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        None
    }

    fn inbox(&self) -> Url {
        let mut inbox = self.id.clone();
        inbox.set_path("/federation/inbox");
        inbox
    }
}

/// `POST /federation/inbox` of the bare server: 202 when the crate accepts the activity.
async fn bare_inbox(data: Data<BareData>, activity: ActivityData) -> (StatusCode, String) {
    match receive_activity::<BareActivity, BareActor, BareData>(activity, &data).await {
        Ok(()) => (StatusCode::ACCEPTED, String::new()),
        Err(BareError(why)) => (StatusCode::UNAUTHORIZED, why),
    }
}

impl BareServer {
    async fn start(pki: &Pki, peer_key_pem: String) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind((LOOPBACK, 0))?;
        listener.set_nonblocking(true)?;
        let domain = format!("bare.test:{}", listener.local_addr()?.port());
        // Debug mode accepts ports in URLs (and skips DNS checks), as the node's own
        // configuration of the crate does.
        let config = FederationConfig::builder()
            .domain(domain.clone())
            .app_data(BareData {
                peer_key_pem: Arc::from(peer_key_pem),
            })
            .debug(true)
            .build()
            .await?;
        let app = axum::Router::new()
            .route("/federation/inbox", axum::routing::post(bare_inbox))
            .layer(FederationMiddleware::new(config));
        let (cert, key) = pki.cert("bare.test");
        // The node's own listener (same TLS and HTTP setup), so that only the routes differ.
        let tls = ent_node::server::listen::tls_acceptor(&cert, &key)?;
        let limits = ent_node::server::listen::Limits::of(&ent_config::ServerSection::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = TcpListener::from_std(listener)?;
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            ent_node::server::listen::serve(listener, Some(tls), app, limits, shutdown).await;
        });
        Ok(Self { domain, stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
