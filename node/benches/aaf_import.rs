//! Benchmark: an academy-wide AAF Complet of 20 collèges (12,000 pupils, their responsables,
//! their staff), imported for the 2 collèges a node hosts and for all 20, on SQLite (and
//! PostgreSQL when `ENT_TEST_DATABASE_URL` is set): time and peak memory of each import.
//!
//! Run: `cargo bench -p ent-node --bench aaf_import`. Goal (issue 11): all 20 in < 30 s and
//! < 200 MB.

mod common;

use common::fresh_postgres;
use std::time::Instant;

use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::aaf::{self, AafInput, sample};
use ent_node::store::Db;

/// Peak resident memory of this process since the last reset, in MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    (status.lines())
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak (writing 5 to `clear_refs`), so each import's peak is its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Environment variable that makes this program the child that imports (`URL|ARCHIVE|N`).
const CHILD: &str = "ENT_AAF_BENCH_CHILD";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Ok(job) = std::env::var(CHILD) {
        return child(&job).await;
    }
    let options = sample::SampleOptions {
        colleges: 20,
        pupils_per_college: 600,
        ..sample::SampleOptions::default()
    };
    let started = Instant::now();
    let model = sample::Model::build(&options);
    let feed = sample::complet(&options);
    let dir = tempfile::tempdir()?;
    let archive = dir.path().join("ENT2DVA.20240916.zip");
    feed.write_zip(&archive)?;
    let bytes: u64 = feed.files.iter().map(|(_, b)| b.len() as u64).sum();
    println!(
        "generated {} pupils, {} responsables, {} staff ({:.1} MB of XML, zipped) in {:?}",
        feed.expected.records[3],
        feed.expected.records[4],
        feed.expected.records[5],
        bytes as f64 / 1e6,
        started.elapsed()
    );
    drop(feed);

    let mut targets = Vec::new();
    for hosted in [2usize, 20] {
        targets.push(("SQLite", hosted, None));
        if let Ok(server) = std::env::var("ENT_TEST_DATABASE_URL") {
            targets.push(("PostgreSQL", hosted, Some(server)));
        }
    }
    for (engine, hosted, server) in targets {
        let url = match server {
            Some(server) => fresh_postgres(&server).await?,
            None => format!(
                "sqlite://{}",
                dir.path().join(format!("bench{hosted}.db")).display()
            ),
        };
        let db = Db::connect(&url, 4).await?;
        db.migrate().await?;
        for college in model.colleges.iter().take(hosted) {
            ent_node::schools::store::add(
                &db,
                &Uai::parse(&college.uai)?,
                &college.name,
                SchoolKind::College,
                None,
                0,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        db.close().await;
        // Each engine and size in its own process: its peak memory is the import's alone,
        // not the generator's.
        let status = std::process::Command::new(std::env::current_exe()?)
            .env(
                CHILD,
                format!("{url}|{}|{hosted}|{engine}", archive.display()),
            )
            .status()?;
        anyhow::ensure!(status.success(), "{engine} {hosted}: {status}");
    }
    Ok(())
}

/// Imports the archive twice into the prepared database and prints time and peak memory.
async fn child(job: &str) -> anyhow::Result<()> {
    let mut parts = job.split('|');
    let (url, archive, hosted, engine) = (
        parts.next().unwrap_or_default(),
        std::path::PathBuf::from(parts.next().unwrap_or_default()),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    // Statements slower than a second are logged by sqlx: they say where time goes.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "sqlx=warn".to_owned()))
        .try_init();
    let db = Db::connect(url, 4).await?;
    for round in ["first import", "repeat import"] {
        let input = AafInput {
            path: &archive,
            academy: None,
            create_schools: false,
            partial: false,
            dry_run: false,
            max_deactivation_percent: 10,
            allow_mass_deactivation: true,
            year: SchoolYear(2026),
            now: 1_790_000_000,
        };
        reset_peak();
        let started = Instant::now();
        let report = aaf::import(&db, input, &|_, _| {}).await?;
        println!(
            "{engine:<10} {hosted:>2} collèges  {round:<14} {:>8.2?}  peak RSS {:>6.1} MiB  \
             pupils +{} ={}  guardians +{} ={}  staff +{} ={}",
            started.elapsed(),
            peak_mib(),
            report.pupils.created,
            report.pupils.unchanged,
            report.guardians.created,
            report.guardians.unchanged,
            report.teachers.created + report.staff.created,
            report.teachers.unchanged + report.staff.unchanged,
        );
    }
    db.close().await;
    Ok(())
}
