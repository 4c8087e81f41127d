//! What most commands need first: the validated configuration, an up-to-date database, the time.

use std::path::Path;

use anyhow::Context;
use ent_config::NodeConfig;
use ent_node::store::{Db, MIGRATOR};

/// Reads and validates the configuration, as `ent-node` would (environment overrides included).
pub fn load_config(path: &Path) -> anyhow::Result<NodeConfig> {
    NodeConfig::load(path).map_err(|e| {
        anyhow::anyhow!(
            "{} : {e}\n(ent-admin config check --config {} détaille chaque problème)",
            path.display(),
            path.display()
        )
    })
}

/// Opens the database of the configuration and checks its schema is current.
///
/// Commands other than `migrate` do not migrate by themselves: on PostgreSQL several nodes may
/// share the database and migrations are run once, on purpose, by the operator.
pub async fn open_db(config: &NodeConfig) -> anyhow::Result<Db> {
    let db = Db::connect(config.database.url.expose(), 2)
        .await
        .context("ouverture de la base de données")?;
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await
        .unwrap_or(None);
    let latest = MIGRATOR.iter().map(|m| m.version).max();
    if applied < latest {
        db.close().await;
        anyhow::bail!(
            "le schéma de la base n'est pas à jour (ou la base n'est pas initialisée) : \
             lancez d'abord « ent-admin migrate » (ou « ent-admin init » pour un nouveau nœud)"
        );
    }
    Ok(db)
}

/// Seconds since the epoch, the time unit of the store.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
