//! The segment-wide multicast probes on a real segment (198.18.161.0/24):
//! a printer announcing itself through avahi-daemon (and serving HTTP on
//! port 80), a minidlnad media server (deaf to unicast SSDP: it hears only
//! the group), a wsdd2 WS-Discovery responder, a phone whose avahi-daemon
//! answers mDNS while it drops ICMP echo and ignores ARP requests, a
//! non-target on the same segment running avahi-daemon and wsdd2, a
//! hostile target answering both groups with script tags, control
//! characters, a 64 KiB TXT record and a LOCATION on the non-target, and a
//! host a later job excludes.
//!
//! `pandian scan --segment-probes --probes arp,icmp,banners` (no unicast
//! mDNS, SSDP or WS-Discovery) must find each target's facts by the
//! multicast path, with tcpdump seeing the queries go to the three groups
//! and no mDNS, SSDP or WS-Discovery datagram to any single host; the
//! printer is one device with its multicast and its banner facts, the
//! phone is recorded though only multicast heard it, and the non-target's
//! answers are dropped (and counted in the debug log). With an exclusion on
//! the segment, or without `--segment-probes`, nothing is multicast at all,
//! and the exclusion's warning names every probe. Needs root; skips
//! otherwise (fails under PANDIAN_REQUIRE_LAB=1).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::avahi::{self, AvahiService, AvahiSpec};
use pandian::lab::minidlna::{self, MinidlnaSpec};
use pandian::lab::{self, HostSpec, LabSpec};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::process::{Child, Stdio};
use std::time::Duration;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 161, o)
}

const PRINTER: u8 = 20;
const DLNA: u8 = 21;
const WSD: u8 = 22;
const PHONE: u8 = 23;
const HOSTILE: u8 = 24;
/// Excluded by the careful job.
const EXCLUDED: u8 = 30;
/// On the segment, outside the targets (198.18.161.16/28).
const NON_TARGET: u8 = 40;
const TARGETS: &str = "198.18.161.16/28";

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8, mac: [u8; 6]| HostSpec::plain(label, ip(o), mac);
    let mut phone = host("phone", PHONE, [0x02, 0x5a, 0x11, 0xa1, 0x00, PHONE]);
    phone.drop_icmp = true;
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.161.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            host("printer", PRINTER, [0x3c, 0xd9, 0x2b, 0xa1, 0x00, PRINTER]),
            host("dlna", DLNA, [0x00, 0x1b, 0x21, 0xa1, 0x00, DLNA]),
            host("wsd", WSD, [0x02, 0x00, 0x00, 0xa1, 0x00, WSD]),
            phone,
            host(
                "excluded",
                EXCLUDED,
                [0x3c, 0xd9, 0x2b, 0xa1, 0x00, EXCLUDED],
            ),
            host(
                "outside",
                NON_TARGET,
                [0x02, 0x00, 0x00, 0xa1, 0x00, NON_TARGET],
            ),
            host("hostile", HOSTILE, [0x02, 0x00, 0x00, 0xa1, 0x00, HOSTILE]),
        ],
        router_snmpd: None,
    }
}

/// A hostile target listening on the mDNS and SSDP groups: every mDNS
/// query gets a datagram of garbage, then script tags, control characters
/// and a 64 KiB TXT record; every M-SEARCH gets a LOCATION on the
/// non-target (never to be fetched), then one on itself, whose description
/// (HTTP on 8080) has script tags and a 5,000-character model.
const HOSTILE_PY: &str = r#"
import socket, struct, threading, http.server, sys
ME, OUT = sys.argv[1], sys.argv[2]
def joined(group, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(group) + socket.inet_aton(ME))
    return s
def name(n):
    return b"".join(bytes([len(l)]) + l for l in n) + b"\0"
def rr(owner, t, data):
    return name(owner) + struct.pack(">HHIH", t, 1, 10, len(data)) + data
services = [b"_services", b"_dns-sd", b"_udp", b"local"]
ipp = [b"_ipp", b"_tcp", b"local"]
inst = [b"<script>alert(1)</script>"] + ipp
rev = [x.encode() for x in reversed(ME.split("."))] + [b"in-addr", b"arpa"]
txt = b""
for s in [b"usb_MFG=<script>alert('mfg')</script>", b"ty=Evil\xe2\x80\xae\x1b[31m Printer\x07"]:
    txt += bytes([len(s)]) + s
while len(txt) < 64000:
    s = b"pad=" + b"A" * 251
    txt += bytes([len(s)]) + s
