//! Benchmark: ONDE import of 10,000 pupils with their guardians and teachers, first import and
//! repeat import, on SQLite (and PostgreSQL when `ENT_TEST_DATABASE_URL` is set).
//!
//! Run: `cargo bench -p ent-node --bench import`. Target: well under a minute for the first import.

mod common;

use common::fresh_postgres;
use std::time::Instant;

use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::onde::{self, ImportInput, SourceFile, sample};
use ent_node::store::Db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = sample::SampleOptions {
        classes: 400,
        pupils_per_class: 25,
        ..sample::SampleOptions::default()
    };
    let started = Instant::now();
    let files = sample::files(&options);
    println!("generated 10,000 pupils in {:?}", started.elapsed());

    let dir = tempfile::tempdir()?;
    let mut targets = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("bench.db").display()),
    )];
    if let Ok(server) = std::env::var("ENT_TEST_DATABASE_URL") {
        targets.push(("PostgreSQL", fresh_postgres(&server).await?));
    }
    for (engine, url) in targets {
        let db = Db::connect(&url, 4).await?;
        db.migrate().await?;
        let uai = Uai::from_number(7_654_321);
        ent_node::schools::store::add(
            &db,
            &uai,
            "École du banc d'essai",
            SchoolKind::Primaire,
            None,
            0,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        for round in ["first import", "repeat import"] {
            let input = ImportInput {
                uai: &uai,
                pupils: SourceFile {
                    name: "eleves.csv",
                    bytes: &files.pupils,
                },
                guardians: SourceFile {
                    name: "responsables.csv",
                    bytes: &files.guardians,
                },
                teachers: Some(SourceFile {
                    name: "enseignants.csv",
                    bytes: &files.teachers,
                }),
                dry_run: false,
                max_deactivation_percent:
                    ent_node::provisioning::onde::DEFAULT_MAX_DEACTIVATION_PERCENT,
                allow_mass_deactivation: true,
                year: SchoolYear(2026),
                now: 1_790_000_000,
            };
            let started = Instant::now();
            let report = onde::import(&db, input, &|_, _| {}).await?;
            println!(
                "{engine:<10} {round:<14} {:>8.2?}  pupils +{} ~{} ={}  guardians +{} ~{} ={}",
                started.elapsed(),
                report.pupils.created,
                report.pupils.updated,
                report.pupils.unchanged,
                report.guardians.created,
                report.guardians.updated,
                report.guardians.unchanged,
            );
        }
        db.close().await;
    }
    Ok(())
}
