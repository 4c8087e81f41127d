//! `ent-admin guests list|expire|estimate`: guest accounts of the node, their expiry, and how
//! many each link needs against its quota.

use std::path::Path;

use clap::Subcommand;
use ent_config::{NodeConfig, Scope};
use ent_node::guests::estimate::{self, Estimate};
use ent_node::guests::store as guests;
use ent_node::store::Db;
use serde::Serialize;

use crate::context::{load_config, now, open_db};
use crate::output::{self, Format, Reported};

/// `ent-admin guests …`.
#[derive(Debug, Subcommand)]
pub enum GuestsCommand {
    /// Liste les comptes invités : ceux des ENT liés et les invités locaux.
    List {
        /// Seulement les invités venus de cet ENT lié (domaine).
        #[arg(long, value_name = "DOMAINE")]
        link: Option<String>,
    },
    /// Fait expirer les invités d'un ENT lié (--link), ou ceux dont la date de fin est passée.
    ///
    /// Les comptes expirés sont désactivés (sessions fermées) et sortis de leurs espaces ; ce
    /// qu'ils ont écrit reste, attribué à un « ancien membre ».
    Expire {
        /// Tous les invités encore valables de cet ENT lié (domaine).
        #[arg(long, value_name = "DOMAINE")]
        link: Option<String>,
    },
    /// Estime les comptes invités nécessaires par convention qui permet les espaces, face à
    /// son quota ; code de sortie 1 si un quota serait dépassé.
    ///
    /// Besoin = invités en cours + prévus, où prévus = effectifs des invitations envoyées
    /// (ouvertes ou acceptées) − invités déjà admis dans leurs espaces. Code de sortie 1 si
    /// un besoin dépasse le quota (guest_quota) de sa convention, avec l'écart.
    Estimate {
        /// Seulement cette convention (domaine de l'ENT lié).
        #[arg(long, value_name = "DOMAINE")]
        link: Option<String>,
    },
}

/// A guest as `list` prints it.
#[derive(Serialize)]
struct GuestItem {
    #[serde(flatten)]
    guest: guests::Guest,
    state: &'static str,
}

/// Runs a `guests` command.
pub async fn run(path: &Path, format: Format, command: GuestsCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let result = match command {
        GuestsCommand::List { link } => list(&db, format, link.as_deref()).await,
        GuestsCommand::Expire { link } => expire(&db, format, link.as_deref()).await,
        GuestsCommand::Estimate { link } => estimate(&db, &config, format, link.as_deref()).await,
    };
    db.close().await;
    result
}

/// The normalised form of a `--link` domain.
fn domain(link: &str) -> anyhow::Result<String> {
    ent_config::normalize_domain(link)
        .ok_or_else(|| anyhow::anyhow!("--link : domaine invalide « {link} »"))
}

/// The last valid day of a guest (stored as the following midnight).
fn last_day(expires_at: i64) -> String {
    output::date(expires_at - 1)
}

async fn list(db: &Db, format: Format, link: Option<&str>) -> anyhow::Result<()> {
    let peer = link.map(domain).transpose()?;
    let items: Vec<GuestItem> = guests::list(db, peer.as_deref())
        .await?
        .into_iter()
        .map(|guest| GuestItem {
            state: if guest.expired_at == 0 {
                "valable"
            } else {
                "expiré"
            },
            guest,
        })
        .collect();
    if format == Format::Json {
        return output::json(&items);
    }
    let mut table = output::table([
        "Nom",
        "Identifiant",
        "Origine",
        "Jusqu'au",
        "État",
        "Acteur distant",
    ]);
    for item in &items {
        let g = &item.guest;
        table.add_row([
            g.display_name.clone(),
            g.identifier.clone(),
            if g.peer.is_empty() {
                "invité local".to_owned()
            } else {
                g.peer.clone()
            },
            last_day(g.expires_at),
            match g.expired_at {
                0 => item.state.to_owned(),
                at => format!("expiré le {}", output::date(at)),
            },
            g.remote_actor.clone().unwrap_or_else(|| "—".into()),
        ]);
    }
    output::print_table(&table);
    println!("{} compte(s) invité(s).", items.len());
    Ok(())
}

async fn expire(db: &Db, format: Format, link: Option<&str>) -> anyhow::Result<()> {
    let peer = link.map(domain).transpose()?;
    let count = guests::expire(db, None, peer.as_deref(), now()).await?;
    if format == Format::Json {
        return output::json(&serde_json::json!({ "expired": count, "link": peer }));
    }
    match peer {
        Some(peer) => println!("{count} compte(s) invité(s) de {peer} expiré(s)."),
        None => println!("{count} compte(s) invité(s) arrivé(s) à échéance expiré(s)."),
    }
    Ok(())
}

/// One line of `estimate`.
#[derive(Serialize)]
struct EstimateLine {
    label: String,
    #[serde(flatten)]
    estimate: Estimate,
    fits: bool,
    over_by: i64,
}

async fn estimate(
    db: &Db,
    config: &NodeConfig,
    format: Format,
    link: Option<&str>,
) -> anyhow::Result<()> {
    let only = link.map(domain).transpose()?;
    let in_force = crate::links::in_force(config, db).await?;
    let links: Vec<_> = in_force
        .iter()
        .filter(|l| l.allows(Scope::Spaces))
        .filter(|l| only.as_ref().is_none_or(|d| *d == l.normalized_domain()))
        .collect();
    if links.is_empty() {
        anyhow::bail!(match only {
            Some(d) => format!("aucune convention avec le périmètre spaces pour {d}"),
            None => "aucune convention avec le périmètre spaces : pas d'invités à prévoir".into(),
        });
    }
    let mut lines = Vec::new();
    for l in links {
        let estimate = estimate::estimate(db, &l.normalized_domain(), l.guest_quota).await?;
        lines.push(EstimateLine {
            label: l.label.clone(),
            fits: estimate.fits(),
            over_by: estimate.over_by(),
            estimate,
        });
    }
    if format == Format::Json {
        output::json(&lines)?;
    } else {
        print_estimates(&lines);
    }
    if lines.iter().all(|l| l.fits) {
        Ok(())
    } else {
        Err(Reported.into())
    }
}

fn print_estimates(lines: &[EstimateLine]) {
    let mut table = output::table([
        "ENT lié",
        "Convention",
        "Quota",
        "En cours",
        "Invités (effectifs)",
        "Déjà admis",
        "Prévus",
        "Besoin",
        "Suffisant",
    ]);
    for l in lines {
        let e = &l.estimate;
        table.add_row([
            e.peer.clone(),
            l.label.clone(),
            e.quota.to_string(),
            e.in_use.to_string(),
            e.invited_headcount.to_string(),
            e.admitted.to_string(),
            e.planned.to_string(),
            e.needed.to_string(),
            output::yes_no(l.fits),
        ]);
    }
    output::print_table(&table);
    println!(
        "Besoin = en cours + prévus ; prévus = effectifs des invitations envoyées (ouvertes ou \
         acceptées) − invités déjà admis dans leurs espaces."
    );
    for l in lines.iter().filter(|l| !l.fits) {
        println!(
            "La convention avec {} dépasserait son quota de {} compte(s) invité(s) (besoin {}, \
             quota {}) : augmentez guest_quota des deux côtés ou réduisez les invitations.",
            l.estimate.peer, l.over_by, l.estimate.needed, l.estimate.quota
        );
    }
}
