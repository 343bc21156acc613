//! What the network tables of a run say, as views for [`crate::audit`]:
//! the ports of switches whose forwarding table the run read (with their
//! LLDP/CDP neighbours), where each MAC sits on an access port and whether
//! it moved, the addresses answered by several MACs, and the DHCP offers.

use super::super::derive::Run;
use crate::audit::{self, AddressAnswer, PortView};
use crate::facts::SnmpFacts;
use crate::snmp::tables;
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// The bridge MIB's forwarding tables (dot1d and dot1q): a subject whose
/// run record holds one is a switch whose ports can be judged.
const FDB_KEYS: &[&str] = &["snmp:1.3.6.1.2.1.17.4", "snmp:1.3.6.1.2.1.17.7"];

pub(super) fn switch_ports(conn: &Connection, run: &Run) -> rusqlite::Result<Vec<PortView>> {
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
        let (tuples, _) = super::super::record::tuples_at(conn, subject, run.job_id, run.id)?;
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
pub(super) fn track_macs(conn: &Connection, run: &Run, ports: &[PortView]) -> rusqlite::Result<()> {
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

pub(super) fn mac_moves(conn: &Connection) -> rusqlite::Result<Vec<audit::MacMove>> {
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

pub(super) fn address_answers(
    conn: &Connection,
    run: &Run,
) -> rusqlite::Result<Vec<AddressAnswer>> {
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

pub(super) fn dhcp_offers(conn: &Connection, run: &Run) -> rusqlite::Result<Vec<audit::DhcpOffer>> {
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
