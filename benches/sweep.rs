//! Sweep benchmark: `pandian scan` against `nmap -sn` (and `arp-scan` when
//! installed) on the standard lab's /24s, both run inside the scanner
//! namespace in the same run. Prints wall times, ratios and what each found.
//!
//! Run as root: `cargo bench --bench sweep` (skips with a message otherwise).
//! Times are wall-clock on this machine and vary run to run; read the ratio.

use pandian::lab::{self, Lab, standard};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;

fn timed(mut cmd: Command) -> (Duration, String) {
    let t = Instant::now();
    let out = cmd.output().expect("run benchmark command");
    (
        t.elapsed(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn pandian_ips(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["ip"].as_str().map(String::from))
        .collect()
}

fn nmap_ips(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter(|l| l.starts_with("Nmap scan report for"))
        .filter_map(|l| l.split_whitespace().last())
        .map(|s| s.trim_matches(['(', ')']).to_string())
        .collect()
}

fn arpscan_ips(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|s| s.parse::<std::net::Ipv4Addr>().is_ok())
        .map(String::from)
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if !lab::is_root() {
        eprintln!("sweep bench: SKIPPED (needs root for the lab's namespaces)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_pandian");
    let lab = match Lab::up(standard(&format!("pb{}", std::process::id() % 100_000), 0)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sweep bench: SKIPPED ({e})");
            return;
        }
    };
    let ns = lab.scanner_ns();
    println!(
        "Sweep of 198.18.0.0/24 (attached, 6 live) from namespace {ns}; median of {ROUNDS} rounds\n"
    );
    let mut rows: Vec<(String, Duration, BTreeSet<String>)> = Vec::new();

    let mut times = Vec::new();
    let mut found = BTreeSet::new();
    for _ in 0..ROUNDS {
        let mut c = lab::run_in(&ns, bin);
        c.args([
            "scan",
            "198.18.0.0/24",
            "--format",
            "jsonl",
            "--timeout",
            "500",
            "--rate",
            "5000",
        ]);
        let (t, out) = timed(c);
        times.push(t);
        found = pandian_ips(&out);
    }
    rows.push((
        "pandian scan (ARP+ICMP, no SNMP)".into(),
        median(times),
        found,
    ));

    if lab::which("nmap").is_some() {
        let mut times = Vec::new();
        let mut found = BTreeSet::new();
        for _ in 0..ROUNDS {
            let mut c = lab::run_in(&ns, "nmap");
            c.args(["-sn", "-n", "198.18.0.0/24"]);
            let (t, out) = timed(c);
            times.push(t);
            found = nmap_ips(&out);
        }
        rows.push(("nmap -sn -n".into(), median(times), found));
    }
    if lab::which("arp-scan").is_some() {
        let mut times = Vec::new();
        let mut found = BTreeSet::new();
        for _ in 0..ROUNDS {
            let mut c = lab::run_in(&ns, "arp-scan");
            c.args(["-I", "eth0", "-q", "198.18.0.0/24"]);
            let (t, out) = timed(c);
            times.push(t);
            found = arpscan_ips(&out);
        }
        rows.push(("arp-scan -q".into(), median(times), found));
    }
    let base = rows[0].1.as_secs_f64();
    println!(
        "{:<36} {:>9} {:>14} {:>6}  found",
        "tool", "wall s", "peer/pandian", "hosts"
    );
    for (name, t, found) in &rows {
        println!(
            "{:<36} {:>9.3} {:>14.2} {:>6}  {}",
            name,
            t.as_secs_f64(),
            t.as_secs_f64() / base,
            found.len(),
            found.iter().cloned().collect::<Vec<_>>().join(" ")
        );
    }
}
