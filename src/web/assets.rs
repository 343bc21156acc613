//! `GET /api/v1/assets`: the approved register with each asset's match, in
//! the devices envelope (`items`, `next`), paged by asset tag.
//!
//! - no `unmatched`: every asset, each with `match` (`device_id`,
//!   `method`, `confidence`, `evidence`) or null;
//! - `unmatched=assets`: only the assets no device matched;
//! - `unmatched=devices`: the live devices no asset matched instead (`id`,
//!   `ip`, `mac`, `hostname`, `class`, `vendor`, `model`, `serial`,
//!   `last_seen`), paged by id.
//!
//! `limit` (default 100, max 1000) and `after` (the cursor) as for devices.

use super::{AppError, AppState, Params};
use crate::store::assets::AssetFilter;
use crate::store::read::QueryError;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

pub(super) async fn api_assets(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let limit = params
        .get("limit")
        .map_or(100, |l| l.parse::<u32>().unwrap_or(100))
        .clamp(1, 1000);
    let after = params.get("after").map(str::to_string);
    let body = match params.get("unmatched") {
        Some("devices") => {
            let after = match after.as_deref() {
                Some(a) => Some(
                    a.parse::<i64>()
                        .map_err(|_| AppError::BadRequest(QueryError::Cursor.to_string()))?,
                ),
                None => None,
            };
            let page = state
                .with_store(move |s| s.unmatched_devices(limit, after))
                .await?;
            serde_json::json!({ "items": page.items, "next": page.next })
        }
        other => {
            let filter = match other {
                None => AssetFilter::All,
                Some("assets") => AssetFilter::Unmatched,
                Some(v) => {
                    return Err(AppError::BadRequest(format!(
                        "unmatched `{}` is not `assets` or `devices`",
                        v.chars().take(64).collect::<String>()
                    )));
                }
            };
            let page = state
                .with_store(move |s| s.assets(filter, limit, after.as_deref()))
                .await?
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            serde_json::json!({ "items": page.items, "next": page.next })
        }
    };
    Ok(Json(body).into_response())
}

#[cfg(test)]
#[path = "assets_tests.rs"]
mod tests;
