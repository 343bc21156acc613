//! Who is who, on real networks: labs of namespaces with real agents, real
//! proxy ARP, a real DHCP server and client, and `pandian scan --db` /
//! `pandian serve` storing what they see. Needs root; skips otherwise
//! (fails under PANDIAN_REQUIRE_LAB=1).

// Test helpers read the test's own database: a failure there is the test's failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::{self, HostSpec, LabSpec, standard};
use rusqlite::Connection;
use serde_json::Value;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open(db).expect("open db");
    c.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// `pandian scan --db` in the scanner namespace; returns the JSON devices.
fn scan_db(lab: &lab::Lab, db: &Path, targets: &[&str], extra: &[&str]) -> Vec<Value> {
    let mut args: Vec<&str> = vec!["scan"];
    args.extend_from_slice(targets);
    let db_s = db.display().to_string();
    args.extend_from_slice(&["--db", &db_s, "--format", "json", "--timeout", "400"]);
    args.extend_from_slice(extra);
    let out = pandian_in(&lab.scanner_ns(), &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn ips(d: &Value) -> Vec<String> {
    d["addresses"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["ip"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// (id, primary ip, every address with its active flag, macs) of every
/// live device in the store, in id order.
type Stored = (i64, String, Vec<(String, bool)>, Vec<String>);

fn stored_devices(db: &Path) -> Vec<Stored> {
    let c = Connection::open(db).expect("open db");
    let mut stmt = c
        .prepare("SELECT id, COALESCE(ip, '') FROM devices WHERE merged_into IS NULL ORDER BY id")
        .unwrap();
    let devices: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    devices
        .into_iter()
        .map(|(id, ip)| {
            let mut a = c
                .prepare(
                    "SELECT ip, active FROM device_addresses WHERE device_id = ?1 ORDER BY ip_key",
                )
                .unwrap();
            let addrs = a
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let mut m = c
                .prepare("SELECT mac FROM device_macs WHERE device_id = ?1 ORDER BY mac")
                .unwrap();
            let macs = m
                .query_map([id], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (id, ip, addrs, macs)
        })
        .collect()
}

/// `pandian rebuild --db` must give the derived tables back row for row.
fn assert_rebuild_is_identical(db: &Path) {
    let before = dump_derived(db);
    let out = Command::new(bin())
        .args(["rebuild", "--db"])
        .arg(db)
        .output()
        .expect("run rebuild");
    assert!(
        out.status.success(),
        "rebuild failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = dump_derived(db);
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "rebuild differs from the incremental tables");
    }
}

#[test]
fn lab_router_with_two_interfaces_and_one_agent_is_one_device() {
    let mut spec = standard(&unique_prefix("r"), 20);
    // The router's one snmpd answers on both of its interfaces.
    let second = spec.router_ip(1);
    if let Some(r) = spec.router_snmpd.as_mut() {
        r.extra.push(format!("agentAddress udp:{second}:161"));
    }
    let Some(lab) = lab_or_skip(spec) else {
        return;
    };
    let db = lab.dir().join("router.db");
    let (a, b) = (lab.spec().router_ip(0), lab.spec().router_ip(1));
    for run in 1..=2 {
        let devices = scan_db(
            &lab,
            &db,
            &["198.18.20.0/24", "198.18.21.0/24"],
            &["-c", "public", "-c", "huawei-ro"],
        );
        let routers: Vec<&Value> = devices
            .iter()
            .filter(|d| ips(d).contains(&a.to_string()) || ips(d).contains(&b.to_string()))
            .collect();
        assert_eq!(routers.len(), 1, "run {run}: {routers:?}");
        assert_eq!(ips(routers[0]), vec![a.to_string(), b.to_string()]);
        assert_eq!(routers[0]["snmp"]["sys_name"], "edge-rtr");
        assert!(
            routers[0]["snmp"]["interfaces"]
                .as_array()
                .is_some_and(|i| i.len() >= 3),
            "the tables were read: {}",
            routers[0]
        );
        // Both addresses answered SNMP; the tables were walked at one.
        let walks = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM observations o JOIN subjects s ON s.id = o.subject_id
                 WHERE o.key = 'snmp:1.3.6.1.2.1.2.2' AND s.ip IN ('{a}', '{b}') AND o.first_run <= {run} AND o.last_run >= {run}"
            ),
        );
        assert_eq!(walks, 1, "run {run}: one walk of the router's interfaces");
        let answered = count(
            &db,
            &format!(
                "SELECT COUNT(DISTINCT o.subject_id) FROM observations o JOIN subjects s ON s.id = o.subject_id
                 WHERE o.key = 'snmp:1.3.6.1.2.1.1' AND s.ip IN ('{a}', '{b}') AND o.first_run <= {run} AND o.last_run >= {run}"
            ),
        );
        assert_eq!(answered, 2, "run {run}: both addresses answered");
        let stored = stored_devices(&db);
        let router: Vec<_> = stored
            .iter()
            .filter(|d| d.2.iter().any(|(ip, _)| *ip == a.to_string()))
            .collect();
        assert_eq!(router.len(), 1, "{stored:?}");
        assert_eq!(
            router[0].2,
            vec![(a.to_string(), true), (b.to_string(), true)]
        );
    }
    assert_rebuild_is_identical(&db);
}

/// Two quiet hosts on a routed segment that the scanner believes is
/// attached, so the router answers ARP for both with its own MAC.
fn proxy_spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8, last: u8| HostSpec {
        label: label.into(),
        segment: 1,
        ip: Ipv4Addr::new(198, 18, 31, o),
        mac: [0x00, 0x1b, 0x21, 0x31, 0x00, last],
        drop_icmp: false,
        snmpd: None,
    };
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.30.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: Ipv4Addr::new(198, 18, 30, 1),
        hosts: vec![host("behind-a", 20, 1), host("behind-b", 21, 2)],
        router_snmpd: None,
    }
}

fn ip_cmd(ns: &str, args: &[&str]) {
    let out = lab::run_in(ns, "ip").args(args).output().expect("ip");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lab_hosts_behind_one_proxy_arp_mac_stay_two_devices() {
    let Some(lab) = lab_or_skip(proxy_spec(&unique_prefix("p"))) else {
        return;
    };
    // The scanner sees 198.18.30.0/23 as attached; the router answers ARP
    // for the routed half with its own MAC.
    let scan = lab.scanner_ns();
    ip_cmd(&scan, &["route", "del", "198.18.31.0/24"]);
    ip_cmd(&scan, &["addr", "del", "198.18.30.1/24", "dev", "eth0"]);
    ip_cmd(&scan, &["addr", "add", "198.18.30.1/23", "dev", "eth0"]);
    // Proxy replies without Linux's random delay (up to 0.8 s by default).
    for setting in [
        "net.ipv4.conf.eth0.proxy_arp=1",
        "net.ipv4.neigh.eth0.proxy_delay=0",
    ] {
        let out = lab::run_in(&lab.router_ns(), "sysctl")
            .args(["-q", "-w", setting])
            .output()
            .expect("sysctl");
        assert!(out.status.success(), "{setting}");
    }
    let db = lab.dir().join("proxy.db");
    let mut ids_before = Vec::new();
    for run in 1..=2 {
        let devices = scan_db(&lab, &db, &["198.18.31.20-21"], &[]);
        assert_eq!(devices.len(), 2, "run {run}: {devices:?}");
        for d in &devices {
            assert!(
                d["seen_by"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|x| x == "arp")),
                "answered ARP (by proxy): {d}"
            );
            assert!(
                d["mac"].is_null(),
                "a MAC answering for several addresses is nobody's own: {d}"
            );
        }
        let stored = stored_devices(&db);
        assert_eq!(stored.len(), 2, "run {run}: {stored:?}");
        let ids: Vec<i64> = stored.iter().map(|d| d.0).collect();
        if run == 1 {
            ids_before = ids;
        } else {
            assert_eq!(ids, ids_before, "the same two devices again");
        }
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM identity_events WHERE kind = 'merge'"
        ),
        0
    );
    // The proxy MAC is recorded on each address, as what answered.
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT mac) FROM device_addresses"),
        1
    );
    assert_rebuild_is_identical(&db);
}

