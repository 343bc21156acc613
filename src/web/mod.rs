//! The read-only status page and JSON API (axum). Every request reads the
//! store through a read-only connection of its own (from a small pool), so
//! one slow page never holds up another; lists are filtered, sorted and
//! paged in SQL. At most [`READERS`] pages read at once (more wait their
//! turn), and `/healthz` has [`HEALTH_READERS`] of its own: each read holds
//! a SQLite connection (three descriptors with WAL), so however many
//! clients ask at once, the page's descriptors stay within what
//! [`serve::Limits`] leaves for scanning, and busy pages never make
//! `/healthz` wait.
//!
//! Routes: `GET /` (page; `?lang=zh` for Chinese; filters as in the API),
//! `GET /dashboard` ([`dashboard`]: charts of the counts, the jobs),
//! `GET /jobs` ([`jobs_page`]: the jobs and their runs, paged),
//! `GET /report/origin` ([`origin_page`]: the origin report as a page),
//! `GET /register` ([`register_page`]: the asset register and the devices
//! not in it),
//! `GET /devices/{id}`, `GET /api/v1/devices/{id}`, `GET /api/v1/assets`,
//! `GET /healthz`; the lists, jobs, exports, `/metrics` and
//! `/api/v1/openapi.json` ([`api`]), which describes every API path; the
//! reports ([`report`]): `GET /api/v1/report/origin` (`.csv`, `.xlsx`) and
//! `GET /api/v1/report/evidence.zip?date=YYYY-MM-DD`. Who may read them
//! ([`auth`]), which methods and Host names are answered ([`guard`]),
//! HTTPS ([`tls`]) and the plain-HTTP redirect ([`redirect`]) wrap this
//! router.

pub mod api;
mod assets;
pub mod auth;
pub mod chart;
mod dashboard;
mod device_view;
mod findings_page;
pub mod guard;
pub mod i18n;
mod jobs_page;
pub mod metrics;
pub mod openapi;
mod origin_page;
pub mod redirect;
mod register_page;
pub mod report;
pub mod serve;
mod snmp_view;
pub mod timeline;
pub mod tls;
mod view;

use crate::store::read::{DeviceQuery, QueryError};
use crate::store::{ReadPool, Store, StoreError};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use i18n::Lang;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Semaphore;
use view::{DevicePage, DeviceView, IndexPage};

/// Page and API requests that read the store at once; more wait their turn.
pub const READERS: usize = 8;
/// Reads kept for `/healthz`, so busy pages never hold it up.
pub const HEALTH_READERS: usize = 2;
/// Descriptors one store read holds: the database, its WAL and its
/// shared-memory file.
pub const DESCRIPTORS_PER_READER: usize = 3;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: ReadPool,
    /// Permits for page and API reads ([`READERS`]).
    readers: Arc<Semaphore>,
    /// Permits for `/healthz` ([`HEALTH_READERS`]).
    health: Arc<Semaphore>,
    configured: AtomicBool,
    config_path: String,
    /// The configured jobs and their planned starts (`/api/v1/jobs`).
    jobs: api::jobs::JobBoard,
}

impl AppState {
    /// State for a daemon whose database is `db_path`; `configured` says
    /// whether any subnets are configured (the page explains when not).
    pub fn new(db_path: PathBuf, configured: bool, config_path: String) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                // Never more open than can be reading at once.
                pool: ReadPool::new(&db_path, READERS + HEALTH_READERS),
                readers: Arc::new(Semaphore::new(READERS)),
                health: Arc::new(Semaphore::new(HEALTH_READERS)),
                configured: AtomicBool::new(configured),
                config_path,
                jobs: api::jobs::JobBoard::default(),
            }),
        }
    }

    /// Whether any subnets are configured now (a reloaded config may change it).
    pub fn set_configured(&self, configured: bool) {
        self.inner.configured.store(configured, Ordering::Relaxed);
    }

    /// The configured jobs and their planned starts, which the daemon keeps.
    pub fn jobs(&self) -> &api::jobs::JobBoard {
        &self.inner.jobs
    }

    /// Run `f` on a read-only store of its own, on a blocking thread, once
    /// one of the [`READERS`] permits is free.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        self.read(self.inner.readers.clone(), f).await
    }

    /// [`AppState::with_store`] for `/healthz`, on permits of its own.
    async fn with_health_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        self.read(self.inner.health.clone(), f).await
    }

    async fn read<T: Send + 'static>(
        &self,
        permits: Arc<Semaphore>,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = permits
            .acquire_owned()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // Held until the read ends, even when the client went away and
            // the request was dropped meanwhile.
            let _permit = permit;
            let store = inner
                .pool
                .get()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            // One snapshot per request: its queries agree with each other.
            store
                .snapshot(f)
                .map_err(|e| AppError::Internal(e.to_string()))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

