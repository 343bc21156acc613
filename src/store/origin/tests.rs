use crate::facts::{Oid, SnmpFacts, Value};
use crate::fingerprint::Engine;
use crate::inventory::Source;
use crate::record::{Seen, SnmpSeen};
use crate::report::origin::{Origin, OriginReport};
use crate::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use std::path::PathBuf;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-origin-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("o.db")
}

/// A host that answered ARP with `mac` (its vendor and origin come from
/// the IEEE registry).
fn arp(ip: &str, mac: [u8; 6]) -> Seen {
    Seen {
        ip: ip.parse().ok(),
        mac: Some(mac),
        sources: vec![Source::Arp, Source::Icmp],
        ..Seen::default()
    }
}

/// An SNMP agent with this sysDescr and sysObjectID.
fn agent(ip: &str, mac: Option<[u8; 6]>, descr: &str, object_id: &str) -> Seen {
    let o = |s: &str| Oid::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
    let mut f = SnmpFacts::new();
    f.insert(
        o("1.3.6.1.2.1.1.1.0"),
        Value::OctetString(descr.as_bytes().to_vec()),
    );
    f.insert(o("1.3.6.1.2.1.1.2.0"), Value::ObjectId(o(object_id)));
    let mut s = Seen {
        ip: ip.parse().ok(),
        mac,
        sources: vec![Source::Icmp, Source::Snmp],
        ..Seen::default()
    };
    if mac.is_some() {
        s.sources.insert(0, Source::Arp);
    }
    s.snmp = Some(SnmpSeen {
        version: "2c".into(),
        credential: "office".into(),
        facts: f,
        walked_at: None,
    });
    s
}

