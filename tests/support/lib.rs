//! Test support: a fresh database per test (SQLite file, or a new PostgreSQL database when
//! `ENT_TEST_DATABASE_URL` is set), real nodes serving on 127.0.0.1 port 0, and a client with one
//! method per endpoint; headless Chromium with axe-core checks for browser tests.

pub mod agenda;
pub mod browser;
pub mod client;
pub mod db;
pub mod federation;
pub mod guests;
pub mod liaison;
pub mod messaging;
pub mod raw;
pub mod smtp;
pub mod spaces;
pub mod world;

use std::path::PathBuf;

use ent_config::NodeConfig;
use ent_node::AppState;
use ent_node::server::Running;
use tokio::net::TcpListener;

pub use client::TestClient;
pub use db::TestDb;
pub use world::{PASSWORD, World};

/// A node running for one test, with its own database and data folder.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The node's state (database, clock) for assertions and setup.
    pub state: AppState,
    running: Option<Running>,
    /// How a client reaches a node served over TLS under a test name (name, address, CA).
    reach: Option<(String, std::net::SocketAddr, Vec<u8>)>,
    /// Kept alive for the test's duration (data folder with keys).
    _data_dir: tempfile::TempDir,
    /// Kept alive for the test's duration (dropped last: drops the database).
    _db: TestDb,
}

/// Starts a node on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a node on a fresh database, after `adjust` changes its configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut NodeConfig)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base_url = format!("http://{addr}");
    // The database URL is set by `spawn_configured`, which makes the database.
    let text = format!(
        "[node]\ndomain = \"127.0.0.1\"\nname = \"ENT de test\"\ndata_dir = {:?}\npublic_url = {base_url:?}\n\
         [database]\nurl = \"sqlite://unused\"\nmax_connections = 5\n[security]\nsecret_key = \"{}\"\n",
        data_dir.path().display().to_string(),
        "k".repeat(40),
    );
    let mut config = NodeConfig::from_toml_str_only(&text).expect("test config");
    adjust(&mut config);
    spawn_configured(listener, data_dir, config, None).await
}

/// Starts a node from a full configuration on an already bound listener, with its own fresh
/// database (whose URL replaces the configuration's) and data folder.
pub async fn spawn_configured(
    listener: TcpListener,
    data_dir: tempfile::TempDir,
    mut config: NodeConfig,
    reach: Option<(String, std::net::SocketAddr, Vec<u8>)>,
) -> TestApp {
    ent_node::server::install_crypto();
    let db = TestDb::new().await;
    config.database.url = ent_config::Secret::new(db.url().to_owned());
    let base_url = config.public_url();
    let state = ent_node::server::prepare(config)
        .await
        .expect("node prepared");
    let running = Running::start(state.clone(), listener).expect("node started");
    TestApp {
        base_url,
        state,
        running: Some(running),
        reach,
        _data_dir: data_dir,
        _db: db,
    }
}

impl TestApp {
    /// A new browser-like client (own cookie jar) for this node.
    pub fn client(&self) -> TestClient {
        match &self.reach {
            None => TestClient::new(&self.base_url),
            Some((name, addr, ca)) => {
                let ca = reqwest::Certificate::from_pem(ca).expect("test CA");
                let builder = reqwest::Client::builder()
                    .resolve(name, *addr)
                    .tls_certs_merge([ca]);
                TestClient::with_builder(&self.base_url, builder)
            }
        }
    }

    /// A client already signed in as `person` (asserts the sign-in lands on the portal).
    pub async fn signed_in(&self, person: &world::Person) -> TestClient {
        let client = self.client();
        let page = client.sign_in(&person.identifier, PASSWORD).await;
        assert!(
            page.redirects_to("/portail"),
            "sign-in of {} failed: {page:?}",
            person.identifier
        );
        client
    }

    /// The data folder of the node.
    pub fn data_dir(&self) -> PathBuf {
        self.state.config.node.data_dir.clone()
    }

    /// Stops the server (in-flight requests finish).
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.state.db.close().await;
    }

    /// Stops the node, then starts it again on the same address, database, data folder and
    /// clock (a restart after an outage).
    pub async fn restart(mut self) -> TestApp {
        let addr = self.running.as_ref().expect("running").addr;
        self.halt().await;
        let listener = TcpListener::bind(addr).await.expect("same address again");
        self.start_again(listener).await
    }

    /// Stops serving but keeps the database and data folder: the node is down until
    /// [`DownNode::start`].
    pub async fn take_down(mut self) -> DownNode {
        let addr = self.running.as_ref().expect("running").addr;
        self.halt().await;
        DownNode { app: self, addr }
    }

    async fn start_again(mut self, listener: TcpListener) -> TestApp {
        let config = (*self.state.config).clone();
        let clock = self.state.clock.clone();
        self.state = ent_node::server::prepare_with_clock(config, clock)
            .await
            .expect("node prepared again");
        self.running = Some(Running::start(self.state.clone(), listener).expect("node restarted"));
        self
    }

    /// The node's federation (panics when no link is configured).
    pub fn federation(&self) -> &ent_federation::Federation {
        self.state.federation.as_ref().expect("federation on")
    }
}

/// A node that was taken down (an outage), kept to be started again.
pub struct DownNode {
    app: TestApp,
    addr: std::net::SocketAddr,
}

impl DownNode {
    /// The data folder of the node.
    pub fn data_dir(&self) -> PathBuf {
        self.app.data_dir()
    }

    /// Starts the node again on its address, database, data folder and clock.
    pub async fn start(self) -> TestApp {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("same address again");
        self.app.start_again(listener).await
    }
}
