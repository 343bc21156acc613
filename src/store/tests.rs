use super::*;
use crate::facts::{Oid, SnmpFacts, Value};
use crate::inventory::Source;
use crate::record::SnmpSeen;
use crate::store::read::DeviceQuery;
use rusqlite::OptionalExtension;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("nested").join("p.db")
}

fn engine() -> Engine {
    Engine::builtin().unwrap()
}

fn mac(last: u8) -> [u8; 6] {
    [0x00, 0x1b, 0x54, 0x00, 0x00, last]
}

fn seen(ip: &str, m: Option<[u8; 6]>) -> Seen {
    Seen {
        ip: Some(ip.parse().unwrap()),
        mac: m,
        sources: if m.is_some() {
            vec![Source::Arp, Source::Icmp]
        } else {
            vec![Source::Icmp]
        },
        rtt_ms: Some(0.3),
        ..Seen::default()
    }
}

fn o(s: &str) -> Oid {
    Oid::parse(s).unwrap()
}

/// An agent: sysDescr, sysObjectID (Cisco), sysName, engine ID, its own
/// addresses, and a chassis serial.
fn agent(s: &mut Seen, engine_id: &[u8], own: &[&str], serial: Option<&str>) {
    let mut f = SnmpFacts::new();
    f.insert(
        o("1.3.6.1.2.1.1.1.0"),
        Value::OctetString(
            b"Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11"
                .to_vec(),
        ),
    );
    f.insert(
        o("1.3.6.1.2.1.1.2.0"),
        Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
    );
    f.insert(o("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(4242));
    f.insert(
        o("1.3.6.1.2.1.1.5.0"),
        Value::OctetString(b"core-rtr".to_vec()),
    );
    f.insert(
        o("1.3.6.1.6.3.10.2.1.1.0"),
        Value::OctetString(engine_id.to_vec()),
    );
    for (i, a) in own.iter().enumerate() {
        f.insert(
            o(&format!("1.3.6.1.2.1.4.20.1.2.{a}")),
            Value::Integer(i64::try_from(i).unwrap() + 1),
        );
    }
    if let Some(sn) = serial {
        f.insert(o("1.3.6.1.2.1.47.1.1.1.1.5.1"), Value::Integer(3));
        f.insert(
            o("1.3.6.1.2.1.47.1.1.1.1.11.1"),
            Value::OctetString(sn.as_bytes().to_vec()),
        );
    }
    s.sources.push(Source::Snmp);
    s.sources.sort();
    s.snmp = Some(SnmpSeen {
        version: "2c".into(),
        credential: "office".into(),
        facts: f,
        walked_at: None,
    });
}

/// A new sysUpTime (volatile: it is not recorded as a change).
fn set_uptime(s: &mut Seen, ticks: u32) {
    if let Some(snmp) = s.snmp.as_mut() {
        snmp.facts
            .insert(o("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(ticks));
    }
}

fn run(store: &mut Store, time: &str, targets: &str, seen: &[Seen]) -> (i64, Applied) {
    let id = store
        .begin_run(&RunStart {
            job: "default",
            started_at: time,
            targets,
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec!["office".into()],
        })
        .unwrap();
    store.record(id, seen).unwrap();
    let applied = store
        .finish_run(
            id,
            &RunEnd {
                status: crate::store::RunStatus::Done,
                error: None,
                finished_at: time.to_string(),
                answered: seen.len(),
                snmp_ok: seen.iter().filter(|s| s.snmp.is_some()).count(),
            },
            &engine(),
            &DeriveOptions::default(),
        )
        .unwrap();
    (id, applied)
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn all_devices(store: &Store) -> Vec<read::DeviceRow> {
    store
        .devices(&DeviceQuery {
            limit: 1000,
            ..DeviceQuery::default()
        })
        .unwrap()
        .unwrap()
        .items
}

/// Every derived table, row by row, as text.
fn dump_derived(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (table, order) in [
        ("devices", "id"),
        ("device_addresses", "device_id, ip"),
        ("device_macs", "device_id, mac"),
        ("device_keys", "device_id, kind, value"),
        ("device_subjects", "subject_id, first_run"),
        ("shared_macs", "mac"),
        ("identity_events", "id"),
        ("fingerprints", "device_id"),
    ] {
        let conn = store.connection();
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let cols = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = format!("{table}:");
                for i in 0..cols {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!(" {v:?}"));
                }
                Ok(line)
            })
            .unwrap();
        for r in rows {
            out.push(r.unwrap());
        }
    }
    let seqs = {
        let mut stmt = store
            .connection()
            .prepare("SELECT id, applied_seq, devices FROM scans ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(format!(
                "scans: {} {:?} {:?}",
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
    };
    out.extend(seqs);
    out
}

#[test]
fn store_migrates_new_file_and_reopens() {
    let path = temp_db("migrate");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.version().unwrap(), schema_version());
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.version().unwrap(), schema_version());
    let mode: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn store_new_file_is_not_rebuilt_on_the_next_start() {
    // A new file's runs are derived as they finish; the daemon's start must
    // not replay them all again (65,000 devices took a minute and 150 MiB).
    let path = temp_db("fresh-current");
    let mut s = Store::open(&path).unwrap();
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &[seen("198.51.100.7", Some(mac(7)))],
    );
    drop(s);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(
        s.ensure_derived(&engine(), &DeriveOptions::default())
            .unwrap(),
        0,
        "nothing replayed"
    );
    assert_eq!(all_devices(&s).len(), 1);
}

#[test]
fn store_refuses_newer_schema() {
    let path = temp_db("newer");
    let s = Store::open(&path).unwrap();
    s.connection()
        .pragma_update(None, "user_version", schema_version() + 1)
        .unwrap();
    drop(s);
    assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
}

#[test]
fn store_record_collapses_unchanged_values() {
    let path = temp_db("collapse");
    let mut s = Store::open(&path).unwrap();
    let mut a = seen("198.51.100.7", Some(mac(7)));
    a.hostname = Some("sw7.example.test".into());
    agent(
        &mut a,
        &[0x80, 0, 0, 9, 3, 1, 7],
        &["198.51.100.7"],
        Some("FOC1"),
    );
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&a),
    );
    let rows = count(&s, "SELECT COUNT(*) FROM observations");
    // The same again (uptime and round trip differ: volatile, not recorded).
    let mut b = a.clone();
    b.rtt_ms = Some(9.9);
    set_uptime(&mut b, 99_999);
    run(
        &mut s,
        "2026-01-01T00:15:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&b),
    );
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM observations"),
        rows,
        "unchanged: no new rows"
    );
    assert_eq!(
        count(
            &s,
            "SELECT COUNT(*) FROM observations WHERE first_run = 1 AND last_run = 2"
        ),
        rows
    );
    // A changed host name adds one row; the old one ends at run 2.
    b.hostname = Some("sw7-new.example.test".into());
    run(
        &mut s,
        "2026-01-01T00:30:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&b),
    );
    assert_eq!(count(&s, "SELECT COUNT(*) FROM observations"), rows + 1);
    assert_eq!(
        count(
            &s,
            "SELECT last_run FROM observations WHERE key = 'ptr' AND value = 'sw7.example.test'"
        ),
        2
    );
    let uptime: String = s
        .connection()
        .query_row(
            "SELECT value FROM latest_values WHERE key = 'volatile'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(uptime.contains("1.3.6.1.2.1.1.3.0|67|99999"), "{uptime}");
    let devices = all_devices(&s);
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].hostname.as_deref(), Some("sw7-new.example.test"));
}

