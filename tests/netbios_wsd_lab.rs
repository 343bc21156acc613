//! NetBIOS node status and WS-Discovery on a real network: a lab with
//! Samba's nmbd on one host, wsdd2 (a real WS-Discovery responder that
//! answers unicast Probes) on another, a hostile responder sending
//! truncated, oversize and script-laden answers on a third, an excluded
//! host running nmbd and a non-target. `pandian scan --format json` in the
//! scanner's namespace must report each host's facts, clean and bounded,
//! and tcpdump must see nothing sent to the excluded host or the
//! non-target, nor any broadcast or multicast. Needs root; skips otherwise
//! (fails under PANDIAN_REQUIRE_LAB=1).

// Test helpers read the test's own files: a failure there is the test's failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::{self, HostSpec, LabSpec};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::process::Stdio;
use std::time::Duration;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 120, o)
}

const FILER: u8 = 10;
const WSD: u8 = 11;
const HOSTILE: u8 = 12;
const EXCLUDED: u8 = 13;
/// Outside the scanned 198.18.120.0/27.
const OUTSIDE: u8 = 100;

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8| HostSpec {
        label: label.into(),
        segment: 0,
        ip: ip(o),
        // Locally administered: no vendor, so no vendor's default class;
        // the class can only come from what the host announces.
        mac: [0x02, 0x00, 0x00, 0x78, 0x00, o],
        drop_icmp: false,
        snmpd: None,
    };
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.120.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            host("filer", FILER),
            host("wsd", WSD),
            host("hostile", HOSTILE),
            host("excluded", EXCLUDED),
            host("outside", OUTSIDE),
        ],
        router_snmpd: None,
    }
}

/// A UDP responder on 137 and 3702 answering every request with what a
/// broken or hostile device might send: for NetBIOS a truncated answer, an
/// oversize one (255 names claimed, 9 KB), then a well-formed one whose
/// names carry markup and terminal escapes; for WS-Discovery a cut XML
/// document, then a ProbeMatches with a script tag and a 60 KB scope.
const HOSTILE_PY: &str = r#"
import re, select, socket, struct, sys
ip = sys.argv[1]
nb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); nb.bind((ip, 137))
ws = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ws.bind((ip, 3702))
def rr(tid, rdata):
    name = b'\x20' + b'CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' + b'\x00'
    return tid + b'\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00' + name + b'\x00\x21\x00\x01\x00\x00\x00\x00' + struct.pack('>H', len(rdata)) + rdata
def entry(name, suffix, flags):
    return name.ljust(15)[:15] + bytes([suffix]) + struct.pack('>H', flags)
def nbstat(tid):
    cut = rr(tid, b'\x05' + b'A' * 40)[:-20]
    huge = rr(tid, b'\xff' + entry(b'FLOOD', 0, 0x0400) * 500)
    names = [entry(b'<script>\x1b[31mX', 0, 0x0400), entry(b'EVIL\x07GROUP', 0, 0x8400), entry(b'<script>\x1b[31mX', 0x20, 0x0400)]
    good = rr(tid, bytes([len(names)]) + b''.join(names) + bytes([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]) + b'\x00' * 40)
    return [cut, huge, good]
def wsd(req):
    m = re.search(rb'<wsa:MessageID>([^<]*)</wsa:MessageID>', req)
    rel = m.group(1) if m else b''
    body = (b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
        b'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
        b'xmlns:wprt="http://schemas.microsoft.com/windows/2006/08/wdp/print">'
        b'<soap:Header><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>'
        b'<wsa:RelatesTo>' + rel + b'</wsa:RelatesTo></soap:Header><soap:Body><wsd:ProbeMatches><wsd:ProbeMatch>'
        b'<wsd:Types>wprt:PrintDeviceType</wsd:Types>'
        b'<wsd:Scopes>&lt;script&gt;alert(1)&lt;/script&gt; http://x/' + b'A' * 60000 + b'</wsd:Scopes>'
        b'<wsd:XAddrs>http://198.18.120.12:80/wsd</wsd:XAddrs></wsd:ProbeMatch></wsd:ProbeMatches></soap:Body></soap:Envelope>')
    return [body[:300], body]
while True:
    r, _, _ = select.select([nb, ws], [], [])
    for s in r:
        d, a = s.recvfrom(65535)
        for p in (nbstat(d[:2]) if s is nb else wsd(d)):
            s.sendto(p, a)
"#;

fn device(all: &[Value], o: u8) -> &Value {
    let want = ip(o).to_string();
    all.iter()
        .find(|d| d["ip"] == want.as_str())
        .unwrap_or_else(|| panic!("{want} not found: {all:#?}"))
}

/// The class the store's fingerprint gives the device at `o`.
fn stored_class(db: &std::path::Path, o: u8) -> Option<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let identity: String = conn
        .query_row(
            "SELECT f.identity FROM fingerprints f JOIN device_addresses a \
             ON a.device_id = f.device_id WHERE a.ip = ?1",
            [ip(o).to_string()],
            |r| r.get(0),
        )
        .ok()?;
    let v: Value = serde_json::from_str(&identity).unwrap();
    v["class"].as_str().map(str::to_string)
}

