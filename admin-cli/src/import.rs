//! `ent-admin import onde`: ONDE exports into one school, with a report.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use ent_node::domain::{SchoolYear, Uai};
use ent_node::provisioning::onde::{self, ImportError, ImportInput, ImportReport, SourceFile};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format};

/// Below this many lines in all, an import takes about a second: a bar would only flicker.
pub(crate) const PROGRESS_MIN_ROWS: usize = 500;

/// `ent-admin import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Importe les exports ONDE d'une école : crée, met à jour ou désactive les comptes
    /// des élèves, des responsables et des enseignants (rien n'est écrit si un fichier a une
    /// erreur).
    Onde(OndeArgs),
    /// Importe un flux AAF de l'académie (dossier, .zip ou .tgz tel que livré, Complet ou
    /// Delta, 1er ou 2d degré) dans les établissements hébergés par ce nœud (rien n'est
    /// écrit si un enregistrement est en erreur, sauf avec --partial).
    Aaf(crate::import_aaf::AafArgs),
}

/// Options of `ent-admin import onde`.
#[derive(Debug, Args)]
pub struct OndeArgs {
    /// UAI de l'école qui reçoit l'import (elle doit déjà exister).
    #[arg(long, value_name = "UAI")]
    pub school: String,
    /// Export ONDE des élèves (CSV).
    #[arg(long, value_name = "FICHIER")]
    pub pupils: PathBuf,
    /// Export ONDE des responsables légaux (CSV).
    #[arg(long, value_name = "FICHIER")]
    pub guardians: PathBuf,
    /// Liste des enseignants (CSV) ; sans elle, les enseignants ne sont pas modifiés.
    #[arg(long, value_name = "FICHIER")]
    pub teachers: Option<PathBuf>,
    /// Simulation : calcule et affiche le bilan sans rien écrire dans la base.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirme des départs nombreux : sans cette option, un import qui désactiverait plus
    /// que la part permise des comptes de l'école ([import] max_deactivation_percent, 10 %
    /// par défaut) s'arrête sans rien écrire et affiche le nombre.
    #[arg(long)]
    pub allow_mass_deactivation: bool,
}

/// One file error, for `--format json`.
#[derive(Serialize)]
struct FileError<'a> {
    file: &'a str,
    line: usize,
    column: Option<&'a str>,
    message: &'a str,
}

/// Runs an `import` command.
pub async fn run(path: &Path, format: Format, command: ImportCommand) -> anyhow::Result<()> {
    let args = match command {
        ImportCommand::Onde(args) => args,
        ImportCommand::Aaf(args) => return crate::import_aaf::run(path, format, args).await,
    };
    let config = load_config(path)?;
    let uai = Uai::parse(&args.school).map_err(|e| anyhow::anyhow!("--school : {e}"))?;
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("lecture de {} impossible", path.display()))
    };
    let names = (
        args.pupils.display().to_string(),
        args.guardians.display().to_string(),
        args.teachers.as_ref().map(|p| p.display().to_string()),
    );
    let pupils = read(&args.pupils)?;
    let guardians = read(&args.guardians)?;
    let teachers = args.teachers.as_deref().map(read).transpose()?;
    let lines = [Some(&pupils), Some(&guardians), teachers.as_ref()]
        .into_iter()
        .flatten()
        .map(|bytes| bytes.iter().filter(|&&b| b == b'\n').count())
        .sum::<usize>();
    let input = ImportInput {
        uai: &uai,
        pupils: SourceFile {
            name: &names.0,
            bytes: &pupils,
        },
        guardians: SourceFile {
            name: &names.1,
            bytes: &guardians,
        },
        teachers: names
            .2
            .as_deref()
            .zip(teachers.as_deref())
            .map(|(name, bytes)| SourceFile { name, bytes }),
        dry_run: args.dry_run,
        max_deactivation_percent: config.import.max_deactivation_percent,
        allow_mass_deactivation: args.allow_mass_deactivation,
        year: SchoolYear::current(),
        now: now(),
    };

    // Only a person watching a terminal wants a bar; logs and tests must stay clean.
    let bar = (std::io::stderr().is_terminal() && lines > PROGRESS_MIN_ROWS).then(|| {
        let bar = ProgressBar::new(lines as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} personnes ({eta})") {
            bar.set_style(style);
        }
        bar
    });
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let db = open_db(&config).await?;
    let result = onde::import(&db, input, &progress).await;
    db.close().await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => print_report(format, &report, args.teachers.is_some()),
        Err(error) if format == Format::Json => {
            output::json(&json_failure(&error))?;
            // The same lines go to stderr, where a person running the script looks.
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// What `--format json` prints on stdout when nothing was imported: the file errors one by
/// one (with the total before the cap), or the one reason.
fn json_failure(error: &ImportError) -> serde_json::Value {
    let (reason, errors) = match error {
        ImportError::Invalid(errors) => ("invalid_files", errors.as_slice()),
        ImportError::UnknownSchool(_) => ("unknown_school", &[][..]),
        ImportError::MassDeactivation { .. } => ("mass_deactivation", &[][..]),
        ImportError::Store(_) => ("database", &[][..]),
    };
    let list: Vec<FileError<'_>> = errors
        .iter()
        .map(|e| FileError {
            file: &e.file,
            line: e.line,
            column: e.column.as_deref(),
            message: &e.message,
        })
        .collect();
    let mut value = serde_json::json!({
        "imported": false,
        "reason": reason,
        "message": error.to_string(),
        "errors": list,
    });
    if let ImportError::MassDeactivation {
        deactivated,
        active,
        limit,
        ..
    } = error
    {
        value["deactivated"] = (*deactivated).into();
        value["active"] = (*active).into();
        value["limit_percent"] = (*limit).into();
    }
    value
}

fn print_report(format: Format, report: &ImportReport, teachers: bool) -> anyhow::Result<()> {
    if format == Format::Json {
        return output::json(report);
    }
    let title = if report.dry_run {
        format!(
            "Simulation d'import ONDE dans l'école {} (--dry-run) :",
            report.school
        )
    } else {
        format!("Import ONDE dans l'école {} :", report.school)
    };
    println!("{title}");
    let mut table = output::table(["", "Créés", "Mis à jour", "Inchangés", "Désactivés"]);
    for (label, counts) in report.rows() {
        let label = if label == "Enseignants" && !teachers {
            "Enseignants (fichier non fourni)"
        } else {
            label
        };
        table.add_row([
            label.to_owned(),
            counts.created.to_string(),
            counts.updated.to_string(),
            counts.unchanged.to_string(),
            counts.deactivated.to_string(),
        ]);
    }
    println!("{table}");
    for warning in &report.warnings {
        println!("Attention : {warning}");
    }
    if report.links_to_confirm > 0 {
        println!(
            "{} lien(s) parent–enfant à confirmer : l'enseignant de la classe ou la direction \
             choisit l'enfant sur la page de la classe (le choix est gardé aux imports suivants).",
            report.links_to_confirm
        );
    }
    if report.dry_run {
        println!(
            "Simulation : rien n'a été écrit dans la base. Relancez sans --dry-run pour importer."
        );
    } else if report.changed_anything() {
        println!(
            "Import enregistré. Les nouveaux comptes attendent leur code d'activation : \
             ent-admin classes list --school {} puis ent-admin sheets.",
            report.school
        );
    } else {
        println!("Rien n'a changé : la base était déjà à jour de ces fichiers.");
    }
    Ok(())
}
