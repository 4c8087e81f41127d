//! Storage: one code path for SQLite and PostgreSQL, chosen at runtime from the URL.
//!
//! Every query goes through sqlx's `Any` driver with portable SQL (`$1` placeholders, BIGINT
//! integers and 0/1 booleans), so each business rule is written once. Feature modules own their
//! queries; this module owns connecting, migrating and the clock.

mod clock;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use clock::Clock;

/// The database engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite file (default).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle on the database: cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

/// Migrations embedded in the binary (portable SQL, one folder for both engines).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("URL de base de données non reconnue (sqlite:// ou postgres:// attendu)")]
    UnknownEngine,
    /// Connecting failed.
    #[error("connexion à la base impossible : {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration failed.
    #[error("migration de la base impossible : {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The SQLite folder could not be created.
    #[error("dossier de la base impossible à créer : {0}")]
    Folder(#[source] std::io::Error),
}

impl Db {
    /// Opens a pool on `url` (`sqlite://PATH` creates the file if missing).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, OpenError> {
        sqlx::any::install_default_drivers();
        let engine = engine_of(url).ok_or(OpenError::UnknownEngine)?;
        let url = match engine {
            Engine::Sqlite => sqlite_url(url)?,
            Engine::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(OpenError::Connect)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers proceed during a write; the busy timeout makes
                        // concurrent writers wait instead of failing at once.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(OpenError::Connect)?;
        Ok(Self { pool, engine })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        MIGRATOR.run(&self.pool).await.map_err(OpenError::Migrate)
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// SQLITE_BUSY, without waiting, when another connection wrote in between (WAL snapshot).
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Engine::Postgres => self.pool.begin().await,
        }
    }

    /// Like [`Db::begin_write`], for long writers that had rather wait their turn than fail
    /// (an ONDE import while another one writes): on SQLite, a `BEGIN IMMEDIATE` still busy
    /// after the busy timeout (10 s) is tried again, calling `waiting` first, until `patience`
    /// has passed. PostgreSQL transactions begin at once and wait on row locks instead.
    pub async fn begin_write_patiently(
        &self,
        patience: Duration,
        waiting: &(dyn Fn() + Sync),
    ) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        let start = std::time::Instant::now();
        loop {
            match self.begin_write().await {
                Err(error) if is_busy(&error) && start.elapsed() < patience => waiting(),
                other => return other,
            }
        }
    }

    /// The pool, for queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Closes every connection (at shutdown, so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Takes the named lock `name` until the caller's transaction ends (a row of `node_locks`,
/// created on first use). On PostgreSQL a second transaction taking the same name waits here
/// until the first commits or rolls back, and then reads what the first wrote; on SQLite the
/// write transaction (`begin_write`) is already exclusive and this costs one row write.
pub async fn lock(conn: &mut sqlx::AnyConnection, name: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO node_locks (name, taken_at) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET taken_at = excluded.taken_at",
    )
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether SQLite gave up waiting for another connection's write (SQLITE_BUSY).
fn is_busy(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| {
        let code = e.code().and_then(|c| c.parse::<i64>().ok());
        code.is_some_and(|c| c & 0xff == 5) || e.message().contains("database is locked")
    })
}

/// Which engine a URL names.
pub fn engine_of(url: &str) -> Option<Engine> {
    if url.starts_with("sqlite:") {
        Some(Engine::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Engine::Postgres)
    } else {
        None
    }
}

/// Makes sure the folder exists and the file is created when missing.
fn sqlite_url(url: &str) -> Result<String, OpenError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent).map_err(OpenError::Folder)?;
    }
    if !path.is_empty() && !path.contains(":memory:") {
        create_private_file(std::path::Path::new(path)).map_err(OpenError::Folder)?;
    }
    Ok(if url.contains('?') {
        url.to_owned()
    } else {
        format!("sqlite://{path}?mode=rwc")
    })
}

/// A new opaque id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The version of something changed `now` that was at `previous`: the time, but always past
/// the previous version, so that copies can tell newer from older even within one second.
pub fn next_version(previous: i64, now: i64) -> i64 {
    now.max(previous.saturating_add(1))
}

/// Converts a stored 0/1 to a bool.
pub fn flag(value: i64) -> bool {
    value != 0
}

/// Creates a folder and its missing parents, open to their owner only (0700): the data folder
/// holds the database, the keys and what members wrote.
pub fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Creates an empty file readable by its owner only (0600) unless it exists: SQLite then opens
/// it, and makes its journal files with the same mode.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes a file readable by its owner only (keys, generated configuration).
pub fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// How every secret token (session, feed link, confirmation link) is kept: only its SHA-256,
/// so that a copy of the database opens nothing.
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod patience_tests {
    use super::*;

    /// A writer that outlasts the busy timeout still gets its turn, without a failure.
    #[tokio::test]
    async fn a_patient_writer_outlasts_the_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("node.db").display());
        let holder = Db::connect(&url, 1).await.unwrap();
        let patient = Db::connect(&url, 1).await.unwrap();
        // A short busy timeout stands for a first import longer than the real 10 s.
        sqlx::query("PRAGMA busy_timeout = 20")
            .execute(patient.pool())
            .await
            .unwrap();
        let held = holder.begin_write().await.unwrap();
        let error = patient.begin_write().await.expect_err("busy");
        assert!(is_busy(&error), "{error}");
        let waited = tokio::sync::Notify::new();
        let waiting = || waited.notify_one();
        let (patient_tx, ()) = tokio::join!(
            patient.begin_write_patiently(Duration::from_secs(600), &waiting),
            async {
                // Released only once the patient writer has outlasted one busy timeout.
                waited.notified().await;
                held.commit().await.unwrap();
            }
        );
        patient_tx.expect("its turn came").commit().await.unwrap();
    }
}