#[test]
fn store_host_that_moves_stays_one_device() {
    let path = temp_db("move");
    let mut s = Store::open(&path).unwrap();
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &[seen("198.51.100.50", Some(mac(1)))],
    );
    run(
        &mut s,
        "2026-01-02T00:00:00Z",
        "198.51.100.0/24",
        &[seen("198.51.100.51", Some(mac(1)))],
    );
    let d = all_devices(&s);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].ip.as_deref(), Some("198.51.100.51"));
    let addrs: Vec<(&str, bool)> = d[0]
        .addresses
        .iter()
        .map(|a| (a.value.as_str(), a.active))
        .collect();
    assert_eq!(
        addrs,
        vec![("198.51.100.51", true), ("198.51.100.50", false)]
    );
    assert_eq!(d[0].first_seen, "2026-01-01T00:00:00Z");
    // Another host takes the old address: a new device.
    run(
        &mut s,
        "2026-01-03T00:00:00Z",
        "198.51.100.0/24",
        &[
            seen("198.51.100.50", Some(mac(2))),
            seen("198.51.100.51", Some(mac(1))),
        ],
    );
    assert_eq!(all_devices(&s).len(), 2);
}

#[test]
fn store_a_mac_once_shared_never_joins_addresses_later() {
    let path = temp_db("shared");
    let mut s = Store::open(&path).unwrap();
    let proxy = mac(200);
    // Run 1: the proxy MAC answers for two addresses.
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &[
            seen("198.51.100.20", Some(proxy)),
            seen("198.51.100.21", Some(proxy)),
        ],
    );
    // Run 2: only a third address is asked, and the proxy answers for it.
    run(
        &mut s,
        "2026-01-02T00:00:00Z",
        "198.51.100.22",
        &[seen("198.51.100.22", Some(proxy))],
    );
    let d = all_devices(&s);
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(
        d.iter().all(|x| x.mac.is_none()),
        "the proxy MAC is nobody's: {d:?}"
    );
}