/// Errors shown to a client: a generic message; details go to the log.
#[derive(Debug)]
pub enum AppError {
    /// Something on our side.
    Internal(String),
    /// A query parameter the client got wrong (said back, it names nothing of ours).
    BadRequest(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "web request failed");
                // Plain text here; [`unavailable_in_kind`] makes it a page
                // in the reader's language, or the API's JSON error.
                let mut resp = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
                    UNAVAILABLE,
                )
                    .into_response();
                resp.extensions_mut().insert(Unavailable);
                resp
            }
            AppError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
                Json(serde_json::json!({ "error": why })),
            )
                .into_response(),
        }
    }
}

/// What a 503 says where it cannot say more (`/healthz`, `/metrics`).
const UNAVAILABLE: &str =
    "the inventory database is not readable right now; see the daemon's log\n";

/// Marks the 503 of an [`AppError::Internal`], for [`unavailable_in_kind`].
#[derive(Debug, Clone, Copy)]
struct Unavailable;

/// An [`AppError::Internal`]'s 503 as the client reads it: under `/api/`
/// the API's JSON error; on a page, the error page in the reader's
/// language (`?lang=`, then Accept-Language); elsewhere the plain text.
async fn unavailable_in_kind(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let headers = req.headers().clone();
    let resp = next.run(req).await;
    if resp.extensions().get::<Unavailable>().is_none() {
        return resp;
    }
    if path.starts_with("/api/") {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            Json(serde_json::json!({ "error": UNAVAILABLE.trim_end() })),
        )
            .into_response();
    }
    if path == "/healthz" || path == "/metrics" {
        return resp;
    }
    let params = Params::parse(query.as_deref());
    match page_ctx(&params, query.as_deref(), &headers) {
        Ok(c) => error_page(
            c,
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            |l| &l.unavailable,
            "",
        ),
        Err(_) => resp,
    }
}

/// The router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/devices/{id}", get(device_page))
        .route("/api/v1/devices/{id}", get(api_device))
        .route("/findings", get(findings_page::page))
        .route("/dashboard", get(dashboard::page))
        .route("/jobs", get(jobs_page::page))
        .route("/report/origin", get(origin_page::page))
        .route("/register", get(register_page::page))
        .route("/api/v1/assets", get(assets::api_assets))
        .route("/healthz", get(healthz))
        .merge(report::routes())
        .merge(api::routes())
        .fallback(no_such_page)
        .layer(axum::middleware::from_fn(unavailable_in_kind))
        .with_state(state)
}

