//! `ent-admin spaces closed|reopen`: spaces closed less than 30 days ago, and reopening one
//! (its members on every node find it again).

use std::path::Path;

use clap::Subcommand;
use ent_node::spaces::SpaceError;
use ent_node::spaces::service::{self, REOPEN_DAYS};
use ent_node::state::AppState;
use serde::Serialize;

use crate::context::{load_config, open_db};
use crate::output::{self, Format};

/// `ent-admin spaces …`.
#[derive(Debug, Subcommand)]
pub enum SpacesCommand {
    /// Liste les espaces fermés depuis moins de 30 jours (ceux qu'on peut rouvrir).
    Closed,
    /// Rouvre un espace fermé depuis moins de 30 jours ; ses membres le retrouvent sur chaque
    /// ENT.
    Reopen {
        /// Identifiant de l'espace (donné par ent-admin spaces closed).
        id: String,
    },
}

/// A closed space as `closed` prints it.
#[derive(Serialize)]
struct ClosedItem {
    id: String,
    title: String,
    school: String,
    closed_on: String,
    reopenable_until: String,
}

/// Runs a `spaces` command.
pub async fn run(path: &Path, format: Format, command: SpacesCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let db = open_db(&config).await?;
    let state = AppState::new(db.clone(), config)?;
    let result = match command {
        SpacesCommand::Closed => closed(&state, format).await,
        SpacesCommand::Reopen { id } => reopen(state, format, &id).await,
    };
    db.close().await;
    result
}

async fn closed(state: &AppState, format: Format) -> anyhow::Result<()> {
    let items: Vec<ClosedItem> = service::recently_closed(state)
        .await?
        .into_iter()
        .map(|(space, _)| ClosedItem {
            closed_on: output::date(space.closed_at),
            reopenable_until: output::date(space.closed_at + REOPEN_DAYS * 86_400),
            id: space.id,
            title: space.title,
            school: space.host_school,
        })
        .collect();
    if format == Format::Json {
        return output::json(&items);
    }
    if items.is_empty() {
        println!("Aucun espace fermé depuis moins de {REOPEN_DAYS} jours.");
    }
    for item in &items {
        println!(
            "{}  « {} » ({}) fermé le {}, peut être rouvert jusqu'au {}",
            item.id, item.title, item.school, item.closed_on, item.reopenable_until
        );
    }
    Ok(())
}

async fn reopen(state: AppState, format: Format, id: &str) -> anyhow::Result<()> {
    // With links, what goes to member nodes is queued as the node itself would (its delivery
    // workers send it): the federation is built from the configuration, links as last checked.
    let state = ent_node::server::with_federation(state).await?;
    if let Some(federation) = &state.federation {
        ent_federation::checker::restore(federation.shared()).await;
    }
    let space = match service::reopen(&state, id.trim(), None).await {
        Ok(space) => space,
        Err(SpaceError::Refused(message)) => anyhow::bail!("{message}"),
        Err(SpaceError::Storage(e)) => return Err(e.into()),
    };
    if format == Format::Json {
        return output::json(
            &serde_json::json!({ "id": space.id, "title": space.title, "reopened": true }),
        );
    }
    println!(
        "« {} » est rouvert : ses membres le retrouvent dans « Mes espaces ».",
        space.title
    );
    Ok(())
}
