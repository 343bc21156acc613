//! p0f's SYN+ACK signatures on a real network: hosts in namespaces, each
//! running lighttpd on port 80 (the lab's web starter) on the machine's own
//! Linux stack, three of them tuned with the stack's own knobs:
//!
//! - "linux3": `ip route ... initrwnd 10`, the initial receive window
//!   Linux 3.0-4.18 advertised (10 segments), so its SYN+ACK is the one
//!   p0f 3.09b knows as `s:unix:Linux:3.x`;
//! - "installed": the kernel as it is (Linux >= 4.19 advertises ~64 KiB,
//!   which p0f 3.09b predates): a raw signature, no label;
//! - "tuned": initrwnd 10 and, per namespace, `ip_default_ttl=128`,
//!   `tcp_timestamps=0`, `tcp_window_scaling=0`: another signature, which
//!   p0f matches to Linux only fuzzily (the TTL is not Linux's);
//!
//! plus an excluded host and one outside the targets, both listening.
//! `pandian scan --probes arp,icmp,banners --format json` in the scanner
//! namespace must report each host's `tcp.sig` and `tcp.os`, send the
//! excluded host and the non-target nothing, and send the probed hosts no
//! more than the banner probe's own connection attempts (tcpdump on their
//! links). Needs root; skips otherwise (fails under PANDIAN_REQUIRE_LAB=1).

// Test helpers read the test's own output: a failure there is the test's failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::{self, HostSpec, Lab, LabSpec, web};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::process::{Child, Stdio};
use std::time::Duration;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 160, o)
}

const LINUX3: usize = 0;
const INSTALLED: usize = 1;
const TUNED: usize = 2;
const EXCLUDED: usize = 3;
const OUTSIDE: usize = 4;
const OCTETS: [u8; 5] = [10, 20, 30, 40, 200];

fn spec(prefix: &str) -> LabSpec {
    let labels = ["linux3", "installed", "tuned", "excluded", "outside"];
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.160.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: labels
            .iter()
            .zip(OCTETS)
            .map(|(l, o)| HostSpec::plain(l, ip(o), [0x00, 0x1b, 0x21, 0xa0, 0x00, o]))
            .collect(),
        router_snmpd: None,
    }
}

