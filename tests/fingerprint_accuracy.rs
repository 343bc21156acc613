//! Per-field accuracy of the fingerprint engine on the labelled dev set in
//! `../shared/fixtures` (read in place, never copied), scored as the
//! fixtures README says. Skips (and passes) when the fixtures are absent.
//!
//! Run: `cargo test --release --test fingerprint_accuracy -- --nocapture`.
//! Set `PANDIAN_FIXTURES` to point elsewhere, `PANDIAN_ACCURACY_MISSES=1`
//! to list every miss.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pandian::facts::DeviceFacts;
use pandian::fingerprint::{Engine, Identity};
use serde_json::Value as Json;

fn fixtures_dir() -> PathBuf {
    std::env::var_os("PANDIAN_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
        PathBuf::from,
    )
}

const LEGAL: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "ab",
    "as",
    "oy",
    "plc",
    "pty",
    "spa",
    "sas",
    "nv",
    "kk",
    "srl",
    "sro",
];

/// Lowercase, punctuation and legal suffixes removed.
fn norm_vendor(s: &str) -> String {
    let lower = s.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut words = words;
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL.contains(&w.as_str())) {
        words.pop();
    }
    words.concat()
}

fn norm_model(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn strs(v: &Json, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    match v.get(key) {
        Some(Json::String(s)) => out.push(s.clone()),
        Some(Json::Array(a)) => out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string))),
        _ => {}
    }
    out
}

#[derive(Default)]
struct Score {
    right: usize,
    total: usize,
}

impl Score {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += usize::from(ok);
    }
    fn pct(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.total as f64
        }
    }
}

/// Score `got` against one label object; returns per-field (field, ok).
fn score(label: &Json, got: &Identity) -> Vec<(&'static str, bool, String, String)> {
    let mut out = Vec::new();
    let want = |k: &str| label.get(k).and_then(Json::as_str).map(str::to_string);
    if let Some(v) = want("vendor") {
        let mut accept = vec![norm_vendor(&v)];
        accept.extend(strs(label, "vendor_aliases").iter().map(|a| norm_vendor(a)));
        let ok = got
            .vendor
            .as_deref()
            .is_some_and(|g| accept.contains(&norm_vendor(g)));
        out.push(("vendor", ok, v, got.vendor.clone().unwrap_or_default()));
    }
    let class_key = if label.get("device_class").is_some() {
        "device_class"
    } else {
        "class"
    };
    if let Some(c) = want(class_key) {
        let mut accept = vec![c.to_lowercase()];
        accept.extend(strs(label, "alt_classes").iter().map(|a| a.to_lowercase()));
        let ok = got
            .class
            .as_deref()
            .is_some_and(|g| accept.contains(&g.to_lowercase()));
        out.push(("class", ok, c, got.class.clone().unwrap_or_default()));
    }
    let model_key = if label.get("product").is_some() {
        "product"
    } else {
        "model"
    };
    if let Some(m) = want(model_key) {
        let mut accept = vec![m.clone()];
        accept.extend(strs(label, "model_aliases"));
        let ok = got.model.as_deref().is_some_and(|g| {
            let g = norm_model(g);
            accept.iter().any(|a| {
                let a = norm_model(a);
                let shorter = a.len().min(g.len());
                shorter >= 3 && (a.contains(&g) || g.contains(&a))
            })
        });
        out.push(("model", ok, m, got.model.clone().unwrap_or_default()));
    }
    if let Some(s) = want("serial") {
        let ok = got.serial.as_deref().is_some_and(|g| {
            g.trim() == s.trim() || mac_bytes(g).is_some_and(|m| mac_bytes(&s) == Some(m))
        });
        out.push(("serial", ok, s, got.serial.clone().unwrap_or_default()));
    }
    if let Some(o) = want("vendor_origin") {
        let ok = got.vendor_origin.as_deref() == Some(o.as_str());
        out.push((
            "origin",
            ok,
            o,
            got.vendor_origin.clone().unwrap_or_default(),
        ));
    }
    if let Some(os_name) = want("os_name") {
        // Loose: the OS family (LibreNMS name or display text) appears in ours.
        let ours = got.os.as_deref().unwrap_or_default().to_lowercase();
        let text = want("os_text").unwrap_or_default().to_lowercase();
        let first = text
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string();
        let ok = !ours.is_empty()
            && (ours.contains(&os_name.to_lowercase())
                || (!first.is_empty() && ours.contains(&first)));
        out.push(("os (loose)", ok, format!("{os_name} / {text}"), ours));
    }
    out
}

fn facts_for(descr: Option<&str>, object: Option<&str>) -> DeviceFacts {
    DeviceFacts::from_system(descr, object)
}

