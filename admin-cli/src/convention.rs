//! `ent-admin convention`: the DANE's side of signed conventions (a key pair, signing a
//! document, checking one), and `links import`, the node's side.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use ent_config::NodeConfig;
use ent_config::convention::{self, ConventionError, Document, TrustedSigner};
use ent_node::federation::conventions::{self, Diff, Own, Plan};
use serde::Serialize;

use crate::Format;
use crate::context::{load_config, now, open_db};
use crate::output::{self, Refusal};

/// `convention` subcommands.
#[derive(Subcommand)]
pub enum ConventionCommand {
    /// Crée la clé de signature de la DANE (clé privée à garder secrète) et affiche sa clé
    /// publique, à inscrire dans [[federation.trusted_conventions]] de chaque nœud.
    Keygen {
        /// Fichier de la clé privée à créer (jamais écrasé).
        #[arg(long, value_name = "FICHIER")]
        out: PathBuf,
        /// Nom de la clé, tel que les nœuds l'affichent.
        #[arg(long, default_value = "DANE")]
        name: String,
        /// Académie dont la DANE signe avec cette clé.
        #[arg(long, default_value = "academie")]
        academie: String,
    },
    /// Vérifie puis signe une convention : la signature est ajoutée à la fin du fichier.
    Sign {
        /// La convention (TOML ou JSON).
        file: PathBuf,
        /// La clé privée de la DANE (ent-admin convention keygen).
        #[arg(long, value_name = "FICHIER")]
        key: PathBuf,
        /// Écrit la convention signée ailleurs que dans le fichier lui-même.
        #[arg(long, value_name = "FICHIER")]
        out: Option<PathBuf>,
    },
    /// Vérifie une convention signée : avec --public-key, contre cette clé ; sinon contre
    /// les clés de confiance, la clé et la version en vigueur de ce nœud (--config).
    Verify {
        /// La convention signée.
        file: PathBuf,
        /// Clé publique de la DANE (base64), pour vérifier sans nœud.
        #[arg(long, value_name = "CLÉ")]
        public_key: Option<String>,
    },
}

fn refused(error: ConventionError) -> anyhow::Error {
    Refusal {
        code: error.exit_code(),
        message: error.to_string(),
    }
    .into()
}

fn read(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("lecture de {}", file.display()))
}

/// Runs a `convention` command.
pub async fn run(
    config_path: &Path,
    format: Format,
    command: ConventionCommand,
) -> anyhow::Result<()> {
    match command {
        ConventionCommand::Keygen {
            out,
            name,
            academie,
        } => keygen(&out, &name, &academie, format),
        ConventionCommand::Sign { file, key, out } => {
            let pem = read(&key)?;
            let key = convention::read_key_pem(&pem).map_err(refused)?;
            let signed = convention::sign_text(&read(&file)?, &key).map_err(refused)?;
            let target = out.unwrap_or(file);
            std::fs::write(&target, &signed)
                .with_context(|| format!("écriture de {}", target.display()))?;
            let document = Document::parse(&signed).map_err(refused)?;
            println!(
                "Convention « {} » (académie {}), version {}, {} lien(s) : signée dans {}.",
                document.convention,
                document.academie,
                document.version,
                document.links.len(),
                target.display()
            );
            Ok(())
        }
        ConventionCommand::Verify {
            file,
            public_key: Some(key),
        } => {
            let text = read(&file)?;
            let document = Document::parse(&text).map_err(refused)?;
            let trusted = [TrustedSigner {
                name: "clé donnée".into(),
                academie: document.academie.clone(),
                public_key: key,
            }];
            convention::verify(&document, &trusted).map_err(refused)?;
            document.validate().map_err(refused)?;
            println!(
                "Signature valide : convention « {} » (académie {}), version {}, {} lien(s).",
                document.convention,
                document.academie,
                document.version,
                document.links.len()
            );
            Ok(())
        }
        ConventionCommand::Verify {
            file,
            public_key: None,
        } => import(config_path, format, &file, true).await,
    }
}

#[derive(Serialize)]
struct KeyOutput<'a> {
    name: &'a str,
    academie: &'a str,
    public_key: String,
    private_key_file: String,
}