/// Run `args` in host `h`'s namespace; it must succeed.
fn in_host(lab: &Lab, h: usize, args: &[&str]) {
    let out = lab::run_in(&lab.host_ns(h), args[0])
        .args(&args[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The initial receive window Linux 3.0-4.18 used: 10 segments, on the
/// host's connected route.
fn initrwnd_10(lab: &Lab, h: usize) {
    let net = "198.18.160.0/24";
    let src = ip(OCTETS[h]).to_string();
    in_host(
        lab,
        h,
        &[
            "ip", "route", "change", net, "dev", "eth0", "proto", "kernel", "scope", "link", "src",
            &src, "initrwnd", "10",
        ],
    );
}

/// tcpdump on host `h`'s link: every IP packet addressed to it.
fn watch(lab: &Lab, h: usize) -> Child {
    let out = lab.dir().join(format!("dump{h}.txt"));
    lab::run_in(&lab.host_ns(h), "tcpdump")
        .args([
            "-n",
            "-l",
            "-i",
            "eth0",
            &format!("ip and dst host {}", ip(OCTETS[h])),
        ])
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump")
}

fn tcp_fact<'a>(dev: &'a Value, key: &str) -> Option<&'a str> {
    dev["announced"]
        .as_array()?
        .iter()
        .find(|f| f["source"] == "tcp" && f["key"] == key)
        .and_then(|f| f["value"].as_str())
}

#[test]
fn lab_syn_ack_signatures_name_the_stack_and_send_nothing_more() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("p0f"))) else {
        return;
    };
    for (prog, pkg) in [("lighttpd", "lighttpd"), ("tcpdump", "tcpdump")] {
        if lab::which(prog).is_none() {
            assert!(
                std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
                "{prog} missing: apt-get install {pkg}"
            );
            eprintln!("SKIPPED: {prog} missing (apt-get install {pkg})");
            return;
        }
    }
    initrwnd_10(&lab, LINUX3);
    initrwnd_10(&lab, TUNED);
    in_host(
        &lab,
        TUNED,
        &[
            "sysctl",
            "-q",
            "-w",
            "net.ipv4.ip_default_ttl=128",
            "net.ipv4.tcp_timestamps=0",
            "net.ipv4.tcp_window_scaling=0",
        ],
    );
    for h in [LINUX3, INSTALLED, TUNED, EXCLUDED, OUTSIDE] {
        web::start_web(
            &mut lab,
            h,
            &web::WebSpec {
                server: "lighttpd".into(),
                title: "status".into(),
                realm: None,
            },
        )
        .unwrap();
    }
    let mut dumps: Vec<Child> = [LINUX3, EXCLUDED, OUTSIDE]
        .iter()
        .map(|&h| watch(&lab, h))
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.160.0/26",
            "--exclude",
            "198.18.160.40",
            "--probes",
            "arp,icmp,banners",
            "--format",
            "json",
            "--timeout",
            "500",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    for d in dumps.iter_mut() {
        let _ = d.kill();
        let _ = d.wait();
    }
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let devices: Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = devices.as_array().unwrap();
    let by_ip = |h: usize| {
        devices
            .iter()
            .find(|d| d["ip"] == ip(OCTETS[h]).to_string())
            .unwrap_or_else(|| panic!("{} not found: {devices:?}", ip(OCTETS[h])))
    };

    // The stack as Linux 3.x set it: p0f's own label, and the OS family
    // in the identity.
    let linux3 = by_ip(LINUX3);
    let sig = tcp_fact(linux3, "tcp.sig").unwrap_or_default();
    eprintln!("linux3: {sig} -> {:?}", tcp_fact(linux3, "tcp.os"));
    assert!(
        sig.starts_with("4:64+0:0:1460:mss*10,") && sig.ends_with(":mss,sok,ts,nop,ws:df:0"),
        "{sig}"
    );
    assert_eq!(tcp_fact(linux3, "tcp.os"), Some("s:unix:Linux:3.x"));
    assert_eq!(linux3["os"], "Linux", "{linux3}");

    // The installed kernel: its raw signature, and no label p0f 3.09b has.
    let installed = by_ip(INSTALLED);
    let sig = tcp_fact(installed, "tcp.sig").unwrap_or_default();
    eprintln!("installed: {sig} -> {:?}", tcp_fact(installed, "tcp.os"));
    assert!(
        sig.starts_with("4:64+0:0:1460:mss*45,") && sig.ends_with(":mss,sok,ts,nop,ws:df:0"),
        "{sig}"
    );
    assert_eq!(tcp_fact(installed, "tcp.os"), None);

    // Another TTL, no timestamps, no window scaling: another signature,
    // and p0f's Linux only fuzzily (which votes nothing).
    let tuned = by_ip(TUNED);
    let sig = tcp_fact(tuned, "tcp.sig").unwrap_or_default();
    eprintln!("tuned: {sig} -> {:?}", tcp_fact(tuned, "tcp.os"));
    assert_eq!(sig, "4:128+0:0:1460:mss*10,0:mss,nop,nop,sok:df:0");
    assert_eq!(tcp_fact(tuned, "tcp.os"), Some("s:unix:Linux:3.x (fuzzy)"));
    assert!(tuned["os"].is_null(), "{tuned}");

    // Nothing extra to a probed host: its packets are the liveness probes'
    // and the banner probe's, one SYN per port (80 accepts, the rest are
    // closed), none retried.
    let seen = std::fs::read_to_string(lab.dir().join(format!("dump{LINUX3}.txt"))).unwrap();
    let syns = seen.lines().filter(|l| l.contains("Flags [S],")).count();
    assert_eq!(syns, pandian::probe::tcp::PORTS.len(), "{seen}");
    let to = format!("> {}.", ip(OCTETS[LINUX3]));
    for l in seen.lines().filter(|l| l.contains(" IP ")) {
        let tcp_to_a_banner_port = pandian::probe::tcp::PORTS
            .iter()
            .any(|p| l.contains(&format!("{to}{p}: Flags")));
        assert!(
            tcp_to_a_banner_port || l.contains("ICMP echo request"),
            "not the probes' own: {l}"
        );
    }
    // Nothing to the excluded host or the one outside the targets.
    for h in [EXCLUDED, OUTSIDE] {
        let seen = std::fs::read_to_string(lab.dir().join(format!("dump{h}.txt"))).unwrap();
        assert!(seen.trim().is_empty(), "host {h} was sent: {seen}");
    }
    assert!(
        !devices
            .iter()
            .any(|d| d["ip"] == ip(40).to_string() || d["ip"] == ip(200).to_string())
    );
}