#[test]
fn store_router_with_two_addresses_is_one_device() {
    let path = temp_db("router");
    let mut s = Store::open(&path).unwrap();
    let own = ["198.51.100.1", "203.0.113.1"];
    let engine_id = [0x80, 0, 0x1f, 0x88, 0x80, 1, 2, 3, 4];
    let mut a = seen("198.51.100.1", Some(mac(1)));
    agent(&mut a, &engine_id, &own, Some("FTX1"));
    let mut b = seen("203.0.113.1", None);
    agent(&mut b, &engine_id, &own, Some("FTX1"));
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24 203.0.113.0/24",
        &[a.clone(), b.clone()],
    );
    let d = all_devices(&s);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].addresses.len(), 2);
    // Seen again at one address only (the other segment not scanned): still
    // both addresses, both active.
    run(&mut s, "2026-01-01T00:15:00Z", "198.51.100.0/24", &[a]);
    let d = all_devices(&s);
    assert_eq!(d.len(), 1);
    assert!(
        d[0].addresses.iter().all(|x| x.active),
        "{:?}",
        d[0].addresses
    );
}

#[test]
fn store_rebuild_equals_incremental_row_for_row() {
    let path = temp_db("rebuild");
    let mut s = Store::open(&path).unwrap();
    let eid = [0x80, 0, 0x1f, 0x88, 0x80, 9, 9, 9, 9];
    // Run 1: a host by ARP only, a switch with SNMP, a routed host.
    let mut sw = seen("198.51.100.10", Some(mac(10)));
    agent(&mut sw, &eid, &["198.51.100.10"], Some("FOC10"));
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &[
            seen("198.51.100.20", Some(mac(20))),
            sw.clone(),
            seen("198.51.100.30", None),
        ],
    );
    // Run 2: the ARP-only host answers SNMP with the switch's serial from a
    // second interface (a merge), the routed host moved, a new one appears.
    let mut sw2 = seen("198.51.100.20", Some(mac(20)));
    agent(
        &mut sw2,
        &[0x80, 1, 2, 3, 4, 5],
        &["198.51.100.20"],
        Some("FOC10"),
    );
    run(
        &mut s,
        "2026-01-02T00:00:00Z",
        "198.51.100.0/24",
        &[
            sw.clone(),
            sw2,
            seen("198.51.100.31", Some(mac(31))),
            seen("198.51.100.30", Some(mac(30))),
        ],
    );
    // Run 3: two MACs on two addresses the device had (a split), names change.
    let mut h = seen("198.51.100.31", Some(mac(31)));
    h.hostname = Some("laptop.example.test".into());
    run(
        &mut s,
        "2026-01-03T00:00:00Z",
        "198.51.100.0/24",
        &[sw, h, seen("198.51.100.30", Some(mac(99)))],
    );
    let before = dump_derived(&s);
    assert!(
        count(
            &s,
            "SELECT COUNT(*) FROM identity_events WHERE kind = 'merge'"
        ) >= 1,
        "{before:#?}"
    );
    let n = s.rebuild(&engine(), &DeriveOptions::default()).unwrap();
    assert_eq!(n, 3);
    let after = dump_derived(&s);
    assert_eq!(
        before, after,
        "rebuild must give the same rows, ids included"
    );
}