fn keygen(out: &Path, name: &str, academie: &str, format: Format) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!(
            "{} existe déjà : une clé n'est jamais écrasée",
            out.display()
        );
    }
    let key = convention::generate_key();
    let pem = convention::write_key_pem(&key).map_err(refused)?;
    ent_node::store::write_private_file(out, pem.as_bytes())
        .with_context(|| format!("écriture de {}", out.display()))?;
    let public_key = convention::encode_public_key(&key.verifying_key());
    if format == Format::Json {
        return output::json(&KeyOutput {
            name,
            academie,
            public_key,
            private_key_file: out.display().to_string(),
        });
    }
    println!(
        "Clé privée écrite dans {} (lisible par vous seul : gardez-la secrète et sauvegardée).\n\n\
         À inscrire dans la configuration de chaque nœud de l'académie :\n\n\
         [[federation.trusted_conventions]]\nname = {name:?}\nacademie = {academie:?}\npublic_key = \"{public_key}\"",
        out.display()
    );
    Ok(())
}

#[derive(Serialize)]
struct ImportOutput<'a> {
    academie: &'a str,
    convention: &'a str,
    version: u64,
    signer: &'a str,
    unchanged: bool,
    applied: bool,
    diff: &'a Diff,
}

/// `links import FILE` (and `convention verify FILE` on a node, which never applies): checks
/// the convention against this node, shows what changes, and stores it unless `dry_run`.
pub async fn import(
    config_path: &Path,
    format: Format,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    let text = read(file)?;
    let own = own(&config)?;
    let db = open_db(&config).await?;
    let outcome = plan_and_apply(&db, &config, &own, &text, dry_run).await;
    db.close().await;
    let (plan, applied) = outcome.map_err(|error| match error {
        conventions::ImportError::Refused(error) => refused(error),
        other => other.into(),
    })?;
    show(&plan, applied, dry_run, format)
}

/// Checks `text` for this node and, unless `dry_run` or already in force, records it.
async fn plan_and_apply(
    db: &ent_node::store::Db,
    config: &NodeConfig,
    own: &Own,
    text: &str,
    dry_run: bool,
) -> Result<(Plan, bool), conventions::ImportError> {
    let plan = conventions::plan(db, config, own, text).await?;
    let applied = !dry_run && !plan.unchanged && conventions::apply(db, &plan, now()).await?;
    Ok((plan, applied))
}

/// This node as conventions name it.
pub fn own(config: &NodeConfig) -> anyhow::Result<Own> {
    Ok(Own::of(
        config,
        &crate::links::identity(config)?.fingerprint,
    ))
}

fn show(plan: &Plan, applied: bool, dry_run: bool, format: Format) -> anyhow::Result<()> {
    let document = &plan.document;
    if format == Format::Json {
        return output::json(&ImportOutput {
            academie: &document.academie,
            convention: &document.convention,
            version: document.version,
            signer: &plan.signer,
            unchanged: plan.unchanged,
            applied,
            diff: &plan.diff,
        });
    }
    println!(
        "Convention « {} » (académie {}), version {}, signée par « {} » : signature valide.",
        document.convention, document.academie, document.version, plan.signer
    );
    if plan.unchanged {
        println!("Cette version est déjà en vigueur : rien à changer.");
        return Ok(());
    }
    let mut table = output::table(["Changement", "ENT lié", "Convention", "Détail"]);
    for line in &plan.diff.added {
        table.add_row(["ajouté", &line.domain, &line.label, &line.terms]);
    }
    for line in &plan.diff.changed {
        table.add_row([
            "modifié",
            &line.domain,
            &line.label,
            &line.changes.join("\n"),
        ]);
    }
    for line in &plan.diff.removed {
        table.add_row([
            "retiré (le lien prend fin)",
            &line.domain,
            &line.label,
            &line.source,
        ]);
    }
    if plan.diff.is_empty() {
        println!("Aucun lien de ce nœud ne change.");
    } else {
        output::print_table(&table);
    }
    for note in &plan.diff.notes {
        println!("Attention : {note}");
    }
    if applied {
        println!(
            "\nVersion {} enregistrée. Rechargez le nœud pour l'appliquer : systemctl reload ent-node",
            document.version
        );
    } else if dry_run {
        println!("\nSimulation : rien n'a été enregistré.");
    }
    Ok(())
}
