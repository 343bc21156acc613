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

use super::DeriveOptions;
use super::derive::Run;
use crate::audit::{self, AddressAnswer, AssetView, Condition, Context, DeviceView, PortView};
use crate::facts::SnmpFacts;
use crate::snmp::tables;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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
         WHERE d.merged_into IS NULL AND d.ip IS NOT NULL",
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

/// The bridge MIB's forwarding tables (dot1d and dot1q): a subject whose
/// run record holds one is a switch whose ports can be judged.
const FDB_KEYS: &[&str] = &["snmp:1.3.6.1.2.1.17.4", "snmp:1.3.6.1.2.1.17.7"];

fn switch_ports(conn: &Connection, run: &Run) -> rusqlite::Result<Vec<PortView>> {
    // Subjects of this run with a forwarding table, and the device each is.
    let subjects: Vec<(i64, String, String, i64)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT o.subject_id, s.ip, s.mac, ds.device_id FROM observations o
             JOIN subjects s ON s.id = o.subject_id
             JOIN device_subjects ds ON ds.subject_id = o.subject_id
                  AND ds.first_run <= ?1 AND ds.last_run >= ?1
             WHERE o.job_id = ?2 AND o.last_run >= ?1 AND o.first_run <= ?1
               AND o.source = 'snmp' AND (o.key LIKE ?3 || '%' OR o.key LIKE ?4 || '%')",
        )?;
        let rows = stmt.query_map(params![run.id, run.job_id, FDB_KEYS[0], FDB_KEYS[1]], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    if subjects.is_empty() {
        return Ok(Vec::new());
    }
    // MACs of managed network devices (uplinks lead to them).
    let managed: HashSet<String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT m.mac FROM device_macs m JOIN devices d ON d.id = m.device_id
             WHERE d.merged_into IS NULL AND d.snmp_version IS NOT NULL
               AND d.class IN ('switch', 'router', 'firewall', 'wireless', 'load-balancer')",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for (subject, ip, mac, device) in subjects {
        let (tuples, _) = super::record::tuples_at(conn, subject, run.job_id, run.id)?;
        let seen = crate::record::decode(&ip, &mac, &tuples, &[]);
        let Some(snmp) = seen.snmp else { continue };
        let own = own_macs(conn, device, &snmp.facts)?;
        for mut p in ports_of(&snmp.facts, &own) {
            p.switch_id = device;
            p.switch_ip = Some(ip.clone());
            p.seen = run.time.clone();
            p.managed = p
                .macs
                .iter()
                .filter(|m| managed.contains(&m.mac))
                .map(|m| m.mac.clone())
                .collect();
            if p.macs.len() >= 2 && p.is_access() {
                p.switch_like = switch_like(conn, &p)?;
            }
            out.push(p);
        }
    }
    Ok(out)
}

fn own_macs(
    conn: &Connection,
    device: i64,
    facts: &SnmpFacts,
) -> rusqlite::Result<HashSet<String>> {
    let mut own: HashSet<String> = tables::interfaces(facts)
        .into_iter()
        .filter_map(|i| i.mac)
        .collect();
    let mut stmt = conn.prepare_cached("SELECT mac FROM device_macs WHERE device_id = ?1")?;
    for m in stmt.query_map(params![device], |r| r.get::<_, String>(0))? {
        own.insert(m?);
    }
    Ok(own)
}

