//! `ent-admin links`: this node's identity as DANE staff exchange it, and the configured links.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use ent_federation::NodeIdentity;

use crate::Format;
use crate::context::load_config;
use crate::output;

/// `links` subcommands.
#[derive(Subcommand)]
pub enum LinksCommand {
    /// Affiche le domaine et l'empreinte de la clé de ce nœud : ce que l'on transmet au pair
    /// (et à la DANE) pour établir une convention.
    Identity,
}

#[derive(Serialize)]
struct IdentityOutput<'a> {
    domain: &'a str,
    fingerprint: &'a str,
    links_configured: usize,
}

/// Runs a `links` command.
pub fn run(config_path: &Path, format: Format, command: LinksCommand) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    match command {
        LinksCommand::Identity => {
            let identity =
                NodeIdentity::load_or_create(&config.node.data_dir).with_context(|| {
                    format!("clé du nœud dans {}/keys", config.node.data_dir.display())
                })?;
            let domain = ent_config::normalize_domain(&config.node.domain)
                .unwrap_or(config.node.domain.clone());
            if format == Format::Json {
                return output::json(&IdentityOutput {
                    domain: &domain,
                    fingerprint: &identity.fingerprint,
                    links_configured: config.links.len(),
                });
            }
            let table = output::record(&[
                ("Domaine", domain.clone()),
                ("Empreinte SHA-256", identity.fingerprint_grouped()),
                ("Conventions configurées", config.links.len().to_string()),
            ]);
            println!("{table}");
            println!(
                "\nTransmettez ce domaine et cette empreinte au nœud pair ; il les inscrit dans une \
                 entrée [[links]] de sa configuration, et vous inscrivez les siens dans la vôtre."
            );
        }
    }
    Ok(())
}
