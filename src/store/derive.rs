//! Derived tables from the record: who is who (devices with their
//! addresses, MACs, keys and subjects, and the identity log), fingerprints,
//! and the summary columns the page reads.
//!
//! [`apply`] takes one run in; [`rebuild`] empties the derived tables and
//! applies every run again in the order they were first applied, which
//! gives the same rows, ids included: a run's decisions depend only on the
//! run's own observations and on what earlier applied runs derived, never
//! on the clock or on the order rows happen to be read in.

use super::record::tuples_at;
use crate::facts::{DeviceFacts, SnmpFacts};
use crate::fingerprint::{Engine, Identity};
use crate::identity::{
    self, Candidates, Group, Key, KnownAddress, KnownDevice, KnownMac, Plan, Sighting, Strength,
    Target,
};
use crate::inventory::Source;
use crate::record::{self, Seen};
use crate::target::Target as ScanTarget;
use crate::timefmt;
use crate::wire::{format_mac, parse_mac};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// How long an address alone keeps naming the device last seen at it.
pub const DEFAULT_ADDRESS_WINDOW_SECS: i64 = 24 * 3600;

/// Settings for deriving.
#[derive(Debug, Clone)]
pub struct DeriveOptions {
    /// Address-only matches hold this long (seconds).
    pub address_window_secs: i64,
    /// What the findings hold devices to (`[policy]`).
    pub policy: std::sync::Arc<crate::audit::Policy>,
}

impl Default for DeriveOptions {
    fn default() -> Self {
        DeriveOptions {
            address_window_secs: DEFAULT_ADDRESS_WINDOW_SECS,
            policy: std::sync::Arc::default(),
        }
    }
}

/// What applying one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Devices the run's addresses are.
    pub devices: usize,
    /// Devices made by this run.
    pub new_devices: usize,
    /// Known devices found to be one.
    pub merges: usize,
    /// Sightings that left a device they seemed to be.
    pub splits: usize,
    /// Devices fingerprinted again.
    pub fingerprinted: usize,
}

/// A 16-byte sort key for an address (IPv4 as v4-mapped IPv6), so ranges
/// and order work in SQL for both families.
pub fn ip_key(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

pub(super) struct Run {
    pub(super) id: i64,
    pub(super) job_id: i64,
    pub(super) time: String,
    pub(super) unix: i64,
    targets: Vec<ScanTarget>,
    exclude: Vec<ScanTarget>,
}

impl Run {
    pub(super) fn load(conn: &Connection, id: i64) -> rusqlite::Result<Run> {
        let (job, time, targets, params_json): (String, String, String, Option<String>) = conn
            .query_row(
                "SELECT job, started_at, targets, params FROM scans WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let parse = |text: &str| -> Vec<ScanTarget> {
            text.split_whitespace()
                .filter_map(|t| t.parse::<ScanTarget>().ok())
                .collect()
        };
        let exclude = params_json
            .as_deref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|v| v.get("exclude").and_then(|e| e.as_str()).map(&parse))
            .unwrap_or_default();
        let job_id: i64 = conn
            .query_row("SELECT id FROM jobs WHERE name = ?1", params![job], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0);
        Ok(Run {
            id,
            unix: timefmt::parse(&time).unwrap_or(0),
            job_id,
            time,
            targets: parse(&targets),
            exclude,
        })
    }

    /// Whether this run asked about `ip`.
    pub(super) fn covers(&self, ip: IpAddr) -> bool {
        let IpAddr::V4(v4) = ip else {
            return false;
        };
        self.targets.iter().any(|t| t.contains(v4)) && !self.exclude.iter().any(|t| t.contains(v4))
    }
}

/// One subject the run saw, with what the summary needs besides identity.
struct Subject {
    id: i64,
    changed: bool,
    sources: Vec<Source>,
    hostname: Option<String>,
    sys: SysText,
    via: Vec<IpAddr>,
    snmp: Option<(String, String)>,
}

/// The system group as text, for the summary columns.
#[derive(Debug, Clone, Default)]
struct SysText {
    descr: Option<String>,
    object_id: Option<String>,
    name: Option<String>,
    contact: Option<String>,
    location: Option<String>,
}

impl SysText {
    fn of(facts: &SnmpFacts) -> SysText {
        let text = |oid: &str, max: usize| {
            facts
                .get_str(oid)
                .and_then(|v| crate::snmp::text::value_text(v, max))
        };
        SysText {
            descr: text("1.3.6.1.2.1.1.1.0", 1024),
            object_id: facts
                .get_str("1.3.6.1.2.1.1.2.0")
                .and_then(crate::facts::Value::as_oid)
                .map(ToString::to_string),
            name: text("1.3.6.1.2.1.1.5.0", 255),
            contact: text("1.3.6.1.2.1.1.4.0", 255),
            location: text("1.3.6.1.2.1.1.6.0", 255),
        }
    }