#[test]
fn store_failed_write_keeps_earlier_data() {
    let path = temp_db("rollback");
    let mut s = Store::open(&path).unwrap();
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &[seen("198.51.100.7", Some(mac(7)))],
    );
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-01-02T00:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    s.connection()
        .execute_batch("CREATE TRIGGER boom BEFORE INSERT ON observations WHEN NEW.first_run = 2 BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
        .unwrap();
    let err = s
        .record(id, &[seen("198.51.100.8", Some(mac(8)))])
        .unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    let d = all_devices(&s);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].last_seen, "2026-01-01T00:00:00Z",
        "the failed run changed nothing"
    );
    s.end_run_without_results(id, "2026-01-02T00:02:00Z", "failed", &err.to_string())
        .unwrap();
    assert_eq!(s.scans(10, None).unwrap().items[0].status, "failed");
}

#[test]
fn store_run_written_but_not_applied_is_taken_in_later() {
    let path = temp_db("pending");
    let mut s = Store::open(&path).unwrap();
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-01-01T00:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    s.record(id, &[seen("198.51.100.7", Some(mac(7)))]).unwrap();
    // A kill here: the run stays 'running'.
    drop(s);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.close_stale_scans("2026-01-01T00:05:00Z").unwrap(), 1);
    assert_eq!(s.scans(1, None).unwrap().items[0].status, "interrupted");
    assert_eq!(
        s.ensure_derived(&engine(), &DeriveOptions::default())
            .unwrap(),
        1
    );
    assert_eq!(
        all_devices(&s).len(),
        1,
        "what the interrupted run saw is kept"
    );
}

#[test]
fn store_prune_keeps_the_latest_of_everything() {
    let path = temp_db("prune");
    let mut s = Store::open(&path).unwrap();
    let mut a = seen("198.51.100.7", Some(mac(7)));
    a.hostname = Some("old.example.test".into());
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&a),
    );
    a.hostname = Some("new.example.test".into());
    run(
        &mut s,
        "2026-03-01T00:00:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&a),
    );
    let gone = s.prune("2026-02-01T00:00:00Z").unwrap();
    assert_eq!(gone, 1, "only the superseded host name");
    let left: Vec<String> = {
        let mut stmt = s
            .connection()
            .prepare("SELECT value FROM observations WHERE key = 'ptr'")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(left, vec!["new.example.test".to_string()]);
    s.rebuild(&engine(), &DeriveOptions::default()).unwrap();
    assert_eq!(all_devices(&s).len(), 1);
}

#[test]
fn store_device_list_pages_filters_and_sorts_in_sql() {
    let path = temp_db("pages");
    let mut s = Store::open(&path).unwrap();
    let seen_list: Vec<Seen> = (1..=250u8)
        .map(|i| {
            let mut x = seen(&format!("198.51.100.{i}"), Some(mac(i)));
            if i % 5 == 0 {
                x.hostname = Some(format!("printer-{i}.example.test"));
            }
            x
        })
        .collect();
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        &seen_list,
    );
    let mut q = DeviceQuery::default();
    let mut got: Vec<String> = Vec::new();
    for _ in 0..10 {
        let page = s.devices(&q).unwrap().unwrap();
        got.extend(page.items.iter().filter_map(|d| d.ip.clone()));
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let want: Vec<String> = (1..=250).map(|i| format!("198.51.100.{i}")).collect();
    assert_eq!(
        got, want,
        "keyset paging by address gives every device once, in order"
    );

    let mut q = DeviceQuery {
        limit: 7,
        ..DeviceQuery::default()
    };
    q.set_sort("-hostname").unwrap();
    q.q = Some("PRINTER".into());
    let mut names = Vec::new();
    for _ in 0..20 {
        let page = s.devices(&q).unwrap().unwrap();
        names.extend(page.items.iter().filter_map(|d| d.hostname.clone()));
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    assert_eq!(names.len(), 50);
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);

    let mut q = DeviceQuery::default();
    q.set_subnet("198.51.100.0/28").unwrap();
    assert_eq!(s.devices(&q).unwrap().unwrap().items.len(), 15);
    assert!(q.set_sort("nonsense").is_err());
    q.after = Some("zz".into());
    assert!(
        s.devices(&q).unwrap().is_err(),
        "a forged cursor is refused"
    );
    q.after = Some("7b7d".into());
    assert!(s.devices(&q).unwrap().is_err());
}

