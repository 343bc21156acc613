//! Findings on a real network: a lab of namespaces with a switch served by
//! snmpsimd (its forwarding table shows three MACs behind one access port
//! and ten behind its LLDP uplink; it answers the community `public`), a
//! PC, another host configured with the PC's address, and a phone with a
//! randomised MAC that joins between two scans and leaves again. `pandian scan --db` stores each run; `pandian findings`
//! reads and acknowledges. Needs root; skips otherwise (fails under
//! PANDIAN_REQUIRE_LAB=1).

// Test helpers read the test's own database: a failure there is the test's failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::{self, HostSpec, LabSpec};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::path::Path;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 44, o)
}

const SWITCH_MAC: [u8; 6] = [0x00, 0x1e, 0x14, 0x44, 0x00, 0x02];
const PC_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x44, 0x00, 0x10];
const TWIN_MAC: [u8; 6] = [0x00, 0x1b, 0x21, 0x44, 0x00, 0x11];
// Locally administered (bit 1 of the first byte): a phone's private MAC.
const PHONE_MAC: [u8; 6] = [0xda, 0xa1, 0x19, 0x44, 0x00, 0x12];

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8, mac: [u8; 6]| HostSpec::plain(label, ip(o), mac);
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.44.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            host("switch", 2, SWITCH_MAC),
            host("pc", 10, PC_MAC),
            host("phone", 12, PHONE_MAC),
            // Configured with the PC's address by mistake.
            host("twin", 10, TWIN_MAC),
        ],
        router_snmpd: None,
    }
}

fn hex_mac(m: [u8; 6]) -> String {
    m.iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// The switch's recording: a Catalyst's system group, eight ports, a
/// forwarding table (three desks behind Gi1/0/5, the PC alone on Gi1/0/3,
/// ten MACs behind the uplink Gi1/0/1) and an LLDP neighbour on Gi1/0/1.
fn switch_recording(path: &Path) {
    let mut lines: Vec<(Vec<u32>, String)> = Vec::new();
    let mut put = |oid: String, tag: &str, value: String| {
        let arcs = oid.split('.').map(|a| a.parse::<u32>().unwrap()).collect();
        lines.push((arcs, format!("{oid}|{tag}|{value}")));
    };
    put(
        "1.3.6.1.2.1.1.1.0".into(),
        "4",
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)".into(),
    );
    put(
        "1.3.6.1.2.1.1.2.0".into(),
        "6",
        "1.3.6.1.4.1.9.1.1208".into(),
    );
    put("1.3.6.1.2.1.1.3.0".into(), "67", "123456".into());
    put("1.3.6.1.2.1.1.5.0".into(), "4", "access-sw1".into());
    for port in 1..=8u32 {
        let ifindex = 10_000 + port;
        put(
            format!("1.3.6.1.2.1.2.2.1.1.{ifindex}"),
            "2",
            ifindex.to_string(),
        );
        put(format!("1.3.6.1.2.1.2.2.1.3.{ifindex}"), "2", "6".into());
        put(
            format!("1.3.6.1.2.1.17.1.4.1.2.{port}"),
            "2",
            ifindex.to_string(),
        );
        put(
            format!("1.3.6.1.2.1.31.1.1.1.1.{ifindex}"),
            "4",
            format!("Gi1/0/{port}"),
        );
    }
    let mut fdb: Vec<(u32, [u8; 6])> = (1..=3u8)
        .map(|i| (5, [0x00, 0x1b, 0x21, 0x44, 0x05, i]))
        .collect();
    fdb.push((3, PC_MAC));
    fdb.extend((1..=10u8).map(|i| (1, [0x00, 0x1b, 0x21, 0x44, 0x01, i])));
    for (port, m) in fdb {
        put(
            format!("1.3.6.1.2.1.17.4.3.1.1.{}", hex_mac(m)),
            "4x",
            m.iter().map(|b| format!("{b:02x}")).collect(),
        );
        put(
            format!("1.3.6.1.2.1.17.4.3.1.2.{}", hex_mac(m)),
            "2",
            port.to_string(),
        );
        put(
            format!("1.3.6.1.2.1.17.4.3.1.3.{}", hex_mac(m)),
            "2",
            "3".into(),
        );
    }
    put(
        "1.0.8802.1.1.2.1.4.1.1.7.0.10001.1".into(),
        "4",
        "Te1/1/1".into(),
    );
    put(
        "1.0.8802.1.1.2.1.4.1.1.9.0.10001.1".into(),
        "4",
        "core-sw".into(),
    );
    lines.sort();
    let text: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    std::fs::write(path, text).unwrap();
}

