//! Passive listening in a lab: the daemon (`pandian serve`, `[passive]`
//! on) runs in the scanner's namespace while real DHCP clients (busybox
//! udhcpc) lease from dnsmasq in another. It hears their requests and
//! records host name and vendor class with source `passive`; a phone
//! behind a randomised MAC that changes MAC and asks again with the same
//! client id and host name stays one device; a host at an excluded
//! address is never recorded; and the daemon sends nothing while it
//! listens.
#![allow(clippy::unwrap_used)]

mod common;

use common::{bin, free_port, lab_or_skip, poll, unique_prefix, write_private};
use pandian::lab::{self, HostSpec, LabSpec};
use rusqlite::Connection;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 140, o)
}

const LAPTOP_MAC: &str = "00:1b:21:8c:00:3c";
const PHONE_MAC_1: &str = "da:a1:19:8c:00:46";
const PHONE_MAC_2: &str = "da:a1:19:8c:00:99";
/// A DUID-style client id (type 255): it does not follow the MAC.
const PHONE_CLIENT_ID: &str = "ff8c0046000100012a9f3b51daa1198c0046";

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8, mac: [u8; 6]| HostSpec::plain(label, ip(o), mac);
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.140.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            host("dhcp-server", 2, [0x00, 0x1b, 0x21, 0x8c, 0x00, 0x02]),
            host("laptop", 60, [0x00, 0x1b, 0x21, 0x8c, 0x00, 0x3c]),
            host("phone", 70, [0xda, 0xa1, 0x19, 0x8c, 0x00, 0x46]),
            host("excluded", 50, [0x00, 0x1b, 0x21, 0x8c, 0x00, 0x32]),
        ],
        router_snmpd: None,
    }
}

fn ip_cmd(ns: &str, args: &[&str]) {
    let ok = lab::run_in(ns, "ip")
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "ip {args:?} in {ns}");
}

fn dnsmasq(lab: &mut lab::Lab) {
    let leases = lab.dir().join("leases");
    let mut cmd = lab::run_in(&lab.host_ns(0), "dnsmasq");
    cmd.args([
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
        "--interface=eth0",
        "--except-interface=lo",
        "--port=0",
        "--conf-file=/dev/null",
        "--pid-file=",
        "--dhcp-range=198.18.140.100,198.18.140.150,255.255.255.0,10m",
    ])
    .arg(format!("--dhcp-leasefile={}", leases.display()))
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let ns = lab.host_ns(0);
    lab.spawn_in(&ns, cmd).expect("dnsmasq");
}

/// Host `i` drops its address and leases one with busybox udhcpc, sending
/// `extra` options.
fn lease(lab: &lab::Lab, i: usize, extra: &[&str]) {
    let script = lab.dir().join("udhcpc.sh");
    if !script.exists() {
        std::fs::write(
            &script,
            "#!/bin/sh\ncase \"$1\" in bound|renew) ip addr flush dev \"$interface\"; ip addr add \"$ip/$mask\" dev \"$interface\";; esac\n",
        )
        .expect("script");
        let _ = Command::new("chmod").arg("755").arg(&script).status();
    }
    ip_cmd(&lab.host_ns(i), &["addr", "flush", "dev", "eth0"]);
    let out = lab::run_in(&lab.host_ns(i), "busybox")
        .args(["udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1"])
        .args(extra)
        .arg("-s")
        .arg(&script)
        .output()
        .expect("udhcpc");
    assert!(
        out.status.success(),
        "no lease: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(lab: &lab::Lab, config: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log");
    Command::new(bin())
        .args(["serve", "--config"])
        .arg(config)
        .args(["--netns", &lab.scanner_ns()])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start daemon")
}

fn stop(mut child: Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let _ = poll(Duration::from_secs(15), || child.try_wait().ok().flatten());
    let _ = child.kill();
    let _ = child.wait();
}

