//! `ent-admin config check|example`.

use std::path::Path;

use clap::Subcommand;
use ent_config::{NodeConfig, Problem};
use ent_node::store::{Engine, engine_of};
use serde::Serialize;

use crate::output::{self, Format, Reported};

/// `ent-admin config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Vérifie le fichier --config (et les variables ENT__…) et signale chaque clé invalide :
    /// clé, valeur, raison.
    Check,
    /// Affiche un exemple de configuration commenté, à copier puis adapter.
    Example,
}

/// What `config check --format json` prints.
#[derive(Serialize)]
struct CheckOutput<'a> {
    file: String,
    valid: bool,
    problems: &'a [Problem],
}

/// Runs a `config` command.
pub fn run(path: &Path, format: Format, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Example => {
            print!("{}", ent_config::EXAMPLE);
            Ok(())
        }
        ConfigCommand::Check => check(path, format),
    }
}

fn check(path: &Path, format: Format) -> anyhow::Result<()> {
    let (config, problems) = match NodeConfig::load(path) {
        Ok(config) => (Some(config), Vec::new()),
        Err(error) => (None, error.0),
    };
    if format == Format::Json {
        output::json(&CheckOutput {
            file: path.display().to_string(),
            valid: problems.is_empty(),
            problems: &problems,
        })?;
    } else if let Some(config) = &config {
        println!("{} : configuration valide.", path.display());
        println!("{}", output::record(&summary(config)));
    } else {
        eprintln!(
            "{} : {} problème(s) dans la configuration :",
            path.display(),
            problems.len()
        );
        let mut table = output::table(["Clé", "Valeur", "Problème"]);
        for problem in &problems {
            table.add_row([
                problem.key.clone(),
                problem.value.clone(),
                problem.why.clone(),
            ]);
        }
        eprintln!("{table}");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Reported.into())
    }
}

/// The values an operator checks at a glance (never a secret).
fn summary(config: &NodeConfig) -> Vec<(&'static str, String)> {
    let engine = match engine_of(config.database.url.expose()) {
        Some(Engine::Sqlite) => "SQLite",
        Some(Engine::Postgres) => "PostgreSQL",
        None => "inconnue",
    };
    vec![
        ("Domaine", config.node.domain.clone()),
        ("Nom", config.node.name.clone()),
        ("Adresse publique", config.public_url()),
        (
            "Dossier des données",
            config.node.data_dir.display().to_string(),
        ),
        ("Base de données", engine.to_owned()),
        ("Écoute", config.server.listen.clone()),
        (
            "TLS",
            if config.serves_tls() {
                "servi par ent-node"
            } else {
                "par un proxy (ou aucun)"
            }
            .to_owned(),
        ),
    ]
}
