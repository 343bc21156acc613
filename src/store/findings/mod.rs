//! Findings: after each run, the conditions of [`crate::audit`] evaluated
//! over what the run covered, kept as rows that open when a condition
//! starts, move their `last_seen` while it holds and resolve when it clears
//! (never deleted); each change an event for the alerts. And reading them:
//! the API's list and the CLI's acknowledgement.
//!
//! What a run covers: the devices at addresses it was asked about (seen or
//! not: one it did not see has nothing holding), the ports of the switches
//! whose forwarding table it read, the addresses it asked about (IP
//! conflicts), and the register (assets, warranties) and MAC moves, which
//! every run re-evaluates whole.

mod network;
mod read;

pub use read::{
    Ack, AckError, FindingQuery, FindingQueryError, FindingRow, acknowledge, finding, list,
};

use super::DeriveOptions;
use super::derive::Run;
use crate::audit::{self, AssetView, Condition, Context, DeviceView};
use network::{address_answers, dhcp_offers, mac_moves, switch_ports, track_macs};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashSet;
use std::net::IpAddr;

/// What evaluating one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluated {
    /// Findings opened.
    pub opened: usize,
    /// Findings resolved.
    pub resolved: usize,
    /// Conditions that hold after the run.
    pub holding: usize,
}

/// Which open findings a run speaks about.
struct Scope {
    devices: HashSet<i64>,
    switches: HashSet<i64>,
    /// The run sent the DHCP probe (segment probes).
    dhcp: bool,
    run: Run,
}

impl Scope {
    fn covers(&self, kind: &str, key: &str, device: Option<i64>, ip: Option<&str>) -> bool {
        match kind {
            "asset_missing" | "warranty" | "mac_moved" => true,
            "ip_conflict" => ip
                .and_then(|i| i.parse::<IpAddr>().ok())
                .is_some_and(|i| self.run.covers(i)),
            "unmanaged_switch" if key.starts_with("unmanaged_switch:port:") => {
                device.is_some_and(|d| self.switches.contains(&d))
            }
            // DHCP offers come from the DHCP probe (segment probes); a run
            // without it says nothing about them.
            "rogue_dhcp" => self.dhcp,
            _ => device.is_some_and(|d| self.devices.contains(&d)),
        }
    }
}

/// Evaluate the findings of run `run_id` (already taken into the derived
/// tables) and write the changes. Runs in the caller's transaction.
pub fn evaluate(
    conn: &Connection,
    run_id: i64,
    opts: &DeriveOptions,
) -> rusqlite::Result<Evaluated> {
    let run = Run::load(conn, run_id)?;
    let policy = &opts.policy;
    let register_loaded: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM assets)", [], |r| r.get(0))?;
    let now = run.time.clone();
    let cx = Context {
        policy,
        now_unix: run.unix,
        now: &now,
        register_loaded,
    };
    let mut conditions: Vec<Condition> = Vec::new();

    // Devices at the addresses the run asked about.
    let first_runs = first_runs_of_jobs(conn, &run)?;
    let dhcp: bool = conn.query_row(
        "SELECT COALESCE(json_extract(params, '$.segment_probes'), 0) FROM scans WHERE id = ?1",
        params![run_id],
        |r| r.get(0),
    )?;
    let mut scope = Scope {
        devices: HashSet::new(),
        switches: HashSet::new(),
        dhcp,
        run,
    };
    let views = device_views(conn, &scope.run, &first_runs)?;
    for mut d in views {
        scope.devices.insert(d.id);
        let mut got = audit::device_conditions(&d, &cx);
        if got
            .iter()
            .any(|c| c.kind.starts_with("policy_") || c.kind == "unmanaged_switch")
        {
            // Cite the fingerprint's own evidence for the fields at issue.
            d.fingerprint = fingerprint_evidence(conn, d.id)?;
            got = audit::device_conditions(&d, &cx);
        }
        conditions.extend(got);
    }

    // Ports of the switches whose forwarding table the run read.
    let ports = switch_ports(conn, &scope.run)?;
    for p in &ports {
        scope.switches.insert(p.switch_id);
        conditions.extend(audit::port_condition(p, &cx));
    }
    track_macs(conn, &scope.run, &ports)?;
    for m in mac_moves(conn)? {
        conditions.extend(audit::mac_moved(&m, &cx));
    }

    // Addresses answered by several MACs.
    let answers = address_answers(conn, &scope.run)?;
    conditions.extend(audit::ip_conflicts(&answers, &cx));

    // DHCP servers that offered, when the run asked.
    if scope.dhcp {
        let offers = dhcp_offers(conn, &scope.run)?;
        conditions.extend(audit::rogue_dhcp(&offers, &cx));
    }

    // The register.
    for a in asset_views(conn)? {
        conditions.extend(audit::asset_conditions(&a, &cx));
    }

    let out = write(conn, &scope, &conditions)?;
    apply_config_acks(conn, policy, &scope.run.time)?;
    Ok(out)
}

