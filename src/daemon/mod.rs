//! The daemon: scan on an interval, store each scan in one transaction,
//! serve the read-only page, reload the config on SIGHUP, stop cleanly on
//! SIGTERM/SIGINT.
//!
//! Shutdown: a watch channel says stop; the scheduler stops starting scans,
//! a running scan gets [`SCAN_GRACE`] to finish and commit, then is recorded
//! as interrupted; the web server drains its connections.
//!
//! Reload ([`reload`]): a valid new config is handed to the scheduler
//! through a watch channel and used from the next scan; an invalid one is
//! logged and ignored.

pub mod netns;
pub mod reload;
pub mod signals;

use crate::config::Settings;
use crate::fingerprint::Engine;
use crate::pipeline::{self, Probes, RunPlan};
use crate::scan;
use crate::snmp::{Collector, CollectorOptions, Depth};
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
/// again. `listener` is already bound (so the page can live in another
/// network namespace than the scanner, see [`netns`]).
pub async fn run(
    settings: Settings,
    config_path: &Path,
    listener: std::net::TcpListener,
    stop: Stop,
    reload: mpsc::UnboundedReceiver<()>,
) -> Result<(), DaemonError> {
    let engine = Engine::builtin().map_err(|e| DaemonError::Rules(e.to_string()))?;
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
    let applied = store.ensure_derived(&engine, &DeriveOptions::default())?;
    if applied > 0 {
        tracing::info!(runs = applied, "derived tables brought up to date");
    }
    let des_salt = crate::store::snmp::des_salt_state(store.connection())
        .map_err(|e| DaemonError::Snmp(e.to_string()))?;
    let collector = Collector::new(collector_options(&settings, Some(des_salt)))
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
        !settings.subnets.is_empty(),
        config_path.display().to_string(),
    );
    let mut web_stop = stop.clone();
    let web = tokio::spawn(web::serve::serve(
        listener,
        web::serve::Plain,
        web::app(state.clone()),
        limits,
        async move { web_stop.wait().await },
    ));
    tracing::info!(
        %addr,
        max_connections = limits.max_connections,
        descriptor_limit = nofile,
        "status page at http://{addr}/"
    );

    let (settings_tx, settings_rx) = watch::channel(Arc::new(settings));
    let reloader = tokio::spawn(reload_on_request(
        reload,
        config_path.to_path_buf(),
        settings_tx,
        state,
    ));
    schedule(
        settings_rx,
        config_path,
        &mut store,
        collector,
        &engine,
        stop.clone(),
    )
    .await;
    reloader.abort();
    let _ = tokio::time::timeout(web::serve::DRAIN + Duration::from_secs(2), web).await;
    tracing::info!("stopped");
    Ok(())
}

/// Read the config again for every request on `requests`, publishing each
/// valid result to the scheduler; an invalid file leaves the old settings.
async fn reload_on_request(
    mut requests: mpsc::UnboundedReceiver<()>,
    path: PathBuf,
    settings: watch::Sender<Arc<Settings>>,
    state: AppState,
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
                    targets = %scan::describe(&r.settings.subnets),
                    "config reloaded; it takes effect from the next scan"
                );
                state.set_configured(!r.settings.subnets.is_empty());
                let _ = settings.send(Arc::new(r.settings));
            }
            Ok(Err(e)) => {
                tracing::error!("config reload refused, the running config stays: {e}");
            }
            Err(e) => tracing::error!(error = %e, "config reload failed"),
        }
    }
}

fn collector_options(s: &Settings, des_salt: Option<async_snmp::DesSaltState>) -> CollectorOptions {
    CollectorOptions {
        des_salt,
        timeout: s.snmp_timeout,
        retries: s.snmp_retries,
        depth: if s.snmp_full {
            Depth::Full
        } else {
            Depth::System
        },
        ..CollectorOptions::default()
    }
}

fn plan_of(s: &Settings, seed: u64) -> RunPlan {
    RunPlan {
        targets: s.subnets.clone(),
        exclude: s.exclude.clone(),
        rate: s.rate,
        probe_timeout: s.probe_timeout,
        passes: 2,
        probes: Probes {
            dns: s.reverse_dns,
            ..Probes::default()
        },
        resolv_conf: s.resolv_conf.clone(),
        credentials: s.credentials.clone(),
        concurrency: 64,
        seed,
    }
}

/// Scan every `interval` (measured from the start of the last scan) with
/// the newest settings, until `stop`.
async fn schedule(
    mut settings: watch::Receiver<Arc<Settings>>,
    config_path: &Path,
    store: &mut Store,
    mut collector: Collector,
    engine: &Engine,
    mut stop: Stop,
) {
    let mut last_start: Option<tokio::time::Instant> = None;
    let mut last_prune: Option<tokio::time::Instant> = None;
    let mut warned_empty = false;
    let mut round = 0u64;
    loop {
        let current = settings.borrow_and_update().clone();
        let wanted = collector_options(&current, collector.options().des_salt.clone());
        if (wanted.timeout, wanted.retries, wanted.depth)
            != (
                collector.options().timeout,
                collector.options().retries,
                collector.options().depth,
            )
        {
            match Collector::new(wanted).await {
                Ok(c) => collector = c,
                Err(e) => {
                    tracing::error!(error = %e, "SNMP options from the reloaded config could not be applied; keeping the old ones")
                }
            }
        }
        let due = match (current.subnets.is_empty(), last_start) {
            (true, _) => None,
            (false, None) => Some(tokio::time::Instant::now()),
            (false, Some(t)) => Some(t + current.interval),
        };
        if current.subnets.is_empty() && !warned_empty {
            tracing::warn!(config = %config_path.display(), "no subnets configured: scanning nothing; add [scan] subnets to the config");
            warned_empty = true;
        }
        let wait = async {
            match due {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = wait => {}
            _ = stop.wait() => return,
            changed = settings.changed() => {
                if changed.is_err() {
                    return;
                }
                warned_empty = false;
                continue;
            }
        }
        last_start = Some(tokio::time::Instant::now());
        round += 1;
        let seed = round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id());
        let plan = plan_of(&current, seed);
        let _ = pipeline::execute(
            "default",
            &plan,
            &collector,
            Some(engine),
            Some(store),
            false,
            Some(stop.receiver()),
            SCAN_GRACE,
        )
        .await;
        if let Some(keep) = current.retention {
            let due = last_prune.is_none_or(|t| t.elapsed() >= Duration::from_secs(86_400));
            if due {
                last_prune = Some(tokio::time::Instant::now());
                prune(store, keep);
            }
        }
        if stop.is_set() {
            return;
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
