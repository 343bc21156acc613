//! The daemon's alert task: at start and after every run the writer
//! finishes, read the finding events after the `alert_state` cursor (with
//! their findings), hand each to every destination's worker, and move the
//! cursor to the last event every worker is finished with (delivered,
//! filtered out or given up). A SIGHUP that changes `[alerts]` starts
//! workers for new destinations (from the events after that point), stops
//! removed ones, and keeps the others running.
//!
//! Never twice: within a run of the daemon each worker sees each event
//! once; across a clean stop the workers finish (or give up) everything
//! handed to them before the cursor is written. After a crash, events
//! after the cursor that some destinations already had may reach them
//! again: webhook bodies and `Idempotency-Key` carry the event id, syslog
//! messages its `event_id` parameter, for a receiver to drop repeats.

use super::send::{Destination, Worker};
use crate::config::Settings;
use crate::store::writer::Handle;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Events read from the store at a time.
const PAGE: usize = 256;

/// How long workers may take to finish what they hold when the daemon
/// stops (each remaining alert gets one try within it).
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// This machine's host name (for syslog HOSTNAME and the webhook `host`).
fn system_hostname() -> String {
    crate::files::read_capped(Path::new("/proc/sys/kernel/hostname"), 256)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "-".into())
}

/// The name alerts carry.
fn hostname_of(settings: &Settings) -> Arc<str> {
    settings
        .alerts
        .hostname
        .clone()
        .unwrap_or_else(system_hostname)
        .into()
}

/// Read up to [`PAGE`] events after `after`, and the cursor, from `db`.
async fn read_page(db: PathBuf, after: i64) -> Result<(i64, Vec<super::Alert>), String> {
    let r = tokio::task::spawn_blocking(move || {
        let store = crate::store::Store::open_read_only(&db).map_err(|e| e.to_string())?;
        let conn = store.connection();
        let cursor = crate::store::alerts::cursor(conn).map_err(|e| e.to_string())?;
        let events = crate::store::alerts::events_after(conn, after.max(cursor), PAGE)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((cursor, events))
    })
    .await;
    r.map_err(|e| e.to_string())?
}

/// The alert task's state.
struct Dispatcher {
    db: PathBuf,
    writer: Handle,
    workers: Vec<Worker>,
    progress: Arc<Notify>,
    hostname: Arc<str>,
    /// The last event handed to the workers.
    handed: i64,
    /// The cursor as last written (or read).
    cursor: i64,
}

impl Dispatcher {
    /// Start, stop and keep workers so they match `settings`.
    async fn reconcile(&mut self, settings: &Settings) {
        let wanted = Destination::all(&settings.alerts);
        let hostname = hostname_of(settings);
        let renamed = hostname != self.hostname;
        self.hostname = hostname;
        let mut keep = Vec::new();
        for w in std::mem::take(&mut self.workers) {
            if !renamed && wanted.contains(w.destination()) {
                keep.push(w);
            } else {
                let label = w.destination().label();
                let done = w.finish(STOP_GRACE).await;
                tracing::info!(destination = %label, last_event = done, "alert destination removed or changed by the config");
            }
        }
        for dest in wanted {
            if keep.iter().any(|w| *w.destination() == dest) {
                continue;
            }
            tracing::info!(destination = %dest.label(), from_event = self.handed + 1, "alert destination started");
            keep.push(Worker::spawn(
                dest,
                self.hostname.clone(),
                self.handed,
                self.progress.clone(),
            ));
        }
        self.workers = keep;
    }

    /// Hand every event after `handed` to the workers (pages of [`PAGE`],
    /// waiting on full queues), moving the cursor as they finish.
    async fn pass(&mut self, stop: &mut watch::Receiver<bool>) {
        for _ in 0..100_000 {
            let (cursor, events) = match read_page(self.db.clone(), self.handed).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read finding events for alerts; trying again after the next run");
                    return;
                }
            };
            // A rebuild moves the cursor to the newest event: skip to it.
            self.cursor = self.cursor.max(cursor);
            self.handed = self.handed.max(cursor);
            let Some(last) = events.last().map(|a| a.event_id) else {
                break;
            };
            for alert in events {
                let alert = Arc::new(alert);
                for w in &self.workers {
                    tokio::select! {
                        ok = w.push(alert.clone()) => {
                            if !ok {
                                tracing::error!(destination = %w.destination().label(), "alert worker ended unexpectedly");
                            }
                        }
                        _ = stop.wait_for(|v| *v) => return,
                    }
                }
                self.handed = alert.event_id;
            }
            self.handed = self.handed.max(last);
            self.advance().await;
        }
    }

    /// Write the cursor: the last event every worker is finished with.
    async fn advance(&mut self) {
        let to = self
            .workers
            .iter()
            .map(Worker::done)
            .min()
            .unwrap_or(self.handed)
            .min(self.handed);
        if to > self.cursor {
            match self.writer.advance_alert_cursor(to).await {
                Ok(_) => self.cursor = to,
                Err(e) => {
                    tracing::error!(error = %e, "cannot record how far the alerts got; they are not sent again while Pandian runs")
                }
            }
        }
    }
}

/// Run the alert task until `stop`, then let the workers finish within
/// [`STOP_GRACE`] and write the cursor. `db` is the database file (read
/// through its own read-only connection); the cursor is written through
/// `writer`.
pub async fn run(
    mut settings: watch::Receiver<Arc<Settings>>,
    db: PathBuf,
    writer: Handle,
    mut stop: watch::Receiver<bool>,
) {
    let mut finished = writer.runs_finished();
    let first = settings.borrow_and_update().clone();
    let mut d = Dispatcher {
        db,
        writer,
        workers: Vec::new(),
        progress: Arc::new(Notify::new()),
        hostname: hostname_of(&first),
        handed: 0,
        cursor: 0,
    };
    match read_page(d.db.clone(), i64::MAX).await {
        Ok((cursor, _)) => {
            d.cursor = cursor;
            d.handed = cursor;
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the alert cursor; alerts start after the next run")
        }
    }
    d.reconcile(&first).await;
    // Events an earlier stop left (or the start's own derivation made).
    d.pass(&mut stop).await;
    enum Wake {
        Stop,
        Run,
        Settings,
        Progress,
    }
    loop {
        let wake = tokio::select! {
            _ = stop.wait_for(|v| *v) => Wake::Stop,
            changed = finished.changed() => if changed.is_err() { Wake::Stop } else { Wake::Run },
            changed = settings.changed() => if changed.is_err() { Wake::Stop } else { Wake::Settings },
            () = d.progress.notified() => Wake::Progress,
        };
        match wake {
            Wake::Stop => break,
            Wake::Run => d.pass(&mut stop).await,
            Wake::Settings => {
                let s = settings.borrow_and_update().clone();
                d.reconcile(&s).await;
            }
            Wake::Progress => d.advance().await,
        }
    }
    // The last runs' events too, then the workers finish what they hold.
    let (_never, mut no_stop) = watch::channel(false);
    let _ = tokio::time::timeout(STOP_GRACE, d.pass(&mut no_stop)).await;
    let mut finishing = tokio::task::JoinSet::new();
    for w in std::mem::take(&mut d.workers) {
        finishing.spawn(w.finish(STOP_GRACE));
    }
    let mut last = d.handed;
    while let Some(done) = finishing.join_next().await {
        last = last.min(done.unwrap_or(d.cursor));
    }
    if last > d.cursor && d.writer.advance_alert_cursor(last).await.is_ok() {
        d.cursor = last;
    }
    tracing::debug!(cursor = d.cursor, "alerts stopped");
}