/// Runs that were the first of their job (the current run too, when its
/// job has none before it): what they saw is the starting inventory.
fn first_runs_of_jobs(conn: &Connection, run: &Run) -> rusqlite::Result<HashSet<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT (SELECT s2.id FROM scans s2 WHERE s2.job = s.job AND s2.applied_seq IS NOT NULL
                 ORDER BY s2.applied_seq LIMIT 1)
         FROM (SELECT DISTINCT job FROM scans WHERE applied_seq IS NOT NULL) s",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, Option<i64>>(0))?;
    let mut out: HashSet<i64> = HashSet::new();
    for r in rows {
        out.extend(r?);
    }
    let job_has_earlier: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM scans WHERE applied_seq IS NOT NULL
                        AND job = (SELECT job FROM scans WHERE id = ?1) AND id != ?1)",
        params![run.id],
        |r| r.get(0),
    )?;
    if !job_has_earlier {
        out.insert(run.id);
    }
    Ok(out)
}

fn device_views(
    conn: &Connection,
    run: &Run,
    first_runs: &HashSet<i64>,
) -> rusqlite::Result<Vec<DeviceView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.ip, d.mac, d.mac_randomized, d.mac_vendor, d.vendor, d.class,
                d.vendor_origin, d.first_seen, d.last_seen, d.first_run, d.last_run,
                d.snmp_version, d.snmp_credential, m.asset_tag
         FROM devices d LEFT JOIN asset_matches m ON m.device_id = d.id
         WHERE d.merged_into IS NULL AND d.ip IS NOT NULL ORDER BY d.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let ip: String = r.get(1)?;
        let first_seen: String = r.get(8)?;
        let last_seen: String = r.get(9)?;
        let first_run: i64 = r.get(10)?;
        let last_run: i64 = r.get(11)?;
        Ok((
            ip.parse::<IpAddr>().ok(),
            DeviceView {
                id: r.get(0)?,
                ip: None,
                mac: r.get(2)?,
                mac_randomized: r.get::<_, i64>(3)? != 0,
                mac_vendor: r.get(4)?,
                vendor: r.get(5)?,
                class: r.get(6)?,
                origin: r.get(7)?,
                first_unix: crate::timefmt::parse(&first_seen).unwrap_or(0),
                first_seen,
                present: last_run == run.id || last_seen.as_str() >= run.time.as_str(),
                last_seen,
                baseline: first_runs.contains(&first_run),
                snmp_version: r.get(12)?,
                snmp_credential: r.get(13)?,
                asset_tag: r.get(14)?,
                fingerprint: Vec::new(),
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (ip, mut d) = row?;
        let Some(ip) = ip.filter(|i| run.covers(*i)) else {
            continue;
        };
        d.ip = Some(ip);
        out.push(d);
    }
    Ok(out)
}

fn fingerprint_evidence(
    conn: &Connection,
    device: i64,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT identity FROM fingerprints WHERE device_id = ?1")?
        .query_row(params![device], |r| r.get(0))
        .optional()?;
    let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok()) else {
        return Ok(Vec::new());
    };
    let list = v
        .get("evidence")
        .and_then(|e| e.as_array())
        .cloned()
        .unwrap_or_default();
    Ok(list
        .iter()
        .filter_map(|e| {
            Some((
                e.get("field")?.as_str()?.to_string(),
                e.get("value")?.as_str()?.to_string(),
                e.get("rule")?.as_str()?.to_string(),
            ))
        })
        .take(32)
        .collect())
}

fn asset_views(conn: &Connection) -> rusqlite::Result<Vec<AssetView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.asset_tag, a.warranty_end, a.first_imported, a.ip, a.mac,
                m.device_id, d.last_seen
         FROM assets a LEFT JOIN asset_matches m ON m.asset_tag = a.asset_tag
         LEFT JOIN devices d ON d.id = m.device_id
         ORDER BY a.asset_tag",
    )?;
    let rows = stmt.query_map([], |r| {
        let warranty_end: Option<String> = r.get(1)?;
        let imported: String = r.get(2)?;
        let device: Option<i64> = r.get(5)?;
        let last_seen: Option<String> = r.get(6)?;
        Ok(AssetView {
            tag: r.get(0)?,
            warranty_end_day: warranty_end.as_deref().and_then(crate::timefmt::parse_date),
            warranty_end,
            imported: (
                imported.clone(),
                crate::timefmt::parse(&imported).unwrap_or(0),
            ),
            ip: r.get(3)?,
            mac: r.get(4)?,
            device: device.zip(last_seen).map(|(d, seen)| {
                let unix = crate::timefmt::parse(&seen).unwrap_or(0);
                (d, seen, unix)
            }),
        })
    })?;
    rows.collect()
}

/// An open finding: id, key, kind, device, address, whether its device was
/// merged into another.
type OpenRow = (i64, String, String, Option<i64>, Option<String>, bool);