    fn or(self, other: &SysText) -> SysText {
        SysText {
            descr: self.descr.or_else(|| other.descr.clone()),
            object_id: self.object_id.or_else(|| other.object_id.clone()),
            name: self.name.or_else(|| other.name.clone()),
            contact: self.contact.or_else(|| other.contact.clone()),
            location: self.location.or_else(|| other.location.clone()),
        }
    }
}

fn seen_subjects(conn: &Connection, run: &Run) -> rusqlite::Result<(Vec<Subject>, Vec<Sighting>)> {
    let ids: Vec<(i64, String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT o.subject_id, s.ip, s.mac FROM observations o
             JOIN subjects s ON s.id = o.subject_id
             WHERE o.job_id = ?2 AND o.last_run >= ?1 AND o.first_run <= ?1
             ORDER BY o.subject_id",
        )?;
        let rows = stmt.query_map(params![run.id, run.job_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut subjects = Vec::with_capacity(ids.len());
    let mut sightings = Vec::with_capacity(ids.len());
    for (id, ip, mac) in ids {
        let (tuples, changed) = tuples_at(conn, id, run.job_id, run.id)?;
        let seen: Seen = record::decode(&ip, &mac, &tuples, &[]);
        let sys = seen
            .snmp
            .as_ref()
            .map(|s| SysText::of(&s.facts))
            .unwrap_or_default();
        sightings.push(record::sighting(&seen));
        subjects.push(Subject {
            id,
            changed,
            sources: seen.sources.clone(),
            hostname: seen.hostname.clone(),
            sys,
            via: seen.via.clone(),
            snmp: seen
                .snmp
                .as_ref()
                .map(|s| (s.version.clone(), s.credential.clone())),
        });
    }
    Ok((subjects, sightings))
}

fn unix(text: &str) -> i64 {
    timefmt::parse(text).unwrap_or(0)
}

/// Everything the derived tables know of device `id`.
fn known_device(conn: &Connection, id: i64) -> rusqlite::Result<KnownDevice> {
    let mut d = KnownDevice {
        id,
        ..KnownDevice::default()
    };
    {
        let mut stmt =
            conn.prepare_cached("SELECT kind, value FROM device_keys WHERE device_id = ?1")?;
        let rows = stmt.query_map(params![id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (kind, value) = row?;
            if kind == "agent_ip" {
                if let Ok(ip) = value.parse() {
                    d.agent_addresses.push(ip);
                }
            } else if kind == "agent_mac" {
                if let Some(m) = parse_mac(&value) {
                    d.agent_macs.push(m);
                }
            } else if let Some(k) = Key::parse(&kind, &value) {
                d.keys.push(k);
            }
        }
    }
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ip, mac, last_seen, active FROM device_addresses WHERE device_id = ?1",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        for row in rows {
            let (ip, mac, last, active) = row?;
            if let Ok(ip) = ip.parse() {
                d.addresses.push(KnownAddress {
                    ip,
                    mac: mac.as_deref().and_then(parse_mac),
                    last_seen: unix(&last),
                    active,
                });
            }
        }
    }
    {
        let mut stmt = conn.prepare_cached(
            "SELECT mac, last_seen, active FROM device_macs WHERE device_id = ?1",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        for row in rows {
            let (mac, last, active) = row?;
            if let Some(mac) = parse_mac(&mac) {
                d.macs.push(KnownMac {
                    mac,
                    last_seen: unix(&last),
                    active,
                });
            }
        }
    }
    d.keys.sort();
    d.agent_addresses.sort();
    d.agent_macs.sort();
    Ok(d)
}

/// The live (not merged) devices sharing a key, MAC or address with `g`.
fn candidate_ids(conn: &Connection, g: &Group) -> rusqlite::Result<BTreeSet<i64>> {
    let mut ids = BTreeSet::new();
    let live = |conn: &Connection, id: i64| -> rusqlite::Result<i64> {
        // Follow merges to the survivor.
        let mut cur = id;
        for _ in 0..64 {
            let next: Option<i64> = conn
                .prepare_cached("SELECT merged_into FROM devices WHERE id = ?1")?
                .query_row(params![cur], |r| r.get(0))
                .optional()?
                .flatten();
            match next {
                Some(n) if n != cur => cur = n,
                _ => break,
            }
        }
        Ok(cur)
    };
    for k in &g.keys {
        let mut stmt = conn
            .prepare_cached("SELECT device_id FROM device_keys WHERE kind = ?1 AND value = ?2")?;
        for id in stmt.query_map(params![k.kind(), k.value()], |r| r.get::<_, i64>(0))? {
            ids.insert(live(conn, id?)?);
        }
    }
    for m in &g.macs {
        let mut stmt = conn.prepare_cached("SELECT device_id FROM device_macs WHERE mac = ?1")?;
        for id in stmt.query_map(params![format_mac(*m)], |r| r.get::<_, i64>(0))? {
            ids.insert(live(conn, id?)?);
        }
    }
    for ip in &g.ips {
        let mut stmt =
            conn.prepare_cached("SELECT device_id FROM device_addresses WHERE ip_key = ?1")?;
        for id in stmt.query_map(params![ip_key(*ip)], |r| r.get::<_, i64>(0))? {
            ids.insert(live(conn, id?)?);
        }
        let mut stmt = conn.prepare_cached(
            "SELECT device_id FROM device_keys WHERE kind = 'agent_ip' AND value = ?1",
        )?;
        for id in stmt.query_map(params![ip.to_string()], |r| r.get::<_, i64>(0))? {
            ids.insert(live(conn, id?)?);
        }
    }
    Ok(ids)
}

fn event(
    conn: &Connection,
    run: &Run,
    kind: &str,
    device: i64,
    other: Option<i64>,
    strength: Strength,
    facts: &[String],
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(facts).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO identity_events (run_id, time, kind, device_id, other_id, strength, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        run.id,
        run.time,
        kind,
        device,
        other,
        strength.as_str(),
        json
    ])?;
    Ok(())
}

/// Move everything of `from` to `into` and mark `from` merged.
fn merge_devices(conn: &Connection, into: i64, from: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO device_addresses (device_id, ip, ip_key, mac, first_seen, last_seen, last_run, active)
         SELECT ?1, ip, ip_key, mac, first_seen, last_seen, last_run, active FROM device_addresses WHERE device_id = ?2 AND true
         ON CONFLICT(device_id, ip) DO UPDATE SET
            first_seen = MIN(first_seen, excluded.first_seen),
            mac = CASE WHEN excluded.last_run > last_run THEN COALESCE(excluded.mac, mac) ELSE COALESCE(mac, excluded.mac) END,
            last_seen = MAX(last_seen, excluded.last_seen),
            last_run = MAX(last_run, excluded.last_run),
            active = MAX(active, excluded.active)",
        params![into, from],
    )?;
    conn.execute(
        "DELETE FROM device_addresses WHERE device_id = ?1",
        params![from],
    )?;
    conn.execute(
        "INSERT INTO device_macs (device_id, mac, first_seen, last_seen, last_run, active)
         SELECT ?1, mac, first_seen, last_seen, last_run, active FROM device_macs WHERE device_id = ?2 AND true
         ON CONFLICT(device_id, mac) DO UPDATE SET
            first_seen = MIN(first_seen, excluded.first_seen),
            last_seen = MAX(last_seen, excluded.last_seen),
            last_run = MAX(last_run, excluded.last_run),
            active = MAX(active, excluded.active)",
        params![into, from],
    )?;
    conn.execute(
        "DELETE FROM device_macs WHERE device_id = ?1",
        params![from],
    )?;
    conn.execute(
        "INSERT INTO device_keys (device_id, kind, value, first_seen, last_seen)
         SELECT ?1, kind, value, first_seen, last_seen FROM device_keys WHERE device_id = ?2 AND true
         ON CONFLICT(device_id, kind, value) DO UPDATE SET
            first_seen = MIN(first_seen, excluded.first_seen),
            last_seen = MAX(last_seen, excluded.last_seen)",
        params![into, from],
    )?;
    conn.execute(
        "DELETE FROM device_keys WHERE device_id = ?1",
        params![from],
    )?;
    conn.execute(
        "UPDATE device_subjects SET device_id = ?1 WHERE device_id = ?2",
        params![into, from],
    )?;
    conn.execute(
        "DELETE FROM fingerprints WHERE device_id = ?1",
        params![from],
    )?;
    conn.execute(
        "UPDATE devices SET merged_into = ?1 WHERE merged_into = ?2 OR id = ?2",
        params![into, from],
    )?;
    conn.execute(
        "UPDATE devices SET
            first_seen = MIN(first_seen, (SELECT first_seen FROM devices WHERE id = ?2)),
            first_run = MIN(first_run, (SELECT first_run FROM devices WHERE id = ?2))
         WHERE id = ?1",
        params![into, from],
    )?;
    Ok(())
}

