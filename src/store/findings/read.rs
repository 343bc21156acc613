//! Reading findings: the API's and the page's list (filters, paging) and
//! acknowledging one from the CLI.

use crate::audit;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Filters and paging for [`Store::findings`].
#[derive(Debug, Clone, Default)]
pub struct FindingQuery {
    /// Rows per page (1..=1000; 0 means 100).
    pub limit: u32,
    /// Continue after this cursor (`next` of the previous page).
    pub after: Option<String>,
    /// One of [`crate::audit::KINDS`].
    pub kind: Option<String>,
    /// `open` (not acknowledged), `acknowledged`, `resolved`.
    pub state: Option<String>,
    /// One of [`crate::audit::SEVERITIES`].
    pub severity: Option<String>,
    /// Findings about this device.
    pub device: Option<i64>,
}

/// A filter the findings cannot take.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FindingQueryError(pub String);

impl FindingQuery {
    /// Check the filters' values.
    pub fn validate(&self) -> Result<(), FindingQueryError> {
        if let Some(k) = &self.kind
            && !audit::KINDS.contains(&k.as_str())
        {
            return Err(FindingQueryError(format!(
                "kind `{k}` is not one of {}",
                audit::KINDS.join(", ")
            )));
        }
        if let Some(s) = &self.state
            && !["open", "acknowledged", "resolved"].contains(&s.as_str())
        {
            return Err(FindingQueryError(format!(
                "state `{s}` is not one of open, acknowledged, resolved"
            )));
        }
        if let Some(s) = &self.severity
            && !audit::SEVERITIES.contains(&s.as_str())
        {
            return Err(FindingQueryError(format!(
                "severity `{s}` is not one of {}",
                audit::SEVERITIES.join(", ")
            )));
        }
        if let Some(a) = &self.after
            && a.parse::<i64>().is_err()
        {
            return Err(FindingQueryError(format!("after `{a}` is not a cursor")));
        }
        Ok(())
    }
}

/// An acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ack {
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When (RFC 3339).
    pub time: String,
}

/// One finding as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    /// Id.
    pub id: i64,
    /// The condition's key.
    pub key: String,
    /// Kind.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// `open`, `acknowledged` or `resolved`.
    pub state: String,
    /// The device.
    pub device_id: Option<i64>,
    /// The approved asset.
    pub asset_tag: Option<String>,
    /// Address.
    pub ip: Option<String>,
    /// MAC.
    pub mac: Option<String>,
    /// One line.
    pub summary: String,
    /// What it rests on.
    pub evidence: Vec<audit::Evidence>,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
    /// When it resolved.
    pub resolved_at: Option<String>,
    /// The acknowledgement, if any.
    pub ack: Option<Ack>,
}

const FINDING_COLUMNS: &str =
    "f.id, f.key, f.kind, f.severity, f.state, f.device_id, f.asset_tag, f.ip, f.mac,
     f.summary, f.evidence, f.first_seen, f.last_seen, f.resolved_at, a.reason, a.by, a.time";

fn finding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRow> {
    let evidence: String = r.get(10)?;
    let state: String = r.get(4)?;
    let reason: Option<String> = r.get(14)?;
    let ack = match reason {
        Some(reason) => Some(Ack {
            reason,
            by: r.get(15)?,
            time: r.get(16)?,
        }),
        None => None,
    };
    Ok(FindingRow {
        id: r.get(0)?,
        key: r.get(1)?,
        kind: r.get(2)?,
        severity: r.get(3)?,
        state: if state == "open" && ack.is_some() {
            "acknowledged".into()
        } else {
            state
        },
        device_id: r.get(5)?,
        asset_tag: r.get(6)?,
        ip: r.get(7)?,
        mac: r.get(8)?,
        summary: r.get(9)?,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        first_seen: r.get(11)?,
        last_seen: r.get(12)?,
        resolved_at: r.get(13)?,
        ack,
    })
}

/// A finding that cannot be acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// No finding has this id.
    #[error("no finding has id {0} (pandian findings list shows them)")]
    NoSuchFinding(i64),
    /// The reason is empty.
    #[error("give a reason (--reason TEXT)")]
    NoReason,
    /// SQLite refused.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Acknowledge finding `id`; acknowledging it again replaces the reason.
