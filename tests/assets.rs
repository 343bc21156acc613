//! The approved-asset register end to end: `pandian assets import` and
//! `list` on CSV and on XLSX written by a real spreadsheet library
//! (openpyxl), matched against devices recorded by real runs; the daemon's
//! `[assets] file` at start and on SIGHUP; `pandian rebuild` leaving the
//! register alone.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::fingerprint::Engine;
use pandian::inventory::Source;
use pandian::record::Seen;
use pandian::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .output()
        .expect("run pandian");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pandian-assets-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn config(dir: &Path, extra: &str) -> (PathBuf, PathBuf) {
    let db = dir.join("p.db");
    let port = free_port();
    let p = dir.join("pandian.toml");
    std::fs::write(
        &p,
        format!(
            "[store]\npath = \"{}\"\n[web]\nlisten = \"127.0.0.1:{port}\"\n{extra}",
            db.display()
        ),
    )
    .expect("config");
    (p, db)
}

/// Debian's python (where python3-openpyxl lives), else whatever is on PATH.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// Write `rows` to an XLSX file with openpyxl. Each cell is a Python
/// expression (so dates can be `datetime.date(...)` cells and formulas are
/// real formula cells).
fn xlsx(path: &Path, rows: &[&[&str]]) {
    let rows_py: Vec<String> = rows.iter().map(|r| format!("[{}]", r.join(", "))).collect();
    let script = format!(
        "import datetime, sys, openpyxl\nwb = openpyxl.Workbook()\nws = wb.active\nws.title = '资产'\nfor row in [{}]:\n    ws.append(row)\nwb.save(sys.argv[1])\n",
        rows_py.join(", ")
    );
    let out = Command::new(python())
        .args(["-c", &script, path.to_str().unwrap()])
        .output()
        .expect("run python3 (install python3-openpyxl: scripts/setup-debian)");
    assert!(
        out.status.success(),
        "openpyxl failed (scripts/setup-debian installs python3-openpyxl): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn refs(r: &[String]) -> Vec<&str> {
    r.iter().map(String::as_str).collect()
}

fn py(s: &str) -> String {
    format!("{s:?}")
}

/// Three devices from a real run: a switch answering SNMP with its chassis
/// serial, a PC known by MAC, a printer at a fixed address.
fn record_devices(db: &Path) {
    use pandian::facts::{Oid, SnmpFacts, Value};
    let o = |s: &str| Oid::parse(s).unwrap();
    let mut store = Store::open(db).unwrap();
    let host = |ip: &str, last: u8| Seen {
        ip: Some(ip.parse().unwrap()),
        mac: Some([0x00, 0x1b, 0x54, 0, 0, last]),
        sources: vec![Source::Arp, Source::Icmp],
        ..Seen::default()
    };
    let mut sw = host("198.51.100.1", 1);
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
    sw.sources.push(Source::Snmp);
    sw.snmp = Some(pandian::record::SnmpSeen {
        version: "2c".into(),
        credential: "office".into(),
        facts: f,
        walked_at: None,
    });
    let seen = [sw, host("198.51.100.2", 2), host("198.51.100.3", 3)];
    let id = store
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-12-01T10:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec!["office".into()],
        })
        .unwrap();
    store.record(id, &seen).unwrap();
    store
        .finish_run(
            id,
            &RunEnd {
                status: RunStatus::Done,
                error: None,
                finished_at: "2026-12-01T10:01:00Z".into(),
                answered: 3,
                snmp_ok: 1,
            },
            &Engine::builtin().unwrap(),
            &DeriveOptions::default(),
        )
        .unwrap();
}