/// The ports of one switch: MACs learned on each (not its own, not `self`
/// or `mgmt` entries) and the LLDP/CDP neighbour on each.
fn ports_of(facts: &SnmpFacts, own: &HashSet<String>) -> Vec<PortView> {
    let neighbors = tables::neighbors(facts);
    let mut by_port: BTreeMap<u32, PortView> = BTreeMap::new();
    for row in tables::fdb(facts) {
        if own.contains(&row.mac)
            || matches!(row.status.as_deref(), Some("self" | "mgmt" | "invalid"))
        {
            continue;
        }
        let p = by_port.entry(row.bridge_port).or_insert_with(|| {
            let name = row
                .port_name
                .clone()
                .unwrap_or_else(|| format!("bridge port {}", row.bridge_port));
            let neighbor = neighbors
                .iter()
                .find(|n| {
                    (row.if_index.is_some() && n.local_if_index == row.if_index)
                        || (row.port_name.is_some() && n.local_port == row.port_name)
                })
                .map(|n| {
                    format!(
                        "{} {} {}",
                        n.protocol,
                        n.remote_name
                            .as_deref()
                            .or(n.remote_chassis_id.as_deref())
                            .unwrap_or("?"),
                        n.remote_port.as_deref().unwrap_or("")
                    )
                    .trim_end()
                    .to_string()
                });
            PortView {
                port: crate::text::clean(&name, 64),
                neighbor,
                ..PortView::default()
            }
        });
        if p.macs.len() < 4096 {
            p.macs.push(audit::PortMac {
                mac: row.mac,
                vlan: row.vlan,
            });
        }
    }
    by_port.into_values().collect()
}

fn switch_like(conn: &Connection, p: &PortView) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM device_macs m JOIN devices d ON d.id = m.device_id
                        WHERE m.mac = ?1 AND d.merged_into IS NULL AND d.class = 'switch')",
    )?;
    let mut out = Vec::new();
    for m in &p.macs {
        if stmt.query_row(params![m.mac], |r| r.get::<_, bool>(0))? {
            out.push(m.mac.clone());
        }
    }
    Ok(out)
}

/// Remember where each MAC is learned on an access port; a MAC on another
/// port than before has moved.
fn track_macs(conn: &Connection, run: &Run, ports: &[PortView]) -> rusqlite::Result<()> {
    let mut at: HashMap<&str, Vec<&PortView>> = HashMap::new();
    for p in ports.iter().filter(|p| p.is_access()) {
        let macs: BTreeSet<&str> = p.macs.iter().map(|m| m.mac.as_str()).collect();
        for m in macs {
            at.entry(m).or_default().push(p);
        }
    }
    let mut put = conn.prepare_cached(
        "INSERT INTO mac_locations (mac, switch_id, port, location, last_run, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(mac) DO UPDATE SET
            previous = CASE WHEN switch_id != excluded.switch_id OR port != excluded.port
                            THEN location ELSE previous END,
            moved_at = CASE WHEN switch_id != excluded.switch_id OR port != excluded.port
                            THEN excluded.last_seen ELSE moved_at END,
            moved_run = CASE WHEN switch_id != excluded.switch_id OR port != excluded.port
                             THEN excluded.last_run ELSE moved_run END,
            switch_id = excluded.switch_id, port = excluded.port, location = excluded.location,
            last_run = excluded.last_run, last_seen = excluded.last_seen",
    )?;
    for (mac, list) in at {
        // Learned on two access ports at once: a loop or a hub between
        // them; where it is, is unknown.
        let [p] = list.as_slice() else { continue };
        let location = format!("{} {}", p.switch_ip.as_deref().unwrap_or("?"), p.port);
        put.execute(params![
            mac,
            p.switch_id,
            p.port,
            location,
            run.id,
            run.time
        ])?;
    }
    Ok(())
}

fn mac_moves(conn: &Connection) -> rusqlite::Result<Vec<audit::MacMove>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.mac, l.location, l.previous, l.moved_at,
                (SELECT m.device_id FROM device_macs m JOIN devices d ON d.id = m.device_id
                 WHERE m.mac = l.mac AND d.merged_into IS NULL ORDER BY m.last_run DESC LIMIT 1)
         FROM mac_locations l WHERE l.moved_at IS NOT NULL AND l.previous IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        let moved_at: String = r.get(3)?;
        Ok(audit::MacMove {
            mac: r.get(0)?,
            to: r.get(1)?,
            from: r.get(2)?,
            moved_unix: crate::timefmt::parse(&moved_at).unwrap_or(0),
            moved_at,
            device_id: r.get(4)?,
        })
    })?;
    rows.collect()
}

