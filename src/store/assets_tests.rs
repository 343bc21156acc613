//! The register in a real database, against devices made by real runs.

use super::*;
use crate::facts::{Oid, SnmpFacts, Value};
use crate::fingerprint::Engine;
use crate::inventory::Source;
use crate::record::{Seen, SnmpSeen};
use crate::store::{DeriveOptions, RunEnd, RunStart, RunStatus};
use std::path::PathBuf;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-assets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("p.db")
}

fn o(s: &str) -> Oid {
    Oid::parse(s).unwrap()
}

fn host(ip: &str, mac: [u8; 6], hostname: Option<&str>) -> Seen {
    Seen {
        ip: Some(ip.parse().unwrap()),
        mac: Some(mac),
        sources: vec![Source::Arp, Source::Icmp],
        rtt_ms: Some(0.3),
        hostname: hostname.map(str::to_string),
        ..Seen::default()
    }
}

/// A switch answering SNMP with its chassis serial (ENTITY-MIB).
fn switch(ip: &str, mac: [u8; 6], serial: &str) -> Seen {
    let mut s = host(ip, mac, None);
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
    f.insert(
        o("1.3.6.1.2.1.1.5.0"),
        Value::OctetString(b"core-sw".to_vec()),
    );
    f.insert(
        o("1.3.6.1.6.3.10.2.1.1.0"),
        Value::OctetString(b"\x80\x00\x00\x09\x03\x00\x1b\x54\x00\x00\x01".to_vec()),
    );
    f.insert(o("1.3.6.1.2.1.47.1.1.1.1.5.1"), Value::Integer(3));
    f.insert(
        o("1.3.6.1.2.1.47.1.1.1.1.11.1"),
        Value::OctetString(serial.as_bytes().to_vec()),
    );
    s.sources.push(Source::Snmp);
    s.sources.sort();
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
        .unwrap();
    store.record(id, seen).unwrap();
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
            &Engine::builtin().unwrap(),
            &DeriveOptions::default(),
        )
        .unwrap();
    id
}

const REGISTER: &str =
    "资产编号,责任人,部门,位置,序列号,MAC地址,IP地址,主机名,厂商,型号,购置日期,保修截止,备注
ZC-001,张三,信息中心,二楼机房,foc1234x0ab,,,,思科,C3750E,2021/5/1,2026-05-01,核心交换机
ZC-002,李四,财务部,三楼,,00-1B-54-00-00-02,,,联想,ThinkCentre,2022-01-10,,财务电脑
ZC-003,王五,行政部,一楼,,,198.51.100.3,,惠普,LaserJet,,,打印机
ZC-004,赵六,研发部,四楼,,,,,华为,MateBook,,,未上线
";

