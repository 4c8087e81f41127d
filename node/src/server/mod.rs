//! Starting and stopping the HTTP(S) server.

pub mod listen;

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use ent_config::NodeConfig;

use crate::app::router;
use crate::federation::conventions;
use crate::state::AppState;
use crate::store::Db;

/// Opens and migrates the database named by the configuration, then builds the state.
pub async fn prepare(config: NodeConfig) -> anyhow::Result<AppState> {
    prepare_with_clock(config, crate::store::Clock::default()).await
}

/// As [`prepare`], with a given clock (tests restarting a node keep its shifted time).
pub async fn prepare_with_clock(
    config: NodeConfig,
    clock: crate::store::Clock,
) -> anyhow::Result<AppState> {
    install_crypto();
    crate::store::create_private_dir(&config.node.data_dir).with_context(|| {
        format!(
            "dossier de données {} impossible à créer",
            config.node.data_dir.display()
        )
    })?;
    let db = Db::connect(
        config.database.url.expose(),
        config.database.max_connections,
    )
    .await?;
    db.migrate().await?;
    let mut state = AppState::new(db, config)?;
    state.clock = clock;
    with_federation(state).await
}

/// Turns federation on when links are in force (hand-written `[[links]]`, or links of signed
/// conventions, whose configured files are read first): loads the node identity (made by
/// `ent-admin init`, or now for tests and demos) and builds the federation handle.
pub async fn with_federation(mut state: AppState) -> anyhow::Result<AppState> {
    let config = state.config.clone();
    if config.links.is_empty() && config.federation.trusted_conventions.is_empty() {
        return Ok(state);
    }
    let identity = ent_federation::NodeIdentity::load_or_create(&config.node.data_dir)?;
    let own = conventions::Own::of(&config, &identity.fingerprint);
    conventions::import_files(&state.db, &config, &own, state.clock.now()).await;
    let in_force = conventions::links_in_force(&state.db, &config, &own).await?;
    if in_force.links.is_empty() {
        return Ok(state);
    }
    let federation = crate::federation::start(
        &config,
        &in_force.links,
        state.db.clone(),
        state.clock.clone(),
        identity,
    )
    .await?;
    state
        .metrics
        .register_federation(&federation.shared().metrics);
    state.federation = Some(federation);
    Ok(state)
}

/// Applies the links of a re-read configuration (SIGHUP, or after `ent-admin links import`):
/// its convention files are read, then the links in force replace the running ones. Returns
/// how many links are in force; federation off at start stays off (a restart turns it on).
pub async fn reload_links(state: &AppState, config: &NodeConfig) -> anyhow::Result<usize> {
    let Some(federation) = &state.federation else {
        let has_any = !config.links.is_empty() || !config.federation.convention_files.is_empty();
        if has_any {
            tracing::warn!("federation was off at start: restart the node to turn it on");
        }
        return Ok(0);
    };
    let own = conventions::Own::of(config, &federation.shared().identity.fingerprint);
    conventions::import_files(&state.db, config, &own, state.clock.now()).await;
    let in_force = conventions::links_in_force(&state.db, config, &own).await?;
    federation.reload(&in_force.links).await;
    Ok(in_force.links.len())
}

/// Background jobs of the node other than federation's; they stop with [`Workers::stop`] (or
/// when this handle is dropped).
pub struct Workers {
    stop: tokio::sync::watch::Sender<bool>,
}

impl Workers {
    /// Asks the jobs to stop.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Every minute, tells the audiences of news items, mots and homework whose time came (after the quiet
/// hours, or scheduled), until `shutdown` turns true.
fn start_publications(state: AppState, shutdown: tokio::sync::watch::Receiver<bool>) {
    crate::jobs::every(std::time::Duration::from_secs(60), shutdown, move || {
        let state = state.clone();
        async move {
            crate::news::run_once(&state).await;
            crate::liaison::run_once(&state).await;
            crate::homework::run_once(&state).await;
        }
    });
}

/// Starts the federation workers (link checker, delivery workers) if federation is on, and the
/// daily expiry of guests (its first pass runs before this returns), and the messagerie's job
/// (held messages delivered, old trash purged).
pub async fn start_workers(state: &AppState) -> Workers {
    if let Some(federation) = &state.federation {
        federation.start().await;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    crate::spaces::start_file_copies(state, stopped.clone());
    crate::messaging::start(state.clone(), stopped.clone());
    crate::agenda::start(state.clone(), stopped.clone());
    start_publications(state.clone(), stopped.clone());
    crate::notifications::start(state.clone(), stopped.clone());
    crate::guests::expiry::start(
        state.db.clone(),
        state.clock.clone(),
        state.federation.clone(),
        stopped,
    )
    .await;
    Workers { stop }
}

/// Installs rustls's ring provider once per process (rustls refuses to pick one implicitly when
/// several could be compiled in); a second call is harmless.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Serves until SIGTERM or ctrl-c, then lets in-flight requests finish (up to 10 s) and closes
/// the database so SQLite checkpoints its journal.
pub async fn run(state: AppState) -> anyhow::Result<()> {
    let addr = state.config.listen_addr();
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("écoute sur {addr} impossible"))?;
    run_on(state, listener).await
}

/// As [`run`], on a listener the caller bound already (the demo binds before printing).
pub async fn run_on(state: AppState, listener: std::net::TcpListener) -> anyhow::Result<()> {
    serve(state, listener, shutdown_signal()).await
}

/// Serves `state` on an already bound listener, over TLS when the configuration names a
/// certificate and key, until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    install_crypto();
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let db = state.db.clone();
    let tls = match (&state.config.server.tls_cert, &state.config.server.tls_key) {
        (Some(cert), Some(key)) => Some(listen::tls_acceptor(cert, key)?),
        _ => None,
    };
    let limits = listen::Limits::of(&state.config.server);
    let workers = start_workers(&state).await;
    let federation = state.federation.clone();
    let app = router(state);
    let listener = TcpListener::from_std(listener)?;
    if tls.is_some() {
        tracing::info!(%addr, "serving HTTPS");
    } else {
        tracing::info!(%addr, "serving HTTP");
    }
    listen::serve(listener, tls, app, limits, shutdown).await;
    // Workers stop between deliveries; one in flight is sent again after restart, and the
    // receiver drops the replay by activity id.
    if let Some(federation) = federation {
        federation.stop();
    }
    workers.stop();
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (service managers) or ctrl-c (a terminal). The handlers are installed
/// here, when called, not when first polled: a SIGTERM arriving between "serving" and the
/// first poll would otherwise kill the process instead of stopping it gracefully.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(interrupt) => {},
            }
            tracing::info!("shutdown requested");
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown requested");
    }
}

/// A node serving in the background on an already bound listener (tests, demo).
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts serving `state` on `listener` (HTTPS when the configuration names a certificate),
    /// with the federation workers.
    pub fn start(state: AppState, listener: TcpListener) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        let listener = listener.into_std()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(error) = serve(state, listener, shutdown).await {
                tracing::error!(%error, "server failed");
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Stops accepting, waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}