fn address_answers(conn: &Connection, run: &Run) -> rusqlite::Result<Vec<AddressAnswer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT s.ip, s.mac, o.source,
                (SELECT ds.device_id FROM device_subjects ds WHERE ds.subject_id = s.id
                 AND ds.first_run <= ?1 AND ds.last_run >= ?1 LIMIT 1)
         FROM observations o JOIN subjects s ON s.id = o.subject_id
         WHERE o.job_id = ?2 AND o.last_run >= ?1 AND o.first_run <= ?1
           AND o.source = 'arp' AND s.mac != ''
           AND s.mac NOT IN (SELECT mac FROM shared_macs)",
    )?;
    let rows = stmt.query_map(params![run.id, run.job_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut per_ip: HashMap<IpAddr, usize> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let (ip, mac, source, device_id) = row?;
        let Ok(ip) = ip.parse::<IpAddr>() else {
            continue;
        };
        *per_ip.entry(ip).or_default() += 1;
        out.push(AddressAnswer {
            ip,
            mac,
            source,
            device_id,
        });
    }
    // Only addresses with several answers matter.
    out.retain(|a| per_ip.get(&a.ip).is_some_and(|n| *n > 1));
    Ok(out)
}

fn dhcp_offers(conn: &Connection, run: &Run) -> rusqlite::Result<Vec<audit::DhcpOffer>> {
    use crate::wire::dhcp::described;
    let mut stmt = conn.prepare_cached(
        "SELECT s.ip, o.value,
                (SELECT ds.device_id FROM device_subjects ds WHERE ds.subject_id = s.id
                 AND ds.first_run <= ?1 AND ds.last_run >= ?1 LIMIT 1)
         FROM observations o JOIN subjects s ON s.id = o.subject_id
         WHERE o.job_id = ?2 AND o.last_run >= ?1 AND o.first_run <= ?1
           AND o.source = 'dhcp' AND o.key = 'offer'",
    )?;
    let rows = stmt.query_map(params![run.id, run.job_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (ip, line, device_id) = row?;
        let Some(server) = described(&line, "server")
            .unwrap_or(&ip)
            .parse::<IpAddr>()
            .ok()
        else {
            continue;
        };
        let mut offered = described(&line, "offered").map(str::to_string);
        if let (Some(o), Some(mask)) = (offered.as_mut(), described(&line, "mask")) {
            o.push_str(&format!(" mask {mask}"));
        }
        if let (Some(o), Some(lease)) = (offered.as_mut(), described(&line, "lease")) {
            o.push_str(&format!(" lease {lease}s"));
        }
        out.push(audit::DhcpOffer {
            server,
            router: described(&line, "router").map(str::to_string),
            dns: described(&line, "dns").map(str::to_string),
            offered,
            device_id,
            seen: run.time.clone(),
        });
    }
    Ok(out)
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

use serde::Serialize;

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

/// A page of findings, newest first.
pub fn list(conn: &Connection, q: &FindingQuery) -> rusqlite::Result<super::Page<FindingRow>> {
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
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), finding_row)?;
    let mut items: Vec<FindingRow> = rows.collect::<Result<_, _>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|f| f.id.to_string())
    } else {
        None
    };
    Ok(super::Page { items, next })
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

    /// How many findings are open and not acknowledged.
    pub fn open_findings(&self) -> Result<i64, super::StoreError> {
        self.connection()
            .query_row(
                "SELECT COUNT(*) FROM findings f WHERE f.state = 'open' AND NOT EXISTS
                   (SELECT 1 FROM finding_acks a WHERE a.key = f.key AND a.first_run = f.first_run)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// A page of findings, newest first ([`list`]).
    pub fn findings(&self, q: &FindingQuery) -> Result<super::Page<FindingRow>, super::StoreError> {
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

#[cfg(test)]
#[path = "findings_tests.rs"]
mod tests;
