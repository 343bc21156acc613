//! End-to-end tests on a real lab: network namespaces, a bridge, veths,
//! net-snmp agents, a host that drops ICMP, a router to a second subnet.
//! Needs root; skips otherwise (fails under PANDIAN_REQUIRE_LAB=1).

mod common;

use common::*;
use pandian::lab::{self, standard};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn find<'a>(devices: &'a [Value], ip: &str) -> Option<&'a Value> {
    devices.iter().find(|d| d["ip"] == ip)
}

fn seen_by(d: &Value) -> Vec<String> {
    d["seen_by"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn lower(v: &Value) -> String {
    v.as_str().unwrap_or("").to_lowercase()
}

#[test]
fn lab_scan_finds_every_host_with_mac_snmp_and_identity() {
    let Some(lab) = lab_or_skip(standard(&unique_prefix("s"), 0)) else {
        return;
    };
    // Secrets the safe ways: a private credentials file and the environment.
    let creds = lab.dir().join("credentials.toml");
    write_private(
        &creds,
        "[[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n",
    );
    let out = pandian_in_env(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.0.0/24",
            "198.18.1.0/24",
            "--credentials",
            creds.to_str().unwrap(),
            "--format",
            "json",
            "--timeout",
            "500",
            "--snmp-depth",
            "full",
            "--resolve",
        ],
        &[("PANDIAN_COMMUNITIES", "huawei-ro")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scan failed: {stderr}");
    assert!(
        !stderr.contains("warning: --community"),
        "no flag, no warning: {stderr}"
    );
    let devices: Vec<Value> =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));

    // Every lab host, and the router, and nothing else (not the scanner itself).
    let mut ips: Vec<&str> = devices.iter().filter_map(|d| d["ip"].as_str()).collect();
    ips.sort();
    assert_eq!(
        ips,
        [
            "198.18.0.10",
            "198.18.0.11",
            "198.18.0.12",
            "198.18.0.13",
            "198.18.0.14",
            "198.18.0.254",
            "198.18.1.20",
            "198.18.1.30"
        ],
        "{stdout}"
    );

    for (i, h) in lab.spec().hosts.iter().enumerate() {
        let d = find(&devices, &h.ip.to_string())
            .unwrap_or_else(|| panic!("host {i} {} missing", h.label));
        if h.segment == 0 {
            assert_eq!(d["mac"], pandian::wire::format_mac(h.mac), "{}", h.label);
            assert!(seen_by(d).contains(&"arp".to_string()), "{}: {d}", h.label);
        } else {
            // Behind the router: the MAC comes from its ARP table, read over SNMP.
            assert_eq!(
                d["mac"],
                pandian::wire::format_mac(h.mac),
                "{}: {d}",
                h.label
            );
            assert!(
                seen_by(d).contains(&"router_arp".to_string()),
                "{}: {d}",
                h.label
            );
            assert_eq!(d["seen_via"], "198.18.0.254", "{}", h.label);
        }
        if seen_by(d) == ["router_arp"] {
            // Known only from the router's table: nothing was sent to it but ICMP.
            assert!(h.drop_icmp && h.snmpd.is_none(), "{}: {d}", h.label);
        } else {
            assert_eq!(
                d["hostname"],
                format!("{}.lab.test", h.label),
                "reverse DNS from the lab's dnsmasq"
            );
        }
        if h.drop_icmp {
            assert!(
                !seen_by(d).contains(&"icmp".to_string()),
                "{} drops ICMP: {d}",
                h.label
            );
        } else {
            assert!(seen_by(d).contains(&"icmp".to_string()), "{}: {d}", h.label);
        }
        match &h.snmpd {
            Some(s) => {
                let snmp = &d["snmp"];
                assert_eq!(snmp["version"], "2c", "{}: {d}", h.label);
                assert_eq!(
                    snmp["sys_object_id"]
                        .as_str()
                        .map(|o| o.trim_start_matches('.')),
                    Some(s.sys_object_id.as_str()),
                    "{}",
                    h.label
                );
                assert!(seen_by(d).contains(&"snmp".to_string()));
                if !s.sys_name.chars().any(char::is_control) && !s.sys_name.contains('<') {
                    assert_eq!(snmp["sys_name"], s.sys_name.as_str(), "{}", h.label);
                    assert_eq!(snmp["sys_location"], s.sys_location.as_str(), "{}", h.label);
                }
                let cred = snmp["credential"].as_str().unwrap_or("");
                assert!(
                    !cred.is_empty() && cred != "public" && cred != "huawei-ro",
                    "credential name, never the secret: {cred}"
                );
            }
            None => assert!(d["snmp"].is_null(), "{}: {d}", h.label),
        }
    }
    // The router answers on both segments: one device with two addresses,
    // its tables walked once.
    let router = find(&devices, "198.18.0.254").unwrap();
    let router_ips: Vec<&str> = router["addresses"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["ip"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(router_ips, ["198.18.0.254", "198.18.1.254"], "{router}");
    assert_eq!(router["snmp"]["sys_name"], "edge-rtr");
    // Its ARP table as read when it answered (the quiet host behind it
    // comes from a second read after the sweep, see its `seen_via`).
    assert!(
        router["snmp"]["arp"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{router}"
    );
    assert!(
        router["snmp"]["interfaces"]
            .as_array()
            .is_some_and(|a| a.len() >= 3),
        "{router}"
    );
    // Vendors from the MAC registry and the fingerprint.
    assert!(lower(&find(&devices, "198.18.0.10").unwrap()["mac_vendor"]).contains("cisco"));
    assert!(lower(&find(&devices, "198.18.0.13").unwrap()["mac_vendor"]).contains("hikvision"));
    let cisco = find(&devices, "198.18.0.10").unwrap();
    assert!(lower(&cisco["vendor"]).contains("cisco"), "{cisco}");
    let huawei = find(&devices, "198.18.0.11").unwrap();
    assert!(lower(&huawei["vendor"]).contains("huawei"), "{huawei}");
    assert_eq!(huawei["vendor_origin"], "domestic");
    assert_eq!(cisco["snmp"]["credential"], "lab-public", "from the file");
    assert_eq!(
        huawei["snmp"]["credential"], "community-1",
        "from the environment"
    );
    assert_eq!(huawei["snmp"]["sys_location"], "北京 3楼机房");
    // Hostile strings: no raw control characters survive.
    let hostile = &find(&devices, "198.18.0.14").unwrap()["snmp"];
    for key in ["sys_name", "sys_descr"] {
        let s = hostile[key].as_str().unwrap_or("");
        assert!(
            !s.is_empty() && !s.chars().any(|c| c.is_control() && c != '\n'),
            "{key}: {s:?}"
        );
    }
    // Secrets never printed.
    assert!(!stdout.contains("huawei-ro") && !stderr.contains("huawei-ro"));
}

#[test]
fn lab_scan_honours_exclusions_on_the_wire() {
    let Some(lab) = lab_or_skip(standard(&unique_prefix("x"), 0)) else {
        return;
    };
    if lab::which("tcpdump").is_none() {
        assert!(
            std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
            "tcpdump missing"
        );
        eprintln!("SKIPPED: tcpdump not installed");
        return;
    }
    // Watch the excluded host's own link for anything addressed to it.
    let excluded = "198.18.0.10";
    let pcap = lab.dir().join("excluded.txt");
    let mut dump: Child = lab::run_in(&lab.host_ns(0), "tcpdump")
        .args([
            "-n",
            "-l",
            "-i",
            "eth0",
            &format!("(arp and arp[24:4] = 0xc612000a) or (ip and dst host {excluded})"),
        ])
        .stdout(std::fs::File::create(&pcap).expect("pcap file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    // And everything the scanner sends, to count it against --rate.
    let sent = lab.dir().join("sent.txt");
    let mut all: Child = lab::run_in(&lab.scanner_ns(), "tcpdump")
        .args(["-n", "-l", "-tt", "-Q", "out", "-i", "eth0"])
        .stdout(std::fs::File::create(&sent).expect("pcap file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    std::thread::sleep(Duration::from_millis(700));
    const RATE: f64 = 400.0;
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.0.0/24",
            "--exclude",
            excluded,
            "--probes",
            "arp,icmp,snmp,dns",
            "--rate",
            "400",
            "--community",
            "public",
            "--format",
            "jsonl",
            "--timeout",
            "300",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(300));
    let _ = dump.kill();
    let _ = dump.wait();
    let _ = all.kill();
    let _ = all.wait();
    // Every probe draws on one bucket: over the run, no more than the rate
    // (plus the bucket's burst of rate/200, and the kernel's own ARP for
    // the SNMP and DNS hosts: a handful).
    let stamps: Vec<f64> = std::fs::read_to_string(&sent)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(stamps.len() > 254, "the sweep was seen: {}", stamps.len());
    // The busiest second of the run (a sliding window over the stamps).
    let mut busiest = 0usize;
    let mut lo = 0usize;
    for (hi, t) in stamps.iter().enumerate() {
        while stamps[lo] <= t - 1.0 {
            lo += 1;
        }
        busiest = busiest.max(hi + 1 - lo);
    }
    let allowed = RATE + RATE / 200.0 + 40.0;
    eprintln!(
        "rate check: {} packets; the busiest second {busiest} at --rate 400",
        stamps.len()
    );
    assert!(
        (busiest as f64) <= allowed,
        "{busiest} packets in one second is over --rate 400"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(&format!("\"{excluded}\"")),
        "excluded host reported: {stdout}"
    );
    assert!(
        stdout.contains("198.18.0.11"),
        "other hosts still found: {stdout}"
    );
    let seen = std::fs::read_to_string(&pcap).unwrap_or_default();
    assert!(
        seen.trim().is_empty(),
        "packets reached the excluded host:\n{seen}"
    );
}

#[test]
fn lab_scan_table_output_and_bad_targets() {
    let Some(lab) = lab_or_skip(standard(&unique_prefix("t"), 0)) else {
        return;
    };
    let out = pandian_in(
        &lab.scanner_ns(),
        &["scan", "198.18.0.8-15", "-c", "public", "--timeout", "300"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("IP "), "{text}");
    assert!(
        text.contains("198.18.0.10") && text.contains("core-sw1.example.test"),
        "{text}"
    );
    assert!(text.contains("devices on 5 of 8 addresses"), "{text}");
    // Control characters from the hostile agent are made visible, not sent to the terminal.
    assert!(
        !text.contains('\u{7}') && !text.contains('\u{1b}'),
        "{text:?}"
    );

    // The secret flag still works, with a warning that it shows in `ps`.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: --community") && stderr.contains("--credentials"),
        "{stderr}"
    );

    let bad = pandian_in(&lab.scanner_ns(), &["scan", "198.18.0.0/33"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a target"));

    // Targets that name no unicast host are refused before any packet
    // (inside the lab's namespace all the same).
    for (args, want) in [
        (&["255.255.255.255"][..], "limited broadcast"),
        (&["224.0.0.1"][..], "multicast"),
        (&["0.0.0.0"][..], "0.0.0.0/8"),
        (
            &["198.18.0.0/24", "198.18.0.255"][..],
            "broadcast address of 198.18.0.0/24",
        ),
    ] {
        let mut a = vec!["scan"];
        a.extend_from_slice(args);
        let out = pandian_in(&lab.scanner_ns(), &a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // A range over the segment's broadcast address scans the rest, and
    // says why .255 was left out (not "run as root": this is root).
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.0.250-198.18.0.255",
            "--timeout",
            "300",
            "--format",
            "jsonl",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        !err.contains("permission denied") && !err.contains("run as root"),
        "{err}"
    );
    assert!(err.contains("broadcast address of 198.18.0.0/24"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("198.18.0.254"));
    // Everything excluded: an error, not an empty success.
    let out = pandian_in(
        &lab.scanner_ns(),
        &["scan", "198.18.0.10-20", "--exclude", "198.18.0.0/24"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("every address") && err.contains("excluded"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no `[]` on stdout");
}

struct Daemon(Child);

impl Daemon {
    fn start(ns: &str, config: &std::path::Path) -> Daemon {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(config.with_extension("log"))
            .expect("daemon log");
        let child = Command::new(bin())
            .args(["serve", "--config"])
            .arg(config)
            .args(["--netns", ns])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start daemon");
        Daemon(child)
    }

    /// SIGTERM and wait (bounded); returns whether it exited successfully.
    fn stop(mut self) -> bool {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let ok =
            poll(Duration::from_secs(20), || self.0.try_wait().ok().flatten()).map(|s| s.success());
        if ok.is_none() {
            let _ = self.0.kill();
        }
        ok.unwrap_or(false)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn done_scans(port: u16) -> usize {
    http_get(port, "/api/v1/scans")
        .ok()
        .and_then(|(_, b)| serde_json::from_str::<Value>(&b).ok())
        .and_then(|v| v["items"].as_array().cloned())
        .map(|v| v.iter().filter(|s| s["status"] == "done").count())
        .unwrap_or(0)
}

/// Every device the API lists (following `next`, bounded).
fn api_devices(port: u16) -> (Vec<Value>, String) {
    let mut out = Vec::new();
    let mut raw = String::new();
    let mut path = "/api/v1/devices?limit=1000".to_string();
    for _ in 0..100 {
        let (status, body) = http_get(port, &path).expect("api");
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("devices JSON");
        out.extend(v["items"].as_array().cloned().unwrap_or_default());
        raw.push_str(&body);
        match v["next"].as_str() {
            Some(n) => path = format!("/api/v1/devices?limit=1000&after={n}"),
            None => break,
        }
    }
    (out, raw)
}

#[test]
fn lab_daemon_stores_serves_and_keeps_history_across_restart() {
    let Some(lab) = lab_or_skip(standard(&unique_prefix("d"), 0)) else {
        return;
    };
    let port = free_port();
    let db = lab.dir().join("daemon.db");
    let config = lab.dir().join("pandian.toml");
    std::fs::write(
        &config,
        format!(
            "[scan]\nsubnets = [\"198.18.0.0/24\", \"198.18.1.0/24\"]\nexclude = [\"198.18.0.200-198.18.0.250\"]\ninterval = \"10s\"\ntimeout_ms = 300\nreverse_dns = false\n\n\
             [snmp]\ntimeout_ms = 500\n\n[[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
             [[snmp.credentials]]\nname = \"lab-huawei\"\nversion = \"2c\"\ncommunity = \"huawei-ro\"\n\n\
             [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            db.display()
        ),
    )
    .expect("write config");

    let d = Daemon::start(&lab.scanner_ns(), &config);
    assert!(
        poll(Duration::from_secs(90), || (done_scans(port) >= 1)
            .then_some(()))
        .is_some(),
        "no scan finished"
    );
    let (first, body) = api_devices(port);
    assert_eq!(
        first.len(),
        8,
        "the router's two addresses are one device: {body}"
    );
    for dev in &first {
        assert!(
            dev["first_seen"].as_str().is_some_and(|s| s.ends_with('Z')),
            "{dev}"
        );
        assert!(dev["last_seen"].is_string());
    }
    let cisco = find(&first, "198.18.0.10").expect("cisco");
    assert_eq!(cisco["snmp"]["credential"], "lab-public");
    assert_eq!(
        find(&first, "198.18.0.11").expect("huawei")["snmp"]["credential"],
        "lab-huawei"
    );
    assert!(!body.contains("huawei-ro"), "secret in API output");

    let (status, html) = http_get(port, "/").expect("page");
    assert_eq!(status, 200);
    assert!(
        html.contains("198.18.0.12") && html.contains("core-sw1.example.test"),
        "page lists devices"
    );
    assert!(
        (html.contains("&lt;b&gt;bold") || html.contains("&#60;b&#62;bold"))
            && !html.contains("<b>bold"),
        "device strings are escaped: {}",
        html.lines()
            .filter(|l| l.contains("bold"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!html.contains("not-configured"));
    // The device page: evidence with MIB names, the SNMP tables, history.
    let huawei = find(&first, "198.18.0.11").expect("huawei");
    let (status, page) =
        http_get(port, &format!("/devices/{}", huawei["id"])).expect("device page");
    assert_eq!(status, 200);
    assert!(
        page.contains("SNMPv2-MIB::sysDescr.0"),
        "OIDs shown by name"
    );
    assert!(
        page.contains("eth0") && page.contains("00:e0:fc:11:00:0b"),
        "interface table"
    );
    assert!(page.contains("id=\"history\""));
    let (status, zh) = http_get(port, "/?lang=zh").expect("zh page");
    assert_eq!(status, 200);
    assert!(zh.contains("设备") && zh.contains("国产"), "Chinese page");
    let (status, health) = http_get(port, "/healthz").expect("healthz");
    assert_eq!((status, health.contains("\"ok\"")), (200, true));
    assert!(d.stop(), "daemon exits 0 on SIGTERM");

    // Restart on the same database: history kept, no duplicate devices.
    let d = Daemon::start(&lab.scanner_ns(), &config);
    assert!(
        poll(Duration::from_secs(90), || (done_scans(port) >= 2)
            .then_some(()))
        .is_some(),
        "second scan did not finish"
    );
    let (second, body) = api_devices(port);
    assert_eq!(second.len(), 8, "same devices after a restart: {body}");
    let c2 = find(&second, "198.18.0.10").expect("cisco again");
    assert_eq!(c2["first_seen"], cisco["first_seen"]);
    assert!(c2["last_seen"].as_str() >= cisco["last_seen"].as_str());
    assert!(d.stop());

    // The store itself, read directly.
    let store = pandian::store::Store::open(&db).expect("open db");
    let o = store.overview().expect("overview");
    // 8 addresses answered (the quiet host only a router's table names);
    // they are 8 devices (the router answers on two, a quiet host is one).
    let last = o.last_done.expect("a finished run");
    assert_eq!(
        (last.hosts_up, last.devices),
        (Some(8), Some(8)),
        "{last:?}"
    );
    let count = |sql: &str| -> i64 {
        store
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    };
    // Observations collapse by change: the SNMP hosts' system groups are
    // one row each that every scan extended.
    assert!(
        count(
            "SELECT COUNT(*) FROM observations WHERE key = 'snmp:1.3.6.1.2.1.1' AND last_run > first_run"
        ) >= 5,
        "unchanged values are not written again"
    );
    for run in [1, 2] {
        // Every SNMP agent answered in every run (5 hosts and the router,
        // whose agent listens on its first segment only) and had its
        // interface table read.
        for key in ["snmp:1.3.6.1.2.1.1", "snmp:1.3.6.1.2.1.2.2"] {
            assert_eq!(
                count(&format!(
                    "SELECT COUNT(DISTINCT subject_id) FROM observations WHERE key = '{key}' AND first_run <= {run} AND last_run >= {run}"
                )),
                6,
                "run {run}: {key}"
            );
        }
    }
    let remembered = store.preferred_credentials().expect("credentials");
    assert_eq!(
        remembered
            .get(&"198.18.0.11".parse().unwrap())
            .map(String::as_str),
        Some("lab-huawei")
    );
}

/// Render a page in headless Chromium and return the DOM it built.
fn chromium_dom(url: &str) -> Option<String> {
    let browser = ["chromium", "chromium-browser"]
        .into_iter()
        .find_map(lab::which)?;
    let profile = std::env::temp_dir().join(format!("pandian-chromium-{}", std::process::id()));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(profile);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn lab_demo_command_runs_serves_and_cleans_up() {
    if !lab::is_root() {
        assert!(std::env::var("PANDIAN_REQUIRE_LAB").is_err(), "needs root");
        eprintln!("SKIPPED: the demo needs root");
        return;
    }
    let port = free_port();
    let mut child = Command::new(bin())
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--duration",
            "45",
            "--interval",
            "15s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start demo");
    let prefix = format!("pdm{}-", child.id() % 100_000);
    let devices = poll(Duration::from_secs(60), || {
        let (_, body) = http_get(port, "/api/v1/devices").ok()?;
        let v: Value = serde_json::from_str(&body).ok()?;
        let v = v["items"].as_array()?.clone();
        (v.len() >= 8).then_some(v)
    });
    let dom = chromium_dom(&format!("http://127.0.0.1:{port}/"));
    let status = poll(Duration::from_secs(60), || child.try_wait().ok().flatten());
    if status.is_none() {
        let _ = child.kill();
    }
    let devices = devices.expect("the demo found the lab's devices");
    assert!(
        devices
            .iter()
            .any(|d| d["hostname"] == "huawei-switch.lab.test" && d["vendor_origin"] == "domestic"),
        "{devices:?}"
    );
    match dom {
        Some(dom) => {
            assert!(
                dom.contains("<table id=\"devices\">") && dom.contains("198.18.0.11"),
                "Chromium rendered the device table"
            );
            assert!(
                !dom.contains("<b>bold</b>"),
                "no markup injected into the DOM"
            );
        }
        None => {
            assert!(
                std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
                "chromium is not installed"
            );
            eprintln!("(chromium not installed: page render check skipped)");
        }
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "the demo stops cleanly after --duration"
    );
    let left = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip");
    let left = String::from_utf8_lossy(&left.stdout);
    assert!(
        !left.contains(&prefix),
        "the demo removed its namespaces: {left}"
    );
    // And everything else it made (SIGTERM from --duration).
    let left = demo_leftovers(child.id());
    assert!(left.is_empty(), "left behind: {left}");
}

/// The lab directories a demo with this pid made (or that claim its name).
fn demo_lab_dirs(pid: u32) -> Vec<std::path::PathBuf> {
    let stem = format!("pandian-lab-pdm{}-", pid % 100_000);
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(&stem))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Everything a demo run leaves behind, as text (empty: nothing).
fn demo_leftovers(pid: u32) -> String {
    let prefix = format!("pdm{}-", pid % 100_000);
    let mut left = Vec::new();
    let ns = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip");
    for line in String::from_utf8_lossy(&ns.stdout).lines() {
        if line.starts_with(&prefix) {
            left.push(format!("namespace {line}"));
        }
    }
    if std::path::Path::new("/etc/netns")
        .join(format!("{prefix}scan"))
        .exists()
    {
        left.push(format!("/etc/netns/{prefix}scan"));
    }
    for d in demo_lab_dirs(pid) {
        left.push(format!("directory {}", d.display()));
    }
    // Agents started for it: their command lines name its lab directory.
    let needle = format!("pandian-lab-pdm{}-", pid % 100_000);
    for p in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmd) = std::fs::read(p.path().join("cmdline"))
            && String::from_utf8_lossy(&cmd).contains(&needle)
        {
            left.push(format!("process {}", p.file_name().to_string_lossy()));
        }
    }
    left.join("\n")
}

/// Start `pandian ARGS` in a shell that waits for `go` to exist before it
/// execs, so the demo's pid is known before it runs.
fn spawn_when(go: &std::path::Path, args: &[&str], log: &std::path::Path) -> Child {
    Command::new("sh")
        .arg("-c")
        .arg("i=0; while [ ! -e \"$1\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; shift; exec \"$@\"")
        .arg("sh")
        .arg(go)
        .arg(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log"))
        .spawn()
        .expect("spawn")
}

fn signal(child: &Child, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), sig);
}

/// A demo or daemon started by a test: if the test fails first, it gets
/// SIGTERM (so a demo removes its lab) and is killed after 30 s.
struct Stopping(Child);

impl Drop for Stopping {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_some() {
            return;
        }
        signal(&self.0, nix::sys::signal::Signal::SIGTERM);
        if poll(Duration::from_secs(30), || self.0.try_wait().ok().flatten()).is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn lab_demo_ignores_a_planted_directory_and_cleans_up_on_sighup_and_sigint() {
    if !lab::is_root() {
        assert!(std::env::var("PANDIAN_REQUIRE_LAB").is_err(), "needs root");
        eprintln!("SKIPPED: the demo needs root");
        return;
    }
    assert!(
        lab::which("setpriv").is_some(),
        "setpriv (util-linux) is needed"
    );
    // A root-owned file the attacker wants overwritten, in a private directory.
    let scratch = std::env::temp_dir().join(format!("pandian-plant-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir(&scratch).expect("scratch");
    let victim = scratch.join("victim");
    std::fs::write(&victim, "precious").expect("victim");
    let go = scratch.join("go");
    let log = scratch.join("demo.log");
    let port = free_port();
    let mut child = Stopping(spawn_when(
        &go,
        &[
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--interval",
            "15s",
        ],
        &log,
    ));
    let pid = child.0.id();
    // As user nobody: plant the directory the demo used to take by its
    // predictable name, with `owner` pointing at the victim and a config
    // file the attacker can read.
    let planted = std::env::temp_dir().join(format!("pandian-lab-pdm{}", pid % 100_000));
    let _ = std::fs::remove_dir_all(&planted);
    let plant = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c"])
        .arg("mkdir -m 777 \"$1\" && ln -s \"$2\" \"$1/owner\" && printf planted > \"$1/pandian.toml\" && chmod 666 \"$1/pandian.toml\"")
        .arg("sh")
        .arg(&planted)
        .arg(&victim)
        .status()
        .expect("setpriv");
    assert!(plant.success(), "planting as nobody failed");
    std::fs::write(&go, "").expect("go");

    let up = poll(Duration::from_secs(90), || {
        let (_, body) = http_get(port, "/api/v1/devices").ok()?;
        let v: Value = serde_json::from_str(&body).ok()?;
        v["items"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
            .then_some(())
    });
    let demo_log = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(up.is_some(), "the demo came up: {}", demo_log());
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious",
        "victim untouched"
    );
    assert_eq!(
        std::fs::read_to_string(planted.join("pandian.toml")).unwrap(),
        "planted",
        "the planted config was neither overwritten nor filled with communities"
    );
    use std::os::unix::fs::MetadataExt;
    let dirs: Vec<_> = demo_lab_dirs(pid)
        .into_iter()
        .filter(|d| *d != planted)
        .collect();
    assert_eq!(dirs.len(), 1, "one lab directory of its own: {dirs:?}");
    let meta = std::fs::symlink_metadata(&dirs[0]).unwrap();
    assert!(meta.is_dir() && meta.uid() == 0 && meta.mode() & 0o777 == 0o700);
    let conf = std::fs::metadata(dirs[0].join("pandian.toml")).unwrap();
    assert_eq!(conf.mode() & 0o777, 0o600);
    let db = std::fs::metadata(dirs[0].join("pandian-demo.db")).unwrap();
    assert_eq!(db.mode() & 0o777, 0o600, "the database is private too");

    // A closed terminal: SIGHUP stops the demo and removes everything.
    signal(&child.0, nix::sys::signal::Signal::SIGHUP);
    let status = poll(Duration::from_secs(40), || {
        child.0.try_wait().ok().flatten()
    });
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit on SIGHUP: {}",
        demo_log()
    );
    let left: Vec<String> = demo_leftovers(pid)
        .lines()
        .filter(|l| !l.contains(&planted.display().to_string()))
        .map(String::from)
        .collect();
    assert!(left.is_empty(), "left behind after SIGHUP: {left:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let _ = std::fs::remove_dir_all(&planted);

    // SIGINT while the lab is still being built: remembered, and the lab
    // is removed as soon as it stands.
    let go2 = scratch.join("go2");
    let log2 = scratch.join("demo2.log");
    let mut child = Stopping(spawn_when(
        &go2,
        &["demo", "--listen", &format!("127.0.0.1:{}", free_port())],
        &log2,
    ));
    let pid = child.0.id();
    std::fs::write(&go2, "").expect("go");
    let building = poll(Duration::from_secs(30), || {
        std::fs::read_to_string(&log2)
            .ok()
            .filter(|l| l.contains("building the lab"))
            .map(|_| ())
    });
    assert!(building.is_some(), "the second demo started building");
    signal(&child.0, nix::sys::signal::Signal::SIGINT);
    let status = poll(Duration::from_secs(60), || {
        child.0.try_wait().ok().flatten()
    });
    let log2 = std::fs::read_to_string(&log2).unwrap_or_default();
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit on SIGINT: {log2}"
    );
    let left = demo_leftovers(pid);
    assert!(left.is_empty(), "left behind after SIGINT: {left}");
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Scans recorded in the database, newest first: (status, targets, error).
fn scans_in(db: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let Ok(s) = pandian::store::Store::open_read_only(db) else {
        return Vec::new();
    };
    s.scans(100, None)
        .map(|v| {
            v.items
                .into_iter()
                .map(|r| (r.status, r.targets, r.error))
                .collect()
        })
        .unwrap_or_default()
}

/// A small lab: the scanner and the first two hosts of the standard one
/// (a Cisco agent and a Huawei one), no router.
fn small_lab(tag: &str) -> Option<lab::Lab> {
    let mut spec = standard(&unique_prefix(tag), 0);
    spec.hosts.truncate(2);
    spec.router_snmpd = None;
    lab_or_skip(spec)
}

fn serve_config(subnets: &str, port: u16, db: &std::path::Path, extra: &str) -> String {
    format!(
        "[scan]\nsubnets = [{subnets}]\ninterval = \"10s\"\ntimeout_ms = 300\nreverse_dns = false\n{extra}\n\
         [snmp]\ntimeout_ms = 500\nretries = 0\ndepth = \"system\"\n\n[[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
         [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
        db.display()
    )
}

#[test]
fn lab_serve_reloads_its_config_on_sighup_and_keeps_it_when_invalid() {
    let Some(lab) = small_lab("r") else {
        return;
    };
    let port = free_port();
    let db = lab.dir().join("reload.db");
    let config = lab.dir().join("reload.toml");
    write_private(&config, &serve_config("\"198.18.0.0/28\"", port, &db, ""));
    let log = config.with_extension("log");
    let d = Daemon::start(&lab.scanner_ns(), &config);
    let daemon_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let done = |n: usize| {
        poll(Duration::from_secs(40), || {
            let s = scans_in(&db);
            (s.iter().filter(|(st, _, _)| st == "done").count() >= n).then_some(s)
        })
    };
    let first = done(1).unwrap_or_else(|| panic!("no first scan: {}", daemon_log()));
    assert_eq!(first[0].1, "198.18.0.0/28");

    // An invalid file: refused with file, line and key; the old config stays.
    write_private(
        &config,
        &serve_config("\"198.18.0.0/27\"", port, &db, "rate = 0"),
    );
    signal(&d.0, nix::sys::signal::Signal::SIGHUP);
    let refused = poll(Duration::from_secs(15), || {
        let l = daemon_log();
        l.contains("reload refused").then_some(l)
    })
    .unwrap_or_else(|| panic!("no refusal logged: {}", daemon_log()));
    assert!(
        refused.contains(&format!("{} line 6", config.display())) && refused.contains("scan.rate"),
        "{refused}"
    );
    let second = done(2).unwrap_or_else(|| panic!("no second scan: {}", daemon_log()));
    assert_eq!(second[0].1, "198.18.0.0/28", "the running config stayed");

    // A valid one: used from the next scan; web.listen needs a restart.
    let other_port = free_port();
    write_private(
        &config,
        &serve_config("\"198.18.0.0/27\"", other_port, &db, ""),
    );
    signal(&d.0, nix::sys::signal::Signal::SIGHUP);
    let third = done(3).unwrap_or_else(|| panic!("no third scan: {}", daemon_log()));
    assert_eq!(
        third[0].1,
        "198.18.0.0/27",
        "the new subnets: {}",
        daemon_log()
    );
    let l = daemon_log();
    assert!(l.contains("config reloaded"), "{l}");
    assert!(
        l.contains("web.listen") && l.contains("needs a restart"),
        "{l}"
    );
    let (status, _) = http_get(port, "/healthz").expect("the page stays where it was");
    assert_eq!(status, 200);
    assert!(d.stop(), "clean exit on SIGTERM");
    let scans = scans_in(&db);
    assert!(
        scans.iter().all(|(st, _, _)| st != "running"),
        "no scan left running: {scans:?}"
    );
}

fn jobs_config(
    jobs: &[(&str, &str, &str)],
    port: u16,
    db: &std::path::Path,
    extra: &str,
) -> String {
    let mut c = format!(
        "[scan]\ntimeout_ms = 300\nreverse_dns = false\n\n[snmp]\ntimeout_ms = 500\nretries = 0\ndepth = \"system\"\n\n\
         [[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
         [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n",
        db.display()
    );
    for (name, target, schedule) in jobs {
        c.push_str(&format!(
            "[[job]]\nname = \"{name}\"\ntargets = [\"{target}\"]\nschedule = \"{schedule}\"\njitter = \"0s\"\nprobes = [\"arp\", \"snmp\"]\n{extra}\n"
        ));
    }
    c
}

/// (job, status, started, finished) of every run, oldest first.
fn runs_in(db: &std::path::Path) -> Vec<(String, String, String, Option<String>)> {
    let Ok(s) = pandian::store::Store::open_read_only(db) else {
        return Vec::new();
    };
    let mut v: Vec<_> = s
        .scans(500, None)
        .map(|v| {
            v.items
                .into_iter()
                .map(|r| (r.job, r.status, r.started_at, r.finished_at))
                .collect()
        })
        .unwrap_or_default();
    v.reverse();
    v
}

#[test]
fn lab_jobs_run_on_their_schedules_without_overlap_and_reload_adds_and_removes_them() {
    let Some(lab) = small_lab("j") else {
        return;
    };
    let port = free_port();
    let db = lab.dir().join("jobs.db");
    let config = lab.dir().join("jobs.toml");
    write_private(
        &config,
        &jobs_config(
            &[
                ("fast", "198.18.0.10", "10s"),
                ("slow", "198.18.0.11", "12s"),
            ],
            port,
            &db,
            "",
        ),
    );
    let log = config.with_extension("log");
    let d = Daemon::start(&lab.scanner_ns(), &config);
    let daemon_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let count = |runs: &[(String, String, String, Option<String>)], job: &str, done: bool| {
        runs.iter()
            .filter(|r| r.0 == job && (!done || r.1 == "done"))
            .count()
    };
    let both = poll(Duration::from_secs(60), || {
        let r = runs_in(&db);
        (count(&r, "fast", true) >= 2 && count(&r, "slow", true) >= 2).then_some(r)
    })
    .unwrap_or_else(|| {
        panic!(
            "both jobs did not run twice: {:?}\n{}",
            runs_in(&db),
            daemon_log()
        )
    });
    // A job never overlaps itself: each run starts after the one before ended.
    for job in ["fast", "slow"] {
        let mine: Vec<_> = both.iter().filter(|r| r.0 == job).collect();
        for w in mine.windows(2) {
            let ended = w[0].3.as_deref().expect("an earlier run has ended");
            assert!(
                w[1].2.as_str() >= ended,
                "{job} overlapped itself: {mine:?}"
            );
        }
    }

    // Reload: `slow` goes, `late` comes; `fast` goes on untouched.
    write_private(
        &config,
        &jobs_config(
            &[
                ("fast", "198.18.0.10", "10s"),
                ("late", "198.18.0.10/31", "10s"),
            ],
            port,
            &db,
            "",
        ),
    );
    signal(&d.0, nix::sys::signal::Signal::SIGHUP);
    poll(Duration::from_secs(15), || {
        daemon_log().contains("jobs reloaded").then_some(())
    })
    .unwrap_or_else(|| panic!("no reload logged: {}", daemon_log()));
    std::thread::sleep(Duration::from_secs(1));
    let slow_runs = count(&runs_in(&db), "slow", false);
    let fast_before = count(&runs_in(&db), "fast", true);
    let after = poll(Duration::from_secs(40), || {
        let r = runs_in(&db);
        (count(&r, "late", true) >= 1 && count(&r, "fast", true) > fast_before).then_some(r)
    })
    .unwrap_or_else(|| {
        panic!(
            "the added job did not run: {:?}\n{}",
            runs_in(&db),
            daemon_log()
        )
    });
    assert_eq!(
        count(&after, "slow", false),
        slow_runs,
        "a removed job started a run: {after:?}"
    );

    // An invalid reload is refused and the jobs stay.
    write_private(
        &config,
        &jobs_config(
            &[("fast", "198.18.0.10", "10s")],
            port,
            &db,
            "credentials = [\"nope\"]",
        ),
    );
    signal(&d.0, nix::sys::signal::Signal::SIGHUP);
    let refused = poll(Duration::from_secs(15), || {
        let l = daemon_log();
        l.contains("reload refused").then_some(l)
    })
    .unwrap_or_else(|| panic!("no refusal logged: {}", daemon_log()));
    assert!(
        refused.contains("job[0].credentials[0]") && refused.contains("nope"),
        "{refused}"
    );
    let late_before = count(&runs_in(&db), "late", true);
    poll(Duration::from_secs(30), || {
        (count(&runs_in(&db), "late", true) > late_before).then_some(())
    })
    .unwrap_or_else(|| {
        panic!(
            "the old jobs stopped after a refused reload: {}",
            daemon_log()
        )
    });

    let t = std::time::Instant::now();
    assert!(d.stop(), "clean exit on SIGTERM");
    eprintln!("SIGTERM to exit: {:.2} s", t.elapsed().as_secs_f64());
    let runs = runs_in(&db);
    assert!(
        runs.iter().all(|r| r.1 != "running"),
        "no run left running: {runs:?}"
    );

    // `scan --job` runs a configured job once, the daemon's way.
    write_private(
        &config,
        &jobs_config(
            &[
                ("fast", "198.18.0.10", "10s"),
                ("late", "198.18.0.10/31", "10s"),
            ],
            port,
            &db,
            "",
        ),
    );
    let path = config.to_str().expect("path");
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan", "--config", path, "--job", "late", "--format", "jsonl",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"198.18.0.10\"") && text.contains("\"198.18.0.11\""),
        "{text}"
    );
    let out = pandian_in(
        &lab.scanner_ns(),
        &["scan", "--config", path, "--job", "gone"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("no job is named `gone`")
            && err.contains("fast, late"),
        "{err}"
    );
}

#[test]
fn lab_idle_connections_do_not_starve_the_page_or_the_scans() {
    let Some(lab) = small_lab("c") else {
        return;
    };
    if lab::which("prlimit").is_none() {
        assert!(
            std::env::var("PANDIAN_REQUIRE_LAB").is_err(),
            "prlimit (util-linux) missing"
        );
        eprintln!("SKIPPED: prlimit not installed");
        return;
    }
    // This test holds 1,100 sockets itself.
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).expect("raise our own limit");
    assert!(
        hard >= 4096,
        "the test needs room for its 1,100 sockets (hard limit {hard})"
    );

    let port = free_port();
    let db = lab.dir().join("flood.db");
    let config = lab.dir().join("flood.toml");
    write_private(&config, &serve_config("\"198.18.0.0/24\"", port, &db, ""));
    let log = std::fs::File::create(config.with_extension("log")).expect("log");
    // The usual soft limit, made hard so the daemon cannot raise it.
    let mut child = Stopping(
        Command::new("prlimit")
            .arg("--nofile=1024:1024")
            .arg("--")
            .arg(bin())
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--netns", &lab.scanner_ns()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start daemon"),
    );
    let daemon_log = || std::fs::read_to_string(config.with_extension("log")).unwrap_or_default();
    let done = || scans_in(&db).iter().filter(|(s, _, _)| s == "done").count();
    assert!(
        poll(Duration::from_secs(40), || (done() >= 1).then_some(())).is_some(),
        "no first scan: {}",
        daemon_log()
    );

    // 1,100 idle connections: more than the daemon's whole descriptor limit.
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let mut idle = Vec::new();
    for _ in 0..1100 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
            idle.push(s);
        }
    }
    assert!(idle.len() >= 1024, "only {} connections opened", idle.len());
    let before = done();
    let health = poll(Duration::from_secs(20), || {
        http_get(port, "/healthz").ok().filter(|(s, _)| *s == 200)
    });
    assert!(
        health.is_some(),
        "/healthz answers with {} idle connections open",
        idle.len()
    );
    // The next scan runs to completion while they are held open.
    let scanned = poll(Duration::from_secs(40), || (done() > before).then_some(()));
    let scans = scans_in(&db);
    drop(idle);
    signal(&child.0, nix::sys::signal::Signal::SIGTERM);
    let status = poll(Duration::from_secs(20), || {
        child.0.try_wait().ok().flatten()
    });
    let l = daemon_log();
    assert!(
        scanned.is_some(),
        "no scan finished under the flood: {scans:?}\n{l}"
    );
    assert!(
        scans.iter().all(|(s, _, _)| s != "failed"),
        "a scan failed: {scans:?}"
    );
    assert!(!l.contains("Too many open files"), "{l}");
    assert!(status.is_some_and(|s| s.success()), "{l}");
}