fn run(store: &mut Store, time: &str, seen: &[Seen]) -> i64 {
    let id = store
        .begin_run(&RunStart {
            job: "default",
            started_at: time,
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec!["office".into()],
        })
        .unwrap_or_else(|e| panic!("{e}"));
    store.record(id, seen).unwrap_or_else(|e| panic!("{e}"));
    store
        .finish_run(
            id,
            &RunEnd {
                status: RunStatus::Done,
                error: None,
                finished_at: time.to_string(),
                answered: seen.len(),
                snmp_ok: seen.iter().filter(|s| s.snmp.is_some()).count(),
            },
            &Engine::builtin().unwrap_or_else(|e| panic!("{e}")),
            &DeriveOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    id
}

/// Huawei's and Cisco's first MAC blocks; CMU's enterprise number, which
/// no registry places in a country.
const HUAWEI: [u8; 3] = [0x00, 0xe0, 0xfc];
const CISCO: [u8; 3] = [0x00, 0x00, 0x0c];

fn mac(oui: [u8; 3], last: u8) -> [u8; 6] {
    [oui[0], oui[1], oui[2], 0, 0, last]
}

fn lan() -> Vec<Seen> {
    let mut hostile = Seen {
        ip: "198.51.100.20".parse().ok(),
        sources: vec![Source::Icmp, Source::Dns],
        hostname: Some("=cmd|' /C calc'!A0".into()),
        ..Seen::default()
    };
    hostile.rtt_ms = Some(0.2);
    vec![
        arp("198.51.100.10", mac(HUAWEI, 1)),
        arp("198.51.100.11", mac(HUAWEI, 2)),
        agent(
            "198.51.100.1",
            Some(mac(CISCO, 1)),
            "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11",
            "1.3.6.1.4.1.9.1.516",
        ),
        hostile,
        agent("198.51.100.21", None, "net-snmp agent", "1.3.6.1.4.1.3.1"), // not in the compiled MIBs
    ]
}

fn snapshots(store: &Store) -> Vec<(i64, String, String, String, i64)> {
    let mut stmt = store
        .connection()
        .prepare("SELECT run_id, origin, class, vendor, devices FROM origin_snapshots ORDER BY 1, 2, 3, 4")
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows.map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

#[test]
fn origin_report_counts_devices_made_by_real_runs() {
    let path = temp_db("real");
    let mut store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let first = run(&mut store, "2026-11-30T08:00:00Z", &lan());
    // The next day one Huawei host is gone.
    let mut second_lan = lan();
    second_lan.remove(1);
    let second = run(&mut store, "2026-12-01T08:00:00Z", &second_lan);

    let r: OriginReport = store
        .origin_report("2026-12-01T09:00:00Z", None)
        .unwrap_or_else(|e| panic!("{e}"));
    // Live devices: both Huawei hosts (one unseen today but still known),
    // the Cisco router, two of unknown origin.
    assert_eq!(
        (r.overall.domestic, r.overall.foreign, r.overall.unknown),
        (2, 1, 2),
        "{r:?}"
    );
    assert_eq!(r.overall.domestic_of_all(), Some(40.0));
    assert_eq!(r.overall.domestic_of_known(), Some(66.7));
    let huawei = r
        .by_vendor
        .iter()
        .find(|(v, _)| v == "Huawei")
        .map(|(_, s)| *s);
    assert_eq!(huawei.map(|s| s.domestic), Some(2), "{:?}", r.by_vendor);
    let cisco = r
        .by_vendor
        .iter()
        .find(|(v, _)| v == "Cisco")
        .map(|(_, s)| *s);
    assert_eq!(cisco.map(|s| s.foreign), Some(1));
    // The Cisco agent's class is a network class: counted under 网络设备.
    let net = r
        .by_category
        .iter()
        .find(|(c, _)| c.zh == "网络设备")
        .map(|(_, s)| s.foreign);
    assert_eq!(net, Some(1), "{:?}", r.by_category);

    // The trend: what each run saw.
    assert_eq!(r.trend.len(), 2);
    let t: Vec<(i64, u64, u64, u64)> = r
        .trend
        .iter()
        .map(|p| (p.run_id, p.domestic, p.foreign, p.unknown))
        .collect();
    assert_eq!(t, vec![(first, 2, 1, 2), (second, 1, 1, 2)]);
    assert_eq!(r.trend[0].time, "2026-11-30T08:00:00Z");
    // As of the first day: only its run.
    let trend = store
        .origin_trend(Some("2026-11-30T23:59:59Z"), 100)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(trend.len(), 1);

    // The unknowns, each with what is known and why it is unknown.
    assert_eq!(r.unknowns.len(), 2);
    let no_vendor = r
        .unknowns
        .iter()
        .find(|u| u.ip.as_deref() == Some("198.51.100.20"))
        .unwrap_or_else(|| panic!("{:?}", r.unknowns));
    assert_eq!(no_vendor.vendor, None);
    assert_eq!(no_vendor.hostname.as_deref(), Some("=cmd|' /C calc'!A0"));
    assert!(no_vendor.reason().0.contains("no vendor identified"));
    let cmu = r
        .unknowns
        .iter()
        .find(|u| u.ip.as_deref() == Some("198.51.100.21"))
        .unwrap_or_else(|| panic!("{:?}", r.unknowns));
    assert_eq!(cmu.vendor.as_deref(), Some("Carnegie Mellon"));
    assert!(
        cmu.evidence.iter().any(|e| e.field == "vendor_origin"
            && e.value == "unknown"
            && e.rule == "origin-unknown"),
        "{:?}",
        cmu.evidence
    );
    assert!(
        cmu.evidence
            .iter()
            .any(|e| e.field == "vendor" && !e.facts.is_empty()),
        "{:?}",
        cmu.evidence
    );
    let j = r.to_json();
    assert_eq!(j["by_origin"]["unknown"]["count"], 2);
    assert_eq!(
        j["unknowns"]["items"][0]["reason"]["zh"]
            .as_str()
            .map(|s| !s.is_empty()),
        Some(true)
    );

    // The live counts agree with the overview the page shows.
    let o = store.overview().unwrap_or_else(|e| panic!("{e}"));
    let total: i64 = o.by_origin.iter().map(|(_, n)| n).sum();
    assert_eq!(u64::try_from(total).ok(), Some(r.overall.total()));
    let _ = Origin::Unknown;
    let _ = std::fs::remove_dir_all(path.parent().unwrap_or(&path));
}

#[test]
fn origin_snapshots_rebuild_to_the_same_rows() {
    let path = temp_db("rebuild");
    let mut store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    run(&mut store, "2026-11-30T08:00:00Z", &lan());
    let mut less = lan();
    less.truncate(3);
    run(&mut store, "2026-12-01T08:00:00Z", &less);
    // A run that saw nothing is in the trend, with zeros.
    let empty = run(&mut store, "2026-12-02T08:00:00Z", &[]);
    let trend = store
        .origin_trend(None, 100)
        .unwrap_or_else(|e| panic!("{e}"));
    let last = trend
        .last()
        .map(|t| (t.run_id, t.domestic, t.foreign, t.unknown));
    assert_eq!((trend.len(), last), (3, Some((empty, 0, 0, 0))));
    let before = snapshots(&store);
    assert_eq!(
        before.iter().filter(|r| r.0 == 2).map(|r| r.4).sum::<i64>(),
        3,
        "{before:?}"
    );
    store
        .rebuild(
            &Engine::builtin().unwrap_or_else(|e| panic!("{e}")),
            &DeriveOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshots(&store), before);
    let _ = std::fs::remove_dir_all(path.parent().unwrap_or(&path));
}

/// The evidence reads take the schema-4 tables as `0004_audit.sql` says
/// (the register's and the findings' writers are other modules): rows
/// are written here as those modules write them, around real runs.
#[test]
fn evidence_reads_register_findings_and_runs_as_of_the_cutoff() {
    let path = temp_db("evidence");
    let mut store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut first_lan = lan();
    first_lan.truncate(2);
    run(&mut store, "2026-11-29T08:00:00Z", &first_lan);
    run(&mut store, "2026-11-30T08:00:00Z", &lan());
    let conn = store.connection();
    let huawei: i64 = conn
        .query_row(
            "SELECT id FROM devices WHERE ip = '198.51.100.10'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(&format!(
        "DELETE FROM finding_events; DELETE FROM findings; DELETE FROM finding_acks;
         INSERT INTO asset_imports (id, time, file, sha256, added, updated, unchanged)
           VALUES (1, '2026-11-29T09:00:00Z', '/srv/资产.csv', 'ab12', 2, 0, 0),
                  (2, '2026-11-30T09:00:00Z', '/srv/资产.csv', 'cd34', 1, 0, 2);
         INSERT INTO assets (asset_tag, owner, department, serial, mac, vendor, import_id, first_imported, updated_at)
           VALUES ('ZC-001', '张三', '信息中心', NULL, '00:e0:fc:00:00:01', '华为', 1, '2026-11-29T09:00:00Z', '2026-11-29T09:00:00Z'),
                  ('ZC-002', '李四', '=HYPERLINK(\"x\")', 'SN9', NULL, NULL, 1, '2026-11-29T09:00:00Z', '2026-11-29T09:00:00Z'),
                  ('ZC-003', '王五', NULL, NULL, NULL, NULL, 2, '2026-11-30T09:00:00Z', '2026-11-30T09:00:00Z');
         INSERT INTO asset_matches (asset_tag, device_id, method, confidence, evidence)
           VALUES ('ZC-001', {huawei}, 'mac', 0.9, 'mac 00:e0:fc:00:00:01');
         INSERT INTO findings (id, key, kind, severity, state, device_id, ip, summary, evidence, first_seen, last_seen, first_run, last_run, resolved_at)
           VALUES (1, 'unregistered:1', 'unregistered', 'medium', 'open', {huawei}, '198.51.100.10', 'not in the register',
                   '[{{\"source\":\"arp\",\"key\":\"mac\",\"value\":\"00:e0:fc:00:00:01\",\"seen\":\"2026-11-29T08:00:00Z\"}}]',
                   '2026-11-29T08:00:00Z', '2026-11-30T08:00:00Z', 1, 2, NULL),
                  (2, 'new_device:1', 'new_device', 'info', 'resolved', {huawei}, NULL, 'new', '[]',
                   '2026-11-29T08:00:00Z', '2026-11-29T08:00:00Z', 1, 1, '2026-11-29T20:00:00Z'),
                  (3, 'randomized_mac:2', 'randomized_mac', 'low', 'resolved', NULL, NULL, 'random', '[]',
                   '2026-11-29T08:00:00Z', '2026-11-30T08:00:00Z', 1, 2, '2026-11-30T08:00:00Z'),
                  (4, 'ip_conflict:x', 'ip_conflict', 'high', 'open', NULL, NULL, 'conflict', '[]',
                   '2026-11-30T08:00:00Z', '2026-11-30T08:00:00Z', 2, 2, NULL);
         INSERT INTO finding_acks (key, first_run, reason, by, time)
           VALUES ('unregistered:1', 1, '试用设备 / on trial', 'auditor', '2026-11-29T12:00:00Z'),
                  ('randomized_mac:2', 1, 'later', 'auditor', '2026-11-30T12:00:00Z');"
    ))
    .unwrap_or_else(|e| panic!("{e}"));

    let day1 = "2026-11-29T23:59:59Z";
    let e = store
        .evidence("2026-12-01T00:00:00Z", "2026-11-29", day1)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(e.inventory.len(), 2, "{:?}", e.inventory);
    assert_eq!(e.scans.len(), 1);
    assert_eq!(e.scans[0].credentials, vec!["office".to_string()]);
    assert_eq!(
        (e.scans[0].scanned, e.scans[0].unreachable()),
        (254, Some(252))
    );
    let tags: Vec<Option<String>> = e.assets.iter().map(|a| a.fields[0].clone()).collect();
    assert_eq!(tags, vec![Some("ZC-001".into()), Some("ZC-002".into())]);
    assert_eq!(e.assets[0].device_id, Some(huawei));
    assert_eq!(e.assets[0].method.as_deref(), Some("mac"));
    assert_eq!(e.assets[1].device_id, None);
    assert_eq!(e.imports.len(), 1);
    let states: Vec<(i64, &str)> = e
        .findings
        .iter()
        .map(|f| (f.id, f.state.as_str()))
        .collect();
    // 1 acknowledged that day; 2 resolved that day; 3 resolved the next
    // day (open then, its ack came later too); 4 not seen yet.
    assert_eq!(
        states,
        vec![(1, "acknowledged"), (2, "resolved"), (3, "open")]
    );
    assert_eq!(
        e.findings[0].ack.as_ref().map(|a| a.1.as_str()),
        Some("auditor")
    );
    assert_eq!(e.findings[2].resolved_at, None);
    assert_eq!(e.origin.trend.len(), 1);
    assert_eq!(e.origin.overall.total(), 2);
    assert_eq!(e.inventory[0].asset_tag.as_deref(), Some("ZC-001"));

    let e = store
        .evidence("2026-12-01T00:00:00Z", "2026-11-30", "2026-11-30T23:59:59Z")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            e.inventory.len(),
            e.scans.len(),
            e.assets.len(),
            e.findings.len()
        ),
        (5, 2, 3, 4)
    );
    assert_eq!(e.findings[2].state, "resolved");
    // The register table is formula-safe like every CSV.
    let csv = String::from_utf8(crate::report::csv::write(
        crate::report::evidence::register_table(&e.assets),
    ))
    .unwrap_or_default();
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"x\"\")\",") && csv.contains("张三"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap_or(&path));
}
