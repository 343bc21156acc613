//! The reports on the page: `GET /api/v1/report/origin` (JSON),
//! `/api/v1/report/origin.csv` (`?table=summary`, `trend` or `unknowns`)
//! and `.xlsx` (every table, a sheet each), and
//! `/api/v1/report/evidence.zip?date=YYYY-MM-DD` (the audit evidence
//! package, as `pandian report evidence` writes it). Each is one store
//! read under the page's read permits; the report is built and encoded on
//! the same blocking thread. Downloads say what they are
//! (Content-Type, Content-Disposition) and are never sniffed.

use super::{AppError, AppState, Params};
use crate::report::evidence;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};

/// The report routes (merged into [`super::app`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/report/origin", get(origin_json))
        .route("/api/v1/report/origin.csv", get(origin_csv))
        .route("/api/v1/report/origin.xlsx", get(origin_xlsx))
        .route("/api/v1/report/evidence.zip", get(evidence_zip))
}

/// The Content-Type of an .xlsx workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn now() -> String {
    crate::timefmt::system(std::time::SystemTime::now())
}

/// A download: its type, an attachment name, no sniffing, no caching.
pub(super) fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

async fn origin_json(State(state): State<AppState>) -> Result<Response, AppError> {
    let now = now();
    let report = state
        .with_store(move |s| s.origin_report(&now, None))
        .await?;
    Ok(Json(report.to_json()).into_response())
}

async fn origin_csv(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let table = params.get("table").unwrap_or("summary").to_string();
    if !["summary", "trend", "unknowns"].contains(&table.as_str()) {
        return Err(AppError::BadRequest(format!(
            "table `{}` is not one of summary, trend, unknowns",
            table.chars().take(40).collect::<String>()
        )));
    }
    let now = now();
    let day = evidence::day_of(&now).to_string();
    let name = match table.as_str() {
        "summary" => format!("pandian-origin-{day}.csv"),
        other => format!("pandian-origin-{other}-{day}.csv"),
    };
    let bytes = state
        .with_store(move |s| {
            let r = s.origin_report(&now, None)?;
            let rows = match table.as_str() {
                "trend" => r.trend_table(),
                "unknowns" => r.unknown_table(),
                _ => r.summary_table(),
            };
            Ok(crate::report::csv::write(rows))
        })
        .await?;
    Ok(download(bytes, "text/csv; charset=utf-8", &name))
}

async fn origin_xlsx(State(state): State<AppState>) -> Result<Response, AppError> {
    let now = now();
    let day = evidence::day_of(&now).to_string();
    let bytes = state
        .with_store(move |s| {
            Ok(evidence::origin_xlsx(&s.origin_report(&now, None)?).map_err(|e| e.to_string()))
        })
        .await?
        .map_err(AppError::Internal)?;
    Ok(download(
        bytes,
        XLSX_TYPE,
        &format!("pandian-origin-{day}.xlsx"),
    ))
}

async fn evidence_zip(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let now = now();
    let date = params
        .get("date")
        .map_or_else(|| evidence::day_of(&now).to_string(), str::to_string);
    let cutoff = evidence::cutoff_of(&date).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let name = format!("pandian-evidence-{date}.zip");
    let bytes = state
        .with_store(move |s| {
            let data = s.evidence(&now, &date, &cutoff)?;
            Ok(evidence::package(&data).map_err(|e| e.to_string()))
        })
        .await?
        .map_err(AppError::Internal)?;
    Ok(download(bytes, "application/zip", &name))
}

#[cfg(test)]
mod tests;
