//! Every OID the code names is the OID its MIB gives the named object.
//!
//! References, each used when present:
//!
//! * the compiled MIB tables (`pandian::registry::mib`, generated from
//!   netdisco-mibs by `scripts/update-mib-tables` with net-snmp's
//!   snmptranslate): always; every polled constant's `MODULE::object` name
//!   must be the table's name for its OID, and every OID written in `src/`
//!   (Rust sources and rule files) must be known to the tables;
//! * Debian's python3-pysnmp4-mibs / python3-pysnmp4 compiled MIB modules
//!   (`name = MibScalar((1, 3, 6, ...))` lines) for the standard modules:
//!   a second, independent reference for `snmp::oids::ALL`;
//! * `snmptranslate -M mibs:<net-snmp dirs>` for modules whose MIB text is
//!   installed locally.
//!
//! With PANDIAN_REQUIRE_LAB=1 or PANDIAN_REQUIRE_MIBS=1 (CI, where
//! scripts/setup-debian installs python3-pysnmp4-mibs) the second
//! reference must have checked something.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pandian::facts::Oid;
use pandian::registry::mib;
use pandian::snmp::oids::{ALL, Known};
use pandian::snmp::vendor::VENDOR_SUBTREES;
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

/// Every polled constant's name is the compiled tables' name for its OID.
#[test]
fn snmp_oid_constants_have_their_compiled_mib_names() {
    let mut wrong = Vec::new();
    for k in ALL.iter().chain(VENDOR_SUBTREES.iter()) {
        let oid = Oid::parse(k.oid).unwrap();
        match mib::display(&oid) {
            Some(name) if name == k.name => {}
            other => wrong.push(format!(
                "{} = {}: the compiled MIB tables name it {other:?}",
                k.oid, k.name
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "OID constants whose names are not their MIB's (fix the name, or regenerate the tables with scripts/update-mib-tables):\n{}",
        wrong.join("\n")
    );
}

/// Every dotted OID written in the sources and rule files is known to the
/// compiled tables (its object or a parent object), so evidence and notes
/// can name it; the tables' inputs list the OIDs the code names, so a new
/// OID means regenerating them.
#[test]
fn snmp_every_oid_the_code_names_is_in_the_compiled_tables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                if p.file_name().is_none_or(|n| n != "data") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "rs" || e == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut unknown = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for oid in dotted_oids(line) {
                let Ok(o) = Oid::parse(&oid) else { continue };
                checked += 1;
                // Known when the tables name the object itself or an object
                // it sits in below the enterprise (not just `enterprises`).
                let named = mib::name(&o).is_some_and(|(module, name, rest)| {
                    !(module == "SNMPv2-SMI" && (name == "enterprises" || name == "mib-2"))
                        || rest.len() <= 1
                });
                if !named && !note_says_unnamed(line) {
                    unknown.push(format!("{}:{}: {oid}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} OIDs found in the sources");
    assert!(
        unknown.is_empty(),
        "OIDs the compiled MIB tables do not name (regenerate them with scripts/update-mib-tables, or give the location a note saying its MIB is not in the collection):\n{}",
        unknown.join("\n")
    );
}

/// A location whose vendor MIB is not in the collection says so.
fn note_says_unnamed(line: &str) -> bool {
    line.contains("not in the compiled MIBs")
}

/// Dotted OIDs (`1.3.6.1...`, `1.0.8802...`, `1.2.840...`) in a line.
fn dotted_oids(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["1.3.6.1.", "1.0.8802.", "1.2.840."]
            .iter()
            .any(|p| line.get(i..).is_some_and(|r| r.starts_with(p)));
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.');
        if starts && boundary {
            let end = line[i..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map_or(line.len(), |e| i + e);
            out.push(line[i..end].trim_end_matches('.').to_string());
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The standard constants also agree with Debian's compiled pysnmp MIBs
/// and with snmptranslate where MIB text is installed.
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

#[test]
fn snmp_dotted_oids_are_found_in_text() {
    assert_eq!(
        dotted_oids(r#"{ oid = "1.3.6.1.2.1.1.1.0", x = "21.3.6.1.9" } 1.0.8802.1.1.2."#),
        ["1.3.6.1.2.1.1.1.0", "1.0.8802.1.1.2"]
    );
}
