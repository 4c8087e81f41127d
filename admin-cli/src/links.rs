//! `ent-admin links`: this node's identity as DANE staff exchange it, a live check of every
//! configured link, and the state and queue of each.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use ent_config::NodeConfig;
use ent_federation::NodeIdentity;
use ent_node::federation::{conventions, store};
use ent_node::store::Clock;

use crate::Format;
use crate::context::{load_config, open_db};
use crate::output::{self, Reported};

/// `links` subcommands.
#[derive(Subcommand)]
pub enum LinksCommand {
    /// Affiche le domaine et l'empreinte de la clé de ce nœud : ce que l'on transmet au pair
    /// (et à la DANE) pour établir une convention.
    Identity,
    /// Teste chaque convention : pair joignable, empreinte, réciprocité, décalage d'horloge,
    /// périmètres. Code de sortie 1 si une convention n'est pas active.
    Check,
    /// Affiche l'état de chaque convention, sa file d'envoi et son dernier envoi réussi.
    List,
    /// Importe une convention signée par la DANE : vérifie la signature, garde les liens qui
    /// nomment ce nœud, montre ce qui change et l'enregistre (sauf --dry-run).
    Import {
        /// La convention signée (TOML ou JSON).
        file: std::path::PathBuf,
        /// Montre seulement ce qui changerait.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Serialize)]
struct IdentityOutput<'a> {
    domain: &'a str,
    fingerprint: &'a str,
    links_configured: usize,
}

#[derive(Serialize)]
struct ListLine {
    domain: String,
    label: String,
    source: String,
    state: String,
    reason: String,
    valid_until: String,
    queue_depth: i64,
    oldest_pending_at: Option<i64>,
    last_success_at: Option<i64>,
    delivered: i64,
    failed: i64,
}

/// The links in force: `[[links]]` and the stored conventions' links naming this node.
pub async fn in_force(
    config: &NodeConfig,
    db: &ent_node::store::Db,
) -> anyhow::Result<Vec<ent_config::LinkConfig>> {
    let own = crate::convention::own(config)?;
    Ok(conventions::links_in_force(db, config, &own).await?.links)
}

/// The node's key pair (made now if missing, as `ent-node` would).
pub fn identity(config: &NodeConfig) -> anyhow::Result<NodeIdentity> {
    NodeIdentity::load_or_create(&config.node.data_dir)
        .with_context(|| format!("clé du nœud dans {}/keys", config.node.data_dir.display()))
}

/// Runs a `links` command.
pub async fn run(config_path: &Path, format: Format, command: LinksCommand) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    match command {
        LinksCommand::Import { file, dry_run } => {
            crate::convention::import(config_path, format, &file, dry_run).await
        }
        LinksCommand::Identity => show_identity(&config, format).await,
        LinksCommand::Check => check(&config, format).await,
        LinksCommand::List => list(&config, format).await,
    }
}

async fn show_identity(config: &NodeConfig, format: Format) -> anyhow::Result<()> {
    let identity = identity(config)?;
    let domain = conventions::Own::of(config, &identity.fingerprint).domain;
    let configured = match open_db(config).await {
        Ok(db) => {
            let links = in_force(config, &db).await;
            db.close().await;
            links?.len()
        }
        Err(_) => config.links.len(),
    };
    if format == Format::Json {
        return output::json(&IdentityOutput {
            domain: &domain,
            fingerprint: &identity.fingerprint,
            links_configured: configured,
        });
    }
    let table = output::record(&[
        ("Domaine", domain.clone()),
        ("Empreinte SHA-256", identity.fingerprint_grouped()),
        ("Conventions configurées", configured.to_string()),
    ]);
    println!("{table}");
    println!(
        "\nTransmettez ce domaine et cette empreinte au nœud pair ; il les inscrit dans une \
         entrée [[links]] de sa configuration, et vous inscrivez les siens dans la vôtre."
    );
    Ok(())
}

