//! One writer: the store lives on a thread of its own and every change
//! comes to it as a command, so runs of several jobs can record at the same
//! time (their batches interleave; each commit is its own transaction)
//! while readers use connections of their own.

use super::{Applied, DeriveOptions, RunEnd, RunStart, Store, StoreError};
use crate::fingerprint::Engine;
use crate::record::Seen;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

/// [`RunStart`] with owned strings (it crosses to the writer thread).
#[derive(Debug, Clone)]
pub struct RunStartOwned {
    /// The job's name.
    pub job: String,
    /// The run's one timestamp.
    pub started_at: String,
    /// What it sweeps.
    pub targets: String,
    /// What it leaves out.
    pub exclude: String,
    /// Addresses swept.
    pub addresses: usize,
    /// Addresses the exclusions took out.
    pub excluded: usize,
    /// Packets per second.
    pub rate: u32,
    /// Credential names.
    pub credentials: Vec<String>,
    /// Whether the run sends segment-wide probes (kept in its parameters:
    /// the rogue-DHCP finding is judged only by runs that asked).
    pub segment_probes: bool,
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Cmd {
    Begin(RunStartOwned, Reply<i64>),
    Record(i64, Vec<Seen>, Reply<()>),
    Finish(i64, RunEnd, Reply<Applied>),
    Abandon(i64, String, String, String, Reply<()>),
    Param(i64, &'static str, String, Reply<()>),
    Preferred(Reply<HashMap<IpAddr, String>>),
    Prune(String, Reply<usize>),
    Policy(std::sync::Arc<crate::audit::Policy>, Reply<()>),
    AlertCursor(i64, Reply<bool>),
    ImportAssets(
        Box<AssetImport>,
        Reply<Option<super::assets::ImportSummary>>,
    ),
}

/// A register to import through the writer ([`Handle::import_assets`]).
#[derive(Debug, Clone)]
pub struct AssetImport {
    /// The validated register.
    pub register: crate::assets::Register,
    /// The file it came from, as recorded.
    pub file: String,
    /// The file's SHA-256.
    pub sha256: String,
    /// The import's time (RFC 3339).
    pub now: String,
}

/// A handle to the writer; cheap to clone. The writer stops when every
/// handle is gone and hands the store back from [`Writer::join`].
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Cmd>,
    finished: watch::Receiver<i64>,
}

/// The writer thread.
pub struct Writer {
    thread: Option<std::thread::JoinHandle<Store>>,
}

/// The writer is gone (its thread ended).
fn gone(path: &std::path::Path) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source: rusqlite::Error::InvalidQuery,
    }
}

impl Writer {
    /// Move `store` onto a writer thread deriving with `engine`.
    pub fn start(store: Store, engine: Arc<Engine>, opts: DeriveOptions) -> (Writer, Handle) {
        let (tx, mut rx) = mpsc::channel::<Cmd>(16);
        let (finished_tx, finished) = watch::channel(0i64);
        let thread = std::thread::Builder::new()
            .name("pandian-store".into())
            .spawn(move || {
                let mut store = store;
                let mut opts = opts;
                while let Some(cmd) = rx.blocking_recv() {
                    match cmd {
                        Cmd::Begin(s, reply) => {
                            let r = store
                                .begin_run(&RunStart {
                                    job: &s.job,
                                    started_at: &s.started_at,
                                    targets: &s.targets,
                                    exclude: &s.exclude,
                                    addresses: s.addresses,
                                    excluded: s.excluded,
                                    rate: s.rate,
                                    credentials: s.credentials.clone(),
                                })
                                .and_then(|id| {
                                    if s.segment_probes {
                                        store.set_run_param(id, "segment_probes", "true")?;
                                    }
                                    Ok(id)
                                });
                            let _ = reply.send(r);
                        }
                        Cmd::Record(run, seen, reply) => {
                            let _ = reply.send(store.record(run, &seen));
                        }
                        Cmd::Finish(run, end, reply) => {
                            let r = store.finish_run(run, &end, &engine, &opts);
                            if r.is_ok() {
                                // Whoever reads what a run derived (the alerts).
                                finished_tx.send_replace(run);
                            }
                            let _ = reply.send(r);
                        }
                        Cmd::Abandon(run, at, status, error, reply) => {
                            let _ = reply
                                .send(store.end_run_without_results(run, &at, &status, &error));
                        }
                        Cmd::Param(run, key, value, reply) => {
                            let _ = reply.send(store.set_run_param(run, key, &value));
                        }
                        Cmd::Preferred(reply) => {
                            let _ = reply.send(store.preferred_credentials());
                        }
                        Cmd::Prune(cutoff, reply) => {
                            let _ = reply.send(store.prune(&cutoff));
                        }
                        Cmd::Policy(policy, reply) => {
                            opts.policy = policy;
                            let _ = reply.send(Ok(()));
                        }
                        Cmd::AlertCursor(to, reply) => {
                            let r =
                                super::alerts::advance(store.connection(), to).map_err(|source| {
                                    StoreError::Sqlite {
                                        path: store.path().to_path_buf(),
                                        source,
                                    }
                                });
                            let _ = reply.send(r);
                        }
                        Cmd::ImportAssets(a, reply) => {
                            let r = store
                                .import_assets(&a.register, &a.file, &a.sha256, &a.now, true)
                                .and_then(|done| {
                                    // The findings follow the register at once.
                                    if done.is_some() {
                                        store.reevaluate_findings(&opts)?;
                                    }
                                    Ok(done)
                                });
                            let _ = reply.send(r);
                        }
                    }
                }
                store
            });
        let thread = thread.ok();
        (Writer { thread }, Handle { tx, finished })
    }