fn scan(lab: &lab::Lab, db: &Path) {
    let db_s = db.display().to_string();
    let out = pandian_in_env(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.44.0/24",
            "--db",
            &db_s,
            "--format",
            "summary",
            "--timeout",
            "400",
        ],
        &[("PANDIAN_COMMUNITIES", "public")],
    );
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn findings(lab: &lab::Lab, db: &Path, extra: &[&str]) -> Vec<Value> {
    let db_s = db.display().to_string();
    let mut args = vec!["findings", "list", "--db", &db_s, "--json"];
    args.extend_from_slice(extra);
    let out = pandian_in(&lab.scanner_ns(), &args);
    assert!(
        out.status.success(),
        "findings list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn holding<'a>(all: &'a [Value], kind: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|f| f["kind"] == kind && f["state"] != "resolved")
        .collect()
}

fn link(lab: &lab::Lab, host: usize, up: bool) {
    let out = lab::run_in(&lab.host_ns(host), "ip")
        .args(["link", "set", "eth0", if up { "up" } else { "down" }])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lab_findings_open_and_resolve_as_devices_come_and_go() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("f"))) else {
        return;
    };
    assert!(lab::which("snmpsimd").is_some(), "apt-get install snmpsim");
    let rec = lab.dir().join("public.snmprec");
    switch_recording(&rec);
    let ns = lab.host_ns(0);
    lab::start_snmpsim(&mut lab, &ns, ip(2), &[rec]).expect("snmpsimd");
    let db = lab.dir().join("findings.db");

    // Run 1, without the phone: the starting inventory.
    link(&lab, 2, false);
    scan(&lab, &db);
    let all = findings(&lab, &db, &[]);
    let hubs = holding(&all, "unmanaged_switch");
    assert_eq!(hubs.len(), 1, "one hub, not the uplink: {hubs:#?}");
    let hub = hubs[0];
    assert!(hub["key"].as_str().unwrap().ends_with(":Gi1/0/5"), "{hub}");
    assert_eq!(hub["ip"], "198.18.44.2");
    let evidence = hub["evidence"].as_array().unwrap();
    assert_eq!(
        evidence
            .iter()
            .filter(|e| e["key"] == "fdb Gi1/0/5")
            .count(),
        3,
        "{evidence:#?}"
    );
    let community = holding(&all, "default_community");
    assert_eq!(community.len(), 1, "{all:#?}");
    assert_eq!(community[0]["ip"], "198.18.44.2");
    assert!(
        holding(&all, "new_device").is_empty(),
        "the first run is the baseline"
    );

    // Run 2: the phone joins.
    link(&lab, 2, true);
    scan(&lab, &db);
    let all = findings(&lab, &db, &[]);
    let new = holding(&all, "new_device");
    assert_eq!(new.len(), 1, "{all:#?}");
    assert_eq!(new[0]["ip"], "198.18.44.12");
    let random = holding(&all, "randomized_mac");
    assert_eq!(random.len(), 1, "{all:#?}");
    assert_eq!(random[0]["mac"], "da:a1:19:44:00:12");
    // The PC's address has no finding but the conflict.
    assert!(
        all.iter()
            .filter(|f| f["ip"] == "198.18.44.10")
            .all(|f| f["kind"] == "ip_conflict"),
        "{all:#?}"
    );

    // Acknowledge the hub through the CLI.
    let id = hub["id"].as_i64().unwrap().to_string();
    let db_s = db.display().to_string();
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "findings",
            "ack",
            &id,
            "--reason",
            "desk switch in room 204",
            "--by",
            "alice",
            "--db",
            &db_s,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acked = findings(&lab, &db, &["--state", "acknowledged"]);
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0]["ack"]["by"], "alice");
    let out = pandian_in(
        &lab.scanner_ns(),
        &["findings", "ack", "99999", "--reason", "x", "--db", &db_s],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no finding has id 99999"));

    // Run 3: the phone leaves; its findings resolve, kept as history.
    link(&lab, 2, false);
    scan(&lab, &db);
    let all = findings(&lab, &db, &[]);
    assert!(holding(&all, "new_device").is_empty(), "{all:#?}");
    assert!(holding(&all, "randomized_mac").is_empty(), "{all:#?}");
    let resolved = findings(&lab, &db, &["--state", "resolved"]);
    assert_eq!(resolved.len(), 2, "{resolved:#?}");
    assert!(resolved.iter().all(|f| f["ip"] == "198.18.44.12"));
    // The hub still holds, still acknowledged; the twin still conflicts.
    assert_eq!(findings(&lab, &db, &["--state", "acknowledged"]).len(), 1);
    assert_eq!(holding(&all, "ip_conflict").len(), 1);

    // The twin goes: the conflict resolves.
    link(&lab, 3, false);
    scan(&lab, &db);
    let all = findings(&lab, &db, &[]);
    assert!(holding(&all, "ip_conflict").is_empty(), "{all:#?}");
    lab.down();
}

// ------------------------------------------------------------ rogue DHCP

fn dhcp_ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 46, o)
}

fn dhcp_spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8| HostSpec {
        label: label.into(),
        segment: 0,
        ip: dhcp_ip(o),
        mac: [0x00, 0x1b, 0x21, 0x46, 0x00, o],
        drop_icmp: false,
        snmpd: None,
    };
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.46.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: dhcp_ip(1),
        hosts: vec![host("approved-dhcp", 2), host("rogue-dhcp", 3)],
        router_snmpd: None,
    }
}