fn new_device(conn: &Connection, run: &Run) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO devices (first_seen, last_seen, first_run, last_run) VALUES (?1, ?1, ?2, ?2)",
    )?
    .execute(params![run.time, run.id])?;
    Ok(conn.last_insert_rowid())
}

/// Record what group `g` (now device `dev`) showed in this run.
fn take_in(
    conn: &Connection,
    run: &Run,
    dev: i64,
    g: &Group,
    subjects: &[Subject],
    sightings: &[Sighting],
    strength: Strength,
) -> rusqlite::Result<()> {
    for &i in &g.members {
        let (Some(s), Some(sub)) = (sightings.get(i), subjects.get(i)) else {
            continue;
        };
        if let Some(ip) = s.ip {
            let mac = s.mac.map(format_mac);
            conn.prepare_cached(
                "INSERT INTO device_addresses (device_id, ip, ip_key, mac, first_seen, last_seen, last_run, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 1)
                 ON CONFLICT(device_id, ip) DO UPDATE SET mac = COALESCE(excluded.mac, mac),
                    last_seen = excluded.last_seen, last_run = excluded.last_run, active = 1",
            )?
            .execute(params![dev, ip.to_string(), ip_key(ip), mac, run.time, run.id])?;
            // The address is this device's now, nobody else's.
            conn.prepare_cached(
                "UPDATE device_addresses SET active = 0 WHERE ip_key = ?1 AND device_id != ?2 AND active = 1",
            )?
            .execute(params![ip_key(ip), dev])?;
        }
        // Which device this subject is, from this run on.
        let last: Option<(i64, i64)> = conn
            .prepare_cached(
                "SELECT first_run, device_id FROM device_subjects WHERE subject_id = ?1 ORDER BY first_run DESC LIMIT 1",
            )?
            .query_row(params![sub.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match last {
            Some((first, d)) if d == dev => {
                conn.prepare_cached(
                    "UPDATE device_subjects SET last_run = ?3 WHERE subject_id = ?1 AND first_run = ?2",
                )?
                .execute(params![sub.id, first, run.id])?;
            }
            _ => {
                conn.prepare_cached(
                    "INSERT INTO device_subjects (subject_id, first_run, last_run, device_id, strength)
                     VALUES (?1, ?2, ?2, ?3, ?4)
                     ON CONFLICT(subject_id, first_run) DO UPDATE SET device_id = excluded.device_id,
                        strength = excluded.strength",
                )?
                .execute(params![sub.id, run.id, dev, strength.as_str()])?;
            }
        }
    }
    for m in &g.macs {
        conn.prepare_cached(
            "INSERT INTO device_macs (device_id, mac, first_seen, last_seen, last_run, active)
             VALUES (?1, ?2, ?3, ?3, ?4, 1)
             ON CONFLICT(device_id, mac) DO UPDATE SET last_seen = excluded.last_seen,
                last_run = excluded.last_run, active = 1",
        )?
        .execute(params![dev, format_mac(*m), run.time, run.id])?;
        conn.prepare_cached(
            "UPDATE device_macs SET active = 0 WHERE mac = ?1 AND device_id != ?2 AND active = 1",
        )?
        .execute(params![format_mac(*m), dev])?;
    }
    let agent = g
        .agent_addresses
        .iter()
        .map(|a| ("agent_ip".to_string(), a.to_string()))
        .chain(
            g.agent_macs
                .iter()
                .map(|m| ("agent_mac".to_string(), format_mac(*m))),
        );
    let keys = g.keys.iter().map(|k| (k.kind().to_string(), k.value()));
    for (kind, value) in keys.chain(agent) {
        conn.prepare_cached(
            "INSERT INTO device_keys (device_id, kind, value, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT(device_id, kind, value) DO UPDATE SET last_seen = excluded.last_seen",
        )?
        .execute(params![dev, kind, value, run.time])?;
    }
    Ok(())
}

/// A device seen by this run: its addresses this run asked about but did
/// not find it at, and the MACs those addresses had, are no longer its.
fn retire(conn: &Connection, run: &Run, dev: i64) -> rusqlite::Result<()> {
    let stale: Vec<(String, Option<String>)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT ip, mac FROM device_addresses WHERE device_id = ?1 AND active = 1 AND last_run < ?2",
        )?;
        let rows = stmt.query_map(params![dev, run.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let seen_macs: BTreeSet<String> = {
        let mut stmt = conn
            .prepare_cached("SELECT mac FROM device_macs WHERE device_id = ?1 AND last_run = ?2")?;
        let rows = stmt.query_map(params![dev, run.id], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for (ip, mac) in stale {
        let Ok(addr) = ip.parse::<IpAddr>() else {
            continue;
        };
        if !run.covers(addr) {
            continue;
        }
        conn.prepare_cached(
            "UPDATE device_addresses SET active = 0 WHERE device_id = ?1 AND ip = ?2",
        )?
        .execute(params![dev, ip])?;
        if let Some(m) = mac.filter(|m| !seen_macs.contains(m)) {
            conn.prepare_cached(
                "UPDATE device_macs SET active = 0 WHERE device_id = ?1 AND mac = ?2 AND last_run < ?3",
            )?
            .execute(params![dev, m, run.id])?;
        }
    }
    Ok(())
}

/// The SNMP values of device `dev` as of `run`: for each of its subjects'
/// SNMP tuples, the latest one visible then (from runs applied before, or
/// this one).
fn device_facts(conn: &Connection, run: &Run, seq: i64, dev: i64) -> rusqlite::Result<SnmpFacts> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.key, o.value FROM observations o
         JOIN device_subjects ds ON ds.subject_id = o.subject_id AND ds.device_id = ?1
         WHERE o.source = 'snmp' AND o.key LIKE 'snmp:%'
           AND o.first_run <= ds.last_run AND o.last_run >= ds.first_run
           AND (o.first_run = ?2 OR o.first_run IN (SELECT id FROM scans WHERE applied_seq < ?3))
         ORDER BY o.first_run DESC, o.subject_id, o.id",
    )?;
    let rows = stmt.query_map(params![dev, run.id, seq], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut taken: BTreeSet<String> = BTreeSet::new();
    // Newest first; the newest value of an OID wins, so the facts are
    // built once from the subtrees oldest first (a later value wins).
    let mut subtrees = Vec::new();
    for row in rows {
        let (key, value) = row?;
        if !taken.insert(key) {
            continue;
        }
        subtrees.push(crate::recording::pairs(value.as_bytes()));
    }
    Ok(subtrees.into_iter().rev().flatten().collect())
}

/// What device `dev` announced of itself: per announcing source, the
/// tuples of the latest run that heard from that source (an mDNS name the
/// device no longer sends does not vote).
fn device_announced(
    conn: &Connection,
    run: &Run,
    seq: i64,
    dev: i64,
) -> rusqlite::Result<Vec<crate::announce::Announced>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.source, o.key, o.value, o.last_run FROM observations o
         JOIN device_subjects ds ON ds.subject_id = o.subject_id AND ds.device_id = ?1
         WHERE o.source IN ('mdns', 'ssdp', 'netbios', 'wsd', 'tcp', 'passive')
           AND o.first_run <= ds.last_run AND o.last_run >= ds.first_run
           AND (o.first_run = ?2 OR o.first_run IN (SELECT id FROM scans WHERE applied_seq < ?3))
         ORDER BY o.last_run DESC, o.id",
    )?;
    let rows = stmt.query_map(params![dev, run.id, seq], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut latest: HashMap<Source, i64> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let (source, key, value, last) = row?;
        let Some(src) = Source::announcing(&source) else {
            continue;
        };
        if *latest.entry(src).or_insert(last) != last {
            continue;
        }
        out.extend(crate::announce::Announced::new(src, &key, &value));
    }
    crate::announce::tidy(&mut out);
    Ok(out)
}

/// Recompute device `dev`'s summary columns (and its fingerprint when
/// `identity` is given).
fn summarise(
    conn: &Connection,
    dev: i64,
    identity: Option<&Identity>,
    seen: Option<&SeenSummary>,
) -> rusqlite::Result<()> {
    let ip: Option<(String, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT ip, ip_key FROM device_addresses WHERE device_id = ?1
             ORDER BY active DESC, last_run DESC, ip_key LIMIT 1",
        )?
        .query_row(params![dev], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mac: Option<String> = conn
        .prepare_cached(
            "SELECT mac FROM device_macs WHERE device_id = ?1 ORDER BY active DESC, last_run DESC, mac LIMIT 1",
        )?
        .query_row(params![dev], |r| r.get(0))
        .optional()?;
    let parsed = mac.as_deref().and_then(parse_mac);
    let mac_vendor = parsed.and_then(crate::registry::oui::lookup);
    let randomized = parsed.is_some_and(identity::is_randomized);
    conn.prepare_cached(
        "UPDATE devices SET ip = ?2, ip_key = ?3, mac = ?4, mac_vendor = ?5, mac_randomized = ?6 WHERE id = ?1",
    )?
    .execute(params![
        dev,
        ip.as_ref().map(|x| &x.0),
        ip.as_ref().map(|x| &x.1),
        mac,
        mac_vendor,
        randomized
    ])?;
    if let Some(s) = seen {
        conn.prepare_cached(
            "UPDATE devices SET hostname = COALESCE(?2, hostname), sys_name = COALESCE(?3, sys_name),
                seen_by = ?4, seen_via = ?5, snmp_version = COALESCE(?6, snmp_version),
                snmp_credential = COALESCE(?7, snmp_credential), last_seen = ?8, last_run = ?9,
                sys_descr = COALESCE(?10, sys_descr), sys_object_id = COALESCE(?11, sys_object_id),
                sys_contact = COALESCE(?12, sys_contact), sys_location = COALESCE(?13, sys_location)
             WHERE id = ?1",
        )?
        .execute(params![
            dev,
            s.hostname,
            s.sys.name,
            s.sources.join(","),
            s.via,
            s.snmp_version,
            s.snmp_credential,
            s.time,
            s.run,
            s.sys.descr,
            s.sys.object_id,
            s.sys.contact,
            s.sys.location
        ])?;
    }
    if let Some(id) = identity {
        conn.prepare_cached(
            "UPDATE devices SET class = ?2, vendor = ?3, model = ?4, serial = ?5, os = ?6, firmware = ?7,
                vendor_origin = ?8, confidence = ?9 WHERE id = ?1",
        )?
        .execute(params![
            dev,
            id.class,
            id.vendor,
            id.model,
            id.serial,
            id.os,
            id.firmware,
            id.vendor_origin,
            id.confidence
        ])?;
    }
    // Free text for search: every address and MAC, names, identity.
    let mut words: Vec<String> = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ip FROM device_addresses WHERE device_id = ?1 ORDER BY ip_key",
        )?;
        for r in stmt.query_map(params![dev], |r| r.get::<_, String>(0))? {
            words.push(r?);
        }
        let mut stmt =
            conn.prepare_cached("SELECT mac FROM device_macs WHERE device_id = ?1 ORDER BY mac")?;
        for r in stmt.query_map(params![dev], |r| r.get::<_, String>(0))? {
            words.push(r?);
        }
    }
    let cols: Vec<Option<String>> = conn
        .prepare_cached(
            "SELECT hostname, sys_name, vendor, model, serial FROM devices WHERE id = ?1",
        )?
        .query_row(params![dev], |r| (0..5).map(|i| r.get(i)).collect())?;
    words.extend(cols.into_iter().flatten());
    conn.prepare_cached("UPDATE devices SET search = ?2 WHERE id = ?1")?
        .execute(params![dev, words.join(" ").to_lowercase()])?;
    Ok(())
}

/// What a device showed in this run, for its summary.
struct SeenSummary {
    run: i64,
    time: String,
    sources: Vec<String>,
    via: Option<String>,
    hostname: Option<String>,
    sys: SysText,
    snmp_version: Option<String>,
    snmp_credential: Option<String>,
}

/// The decision for a whole run, from the record and what is derived so far.
fn plan_run(
    conn: &Connection,
    run: &Run,
    groups: &[Group],
    sightings: &[Sighting],
    opts: &DeriveOptions,
) -> rusqlite::Result<Plan> {
    let mut cache: HashMap<i64, KnownDevice> = HashMap::new();
    let mut cands: Vec<Candidates> = Vec::with_capacity(groups.len());
    for g in groups {
        let ids = candidate_ids(conn, g)?;
        for id in &ids {
            if !cache.contains_key(id) {
                let d = known_device(conn, *id)?;
                cache.insert(*id, d);
            }
        }
        let devices = ids.iter().filter_map(|id| cache.get(id));
        cands.push(identity::match_group(
            g,
            sightings,
            devices,
            run.unix,
            opts.address_window_secs,
        ));
        // Bound the cache: devices matter to the groups that named them.
        if cache.len() > 4096 {
            cache.clear();
        }
    }
    Ok(identity::decide(groups, &cands))
}

/// Take run `run_id` into the derived tables, if it is not in yet. Runs in
/// the caller's transaction.
pub fn apply(
    conn: &Connection,
    run_id: i64,
    engine: &Engine,
    opts: &DeriveOptions,
) -> rusqlite::Result<Applied> {
    let done: Option<i64> = conn.query_row(
        "SELECT applied_seq FROM scans WHERE id = ?1",
        params![run_id],
        |r| r.get(0),
    )?;
    if done.is_some() {
        return Ok(Applied::default());
    }
    let seq: i64 = conn.query_row(
        "SELECT COALESCE(MAX(applied_seq), 0) + 1 FROM scans",
        [],
        |r| r.get(0),
    )?;
    apply_as(conn, run_id, seq, engine, opts)
}

fn apply_as(
    conn: &Connection,
    run_id: i64,
    seq: i64,
    engine: &Engine,
    opts: &DeriveOptions,
) -> rusqlite::Result<Applied> {
    let run = Run::load(conn, run_id)?;
    let (subjects, sightings) = seen_subjects(conn, &run)?;
    let mut groups = identity::group(&sightings);
    // A MAC that once answered for several addresses stays nobody's key.
    for g in &mut groups {
        let mut keep = Vec::with_capacity(g.macs.len());
        for m in std::mem::take(&mut g.macs) {
            let shared: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM shared_macs WHERE mac = ?1)")?
                .query_row(params![format_mac(m)], |r| r.get(0))?;
            if shared {
                g.shared_macs.push(m);
            } else {
                keep.push(m);
            }
        }
        g.macs = keep;
        g.shared_macs.sort();
        g.shared_macs.dedup();
    }
    let plan = plan_run(conn, &run, &groups, &sightings, opts)?;
    let mut out = Applied::default();

    let mut refingerprint: BTreeSet<i64> = BTreeSet::new();
    for m in &plan.merges {
        merge_devices(conn, m.into, m.from)?;
        event(
            conn,
            &run,
            "merge",
            m.into,
            Some(m.from),
            m.strength,
            &m.facts,
        )?;
        refingerprint.insert(m.into);
        out.merges += 1;
    }
    let split_of: HashMap<usize, &identity::Split> =
        plan.splits.iter().map(|s| (s.group, s)).collect();
    let mut device_of: Vec<i64> = Vec::with_capacity(groups.len());
    for a in &plan.assignments {
        let Some(g) = groups.get(a.group) else {
            continue;
        };
        let dev = match a.target {
            Target::Existing(id) => id,
            Target::New => {
                let id = new_device(conn, &run)?;
                out.new_devices += 1;
                refingerprint.insert(id);
                if let Some(s) = split_of.get(&a.group) {
                    event(
                        conn,
                        &run,
                        "split",
                        id,
                        Some(s.from),
                        Strength::New,
                        &s.facts,
                    )?;
                    refingerprint.insert(s.from);
                } else {
                    let mut facts: Vec<String> =
                        g.ips.iter().map(|i| format!("address {i}")).collect();
                    facts.extend(g.macs.iter().map(|m| format!("mac {}", format_mac(*m))));
                    facts.extend(g.keys.iter().map(ToString::to_string));
                    facts.extend(
                        g.links
                            .iter()
                            .map(|l| format!("{} and {}: {}", l.a, l.b, l.why)),
                    );
                    event(conn, &run, "new", id, None, Strength::New, &facts)?;
                }
                id
            }
        };
        if matches!(a.strength, Strength::WeakPair | Strength::Name) {
            event(conn, &run, "join", dev, None, a.strength, &a.facts)?;
        }
        take_in(conn, &run, dev, g, &subjects, &sightings, a.strength)?;
        if g.members
            .iter()
            .any(|&i| subjects.get(i).is_some_and(|s| s.changed))
        {
            refingerprint.insert(dev);
        }
        device_of.push(dev);
    }
    for m in groups.iter().flat_map(|g| g.shared_macs.iter()) {
        let added = conn
            .prepare_cached("INSERT OR IGNORE INTO shared_macs (mac, first_run) VALUES (?1, ?2)")?
            .execute(params![format_mac(*m), run.id])?;
        if added > 0 {
            conn.prepare_cached("UPDATE device_macs SET active = 0 WHERE mac = ?1")?
                .execute(params![format_mac(*m)])?;
        }
    }
    let seen_devices: BTreeSet<i64> = device_of.iter().copied().collect();
    for &dev in &seen_devices {
        retire(conn, &run, dev)?;
    }
    // A split leaves the old device's summary to redo.
    let mut touched: BTreeSet<i64> = seen_devices.clone();
    touched.extend(plan.splits.iter().map(|s| s.from));
    touched.extend(plan.merges.iter().map(|m| m.into));

    // Summaries and fingerprints.
    let mut per_device: BTreeMap<i64, SeenSummary> = BTreeMap::new();
    for (gi, &dev) in device_of.iter().enumerate() {
        let Some(g) = groups.get(gi) else { continue };
        let e = per_device.entry(dev).or_insert_with(|| SeenSummary {
            run: run.id,
            time: run.time.clone(),
            sources: Vec::new(),
            via: None,
            hostname: None,
            sys: SysText::default(),
            snmp_version: None,
            snmp_credential: None,
        });
        for &i in &g.members {
            let Some(s) = subjects.get(i) else { continue };
            e.sources
                .extend(s.sources.iter().map(|x| x.as_str().to_string()));
            e.hostname = e.hostname.take().or_else(|| s.hostname.clone());
            e.sys = std::mem::take(&mut e.sys).or(&s.sys);
            e.via = e
                .via
                .take()
                .or_else(|| s.via.first().map(ToString::to_string));
            if let Some((v, c)) = &s.snmp
                && e.snmp_version.is_none()
            {
                e.snmp_version = Some(v.clone());
                e.snmp_credential = Some(c.clone());
            }
        }
        e.sources.sort();
        e.sources.dedup();
    }
    for &dev in &touched {
        let identity = if refingerprint.contains(&dev) {
            let facts = device_facts(conn, &run, seq, dev)?;
            let (mac, hostname): (Option<String>, Option<String>) = conn
                .prepare_cached(
                    "SELECT (SELECT mac FROM device_macs WHERE device_id = ?1 ORDER BY active DESC, last_run DESC, mac LIMIT 1),
                            (SELECT hostname FROM devices WHERE id = ?1)",
                )?
                .query_row(params![dev], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let hostname = per_device
                .get(&dev)
                .and_then(|s| s.hostname.clone())
                .or(hostname);
            let announced = device_announced(conn, &run, seq, dev)?;
            let id = engine.identify_with(
                &DeviceFacts {
                    snmp: facts,
                    mac: mac.as_deref().and_then(parse_mac),
                    hostname,
                },
                &crate::announce::proposals(&announced),
            );
            let json = serde_json::to_string(&id)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            conn.prepare_cached(
                "INSERT INTO fingerprints (device_id, run_id, identity) VALUES (?1, ?2, ?3)
                 ON CONFLICT(device_id) DO UPDATE SET run_id = excluded.run_id, identity = excluded.identity",
            )?
            .execute(params![dev, run.id, json])?;
            out.fingerprinted += 1;
            Some(id)
        } else {
            None
        };
        summarise(conn, dev, identity.as_ref(), per_device.get(&dev))?;
    }
    super::audit::after_run(conn, run.id, opts)?;
    out.devices = seen_devices.len();
    out.splits = plan.splits.len();
    conn.execute(
        "UPDATE scans SET applied_seq = ?2, devices = ?3 WHERE id = ?1",
        params![run.id, seq, i64::try_from(out.devices).unwrap_or(i64::MAX)],
    )?;
    Ok(out)
}

/// Runs with observations that the derived tables have not taken in yet
/// (a stop between writing a run and applying it), oldest first.
pub fn pending(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM scans WHERE applied_seq IS NULL AND status != 'running'
           AND (EXISTS (SELECT 1 FROM observations WHERE first_run = scans.id)
             OR EXISTS (SELECT 1 FROM observations o JOIN jobs j ON j.id = o.job_id
                        WHERE j.name = scans.job AND o.last_run = scans.id))
         ORDER BY COALESCE(finished_at, started_at), id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Empty the derived tables and apply every applied run again, in the
/// order it was applied (then any run not applied yet). Runs in the
/// caller's transaction.
pub fn rebuild(
    conn: &Connection,
    engine: &Engine,
    opts: &DeriveOptions,
) -> rusqlite::Result<usize> {
    let order: Vec<(i64, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT id, applied_seq FROM scans WHERE applied_seq IS NOT NULL ORDER BY applied_seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    conn.execute_batch(
        "DELETE FROM finding_events; DELETE FROM findings; DELETE FROM asset_matches; DELETE FROM origin_snapshots; DELETE FROM mac_locations;
         DELETE FROM identity_events; DELETE FROM fingerprints; DELETE FROM device_subjects; DELETE FROM shared_macs;
         DELETE FROM device_keys; DELETE FROM device_macs; DELETE FROM device_addresses;
         DELETE FROM devices; UPDATE scans SET applied_seq = NULL, devices = NULL;",
    )?;
    let mut n = 0;
    for (id, seq) in order {
        apply_as(conn, id, seq, engine, opts)?;
        n += 1;
    }
    for id in pending(conn)? {
        apply(conn, id, engine, opts)?;
        n += 1;
    }
    // The alerts have told of what happened before; the rebuilt history is
    // not news.
    conn.execute(
        "UPDATE alert_state SET last_event_id = (SELECT COALESCE(MAX(id), 0) FROM finding_events)",
        [],
    )?;
    conn.execute(
        "INSERT INTO store_state (key, value) VALUES ('derived', 'current')
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [],
    )?;
    Ok(n)
}
