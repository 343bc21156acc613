//! Every polled OID constant (`pandian::snmp::oids::ALL`) must be the OID
//! its MIB gives the named object. Two references, each used when present:
//!
//! * `snmptranslate -M mibs:<net-snmp dirs> -On MODULE::object` for modules
//!   whose MIB text is installed (see mibs/SOURCES.md);
//! * Debian's python3-pysnmp4-mibs / python3-pysnmp4 compiled MIB modules
//!   (`name = MibScalar((1, 3, 6, ...))` lines).
//!
//! A constant no reference knows is listed, not failed; the test fails on a
//! mismatch, and (with PANDIAN_REQUIRE_LAB=1 or PANDIAN_REQUIRE_MIBS=1, as in
//! CI, where scripts/setup-debian installs python3-pysnmp4-mibs) when no
//! reference checked anything at all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pandian::snmp::oids::{ALL, Known};
use std::path::{Path, PathBuf};
use std::process::Command;

fn split(k: &Known) -> (&str, &str) {
    k.name.split_once("::").unwrap_or(("", k.name))
}

fn snmptranslate(k: &Known) -> Option<String> {
    let (module, object) = split(k);
    let dirs = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("mibs"),
        PathBuf::from("/usr/share/snmp/mibs"),
        PathBuf::from("/usr/share/snmp/mibs/ietf"),
        PathBuf::from("/usr/share/snmp/mibs/iana"),
    ];
    let have_module = dirs.iter().any(|d| {
        ["", ".txt", ".mib", ".my"]
            .iter()
            .any(|ext| d.join(format!("{module}{ext}")).is_file())
    });
    if !have_module {
        return None;
    }
    let path = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let out = Command::new("snmptranslate")
        .args(["-M", &path, "-m", module, "-On"])
        .arg(format!("{module}::{object}"))
        .env("MIBS", "")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches('.')
        .to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn pysnmp_dirs() -> Vec<PathBuf> {
    [
        "/usr/lib/python3/dist-packages/pysnmp_mibs",
        "/usr/lib/python3/dist-packages/pysnmp/smi/mibs",
    ]
    .iter()
    .map(PathBuf::from)
    .filter(|p| p.is_dir())
    .collect()
}

fn pysnmp(k: &Known) -> Option<String> {
    let (module, object) = split(k);
    let needle = format!("{object} = ");
    for dir in pysnmp_dirs() {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("{module}.py"))) else {
            continue;
        };
        for line in text.lines().filter(|l| l.starts_with(&needle)) {
            // name = MibTableColumn((1, 3, 6, 1, ...), ...)
            let Some(start) = line.find("((") else {
                continue;
            };
            let Some(end) = line[start..].find(')') else {
                continue;
            };
            let arcs: Vec<&str> = line[start + 2..start + end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if arcs.iter().all(|a| a.parse::<u32>().is_ok()) {
                return Some(arcs.join("."));
            }
        }
    }
    None
}

#[test]
fn snmp_oid_constants_match_their_mibs() {
    let have_translate = Command::new("snmptranslate").arg("-V").output().is_ok();
    let mut checked = 0;
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for k in ALL {
        let refs: Vec<(&str, String)> = [
            have_translate
                .then(|| snmptranslate(k))
                .flatten()
                .map(|o| ("snmptranslate", o)),
            pysnmp(k).map(|o| ("pysnmp-mibs", o)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if refs.is_empty() {
            unknown.push(k.name);
        }
        for (src, oid) in refs {
            checked += 1;
            if oid != k.oid {
                wrong.push(format!("{}: ours {}, {src} {oid}", k.name, k.oid));
            }
        }
    }
    eprintln!(
        "{checked} checks over {} constants; no reference installed for: {unknown:?}",
        ALL.len()
    );
    assert!(
        wrong.is_empty(),
        "OID constants that disagree with their MIB:\n{}",
        wrong.join("\n")
    );
    if checked == 0 {
        assert!(
            ["PANDIAN_REQUIRE_LAB", "PANDIAN_REQUIRE_MIBS"]
                .iter()
                .all(|v| std::env::var(v).as_deref() != Ok("1")),
            "no MIB reference installed: apt-get install python3-pysnmp4-mibs (or put MIB files in mibs/)"
        );
        eprintln!("skipping: no MIB reference installed (apt-get install python3-pysnmp4-mibs)");
    }
}
