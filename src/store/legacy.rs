//! Converting a version 1 or 2 database (one latest row per device and an
//! append-only observation log) into the record, inside the migration's
//! transaction. Every scan's observations become record tuples under the
//! address and MAC they were seen at; the latest raw SNMP values (version 2
//! kept them) replace the system-group values of the scan that read them.
//! The old tables stay, renamed `legacy_*`, so nothing is lost; the derived
//! tables are then rebuilt from the record.

use super::record;
use crate::facts::{Oid, SnmpFacts, Value};
use crate::inventory::Source;
use crate::record::{Seen, SnmpSeen};
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        params![name],
        |r| r.get(0),
    )
}

fn source(name: &str) -> Option<Source> {
    Some(match name {
        "arp" => Source::Arp,
        "icmp" => Source::Icmp,
        "snmp" => Source::Snmp,
        "dns" => Source::Dns,
        "router_arp" => Source::RouterArp,
        _ => return None,
    })
}

/// The system-group value a legacy `snmp` observation carried.
fn system_fact(key: &str, value: &str) -> Option<(Oid, Value)> {
    let (arc, v) = match key {
        "sysDescr" => (1, Value::OctetString(value.as_bytes().to_vec())),
        "sysObjectID" => (2, Value::ObjectId(Oid::parse(value).ok()?)),
        "sysContact" => (4, Value::OctetString(value.as_bytes().to_vec())),
        "sysName" => (5, Value::OctetString(value.as_bytes().to_vec())),
        "sysLocation" => (6, Value::OctetString(value.as_bytes().to_vec())),
        _ => return None,
    };
    Some((Oid::from_arcs(vec![1, 3, 6, 1, 2, 1, 1, arc, 0]), v))
}

/// Convert the legacy tables, if there are any; returns how many scans.
pub fn convert(conn: &Connection) -> rusqlite::Result<usize> {
    if !has_table(conn, "legacy_observations")? {
        return Ok(0);
    }
    let latest: BTreeMap<(i64, i64), SnmpFacts> = if has_table(conn, "legacy_snmp_facts")? {
        let mut stmt = conn.prepare("SELECT device_id, scan_id, facts FROM legacy_snmp_facts")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (device, scan, text) = row?;
            out.insert(
                (scan, device),
                crate::recording::parse(text.as_bytes()).facts,
            );
        }
        out
    } else {
        BTreeMap::new()
    };
    let scans: Vec<(i64, String)> = {
        let mut stmt = conn.prepare("SELECT id, started_at FROM scans ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let job = record::job_id(conn, "default")?;
    let mut converted = 0;
    for (scan, started) in scans {
        let mut by_device: BTreeMap<i64, Seen> = BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT device_id, source, key, value FROM legacy_observations WHERE scan_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![scan], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (device, src, key, value) = row?;
            let s = by_device.entry(device).or_default();
            match (src.as_str(), key.as_str()) {
                (_, "ip") => {
                    s.ip = value.parse().ok();
                    if let Some(x) = source(&src) {
                        s.sources.push(x);
                    }
                }
                ("arp" | "router_arp", "mac") => s.mac = crate::wire::parse_mac(&value),
                ("router_arp", "via") => {
                    if let Ok(v) = value.parse() {
                        s.via.push(v);
                    }
                }
                ("dns", "hostname") => s.hostname = Some(value),
                ("snmp", k) => {
                    let e = s.snmp.get_or_insert_with(SnmpSeen::default);
                    if k == "credential" {
                        e.credential = value;
                    } else if let Some((oid, v)) = system_fact(k, &value) {
                        e.facts.insert(oid, v);
                    }
                }
                _ => {}
            }
        }
        drop(stmt);
        let mut seen: Vec<Seen> = Vec::with_capacity(by_device.len());
        for (device, mut s) in by_device {
            if let Some(snmp) = s.snmp.as_mut() {
                if let Some(full) = latest.get(&(scan, device)) {
                    for (oid, v) in full.iter() {
                        snmp.facts.insert(oid.clone(), v.clone());
                    }
                }
                // Versions 1 and 2 did not record which SNMP version answered.
                if snmp.version.is_empty() {
                    snmp.version = "2c".into();
                }
            }
            s.sources.sort();
            s.sources.dedup();
            if s.ip.is_some() {
                seen.push(s);
            }
        }
        record::write(conn, scan, job, &started, &seen)?;
        converted += 1;
    }
    if has_table(conn, "legacy_snmp_credential_memory")? {
        conn.execute(
            "INSERT OR REPLACE INTO credential_memory (ip, credential, version, last_success)
             SELECT ip, credential, version, last_success FROM legacy_snmp_credential_memory",
            [],
        )?;
    }
    Ok(converted)
}
