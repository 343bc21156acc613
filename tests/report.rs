//! `pandian report evidence` end to end: a database made by real runs
//! (through the library, as the daemon records them), the command, then
//! the zip and its XLSX opened by real readers (Python's zipfile and
//! openpyxl), the manifest's hashes checked there, hostile cells looked at.

mod common;

use common::bin;
use pandian::fingerprint::{Engine, VendorOverride, VendorOverrides};
use pandian::inventory::Source;
use pandian::record::Seen;
use pandian::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE: &str = "=cmd|' /C calc'!A0";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pandian-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn arp(ip: &str, mac: [u8; 6]) -> Seen {
    Seen {
        ip: ip.parse().ok(),
        mac: Some(mac),
        sources: vec![Source::Arp, Source::Icmp],
        ..Seen::default()
    }
}

/// Two runs on two days: a Huawei and a Cisco host (origins from their MAC
/// blocks), a brand named like a formula and one named like a script (a
/// user's vendor table), an address with no MAC whose name is a formula.
fn database(d: &Path) -> PathBuf {
    let db = d.join("p.db");
    let mut store = Store::open(&db).expect("open");
    let entry = |brand: &str, oui: &str, origin: &str| VendorOverride {
        brand: brand.into(),
        ouis: vec![oui.into()],
        origin: Some(origin.into()),
        ..VendorOverride::default()
    };
    let engine = Engine::builtin().expect("rules").with_overrides(
        VendorOverrides::new(vec![
            entry(HOSTILE, "02:00:5e", "foreign"),
            entry("<script>alert(1)</script>", "02:00:5f", "domestic"),
        ])
        .expect("vendor table"),
    );
    let lan = [
        arp("198.51.100.10", [0x00, 0xe0, 0xfc, 0, 0, 1]),
        arp("198.51.100.11", [0x00, 0x00, 0x0c, 0, 0, 1]),
        arp("198.51.100.12", [0x02, 0x00, 0x5e, 0, 0, 1]),
        arp("198.51.100.13", [0x02, 0x00, 0x5f, 0, 0, 1]),
        Seen {
            ip: "198.51.100.20".parse().ok(),
            sources: vec![Source::Icmp, Source::Dns],
            hostname: Some(HOSTILE.into()),
            ..Seen::default()
        },
    ];
    for (day, seen) in [("2026-11-29", &lan[..2]), ("2026-11-30", &lan[..])] {
        let time = format!("{day}T08:00:00Z");
        let id = store
            .begin_run(&RunStart {
                job: "default",
                started_at: &time,
                targets: "198.51.100.0/24",
                exclude: "198.51.100.254",
                addresses: 253,
                excluded: 1,
                rate: 200,
                credentials: vec!["office".into()],
            })
            .expect("begin");
        store.record(id, seen).expect("record");
        store
            .finish_run(
                id,
                &RunEnd {
                    status: RunStatus::Done,
                    error: None,
                    finished_at: format!("{day}T08:01:00Z"),
                    answered: seen.len(),
                    snmp_ok: 0,
                },
                &engine,
                &DeriveOptions::default(),
            )
            .expect("finish");
    }
    db
}

