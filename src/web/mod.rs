//! The read-only status page and JSON API (axum). Reads the store through
//! its own read-only connection; never writes.
//!
//! Routes: `GET /` (page; `?lang=zh` for Chinese), `GET /api/v1/devices`,
//! `GET /api/v1/scans`, `GET /healthz`.

pub mod i18n;
mod view;

use crate::store::{Store, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use i18n::Lang;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use view::{DevicePage, DeviceView, IndexPage};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    store: Mutex<Option<Store>>,
    configured: bool,
    config_path: String,
}

impl AppState {
    /// State for a daemon whose database is `db_path`; `configured` says
    /// whether any subnets are configured (the page explains when not).
    pub fn new(db_path: PathBuf, configured: bool, config_path: String) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                db_path,
                store: Mutex::new(None),
                configured,
                config_path,
            }),
        }
    }

    /// Run `f` on the read-only store on a blocking thread.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = inner
                .store
                .lock()
                .map_err(|_| AppError::Internal("store lock poisoned".into()))?;
            if guard.is_none() {
                *guard = Some(
                    Store::open_read_only(&inner.db_path)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                );
            }
            match guard.as_ref() {
                Some(store) => f(store).map_err(|e| AppError::Internal(e.to_string())),
                None => Err(AppError::Internal("store not open".into())),
            }
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
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let AppError::Internal(detail) = self;
        tracing::error!(%detail, "web request failed");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the inventory database is not readable right now; see the daemon's log\n",
        )
            .into_response()
    }
}

/// The router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/devices/{id}", get(device_page))
        .route("/api/v1/devices", get(api_devices))
        .route("/api/v1/scans", get(api_scans))
        .route("/healthz", get(healthz))
        .with_state(state)
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn index(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = pick_lang(&q, &headers);
    let (overview, rows) = state
        .with_store(|s| Ok((s.overview()?, s.devices()?)))
        .await?;
    let page = IndexPage {
        lang_code: lang.code(),
        lang_query: lang_query(lang),
        l: lang.labels(),
        configured: state.inner.configured,
        config_path: state.inner.config_path.clone(),
        overview,
        devices: rows.iter().map(DeviceView::from_row).collect(),
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

/// `?lang=` first, then the browser's Accept-Language.
fn pick_lang(q: &LangQuery, headers: &HeaderMap) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::pick(q.lang.as_deref(), accept)
}

fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "",
        Lang::Zh => "?lang=zh",
    }
}

async fn device_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = pick_lang(&q, &headers);
    let found = state
        .with_store(move |s| match s.device(id)? {
            Some(row) => Ok(Some((row, s.observations(id, 100)?))),
            None => Ok(None),
        })
        .await?;
    let Some((row, history)) = found else {
        return Ok((
            StatusCode::NOT_FOUND,
            Html(format!("<p>{}</p>", lang.labels().not_found)),
        )
            .into_response());
    };
    let page = DevicePage::build(lang.code(), lang_query(lang), lang.labels(), &row, history);
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

async fn api_devices(State(state): State<AppState>) -> Result<Response, AppError> {
    let rows = state.with_store(|s| s.devices()).await?;
    let out: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let mut v = r.data;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("id".into(), r.id.into());
                obj.insert("first_seen".into(), r.first_seen.into());
                obj.insert("last_seen".into(), r.last_seen.into());
            }
            v
        })
        .collect();
    Ok(Json(out).into_response())
}

async fn api_scans(State(state): State<AppState>) -> Result<Response, AppError> {
    let scans = state.with_store(|s| s.scans(100)).await?;
    Ok(Json(scans).into_response())
}

async fn healthz(State(state): State<AppState>) -> Result<Response, AppError> {
    let version = state.with_store(|s| s.version()).await?;
    Ok(Json(serde_json::json!({ "status": "ok", "schema_version": version })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Identity;
    use crate::inventory::{Device, Source};
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn db_with_hostile_device(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pandian-web-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("w.db");
        let mut s = Store::open(&path).unwrap();
        let id = s
            .begin_scan("2026-01-01T00:00:00Z", "198.51.100.0/24", 254)
            .unwrap();
        let d = Device {
            ip: "198.51.100.7".parse().unwrap(),
            mac: Some("00:e0:fc:00:00:01".into()),
            mac_vendor: Some("HUAWEI TECHNOLOGIES CO.,LTD".into()),
            mac_randomized: false,
            seen_by: vec![Source::Arp, Source::Dns],
            rtt_ms: Some(0.1),
            hostname: Some("<script>alert(1)</script>".into()),
            seen_via: None,
            snmp: None,
            identity: Identity {
                vendor: Some("Huawei".into()),
                vendor_origin: Some("domestic".into()),
                ..Identity::default()
            },
        };
        s.finish_scan(id, "2026-01-01T00:01:00Z", &[d]).unwrap();
        path
    }

    async fn get(app: Router, uri: &str, accept_language: Option<&str>) -> (StatusCode, String) {
        let mut req = Request::builder().uri(uri);
        if let Some(a) = accept_language {
            req = req.header(header::ACCEPT_LANGUAGE, a);
        }
        let resp = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn web_page_escapes_device_strings_and_speaks_chinese() {
        let app = app(AppState::new(
            db_with_hostile_device("page"),
            true,
            "/etc/pandian.toml".into(),
        ));
        let (status, html) = get(app.clone(), "/", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("198.51.100.7"));
        assert!(
            !html.contains("<script>alert(1)"),
            "hostile hostname must be escaped"
        );
        assert!(!html.contains("not-configured"));
        let (_, zh) = get(app.clone(), "/", Some("zh-CN,zh;q=0.9")).await;
        assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("国产"), "{zh}");
    }

    #[tokio::test]
    async fn web_api_devices_adds_first_and_last_seen() {
        let app = app(AppState::new(
            db_with_hostile_device("api"),
            true,
            "x".into(),
        ));
        let (status, body) = get(app.clone(), "/api/v1/devices", None).await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["first_seen"], "2026-01-01T00:01:00Z");
        assert_eq!(v[0]["vendor_origin"], "domestic");
        assert_eq!(v[0]["seen_by"], serde_json::json!(["arp", "dns"]));
        let (status, body) = get(app, "/healthz", None).await;
        assert_eq!(
            (status, body.contains("schema_version")),
            (StatusCode::OK, true)
        );
    }

    #[tokio::test]
    async fn web_device_page_shows_identity_evidence_and_history() {
        let app = app(AppState::new(
            db_with_hostile_device("device"),
            true,
            "x".into(),
        ));
        let (status, html) = get(app.clone(), "/devices/1", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("198.51.100.7") && html.contains("Huawei"),
            "{html}"
        );
        assert!(!html.contains("<script>alert(1)"), "escaped");
        assert!(
            html.contains("id=\"history\"") && html.contains("hostname"),
            "observation history"
        );
        let (status, _) = get(app.clone(), "/devices/999", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(app, "/devices/not-a-number", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn web_unreadable_database_is_503_not_a_panic() {
        let app = app(AppState::new(
            PathBuf::from("/nonexistent/dir/p.db"),
            true,
            "x".into(),
        ));
        for uri in ["/", "/api/v1/devices", "/healthz"] {
            let (status, body) = get(app.clone(), uri, None).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
            assert!(
                !body.contains("/nonexistent"),
                "details stay in the log: {body}"
            );
        }
    }
}
