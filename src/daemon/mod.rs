//! The daemon: run every configured job on its schedule (see [`jobs`]),
//! record each run through one store writer, serve the read-only page,
//! reload the config on SIGHUP, stop cleanly on SIGTERM/SIGINT.
//!
//! Shutdown: a watch channel says stop; no job starts a run; a run in
//! flight stops sending, gives its hosts [`SCAN_GRACE`], commits its last
//! batch and is recorded as interrupted (derived at the next start); the
//! web server drains its connections.
//!
//! Reload ([`reload`]): a valid new config goes to the supervisor through
//! a watch channel: jobs are added, changed (from their next run) and
//! removed; an invalid file is logged and ignored.

pub mod assets;
pub mod jobs;
pub mod netns;
pub mod passive;
pub mod reload;
pub mod signals;

use crate::config::Settings;
use crate::fingerprint::Engine;
use crate::scan;
use crate::store::{DeriveOptions, FileAccess, Store, StoreError};
use crate::timefmt;
use crate::web::{self, AppState};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, watch};

/// How long a running scan may go on after a stop is asked for.
pub const SCAN_GRACE: Duration = Duration::from_secs(3);

/// Why the daemon could not start (once running, it does not stop on errors).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The web listener failed.
    #[error("web listener on {addr}: {source}")]
    Listen {
        /// Where.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The fingerprint rules did not load.
    #[error("fingerprint rules: {0}")]
    Rules(String),
    /// The SNMP client could not start.
    #[error("SNMP: {0}")]
    Snmp(String),
    /// The page's users or token file are not usable.
    #[error(transparent)]
    Auth(#[from] web::auth::AuthError),
    /// The page's certificate or key are not usable.
    #[error(transparent)]
    Tls(#[from] web::tls::TlsError),
    /// The page's built-in text catalogues do not load (a broken build).
    #[error(transparent)]
    Catalogue(#[from] web::i18n::CatalogueError),
}

/// A stop signal shared by the daemon's tasks.
#[derive(Clone)]
pub struct Stop {
    rx: watch::Receiver<bool>,
}

impl Stop {
    /// A stop signal and the sender that fires it.
    pub fn new() -> (watch::Sender<bool>, Stop) {
        let (tx, rx) = watch::channel(false);
        (tx, Stop { rx })
    }

    /// Resolves once a stop was asked for.
    pub async fn wait(&mut self) {
        let _ = self.rx.wait_for(|v| *v).await;
    }

    /// Whether a stop was asked for.
    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }

    /// The channel itself (true once a stop is asked for).
    pub fn receiver(&self) -> watch::Receiver<bool> {
        self.rx.clone()
    }
}

/// Run until `stop` fires; each message on `reload` reads `config_path`
/// again. `listener` (and `redirect`, for `web.redirect_http`) are already
/// bound (so the page can live in another
/// network namespace than the scanner, see [`netns`]).
pub async fn run(
    settings: Settings,
    config_path: &Path,
    listener: std::net::TcpListener,
    redirect: Option<std::net::TcpListener>,
    stop: Stop,
    reload: mpsc::UnboundedReceiver<()>,
) -> Result<(), DaemonError> {
    web::i18n::check()?;
    let auth = web::auth::Auth::from_settings(&settings.web, config_path)?;
    let tls = match &settings.web.tls {
        Some(files) => Some(web::tls::server_config(files, config_path)?),
        None => None,
    };
    let engine = Arc::new(
        Engine::builtin()
            .map_err(|e| DaemonError::Rules(e.to_string()))?
            .with_overrides(settings.vendors.clone()),
    );
    let access = FileAccess {
        group: settings.db_group.clone(),
    };
    let mut store = Store::open_with(&settings.db_path, &access)?;
    let stale = store.close_stale_scans(&timefmt::system(SystemTime::now()))?;
    if stale > 0 {
        tracing::warn!(
            stale,
            "marked scans left running by an earlier stop as interrupted"
        );
    }
    // Take in what an earlier stop left unapplied (and rebuild after a
    // schema upgrade) before the page shows anything.
    let derive_opts = DeriveOptions {
        policy: Arc::new(settings.policy.clone()),
        ..DeriveOptions::default()
    };
    let applied = store.ensure_derived(&engine, &derive_opts)?;
    if applied > 0 {
        tracing::info!(runs = applied, "derived tables brought up to date");
    }
    if let Some(file) = &settings.assets.file {
        let outcome =
            assets::import_if_changed(&mut store, file, &timefmt::system(SystemTime::now()));
        assets::log_outcome(file, &outcome);
    }
    let des_salt = crate::store::snmp::des_salt_state(store.connection())
        .map_err(|e| DaemonError::Snmp(e.to_string()))?;
    // The SNMP client must be able to start (each job makes its own).
    crate::snmp::Collector::new(crate::snmp::CollectorOptions {
        des_salt: Some(des_salt.clone()),
        ..crate::snmp::CollectorOptions::default()
    })
    .await
    .map_err(|e| DaemonError::Snmp(e.to_string()))?;

    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    listener
        .set_nonblocking(true)
        .map_err(|source| DaemonError::Listen {
            addr: addr.clone(),
            source,
        })?;
    let listener =
        tokio::net::TcpListener::from_std(listener).map_err(|source| DaemonError::Listen {
            addr: addr.clone(),
            source,
        })?;
    let nofile = web::serve::raise_descriptor_limit();
    let limits = web::serve::Limits::for_descriptors(nofile);
    let state = AppState::new(
        settings.db_path.clone(),
        settings.scans_anything(),
        config_path.display().to_string(),
    );
    state.jobs().configure(&settings.jobs);
    let board = state.jobs().clone();
    let hosts = web::guard::Hosts::new(&settings.web.hosts);
    let scheme = if tls.is_some() { "https" } else { "http" };
    // The redirect listener takes a quarter of the connection budget.
    let mut page_limits = limits;
    if let Some(r) = redirect {
        let quarter = (limits.max_connections / 4).max(web::serve::MIN_CONNECTIONS);
        page_limits.max_connections = limits
            .max_connections
            .saturating_sub(quarter)
            .max(web::serve::MIN_CONNECTIONS);
        let redirect_limits = web::serve::Limits {
            max_connections: quarter,
            ..limits
        };
        spawn_redirect(
            r,
            state.clone(),
            hosts.clone(),
            settings.listen.port(),
            redirect_limits,
            stop.clone(),
        )?;
    }
    let app = web::guard::guard(web::auth::protect(web::app(state.clone()), auth), hosts);
    let mut web_stop = stop.clone();
    let shutdown = async move { web_stop.wait().await };
    let web = match tls {
        Some(cfg) => tokio::spawn(web::serve::serve(
            listener,
            web::tls::Tls::new(cfg),
            app,
            page_limits,
            shutdown,
        )),
        None => tokio::spawn(web::serve::serve(
            listener,
            web::serve::Plain,
            app,
            page_limits,
            shutdown,
        )),
    };
    tracing::info!(
        %addr,
        max_connections = page_limits.max_connections,
        descriptor_limit = nofile,
        "status page at {scheme}://{addr}/"
    );

    let db_path = settings.db_path.clone();
    let (settings_tx, settings_rx) = watch::channel(Arc::new(settings));
    let (writer, handle) = crate::store::writer::Writer::start(store, engine, derive_opts);
    let reloader = tokio::spawn(reload_on_request(
        reload,
        config_path.to_path_buf(),
        settings_tx,
        state,
        handle.clone(),
    ));
    // A reloaded [policy] holds from the next finished run on.
    let policy_follower = {
        let mut rx = settings_rx.clone();
        let handle = handle.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let policy = Arc::new(rx.borrow_and_update().policy.clone());
                if let Err(e) = handle.set_policy(policy).await {
                    tracing::warn!(error = %e, "could not hand the reloaded [policy] to the store");
                }
            }
        })
    };
    // Alerts stop after the jobs, so the last runs' findings go out too.
    let (alerts_stop_tx, alerts_stop) = watch::channel(false);
    let mut alerts = tokio::spawn(crate::alert::dispatch::run(
        settings_rx.clone(),
        db_path,
        handle.clone(),
        alerts_stop,
    ));
    // Passive listening stops with the jobs and commits its last interval.
    let mut listening = tokio::spawn(passive::run(
        settings_rx.clone(),
        handle.clone(),
        stop.receiver(),
    ));
    jobs::supervise(
        settings_rx,
        config_path,
        handle,
        Some(des_salt),
        board,
        stop.receiver(),
    )
    .await;
    if tokio::time::timeout(Duration::from_secs(5), &mut listening)
        .await
        .is_err()
    {
        listening.abort();
        tracing::warn!("passive listening did not stop in time; its last interval is lost");
    }
    let _ = alerts_stop_tx.send(true);
    let bound = crate::alert::dispatch::STOP_GRACE * 2 + Duration::from_secs(3);
    if tokio::time::timeout(bound, &mut alerts).await.is_err() {
        // Its writer handle must go, or the writer never ends.
        alerts.abort();
        tracing::warn!(
            "the alerts did not stop in time; events after the last recorded one are sent at the next start"
        );
    }
    // Every handle is gone once the jobs, the alerts, the policy follower
    // and the reloader are: the writer ends.
    policy_follower.abort();
    let _ = policy_follower.await;
    reloader.abort();
    let _ = reloader.await;
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    let _ = tokio::time::timeout(web::serve::DRAIN + Duration::from_secs(2), web).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serve `web.redirect_http` through the same accept loop as the page:
/// `/healthz`, and a redirect to the HTTPS page.
fn spawn_redirect(
    listener: std::net::TcpListener,
    state: AppState,
    hosts: web::guard::Hosts,
    https_port: u16,
    limits: web::serve::Limits,
    mut stop: Stop,
) -> Result<(), DaemonError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let listen_err = |source| DaemonError::Listen {
        addr: addr.clone(),
        source,
    };
    listener.set_nonblocking(true).map_err(listen_err)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(listen_err)?;
    tokio::spawn(web::serve::serve(
        listener,
        web::serve::Plain,
        web::guard::guard(web::redirect::app(state, https_port), hosts),
        limits,
        async move { stop.wait().await },
    ));
    tracing::info!(
        %addr,
        max_connections = limits.max_connections,
        "plain HTTP on {addr}: /healthz and a redirect to HTTPS"
    );
    Ok(())
}

