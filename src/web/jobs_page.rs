//! `GET /jobs`: each job (name, targets, exclusions, schedule, probes,
//! rate, its latest run and next start), then the runs from the store,
//! newest first, paged (`?after=RUN`), one job's only with `?job=NAME`:
//! when each started, how long it took, what it swept and what answered,
//! the packets its probes sent, probe errors, its status and error. The
//! jobs come from the same reader as `/api/v1/jobs`, the runs from the
//! same query as `/api/v1/scans`.

use super::api::jobs::{JobStatus, statuses};
use super::i18n::{Ctx, Labels};
use super::view::When;
use super::{AppError, AppState, Params, enc, page_ctx, redact};
use crate::store::ScanRow;
use crate::store::metrics::duration_seconds;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// Runs on one page.
pub const RUNS_PER_PAGE: u32 = 50;

/// One run as the pages show it: numbers in the reader's format, missing
/// ones (older schemas, runs still going) as a dash.
pub(super) struct RunView {
    pub id: i64,
    pub job: String,
    pub status: String,
    pub started: When,
    pub duration: String,
    pub addresses: String,
    pub hosts_up: String,
    pub devices: String,
    pub snmp_ok: String,
    pub packets: String,
    pub probe_errors: String,
    pub error: String,
}

impl RunView {
    pub fn of(l: &Labels, r: &ScanRow) -> RunView {
        let num = |v: Option<i64>| v.map_or_else(|| "—".to_string(), |n| l.num(n));
        RunView {
            id: r.id,
            job: crate::text::printable(&r.job),
            status: r.status.clone(),
            started: When::of(l, &r.started_at),
            duration: duration_seconds(r).map_or_else(|| "—".to_string(), |s| l.run_duration(s)),
            addresses: l.num(r.addresses),
            hosts_up: num(r.hosts_up),
            devices: num(r.devices),
            snmp_ok: num(r.snmp_ok),
            packets: num(r.packets),
            probe_errors: num(r.probe_errors),
            error: r
                .error
                .as_deref()
                .map(crate::text::printable)
                .unwrap_or_default(),
        }
    }
}

/// One job as the pages show it.
pub(super) struct JobView {
    pub name: String,
    /// Its name for a query string.
    pub name_q: String,
    pub configured: bool,
    pub targets: String,
    pub exclude: String,
    pub schedule: String,
    /// Each probe: its shown name and its config name.
    pub probes: Vec<(String, &'static str)>,
    pub rate: String,
    pub running: bool,
    pub last: Option<RunView>,
    pub next: Option<When>,
}

impl JobView {
    pub fn of(l: &Labels, j: &JobStatus) -> JobView {
        let join = |v: &[String]| {
            v.iter()
                .map(|t| crate::text::printable(t))
                .collect::<Vec<_>>()
                .join(", ")
        };
        JobView {
            name: crate::text::printable(&j.job.name),
            name_q: enc(&j.job.name),
            configured: j.configured,
            targets: join(&j.job.targets),
            exclude: join(&j.job.exclude),
            schedule: crate::text::printable(&j.job.schedule),
            probes: j
                .job
                .probes
                .iter()
                .map(|p| (l.probe_name.of(p).to_string(), *p))
                .collect(),
            rate: l.rate_value.n(&l.num(j.job.rate)),
            running: j.running,
            last: j.last_run.as_ref().map(|r| RunView::of(l, r)),
            next: j.next_run.as_deref().map(|t| When::of(l, t)),
        }
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
pub(super) struct JobsPage {
    pub c: Ctx,
    pub jobs: Vec<JobView>,
    pub runs: Vec<RunView>,
    /// The job whose runs are shown (empty: every job's).
    pub job: String,
    pub next_link: Option<String>,
    pub paged: bool,
    /// The first page of these runs.
    pub first_link: String,
}

/// The first page of `job`'s runs (every job's when None), in `c`'s language.
fn first_link(c: &Ctx, job: &Option<String>) -> String {
    let mut parts = Vec::new();
    if let Some(j) = job {
        parts.push(format!("job={}", enc(j)));
    }
    if c.explicit() {
        parts.push(format!("lang={}", c.param()));
    }
    if parts.is_empty() {
        "/jobs".to_string()
    } else {
        format!("/jobs?{}", parts.join("&"))
    }
}

/// `GET /jobs`.
pub(super) async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let job = match params.get("job") {
        Some(j) if crate::job::valid_name(j) => Some(j.to_string()),
        Some(j) => {
            let e = crate::store::read::QueryError::Job(j.chars().take(40).collect());
            return Ok(super::bad_query_page(c, &e.to_string()));
        }
        None => None,
    };
    let after = match params.get("after").map(str::parse::<i64>) {
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            let e = crate::store::read::QueryError::Cursor;
            return Ok(super::bad_query_page(c, &e.to_string()));
        }
        None => None,
    };
    let jobs = statuses(&state, true).await?;
    let shown = job.clone();
    let mut found = state
        .with_store(move |s| s.scans_of(shown.as_deref(), RUNS_PER_PAGE, after))
        .await?;
    for r in &mut found.items {
        redact(r, state.inner.pool.path());
    }
    let page = JobsPage {
        jobs: jobs.iter().map(|j| JobView::of(c.l, j)).collect(),
        runs: found.items.iter().map(|r| RunView::of(c.l, r)).collect(),
        job: job.clone().unwrap_or_default(),
        next_link: found.next.as_deref().map(|n| params.with_after(n)),
        paged: after.is_some(),
        first_link: first_link(&c, &job),
        c,
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}
