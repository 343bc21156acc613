//! The daemon: scan on an interval, store each scan in one transaction,
//! serve the read-only page, stop cleanly on SIGTERM/Ctrl-C.
//!
//! Shutdown: a watch channel says stop; the scheduler stops starting scans,
//! a running scan gets [`SCAN_GRACE`] to finish and commit, then is recorded
//! as interrupted; the web server drains its connections.

pub mod netns;

use crate::config::Settings;
use crate::fingerprint::Engine;
use crate::pipeline::{self, Probes, RunPlan};
use crate::snmp::{Collector, CollectorOptions, Depth};
use crate::store::{DeriveOptions, Store, StoreError};
use crate::timefmt;
use crate::web::{self, AppState};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

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

/// Fire `tx` on SIGTERM or Ctrl-C.
pub fn stop_on_signals(tx: watch::Sender<bool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch SIGTERM; Ctrl-C still works");
                    let _ = tokio::signal::ctrl_c().await;
                    let _ = tx.send(true);
                    return;
                }
            };
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
                _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: stopping"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = tx.send(true);
    });
}

/// Run until `stop` fires. `listener` is already bound (so the page can
/// live in another network namespace than the scanner, see [`netns`]).
pub async fn run(
    settings: Settings,
    config_path: &Path,
    listener: std::net::TcpListener,
    stop: Stop,
) -> Result<(), DaemonError> {
    let engine = Engine::builtin().map_err(|e| DaemonError::Rules(e.to_string()))?;
    let mut store = Store::open(&settings.db_path)?;
    let stale = store.close_stale_scans(&timefmt::system(SystemTime::now()))?;
    if stale > 0 {
        tracing::warn!(
            stale,
            "marked scans left running by an earlier stop as interrupted"
        );
    }
    // Take in what an earlier stop left unapplied (and rebuild after a
    // schema upgrade) before the page shows anything.
    let applied = store.ensure_derived(&engine, &DeriveOptions::default())?;
    if applied > 0 {
        tracing::info!(runs = applied, "derived tables brought up to date");
    }
    let des_salt = crate::store::snmp::des_salt_state(store.connection())
        .map_err(|e| DaemonError::Snmp(e.to_string()))?;
    let collector = Collector::new(CollectorOptions {
        des_salt: Some(des_salt),
        timeout: settings.snmp_timeout,
        retries: settings.snmp_retries,
        depth: if settings.snmp_full {
            Depth::Full
        } else {
            Depth::System
        },
        ..CollectorOptions::default()
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
    let state = AppState::new(
        settings.db_path.clone(),
        !settings.subnets.is_empty(),
        config_path.display().to_string(),
    );
    let mut web_stop = stop.clone();
    let web = tokio::spawn(async move {
        let served = axum::serve(listener, web::app(state))
            .with_graceful_shutdown(async move { web_stop.wait().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "web server stopped");
        }
    });
    tracing::info!(%addr, "status page at http://{addr}/");

    if settings.subnets.is_empty() {
        tracing::warn!(config = %config_path.display(), "no subnets configured: scanning nothing; add [scan] subnets to the config");
        let mut s = stop.clone();
        s.wait().await;
    } else {
        schedule(&settings, &mut store, &collector, &engine, stop.clone()).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), web).await;
    tracing::info!("stopped");
    Ok(())
}

async fn schedule(
    settings: &Settings,
    store: &mut Store,
    collector: &Collector,
    engine: &Engine,
    mut stop: Stop,
) {
    let mut plan = RunPlan {
        targets: settings.subnets.clone(),
        exclude: settings.exclude.clone(),
        rate: settings.rate,
        probe_timeout: settings.probe_timeout,
        passes: 2,
        probes: Probes {
            dns: settings.reverse_dns,
            ..Probes::default()
        },
        resolv_conf: settings.resolv_conf.clone(),
        credentials: settings.credentials.clone(),
        concurrency: 64,
        seed: 0,
    };
    let mut last_prune: Option<tokio::time::Instant> = None;
    for round in 0u64.. {
        let next = tokio::time::Instant::now() + settings.interval;
        plan.seed = round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id());
        let _ = pipeline::execute(
            "default",
            &plan,
            collector,
            Some(engine),
            Some(store),
            false,
            Some(stop.receiver()),
            SCAN_GRACE,
        )
        .await;
        if let Some(keep) = settings.retention {
            let due = last_prune.is_none_or(|t| t.elapsed() >= Duration::from_secs(86_400));
            if due {
                last_prune = Some(tokio::time::Instant::now());
                prune(store, keep);
            }
        }
        if stop.is_set() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = stop.wait() => return,
        }
    }
}

/// Drop observations superseded longer than `keep` ago (once a day).
fn prune(store: &mut Store, keep: Duration) {
    let now = SystemTime::now();
    let cutoff = now.checked_sub(keep).unwrap_or(std::time::UNIX_EPOCH);
    match store.prune(&timefmt::system(cutoff)) {
        Ok(0) => {}
        Ok(rows) => tracing::info!(rows, "pruned superseded observations past store.retention"),
        Err(e) => {
            tracing::warn!(error = %e, "could not prune old observations; will try again tomorrow")
        }
    }
}

/// Where to keep a demo's database.
pub fn demo_db(dir: &Path) -> PathBuf {
    dir.join("pandian-demo.db")
}