pub fn acknowledge(
    conn: &Connection,
    id: i64,
    reason: &str,
    by: &str,
    time: &str,
) -> Result<FindingRow, AckError> {
    let reason = crate::text::clean(reason, 512);
    if reason.trim().is_empty() {
        return Err(AckError::NoReason);
    }
    let (key, first_run): (String, i64) = conn
        .query_row(
            "SELECT key, first_run FROM findings WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(AckError::NoSuchFinding(id))?;
    conn.execute(
        "INSERT INTO finding_acks (key, first_run, reason, by, time) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(key, first_run) DO UPDATE SET reason = excluded.reason, by = excluded.by, time = excluded.time",
        params![key, first_run, reason, crate::text::clean(by, 128), time],
    )?;
    finding(conn, id)?.ok_or(AckError::NoSuchFinding(id))
}

/// One finding by id.
pub fn finding(conn: &Connection, id: i64) -> rusqlite::Result<Option<FindingRow>> {
    conn.query_row(
        &format!(
            "SELECT {FINDING_COLUMNS} FROM findings f
             LEFT JOIN finding_acks a ON a.key = f.key AND a.first_run = f.first_run
             WHERE f.id = ?1"
        ),
        params![id],
        finding_row,
    )
    .optional()
}

/// The SQL of [`list`], its arguments and the page size.
fn select(q: &FindingQuery) -> (String, Vec<rusqlite::types::Value>, u32) {
    let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) };
    let mut sql = format!(
        "SELECT {FINDING_COLUMNS} FROM findings f
         LEFT JOIN finding_acks a ON a.key = f.key AND a.first_run = f.first_run WHERE 1 = 1"
    );
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(k) = &q.kind {
        sql.push_str(" AND f.kind = ?");
        args.push(k.clone().into());
    }
    if let Some(s) = &q.severity {
        sql.push_str(" AND f.severity = ?");
        args.push(s.clone().into());
    }
    if let Some(d) = q.device {
        sql.push_str(" AND f.device_id = ?");
        args.push(d.into());
    }
    match q.state.as_deref() {
        Some("open") => sql.push_str(" AND f.state = 'open' AND a.key IS NULL"),
        Some("acknowledged") => sql.push_str(" AND f.state = 'open' AND a.key IS NOT NULL"),
        Some("resolved") => sql.push_str(" AND f.state = 'resolved'"),
        _ => {}
    }
    if let Some(after) = q.after.as_deref().and_then(|a| a.parse::<i64>().ok()) {
        sql.push_str(" AND f.id < ?");
        args.push(after.into());
    }
    sql.push_str(" ORDER BY f.id DESC LIMIT ?");
    args.push(i64::from(limit + 1).into());
    (sql, args, limit)
}

/// A page of findings, newest first.
pub fn list(
    conn: &Connection,
    q: &FindingQuery,
) -> rusqlite::Result<super::super::Page<FindingRow>> {
    let (sql, args, limit) = select(q);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), finding_row)?;
    let mut items: Vec<FindingRow> = rows.collect::<Result<_, _>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|f| f.id.to_string())
    } else {
        None
    };
    Ok(super::super::Page { items, next })
}

impl super::super::Store {
    /// How many findings are open and not acknowledged.
    pub fn open_findings(&self) -> Result<i64, super::super::StoreError> {
        Ok(self
            .tally()?
            .findings_unacknowledged
            .iter()
            .map(|(_, n)| n)
            .sum())
    }

    /// SQLite's plan for the finding list `q` asks for (`EXPLAIN QUERY PLAN`).
    pub fn finding_plan(&self, q: &FindingQuery) -> Result<Vec<String>, super::super::StoreError> {
        let (sql, args, _) = select(q);
        self.plan(&sql, &args)
    }

    /// A page of findings, newest first ([`list`]).
    pub fn findings(
        &self,
        q: &FindingQuery,
    ) -> Result<super::super::Page<FindingRow>, super::super::StoreError> {
        list(self.connection(), q).map_err(|e| self.err(e))
    }

    /// Acknowledge finding `id` ([`acknowledge`]).
    pub fn acknowledge_finding(
        &mut self,
        id: i64,
        reason: &str,
        by: &str,
        time: &str,
    ) -> Result<FindingRow, AckError> {
        acknowledge(self.connection(), id, reason, by, time)
    }
}