/// Write a database the way Pandian versions 1 and 2 did.
fn legacy_db(path: &Path, version: i64) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(include_str!("migrations/0001_init.sql"))
        .unwrap();
    if version >= 2 {
        conn.execute_batch(include_str!("migrations/0002_snmp.sql"))
            .unwrap();
    }
    conn.pragma_update(None, "user_version", version).unwrap();
    conn.execute_batch(
        "INSERT INTO scans (id, started_at, finished_at, targets, addresses, hosts_up, snmp_ok, status)
           VALUES (1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z', '198.51.100.0/24', 254, 2, 1, 'done'),
                  (2, '2026-01-02T00:00:00Z', '2026-01-02T00:00:05Z', '198.51.100.0/24', 254, 2, 1, 'done');
         INSERT INTO devices (id, ip, mac, serial, hostname, class, vendor, first_seen, last_seen, last_scan_id, data)
           VALUES (1, '198.51.100.7', '00:1b:54:00:00:07', NULL, 'sw7.example.test', 'switch', 'Cisco', '2026-01-01T00:00:05Z', '2026-01-02T00:00:05Z', 2, '{}'),
                  (2, '198.51.100.9', '00:1b:54:00:00:09', NULL, NULL, NULL, NULL, '2026-01-01T00:00:05Z', '2026-01-02T00:00:05Z', 2, '{}');
         INSERT INTO observations (scan_id, device_id, time, source, key, value) VALUES
           (1, 1, 't', 'arp', 'ip', '198.51.100.7'), (1, 1, 't', 'snmp', 'ip', '198.51.100.7'),
           (1, 1, 't', 'arp', 'mac', '00:1b:54:00:00:07'), (1, 1, 't', 'dns', 'hostname', 'sw7.example.test'),
           (1, 1, 't', 'snmp', 'credential', 'office'),
           (1, 1, 't', 'snmp', 'sysDescr', 'Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11'),
           (1, 1, 't', 'snmp', 'sysObjectID', '1.3.6.1.4.1.9.1.516'),
           (1, 1, 't', 'fingerprint', 'class', 'switch'),
           (1, 2, 't', 'arp', 'ip', '198.51.100.9'), (1, 2, 't', 'arp', 'mac', '00:1b:54:00:00:09'),
           (2, 1, 't', 'arp', 'ip', '198.51.100.7'), (2, 1, 't', 'snmp', 'ip', '198.51.100.7'),
           (2, 1, 't', 'arp', 'mac', '00:1b:54:00:00:07'), (2, 1, 't', 'dns', 'hostname', 'sw7.example.test'),
           (2, 1, 't', 'snmp', 'credential', 'office'),
           (2, 1, 't', 'snmp', 'sysDescr', 'Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11'),
           (2, 1, 't', 'snmp', 'sysObjectID', '1.3.6.1.4.1.9.1.516'),
           (2, 2, 't', 'arp', 'ip', '198.51.100.9'), (2, 2, 't', 'arp', 'mac', '00:1b:54:00:00:09');",
    )
    .unwrap();
    if version >= 2 {
        let mut f = SnmpFacts::new();
        f.insert(
            o("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(
                b"Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11"
                    .to_vec(),
            ),
        );
        f.insert(
            o("1.3.6.1.2.1.1.2.0"),
            Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
        );
        f.insert(o("1.3.6.1.2.1.47.1.1.1.1.5.1"), Value::Integer(3));
        f.insert(
            o("1.3.6.1.2.1.47.1.1.1.1.11.1"),
            Value::OctetString(b"FOC1234X0AB".to_vec()),
        );
        conn.execute(
            "INSERT INTO snmp_facts (device_id, scan_id, time, facts) VALUES (1, 2, 't', ?1)",
            [crate::record::facts_to_snmprec(&f)],
        )
        .unwrap();
        conn.execute_batch(
            "INSERT INTO snmp_tables (device_id, table_name, rows, row_count, first_seen, last_seen, first_scan_id, last_scan_id)
               VALUES (1, 'interfaces', '[]', 0, 't', 't', 1, 2);
             INSERT INTO snmp_credential_memory (device_id, ip, credential, version, last_success)
               VALUES (1, '198.51.100.7', 'office', '2c', '2026-01-02T00:00:05Z');",
        )
        .unwrap();
    }
}