/// Open what newly holds, extend what still holds, resolve what the run
/// covered and no longer holds.
fn write(
    conn: &Connection,
    scope: &Scope,
    conditions: &[Condition],
) -> rusqlite::Result<Evaluated> {
    let run = &scope.run;
    let mut out = Evaluated {
        holding: conditions.len(),
        ..Evaluated::default()
    };
    let mut holding: HashSet<&str> = HashSet::new();
    let mut find =
        conn.prepare_cached("SELECT id FROM findings WHERE key = ?1 AND state = 'open'")?;
    let mut extend = conn.prepare_cached(
        "UPDATE findings SET severity = ?2, summary = ?3, evidence = ?4, last_seen = ?5,
                last_run = ?6, device_id = COALESCE(?7, device_id), ip = COALESCE(?8, ip),
                mac = COALESCE(?9, mac), asset_tag = COALESCE(?10, asset_tag)
         WHERE id = ?1",
    )?;
    let mut open = conn.prepare_cached(
        "INSERT INTO findings (key, kind, severity, state, device_id, asset_tag, ip, mac, summary,
                               evidence, first_seen, last_seen, first_run, last_run)
         VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?11)",
    )?;
    let mut event = conn.prepare_cached(
        "INSERT INTO finding_events (finding_id, run_id, time, event) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for c in conditions {
        if !holding.insert(c.key.as_str()) {
            continue;
        }
        let evidence = serde_json::to_string(&c.evidence)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let summary = crate::text::clean(&c.summary, 512);
        match find
            .query_row(params![c.key], |r| r.get::<_, i64>(0))
            .optional()?
        {
            Some(id) => {
                extend.execute(params![
                    id,
                    c.severity,
                    summary,
                    evidence,
                    run.time,
                    run.id,
                    c.device_id,
                    c.ip,
                    c.mac,
                    c.asset_tag
                ])?;
            }
            None => {
                open.execute(params![
                    c.key,
                    c.kind,
                    c.severity,
                    c.device_id,
                    c.asset_tag,
                    c.ip,
                    c.mac,
                    summary,
                    evidence,
                    run.time,
                    run.id
                ])?;
                event.execute(params![
                    conn.last_insert_rowid(),
                    run.id,
                    run.time,
                    "opened"
                ])?;
                out.opened += 1;
            }
        }
    }
    // Resolve what the run covered and no longer holds.
    let open_rows: Vec<OpenRow> = {
        let mut stmt = conn.prepare_cached(
            "SELECT f.id, f.key, f.kind, f.device_id, f.ip,
                    COALESCE((SELECT merged_into IS NOT NULL FROM devices WHERE id = f.device_id), 0)
             FROM findings f WHERE f.state = 'open'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut resolve = conn
        .prepare_cached("UPDATE findings SET state = 'resolved', resolved_at = ?2 WHERE id = ?1")?;
    for (id, key, kind, device, ip, merged) in open_rows {
        if holding.contains(key.as_str()) {
            continue;
        }
        if merged || scope.covers(&kind, &key, device, ip.as_deref()) {
            resolve.execute(params![id, run.time])?;
            event.execute(params![id, run.id, run.time, "resolved"])?;
            out.resolved += 1;
        }
    }
    Ok(out)
}

/// Copy the config's acknowledgements onto the open findings they name
/// (kept as the CLI's are: an acknowledgement is history).
pub fn apply_config_acks(
    conn: &Connection,
    policy: &crate::audit::Policy,
    time: &str,
) -> rusqlite::Result<usize> {
    if policy.acks.is_empty() {
        return Ok(0);
    }
    let open: Vec<(i64, String, i64)> = {
        let mut stmt =
            conn.prepare_cached("SELECT id, key, first_run FROM findings WHERE state = 'open'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut put = conn.prepare_cached(
        "INSERT OR IGNORE INTO finding_acks (key, first_run, reason, by, time) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut n = 0;
    for (id, key, first_run) in open {
        if let Some(a) = policy.ack_of(id, &key) {
            n += put.execute(params![
                key,
                first_run,
                a.reason,
                format!("{} (config)", a.by),
                time
            ])?;
        }
    }
    Ok(n)
}

impl super::Store {
    /// Evaluate the findings again against the newest applied run, in one
    /// transaction: after an import of the register, so `unregistered`,
    /// `asset_missing` and `warranty` follow it at once instead of at the
    /// next run. None when no run was applied yet.
    pub fn reevaluate_findings(
        &mut self,
        opts: &DeriveOptions,
    ) -> Result<Option<Evaluated>, super::StoreError> {
        let path = self.path.clone();
        let e = |source| super::StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(e)?;
        let last: Option<i64> = tx
            .query_row(
                "SELECT id FROM scans WHERE applied_seq IS NOT NULL ORDER BY applied_seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)?;
        let Some(run) = last else {
            return Ok(None);
        };
        let out = evaluate(&tx, run, opts).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(Some(out))
    }

    /// Set `key` in run `run_id`'s parameters to the JSON `value`.
    pub fn set_run_param(
        &mut self,
        run_id: i64,
        key: &str,
        value: &str,
    ) -> Result<(), super::StoreError> {
        self.connection()
            .execute(
                "UPDATE scans SET params = json_set(COALESCE(params, '{}'), '$.' || ?2, json(?3)) WHERE id = ?1",
                params![run_id, key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests;
