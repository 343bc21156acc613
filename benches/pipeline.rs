//! Pipeline benchmark: Pandian against the fastest peers, in the same run,
//! inside namespaces this bench makes (and removes):
//!
//! 1. a /16 where every address answers ARP, ICMP and SNMP (a responder
//!    namespace with a `local` route for the /16 and one snmpd on 0.0.0.0):
//!    - liveness: `arp-scan -B 1000M` then `pandian scan --probes arp` with
//!      `--rate` set to the packet rate arp-scan reached; found and wall time;
//!    - SNMP system group, one community: `braa` then `pandian scan --probes
//!      arp,snmp --snmp-depth system`; answered and wall time;
//!    - peak RSS of each Pandian run (`/usr/bin/time -f %M`).
//! 2. the standard office-like lab /24 (hosts dropping ICMP, five agents):
//!    `nmap -sn --min-rate 10000` against `pandian scan` liveness only, and
//!    against `pandian scan` with SNMP (full tables).
//!
//! Run as root: `cargo bench --bench pipeline` (skips otherwise). The
//! kernel's neighbour table is global: its gc thresholds are raised for the
//! /16 and restored after. Figures, not assertions; read the ratios.

use pandian::lab::{self, Lab, standard};
use std::process::Command;
use std::time::{Duration, Instant};

const SCAN_NS: &str = "pbq-scan";
const RESP_NS: &str = "pbq-resp";

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

fn in_ns(ns: &str, prog: &str, args: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, prog]).args(args);
    c
}

/// Raised neighbour-table thresholds, restored on drop.
struct Neigh(Vec<(String, String)>);

impl Neigh {
    fn raise() -> Neigh {
        let mut saved = Vec::new();
        for (n, v) in [("1", "200000"), ("2", "300000"), ("3", "400000")] {
            let path = format!("/proc/sys/net/ipv4/neigh/default/gc_thresh{n}");
            if let Ok(old) = std::fs::read_to_string(&path) {
                saved.push((path.clone(), old.trim().to_string()));
                let _ = std::fs::write(&path, v);
            }
        }
        Neigh(saved)
    }
}

impl Drop for Neigh {
    fn drop(&mut self) {
        for (path, old) in self.0.iter().rev() {
            let _ = std::fs::write(path, old);
        }
    }
}

/// The /16 lab; removed on drop.
struct Wide {
    agent: Option<std::process::Child>,
    dir: std::path::PathBuf,
}

