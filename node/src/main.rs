//! `ent-node`: the ENT server.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use ent_config::NodeConfig;

/// The ENT server of a school or municipality.
#[derive(Parser)]
#[command(
    name = "ent-node",
    version,
    about = "Serveur ENT : sert le portail, les classes et l'API d'un nœud."
)]
struct Cli {
    /// Configuration file (TOML). Every key can be overridden by ENT__SECTION__KEY.
    #[arg(long, short, env = "ENT_CONFIG", default_value = "ent.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the node described by --config (the default).
    Serve,
    /// Start a demonstration node on SQLite with a seeded école, and print how to sign in.
    Demo {
        /// Folder for the demo's data (created if missing, reset with --reset).
        #[arg(long, default_value = "ent-demo")]
        dir: PathBuf,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Delete the folder first.
        #[arg(long)]
        reset: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("démarrage impossible : {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&cli.config).await,
            Command::Demo { dir, listen, reset } => ent_node::demo::run(&dir, &listen, reset).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("erreur : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(path: &std::path::Path) -> anyhow::Result<()> {
    let config = NodeConfig::load(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    ent_node::ops::logging::init(&config.logging);
    let state = ent_node::server::prepare(config).await?;
    // Installed before serving: a SIGHUP's default action would end the process.
    #[cfg(unix)]
    if let Ok(hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        tokio::spawn(reload_links_on_sighup(
            hangup,
            path.to_owned(),
            state.clone(),
        ));
    }
    ent_node::server::run(state).await
}

/// `systemctl reload` (SIGHUP) re-reads the configuration, its convention files and the
/// conventions in force, and applies the links at once:
/// a removed link stops and is purged, a new one is checked, a changed fingerprint sends the
/// link back to "en attente" until checked again, new dates apply at once. Other settings need
/// a restart.
#[cfg(unix)]
async fn reload_links_on_sighup(
    mut hangup: tokio::signal::unix::Signal,
    path: std::path::PathBuf,
    state: ent_node::AppState,
) {
    while hangup.recv().await.is_some() {
        match NodeConfig::load(&path) {
            Err(error) => {
                tracing::error!(%error, "reload refused: configuration invalid, links unchanged")
            }
            Ok(config) => match ent_node::server::reload_links(&state, &config).await {
                Ok(links) => tracing::info!(links, "links reloaded"),
                Err(error) => tracing::error!(%error, "reload failed, links unchanged"),
            },
        }
    }
}
