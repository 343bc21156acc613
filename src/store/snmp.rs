//! SNMP in the store: inventory tables per device with history (a table
//! that did not change only moves `last_seen`), the latest raw values per
//! device, the credential that last worked per device (its name only), and
//! the durable DES salt state. Tables come from migration `0002_snmp.sql`.
//!
//! Functions take a `&Connection` so they run inside the caller's
//! transaction (`Transaction` derefs to `Connection`).

use crate::facts::{SnmpFacts, Value};
use crate::snmp::SnmpReport;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::IpAddr;

/// One stored version of one table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredTable {
    /// Table name (`interfaces`, `arp`, ...).
    pub table: String,
    /// The rows, as in the API's `snmp` object.
    pub rows: serde_json::Value,
    /// How many rows.
    pub row_count: i64,
    /// First scan time this content was seen.
    pub first_seen: String,
    /// Last scan time this content was seen.
    pub last_seen: String,
}

/// The tables a report carries, by name, as JSON.
pub fn report_tables(r: &SnmpReport) -> Vec<(&'static str, serde_json::Value, i64)> {
    fn list<T: serde::Serialize>(
        name: &'static str,
        rows: &[T],
    ) -> (&'static str, serde_json::Value, i64) {
        (
            name,
            serde_json::to_value(rows).unwrap_or(serde_json::Value::Null),
            i64::try_from(rows.len()).unwrap_or(i64::MAX),
        )
    }
    fn one<T: serde::Serialize>(
        name: &'static str,
        v: &Option<T>,
    ) -> (&'static str, serde_json::Value, i64) {
        match v {
            Some(x) => (
                name,
                serde_json::to_value(x).unwrap_or(serde_json::Value::Null),
                1,
            ),
            None => (name, serde_json::Value::Null, 0),
        }
    }
    vec![
        list("entities", &r.entities),
        list("interfaces", &r.interfaces),
        list("addresses", &r.addresses),
        list("arp", &r.arp),
        list("fdb", &r.fdb),
        list("neighbors", &r.neighbors),
        list("storage", &r.storage),
        list("host_devices", &r.host_devices),
        list("software", &r.software),
        one("printer", &r.printer),
        one("ups", &r.ups),
    ]
}

/// Store what one probe found for `device_id` at `time` in scan `scan_id`:
/// changed tables get a new version, unchanged ones a later `last_seen`;
/// the raw values replace the previous ones; the working credential is
/// remembered. Empty tables are stored only when an earlier version was not
/// empty (so a table that emptied is recorded).
pub fn save_report(
    conn: &Connection,
    device_id: i64,
    scan_id: i64,
    time: &str,
    ip: IpAddr,
    r: &SnmpReport,
) -> rusqlite::Result<()> {
    for (name, rows, count) in report_tables(r) {
        let text = serde_json::to_string(&rows).unwrap_or_else(|_| "null".into());
        let latest: Option<(i64, String)> = conn
            .prepare_cached("SELECT id, rows FROM snmp_tables WHERE device_id = ?1 AND table_name = ?2 ORDER BY id DESC LIMIT 1")?
            .query_row(params![device_id, name], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match latest {
            Some((id, old)) if old == text => {
                conn.prepare_cached(
                    "UPDATE snmp_tables SET last_seen = ?2, last_scan_id = ?3 WHERE id = ?1",
                )?
                .execute(params![id, time, scan_id])?;
            }
            None if count == 0 => {}
            _ => {
                conn.prepare_cached(
                    "INSERT INTO snmp_tables (device_id, table_name, rows, row_count, first_seen, last_seen, first_scan_id, last_scan_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6)",
                )?
                .execute(params![device_id, name, text, count, time, scan_id])?;
            }
        }
    }
    conn.prepare_cached(
        "INSERT INTO snmp_facts (device_id, scan_id, time, facts) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(device_id) DO UPDATE SET scan_id = excluded.scan_id, time = excluded.time, facts = excluded.facts",
    )?
    .execute(params![device_id, scan_id, time, facts_to_snmprec(r.facts())])?;
    remember_credential(conn, device_id, ip, &r.credential, &r.version, time)
}

/// Remember that `credential` (a name) answered at `ip` for `device_id`.
pub fn remember_credential(
    conn: &Connection,
    device_id: i64,
    ip: IpAddr,
    credential: &str,
    version: &str,
    time: &str,
) -> rusqlite::Result<()> {
    if credential.is_empty() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO snmp_credential_memory (device_id, ip, credential, version, last_success) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(device_id) DO UPDATE SET ip = excluded.ip, credential = excluded.credential,
             version = excluded.version, last_success = excluded.last_success",
    )?
    .execute(params![device_id, ip.to_string(), credential, version, time])?;
    Ok(())
}