/// A styled error page in the reader's language: its status, the html id
/// of its message, the message, and what was wrong (if anything).
fn error_page(
    c: i18n::Ctx,
    status: StatusCode,
    id: &'static str,
    message: fn(&i18n::Labels) -> &str,
    detail: &str,
) -> Response {
    let message = message(c.l).to_string();
    let why: String = detail.chars().take(200).collect();
    let (detail, detail_title) = match (c.lang, why.is_empty()) {
        (_, true) => (String::new(), String::new()),
        (Lang::En, false) => (why, String::new()),
        (_, false) => (c.asked.chars().take(200).collect(), why),
    };
    let page = view::ErrorPage {
        c,
        status: status.as_u16(),
        id,
        message,
        detail,
        detail_title,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// The 404 of a device page (no such device).
fn not_found_page(c: i18n::Ctx) -> Response {
    error_page(
        c,
        StatusCode::NOT_FOUND,
        "no-such-device",
        |l| &l.not_found,
        "",
    )
}

/// The 400 of a page whose filter is wrong, saying why.
fn bad_query_page(c: i18n::Ctx, why: &str) -> Response {
    error_page(
        c,
        StatusCode::BAD_REQUEST,
        "bad-request",
        |l| &l.bad_query,
        why,
    )
}

/// Any path no route serves: a JSON error under the API, a page elsewhere.
async fn no_such_page(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return (
            StatusCode::NOT_FOUND,
            [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            Json(serde_json::json!({ "error": "no such API path" })),
        )
            .into_response();
    }
    let params = Params::parse(uri.query());
    match page_ctx(&params, uri.query(), &headers) {
        Ok(c) => error_page(
            c,
            StatusCode::NOT_FOUND,
            "not-found",
            |l| &l.no_such_page,
            "",
        ),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Query parameters, read leniently: a repeated key keeps its first value
/// (so `?lang=zh&lang=en` is Chinese, not an error), unknown keys are
/// ignored, values are bounded.
#[derive(Debug, Default, Clone)]
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn parse(raw: Option<&str>) -> Params {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').take(64) {
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| -> String {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::with_capacity(bytes.len());
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%'
                        && let Some(b) = s
                            .get(i + 1..i + 3)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    out.push(bytes[i]);
                    i += 1;
                }
                String::from_utf8_lossy(&out).chars().take(512).collect()
            };
            pairs.push((decode(k), decode(v)));
        }
        Params { pairs }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The device list query these parameters ask for.
    fn device_query(&self) -> Result<DeviceQuery, QueryError> {
        let mut q = DeviceQuery::default();
        if let Some(l) = self.get("limit") {
            q.limit = l.parse::<u32>().unwrap_or(100).clamp(1, 1000);
        }
        q.after = self.get("after").map(str::to_string);
        if let Some(s) = self.get("sort") {
            q.set_sort(s)?;
        }
        q.q = self.get("q").map(str::to_string);
        q.class = self.get("class").map(str::to_string);
        q.vendor = self.get("vendor").map(str::to_string);
        if let Some(o) = self.get("origin") {
            q.set_origin(o)?;
        }
        if let Some(s) = self.get("subnet") {
            q.set_subnet(s)?;
        }
        if let Some(j) = self.get("job") {
            q.set_job(j)?;
        }
        if let Some(f) = self.get("finding") {
            q.set_finding(f)?;
        }
        if let Some(t) = self.get("since") {
            q.set_since(t)?;
        }
        Ok(q)
    }

    /// These parameters less `keys` (and empty values), as a query string.
    fn without(&self, keys: &[&str]) -> String {
        self.pairs
            .iter()
            .filter(|(k, v)| !v.is_empty() && !keys.contains(&k.as_str()))
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// These parameters without `after` and `lang`, plus `after=CURSOR`.
    fn with_after(&self, cursor: &str) -> String {
        let mut parts: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "after")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        parts.push(format!("after={}", enc(cursor)));
        parts.join("&")
    }
}

/// Percent-encode for a query string.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A page's language (`?lang=` first, then the browser's
/// Accept-Language), labels and language switch.
fn page_ctx(p: &Params, raw: Option<&str>, headers: &HeaderMap) -> Result<i18n::Ctx, AppError> {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Ok(i18n::Ctx::new(p.get("lang"), accept, raw)?)
}

/// A scan's error text without the database's path: the page and the API
/// are open to anyone who can reach them.
fn redact(scan: &mut crate::store::ScanRow, db_path: &std::path::Path) {
    let shown = db_path.display().to_string();
    if let Some(e) = scan.error.as_mut()
        && !shown.is_empty()
        && e.contains(&shown)
    {
        *e = e
            .replace(&format!("database {shown}"), "the database")
            .replace(&shown, "(the database file)");
    }
}

/// A device id as written in a path: digits only (no sign, no spaces).
fn device_id(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

async fn index(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let query = match params.device_query() {
        // The list shows the summary columns, not each row's evidence.
        Ok(q) => DeviceQuery { summary: true, ..q },
        Err(e) => return Ok(bad_query_page(c, &e.to_string())),
    };
    let filtered = query.filtered();
    let (mut overview, page, findings_open) = state
        .with_store(move |s| Ok((s.overview()?, s.devices(&query)?, s.open_findings()?)))
        .await?;
    for scan in overview
        .last_scan
        .iter_mut()
        .chain(overview.last_done.iter_mut())
    {
        redact(scan, state.inner.pool.path());
    }
    let page = match page {
        Ok(p) => p,
        Err(e) => return Ok(bad_query_page(c, &e.to_string())),
    };
    let next_link = page.next.as_deref().map(|n| params.with_after(n));
    let mut jobs: Vec<String> = state
        .jobs()
        .snapshot()
        .into_iter()
        .map(|(j, _)| j.name)
        .collect();
    if let Some(j) = params.get("job")
        && !jobs.iter().any(|n| n == j)
    {
        jobs.push(j.to_string());
    }
    let devices = page
        .items
        .iter()
        .map(|d| DeviceView::from_row(c.l, d))
        .collect();
    let page = IndexPage {
        c,
        configured: state.inner.configured.load(Ordering::Relaxed),
        config_path: state.inner.config_path.clone(),
        overview,
        devices,
        q: params.get("q").unwrap_or("").to_string(),
        class: params.get("class").unwrap_or("").to_string(),
        origin: params.get("origin").unwrap_or("").to_string(),
        subnet: params.get("subnet").unwrap_or("").to_string(),
        paged: params.get("after").is_some(),
        filtered,
        next_link,
        findings_open,
        sort: params.get("sort").unwrap_or("").to_string(),
        job: params.get("job").unwrap_or("").to_string(),
        finding: params.get("finding").unwrap_or("").to_string(),
        since: params.get("since").unwrap_or("").to_string(),
        jobs,
        kinds: crate::audit::KINDS,
        filters: params.without(&["sort", "after", "lang"]),
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

async fn device_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let Some(id) = device_id(&id) else {
        return Ok(not_found_page(c));
    };
    let found = state
        .with_store(move |s| match s.resolve_device(id)? {
            Some(now) if now != id => Ok(Err(now)),
            Some(_) => match s.device(id)? {
                Some(d) => Ok(Ok(Some((d, device_extras(s, id)?)))),
                None => Ok(Ok(None)),
            },
            None => Ok(Ok(None)),
        })
        .await?;
    let (detail, extras) = match found {
        // A device found to be another: its page is the survivor's.
        Err(now) => {
            return Ok(Redirect::permanent(&format!("/devices/{now}{}", c.query)).into_response());
        }
        Ok(None) => return Ok(not_found_page(c)),
        Ok(Some(d)) => d,
    };
    let page = DevicePage::build(c, &detail, &extras);
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// The register's match, the findings and the observation rows of device
/// `id`, for its page.
fn device_extras(s: &Store, id: i64) -> Result<view::DeviceExtras, StoreError> {
    let found = s.findings(&crate::store::findings::FindingQuery {
        limit: view::DEVICE_FINDINGS,
        device: Some(id),
        ..Default::default()
    })?;
    Ok(view::DeviceExtras {
        asset: s.asset_of_device(id)?,
        register_known: s.has_register()?,
        findings: found.items,
        values: s.device_values(id)?,
    })
}

async fn api_device(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let Some(id) = device_id(&id) else {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "no such device"})),
        )
            .into_response());
    };
    let found = state
        .with_store(move |s| match s.resolve_device(id)? {
            Some(now) => s.device(now),
            None => Ok(None),
        })
        .await?;
    let Some(d) = found else {
        return Ok((
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "no such device"})),
        )
            .into_response());
    };
    let mut v = d.row.to_json();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "snmp".into(),
            serde_json::to_value(d.snmp.as_deref()).unwrap_or(serde_json::Value::Null),
        );
        obj.insert(
            "identity_log".into(),
            serde_json::to_value(&d.identity_log).unwrap_or_default(),
        );
        obj.insert(
            "keys".into(),
            d.keys
                .iter()
                .map(|(kind, value, first, last)| {
                    serde_json::json!({"kind": kind, "value": value, "first_seen": first, "last_seen": last})
                })
                .collect(),
        );
        obj.insert(
            "announced".into(),
            view::announced_of(&d.history)
                .iter()
                .map(|(source, key, value, last)| {
                    serde_json::json!({"source": source, "key": key, "value": value, "last_seen": last})
                })
                .collect(),
        );
    }
    Ok(Json(v).into_response())
}

/// `{"status":"ok"}` when the database is readable; open to everyone, so it
/// says nothing else.
pub(crate) async fn healthz(State(state): State<AppState>) -> Result<Response, AppError> {
    state.with_health_store(|s| s.version()).await?;
    Ok(Json(serde_json::json!({ "status": "ok" })).into_response())
}

#[cfg(test)]
mod tests;
