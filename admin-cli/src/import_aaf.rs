//! `ent-admin import aaf`: the académie's AAF feed into the schools this node hosts.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use ent_node::domain::SchoolYear;
use ent_node::provisioning::aaf::{self, AafError, AafInput, AafReport};
use indicatif::{ProgressBar, ProgressStyle};

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format};

/// Options of `ent-admin import aaf`.
#[derive(Debug, Args)]
pub struct AafArgs {
    /// Le flux tel que livré : un dossier, une archive .zip ou .tgz, ou un fichier .xml.
    #[arg(long, visible_alias = "archive", value_name = "DOSSIER")]
    pub dir: PathBuf,
    /// Code de l'académie (ex. 13), quand le flux ne le donne pas dans son en-tête.
    #[arg(long, value_name = "CODE")]
    pub academie: Option<String>,
    /// Crée les écoles et collèges du flux que ce nœud n'héberge pas encore.
    #[arg(long)]
    pub create_schools: bool,
    /// Importe ce qui est valide et laisse de côté les enregistrements en erreur (listés).
    #[arg(long)]
    pub partial: bool,
    /// Simulation : calcule et affiche le bilan sans rien écrire dans la base.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirme des départs nombreux (au-delà de [import] max_deactivation_percent).
    #[arg(long)]
    pub allow_mass_deactivation: bool,
}

/// Runs `ent-admin import aaf`.
pub async fn run(path: &Path, format: Format, args: AafArgs) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let input = AafInput {
        path: &args.dir,
        academy: args.academie.as_deref(),
        create_schools: args.create_schools,
        partial: args.partial,
        dry_run: args.dry_run,
        max_deactivation_percent: config.import.max_deactivation_percent,
        allow_mass_deactivation: args.allow_mass_deactivation,
        year: SchoolYear::current(),
        now: now(),
    };
    // Only a person watching a terminal wants a bar; logs and tests must stay clean.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::hidden();
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} personnes ({eta})") {
            bar.set_style(style);
        }
        bar
    });
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            if total as usize > crate::import::PROGRESS_MIN_ROWS && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let result = aaf::import(&db, input, &progress).await;
    db.close().await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => print_report(format, &report),
        Err(error) if format == Format::Json => {
            output::json(&json_failure(&error))?;
            Err(error.into())
        }
        Err(error) => Err(error.into()),
    }
}

/// What `--format json` prints when nothing was imported.
fn json_failure(error: &AafError) -> serde_json::Value {
    let (reason, errors) = match error {
        AafError::Feed(e) => ("invalid_feed", std::slice::from_ref(e)),
        AafError::Invalid(errors) => ("invalid_records", errors.as_slice()),
        AafError::MassDeactivation { .. } => ("mass_deactivation", &[][..]),
        AafError::Store(_) => ("database", &[][..]),
    };
    serde_json::json!({
        "imported": false,
        "reason": reason,
        "message": error.to_string(),
        "errors": errors.iter().map(|e| serde_json::json!({
            "file": e.file, "line": e.line, "message": e.message,
        })).collect::<Vec<_>>(),
    })
}

fn print_report(format: Format, report: &AafReport) -> anyhow::Result<()> {
    if format == Format::Json {
        return output::json(report);
    }
    let kind = if report.delta { "Delta" } else { "Complet" };
    let schools: Vec<String> = (report.schools.iter())
        .map(|s| {
            let created = if s.created { ", créé" } else { "" };
            format!("{} ({}{created})", s.name, s.uai)
        })
        .collect();
    if report.dry_run {
        println!(
            "Simulation d'import AAF {kind} (--dry-run), académie {} :",
            report.academy
        );
    } else {
        println!("Import AAF {kind}, académie {} :", report.academy);
    }
    println!("Établissements : {}", schools.join(", "));
    let mut table = output::table(["", "Créés", "Mis à jour", "Inchangés", "Désactivés"]);
    for (label, counts) in report.rows() {
        table.add_row([
            label.to_owned(),
            counts.created.to_string(),
            counts.updated.to_string(),
            counts.unchanged.to_string(),
            counts.deactivated.to_string(),
        ]);
    }
    output::print_table(&table);
    if report.matched > 0 {
        println!(
            "{} compte(s) existant(s) reconnu(s) (import ONDE ou saisie précédente) : aucun doublon créé.",
            report.matched
        );
    }
    if report.without_account > 0 {
        println!(
            "{} responsable(s) sans autorité parentale (contacts, personnes en charge) : pas de compte.",
            report.without_account
        );
    }
    let ignored = &report.ignored;
    if ignored.structures + ignored.pupils + ignored.relations + ignored.staff > 0 {
        println!(
            "Ignorés (hors des établissements de ce nœud) : {} structure(s), {} élève(s), \
             {} responsable(s), {} personnel(s).",
            ignored.structures, ignored.pupils, ignored.relations, ignored.staff
        );
    }
    if report.unknown_deletions > 0 {
        println!(
            "{} suppression(s) de personnes que ce nœud n'a jamais eues : ignorées.",
            report.unknown_deletions
        );
    }
    for refused in &report.refused {
        println!("Laissé de côté : {refused}");
    }
    for warning in &report.warnings {
        println!("Attention : {warning}");
    }
    if report.dry_run {
        println!(
            "Simulation : rien n'a été écrit dans la base. Relancez sans --dry-run pour importer."
        );
    } else if report.changed_anything() {
        println!(
            "Import enregistré. Les nouveaux comptes attendent leur code d'activation : \
             ent-admin classes list --school UAI puis ent-admin sheets."
        );
    } else {
        println!("Rien n'a changé : la base était déjà à jour de ce flux.");
    }
    Ok(())
}