/// The credential name that last worked, per address (latest success wins).
pub fn preferred_credentials(conn: &Connection) -> rusqlite::Result<HashMap<IpAddr, String>> {
    let mut stmt =
        conn.prepare("SELECT ip, credential FROM snmp_credential_memory ORDER BY last_success")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (ip, cred) = row?;
        if let Ok(ip) = ip.parse() {
            out.insert(ip, cred);
        }
    }
    Ok(out)
}

/// The latest version of every stored table of a device.
pub fn latest_tables(
    conn: &Connection,
    device_id: i64,
) -> rusqlite::Result<BTreeMap<String, StoredTable>> {
    let mut stmt = conn.prepare(
        "SELECT table_name, rows, row_count, first_seen, last_seen FROM snmp_tables
         WHERE id IN (SELECT MAX(id) FROM snmp_tables WHERE device_id = ?1 GROUP BY table_name)",
    )?;
    let rows = stmt.query_map(params![device_id], stored)?;
    let mut out = BTreeMap::new();
    for row in rows {
        let t = row?;
        out.insert(t.table.clone(), t);
    }
    Ok(out)
}

/// Every stored version of one table of a device, oldest first.
pub fn table_history(
    conn: &Connection,
    device_id: i64,
    table: &str,
) -> rusqlite::Result<Vec<StoredTable>> {
    let mut stmt = conn.prepare(
        "SELECT table_name, rows, row_count, first_seen, last_seen FROM snmp_tables
         WHERE device_id = ?1 AND table_name = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![device_id, table], stored)?;
    rows.collect()
}

fn stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredTable> {
    let text: String = r.get(1)?;
    Ok(StoredTable {
        table: r.get(0)?,
        rows: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        row_count: r.get(2)?,
        first_seen: r.get(3)?,
        last_seen: r.get(4)?,
    })
}

/// The latest raw SNMP values of a device and when they were read.
pub fn latest_facts(
    conn: &Connection,
    device_id: i64,
) -> rusqlite::Result<Option<(String, SnmpFacts)>> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT time, facts FROM snmp_facts WHERE device_id = ?1",
            params![device_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(time, text)| (time, crate::recording::parse(text.as_bytes()).facts)))
}

/// Facts as snmprec lines (`OID|TAG|VALUE`; strings and opaques hex so no
/// byte can break a line). Exceptions are left out.
pub fn facts_to_snmprec(f: &SnmpFacts) -> String {
    let mut out = String::with_capacity(f.len() * 40);
    for (oid, v) in f.iter() {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let (tag, value) = match v {
            Value::Integer(i) => ("2", i.to_string()),
            Value::OctetString(b) => ("4x", hex(b)),
            Value::Null => ("5", String::new()),
            Value::ObjectId(o) => ("6", o.to_string()),
            Value::IpAddress(a) => ("64", std::net::Ipv4Addr::from(*a).to_string()),
            Value::Counter32(n) => ("65", n.to_string()),
            Value::Gauge32(n) => ("66", n.to_string()),
            Value::TimeTicks(n) => ("67", n.to_string()),
            Value::Opaque(b) => ("68x", hex(b)),
            Value::Counter64(n) => ("70", n.to_string()),
            Value::NoSuchObject => continue,
        };
        let _ = writeln!(out, "{oid}|{tag}|{value}");
    }
    out
}

/// Why the DES salt state could not be leased.
#[derive(Debug, thiserror::Error)]
pub enum DesSaltError {
    /// SQLite refused.
    #[error("DES salt state: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The state could not be advanced (another live Pandian on the same database?).
    #[error("DES salt state: {0}")]
    State(String),
}

