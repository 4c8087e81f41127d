//! Test support: a fresh database per test (SQLite file, or a new PostgreSQL database when
//! `ENT_TEST_DATABASE_URL` is set), real nodes serving on 127.0.0.1 port 0, and a client with one
//! method per endpoint; headless Chromium with axe-core checks for browser tests.

pub mod browser;
pub mod client;
pub mod db;
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
    ent_node::server::install_crypto();
    let db = TestDb::new().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base_url = format!("http://{addr}");
    let text = format!(
        "[node]\ndomain = \"127.0.0.1\"\nname = \"ENT de test\"\ndata_dir = {:?}\npublic_url = {base_url:?}\n\
         [database]\nurl = {:?}\nmax_connections = 5\n[security]\nsecret_key = \"{}\"\n",
        data_dir.path().display().to_string(),
        db.url(),
        "k".repeat(40),
    );
    let mut config = NodeConfig::from_toml_str_only(&text).expect("test config");
    adjust(&mut config);
    let state = ent_node::server::prepare(config)
        .await
        .expect("node prepared");
    let running = Running::start(state.clone(), listener).expect("node started");
    TestApp {
        base_url,
        state,
        running: Some(running),
        _data_dir: data_dir,
        _db: db,
    }
}

impl TestApp {
    /// A new browser-like client (own cookie jar) for this node.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base_url)
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
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.state.db.close().await;
    }
}
