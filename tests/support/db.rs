//! A fresh database for each test, so tests run in parallel on either engine.

/// Environment variable naming a PostgreSQL server to test against.
pub const POSTGRES_ENV: &str = "ENT_TEST_DATABASE_URL";

/// A database that exists for one test: a SQLite file in a temp folder, or a new PostgreSQL
/// database dropped (best effort) when the test ends.
pub struct TestDb {
    url: String,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Creates the database.
    pub async fn new() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.is_empty() => Self::postgres(&server).await,
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("ent.db").display());
                Self {
                    url,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
        }
    }

    async fn postgres(server: &str) -> Self {
        use sqlx::Connection;
        let name = format!("ent_it_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(server)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        conn.close().await.ok();
        let mut url = url::Url::parse(server).expect("valid ENT_TEST_DATABASE_URL");
        url.set_path(&format!("/{name}"));
        Self {
            url: url.to_string(),
            postgres: Some((server.to_owned(), name)),
            _dir: None,
        }
    }

    /// The URL to give the node.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this test runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context guarantee: use a private runtime on a thread.
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