/// A DHCP server, a DHCP client, a host with a randomised MAC and a plain
/// host, all on one segment.
fn dhcp_spec(prefix: &str) -> LabSpec {
    let net = |o: u8| Ipv4Addr::new(198, 18, 40, o);
    let host = |label: &str, o: u8, mac: [u8; 6]| HostSpec {
        label: label.into(),
        segment: 0,
        ip: net(o),
        mac,
        drop_icmp: false,
        snmpd: None,
    };
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.40.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: net(1),
        hosts: vec![
            host("dhcp-server", 2, [0x00, 0x1b, 0x21, 0x40, 0x00, 0x02]),
            host("laptop", 60, [0x00, 0x1b, 0x21, 0x40, 0x00, 0x60]),
            host("phone", 70, [0xda, 0xa1, 0x19, 0x40, 0x00, 0x70]),
            host("printer", 71, [0x3c, 0xd9, 0x2b, 0x40, 0x00, 0x71]),
        ],
        router_snmpd: None,
    }
}

/// Start dnsmasq as the segment's DHCP server, leasing `lease` to the
/// laptop's MAC; returns the child.
fn dhcp_server(lab: &lab::Lab, lease: Ipv4Addr, tag: &str) -> std::process::Child {
    let leases = lab.dir().join(format!("leases-{tag}"));
    lab::run_in(&lab.host_ns(0), "dnsmasq")
        .args([
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--interface=eth0",
            "--except-interface=lo",
            "--port=0",
            "--conf-file=/dev/null",
            "--pid-file=",
            "--dhcp-range=198.18.40.100,198.18.40.150,255.255.255.0,10m",
        ])
        .arg(format!("--dhcp-host=00:1b:21:40:00:60,{lease}"))
        .arg(format!("--dhcp-leasefile={}", leases.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dnsmasq")
}

/// Have the laptop drop its address and lease one with busybox udhcpc.
fn lease(lab: &lab::Lab) -> Option<Ipv4Addr> {
    let script = lab.dir().join("udhcpc.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncase \"$1\" in bound|renew) ip addr flush dev \"$interface\"; ip addr add \"$ip/$mask\" dev \"$interface\";; esac\n",
    )
    .expect("script");
    let _ = Command::new("chmod").arg("755").arg(&script).status();
    ip_cmd(&lab.host_ns(1), &["addr", "flush", "dev", "eth0"]);
    let out = lab::run_in(&lab.host_ns(1), "busybox")
        .args([
            "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1", "-s",
        ])
        .arg(&script)
        .output()
        .expect("udhcpc");
    assert!(
        out.status.success(),
        "no lease: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let show = lab::run_in(&lab.host_ns(1), "ip")
        .args(["-4", "-o", "addr", "show", "dev", "eth0"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&show.stdout)
        .split_whitespace()
        .find_map(|w| w.split('/').next().and_then(|a| a.parse().ok()))
}

#[test]
fn lab_dhcp_move_stays_one_device_and_a_new_private_mac_merges_nothing() {
    if lab::which("busybox").is_none() || lab::which("dnsmasq").is_none() {
        assert!(
            std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
            "busybox (udhcpc) and dnsmasq are needed: scripts/setup-debian installs them"
        );
        eprintln!("SKIPPED: busybox or dnsmasq missing");
        return;
    }
    let Some(lab) = lab_or_skip(dhcp_spec(&unique_prefix("h"))) else {
        return;
    };
    let db = lab.dir().join("dhcp.db");
    let first = Ipv4Addr::new(198, 18, 40, 100);
    let second = Ipv4Addr::new(198, 18, 40, 105);

    // Run 1: the laptop leases .100.
    let mut server = dhcp_server(&lab, first, "a");
    let got = poll(Duration::from_secs(20), || {
        lease(&lab).filter(|a| *a == first)
    });
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(got, Some(first), "the laptop leased its first address");
    let devices = scan_db(&lab, &db, &["198.18.40.0/24"], &[]);
    assert!(
        devices.iter().any(|d| d["ip"] == first.to_string()),
        "{devices:?}"
    );
    let stored = stored_devices(&db);
    let laptop_id = stored
        .iter()
        .find(|d| d.1 == first.to_string())
        .map(|d| d.0)
        .expect("laptop stored");
    let printer_id = stored
        .iter()
        .find(|d| d.1 == "198.18.40.71")
        .map(|d| d.0)
        .expect("printer stored");

    // Run 2: the DHCP server hands the laptop another address; the phone's
    // private MAC changes (same address).
    let mut server = dhcp_server(&lab, second, "b");
    let got = poll(Duration::from_secs(20), || {
        lease(&lab).filter(|a| *a == second)
    });
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(got, Some(second), "the laptop leased a new address");
    let phone = lab.host_ns(2);
    ip_cmd(&phone, &["link", "set", "eth0", "down"]);
    ip_cmd(
        &phone,
        &["link", "set", "eth0", "address", "da:a1:19:40:00:99"],
    );
    ip_cmd(&phone, &["link", "set", "eth0", "up"]);
    let _ = poll(Duration::from_secs(5), || {
        let out = lab::run_in(&lab.scanner_ns(), "ping")
            .args(["-c", "1", "-W", "1", "198.18.40.70"])
            .output()
            .ok()?;
        out.status.success().then_some(())
    });
    scan_db(&lab, &db, &["198.18.40.0/24"], &[]);
    let stored = stored_devices(&db);
    let laptop = stored
        .iter()
        .find(|d| d.0 == laptop_id)
        .expect("the laptop is still its device");
    assert_eq!(
        laptop.1,
        second.to_string(),
        "primary address moved: {stored:?}"
    );
    assert_eq!(
        laptop.2,
        vec![(first.to_string(), false), (second.to_string(), true)],
        "both addresses kept, the old one inactive"
    );
    assert!(
        !stored
            .iter()
            .any(|d| d.0 != laptop_id && d.2.iter().any(|(a, _)| *a == second.to_string())),
        "no second device for the laptop's new address: {stored:?}"
    );
    // The phone with a new private MAC is a new device; it merges with
    // nothing (not its old record, not the printer next to it).
    let printer = stored.iter().find(|d| d.0 == printer_id).expect("printer");
    assert_eq!(printer.3, vec!["3c:d9:2b:40:00:71".to_string()]);
    let phones: Vec<_> = stored
        .iter()
        .filter(|d| d.2.iter().any(|(a, _)| a == "198.18.40.70"))
        .collect();
    assert_eq!(phones.len(), 2, "old and new private MAC: {stored:?}");
    assert!(phones.iter().all(|d| d.3.len() == 1), "{phones:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM identity_events WHERE kind = 'merge'"
        ),
        0
    );
    assert_rebuild_is_identical(&db);
}

#[test]
fn lab_kill_9_during_scans_keeps_the_database_and_every_finished_scan() {
    let Some(lab) = lab_or_skip(standard(&unique_prefix("k"), 50)) else {
        return;
    };
    let port = free_port();
    let db = lab.dir().join("kill.db");
    let config = lab.dir().join("pandian.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nsubnets = [\"198.18.50.0/24\", \"198.18.51.0/24\"]\ninterval = \"10s\"\ntimeout_ms = 300\nreverse_dns = false\n\n\
             [[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
             [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            db.display()
        ),
    )
    .expect("config");
    // (scan id, its record rows) of every scan seen finished so far.
    let mut finished: Vec<(i64, i64)> = Vec::new();
    let delays_ms = [400u64, 9000, 2600, 900, 12_000, 2000, 7500, 4000];
    let log_path = lab.dir().join("daemon.log");
    for (i, delay) in delays_ms.iter().enumerate() {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("log");
        let mut child = Command::new(bin())
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--netns", &lab.scanner_ns()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start daemon");
        std::thread::sleep(Duration::from_millis(*delay));
        let _ = child.kill();
        let _ = child.wait();
        if !db.exists() {
            continue;
        }
        let c = Connection::open(&db).expect("open after kill -9");
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(ok, "ok", "after kill {i}");
        for (id, rows) in &finished {
            let (status, now): (String, i64) = c
                .query_row(
                    "SELECT status, (SELECT COUNT(*) FROM observations WHERE first_run = ?1) FROM scans WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .expect("finished scan still there");
            assert_eq!(
                (status.as_str(), now),
                ("done", *rows),
                "scan {id} after kill {i}"
            );
        }
        let mut stmt = c
            .prepare("SELECT id, (SELECT COUNT(*) FROM observations WHERE first_run = scans.id) FROM scans WHERE status = 'done'")
            .unwrap();
        finished = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    }
    assert!(
        !finished.is_empty(),
        "some scans finished between the kills; daemon log:\n{}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
    // A clean start takes in whatever a kill left unapplied; the derived
    // tables then equal a rebuild.
    let mut child = Command::new(bin())
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--netns", &lab.scanner_ns()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start daemon");
    let up = poll(Duration::from_secs(30), || {
        http_get(port, "/healthz").ok().filter(|(s, _)| *s == 200)
    });
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let _ = poll(Duration::from_secs(20), || child.try_wait().ok().flatten());
    let _ = child.kill();
    let _ = child.wait();
    assert!(up.is_some(), "the daemon came back after the kills");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM scans WHERE applied_seq IS NULL AND status != 'running' AND EXISTS (SELECT 1 FROM observations WHERE first_run = scans.id)"
        ),
        0,
        "every recorded scan taken in"
    );
    assert_rebuild_is_identical(&db);
}
