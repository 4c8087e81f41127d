//! `ent-admin calendar import FILE`: school holidays of later years (or corrected ones) from
//! the ministry's open dataset `fr-en-calendrier-scolaire` (its CSV export, or a zone's ICS).
//! Each zone and school year of the file replaces what the node had for it; importing the same
//! file again changes nothing; `--dry-run` only tells.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use ent_node::agenda::calendar_import;
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format, Reported};

/// `ent-admin calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Importe les vacances scolaires depuis le jeu de données du ministère
    /// « fr-en-calendrier-scolaire » (export CSV séparé par « ; », ou fichier ICS d'une zone).
    Import {
        /// Le fichier CSV ou ICS.
        file: PathBuf,
        /// Simulation : affiche le bilan sans rien écrire dans la base.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What the command tells, for `--format json`.
#[derive(Serialize)]
struct Outcome {
    dry_run: bool,
    years: Vec<String>,
    added: usize,
    unchanged: usize,
    removed: usize,
    errors: Vec<String>,
}

/// Runs a `calendar` command.
pub async fn run(path: &Path, format: Format, command: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::Import { file, dry_run } = command;
    let bytes = std::fs::read(&file).with_context(|| format!("lecture de {}", file.display()))?;
    // The dataset is UTF-8; a file resaved by a spreadsheet may be Windows-1252.
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode(e.as_bytes())
            .0
            .into_owned(),
    };
    let holidays = match calendar_import::parse(&text) {
        Ok(holidays) => holidays,
        Err(errors) => {
            if format == Format::Json {
                output::json(&Outcome {
                    dry_run,
                    years: Vec::new(),
                    added: 0,
                    unchanged: 0,
                    removed: 0,
                    errors,
                })?;
            } else {
                eprintln!("{} : rien n'a été importé.", file.display());
                for e in &errors {
                    eprintln!("  {e}");
                }
            }
            return Err(Reported.into());
        }
    };
    if holidays.is_empty() {
        anyhow::bail!(
            "{} : aucune période de vacances dans ce fichier (les lignes « Enseignants » sont ignorées)",
            file.display()
        );
    }
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let report = calendar_import::apply(&db, &holidays, now(), dry_run).await;
    db.close().await;
    let report = report.context("écriture des vacances dans la base")?;
    if format == Format::Json {
        return output::json(&Outcome {
            dry_run,
            years: report.years,
            added: report.added,
            unchanged: report.unchanged,
            removed: report.removed,
            errors: Vec::new(),
        });
    }
    let verb = if dry_run {
        "Simulation (--dry-run), rien n'est écrit"
    } else {
        "Vacances importées"
    };
    println!("{verb} : {}", report.years.join(", "));
    println!(
        "  {} période(s) nouvelle(s), {} inchangée(s), {} retirée(s)",
        report.added, report.unchanged, report.removed
    );
    if report.added == 0 && report.removed == 0 {
        println!("  Rien à changer : ces dates étaient déjà celles du nœud.");
    }
    if let Some(zone) = config.agenda.zone()
        && !report.years.iter().any(|y| y.starts_with(zone))
    {
        println!("  Attention : aucune de ces périodes n'est de la zone du nœud ({zone}).");
    }
    Ok(())
}