/// Observation rows whose stored size or line count is not their value's.
const MISCOUNTED_ROWS: &str =
    "SELECT COUNT(*) FROM observations WHERE size <> length(CAST(value AS BLOB))
     OR lines <> length(value) - length(replace(value, char(10), '')) + (value <> '')";

#[test]
fn store_upgrades_v1_and_v2_files_in_place() {
    for version in [1, 2] {
        let path = temp_db(&format!("legacy{version}"));
        legacy_db(&path, version);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), schema_version());
        // Nothing lost: the old tables stay, renamed, with every row.
        assert_eq!(count(&s, "SELECT COUNT(*) FROM legacy_observations"), 19);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM legacy_devices"), 2);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM scans"), 2);
        // Rows converted before version 7 got their size and line count.
        assert!(count(&s, "SELECT COUNT(*) FROM observations WHERE lines > 1") > 0);
        assert_eq!(count(&s, MISCOUNTED_ROWS), 0, "v{version}");
        assert_eq!(
            s.ensure_derived(&engine(), &DeriveOptions::default())
                .unwrap(),
            2,
            "both runs replayed"
        );
        let d = all_devices(&s);
        assert_eq!(d.len(), 2, "v{version}: {d:?}");
        let sw = d
            .iter()
            .find(|x| x.ip.as_deref() == Some("198.51.100.7"))
            .unwrap();
        assert_eq!(sw.id, 1, "ids follow first sightings, as before");
        assert_eq!(sw.hostname.as_deref(), Some("sw7.example.test"));
        assert_eq!(sw.first_seen, "2026-01-01T00:00:00Z");
        assert_eq!(
            sw.identity["vendor"], "Cisco",
            "v{version}: {:?}",
            sw.identity
        );
        if version == 2 {
            assert_eq!(
                sw.identity["serial"], "FOC1234X0AB",
                "the latest raw SNMP values carried over"
            );
            assert_eq!(
                s.preferred_credentials()
                    .unwrap()
                    .get(&"198.51.100.7".parse().unwrap())
                    .map(String::as_str),
                Some("office")
            );
        }
        // Opening again changes nothing.
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(
            s.ensure_derived(&engine(), &DeriveOptions::default())
                .unwrap(),
            0
        );
        let state: Option<String> = s
            .connection()
            .query_row(
                "SELECT value FROM store_state WHERE key = 'derived'",
                [],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(state.as_deref(), Some("current"));
    }
}

fn file_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn sidecar(p: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", p.display()))
}

#[test]
fn store_refuses_another_applications_database_untouched() {
    let path = temp_db("foreign");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let other = Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE devices (serial TEXT); CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice');")
        .unwrap();
    drop(other);
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Foreign { .. }), "{text}");
    assert!(
        text.contains("not a Pandian database") && text.contains("devices, users"),
        "{text}"
    );
    assert!(!text.contains("CREATE"), "no SQL in the message: {text}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "file unchanged");
    assert!(!sidecar(&path, "-wal").exists(), "journal mode unchanged");
    let journal: String = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "delete");

    // Another application's mark, even with our table names.
    let path = temp_db("marked");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA application_id = 1234; CREATE TABLE scans (id INTEGER);")
        .unwrap();
    let err = Store::open(&path).err().expect("refused").to_string();
    assert!(
        err.contains("another application") && err.contains("0x000004d2"),
        "{err}"
    );
}