    /// Wait for the writer to finish (every handle dropped); the store.
    pub fn join(mut self) -> Option<Store> {
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl Handle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let path = std::path::PathBuf::from("(writer)");
        self.tx.send(make(tx)).await.map_err(|_| gone(&path))?;
        rx.await.map_err(|_| gone(&path))?
    }

    fn ask_blocking<T>(&self, make: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let path = std::path::PathBuf::from("(writer)");
        self.tx.blocking_send(make(tx)).map_err(|_| gone(&path))?;
        rx.blocking_recv().map_err(|_| gone(&path))?
    }

    /// [`Store::begin_run`].
    pub async fn begin_run(&self, s: RunStartOwned) -> Result<i64, StoreError> {
        self.ask(|r| Cmd::Begin(s, r)).await
    }

    /// [`Store::record`].
    pub async fn record(&self, run: i64, seen: Vec<Seen>) -> Result<(), StoreError> {
        self.ask(|r| Cmd::Record(run, seen, r)).await
    }

    /// [`Store::record`], from a blocking context (a sink).
    pub fn record_blocking(&self, run: i64, seen: Vec<Seen>) -> Result<(), StoreError> {
        self.ask_blocking(|r| Cmd::Record(run, seen, r))
    }

    /// [`Store::finish_run`].
    pub async fn finish_run(&self, run: i64, end: RunEnd) -> Result<Applied, StoreError> {
        self.ask(|r| Cmd::Finish(run, end, r)).await
    }

    /// [`Store::end_run_without_results`].
    pub async fn end_run_without_results(
        &self,
        run: i64,
        at: String,
        status: &str,
        error: String,
    ) -> Result<(), StoreError> {
        let status = status.to_string();
        self.ask(|r| Cmd::Abandon(run, at, status, error, r)).await
    }

    /// [`Store::set_run_param`]: `value` is JSON.
    pub async fn set_run_param(
        &self,
        run: i64,
        key: &'static str,
        value: String,
    ) -> Result<(), StoreError> {
        self.ask(|r| Cmd::Param(run, key, value, r)).await
    }

    /// [`Store::preferred_credentials`].
    pub async fn preferred_credentials(&self) -> Result<HashMap<IpAddr, String>, StoreError> {
        self.ask(Cmd::Preferred).await
    }

    /// Evaluate findings of the runs finished from now on against `policy`
    /// (a reloaded `[policy]`).
    pub async fn set_policy(
        &self,
        policy: std::sync::Arc<crate::audit::Policy>,
    ) -> Result<(), StoreError> {
        self.ask(|r| Cmd::Policy(policy, r)).await
    }

    /// The id of the run most recently finished and derived (0: none yet
    /// since the writer started); changes after every [`Handle::finish_run`].
    pub fn runs_finished(&self) -> watch::Receiver<i64> {
        self.finished.clone()
    }

    /// Move `alert_state.last_event_id` forward to `to` (never back, see
    /// [`super::alerts::advance`]). Returns whether it moved.
    pub async fn advance_alert_cursor(&self, to: i64) -> Result<bool, StoreError> {
        self.ask(|r| Cmd::AlertCursor(to, r)).await
    }

    /// [`Store::import_assets`], skipped (None) when the newest import
    /// has the same content.
    pub async fn import_assets(
        &self,
        import: AssetImport,
    ) -> Result<Option<super::assets::ImportSummary>, StoreError> {
        self.ask(|r| Cmd::ImportAssets(Box::new(import), r)).await
    }

    /// [`Store::prune`].
    pub async fn prune(&self, cutoff: String) -> Result<usize, StoreError> {
        self.ask(|r| Cmd::Prune(cutoff, r)).await
    }
}