fn pandian(args: &[&str]) -> (i32, String, String) {
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

/// Opens the zip with Python's zipfile, checks every MANIFEST hash with
/// hashlib, opens origin.xlsx with openpyxl; prints what it found as JSON.
const CHECK: &str = r#"
import hashlib, io, json, sys, zipfile
import openpyxl
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = z.namelist()
assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
listed = {}
for line in z.read("MANIFEST").decode().splitlines():
    digest, name = line.split("  ", 1)
    assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
    listed[name] = digest
assert sorted(listed) == sorted(n for n in names if n != "MANIFEST"), (listed, names)
wb = openpyxl.load_workbook(io.BytesIO(z.read("origin.xlsx")))
cells = []
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                cells.append([ws.title, c.data_type, c.value if isinstance(c.value, str) else float(c.value), bool(c.quotePrefix)])
csv = {n: z.read(n).decode("utf-8-sig") for n in names if n.endswith(".csv")}
print(json.dumps({"names": names, "sheets": wb.sheetnames, "cells": cells, "csv": csv}))
"#;

fn python_check(zip: &Path) -> serde_json::Value {
    let out = Command::new("/usr/bin/python3")
        .args(["-c", CHECK, zip.to_str().expect("path")])
        .output()
        .expect("python3 (scripts/setup-debian installs python3-openpyxl)");
    assert!(
        out.status.success(),
        "python check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json from the check")
}

#[test]
fn report_evidence_zip_opens_in_real_readers_and_its_hashes_verify() {
    let d = dir("e2e");
    let db = database(&d);
    let out = d.join("evidence.zip");
    let (code, stdout, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        db.to_str().expect("p"),
        "--date",
        "2026-11-30",
        "--out",
        out.to_str().expect("p"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("5 devices") && stdout.contains("2 runs"),
        "{stdout}"
    );
    assert_eq!(std::fs::metadata(&out).expect("zip").mode() & 0o777, 0o600);

    let v = python_check(&out);
    let names: Vec<&str> = v["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for want in [
        "README.txt",
        "inventory.csv",
        "register-match.csv",
        "register-imports.csv",
        "findings.csv",
        "origin.csv",
        "origin-trend.csv",
        "origin-unknowns.csv",
        "origin.xlsx",
        "origin.json",
        "scans.csv",
        "scans.json",
        "MANIFEST",
    ] {
        assert!(names.contains(&want), "{want} missing: {names:?}");
    }
    assert_eq!(v["sheets"][0], "汇总 Summary");
    // The hostile vendor: in the workbook as a string (never a formula),
    // exactly as named, marked as text; in every CSV with an apostrophe.
    let cells = v["cells"].as_array().expect("cells");
    let hostile: Vec<&serde_json::Value> = cells.iter().filter(|c| c[2] == HOSTILE).collect();
    assert!(!hostile.is_empty(), "the hostile vendor is in the workbook");
    for c in &hostile {
        assert_eq!(c[1], "s", "a string cell: {c}");
        assert_eq!(c[3], true, "quote prefix: {c}");
    }
    assert!(cells.iter().all(|c| c[1] != "f"), "no formulas at all");
    assert!(
        cells
            .iter()
            .any(|c| c[2] == "<script>alert(1)</script>" && c[1] == "s")
    );
    assert!(
        cells
            .iter()
            .any(|c| c[0] == "汇总 Summary" && c[1] == "n" && c[2] == 5.0),
        "counts are numbers"
    );
    let csv = &v["csv"];
    let inventory = csv["inventory.csv"].as_str().expect("inventory");
    assert!(inventory.contains(&format!(",'{HOSTILE},")), "{inventory}");
    assert!(
        inventory.contains("设备编号 / Device") && inventory.contains("国产"),
        "{inventory}"
    );
    for (name, text) in csv.as_object().expect("csv") {
        let text = text.as_str().unwrap_or_default();
        for field in text.split([',', '\n']) {
            let f = field.trim_start_matches('"');
            assert!(!f.starts_with('='), "{name}: formula-like cell {field:?}");
        }
    }
    let unknowns = csv["origin-unknowns.csv"].as_str().expect("unknowns");
    assert!(
        unknowns.contains("198.51.100.20") && unknowns.contains("no vendor identified"),
        "{unknowns}"
    );
    let trend = csv["origin-trend.csv"].as_str().expect("trend");
    assert_eq!(trend.lines().count(), 3, "header and two runs: {trend}");
    let scans = csv["scans.csv"].as_str().expect("scans");
    assert!(
        scans.contains(",253,2,251,1,") && scans.contains(",253,5,248,1,"),
        "{scans}"
    );
    let findings = csv["findings.csv"].as_str().expect("findings");
    assert!(findings.starts_with("编号 / Finding"), "{findings}");

    // Never replaced silently; --force replaces it.
    let before = std::fs::read(&out).expect("zip");
    let (code, _, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        db.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).expect("zip"), before);
    let (code, _, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        db.to_str().expect("p"),
        "--date",
        "2026-11-29",
        "--out",
        out.to_str().expect("p"),
        "--force",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = python_check(&out);
    let inventory = v["csv"]["inventory.csv"].as_str().expect("inventory");
    assert_eq!(
        inventory.lines().count(),
        3,
        "as of the first day: two devices: {inventory}"
    );
    let scans = v["csv"]["scans.csv"].as_str().expect("scans");
    assert_eq!(scans.lines().count(), 2, "one run by then: {scans}");

    // Through the config: the store's group may read the package (root's
    // group here, which only root may give files to).
    if pandian::lab::is_root() {
        let config = d.join("pandian.toml");
        std::fs::write(
            &config,
            format!(
                "[store]\npath = {:?}\ngroup = \"root\"\n",
                db.display().to_string()
            ),
        )
        .expect("config");
        std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod");
        let grouped = d.join("grouped.zip");
        let (code, _, err) = pandian(&[
            "report",
            "evidence",
            "--config",
            config.to_str().expect("p"),
            "--out",
            grouped.to_str().expect("p"),
        ]);
        assert_eq!(code, 0, "{err}");
        let meta = std::fs::metadata(&grouped).expect("zip");
        assert_eq!((meta.mode() & 0o777, meta.gid()), (0o640, 0));
    }

    // A bad date and a missing database are refused with what to do.
    let (code, _, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        db.to_str().expect("p"),
        "--date",
        "2026-02-30",
        "--out",
        d.join("x.zip").to_str().expect("p"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let (code, _, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        d.join("none.db").to_str().expect("p"),
        "--out",
        d.join("x.zip").to_str().expect("p"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!d.join("x.zip").exists());
    let _ = std::fs::remove_dir_all(&d);
}

/// A small tmpfs mounted for the test and unmounted when it ends.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn report_evidence_on_a_full_disk_leaves_no_partial_zip() {
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    if !pandian::lab::is_root() {
        assert!(
            !require,
            "PANDIAN_REQUIRE_LAB=1 but not root: this test mounts a tmpfs"
        );
        eprintln!("SKIPPED: mounting a small tmpfs needs root");
        return;
    }
    let d = dir("full");
    let db = database(&d);
    let small = d.join("small");
    std::fs::create_dir_all(&small).expect("dir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8k,mode=0700", "tmpfs"])
        .arg(&small)
        .status()
        .expect("mount");
    assert!(mounted.success(), "mount a tmpfs at {}", small.display());
    let guard = Tmpfs(small.clone());
    let out = small.join("evidence.zip");
    let (code, _, err) = pandian(&[
        "report",
        "evidence",
        "--db",
        db.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("No space left") && err.contains("nothing was written"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&small)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "no zip and no temporary file: {left:?}");
    drop(guard);
    let _ = std::fs::remove_dir_all(&d);
}