fn import(store: &mut Store, name: &str, text: &str, now: &str) -> ImportSummary {
    let reg = crate::assets::read(name, text.as_bytes()).unwrap();
    store
        .import_assets(&reg, name, &sha256_hex(text.as_bytes()), now, false)
        .unwrap()
        .unwrap()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn dump(store: &Store, table: &str, order: &str) -> Vec<String> {
    let mut stmt = store
        .connection()
        .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let mut line = Vec::new();
        for i in 0..n {
            line.push(format!("{:?}", r.get_ref(i)?));
        }
        Ok(line.join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Three devices from real runs; the register matches them by serial, MAC
/// and IP; a re-import updates; a rebuild keeps the register and makes the
/// same matches.
#[test]
fn store_assets_match_devices_from_runs_and_survive_rebuild() {
    let path = temp_db("match");
    let mut store = Store::open(&path).unwrap();
    let sw_mac = [0x00, 0x1b, 0x54, 0x00, 0x00, 0x01];
    let pc_mac = [0x00, 0x1b, 0x54, 0x00, 0x00, 0x02];
    let printer_mac = [0x00, 0x1b, 0x54, 0x00, 0x00, 0x03];
    let other_mac = [0x00, 0x1b, 0x54, 0x00, 0x00, 0x09];
    run(
        &mut store,
        "2026-12-01T10:00:00Z",
        &[
            switch("198.51.100.1", sw_mac, "FOC1234X0AB"),
            host("198.51.100.2", pc_mac, Some("pc-02.corp.example")),
            host("198.51.100.3", printer_mac, None),
            host("198.51.100.9", other_mac, None),
        ],
    );
    let devices = count(
        &store,
        "SELECT COUNT(*) FROM devices WHERE merged_into IS NULL",
    );
    assert_eq!(devices, 4);

    let s = import(&mut store, "reg.csv", REGISTER, "2026-12-01T10:05:00Z");
    assert_eq!(
        (s.plan.added.len(), s.plan.updated.len(), s.plan.unchanged),
        (4, 0, 0)
    );
    assert_eq!(s.matched, 3);
    let rows = all_assets(store.connection(), AssetFilter::All).unwrap();
    let got: Vec<(&str, Option<(&str, f64)>)> = rows
        .iter()
        .map(|r| {
            (
                r.asset.asset_tag.as_str(),
                r.matched
                    .as_ref()
                    .map(|m| (m.method.as_str(), m.confidence)),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("ZC-001", Some(("serial", 1.0))),
            ("ZC-002", Some(("mac", 0.9))),
            ("ZC-003", Some(("ip", 0.5))),
            ("ZC-004", None),
        ]
    );
    let sw_id: i64 = store
        .connection()
        .query_row(
            "SELECT id FROM devices WHERE ip = '198.51.100.1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let m = rows[0].matched.as_ref().unwrap();
    assert_eq!(
        (m.device_id, m.evidence.as_str()),
        (sw_id, "serial FOC1234X0AB")
    );
    assert_eq!(rows[1].asset.owner.as_deref(), Some("李四"));
    assert_eq!(rows[1].asset.mac.as_deref(), Some("00:1b:54:00:00:02"));
    assert_eq!(rows[0].asset.purchase_date.as_deref(), Some("2021-05-01"));
    let unmatched = all_unmatched_devices(store.connection()).unwrap();
    assert_eq!(
        unmatched
            .iter()
            .map(|d| d.ip.as_deref())
            .collect::<Vec<_>>(),
        vec![Some("198.51.100.9")]
    );
    let page = store
        .assets(AssetFilter::Unmatched, 10, None)
        .unwrap()
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].asset.asset_tag, "ZC-004");
    assert!(store.has_register().unwrap());
    let sw = store
        .asset_of_device(sw_id)
        .unwrap()
        .expect("the switch's asset");
    assert_eq!(sw.asset.asset_tag, "ZC-001");
    assert_eq!(
        sw.matched.as_ref().map(|m| m.method.as_str()),
        Some("serial")
    );
    assert_eq!(
        store.register_counts().unwrap(),
        RegisterCounts {
            assets: 4,
            matched: 3,
            unmatched_devices: 1,
        }
    );

    // Re-import: one owner changes, one asset is new; nothing duplicates.
    let again = REGISTER.replace("李四", "钱七") + "ZC-005,孙八,研发部,,,,198.51.100.9,,,,,,\n";
    let s = import(&mut store, "reg.csv", &again, "2026-12-02T09:00:00Z");
    assert_eq!(s.plan.added, vec!["ZC-005"]);
    assert_eq!(s.plan.updated, vec![("ZC-002".to_string(), vec!["owner"])]);
    assert_eq!(s.plan.unchanged, 3);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM assets"), 5);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM asset_imports"), 2);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM asset_matches"),
        4,
        "the new asset takes the left-over device by IP"
    );
    let (first, updated): (String, String) = store
        .connection()
        .query_row(
            "SELECT first_imported, updated_at FROM assets WHERE asset_tag = 'ZC-002'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (first.as_str(), updated.as_str()),
        ("2026-12-01T10:05:00Z", "2026-12-02T09:00:00Z")
    );

    // A file without some columns leaves those values alone.
    let partial = "asset_tag,owner\nZC-001,周九\n";
    let s = import(&mut store, "owners.csv", partial, "2026-12-02T10:00:00Z");
    assert_eq!(s.plan.updated, vec![("ZC-001".to_string(), vec!["owner"])]);
    let serial: Option<String> = store
        .connection()
        .query_row(
            "SELECT serial FROM assets WHERE asset_tag = 'ZC-001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(serial.as_deref(), Some("foc1234x0ab"));

    // A later run changes the devices: the matches follow (after_run).
    run(
        &mut store,
        "2026-12-03T10:00:00Z",
        &[switch("198.51.100.1", sw_mac, "FOC1234X0AB")],
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM asset_matches"), 4);

    // Rebuild: the register and its imports are primary and untouched,
    // and the matches come back the same.
    let assets_before = dump(&store, "assets", "asset_tag");
    let imports_before = dump(&store, "asset_imports", "id");
    let matches_before = dump(&store, "asset_matches", "asset_tag");
    store
        .rebuild(&Engine::builtin().unwrap(), &DeriveOptions::default())
        .unwrap();
    assert_eq!(dump(&store, "assets", "asset_tag"), assets_before);
    assert_eq!(dump(&store, "asset_imports", "id"), imports_before);
    assert_eq!(dump(&store, "asset_matches", "asset_tag"), matches_before);
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// A register with a bad row imports nothing, even after rows that were
/// fine; one that fails inside the transaction leaves the database as it
/// was.
#[test]
fn store_assets_bad_file_imports_nothing() {
    let path = temp_db("bad");
    let mut store = Store::open(&path).unwrap();
    import(&mut store, "reg.csv", REGISTER, "2026-12-01T10:05:00Z");
    let before = dump(&store, "assets", "asset_tag");
    let bad = REGISTER.replace("ZC-001", "ZC-010") + "ZC-011,,,,,00:1b:54,,,,,,,\n";
    let err = crate::assets::read("bad.csv", bad.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, crate::assets::RegisterError::Cell { line: 6, column, .. } if column == "MAC地址"),
        "{err}"
    );
    assert_eq!(dump(&store, "assets", "asset_tag"), before);

    // A failure after some rows were written (the database refuses the
    // row) rolls the whole import back, its asset_imports row included.
    store
        .connection()
        .execute_batch(
            "CREATE TRIGGER refuse_x BEFORE INSERT ON assets WHEN NEW.asset_tag = 'ZC-X'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
    let text = "asset_tag,owner\nZC-001,changed\nZC-NEW,a\nZC-X,b\n";
    let reg = crate::assets::read("t.csv", text.as_bytes()).unwrap();
    assert!(
        store
            .import_assets(
                &reg,
                "t.csv",
                &sha256_hex(text.as_bytes()),
                "2026-12-02T00:00:00Z",
                false
            )
            .is_err()
    );
    assert_eq!(dump(&store, "assets", "asset_tag"), before);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM asset_imports"), 1);

    // The same file again, with only_if_changed: skipped.
    let reg = crate::assets::read("reg.csv", REGISTER.as_bytes()).unwrap();
    let again = store
        .import_assets(
            &reg,
            "reg.csv",
            &sha256_hex(REGISTER.as_bytes()),
            "2026-12-03T00:00:00Z",
            true,
        )
        .unwrap();
    assert!(again.is_none());
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn store_assets_pages_by_tag_and_refuses_foreign_cursors() {
    let path = temp_db("pages");
    let mut store = Store::open(&path).unwrap();
    let mut text = String::from("asset_tag\n");
    for i in 0..7 {
        text.push_str(&format!("标签-{i}\n"));
    }
    import(&mut store, "p.csv", &text, "2026-12-01T00:00:00Z");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10 {
        let page = store
            .assets(AssetFilter::All, 3, after.as_deref())
            .unwrap()
            .unwrap();
        seen.extend(page.items.iter().map(|a| a.asset.asset_tag.clone()));
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    for bad in ["zz", "abc", "ff"] {
        assert!(
            store
                .assets(AssetFilter::All, 3, Some(bad))
                .unwrap()
                .is_err(),
            "{bad}"
        );
    }
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
