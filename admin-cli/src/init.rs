//! Setting the node up and keeping it current: `init`, `migrate`, `keys rotate-jwt`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use ent_node::accounts::jwt::JwtKeys;
use ent_node::provisioning::init::{InitOptions, initialize};
use ent_node::store::{Db, Engine, MIGRATOR, engine_of};
use serde::Serialize;

use crate::context::load_config;
use crate::output::{self, Format};

/// Options of `ent-admin init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Nom de domaine public du nœud, sans http:// (ex. ent.ville-exemple.fr).
    #[arg(long, value_name = "DOMAINE")]
    pub domain: String,
    /// Nom affiché en haut de chaque page.
    #[arg(long, value_name = "NOM", default_value = "ENT")]
    pub name: String,
    /// Dossier des données (base SQLite, clés) ; un chemin relatif part du dossier courant.
    #[arg(long, value_name = "DOSSIER", default_value = "data")]
    pub data_dir: PathBuf,
    /// Adresse et port d'écoute du serveur.
    #[arg(long, value_name = "ADRESSE:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Adresse que les utilisateurs tapent dans leur navigateur (par défaut https://DOMAINE).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Base PostgreSQL (postgres://…) ; par défaut, SQLite dans le dossier des données.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Prénom de l'opérateur ; son identifiant sera prénom.nom.
    #[arg(long, value_name = "PRÉNOM", default_value = "Admin")]
    pub admin_first: String,
    /// Nom de l'opérateur.
    #[arg(long, value_name = "NOM", default_value = "ENT")]
    pub admin_last: String,
    /// Mot de passe de l'opérateur (8 caractères au moins) ; s'il est absent, il est généré et
    /// affiché une seule fois.
    #[arg(
        long,
        value_name = "MOT_DE_PASSE",
        env = "ENT_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
}

/// What `init --format json` prints.
#[derive(Serialize)]
struct InitOutput<'a> {
    #[serde(flatten)]
    report: &'a ent_node::provisioning::init::InitReport,
    database: &'static str,
    next_steps: Vec<String>,
}

/// `ent-admin init`: creates the configuration file, the database, the keys and the operator.
pub async fn init(config_path: &Path, format: Format, args: InitArgs) -> anyhow::Result<()> {
    // The operator follows the staff rule: long enough and not a common password.
    let min = ent_config::AccountsSection::default().staff_min_password_length;
    if let Some(password) = &args.admin_password {
        ent_node::accounts::password::check_strong(password, min)
            .map_err(|e| anyhow::anyhow!("--admin-password : {}", e.public_message()))?;
    }
    let engine = match &args.database_url {
        None => Engine::Sqlite,
        Some(url) => engine_of(url).with_context(
            || "--database-url : URL non reconnue (sqlite://CHEMIN ou postgres://… attendu)",
        )?,
    };
    let options = InitOptions {
        domain: args.domain,
        name: args.name,
        data_dir: args.data_dir,
        config_path: config_path.to_owned(),
        listen: args.listen,
        public_url: args.public_url,
        database_url: args.database_url,
        admin_name: (args.admin_first, args.admin_last),
        admin_password: args.admin_password,
    };
    let report = initialize(&options).await?;
    let database = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let config = format!("--config {}", config_path.display());
    let next_steps = vec![
        format!("ent-admin {config} school add --uai UAI --name \"École …\" --kind elementaire"),
        format!(
            "ent-admin {config} import onde --school UAI --pupils eleves.csv \
             --guardians responsables.csv --teachers enseignants.csv"
        ),
        format!("ent-admin {config} classes list --school UAI"),
        format!(
            "ent-admin {config} sheets --school UAI --class-name \"CM2 A\" --out fiches-cm2a.html"
        ),
        format!("ent-node {config}"),
    ];
    if format == Format::Json {
        return output::json(&InitOutput {
            report: &report,
            database,
            next_steps,
        });
    }
    let absolute = std::path::absolute(&report.data_dir).unwrap_or(report.data_dir.clone());
    let mut rows = vec![
        ("Configuration", report.config_path.display().to_string()),
        ("Dossier des données", absolute.display().to_string()),
        (
            "Base de données",
            match engine {
                Engine::Sqlite => format!("SQLite ({}/ent.db)", report.data_dir.display()),
                Engine::Postgres => "PostgreSQL (--database-url)".to_owned(),
            },
        ),
        (
            "Clés (API, nœud)",
            format!("{}/keys/", report.data_dir.display()),
        ),
        ("Empreinte du nœud", report.fingerprint.clone()),
        (
            "Identifiant de l'opérateur",
            report.admin_identifier.clone(),
        ),
    ];
    if let Some(password) = &report.admin_password {
        rows.push(("Mot de passe (généré)", password.clone()));
    }
    println!("Nœud initialisé :\n{}", output::record(&rows));
    if report.admin_password.is_some() {
        println!("Notez ce mot de passe maintenant : il ne sera plus jamais affiché.");
    }
    println!("\nÉtapes suivantes :");
    for (n, step) in next_steps.iter().enumerate() {
        println!("  {}. {step}", n + 1);
    }
    Ok(())
}

/// `ent-admin migrate`: applies the pending migrations of the configured database.
pub async fn migrate(config_path: &Path) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    let db = Db::connect(config.database.url.expose(), 2)
        .await
        .context("ouverture de la base de données")?;
    let result = db.migrate().await;
    db.close().await;
    result?;
    println!(
        "Schéma de la base à jour ({} migrations connues).",
        MIGRATOR.iter().count()
    );
    Ok(())
}

/// `ent-admin keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Ajoute une nouvelle clé de signature des jetons de l'API et garde la précédente pour
    /// vérifier les jetons déjà émis ; redémarrez ensuite ent-node.
    RotateJwt,
}

/// Runs a `keys` command.
pub fn keys(config_path: &Path, command: KeysCommand) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    match command {
        KeysCommand::RotateJwt => {
            let kid = JwtKeys::rotate(&config.node.data_dir).with_context(|| {
                format!(
                    "rotation des clés dans {}/keys impossible",
                    config.node.data_dir.display()
                )
            })?;
            println!(
                "Nouvelle clé de signature {kid} ajoutée dans {}/keys (la précédente reste \
                 valable pour vérifier).\nRedémarrez ent-node pour l'utiliser ; avec plusieurs \
                 serveurs, copiez d'abord ce dossier sur chacun.",
                config.node.data_dir.display()
            );
        }
    }
    Ok(())
}