async fn check(config: &NodeConfig, format: Format) -> anyhow::Result<()> {
    let db = open_db(config).await?;
    let links = in_force(config, &db).await?;
    if links.is_empty() {
        db.close().await;
        anyhow::bail!("aucune convention [[links]] configurée : la fédération est désactivée");
    }
    let federation = ent_node::federation::start(
        config,
        &links,
        db.clone(),
        Clock::default(),
        identity(config)?,
    )
    .await?;
    let reports = federation.inspect_links().await;
    db.close().await;
    let all_active = reports
        .iter()
        .all(|r| r.state == ent_federation::LinkState::Active);
    if format == Format::Json {
        output::json(&reports)?;
    } else {
        let mut table = output::table([
            "ENT lié",
            "Joignable",
            "Empreinte",
            "Réciproque",
            "Décalage d'horloge",
            "Périmètres (nous / eux)",
            "État",
        ]);
        for r in &reports {
            let scopes = |s: &[ent_config::Scope]| {
                s.iter()
                    .map(|s| format!("{s:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            table.add_row([
                r.domain.clone(),
                output::yes_no(r.reachable),
                output::yes_no(r.fingerprint_ok),
                output::yes_no(r.reciprocal),
                r.clock_skew_secs.map_or("?".into(), |s| format!("{s:+} s")),
                format!("{} / {}", scopes(&r.scopes), scopes(&r.peer_scopes)),
                match r.state.reason() {
                    "" => r.state.label().to_owned(),
                    reason => format!("{} : {reason}", r.state.label()),
                },
            ]);
        }
        println!("{table}");
    }
    if all_active {
        Ok(())
    } else {
        Err(Reported.into())
    }
}

async fn list(config: &NodeConfig, format: Format) -> anyhow::Result<()> {
    let db = open_db(config).await?;
    let records = store::load_peers(&db).await?;
    let mut lines = Vec::new();
    for link in &in_force(config, &db).await? {
        let domain = link.normalized_domain();
        let record = records.iter().find(|r| r.domain == domain);
        let queue = store::queue(&db, &domain).await?;
        let today = chrono::Utc::now().date_naive();
        let state = match record {
            _ if !link.in_force_on(today) => ("expired".to_owned(), String::new()),
            Some(r) => (r.state.clone(), r.reason.clone()),
            None => (
                "pending".to_owned(),
                "pas encore vérifiée par le nœud".to_owned(),
            ),
        };
        lines.push(ListLine {
            label: link.label.clone(),
            source: link.source.describe(),
            state: state.0,
            reason: state.1,
            valid_until: link.valid_until.clone(),
            queue_depth: queue.depth,
            oldest_pending_at: queue.oldest_created_at,
            last_success_at: record.map(|r| r.last_success_at).filter(|t| *t > 0),
            delivered: record.map_or(0, |r| r.delivered_count),
            failed: record.map_or(0, |r| r.failed_count),
            domain,
        });
    }
    db.close().await;
    if format == Format::Json {
        return output::json(&lines);
    }
    let mut table = output::table([
        "ENT lié",
        "Convention",
        "Origine",
        "État",
        "Jusqu'au",
        "En file",
        "Plus ancien en file",
        "Dernier succès",
        "Envoyés / échecs",
    ]);
    let when = |t: Option<i64>| {
        t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map_or("—".into(), |d| d.format("%d/%m/%Y %H:%M").to_string())
    };
    for l in &lines {
        let state = ent_federation::LinkState::label_of_key(&l.state);
        table.add_row([
            l.domain.clone(),
            l.label.clone(),
            l.source.clone(),
            if l.reason.is_empty() {
                state.to_owned()
            } else {
                format!("{state} ({})", l.reason)
            },
            l.valid_until.clone(),
            l.queue_depth.to_string(),
            when(l.oldest_pending_at),
            when(l.last_success_at),
            format!("{} / {}", l.delivered, l.failed),
        ]);
    }
    println!("{table}");
    Ok(())
}
