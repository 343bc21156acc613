//! `GET /api/v1/devices`, `/api/v1/findings` and `/api/v1/scans`: one page
//! in the JSON envelope (`items`, `next`: give `next` as `after` for the
//! following page), or with `format=csv` / `format=xlsx` every matching
//! row from `after` on (at most [`export::MAX_ROWS`]) as a download.
//! Filters and sorting are the same in every format and run in SQL.

use super::super::report::{XLSX_TYPE, download};
use super::super::{AppError, AppState, Params, device_id, redact};
use super::export::{self, Format, Table};
use crate::store::findings::FindingQuery;
use crate::store::read::QueryError;
use crate::store::{Page, Store, StoreError};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

fn bad(e: impl ToString) -> AppError {
    AppError::BadRequest(e.to_string())
}

/// `limit` as the lists read it: 1..=1000, 100 when absent or not a number.
fn limit(params: &Params) -> u32 {
    params
        .get("limit")
        .map_or(100, |l| l.parse::<u32>().unwrap_or(100))
        .clamp(1, 1000)
}

/// Every page of a list from its first cursor on, at most
/// [`export::MAX_ROWS`] rows; true when that cut it short.
fn every<T>(
    mut page: impl FnMut(Option<String>) -> Result<Result<Page<T>, String>, StoreError>,
    first: Option<String>,
) -> Result<Result<(Vec<T>, bool), String>, StoreError> {
    let mut rows = Vec::new();
    let mut after = first;
    loop {
        let p = match page(after)? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        rows.extend(p.items);
        if rows.len() >= export::MAX_ROWS {
            let cut = rows.len() > export::MAX_ROWS || p.next.is_some();
            rows.truncate(export::MAX_ROWS);
            return Ok(Ok((rows, cut)));
        }
        match p.next {
            Some(n) => after = Some(n),
            None => return Ok(Ok((rows, false))),
        }
    }
}

/// A table as the download `format` asks for.
fn deliver(table: &Table, format: Format, truncated: bool) -> Result<Response, AppError> {
    let day =
        crate::report::evidence::day_of(&crate::timefmt::system(std::time::SystemTime::now()))
            .to_string();
    let bytes = table.encode(format).map_err(AppError::Internal)?;
    let (content_type, ext) = match format {
        Format::Xlsx => (XLSX_TYPE, "xlsx"),
        _ => ("text/csv; charset=utf-8", "csv"),
    };
    let mut resp = download(
        bytes,
        content_type,
        &format!("pandian-{}-{day}.{ext}", table.name),
    );
    if truncated {
        resp.headers_mut()
            .insert(export::TRUNCATED, HeaderValue::from_static("true"));
    }
    Ok(resp)
}

pub(in crate::web) async fn devices(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let format = Format::parse(params.get("format")).map_err(bad)?;
    let query = params.device_query().map_err(bad)?;
    if format == Format::Json {
        let page = state
            .with_store(move |s| s.devices(&query))
            .await?
            .map_err(bad)?;
        let items: Vec<serde_json::Value> = page.items.iter().map(|d| d.to_json()).collect();
        return Ok(Json(serde_json::json!({ "items": items, "next": page.next })).into_response());
    }
    let (rows, cut) = state
        .with_store(move |s: &Store| {
            let mut q = query;
            q.limit = 1000;
            let first = q.after.take();
            every(
                |after| {
                    q.after = after;
                    Ok(s.devices(&q)?.map_err(|e: QueryError| e.to_string()))
                },
                first,
            )
        })
        .await?
        .map_err(bad)?;
    deliver(&export::devices(&rows), format, cut)
}

pub(in crate::web) async fn findings(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let format = Format::parse(params.get("format")).map_err(bad)?;
    let query = FindingQuery {
        limit: limit(&params),
        after: params.get("after").map(str::to_string),
        kind: params.get("kind").map(str::to_string),
        state: params.get("state").map(str::to_string),
        severity: params.get("severity").map(str::to_string),
        device: match params.get("device") {
            None => None,
            Some(d) => Some(device_id(d).ok_or_else(|| bad(format!("device `{d}` is not an id")))?),
        },
    };
    query.validate().map_err(bad)?;
    if format == Format::Json {
        let page = state.with_store(move |s| s.findings(&query)).await?;
        return Ok(
            Json(serde_json::json!({ "items": page.items, "next": page.next })).into_response(),
        );
    }
    let (rows, cut) = state
        .with_store(move |s| {
            let mut q = query;
            q.limit = 1000;
            let first = q.after.take();
            every(
                |after| {
                    q.after = after;
                    Ok(Ok(s.findings(&q)?))
                },
                first,
            )
        })
        .await?
        .map_err(bad)?;
    deliver(&export::findings(&rows), format, cut)
}

pub(in crate::web) async fn scans(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let format = Format::parse(params.get("format")).map_err(bad)?;
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<u32>().ok())
        .unwrap_or(100);
    let after = match params.get("after") {
        Some(a) => Some(a.parse::<i64>().map_err(|_| bad(QueryError::Cursor))?),
        None => None,
    };
    let job = match params.get("job") {
        Some(j) if crate::job::valid_name(j) => Some(j.to_string()),
        Some(j) => return Err(bad(QueryError::Job(j.chars().take(40).collect()))),
        None => None,
    };
    let db = state.inner.pool.path().to_path_buf();
    if format == Format::Json {
        let mut page = state
            .with_store(move |s| s.scans_of(job.as_deref(), limit, after))
            .await?;
        for scan in &mut page.items {
            redact(scan, &db);
        }
        return Ok(
            Json(serde_json::json!({ "items": page.items, "next": page.next })).into_response(),
        );
    }
    let (mut rows, cut) = state
        .with_store(move |s| {
            every(
                |after| {
                    let after = after.and_then(|a| a.parse::<i64>().ok());
                    Ok(Ok(s.scans_of(job.as_deref(), 1000, after)?))
                },
                after.map(|a| a.to_string()),
            )
        })
        .await?
        .map_err(bad)?;
    for scan in &mut rows {
        redact(scan, &db);
    }
    deliver(&export::scans(&rows), format, cut)
}