/// A serial that is a MAC address, in any common spelling
/// (`b8:a4:4f:2:fe:1`, `B8-A4-4F-02-FE-01`, `B8A44F02FE01`), as bytes: the
/// same address spelled two ways is the same serial.
fn mac_bytes(s: &str) -> Option<[u8; 6]> {
    let s = s.trim();
    let parts: Vec<&str> = if s.len() == 12 {
        (0..6).filter_map(|i| s.get(i * 2..i * 2 + 2)).collect()
    } else {
        s.split([':', '-']).collect()
    };
    let mut out = [0u8; 6];
    if parts.len() != 6 {
        return None;
    }
    for (o, p) in out.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(out)
}

const FIELDS: [&str; 6] = ["class", "vendor", "model", "serial", "origin", "os (loose)"];

fn table(title: &str, scores: &BTreeMap<&'static str, Score>) {
    println!("\n{title}");
    println!("| field | right | scored | accuracy |");
    println!("|---|---:|---:|---:|");
    for f in FIELDS {
        if let Some(s) = scores.get(f) {
            println!("| {f} | {} | {} | {:.1}% |", s.right, s.total, s.pct());
        }
    }
}

#[test]
fn fingerprint_accuracy_on_dev_set() {
    let dir = fixtures_dir();
    let labels_path = dir.join("labels.json");
    let Ok(labels_text) = std::fs::read_to_string(&labels_path) else {
        println!(
            "skipping: no fixtures at {} (set PANDIAN_FIXTURES)",
            dir.display()
        );
        return;
    };
    let labels: BTreeMap<String, Json> = match serde_json::from_str(&labels_text) {
        Ok(l) => l,
        Err(e) => panic!("{}: {e}", labels_path.display()),
    };
    let engine = match Engine::builtin() {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let show_misses = std::env::var_os("PANDIAN_ACCURACY_MISSES").is_some();

    let mut scores: BTreeMap<&'static str, Score> = BTreeMap::new();
    let mut problems = 0usize;
    for (file, label) in &labels {
        let path = dir.join("snmprec").join(file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let rec = pandian::recording::parse(&bytes);
        problems += rec.problems.len();
        let id = engine.identify(&DeviceFacts {
            snmp: rec.facts,
            ..DeviceFacts::default()
        });
        for (field, ok, want, got) in score(label, &id) {
            scores.entry(field).or_default().add(ok);
            if !ok && show_misses {
                println!("MISS {field:7} {file}: want {want:?} got {got:?}");
            }
        }
    }
    table(
        &format!(
            "dev set: {} recordings ({problems} unreadable lines skipped)",
            labels.len()
        ),
        &scores,
    );

    // Recog examples: a recording holding only sysDescr and/or sysObjectID.
    let mut recog: BTreeMap<&'static str, Score> = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string(dir.join("recog.jsonl")) {
        for (n, line) in text.lines().enumerate() {
            let Ok(ex) = serde_json::from_str::<Json>(line) else {
                panic!("recog.jsonl line {}: not JSON", n + 1);
            };
            let descr = ex.get("sysDescr").and_then(Json::as_str);
            let object = ex.get("sysObjectID").and_then(Json::as_str);
            let id = engine.identify(&facts_for(descr, object));
            for (field, ok, want, got) in score(&ex, &id) {
                recog.entry(field).or_default().add(ok);
                if !ok && show_misses {
                    println!(
                        "RECOG {field:7} {:?}: want {want:?} got {got:?}",
                        descr.or(object)
                    );
                }
            }
        }
        table("Recog examples (sysDescr/sysObjectID only)", &recog);
    }

    // Floors somewhat below what the rules achieve, so regressions fail.
    let floor = |s: &BTreeMap<&'static str, Score>, f: &str, min: f64| {
        if let Some(sc) = s.get(f) {
            assert!(
                sc.pct() >= min,
                "{f} accuracy {:.1}% fell below {min}%",
                sc.pct()
            );
        }
    };
    floor(&scores, "class", FLOOR_CLASS);
    floor(&scores, "vendor", FLOOR_VENDOR);
    floor(&scores, "model", FLOOR_MODEL);
    floor(&scores, "serial", FLOOR_SERIAL);
    floor(&scores, "origin", FLOOR_ORIGIN);
    floor(&recog, "vendor", FLOOR_RECOG_VENDOR);
}

const FLOOR_CLASS: f64 = 98.0;
const FLOOR_VENDOR: f64 = 98.8;
const FLOOR_MODEL: f64 = 90.0;
const FLOOR_SERIAL: f64 = 95.0;
const FLOOR_ORIGIN: f64 = 98.8;
const FLOOR_RECOG_VENDOR: f64 = 97.0;