#[test]
fn store_accepts_unmarked_files_of_earlier_versions_and_marks_them() {
    for version in 1..=LAST_UNMARKED_VERSION {
        let path = temp_db(&format!("unmarked{version}"));
        if version < 3 {
            legacy_db(&path, version);
        } else {
            // As version 3 wrote it, before the mark.
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let mut old = Connection::open(&path).unwrap();
            for (i, (_, sql)) in MIGRATIONS.iter().enumerate().take(3) {
                let tx = old.transaction().unwrap();
                apply_step(&tx, i, sql).unwrap();
                tx.commit().unwrap();
            }
        }
        let s = Store::open(&path).unwrap_or_else(|e| panic!("v{version}: {e}"));
        assert_eq!(s.version().unwrap(), schema_version());
        let app: i32 = s
            .connection()
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID, "v{version} marked from now on");
    }
    assert_eq!(
        tables_of_version(1)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["devices", "observations", "scans"]
    );
}

#[test]
fn store_migration_error_names_the_step_not_the_sql() {
    let path = temp_db("clash");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let old = Connection::open(&path).unwrap();
    old.execute_batch(MIGRATIONS[0].1).unwrap();
    // An index squatting on a name the next step creates a table with.
    old.execute_batch("CREATE INDEX snmp_tables ON scans (id); PRAGMA user_version = 1;")
        .unwrap();
    drop(old);
    let err = Store::open(&path).err().expect("the step fails");
    let text = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::Migrate {
                step: "0002_snmp",
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("snmp_tables"), "SQLite's own message: {text}");
    assert!(
        !text.contains("CREATE") && !text.contains("PRIMARY KEY"),
        "no SQL: {text}"
    );
    assert_eq!(Store::open_read_only(&path).unwrap().version().unwrap(), 1);
}

