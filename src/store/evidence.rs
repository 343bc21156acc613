//! Reads for the audit evidence package, as of a cutoff (the end of a UTC
//! day): live devices first seen by then, the register imported by then
//! with its matches, findings first seen by then in their state then, and
//! runs started by then with their parameters. Schema 4's tables, read as
//! `0004_audit.sql` describes them (other parts of Pandian write them).

use super::{Store, StoreError};
use crate::report::evidence::{
    ASSET_COLUMNS, AssetRow, Evidence, FindingRow, ImportRow, InventoryRow, ScanEvidence,
};
use rusqlite::params;

impl Store {
    /// Live devices first seen by `cutoff`, by id, with every address they
    /// hold and the asset each matched.
    pub fn evidence_inventory(&self, cutoff: &str) -> Result<Vec<InventoryRow>, StoreError> {
        let conn = self.connection();
        let mut stmt = conn
            .prepare(
                "SELECT d.id, d.ip, d.mac, d.mac_vendor, d.hostname, d.sys_name, d.class, d.vendor, d.model,
                        d.serial, d.os, d.firmware, d.vendor_origin, d.confidence, d.seen_by, d.first_seen,
                        d.last_seen, (SELECT asset_tag FROM asset_matches m WHERE m.device_id = d.id),
                        (SELECT group_concat(ip, ' ') FROM (SELECT ip FROM device_addresses a
                            WHERE a.device_id = d.id AND a.active = 1 ORDER BY a.ip_key))
                 FROM devices d WHERE d.merged_into IS NULL AND d.first_seen <= ?1 ORDER BY d.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![cutoff], |r| {
                let addresses: Option<String> = r.get(18)?;
                Ok(InventoryRow {
                    id: r.get(0)?,
                    ip: r.get(1)?,
                    mac: r.get(2)?,
                    mac_vendor: r.get(3)?,
                    hostname: r.get(4)?,
                    sys_name: r.get(5)?,
                    class: r.get(6)?,
                    vendor: r.get(7)?,
                    model: r.get(8)?,
                    serial: r.get(9)?,
                    os: r.get(10)?,
                    firmware: r.get(11)?,
                    vendor_origin: r.get(12)?,
                    confidence: r.get(13)?,
                    seen_by: r.get(14)?,
                    first_seen: r.get(15)?,
                    last_seen: r.get(16)?,
                    asset_tag: r.get(17)?,
                    addresses: addresses
                        .unwrap_or_default()
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The register as imported by `cutoff` (its current values), each
    /// asset with the device it matched; and the imports by then.
    pub fn evidence_register(
        &self,
        cutoff: &str,
    ) -> Result<(Vec<AssetRow>, Vec<ImportRow>), StoreError> {
        let conn = self.connection();
        let cols: Vec<String> = ASSET_COLUMNS
            .iter()
            .map(|(c, _)| format!("a.{c}"))
            .collect();
        let n = ASSET_COLUMNS.len();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {}, m.device_id, m.method, m.confidence, m.evidence FROM assets a
                 LEFT JOIN asset_matches m ON m.asset_tag = a.asset_tag
                 WHERE a.first_imported <= ?1 ORDER BY a.asset_tag",
                cols.join(", ")
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![cutoff], |r| {
                Ok(AssetRow {
                    fields: (0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?,
                    device_id: r.get(n)?,
                    method: r.get(n + 1)?,
                    confidence: r.get(n + 2)?,
                    evidence: r.get(n + 3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let assets: Vec<AssetRow> = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        let mut stmt = conn
            .prepare(
                "SELECT id, time, file, sha256, added, updated, unchanged FROM asset_imports
                 WHERE time <= ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![cutoff], |r| {
                Ok(ImportRow {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    file: r.get(2)?,
                    sha256: r.get(3)?,
                    added: r.get(4)?,
                    updated: r.get(5)?,
                    unchanged: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let imports = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        Ok((assets, imports))
    }

    /// Findings first seen by `cutoff`, by id, in their state then: open,
    /// acknowledged (open, with an acknowledgement made by then) or
    /// resolved (resolved by then).
    pub fn evidence_findings(&self, cutoff: &str) -> Result<Vec<FindingRow>, StoreError> {
        let conn = self.connection();
        let mut stmt = conn
            .prepare(
                "SELECT f.id, f.kind, f.severity, f.state, f.device_id, f.asset_tag, f.ip, f.mac, f.summary,
                        f.evidence, f.first_seen, f.last_seen, f.resolved_at, k.reason, k.by, k.time
                 FROM findings f
                 LEFT JOIN finding_acks k ON k.key = f.key AND k.first_run = f.first_run AND k.time <= ?1
                 WHERE f.first_seen <= ?1 ORDER BY f.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![cutoff], |r| {
                let stored: String = r.get(3)?;
                let resolved_at: Option<String> = r.get(12)?;
                let reason: Option<String> = r.get(13)?;
                let ack = match reason {
                    Some(reason) => Some((
                        reason,
                        r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                        r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                    )),
                    None => None,
                };
                let (state, resolved) =
                    FindingRow::state_at(&stored, resolved_at.as_deref(), ack.is_some(), cutoff);
                Ok(FindingRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    severity: r.get(2)?,
                    state: state.to_string(),
                    device_id: r.get(4)?,
                    asset_tag: r.get(5)?,
                    ip: r.get(6)?,
                    mac: r.get(7)?,
                    summary: r.get(8)?,
                    evidence: r.get(9)?,
                    first_seen: r.get(10)?,
                    last_seen: r.get(11)?,
                    resolved_at: resolved_at.filter(|_| resolved),
                    ack,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Runs started by `cutoff`, oldest first, with their parameters
    /// (exclusions, rate, credential names) and coverage. Error texts
    /// never name the database file.
    pub fn evidence_scans(&self, cutoff: &str) -> Result<Vec<ScanEvidence>, StoreError> {
        let conn = self.connection();
        let mut stmt = conn
            .prepare(
                "SELECT id, job, status, started_at, finished_at, targets, addresses, hosts_up, excluded,
                        devices, snmp_ok, error, params
                 FROM scans WHERE started_at <= ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let shown = self.path().display().to_string();
        let rows = stmt
            .query_map(params![cutoff], |r| {
                let params_json: Option<String> = r.get(12)?;
                let p: serde_json::Value = params_json
                    .as_deref()
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default();
                let error: Option<String> = r.get(11)?;
                Ok(ScanEvidence {
                    id: r.get(0)?,
                    job: r.get(1)?,
                    status: r.get(2)?,
                    started_at: r.get(3)?,
                    finished_at: r.get(4)?,
                    targets: r.get(5)?,
                    scanned: r.get(6)?,
                    answered: r.get(7)?,
                    excluded: r.get(8)?,
                    devices: r.get(9)?,
                    snmp_ok: r.get(10)?,
                    error: error.map(|e| {
                        if shown.is_empty() {
                            e
                        } else {
                            e.replace(&shown, "(the database file)")
                        }
                    }),
                    exclude: p
                        .get("exclude")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    rate: p.get("rate").and_then(serde_json::Value::as_u64),
                    credentials: p
                        .get("credentials")
                        .and_then(|v| v.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|c| c.as_str().map(str::to_string))
                        .collect(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Everything the evidence package for UTC day `date` holds (`cutoff`
    /// is the end of that day), made at `now`. One read transaction, so
    /// every file describes the same state (the caller's, when it reads in
    /// one already: the page's [`snapshot`](super::pool::Lease::snapshot)).
    pub fn evidence(&self, now: &str, date: &str, cutoff: &str) -> Result<Evidence, StoreError> {
        let own = self.connection().is_autocommit();
        if own {
            self.connection()
                .execute_batch("BEGIN")
                .map_err(|e| self.err(e))?;
        }
        let read = (|| {
            let inventory = self.evidence_inventory(cutoff)?;
            let (assets, imports) = self.evidence_register(cutoff)?;
            let findings = self.evidence_findings(cutoff)?;
            let scans = self.evidence_scans(cutoff)?;
            let origin = self.origin_report(now, Some(cutoff))?;
            Ok(Evidence {
                generated_at: now.to_string(),
                date: date.to_string(),
                cutoff: cutoff.to_string(),
                inventory,
                assets,
                imports,
                findings,
                scans,
                origin,
            })
        })();
        if own {
            // A read transaction: ending it cannot lose anything.
            let _ = self.connection().execute_batch("COMMIT");
        }
        read
    }
}