/// dnsmasq as a DHCP server in host `i`'s namespace, offering `range` and
/// `router`.
fn dnsmasq(lab: &lab::Lab, i: usize, range: &str, router: &str) -> std::process::Child {
    let leases = lab.dir().join(format!("leases-{i}"));
    lab::run_in(&lab.host_ns(i), "dnsmasq")
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
        ])
        .arg(format!("--dhcp-range={range},255.255.255.0,10m"))
        .arg(format!("--dhcp-option=3,{router}"))
        .arg(format!("--dhcp-leasefile={}", leases.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dnsmasq")
}

fn config(lab: &lab::Lab, exclude: &str) -> std::path::PathBuf {
    let path = lab.dir().join(format!("pandian-{}.toml", exclude.len()));
    let db = lab.dir().join("dhcp.db");
    write_private(
        &path,
        &format!(
            "[store]\npath = \"{}\"\n[policy]\ndhcp_servers = [\"198.18.46.2\"]\n\
             [[job]]\nname = \"lan\"\ntargets = [\"198.18.46.0/24\"]\nexclude = [{exclude}]\n\
             probes = [\"arp\", \"icmp\"]\nsegment_probes = true\n",
            db.display()
        ),
    );
    path
}

fn scan_job(lab: &lab::Lab, config: &Path) -> String {
    let c = config.display().to_string();
    let db = lab.dir().join("dhcp.db").display().to_string();
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan", "--config", &c, "--job", "lan", "--db", &db, "--format", "summary",
        ],
    );
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What `f` returns, and the DHCP packets tcpdump saw on the scanner's
/// segment meanwhile.
fn captured<T>(lab: &lab::Lab, f: impl FnOnce() -> T) -> (T, String) {
    let mut dump = lab::run_in(&lab.scanner_ns(), "tcpdump")
        .args(["-n", "-l", "-i", "eth0", "udp port 67 or udp port 68"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tcpdump");
    // tcpdump needs a moment to open its capture.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let got = f();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = dump.kill();
    let out = dump.wait_with_output().expect("tcpdump output");
    (got, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn lab_rogue_dhcp_server_is_a_finding_and_the_approved_one_is_not() {
    let Some(mut lab) = lab_or_skip(dhcp_spec(&unique_prefix("d"))) else {
        return;
    };
    assert!(
        lab::which("dnsmasq").is_some(),
        "apt-get install dnsmasq-base"
    );
    let mut approved = dnsmasq(&lab, 0, "198.18.46.100,198.18.46.150", "198.18.46.2");
    let mut rogue = dnsmasq(&lab, 1, "198.18.46.200,198.18.46.220", "198.18.46.3");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let db = lab.dir().join("dhcp.db");

    // A job that excludes an address on the segment never broadcasts.
    let careful = config(&lab, "\"198.18.46.50\"");
    let (log, wire) = captured(&lab, || scan_job(&lab, &careful));
    assert!(log.contains("no DHCP discover"), "{log}");
    assert!(!wire.contains("BOOTP"), "nothing broadcast: {wire}");
    assert!(holding(&findings(&lab, &db, &[]), "rogue_dhcp").is_empty());

    let open = config(&lab, "");
    let (log, wire) = captured(&lab, || scan_job(&lab, &open));
    assert_eq!(
        wire.matches("BOOTP/DHCP, Request").count(),
        1,
        "one DISCOVER: {wire}"
    );
    let log = format!("{log}\n{wire}");
    let all = findings(&lab, &db, &[]);
    let rogues = holding(&all, "rogue_dhcp");
    assert_eq!(rogues.len(), 1, "{all:#?}\n{log}");
    let r = rogues[0];
    assert_eq!(r["ip"], "198.18.46.3", "{r}");
    let evidence = r["evidence"].as_array().unwrap();
    let value = |k: &str| {
        evidence
            .iter()
            .find(|e| e["source"] == "dhcp" && e["key"] == k)
            .and_then(|e| e["value"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(value("router"), "198.18.46.3", "{evidence:#?}");
    assert!(value("offered").starts_with("198.18.46.2"), "{evidence:#?}");
    assert!(
        value("offered").contains("mask 255.255.255.0"),
        "{evidence:#?}"
    );

    // The rogue goes away: the finding resolves; the approved server
    // still answers and never was one.
    let _ = rogue.kill();
    let _ = rogue.wait();
    scan_job(&lab, &open);
    let all = findings(&lab, &db, &[]);
    assert!(holding(&all, "rogue_dhcp").is_empty(), "{all:#?}");
    let resolved = findings(&lab, &db, &["--kind", "rogue_dhcp", "--state", "resolved"]);
    assert_eq!(resolved.len(), 1);
    let _ = approved.kill();
    let _ = approved.wait();
    lab.down();
}