impl Wide {
    fn up() -> Option<Wide> {
        for ns in [SCAN_NS, RESP_NS] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
            if !ip(&["netns", "add", ns]) {
                return None;
            }
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        let ok = ip(&[
            "link", "add", "eth0", "netns", SCAN_NS, "type", "veth", "peer", "name", "eth0",
            "netns", RESP_NS,
        ]) && ip(&["-n", SCAN_NS, "addr", "add", "198.18.0.1/15", "dev", "eth0"])
            && ip(&["-n", RESP_NS, "addr", "add", "198.18.0.2/15", "dev", "eth0"])
            && ip(&["-n", SCAN_NS, "link", "set", "eth0", "up"])
            && ip(&["-n", RESP_NS, "link", "set", "eth0", "up"])
            // Every address of 198.19.0.0/16 is the responder's own.
            && ip(&["-n", RESP_NS, "route", "add", "local", "198.19.0.0/16", "dev", "lo"]);
        let dir = std::env::temp_dir().join(format!("pandian-bench-pbq-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let mut w = Wide { agent: None, dir };
        if !ok {
            return None;
        }
        let conf = w.dir.join("snmpd.conf");
        let _ = std::fs::write(
            &conf,
            "agentAddress udp:0.0.0.0:161\nrocommunity public default\nsysName bench-responder\n",
        );
        w.agent = in_ns(RESP_NS, "snmpd", &["-f", "-Lo", "-C", "-c"])
            .arg(&conf)
            .arg("-p")
            .arg(w.dir.join("pid"))
            .env("SNMP_PERSISTENT_DIR", &w.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok();
        // Ready when it answers.
        for _ in 0..50 {
            let out = in_ns(
                SCAN_NS,
                "snmpget",
                &[
                    "-v2c",
                    "-c",
                    "public",
                    "-t",
                    "1",
                    "-r",
                    "0",
                    "198.19.7.7",
                    "1.3.6.1.2.1.1.5.0",
                ],
            )
            .output();
            if out.is_ok_and(|o| o.status.success()) {
                return Some(w);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(w)
    }
}

impl Drop for Wide {
    fn drop(&mut self) {
        if let Some(mut a) = self.agent.take() {
            let _ = a.kill();
            let _ = a.wait();
        }
        for ns in [SCAN_NS, RESP_NS] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run `prog args` in `ns` under `/usr/bin/time -f %M`: (wall time, stdout, peak RSS MiB).
fn timed(ns: &str, prog: &str, args: &[&str]) -> (Duration, String, f64) {
    let t = Instant::now();
    let out = in_ns(ns, "/usr/bin/time", &["-f", "%M", prog])
        .args(args)
        .output()
        .expect("run");
    let took = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss_kib: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    (
        took,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        rss_kib / 1024.0,
    )
}

/// Counts the packets the responder's eth0 receives, from a process left
/// in its namespace (`/proc/PID/net/dev` is that namespace's table).
struct Wire {
    child: std::process::Child,
}

impl Wire {
    fn start() -> Option<Wire> {
        let child = in_ns(RESP_NS, "sleep", &["600"]).spawn().ok()?;
        let w = Wire { child };
        // Counted once the child is `sleep`, inside the namespace.
        for _ in 0..200 {
            let comm = std::fs::read_to_string(format!("/proc/{}/comm", w.child.id()));
            if comm.is_ok_and(|c| c.trim() == "sleep") {
                return Some(w);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    fn rx_packets(&self) -> Option<u64> {
        let dev = std::fs::read_to_string(format!("/proc/{}/net/dev", self.child.id())).ok()?;
        dev.lines()
            .find_map(|l| l.trim().strip_prefix("eth0:"))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// [`timed`], and the packet rate the responder saw while `prog` sent:
/// packets between the first and the last counted, over that time (the
/// rate on the wire, not the whole run's average, which also holds the
/// program's start and its wait for the last replies).
fn timed_rate(ns: &str, prog: &str, args: &[&str], wire: &Wire) -> (Duration, String, f64) {
    let t = Instant::now();
    let mut child = in_ns(ns, prog, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        out
    });
    let base = wire.rx_packets().unwrap_or(0);
    // (when, packets counted) at the first and the latest change.
    let mut first: Option<(Instant, u64)> = None;
    let mut last: Option<(Instant, u64)> = None;
    let mut seen = base;
    // At most 10 minutes, sampled every millisecond.
    for _ in 0..600_000 {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        let n = wire.rx_packets().unwrap_or(seen);
        if n != seen {
            let now = Instant::now();
            first.get_or_insert((now, seen));
            last = Some((now, n));
            seen = n;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.wait();
    let took = t.elapsed();
    let out = reader.join().unwrap_or_default();
    let rate = match (first, last) {
        (Some((t0, n0)), Some((t1, n1))) if t1 > t0 => (n1 - n0) as f64 / (t1 - t0).as_secs_f64(),
        _ => 0.0,
    };
    (took, out, rate)
}

fn count_jsonl(out: &str, pred: impl Fn(&serde_json::Value) -> bool) -> usize {
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| pred(v))
        .map(|v| v["addresses"].as_array().map_or(1, Vec::len))
        .sum()
}

fn wide(bin: &str) {
    let _neigh = Neigh::raise();
    let Some(_lab) = Wide::up() else {
        println!("/16: SKIPPED (could not build the namespaces)");
        return;
    };
    let Some(wire) = Wire::start() else {
        println!("/16: SKIPPED (could not count the responder's packets)");
        return;
    };
    // Liveness.
    let (t_arp, out, wire_rate) = timed_rate(
        SCAN_NS,
        "arp-scan",
        &["-I", "eth0", "-B", "1000M", "-q", "-x", "198.19.0.0/16"],
        &wire,
    );
    let arp_found = out.lines().filter(|l| !l.trim().is_empty()).count();
    // arp-scan's packet rate as the responder saw it.
    let rate = (wire_rate as u32).clamp(1, 1_000_000);
    println!(
        "/16 arp-scan -B 1000M sent at {rate} pkt/s on the wire ({:.0} addresses/s over its whole run)",
        65_534.0 / t_arp.as_secs_f64()
    );
    let rate_s = rate.to_string();
    let liveness = [
        "scan",
        "198.19.0.0/16",
        "--probes",
        "arp",
        "--rate",
        &rate_s,
        "--timeout",
        "500",
        "--format",
    ];
    let with = |base: &[&'static str], format: &'static str| -> Vec<String> {
        let mut v: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        v.push(format.to_string());
        v
    };
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        timed(SCAN_NS, bin, &a)
    };
    let live_args: Vec<&'static str> = liveness
        .iter()
        .map(|s| -> &'static str { Box::leak(s.to_string().into_boxed_str()) })
        .collect();
    let (t_p, out, rss) = run(with(&live_args, "summary"));
    let (found, _) = summary(&out);
    println!(
        "/16 liveness: arp-scan -B 1000M {:.2}s ({arp_found} found, {rate} pkt/s); pandian --probes arp --rate {rate} {:.2}s ({found} found, peak RSS {rss:.0} MiB); ratio {:.2}",
        t_arp.as_secs_f64(),
        t_p.as_secs_f64(),
        t_p.as_secs_f64() / t_arp.as_secs_f64()
    );
    let (t_j, out, rss_j) = run(with(&live_args, "jsonl"));
    println!(
        "/16 liveness printed as JSON lines (every sighting kept to group devices): {:.2}s ({} found), peak RSS {rss_j:.0} MiB",
        t_j.as_secs_f64(),
        count_jsonl(&out, |_| true)
    );
    // SNMP system group.
    let (t_braa, out, _) = timed(
        SCAN_NS,
        "braa",
        &[
            "-t",
            "3",
            "public@198.19.0.1-198.19.255.254:161:.1.3.6.1.2.1.1.1.0,.1.3.6.1.2.1.1.2.0,.1.3.6.1.2.1.1.3.0,.1.3.6.1.2.1.1.4.0,.1.3.6.1.2.1.1.5.0,.1.3.6.1.2.1.1.6.0",
        ],
    );
    let braa_ok = out
        .lines()
        .filter(|l| l.contains("bench-responder"))
        .count();
    for snmp_rate in ["100000", "30000"] {
        let args = [
            "scan",
            "198.19.0.0/16",
            "--probes",
            "arp,snmp",
            "--snmp-depth",
            "system",
            "-c",
            "public",
            "--rate",
            snmp_rate,
            "--timeout",
            "500",
            "--format",
            "summary",
        ];
        let (t_p, out, rss) = timed(SCAN_NS, bin, &args);
        let (_, p_ok) = summary(&out);
        println!(
            "/16 SNMP system group: braa {:.2}s ({braa_ok} answered); pandian --rate {snmp_rate} {:.2}s ({p_ok} answered, {:.2}%, peak RSS {rss:.0} MiB); ratio {:.2}",
            t_braa.as_secs_f64(),
            t_p.as_secs_f64(),
            p_ok as f64 * 100.0 / 65_534.0,
            t_p.as_secs_f64() / t_braa.as_secs_f64().max(0.001)
        );
    }
}

/// (answered, with SNMP) from `pandian scan --format summary`.
fn summary(out: &str) -> (usize, usize) {
    let line = out.lines().next().unwrap_or_default();
    let num = |word: &str| -> usize {
        line.split(", ")
            .find(|p| p.ends_with(word))
            .and_then(|p| p.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (num("answered"), num("with SNMP"))
}

fn office(bin: &str) {
    let lab = match Lab::up(standard(&format!("pbo{}", std::process::id() % 100_000), 0)) {
        Ok(l) => l,
        Err(e) => {
            println!("/24: SKIPPED ({e})");
            return;
        }
    };
    let ns = lab.scanner_ns();
    let (t_nmap, out, _) = timed(
        &ns,
        "nmap",
        &["-sn", "-n", "--min-rate", "10000", "198.18.0.0/24"],
    );
    let nmap_found = out
        .lines()
        .filter(|l| l.starts_with("Nmap scan report"))
        .count();
    let (t_live, out, _) = timed(
        &ns,
        bin,
        &[
            "scan",
            "198.18.0.0/24",
            "--format",
            "jsonl",
            "--probes",
            "arp,icmp",
            "--rate",
            "10000",
        ],
    );
    let live_found = count_jsonl(&out, |v| !v["mac"].is_null());
    let (t_snmp, out, _) = timed(
        &ns,
        bin,
        &[
            "scan",
            "198.18.0.0/24",
            "--format",
            "jsonl",
            "--probes",
            "arp,icmp,snmp",
            "--rate",
            "10000",
            "-c",
            "public",
            "-c",
            "huawei-ro",
        ],
    );
    let with_tables = count_jsonl(&out, |v| {
        v["snmp"]["interfaces"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    });
    println!(
        "/24 office: nmap -sn --min-rate 10000 {:.2}s ({nmap_found} reports incl. itself); pandian liveness {:.2}s ({live_found} with MAC), ratio {:.2}; pandian with SNMP {:.2}s ({with_tables} with tables), ratio {:.2}",
        t_nmap.as_secs_f64(),
        t_live.as_secs_f64(),
        t_live.as_secs_f64() / t_nmap.as_secs_f64(),
        t_snmp.as_secs_f64(),
        t_snmp.as_secs_f64() / t_nmap.as_secs_f64()
    );
    drop(lab);
}

fn main() {
    if !lab::is_root() {
        eprintln!("pipeline bench: SKIPPED (needs root for the lab's namespaces)");
        return;
    }
    for tool in ["arp-scan", "braa", "nmap", "snmpd"] {
        if lab::which(tool).is_none() {
            eprintln!(
                "pipeline bench: SKIPPED ({tool} not installed; scripts/setup-debian installs it)"
            );
            return;
        }
    }
    let bin = env!("CARGO_BIN_EXE_pandian");
    let only = std::env::args().nth(1).unwrap_or_default();
    if only != "office" {
        wide(bin);
    }
    if only != "wide" {
        office(bin);
    }
}