records = [
    rr(services, 12, name(ipp)),
    rr(ipp, 12, name(inst)),
    rr(inst, 33, struct.pack(">HHH", 0, 0, 631) + name([b"evil\x07host", b"local"])),
    rr(inst, 16, txt),
    rr(rev, 12, name([b"evil\x07host", b"local"])),
]
def mdns():
    s = joined("224.0.0.251", 5353)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.bind((ME, 0))
    while True:
        q, peer = s.recvfrom(2048)
        if peer[1] == 5353:
            continue
        qid = q[:2]
        out.sendto(qid + b"\x84\0\0\x05\0\x03\0\0\xc0\x0c\xc0\x0c", peer)
        body = b"".join(records)
        out.sendto(qid + struct.pack(">HHHHH", 0x8400, 0, len(records), 0, 0) + body, peer)
def ssdp():
    s = joined("239.255.255.250", 1900)
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.bind((ME, 0))
    while True:
        q, peer = s.recvfrom(2048)
        if not q.startswith(b"M-SEARCH"):
            continue
        for host in (OUT, ME):
            out.sendto(("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
                        "USN: uuid:evil::urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
                        "SERVER: <script>alert('server')</script> " + "B" * 3000 + "\r\n"
                        "LOCATION: http://" + host + ":8080/desc.xml\r\n\r\n").encode(), peer)
DESC = ("<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device>"
        "<deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>"
        "<friendlyName><script>alert('x')</script>Evil &amp; TV</friendlyName>"
        "<modelName>" + "M" * 5000 + "</modelName></device></root>").encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(DESC)))
        self.end_headers()
        try:
            self.wfile.write(DESC)
        except Exception:
            pass
    def log_message(self, *a):
        pass
threading.Thread(target=mdns, daemon=True).start()
threading.Thread(target=ssdp, daemon=True).start()
http.server.ThreadingHTTPServer((ME, 8080), H).serve_forever()
"#;

