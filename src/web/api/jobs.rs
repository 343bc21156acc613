//! `GET /api/v1/jobs`: each configured job (name, targets, exclusions,
//! schedule, probes, rate, SNMP credential names), its latest run and its
//! latest finished run (the objects `/api/v1/scans` lists, so the two never
//! disagree), whether it is running, and when the scheduler will start it
//! next. The daemon keeps the [`JobBoard`]: the configured jobs (at start
//! and on each reload) and each job task's planned start.

use super::super::{AppError, AppState, redact};
use crate::job::Job;
use crate::store::ScanRow;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// One configured job as the API shows it (never a secret: credentials
/// by name only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobInfo {
    /// Its name.
    pub name: String,
    /// What it sweeps, as the config writes it.
    pub targets: Vec<String>,
    /// What it never touches (its own and the global exclusions).
    pub exclude: Vec<String>,
    /// When it runs: an interval (`15m`) or five cron fields.
    pub schedule: String,
    /// The longest random delay before a start, in seconds (None: a tenth
    /// of the schedule's period).
    pub jitter_seconds: Option<u64>,
    /// The probes it uses.
    pub probes: Vec<&'static str>,
    /// Whether it sends segment-wide probes (DHCP).
    pub segment_probes: bool,
    /// Packets per second, every probe together.
    pub rate: u32,
    /// The SNMP credentials it tries, by name, in order.
    pub snmp_credentials: Vec<String>,
}

impl JobInfo {
    /// What the API shows of `job`.
    pub fn of(job: &Job) -> JobInfo {
        JobInfo {
            name: job.name.clone(),
            targets: job.targets.iter().map(ToString::to_string).collect(),
            exclude: job.exclude.iter().map(ToString::to_string).collect(),
            schedule: job.schedule.config_text(),
            jitter_seconds: job.jitter.map(|j| j.as_secs()),
            probes: job.probes.names(),
            segment_probes: job.probes.segment,
            rate: job.rate,
            snmp_credentials: job
                .credentials
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Default)]
struct Board {
    jobs: Vec<JobInfo>,
    /// Each job task's next planned start (RFC 3339); absent while it runs.
    next: HashMap<String, String>,
}

/// The configured jobs and their planned starts, shared by the daemon's
/// scheduler and the page. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct JobBoard {
    inner: Arc<Mutex<Board>>,
}

impl JobBoard {
    /// The jobs now configured (at start and after each reload); planned
    /// starts of jobs no longer configured are forgotten.
    pub fn configure(&self, jobs: &[Job]) {
        if let Ok(mut b) = self.inner.lock() {
            b.jobs = jobs.iter().map(JobInfo::of).collect();
            let names: Vec<String> = b.jobs.iter().map(|j| j.name.clone()).collect();
            b.next.retain(|k, _| names.contains(k));
        }
    }

    /// Job `job` will next start at `at` (None: it is starting now).
    pub fn planned(&self, job: &str, at: Option<SystemTime>) {
        if let Ok(mut b) = self.inner.lock() {
            match at {
                Some(t) => {
                    b.next.insert(job.to_string(), crate::timefmt::system(t));
                }
                None => {
                    b.next.remove(job);
                }
            }
        }
    }

    /// The configured jobs, each with its planned start.
    pub fn snapshot(&self) -> Vec<(JobInfo, Option<String>)> {
        self.inner.lock().map_or_else(
            |_| Vec::new(),
            |b| {
                b.jobs
                    .iter()
                    .map(|j| (j.clone(), b.next.get(&j.name).cloned()))
                    .collect()
            },
        )
    }
}

/// One item of `/api/v1/jobs`.
#[derive(Debug, Serialize)]
struct JobItem {
    #[serde(flatten)]
    job: JobInfo,
    /// Its latest run, as `/api/v1/scans` lists it.
    last_run: Option<ScanRow>,
    /// Its latest run that finished.
    last_done: Option<ScanRow>,
    /// Its latest run is still going.
    running: bool,
    /// When the scheduler starts it next (RFC 3339; null while it runs,
    /// or when no scheduler runs it).
    next_run: Option<String>,
    /// Its runs.
    scans: String,
}

/// One job with its runs, as `/api/v1/jobs`, `/dashboard` and `/jobs`
/// show it.
#[derive(Debug, Clone)]
pub(in crate::web) struct JobStatus {
    /// The job as configured.
    pub job: JobInfo,
    /// Its latest run (error text redacted).
    pub last_run: Option<ScanRow>,
    /// Its latest finished run (error text redacted).
    pub last_done: Option<ScanRow>,
    /// Its latest run is still going.
    pub running: bool,
    /// When the scheduler starts it next (None while it runs).
    pub next_run: Option<String>,
    /// It is configured now (else it only ran before).
    pub configured: bool,
}

/// Each configured job with its latest run, its latest finished run and
/// its next planned start: one store read for all of them. With `past`,
/// jobs no longer configured that have runs in the store follow (by name,
/// with nothing but their name known of their configuration).
pub(in crate::web) async fn statuses(
    state: &AppState,
    past: bool,
) -> Result<Vec<JobStatus>, AppError> {
    let mut jobs: Vec<(JobInfo, Option<String>, bool)> = state
        .inner
        .jobs
        .snapshot()
        .into_iter()
        .map(|(j, next)| (j, next, true))
        .collect();
    let configured: Vec<String> = jobs.iter().map(|(j, _, _)| j.name.clone()).collect();
    let (ran, runs) = state
        .with_store(move |s| {
            let ran: Vec<String> = if past {
                s.run_jobs()?
                    .into_iter()
                    .filter(|n| !configured.contains(n))
                    .collect()
            } else {
                Vec::new()
            };
            let runs = configured
                .iter()
                .chain(ran.iter())
                .map(|n| s.last_runs(n))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((ran, runs))
        })
        .await?;
    jobs.extend(ran.into_iter().map(|name| {
        let info = JobInfo {
            name,
            targets: Vec::new(),
            exclude: Vec::new(),
            schedule: String::new(),
            jitter_seconds: None,
            probes: Vec::new(),
            segment_probes: false,
            rate: 0,
            snmp_credentials: Vec::new(),
        };
        (info, None, false)
    }));
    let db = state.inner.pool.path();
    Ok(jobs
        .into_iter()
        .zip(runs)
        .map(
            |((job, next_run, configured), (mut last_run, mut last_done))| {
                for r in last_run.iter_mut().chain(last_done.iter_mut()) {
                    redact(r, db);
                }
                let running = last_run.as_ref().is_some_and(|r| r.status == "running");
                JobStatus {
                    job,
                    configured,
                    running,
                    next_run: if running { None } else { next_run },
                    last_run,
                    last_done,
                }
            },
        )
        .collect())
}

pub(in crate::web) async fn list(State(state): State<AppState>) -> Result<Response, AppError> {
    let items: Vec<JobItem> = statuses(&state, false)
        .await?
        .into_iter()
        .map(|j| JobItem {
            scans: format!("/api/v1/scans?job={}", j.job.name),
            job: j.job,
            running: j.running,
            next_run: j.next_run,
            last_run: j.last_run,
            last_done: j.last_done,
        })
        .collect();
    Ok(Json(serde_json::json!({ "items": items, "next": null })).into_response())
}