/// `(value)` of every passive observation with `key` for a subject with `mac`.
fn passive_values(db: &Path, mac: &str, key: &str) -> Vec<String> {
    let Ok(c) = Connection::open(db) else {
        return Vec::new();
    };
    let Ok(mut stmt) = c.prepare(
        "SELECT o.value FROM observations o JOIN subjects s ON s.id = o.subject_id
         WHERE o.source = 'passive' AND o.key = ?2 AND s.mac = ?1",
    ) else {
        return Vec::new();
    };
    stmt.query_map([mac, key], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// The device a MAC belongs to, once a run took it in.
fn device_of(db: &Path, mac: &str) -> Option<i64> {
    let c = Connection::open(db).ok()?;
    c.query_row(
        "SELECT d.id FROM device_macs m JOIN devices d ON d.id = m.device_id
         WHERE m.mac = ?1 AND d.merged_into IS NULL",
        [mac],
        |r| r.get(0),
    )
    .ok()
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap_or(-1)
}

#[test]
fn lab_passive_hears_dhcp_clients_and_a_random_mac_phone_stays_one_device() {
    for tool in ["busybox", "dnsmasq", "tcpdump"] {
        if lab::which(tool).is_none() {
            assert!(
                std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
                "{tool} is needed: scripts/setup-debian installs it"
            );
            eprintln!("SKIPPED: {tool} missing");
            return;
        }
    }
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("pv"))) else {
        return;
    };
    dnsmasq(&mut lab);
    let dir = lab.dir().to_path_buf();
    let db = dir.join("passive.db");
    let config = dir.join("pandian.toml");
    // The job never runs during the test (1 January, 03:00): everything
    // recorded is what was heard.
    write_private(
        &config,
        &format!(
            "[store]\npath = \"{}\"\n[web]\nlisten = \"127.0.0.1:{}\"\n\
             [[job]]\nname = \"lan\"\ntargets = [\"198.18.140.0/24\"]\nexclude = [\"198.18.140.50\"]\n\
             probes = [\"arp\"]\nschedule = \"0 3 1 1 *\"\n\
             [passive]\nenabled = true\ninterval = \"10s\"\n",
            db.display(),
            free_port()
        ),
    );
    let scanner_mac = {
        let out = lab::run_in(&lab.scanner_ns(), "cat")
            .arg("/sys/class/net/eth0/address")
            .output()
            .expect("mac");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let mut wire = lab::run_in(&lab.scanner_ns(), "tcpdump")
        .args(["-n", "-l", "-e", "-i", "eth0"])
        .arg(format!("ether src {scanner_mac} and not ip6"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    let log = dir.join("serve.log");
    let daemon = start(&lab, &config, &log);
    let listening = poll(Duration::from_secs(15), || {
        let text = std::fs::read_to_string(&log).ok()?;
        text.contains("passive listening").then_some(())
    });
    assert!(
        listening.is_some(),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    // A laptop and a phone lease; the excluded host talks on the segment.
    lease(&lab, 1, &["-V", "MSFT 5.0", "-x", "hostname:lab-laptop"]);
    let phone_opts = [
        "-x",
        "hostname:annas-phone",
        "-x",
        &format!("0x3d:{PHONE_CLIENT_ID}"),
    ];
    lease(&lab, 2, &phone_opts);
    let _ = lab::run_in(&lab.host_ns(3), "ping")
        .args(["-c", "2", "-i", "0.3", "-W", "1", "198.18.140.2"])
        .output();
    let heard = poll(Duration::from_secs(25), || {
        let first = device_of(&db, PHONE_MAC_1)?;
        let names = passive_values(&db, LAPTOP_MAC, "dhcp:hostname");
        names.contains(&"lab-laptop".to_string()).then_some(first)
    });
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let phone = heard.unwrap_or_else(|| panic!("nothing recorded:\n{}", log_text()));
    assert_eq!(
        passive_values(&db, LAPTOP_MAC, "dhcp:vendor_class"),
        ["MSFT 5.0"]
    );
    assert!(!passive_values(&db, LAPTOP_MAC, "dhcp:params").is_empty());
    assert_eq!(
        passive_values(&db, PHONE_MAC_1, "dhcp:client_id"),
        [PHONE_CLIENT_ID]
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM scans WHERE job = 'passive' AND status = 'done'"
        ) >= 1
    );
    // The laptop's device says how it was seen.
    let seen_by: String = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT seen_by FROM devices WHERE mac = ?1",
            [LAPTOP_MAC],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seen_by, "passive");

    // The phone changes its private MAC and asks again with the same
    // client id and host name: the same device.
    let phone_ns = lab.host_ns(2);
    ip_cmd(&phone_ns, &["link", "set", "eth0", "down"]);
    ip_cmd(&phone_ns, &["link", "set", "eth0", "address", PHONE_MAC_2]);
    ip_cmd(&phone_ns, &["link", "set", "eth0", "up"]);
    lease(&lab, 2, &phone_opts);
    let again = poll(Duration::from_secs(25), || device_of(&db, PHONE_MAC_2));
    assert_eq!(
        again,
        Some(phone),
        "one device across MACs:\n{}",
        log_text()
    );
    // Host name and client id agree: a weak pair (a name alone would do too).
    let joined = count(
        &db,
        &format!(
            "SELECT COUNT(*) FROM identity_events WHERE device_id = {phone} AND kind = 'join'
             AND strength IN ('weak_pair', 'name')"
        ),
    );
    assert_eq!(joined, 1, "the join is recorded with its names");

    // The excluded host was never recorded.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM subjects WHERE ip = '198.18.140.50'"
        ),
        0
    );
    stop(daemon);
    let _ = wire.kill();
    let out = wire.wait_with_output().expect("tcpdump output");
    let sent = String::from_utf8_lossy(&out.stdout);
    assert!(sent.trim().is_empty(), "the daemon sent frames: {sent}");
    lab.down();
}
