//! The JSON API's lists and what describes them: `GET /api/v1/devices`,
//! `/api/v1/findings`, `/api/v1/scans` ([`lists`]: paged JSON, or every
//! matching row as CSV or XLSX with `format=`, [`export`]),
//! `/api/v1/jobs` ([`jobs`]), `/api/v1/openapi.json`
//! ([`super::openapi`]) and `/metrics` ([`super::metrics`]). The other
//! API paths (one device, assets, reports) are registered by
//! [`super::app`].

pub mod export;
pub mod jobs;
mod lists;

use super::AppState;
use axum::Router;
use axum::routing::get;

/// The routes (merged into [`super::app`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/devices", get(lists::devices))
        .route("/api/v1/findings", get(lists::findings))
        .route("/api/v1/scans", get(lists::scans))
        .route("/api/v1/jobs", get(jobs::list))
        .route("/api/v1/openapi.json", get(super::openapi::document))
        .route("/metrics", get(super::metrics::metrics))
}