/// tcpdump of what `ns` sends on eth0 into a lab file.
fn tcpdump_out(lab: &lab::Lab, ns: &str, file: &str, filter: &str) -> (Child, std::path::PathBuf) {
    let path = lab.dir().join(file);
    let child = lab::run_in(ns, "tcpdump")
        .args(["-n", "-l", "-i", "eth0", "-Q", "out", filter])
        .stdout(std::fs::File::create(&path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    (child, path)
}

/// Run `pandian scan` with `args` in the scanner's namespace while
/// tcpdump watches what the scanner sends (`filter`): (devices, stderr,
/// capture).
fn scan(lab: &lab::Lab, tag: &str, args: &[&str], filter: &str) -> (Vec<Value>, String, String) {
    let (mut dump, path) = tcpdump_out(lab, &lab.scanner_ns(), &format!("{tag}.txt"), filter);
    // tcpdump needs a moment to open its capture.
    std::thread::sleep(Duration::from_millis(500));
    let mut all = vec!["scan", TARGETS, "--format", "json", "--timeout", "400"];
    all.extend_from_slice(args);
    let started = std::time::Instant::now();
    let out = pandian_in_env(
        &lab.scanner_ns(),
        &all,
        &[("RUST_LOG", "info,pandian::sweep::multicast=debug")],
    );
    eprintln!("{tag}: scan took {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(300));
    let _ = dump.kill();
    let _ = dump.wait();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{tag}: scan failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let devices: Vec<Value> =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (
        devices,
        stderr,
        std::fs::read_to_string(&path).unwrap_or_default(),
    )
}

fn facts<'a>(d: &'a Value, source: &str, key: &str) -> Vec<&'a str> {
    d["announced"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["source"] == source && f["key"] == key)
                .filter_map(|f| f["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn devices_at(devices: &[Value], o: u8) -> Vec<&Value> {
    let want = ip(o).to_string();
    devices
        .iter()
        .filter(|d| {
            d["addresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["ip"] == want.as_str()))
        })
        .collect()
}

fn device(devices: &[Value], o: u8) -> &Value {
    let found = devices_at(devices, o);
    assert_eq!(found.len(), 1, "{}: {devices:#?}", ip(o));
    found[0]
}

fn start_services(lab: &mut lab::Lab) {
    avahi::start(
        lab,
        0,
        &AvahiSpec {
            host_name: "HP18602408C229".into(),
            services: vec![AvahiService {
                name: "HP OfficeJet Pro 8730 [08C229]".into(),
                kind: "_ipp._tcp".into(),
                port: 631,
                txt: vec![
                    "txtvers=1".into(),
                    "ty=HP OfficeJet Pro 8730".into(),
                    "usb_MFG=HP".into(),
                ],
            }],
        },
    )
    .unwrap();
    // The printer's web page: a banner fact only the unicast probes read.
    let web = lab.dir().join("www");
    std::fs::create_dir_all(&web).unwrap();
    let mut http = lab.command_in(&lab.host_ns(0), "python3");
    http.args(["-m", "http.server", "80", "--bind"])
        .arg(ip(PRINTER).to_string())
        .arg("--directory")
        .arg(&web)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let ns0 = lab.host_ns(0);
    lab.spawn_in(&ns0, http).unwrap();
    minidlna::start(
        lab,
        1,
        &MinidlnaSpec {
            friendly_name: "Lab Media".into(),
            serial: "4D4C0015".into(),
            model_number: "1.3.2".into(),
        },
    )
    .unwrap();
    lab::wsdd::start(lab, 2, "lab-filer", "LABFILER", "LABGROUP").unwrap();
    // The phone answers mDNS only: no echo (nftables), no ARP replies,
    // and no ARP request of its own (it knows the scanner's MAC), so
    // nothing but its mDNS answer can show the scanner it is there.
    let ns3 = lab.host_ns(3);
    let scanner_mac = lab
        .command_in(&lab.scanner_ns(), "cat")
        .arg("/sys/class/net/eth0/address")
        .output()
        .unwrap();
    let scanner_mac = String::from_utf8_lossy(&scanner_mac.stdout)
        .trim()
        .to_string();
    for args in [
        vec!["sysctl", "-qw", "net.ipv4.conf.eth0.arp_ignore=8"],
        vec![
            "ip",
            "neigh",
            "replace",
            "198.18.161.1",
            "lladdr",
            &scanner_mac,
            "dev",
            "eth0",
            "nud",
            "permanent",
        ],
    ] {
        let ok = lab
            .command_in(&ns3, args[0])
            .args(&args[1..])
            .status()
            .unwrap();
        assert!(ok.success(), "{args:?}");
    }
    avahi::start(
        lab,
        3,
        &AvahiSpec {
            host_name: "Alices-iPhone".into(),
            services: vec![AvahiService {
                name: "Alices-iPhone".into(),
                kind: "_companion-link._tcp".into(),
                port: 49152,
                txt: vec!["rpBA=00:11:22:33:44:55".into()],
            }],
        },
    )
    .unwrap();
    avahi::start(
        lab,
        5,
        &AvahiSpec {
            host_name: "neighbours-nas".into(),
            services: vec![AvahiService {
                name: "Neighbours NAS".into(),
                kind: "_smb._tcp".into(),
                port: 445,
                txt: Vec::new(),
            }],
        },
    )
    .unwrap();
    lab::wsdd::start(lab, 5, "neighbours-nas", "NEIGHBOURS", "ELSEWHERE").unwrap();
    let script = lab.dir().join("hostile.py");
    std::fs::write(&script, HOSTILE_PY).unwrap();
    let ns6 = lab.host_ns(6);
    let mut py = lab.command_in(&ns6, "python3");
    py.arg(&script)
        .arg(ip(HOSTILE).to_string())
        .arg(ip(NON_TARGET).to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(&ns6, py).unwrap();
    let listening = || {
        lab.command_in(&ns6, "ss")
            .args(["-Hltn", "sport = :8080"])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    };
    assert!(
        poll(Duration::from_secs(10), || listening().then_some(())).is_some(),
        "the hostile responder did not start"
    );
}

/// What the scanner multicasts or broadcasts, and its pings (which show
/// that the capture ran).
const WATCH_GROUPS: &str = "icmp or (ip and (multicast or broadcast))";

/// The capture saw the scan's pings and nothing multicast or broadcast.
fn no_groups(wire: &str, when: &str) {
    assert!(
        wire.contains("ICMP echo request"),
        "no capture {when}: {wire}"
    );
    for line in wire.lines() {
        assert!(line.contains(": ICMP "), "multicast {when}: {line}");
    }
}

/// What the scanner sends to the discovery ports.
const DISCOVERY: &str = "udp and (dst port 5353 or dst port 1900 or dst port 3702)";

#[test]
fn lab_segment_probes_hear_multicast_answers_from_targets_only() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("sg"))) else {
        return;
    };
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    for tool in [
        "tcpdump",
        "avahi-daemon",
        "minidlnad",
        "wsdd2",
        "python3",
        "nft",
    ] {
        if lab::which(tool).is_none() {
            assert!(!require, "{tool} missing");
            eprintln!("SKIPPED: {tool} not installed (scripts/setup-debian)");
            return;
        }
    }
    let started = std::time::Instant::now();
    start_services(&mut lab);
    // What reaches the non-target addressed to it alone (the group queries
    // are for every host on the segment).
    let (mut d_out, p_out) = {
        let path = lab.dir().join("outside.txt");
        let child = lab::run_in(&lab.host_ns(5), "tcpdump")
            .args(["-n", "-l", "-i", "eth0", "-Q", "in"])
            .arg(format!("ip and dst host {}", ip(NON_TARGET)))
            .stdout(std::fs::File::create(&path).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("tcpdump");
        (child, path)
    };

    // The multicast path: no unicast mDNS, SSDP or WS-Discovery probe runs.
    let db = lab.dir().join("segment.db");
    let db_arg = db.display().to_string();
    let (devices, log, wire) = scan(
        &lab,
        "open",
        &[
            "--segment-probes",
            "--probes",
            "arp,icmp,banners",
            "--db",
            &db_arg,
        ],
        DISCOVERY,
    );
    let _ = d_out.kill();
    let _ = d_out.wait();
    for group in [
        "224.0.0.251.5353",
        "239.255.255.250.1900",
        "239.255.255.250.3702",
    ] {
        assert!(
            wire.contains(&format!("> {group}:")),
            "nothing to {group}: {wire}"
        );
    }
    for line in wire.lines() {
        assert!(
            [
                "> 224.0.0.251.5353:",
                "> 239.255.255.250.1900:",
                "> 239.255.255.250.3702:"
            ]
            .iter()
            .any(|g| line.contains(g)),
            "a discovery datagram to a single host: {line}"
        );
    }

    // The printer: its mDNS facts by multicast and its web server by the
    // banner probe, one device under its ARP MAC.
    let p = device(&devices, PRINTER);
    assert_eq!(
        facts(p, "mdns", "hostname"),
        ["HP18602408C229.local"],
        "{p:#}\n{log}"
    );
    assert_eq!(facts(p, "mdns", "service"), ["_ipp._tcp"], "{p:#}");
    assert_eq!(
        facts(p, "mdns", "instance"),
        ["HP OfficeJet Pro 8730 [08C229]"]
    );
    assert_eq!(facts(p, "mdns", "txt:ty"), ["HP OfficeJet Pro 8730"]);
    assert!(facts(p, "tcp", "open").contains(&"80"), "{p:#}");
    assert_eq!(p["mac"], "3c:d9:2b:a1:00:14", "{p:#}");
    let seen_by: Vec<&str> = p["seen_by"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for s in ["arp", "mdns", "tcp"] {
        assert!(seen_by.contains(&s), "{s}: {p:#}");
    }

    // In the store too: one subject (address and MAC) holding the ARP,
    // banner and multicast observations, one device; the phone is a
    // subject of its own, with no MAC; the non-target is nowhere.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let subjects = |o: u8| -> Vec<(String, Vec<String>)> {
        let mut stmt = conn
            .prepare(
                "SELECT s.mac, group_concat(DISTINCT o.source) FROM subjects s
                 JOIN observations o ON o.subject_id = s.id WHERE s.ip = ?1 GROUP BY s.id",
            )
            .unwrap();
        stmt.query_map([ip(o).to_string()], |r| {
            let sources: String = r.get(1)?;
            let mut sources: Vec<String> = sources.split(',').map(String::from).collect();
            sources.sort();
            Ok((r.get(0)?, sources))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    assert_eq!(
        subjects(PRINTER),
        [(
            "3c:d9:2b:a1:00:14".to_string(),
            ["arp", "icmp", "mdns", "tcp"].map(String::from).to_vec()
        )]
    );
    assert_eq!(subjects(PHONE), [(String::new(), vec!["mdns".to_string()])]);
    assert!(subjects(NON_TARGET).is_empty());
    let devices_of = |o: u8| -> i64 {
        conn.query_row(
            "SELECT COUNT(DISTINCT device_id) FROM device_addresses WHERE ip = ?1",
            [ip(o).to_string()],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(devices_of(PRINTER), 1);
    assert_eq!(devices_of(PHONE), 1);
    assert_eq!(devices_of(NON_TARGET), 0);
    drop(conn);

    // minidlnad hears only the group: its answer, and the description at
    // its own LOCATION.
    let d = device(&devices, DLNA);
    assert!(
        facts(d, "ssdp", "server")
            .first()
            .is_some_and(|s| s.contains("MiniDLNA")),
        "{d:#}\n{log}"
    );
    assert_eq!(facts(d, "ssdp", "friendly_name"), ["Lab Media"], "{d:#}");
    assert_eq!(facts(d, "ssdp", "serial"), ["4D4C0015"], "{d:#}");

    // wsdd2: its types.
    let w = device(&devices, WSD);
    let types = facts(w, "wsd", "type");
    assert!(
        types.contains(&"wsdp:Device") && types.contains(&"pub:Computer"),
        "{w:#}\n{log}"
    );

    // The phone: nothing but its mDNS answer heard it, and it is recorded.
    let ph = device(&devices, PHONE);
    assert_eq!(
        facts(ph, "mdns", "hostname"),
        ["Alices-iPhone.local"],
        "{ph:#}"
    );
    assert_eq!(ph["seen_by"], serde_json::json!(["mdns"]), "{ph:#}");

    // The hostile target: every value clean and bounded, the 64 KiB TXT
    // record read, the description at its own LOCATION fetched and cut.
    let h = device(&devices, HOSTILE);
    let all = h["announced"].as_array().unwrap();
    for f in all {
        let v = f["value"].as_str().unwrap();
        assert!(v.chars().count() <= pandian::announce::MAX_VALUE, "{f}");
        assert!(!v.chars().any(pandian::text::is_unsafe), "{f}");
    }
    assert!(all.len() <= pandian::announce::MAX_PER_HOST);
    assert_eq!(
        facts(h, "mdns", "instance"),
        ["<script>alert(1)</script>"],
        "{h:#}"
    );
    assert_eq!(
        facts(h, "mdns", "txt:usb_mfg"),
        ["<script>alert('mfg')</script>"]
    );
    assert_eq!(facts(h, "mdns", "hostname"), ["evil host.local"]);
    assert_eq!(
        facts(h, "ssdp", "friendly_name"),
        ["alert('x')Evil & TV"],
        "{h:#}"
    );
    assert!(
        facts(h, "ssdp", "model_name")
            .first()
            .is_some_and(|m| m.ends_with('…')),
        "{h:#}"
    );

    // The non-target answered (debug log: one address each for mDNS and
    // WS-Discovery) but is not recorded, and was sent nothing of its own
    // (not even the fetch of the hostile host's LOCATION naming it).
    assert!(devices_at(&devices, NON_TARGET).is_empty(), "{devices:#?}");
    for kind in ["mDNS query", "WS-Discovery probe"] {
        assert!(
            log.lines()
                .any(|l| l.contains("no target of the job dropped")
                    && l.contains(&format!("probe=\"{kind}\" addresses=1 "))),
            "{kind}: no dropped answers logged: {log}"
        );
    }
    let to_outside = std::fs::read_to_string(&p_out).unwrap_or_default();
    assert!(
        to_outside.trim().is_empty(),
        "to the non-target: {to_outside}"
    );

    // With an exclusion on the segment nothing is multicast, and the
    // warning names every probe.
    let excluded = ip(EXCLUDED).to_string();
    let (devices, log, wire) = scan(
        &lab,
        "careful",
        &[
            "--segment-probes",
            "--probes",
            "arp,icmp",
            "--exclude",
            &excluded,
        ],
        WATCH_GROUPS,
    );
    no_groups(&wire, "with an exclusion");
    let warning = log
        .lines()
        .find(|l| l.contains("no DHCP discover"))
        .unwrap_or_else(|| panic!("no warning: {log}"));
    for kind in ["mDNS", "SSDP M-SEARCH", "WS-Discovery", "198.18.161.0/24"] {
        assert!(warning.contains(kind), "{kind}: {warning}");
    }
    assert!(facts(device(&devices, PRINTER), "mdns", "hostname").is_empty());
    assert!(devices_at(&devices, PHONE).is_empty(), "{devices:#?}");

    // Without --segment-probes nothing is multicast either.
    let (devices, _, wire) = scan(&lab, "off", &["--probes", "arp,icmp"], WATCH_GROUPS);
    no_groups(&wire, "without the opt-in");
    assert!(devices_at(&devices, PHONE).is_empty(), "{devices:#?}");
    eprintln!("lab test took {:?}", started.elapsed());
    lab.down();
}
