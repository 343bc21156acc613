//! The origin report's tables: after every run, [`snapshot`] counts the
//! devices the run saw by origin, class and vendor into `origin_snapshots`
//! (the trend; derived, so a rebuild writes the same rows again); the
//! reads count the live devices now, list the unknown-origin ones with
//! their fingerprint's evidence, and read the trend back.

use super::{Store, StoreError};
use crate::report::origin::{
    Counted, Origin, OriginEvidence, OriginReport, TrendPoint, UnknownDevice,
};
use rusqlite::{Connection, params};

/// The most unknown-origin devices a report lists (the total is still counted).
pub const MAX_UNKNOWNS: u32 = 5000;
/// The most runs a report's trend goes back.
pub const MAX_TREND_RUNS: u32 = 1000;
/// Evidence entries kept per unknown device, and facts per entry.
const MAX_EVIDENCE: usize = 16;
const MAX_FACTS: usize = 8;

/// `vendor_origin` as one of the three origins, in SQL.
const ORIGIN_SQL: &str =
    "CASE WHEN d.vendor_origin IN ('domestic', 'foreign') THEN d.vendor_origin ELSE 'unknown' END";

/// Write run `run_id`'s snapshot: the devices it saw (live devices it
/// took a sighting into: their `last_run` is this run), counted by origin,
/// class and vendor. Replaces any earlier snapshot of the run. Runs in the
/// caller's transaction, after the run was taken into `devices`.
pub fn snapshot(conn: &Connection, run_id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM origin_snapshots WHERE run_id = ?1")?
        .execute(params![run_id])?;
    conn.prepare_cached(&format!(
        "INSERT INTO origin_snapshots (run_id, time, job, origin, class, vendor, devices)
         SELECT s.id, s.started_at, s.job, {ORIGIN_SQL}, COALESCE(d.class, ''), COALESCE(d.vendor, ''), COUNT(*)
         FROM scans s JOIN devices d
           ON d.merged_into IS NULL AND d.last_seen = s.started_at AND d.last_run = s.id
         WHERE s.id = ?1
         GROUP BY 4, 5, 6"
    ))?
    .execute(params![run_id])?;
    Ok(())
}

/// The vendor and origin evidence in a stored fingerprint (JSON written
/// from [`crate::fingerprint::Identity`]); nothing when it does not parse.
fn origin_evidence(identity: Option<&str>) -> Vec<OriginEvidence> {
    let Some(v) = identity.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) else {
        return Vec::new();
    };
    let text = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    v.get("evidence")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| {
            matches!(
                e.get("field").and_then(|f| f.as_str()),
                Some("vendor" | "vendor_origin")
            )
        })
        .take(MAX_EVIDENCE)
        .map(|e| OriginEvidence {
            field: text(e, "field"),
            value: text(e, "value"),
            rule: text(e, "rule"),
            facts: e
                .get("facts")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .take(MAX_FACTS)
                .map(|f| {
                    let name = f
                        .get("name")
                        .and_then(serde_json::Value::as_str)
                        .map_or_else(|| text(f, "source"), str::to_string);
                    format!("{name}: {}", text(f, "value"))
                })
                .collect(),
        })
        .collect()
}

impl Store {
    /// Live devices counted by origin, class and vendor; with `until`
    /// (RFC 3339), only those first seen by then.
    pub fn origin_counts(&self, until: Option<&str>) -> Result<Vec<Counted>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "SELECT {ORIGIN_SQL}, COALESCE(d.class, ''), COALESCE(d.vendor, ''), COUNT(*) FROM devices d
                 WHERE d.merged_into IS NULL AND (?1 IS NULL OR d.first_seen <= ?1)
                 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![until], |r| {
                let origin: String = r.get(0)?;
                Ok(Counted {
                    origin: Origin::from_stored(Some(&origin)),
                    class: r.get(1)?,
                    vendor: r.get(2)?,
                    devices: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The newest `limit` runs taken into the derived tables (started by
    /// `until`, when given), each with its snapshot summed over class and
    /// vendor (zeros for a run that saw nothing), oldest first.
    pub fn origin_trend(
        &self,
        until: Option<&str>,
        limit: u32,
    ) -> Result<Vec<TrendPoint>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT s.id, s.started_at, s.job,
                        COALESCE(SUM(CASE o.origin WHEN 'domestic' THEN o.devices END), 0),
                        COALESCE(SUM(CASE o.origin WHEN 'foreign' THEN o.devices END), 0),
                        COALESCE(SUM(CASE o.origin WHEN 'unknown' THEN o.devices END), 0)
                 FROM scans s LEFT JOIN origin_snapshots o ON o.run_id = s.id
                 WHERE s.applied_seq IS NOT NULL AND (?1 IS NULL OR s.started_at <= ?1)
                 GROUP BY s.id ORDER BY s.id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let rows = stmt
            .query_map(params![until, limit.min(MAX_TREND_RUNS)], |r| {
                Ok(TrendPoint {
                    run_id: r.get(0)?,
                    time: r.get(1)?,
                    job: r.get(2)?,
                    domestic: n(r.get(3)?),
                    foreign: n(r.get(4)?),
                    unknown: n(r.get(5)?),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out: Vec<TrendPoint> = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        out.reverse();
        Ok(out)
    }

    /// Live devices of unknown origin (first seen by `until`, when given),
    /// lowest id first, at most `limit`, with their fingerprint's vendor
    /// and origin evidence.
    pub fn origin_unknowns(
        &self,
        until: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UnknownDevice>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT d.id, d.ip, d.mac, d.mac_vendor, d.hostname, d.sys_name, d.sys_object_id, d.sys_descr,
                        d.class, d.vendor, d.last_seen, f.identity
                 FROM devices d LEFT JOIN fingerprints f ON f.device_id = d.id
                 WHERE d.merged_into IS NULL
                   AND (d.vendor_origin IS NULL OR d.vendor_origin NOT IN ('domestic', 'foreign'))
                   AND (?1 IS NULL OR d.first_seen <= ?1)
                 ORDER BY d.id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![until, limit.min(MAX_UNKNOWNS)], |r| {
                let identity: Option<String> = r.get(11)?;
                Ok(UnknownDevice {
                    id: r.get(0)?,
                    ip: r.get(1)?,
                    mac: r.get(2)?,
                    mac_vendor: r.get(3)?,
                    hostname: r.get(4)?,
                    sys_name: r.get(5)?,
                    sys_object_id: r.get(6)?,
                    sys_descr: r.get(7)?,
                    class: r.get(8)?,
                    vendor: r.get(9)?,
                    last_seen: r.get(10)?,
                    evidence: origin_evidence(identity.as_deref()),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The whole origin report, made at `now`: live devices (first seen by
    /// `until`, when given), the trend up to then, the unknowns.
    pub fn origin_report(
        &self,
        now: &str,
        until: Option<&str>,
    ) -> Result<OriginReport, StoreError> {
        let counted = self.origin_counts(until)?;
        let trend = self.origin_trend(until, MAX_TREND_RUNS)?;
        let unknowns = self.origin_unknowns(until, MAX_UNKNOWNS)?;
        Ok(OriginReport::build(now, until, &counted, trend, unknowns))
    }
}

#[cfg(test)]
mod tests;
