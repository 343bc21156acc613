//! The jobs supervisor: one task per configured job, each running its job
//! on its schedule and never overlapping itself; a reload adds, changes and
//! removes jobs without touching the others. Every run goes through
//! [`pipeline::execute`] to the store's single writer.

use super::SCAN_GRACE;
use crate::config::Settings;
use crate::job::{Job, JobChanges};
use crate::pipeline::{self, Recorder, RunPlan};
use crate::schedule;
use crate::snmp::{Collector, CollectorOptions};
use crate::store::writer::Handle;
use crate::web::api::jobs::JobBoard;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What one job task needs besides its job: the SNMP settings shared by
/// every job and the resolver configuration.
#[derive(Debug, Clone, PartialEq)]
struct Shared {
    snmp_timeout: Duration,
    snmp_retries: u32,
    resolv_conf: Option<PathBuf>,
}

/// A job's settings as its task sees them.
type Spec = Arc<(Job, Shared)>;

/// A running job task.
struct Task {
    spec: watch::Sender<Spec>,
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

/// Run the jobs of the newest settings until `stop`, then wait (bounded)
/// for runs in flight to commit their last batch.
pub async fn supervise(
    mut settings: watch::Receiver<Arc<Settings>>,
    config_path: &Path,
    writer: Handle,
    des_salt: Option<async_snmp::DesSaltState>,
    board: JobBoard,
    mut stop: watch::Receiver<bool>,
) {
    let mut tasks: HashMap<String, Task> = HashMap::new();
    let mut running: Vec<Job> = Vec::new();
    let prune = tokio::spawn(prune_daily(settings.clone(), writer.clone(), stop.clone()));
    loop {
        let current = settings.borrow_and_update().clone();
        let changes = JobChanges::between(&running, &current.jobs);
        if !changes.is_empty() && !tasks.is_empty() {
            tracing::info!(
                added = ?changes.added,
                changed = ?changes.changed,
                removed = ?changes.removed,
                "jobs reloaded"
            );
        }
        for name in &changes.removed {
            if let Some(t) = tasks.remove(name) {
                tracing::info!(job = %name, "job removed from the config: stopping it");
                let _ = t.stop.send(true);
                // It commits its last batch on its own; nothing waits here.
                drop(t.handle);
            }
        }
        let shared = Shared {
            snmp_timeout: current.snmp_timeout,
            snmp_retries: current.snmp_retries,
            resolv_conf: current.resolv_conf.clone(),
        };
        for job in &current.jobs {
            let spec: Spec = Arc::new((job.clone(), shared.clone()));
            match tasks.get(&job.name) {
                Some(t) => {
                    // Taken from its next run; a run in flight goes on.
                    t.spec.send_if_modified(|old| {
                        let differs = **old != *spec;
                        if differs {
                            *old = spec.clone();
                        }
                        differs
                    });
                }
                None => {
                    let (spec_tx, spec_rx) = watch::channel(spec);
                    let (stop_tx, stop_rx) = watch::channel(false);
                    let handle = tokio::spawn(job_loop(
                        spec_rx,
                        writer.clone(),
                        des_salt.clone(),
                        board.clone(),
                        stop_rx,
                    ));
                    tracing::info!(job = %job.name, schedule = %job.schedule, targets = %crate::scan::describe(&job.targets), "job scheduled");
                    tasks.insert(
                        job.name.clone(),
                        Task {
                            spec: spec_tx,
                            stop: stop_tx,
                            handle,
                        },
                    );
                }
            }
        }
        if current.jobs.is_empty() {
            tracing::warn!(config = %config_path.display(), "no jobs configured: scanning nothing; add [scan] subnets or a [[job]] to the config");
        }
        running = current.jobs.clone();
        tokio::select! {
            _ = stop.wait_for(|v| *v) => break,
            changed = settings.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    for t in tasks.values() {
        let _ = t.stop.send(true);
    }
    // Each run stops sending at once, gives its hosts SCAN_GRACE, commits
    // its last batch and closes its record; derivation waits for the next
    // start. The bound only guards against a stuck store.
    let bound = SCAN_GRACE + Duration::from_secs(5);
    for (name, t) in tasks {
        if tokio::time::timeout(bound, t.handle).await.is_err() {
            tracing::warn!(job = %name, "a run did not stop in time; it is closed as interrupted at the next start");
        }
    }
    prune.abort();
}

/// A draw in [0, 1) from the clock, the process and the job's name: jobs
/// on one schedule start apart, and each start differs.
fn draw(name: &str, round: u64) -> f64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    round.hash(&mut h);
    std::process::id().hash(&mut h);
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
        .hash(&mut h);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn collector_options(
    job: &Job,
    shared: &Shared,
    des_salt: Option<async_snmp::DesSaltState>,
) -> CollectorOptions {
    CollectorOptions {
        des_salt,
        timeout: shared.snmp_timeout,
        retries: shared.snmp_retries,
        depth: job.snmp_depth,
        ..CollectorOptions::default()
    }
}

/// One job: wait for its next start, run it, repeat; until its stop.
async fn job_loop(
    mut spec: watch::Receiver<Spec>,
    writer: Handle,
    des_salt: Option<async_snmp::DesSaltState>,
    board: JobBoard,
    mut stop: watch::Receiver<bool>,
) {
    let mut last_start: Option<tokio::time::Instant> = None;
    let mut collector: Option<Collector> = None;
    for round in 0u64.. {
        let current = spec.borrow_and_update().clone();
        let (job, shared) = &*current;
        let now = chrono::Local::now().naive_local();
        let wait = job.schedule.wait(now, last_start.map(|t| t.elapsed()))
            + schedule::jitter_delay(job.jitter_at(now), draw(&job.name, round));
        tracing::debug!(job = %job.name, wait_s = wait.as_secs(), "next run");
        board.planned(&job.name, std::time::SystemTime::now().checked_add(wait));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|v| *v) => return,
            changed = spec.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        }
        last_start = Some(tokio::time::Instant::now());
        board.planned(&job.name, None);
        let wanted = collector_options(job, shared, des_salt.clone());
        let fits = collector.as_ref().is_some_and(|c| {
            let o = c.options();
            (o.timeout, o.retries, o.depth) == (wanted.timeout, wanted.retries, wanted.depth)
        });
        if !fits {
            match Collector::new(wanted).await {
                Ok(c) => collector = Some(c),
                Err(e) => {
                    tracing::error!(job = %job.name, error = %e, "the SNMP client could not start; this run is skipped");
                    continue;
                }
            }
        }
        let Some(c) = collector.as_ref() else {
            continue;
        };
        let seed = round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ draw(&job.name, round).to_bits();
        let plan = RunPlan::for_job(job, shared.resolv_conf.clone(), seed);
        let _ = pipeline::execute(
            &job.name,
            &plan,
            c,
            Some(Recorder::Writer(&writer)),
            false,
            Some(stop.clone()),
            SCAN_GRACE,
        )
        .await;
        if *stop.borrow() {
            return;
        }
    }
}

/// Once a day, drop observations superseded longer than `store.retention`.
async fn prune_daily(
    settings: watch::Receiver<Arc<Settings>>,
    writer: Handle,
    mut stop: watch::Receiver<bool>,
) {
    // The first prune waits an hour after the start: the first runs first.
    let mut next = tokio::time::Instant::now() + Duration::from_secs(3600);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            _ = stop.wait_for(|v| *v) => return,
        }
        next += Duration::from_secs(86_400);
        let Some(keep) = settings.borrow().retention else {
            continue;
        };
        let now = std::time::SystemTime::now();
        let cutoff = now.checked_sub(keep).unwrap_or(std::time::UNIX_EPOCH);
        match writer.prune(crate::timefmt::system(cutoff)).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "pruned superseded observations past store.retention"),
            Err(e) => {
                tracing::warn!(error = %e, "could not prune old observations; will try again tomorrow")
            }
        }
    }
}
