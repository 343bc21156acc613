//! Recog's own self-test over the embedded table: every example matches its
//! own fingerprint first and yields the params it names.
//!
//! Measured cost (`cargo test --lib recog::tests::cost -- --ignored
//! --nocapture`, dev profile with the regex crates optimised, 2 shared
//! cores, 2026-12): reading the table 8-17 ms once; compiling a database's
//! set 27-140 ms for the largest (http_servers, html_title), under 3 ms for
//! most; the first match (which compiles the winner's own regex) under
//! 1 ms; later lookups 0.3-4 µs. Binary growth (release, unstripped): about
//! 0.7 MB, most of it the 430 KB table.

use base64::Engine as _;
use proptest::prelude::*;

use super::*;

const EXAMPLES: &str = include_str!("data/examples.tsv");

struct Example {
    db: Db,
    index: usize,
    text: Vec<u8>,
    want: Vec<(&'static str, &'static str)>,
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for line in EXAMPLES.lines().filter(|l| l.starts_with("E\t")) {
        let mut f = line.split('\t').skip(1);
        let db = f.next().and_then(Db::from_name).expect("db");
        let index = f.next().and_then(|i| i.parse().ok()).expect("index");
        let enc = f.next().expect("encoding");
        let raw = f.next().unwrap_or_default();
        let text = if enc == "b" {
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .expect("base64")
        } else {
            raw.as_bytes().to_vec()
        };
        let want = f.filter_map(|kv| kv.split_once('=')).collect();
        out.push(Example {
            db,
            index,
            text,
            want,
        });
    }
    out
}

/// Fingerprints the `regex` crate cannot run as Recog does, with the
/// reason; their examples are reported, not failed. Keep it empty unless
/// a pattern needs look-around or back-references.
const CANNOT: &[(&str, usize, &str)] = &[];

#[test]
fn every_example_matches_its_own_fingerprint_first_and_yields_its_params() {
    let all = examples();
    let mut passed = 0usize;
    let mut failures = Vec::new();
    for e in &all {
        let got = matches_bytes(e.db, &e.text);
        let text = String::from_utf8_lossy(&e.text);
        let ok = match &got {
            None => Err("no fingerprint matches".to_string()),
            Some(m) if m.index != e.index => Err(format!(
                "fingerprint {} ({}) matches first",
                m.index, m.description
            )),
            Some(m) => {
                let wrong: Vec<String> = e
                    .want
                    .iter()
                    .filter(|(k, v)| m.get(k) != Some(v))
                    .map(|(k, v)| format!("{k}: want {v:?}, got {:?}", m.get(k)))
                    .collect();
                if wrong.is_empty() {
                    Ok(())
                } else {
                    Err(wrong.join("; "))
                }
            }
        };
        match ok {
            Ok(()) => passed += 1,
            Err(why) => {
                if !CANNOT
                    .iter()
                    .any(|(db, i, _)| *db == e.db.name() && *i == e.index)
                {
                    failures.push(format!("{} #{} {text:?}: {why}", e.db.name(), e.index));
                }
            }
        }
    }
    eprintln!("recog examples: {passed} of {} pass", all.len());
    for db in Db::ALL {
        let bad = unsupported(db);
        eprintln!(
            "{}: {} fingerprints, {} unsupported {bad:?}",
            db.name(),
            len(db),
            bad.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_database_has_fingerprints_and_examples_cover_them() {
    let all = examples();
    for db in Db::ALL {
        assert!(len(db) > 0, "{}", db.name());
        assert!(all.iter().any(|e| e.db == db), "{}", db.name());
    }
}

#[test]
fn params_are_interpolated_as_recog_does() {
    // dhcp_vendor_class: hw.product = "{hw.family} {hw.model}".
    let m = matches(
        Db::DhcpVendorClass,
        "Mfg=Xerox;Typ=MFP;Mod=VersaLink C405;Ser=ABC123456;Loc=Print Room",
    )
    .expect("Xerox matches");
    assert_eq!(m.get("hw.product"), Some("VersaLink C405"));
    assert_eq!(m.get("hw.vendor"), Some("Xerox"));
    assert_eq!(
        m.source(),
        "recog:dhcp_vendor_class:Xerox Multifunction Printer"
    );
    let lookup = |n: &str| (n == "a").then(|| "1".to_string());
    let cases = [
        ("x{a}y", Some("x1y")),
        ("{a}{a}", Some("11")),
        ("{b}", None),
        ("{ a}", Some("{ a}")),
        ("{}", Some("{}")),
        ("{", Some("{")),
    ];
    for (v, want) in cases {
        assert_eq!(interpolate(v, lookup).as_deref(), want, "{v}");
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in proptest::collection::vec(any::<u8>(), 0..300)) {
        for db in [Db::HttpServers, Db::TelnetBanners, Db::DhcpVendorClass] {
            let _ = matches_bytes(db, &text);
        }
    }
}

/// Start-up and lookup cost, printed (run on demand; tests never time).
#[test]
#[ignore]
fn cost() {
    use std::time::Instant;
    let t = Instant::now();
    let _ = fingerprints(Db::HttpServers);
    eprintln!("table parse: {:?}", t.elapsed());
    for db in Db::ALL {
        let t = Instant::now();
        let _ = compiled(db);
        let built = t.elapsed();
        let t = Instant::now();
        let first = matches(db, "Apache/2.4.57 (Debian)");
        let first_t = t.elapsed();
        let t = Instant::now();
        for _ in 0..100 {
            let _ = matches(db, "Apache/2.4.57 (Debian)");
        }
        eprintln!(
            "{}: build {built:?}, first match {first_t:?} ({:?}), then {:?} per lookup",
            db.name(),
            first.map(|m| m.description),
            t.elapsed() / 100
        );
    }
}
