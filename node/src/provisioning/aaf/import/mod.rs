//! Importing an AAF feed (2D or 1D, Complet or Delta) into the schools this node hosts.
//!
//! The feed is read and checked first, outside any transaction ([`plan`]); then one
//! transaction applies it: people are found by their académie-scoped jointure id, else
//! (the first time) among the accounts an ONDE import made, else created; a Complet marks
//! the missing as departed under the same mass-deactivation guard as ONDE; a Delta applies
//! exactly its operations. Any error writes nothing unless the operator allows a partial
//! import, which leaves the refused records out and says which.

mod accounts;
mod apply;
mod departures;
mod known;
mod people;
mod plan;
mod report;
mod staff;

use std::path::Path;

use crate::domain::SchoolYear;
use crate::provisioning::guard::Deactivations;
use crate::provisioning::onde::read::ReadError;
use crate::store::Db;

pub use plan::Ignored;
pub use report::{AafReport, SchoolLine};

/// What to import, and how.
#[derive(Debug, Clone, Copy)]
pub struct AafInput<'a> {
    /// The feed: a folder, a `.zip`, a `.tgz` or one `.xml` file.
    pub path: &'a Path,
    /// The académie, when the feed does not say it (`--academie`).
    pub academy: Option<&'a str>,
    /// Create the écoles and collèges of the feed that the node does not host yet.
    pub create_schools: bool,
    /// Import what is valid and leave refused records out (`--partial`).
    pub partial: bool,
    /// Compute the report, write nothing.
    pub dry_run: bool,
    /// Largest share (percent) of the hosted schools' active accounts one run may deactivate.
    pub max_deactivation_percent: u8,
    /// The operator confirmed that more may go.
    pub allow_mass_deactivation: bool,
    /// School year of the classes.
    pub year: SchoolYear,
    /// Time of the import.
    pub now: i64,
}

/// Why an AAF import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum AafError {
    /// The feed cannot be used at all (unreadable archive, no hosted structure, académie).
    #[error("{0}")]
    Feed(ReadError),
    /// Records or files are wrong; each names its file, line and record.
    #[error(
        "{} erreur(s) dans le flux, rien n'a été importé (--partial importe le reste) :\n{}",
        .0.len(),
        .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
    )]
    Invalid(Vec<ReadError>),
    /// The run would deactivate more than the allowed share of the accounts.
    #[error(
        "cet import désactiverait {deactivated} des {active} comptes actifs des établissements \
         concernés ({percent} %, au-delà de la limite de {limit} %) : rien n'a été importé. \
         Vérifiez le flux (un fichier tronqué fait « disparaître » des personnes) ; si ces départs \
         sont réels, relancez avec --allow-mass-deactivation"
    )]
    MassDeactivation {
        /// Accounts the run would deactivate.
        deactivated: u64,
        /// Active accounts of the hosted schools before the run.
        active: u64,
        /// The share it makes, rounded up.
        percent: u64,
        /// The configured limit.
        limit: u8,
    },
    /// The database failed (the transaction was rolled back).
    #[error("base de données : {0}")]
    Store(#[from] sqlx::Error),
}

/// How long an import waits, on SQLite, for another write to end.
const IMPORT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Imports an AAF feed. `progress(done, total)` is called after each person.
pub async fn import(
    db: &Db,
    input: AafInput<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<AafReport, AafError> {
    let feed = super::open(input.path).map_err(AafError::Feed)?;
    let schools = apply::node_schools(db).await?;
    let academy = input.academy.map(str::to_owned);
    let create_schools = input.create_schools;
    // Reading a large feed takes seconds: it happens before the write transaction, which
    // on SQLite would hold every other writer of the node, and off the async workers.
    let feed_path = input.path.to_owned();
    let plan = tokio::task::spawn_blocking(move || {
        let options = plan::PlanOptions {
            academy: academy.as_deref(),
            create_schools,
        };
        plan::plan(&feed, &schools, &options).map(|plan| (plan, schools))
    })
    .await
    .map_err(|e| AafError::Feed(apply::whole_error(&feed_path, &e.to_string())))?;
    let (plan, schools) = plan.map_err(AafError::Feed)?;
    if !plan.errors.is_empty() && !input.partial {
        return Err(AafError::Invalid(plan.errors));
    }
    let mut tx = (db)
        .begin_write_patiently(IMPORT_PATIENCE, &|| {
            tracing::info!("another write is running; the AAF import waits its turn");
        })
        .await?;
    let outcome = apply::apply(&mut tx, plan, &schools, &input, progress).await?;
    let (mut report, active) = match outcome {
        Ok(done) => done,
        Err(errors) => {
            tx.rollback().await?;
            return Err(AafError::Invalid(errors));
        }
    };
    let deactivated = report.deactivated();
    let guard = Deactivations {
        deactivated,
        active,
        limit: input.max_deactivation_percent,
    };
    let checked = guard.check(
        input.dry_run,
        input.allow_mass_deactivation,
        &mut report.warnings,
        |d| AafError::MassDeactivation {
            deactivated: d.deactivated,
            active: d.active,
            percent: d.percent(),
            limit: d.limit,
        },
    );
    if let Err(error) = checked {
        tx.rollback().await?;
        return Err(error);
    }
    let target = (report.schools.iter().map(|s| s.uai.as_str()))
        .collect::<Vec<_>>()
        .join(",");
    crate::users::store::audit(
        &mut tx,
        input.now,
        None,
        "import.aaf",
        &target,
        &serde_json::to_string(&report).unwrap_or_default(),
    )
    .await?;
    if input.dry_run {
        tx.rollback().await?;
        return Ok(report);
    }
    tx.commit().await?;
    let created: u64 = report.rows().iter().map(|(_, c)| c.created).sum();
    if created > 1_000 && db.engine() == crate::store::Engine::Postgres {
        // Thousands of new rows leave PostgreSQL's planner statistics stale until autovacuum
        // comes by; pages read right after would pay for it. Best effort: the import is done.
        let tables =
            "users, memberships, classes, class_members, guardianships, directory_ids, teaching";
        if let Err(error) = sqlx::query(&format!("ANALYZE {tables}"))
            .execute(db.pool())
            .await
        {
            tracing::warn!(%error, "ANALYZE after the AAF import failed");
        }
    }
    Ok(report)
}