/// Read the config again for every request on `requests`, publishing each
/// valid result to the scheduler; an invalid file leaves the old settings.
async fn reload_on_request(
    mut requests: mpsc::UnboundedReceiver<()>,
    path: PathBuf,
    settings: watch::Sender<Arc<Settings>>,
    state: AppState,
    writer: crate::store::writer::Handle,
) {
    while requests.recv().await.is_some() {
        let running = settings.borrow().clone();
        let loaded = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || reload::reload(&path, &running)).await
        };
        match loaded {
            Ok(Ok(r)) => {
                for note in &r.notes {
                    tracing::warn!("{note}");
                }
                tracing::info!(
                    config = %path.display(),
                    jobs = r.settings.jobs.len(),
                    targets = %scan::describe(&r.settings.all_targets()),
                    "config reloaded; each job takes it from its next run"
                );
                state.set_configured(r.settings.scans_anything());
                state.jobs().configure(&r.settings.jobs);
                if let Some(file) = r.settings.assets.file.clone() {
                    assets::reimport(&writer, file).await;
                }
                let _ = settings.send(Arc::new(r.settings));
            }
            Ok(Err(e)) => {
                tracing::error!("config reload refused, the running config stays: {e}");
            }
            Err(e) => tracing::error!(error = %e, "config reload failed"),
        }
    }
}

/// Where to keep a demo's database.
pub fn demo_db(dir: &Path) -> PathBuf {
    dir.join("pandian-demo.db")
}