fn facts(d: &Value, source: &str, key: &str) -> Vec<String> {
    d["announced"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["source"] == source && a["key"] == key)
        .map(|a| a["value"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lab_netbios_and_wsd_probes_find_names_and_types() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("nw"))) else {
        return;
    };
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    for prog in ["nmbd", "wsdd2", "tcpdump", "python3"] {
        if lab::which(prog).is_none() {
            assert!(!require, "{prog} missing: run scripts/setup-debian");
            eprintln!("SKIPPED: {prog} not installed");
            return;
        }
    }
    lab::samba::start(&mut lab, 0, "LABFILER", "LABGROUP").expect("nmbd");
    lab::wsdd::start(&mut lab, 1, "wsdhost", "WSDHOST", "LABGROUP").expect("wsdd2");
    lab::samba::start(&mut lab, 3, "NOTME", "LABGROUP").expect("nmbd on the excluded host");
    let script = lab.dir().join("hostile.py");
    std::fs::write(&script, HOSTILE_PY).unwrap();
    let ns = lab.host_ns(2);
    let mut cmd = lab.command_in(&ns, "python3");
    cmd.arg(&script)
        .arg(ip(HOSTILE).to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(&ns, cmd).unwrap();

    // Everything the scanner sends over IP.
    let sent = lab.dir().join("sent.txt");
    let mut dump = lab::run_in(&lab.scanner_ns(), "tcpdump")
        .args(["-n", "-l", "-Q", "out", "-i", "eth0", "ip"])
        .stdout(std::fs::File::create(&sent).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let db = lab.dir().join("scan.db");
    let db_s = db.display().to_string();
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.120.0/27",
            "--db",
            &db_s,
            "--exclude",
            &ip(EXCLUDED).to_string(),
            "--probes",
            "arp,icmp,netbios,wsd",
            "--format",
            "json",
            "--timeout",
            "400",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    let _ = dump.kill();
    let _ = dump.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scan failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let all: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for d in &all {
        eprintln!("{} announced {}", d["ip"], d["announced"]);
    }

    // nmbd: its names, workgroup and services; Samba's unit ID is zero.
    let filer = device(&all, FILER);
    assert_eq!(facts(filer, "netbios", "name"), ["LABFILER"], "{filer:#}");
    assert_eq!(facts(filer, "netbios", "workgroup"), ["LABGROUP"]);
    let services = facts(filer, "netbios", "service");
    for s in ["file-server", "messenger", "browser-election"] {
        assert!(services.iter().any(|v| v == s), "{s}: {services:?}");
    }
    assert!(facts(filer, "netbios", "mac").is_empty());
    assert!(facts(filer, "wsd", "type").is_empty());

    // wsdd2: its types and transport address.
    let wsd = device(&all, WSD);
    assert_eq!(
        facts(wsd, "wsd", "type"),
        ["pub:Computer", "wsdp:Device"],
        "{wsd:#}"
    );
    let xaddrs = facts(wsd, "wsd", "xaddr");
    assert!(
        xaddrs.len() == 1 && xaddrs[0].starts_with("http://198.18.120.11:"),
        "{xaddrs:?}"
    );

    // The hostile host: the garbage is skipped, the rest cleaned and bounded.
    let h = device(&all, HOSTILE);
    let names = facts(h, "netbios", "name");
    assert_eq!(names, ["<script> [31mX"], "{h:#}");
    assert_eq!(facts(h, "netbios", "workgroup"), ["EVIL GROUP"]);
    assert_eq!(facts(h, "netbios", "mac"), ["02:00:5e:10:20:30"]);
    assert_eq!(facts(h, "wsd", "type"), ["wprt:PrintDeviceType"]);
    let scopes = facts(h, "wsd", "scope");
    assert!(
        scopes.iter().any(|s| s == "<script>alert(1)</script>"),
        "{scopes:?}"
    );
    assert!(
        scopes
            .iter()
            .all(|s| s.chars().count() <= pandian::announce::MAX_VALUE),
        "bounded"
    );
    for d in &all {
        for a in d["announced"].as_array().unwrap() {
            let v = a["value"].as_str().unwrap();
            assert!(!v.chars().any(char::is_control), "{v:?}");
        }
    }

    // The facts vote in the stored fingerprint: a print device type makes
    // a printer; a file server or pub:Computer, with nothing else to go
    // on, a workstation.
    for (o, want) in [
        (FILER, "workstation"),
        (WSD, "workstation"),
        (HOSTILE, "printer"),
    ] {
        assert_eq!(stored_class(&db, o).as_deref(), Some(want), "{}", ip(o));
    }

    // Nothing to the excluded host or the non-target; no broadcast or
    // multicast; and the probes were seen on the wire.
    let wire = std::fs::read_to_string(&sent).unwrap();
    for bad in [
        format!("> {}.", ip(EXCLUDED)),
        format!("> {}.", ip(OUTSIDE)),
        "> 198.18.120.255.".to_string(),
        "> 239.".to_string(),
        "> 224.".to_string(),
    ] {
        assert!(
            !wire.lines().any(|l| l.contains(&bad)),
            "sent {bad}: {wire}"
        );
    }
    assert!(
        all.iter()
            .all(|d| d["ip"] != ip(EXCLUDED).to_string().as_str())
    );
    for o in [FILER, WSD, HOSTILE] {
        for port in [137, 3702] {
            let to = format!("> {}.{port}:", ip(o));
            assert!(wire.lines().any(|l| l.contains(&to)), "no {to}: {wire}");
        }
    }
}