fn query(db: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn.prepare(sql).expect("sql");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let mut v = Vec::new();
        for i in 0..n {
            v.push(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(x) => x.to_string(),
                rusqlite::types::ValueRef::Real(x) => x.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
            });
        }
        Ok(v.join("|"))
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn assets_import_csv_then_xlsx_with_chinese_text_matches_and_updates() {
    let d = dir("import");
    let (cfg, db) = config(&d, "");
    let cfg = cfg.to_str().unwrap();
    let csv = d.join("资产台账.csv");
    std::fs::write(
        &csv,
        "\u{feff}资产编号,责任人,部门,序列号,MAC地址,IP地址,购置日期,备注\n\
         ZC-001,张三,信息中心,foc1234x0ab,,,2021/5/1,核心交换机\n\
         ZC-002,李四,财务部,,00-1B-54-00-00-02,,2022-01-10,\"财务电脑，\n二楼\"\n\
         ZC-003,王五,行政部,,,198.51.100.3,,@打印机\n\
         ZC-004,赵六,研发部,,,,,未上线\n",
    )
    .unwrap();

    // A dry run on a database that does not exist yet creates nothing.
    let (code, out, err) = run(&[
        "assets",
        "import",
        "--config",
        cfg,
        "--dry-run",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would add 4, update 0, leave 0 unchanged")
            && out.contains("would add ZC-004"),
        "{out}"
    );
    assert!(!db.exists(), "a dry run writes nothing");

    record_devices(&db);
    let (code, out, err) = run(&["assets", "import", "--config", cfg, csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("added 4, updated 0, unchanged 0; 3 matched"),
        "{out}"
    );
    assert_eq!(
        query(
            &db,
            "SELECT m.asset_tag, m.method, m.confidence, d.ip FROM asset_matches m JOIN devices d ON d.id = m.device_id ORDER BY m.asset_tag"
        ),
        vec![
            "ZC-001|serial|1|198.51.100.1",
            "ZC-002|mac|0.9|198.51.100.2",
            "ZC-003|ip|0.5|198.51.100.3",
        ]
    );
    assert_eq!(
        query(
            &db,
            "SELECT notes FROM assets WHERE asset_tag IN ('ZC-002', 'ZC-003') ORDER BY asset_tag"
        ),
        vec!["财务电脑，\n二楼", "@打印机"]
    );
    let sha = query(&db, "SELECT sha256, file FROM asset_imports");
    assert_eq!(sha.len(), 1);
    assert!(
        sha[0].ends_with("资产台账.csv") && sha[0].len() > 64,
        "{sha:?}"
    );

    // The same register as XLSX, headers in English and another order, a
    // real date cell, a formula cell, a serial typed as a number; one
    // owner changed, one asset new.
    let book = d.join("register.xlsx");
    let header: Vec<String> = [
        "Owner",
        "Asset Tag",
        "serial",
        "mac",
        "ip",
        "purchase_date",
        "notes",
        "department",
    ]
    .iter()
    .map(|s| py(s))
    .collect();
    let r1 = [
        py("张三"),
        py("ZC-001"),
        py("foc1234x0ab"),
        "None".into(),
        "None".into(),
        "datetime.date(2021, 5, 1)".into(),
        py("核心交换机"),
        py("信息中心"),
    ];
    let r2 = [
        py("钱七"),
        py("ZC-002"),
        "None".into(),
        py("00-1B-54-00-00-02"),
        "None".into(),
        "datetime.date(2022, 1, 10)".into(),
        py("财务电脑，\n二楼"),
        py("财务部"),
    ];
    let r3 = [
        py("王五"),
        py("ZC-003"),
        "None".into(),
        "None".into(),
        py("198.51.100.3"),
        "None".into(),
        py("@打印机"),
        py("行政部"),
    ];
    let r4 = [
        py("赵六"),
        py("ZC-004"),
        "None".into(),
        "None".into(),
        "None".into(),
        "None".into(),
        py("未上线"),
        py("研发部"),
    ];
    let r5 = [
        py("孙八"),
        py("ZC-005"),
        "123456789".into(),
        "None".into(),
        "None".into(),
        py("2024/3/5"),
        py("=SUM(1,2)"),
        py("研发部"),
    ];
    let (h, a, b, c, e, f) = (
        refs(&header),
        refs(&r1),
        refs(&r2),
        refs(&r3),
        refs(&r4),
        refs(&r5),
    );
    xlsx(&book, &[&h, &a, &b, &c, &e, &f]);
    let (code, out, err) = run(&[
        "assets",
        "import",
        "--config",
        cfg,
        "--dry-run",
        book.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would add 1, update 1, leave 3 unchanged")
            && out.contains("would update ZC-002 (owner)"),
        "{out}"
    );
    let (code, out, err) = run(&["assets", "import", "--config", cfg, book.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 1, updated 1, unchanged 3"), "{out}");
    assert_eq!(
        query(&db, "SELECT COUNT(*) FROM assets"),
        vec!["5"],
        "updated, not duplicated"
    );
    assert_eq!(
        query(
            &db,
            "SELECT owner, serial, purchase_date, notes FROM assets WHERE asset_tag IN ('ZC-002', 'ZC-005') ORDER BY asset_tag"
        ),
        vec![
            "钱七|NULL|2022-01-10|财务电脑，\n二楼",
            "孙八|123456789|2024-03-05|=SUM(1,2)"
        ],
        "a formula is kept as its text, never evaluated"
    );

    let (code, out, err) = run(&["assets", "list", "--config", cfg]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ZC-001\t张三\t") && out.contains("serial\t1.0\tserial FOC1234X0AB"),
        "{out}"
    );
    assert!(out.contains("ZC-004\t赵六\t-\tunmatched"), "{out}");
    assert!(out.contains("devices no asset matched: 0"), "{out}");

    // A rebuild regenerates the matches and never touches the register.
    let before = (
        query(&db, "SELECT * FROM assets ORDER BY asset_tag"),
        query(&db, "SELECT * FROM asset_imports ORDER BY id"),
        query(&db, "SELECT * FROM asset_matches ORDER BY asset_tag"),
    );
    let (code, _, err) = run(&["rebuild", "--config", cfg]);
    assert_eq!(code, 0, "{err}");
    let after = (
        query(&db, "SELECT * FROM assets ORDER BY asset_tag"),
        query(&db, "SELECT * FROM asset_imports ORDER BY id"),
        query(&db, "SELECT * FROM asset_matches ORDER BY asset_tag"),
    );
    assert_eq!(before, after);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn assets_import_refuses_a_bad_row_with_line_and_column_and_imports_nothing() {
    let d = dir("bad");
    let (cfg, db) = config(&d, "");
    let cfg = cfg.to_str().unwrap();
    let good = d.join("good.csv");
    std::fs::write(&good, "asset_tag,owner\nA-1,张三\n").unwrap();
    let (code, _, err) = run(&["assets", "import", "--config", cfg, good.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let before = query(&db, "SELECT * FROM assets");

    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "asset_tag,owner,MAC地址\nA-1,李四,\nA-2,王五,00:1b:54:00:00\n",
    )
    .unwrap();
    let (code, out, err) = run(&["assets", "import", "--config", cfg, bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("bad.csv line 3, column `MAC地址`") && err.contains("nothing was imported"),
        "{err}"
    );

    // The same in XLSX: the row number is the sheet's.
    let book = d.join("bad.xlsx");
    xlsx(
        &book,
        &[
            &[&py("资产编号"), &py("IP地址")],
            &[&py("A-1"), &py("198.51.100.1")],
            &[&py("A-2"), &py("198.51.100.300")],
        ],
    );
    let (code, _, err) = run(&[
        "assets",
        "import",
        "--config",
        cfg,
        "--dry-run",
        book.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.xlsx line 3, column `IP地址`"), "{err}");
    let (code, _, err) = run(&["assets", "import", "--config", cfg, book.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("line 3"), "{err}");

    // Not a register at all.
    let fake = d.join("fake.xlsx");
    std::fs::write(&fake, "asset_tag\nA-9\n").unwrap();
    let (code, _, err) = run(&["assets", "import", "--config", cfg, fake.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not an XLSX workbook"), "{err}");

    assert_eq!(
        query(&db, "SELECT * FROM assets"),
        before,
        "nothing imported"
    );
    assert_eq!(query(&db, "SELECT COUNT(*) FROM asset_imports"), vec!["1"]);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn serve_imports_assets_file_at_start_and_on_sighup_when_changed() {
    let d = dir("serve");
    let register = d.join("register.csv");
    std::fs::write(&register, "asset_tag,owner\nA-1,张三\n").unwrap();
    // Relative to the config's directory.
    let (cfg, db) = config(&d, "[assets]\nfile = \"register.csv\"\n");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let port: u16 = text
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    // check-config reads the register too, and warns on a bad one.
    let (code, out, err) = run(&["check-config", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("register.csv (1 assets)"), "{out}");
    let log = d.join("serve.log");
    let mut child = Command::new(bin())
        .args(["serve", "--config", cfg.to_str().unwrap()])
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .expect("serve");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let owners = || -> Option<String> {
        let (status, body) = http_get(port, "/api/v1/assets").ok()?;
        (status == 200).then_some(body)
    };
    let first = poll(Duration::from_secs(30), owners);
    let hup = || {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP);
    };
    let imports = || query(&db, "SELECT COUNT(*) FROM asset_imports");

    // SIGHUP with the file unchanged: no new import.
    hup();
    let unchanged = poll(Duration::from_secs(15), || {
        std::fs::read_to_string(&log)
            .ok()
            .filter(|l| l.contains("unchanged since its last import"))
    });
    let imports_unchanged = imports();

    // Changed: imported again.
    std::fs::write(&register, "asset_tag,owner\nA-1,李四\nA-2,王五\n").unwrap();
    hup();
    let second = poll(Duration::from_secs(15), || {
        owners().filter(|b| b.contains("李四") && b.contains("A-2"))
    });

    // A bad row: refused, logged with its line, the register stays.
    std::fs::write(
        &register,
        "asset_tag,owner,ip\nA-1,赵六,\nA-3,x,not-an-ip\n",
    )
    .unwrap();
    hup();
    let refused = poll(Duration::from_secs(15), || {
        std::fs::read_to_string(&log)
            .ok()
            .filter(|l| l.contains("asset register not imported"))
    });
    let after_bad = owners();
    let (code, out, check_err) = run(&["check-config", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 0, "{check_err}");
    assert!(
        out.contains("not importable") && check_err.contains("line 3, column `ip`"),
        "{out}{check_err}"
    );

    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let status = poll(Duration::from_secs(15), || child.try_wait().ok().flatten());
    let _ = child.kill();
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let first = first.expect("page served");
    assert!(first.contains("\"owner\":\"张三\""), "{first}\n{log_text}");
    assert!(unchanged.is_some(), "{log_text}");
    assert_eq!(imports_unchanged, vec!["1"], "{log_text}");
    assert!(second.is_some(), "{log_text}");
    let refused = refused.expect("refusal logged");
    assert!(refused.contains("line 3, column `ip`"), "{refused}");
    let after_bad = after_bad.unwrap_or_default();
    assert!(
        after_bad.contains("李四") && !after_bad.contains("赵六"),
        "{after_bad}"
    );
    assert_eq!(imports(), vec!["2"]);
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit: {log_text}"
    );
    let _ = std::fs::remove_dir_all(d);
}