/// Lease a DES salt epoch from the database: the first call installs epoch
/// 1, every later call (each start) advances it with a compare-and-set, so
/// two runs never reuse a salt. Give the result to
/// [`CollectorOptions::des_salt`](crate::snmp::CollectorOptions::des_salt).
pub fn des_salt_state(conn: &Connection) -> Result<async_snmp::DesSaltState, DesSaltError> {
    let current: Option<i64> = conn
        .query_row(
            "SELECT engine_boots FROM snmp_des_salt WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let cas = |expect: Option<i64>,
               next: &async_snmp::PersistedDesSaltState|
     -> Result<(), std::io::Error> {
        let n = i64::from(next.engine_boots());
        let changed = match expect {
            None => conn.execute(
                "INSERT OR IGNORE INTO snmp_des_salt (id, engine_boots) VALUES (1, ?1)",
                params![n],
            ),
            Some(old) => conn.execute(
                "UPDATE snmp_des_salt SET engine_boots = ?1 WHERE id = 1 AND engine_boots = ?2",
                params![n, old],
            ),
        }
        .map_err(std::io::Error::other)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(std::io::Error::other(
                "the stored DES salt epoch changed underneath (another Pandian?)",
            ))
        }
    };
    let state = match current {
        None => async_snmp::DesSaltState::install(|p| cas(None, p)),
        Some(old) => {
            let prev =
                async_snmp::PersistedDesSaltState::new(u32::try_from(old).unwrap_or(u32::MAX))
                    .map_err(|e| DesSaltError::State(e.to_string()))?;
            async_snmp::DesSaltState::restart(prev, |p| cas(Some(old), p))
        }
    };
    state.map_err(|e| DesSaltError::State(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Oid;
    use crate::snmp::tables::InterfaceRow;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("migrations/0001_init.sql"))
            .unwrap();
        conn.execute_batch(include_str!("migrations/0002_snmp.sql"))
            .unwrap();
        conn.execute("INSERT INTO scans (id, started_at, targets, addresses) VALUES (1, 't1', 'x', 1), (2, 't2', 'x', 1), (3, 't3', 'x', 1)", [])
            .unwrap();
        conn.execute(
            "INSERT INTO devices (id, ip, first_seen, last_seen, last_scan_id, data) VALUES (7, '198.51.100.7', 't1', 't1', 1, '{}')",
            [],
        )
        .unwrap();
        conn
    }

    fn report(names: &[&str]) -> SnmpReport {
        let mut facts = SnmpFacts::new();
        facts.insert(
            Oid::parse("1.3.6.1.2.1.1.5.0").unwrap(),
            Value::OctetString(b"sw|1\n".to_vec()),
        );
        facts.insert(
            Oid::parse("1.3.6.1.2.1.1.3.0").unwrap(),
            Value::TimeTicks(42),
        );
        facts.insert(
            Oid::parse("1.3.6.1.2.1.1.2.0").unwrap(),
            Value::ObjectId(Oid::parse("1.3.6.1.4.1.9").unwrap()),
        );
        facts.insert(
            Oid::parse("1.3.6.1.2.1.4.20.1.1.198.51.100.7").unwrap(),
            Value::IpAddress([198, 51, 100, 7]),
        );
        facts.insert(
            Oid::parse("1.3.6.1.4.1.9.1").unwrap(),
            Value::Counter64(u64::MAX),
        );
        facts.insert(
            Oid::parse("1.3.6.1.4.1.9.2").unwrap(),
            Value::Opaque(vec![0x9f, 0x78, 0x04]),
        );
        facts.insert(Oid::parse("1.3.6.1.4.1.9.3").unwrap(), Value::Integer(-3));
        SnmpReport {
            version: "2c".into(),
            credential: "office".into(),
            interfaces: names
                .iter()
                .enumerate()
                .map(|(i, n)| InterfaceRow {
                    index: i as u32 + 1,
                    name: Some((*n).into()),
                    ..InterfaceRow::default()
                })
                .collect(),
            facts,
            ..SnmpReport::default()
        }
    }

    #[test]
    fn store_snmp_tables_keep_history_without_duplicates() {
        let conn = db();
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        save_report(&conn, 7, 1, "t1", ip, &report(&["eth0"])).unwrap();
        save_report(&conn, 7, 2, "t2", ip, &report(&["eth0"])).unwrap();
        save_report(&conn, 7, 3, "t3", ip, &report(&["eth0", "eth1"])).unwrap();
        let h = table_history(&conn, 7, "interfaces").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(
            (
                h[0].first_seen.as_str(),
                h[0].last_seen.as_str(),
                h[0].row_count
            ),
            ("t1", "t2", 1)
        );
        assert_eq!((h[1].first_seen.as_str(), h[1].row_count), ("t3", 2));
        let latest = latest_tables(&conn, 7).unwrap();
        assert_eq!(
            latest["interfaces"].rows,
            serde_json::to_value(&report(&["eth0", "eth1"]).interfaces).unwrap()
        );
        // Empty tables that never had rows are not stored.
        assert!(!latest.contains_key("fdb"));
        // The table emptying is recorded.
        save_report(&conn, 7, 3, "t4", ip, &report(&[])).unwrap();
        assert_eq!(table_history(&conn, 7, "interfaces").unwrap().len(), 3);
        assert_eq!(
            preferred_credentials(&conn)
                .unwrap()
                .get(&ip)
                .map(String::as_str),
            Some("office")
        );
    }

    #[test]
    fn store_snmp_facts_round_trip() {
        let conn = db();
        let r = report(&["eth0"]);
        save_report(&conn, 7, 1, "t1", "198.51.100.7".parse().unwrap(), &r).unwrap();
        let (time, facts) = latest_facts(&conn, 7).unwrap().unwrap();
        assert_eq!(time, "t1");
        assert_eq!(&facts, r.facts());
    }

    #[test]
    fn store_des_salt_epoch_advances_every_start() {
        let conn = db();
        let a = des_salt_state(&conn).unwrap().engine_boots();
        let b = des_salt_state(&conn).unwrap().engine_boots();
        let c = des_salt_state(&conn).unwrap().engine_boots();
        assert_eq!((a, b, c), (1, 2, 3));
    }
}
