//! Passive listening in the daemon: while `[passive] enabled`, a
//! [`Listener`] on the interfaces whose subnets hold some job's targets
//! fills a [`Tally`]; every `passive.interval` what it holds is committed
//! through the store's writer as one run of the job
//! [`crate::passive::JOB`], covering the addresses it heard (so a device
//! seen only passively is recorded as such, with when and how, and an
//! address nobody spoke from is not taken for gone). A reload that changes
//! the jobs or `[passive]` commits what was heard and starts over; a stop
//! commits the last interval.

use crate::config::Settings;
use crate::passive::{self, Scope, Tally, listen::Listener};
use crate::store::writer::{Handle, RunStartOwned};
use crate::store::{RunEnd, RunStatus};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tokio::sync::watch;

/// What the listener depends on in the settings.
fn wanted(s: &Settings) -> Option<(Scope, std::time::Duration)> {
    s.passive
        .enabled
        .then(|| (Scope::of_jobs(&s.jobs, &s.exclude), s.passive.interval))
}

/// Commit what `tally` holds as one run begun at `since`.
async fn commit(writer: &Handle, tally: &Mutex<Tally>, since: SystemTime) {
    let (seen, addrs, dropped) = match tally.lock() {
        Ok(mut t) => {
            let dropped = t.dropped();
            let (seen, addrs) = t.take();
            (seen, addrs, dropped)
        }
        Err(_) => return,
    };
    if dropped > 0 {
        tracing::warn!(
            dropped,
            max = passive::tally::MAX_SUBJECTS,
            "passive listening heard more senders than it keeps per interval; the rest wait for the next"
        );
    }
    if seen.is_empty() {
        return;
    }
    let answered = seen.len();
    let start = RunStartOwned {
        job: passive::JOB.to_string(),
        started_at: crate::timefmt::system(since),
        targets: passive::tally::describe(&addrs),
        exclude: String::new(),
        addresses: usize::try_from(addrs.len()).unwrap_or(usize::MAX),
        excluded: 0,
        rate: 0,
        credentials: Vec::new(),
        segment_probes: false,
    };
    let run = match writer.begin_run(start).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "could not record what passive listening heard");
            return;
        }
    };
    if let Err(e) = writer.record(run, seen).await {
        tracing::error!(error = %e, run, "could not record what passive listening heard");
        let at = crate::timefmt::system(SystemTime::now());
        let _ = writer
            .end_run_without_results(run, at, "failed", e.to_string())
            .await;
        return;
    }
    let end = RunEnd {
        status: RunStatus::Done,
        error: None,
        finished_at: crate::timefmt::system(SystemTime::now()),
        answered,
        snmp_ok: 0,
    };
    match writer.finish_run(run, end).await {
        Ok(a) => tracing::info!(
            run,
            heard = answered,
            devices = a.devices,
            new = a.new_devices,
            "passive listening recorded"
        ),
        Err(e) => {
            tracing::error!(error = %e, run, "could not close a passive run (it is taken in at the next start)")
        }
    }
}

/// Listen while the newest settings say so, until `stop`.
pub async fn run(
    mut settings: watch::Receiver<Arc<Settings>>,
    writer: Handle,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let current = wanted(&settings.borrow_and_update());
        let Some((scope, interval)) = current.clone() else {
            tokio::select! {
                _ = stop.wait_for(|v| *v) => return,
                changed = settings.changed() => {
                    if changed.is_err() { return; }
                    continue;
                }
            }
        };
        let tally = Arc::new(Mutex::new(Tally::default()));
        let scope = Arc::new(scope);
        let (listener, errors) = {
            let (scope, tally) = (scope.clone(), tally.clone());
            match tokio::task::spawn_blocking(move || Listener::start(scope, tally)).await {
                Ok(started) => started,
                Err(e) => {
                    tracing::error!(error = %e, "passive listening could not start");
                    return;
                }
            }
        };
        for e in &errors {
            tracing::warn!("{e}");
        }
        if listener.interfaces.is_empty() {
            tracing::warn!(
                "passive listening is on but no attached interface holds a job's targets; listening on none"
            );
        } else {
            tracing::info!(interfaces = ?listener.interfaces, interval_s = interval.as_secs(), "passive listening");
        }
        let mut since = SystemTime::now();
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        enum Next {
            Commit,
            Stop,
            Restart,
            Same,
        }
        let ended = loop {
            let next = tokio::select! {
                _ = tick.tick() => Next::Commit,
                _ = stop.wait_for(|v| *v) => Next::Stop,
                changed = settings.changed() => match changed {
                    Err(_) => Next::Stop,
                    Ok(()) if wanted(&settings.borrow()) != current => Next::Restart,
                    Ok(()) => Next::Same,
                },
            };
            match next {
                Next::Commit => {
                    let now = SystemTime::now();
                    commit(&writer, &tally, since).await;
                    since = now;
                }
                Next::Stop => break true,
                Next::Restart => break false,
                Next::Same => {}
            }
        };
        let frames = listener
            .counters
            .frames
            .load(std::sync::atomic::Ordering::Relaxed);
        let _ = tokio::task::spawn_blocking(move || listener.stop()).await;
        commit(&writer, &tally, since).await;
        tracing::debug!(frames, "passive listening stopped");
        if ended {
            return;
        }
    }
}