#[test]
fn store_creates_private_files_and_refuses_links_and_other_owners() {
    let path = temp_db("modes");
    let s = Store::open(&path).unwrap();
    assert_eq!(file_mode(&path), 0o600);
    assert_eq!(
        file_mode(&sidecar(&path, "-wal")),
        0o600,
        "SQLite copies the mode"
    );
    assert_eq!(file_mode(&sidecar(&path, "-shm")), 0o600);
    drop(s);

    // With a group: 0640 and that group.
    let gid = nix::unistd::getgid();
    let group = nix::unistd::Group::from_gid(gid).unwrap().unwrap();
    let grouped = temp_db("group");
    Store::open_with(
        &grouped,
        &FileAccess {
            group: Some(group.name.clone()),
        },
    )
    .unwrap();
    assert_eq!(file_mode(&grouped), 0o640);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&grouped).unwrap().gid(), gid.as_raw());
    let err = Store::open_with(
        &temp_db("nogroup"),
        &FileAccess {
            group: Some("no-such-group-xyz".into()),
        },
    )
    .err()
    .expect("unknown group")
    .to_string();
    assert!(err.contains("groupadd"), "{err}");

    // A symlink is refused, and what it points to stays untouched.
    let victim = path.with_file_name("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = path.with_file_name("link.db");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = Store::open(&link)
        .err()
        .expect("symlink refused")
        .to_string();
    assert!(err.contains("symlink"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        Store::open_read_only(&link).is_err(),
        "NOFOLLOW read-only too"
    );

    if crate::files::euid() == 0 {
        let theirs = temp_db("theirs");
        Store::open(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        let err = Store::open(&theirs)
            .err()
            .expect("foreign owner")
            .to_string();
        assert!(err.contains("uid 65534"), "{err}");
        let dir = temp_db("theirdir");
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        std::os::unix::fs::chown(dir.parent().unwrap(), Some(65534), Some(65534)).unwrap();
        let err = Store::open(&dir)
            .err()
            .expect("foreign directory")
            .to_string();
        assert!(err.contains("uid 65534"), "{err}");
        assert!(!dir.exists(), "nothing created in it");
    }
}

#[test]
fn store_error_without_path_hides_the_file() {
    let e = StoreError::Sqlite {
        path: PathBuf::from("/var/lib/pandian/pandian.db"),
        source: rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        ),
    };
    assert!(e.to_string().contains("/var/lib/pandian"));
    let shown = e.without_path();
    assert!(
        !shown.contains("/var/lib") && !shown.contains("pandian.db"),
        "{shown}"
    );
    assert!(shown.contains("disk is full"), "{shown}");
}

/// A forwarding table of `n` MACs, all behind bridge port `port`.
fn fdb_table(s: &mut Seen, n: u32, port: i64) {
    let Some(snmp) = s.snmp.as_mut() else {
        panic!("an agent first")
    };
    for i in 0..n {
        snmp.facts.insert(
            o(&format!(
                "1.3.6.1.2.1.17.7.1.2.2.1.2.1.0.27.84.{}.{}.1",
                i / 256,
                i % 256
            )),
            Value::Integer(port),
        );
    }
}

#[test]
fn read_pool_keeps_a_large_devices_decoded_snmp_until_its_record_changes() {
    let path = temp_db("reports");
    let mut s = Store::open(&path).unwrap();
    let mut a = seen("198.51.100.7", Some(mac(7)));
    agent(
        &mut a,
        &[0x80, 0, 0, 9, 3, 1, 7],
        &["198.51.100.7"],
        Some("FOC1"),
    );
    fdb_table(&mut a, 600, 3);
    run(
        &mut s,
        "2026-01-01T00:00:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&a),
    );
    assert_eq!(count(&s, MISCOUNTED_ROWS), 0, "written with the row");
    let id = all_devices(&s)[0].id;
    let pool = ReadPool::new(&path, 2);
    let read = |pool: &ReadPool| {
        pool.get()
            .unwrap()
            .device(id)
            .unwrap()
            .unwrap()
            .snmp
            .unwrap()
    };
    let ports =
        |r: &crate::snmp::SnmpReport| r.fdb.iter().map(|f| f.bridge_port).collect::<Vec<_>>();

    let first = read(&pool);
    assert_eq!(ports(&first), vec![3; 600]);
    assert_eq!(first.sys_uptime, Some(4242));
    assert_eq!(pool.cached_reports().0, 1, "a 600-row table is kept");
    assert!(
        std::sync::Arc::ptr_eq(&first, &read(&pool)),
        "read again: the kept one"
    );
    // The same as a store without the cache decodes.
    let plain =
        |s: &Store| serde_json::to_value(s.device(id).unwrap().unwrap().snmp.as_deref()).unwrap();
    assert_eq!(serde_json::to_value(&*first).unwrap(), plain(&s));

    // A volatile value (sysUpTime, not a new row) changes: decoded again.
    let mut b = a.clone();
    set_uptime(&mut b, 99_999);
    run(
        &mut s,
        "2026-01-01T00:15:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&b),
    );
    let second = read(&pool);
    assert_eq!(second.sys_uptime, Some(99_999));
    assert_eq!(ports(&second), vec![3; 600]);

    // A recorded value changes (every MAC moved to port 4): a new row.
    let mut c = b.clone();
    fdb_table(&mut c, 600, 4);
    run(
        &mut s,
        "2026-01-01T00:30:00Z",
        "198.51.100.0/24",
        std::slice::from_ref(&c),
    );
    let third = read(&pool);
    assert_eq!(ports(&third), vec![4; 600]);
    assert_eq!(serde_json::to_value(&*third).unwrap(), plain(&s));
    assert_eq!(pool.cached_reports().0, 1, "replaced, not added");

    // A small record is decoded at every view, never kept.
    let mut small = seen("198.51.100.9", Some(mac(9)));
    agent(
        &mut small,
        &[0x80, 0, 0, 9, 3, 1, 9],
        &["198.51.100.9"],
        None,
    );
    run(
        &mut s,
        "2026-01-01T00:45:00Z",
        "198.51.100.0/24",
        &[c, small],
    );
    let small_id = all_devices(&s)
        .into_iter()
        .find(|d| d.ip.as_deref() == Some("198.51.100.9"))
        .unwrap()
        .id;
    let r = pool
        .get()
        .unwrap()
        .device(small_id)
        .unwrap()
        .unwrap()
        .snmp
        .unwrap();
    assert_eq!(r.sys_name.as_deref(), Some("core-rtr"));
    assert_eq!(pool.cached_reports().0, 1);
}
