//! The mDNS and SSDP probes on a real network: a lab (198.18.110.0/24)
//! with a printer announcing itself through a real avahi-daemon (the HP
//! OfficeJet Pro 8730 record of OpenPrinting/ipp-usb issue #1), a laptop
//! whose avahi-daemon publishes `_device-info` (a Recog example model), a
//! real minidlnad media server (silent to unicast SSDP), a real
//! gmediarender renderer, a hostile host (a small responder that
//! answers mDNS with script tags and a 64 KiB TXT record, and SSDP with
//! a description of script tags and 100 KB fields, and a LOCATION on a
//! non-target address), an excluded host and a non-target. `pandian scan
//! --format json` in the scanner namespace finds the facts and the
//! identities they vote for; tcpdump shows that nothing reached the
//! excluded host or the non-target and that nothing went to a multicast
//! group. Needs root; skips otherwise (fails under PANDIAN_REQUIRE_LAB=1).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::avahi::{self, AvahiService, AvahiSpec};
use pandian::lab::gmediarender;
use pandian::lab::minidlna::{self, MinidlnaSpec};
use pandian::lab::{self, HostSpec, LabSpec};
use serde_json::Value;
use std::net::Ipv4Addr;
use std::process::{Child, Stdio};
use std::time::Duration;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 110, o)
}

const PRINTER: u8 = 20;
const DLNA: u8 = 21;
const LAPTOP: u8 = 22;
const HOSTILE: u8 = 23;
const RENDERER: u8 = 24;
const RENDERER_UUID: &str = "b827eb6e-0018-4000-8000-b827eb6e0018";
const EXCLUDED: u8 = 30;
/// Outside the targets (198.18.110.16/28); the hostile host's SSDP answer
/// points here.
const NON_TARGET: u8 = 40;

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, o: u8, mac: [u8; 6]| HostSpec::plain(label, ip(o), mac);
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.110.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            host("printer", PRINTER, [0x3c, 0xd9, 0x2b, 0x6e, 0x00, 0x14]),
            host("dlna", DLNA, [0x00, 0x1b, 0x21, 0x6e, 0x00, 0x15]),
            host("laptop", LAPTOP, [0xa4, 0x83, 0xe7, 0x6e, 0x00, 0x16]),
            host("hostile", HOSTILE, [0x00, 0x1b, 0x21, 0x6e, 0x00, 0x17]),
            host("renderer", RENDERER, [0xb8, 0x27, 0xeb, 0x6e, 0x00, 0x18]),
            host("excluded", EXCLUDED, [0x3c, 0xd9, 0x2b, 0x6e, 0x00, 0x1e]),
            host("outside", NON_TARGET, [0x00, 0x1b, 0x21, 0x6e, 0x00, 0x28]),
        ],
        router_snmpd: None,
    }
}

/// The printer's `_ipp._tcp` TXT record, as the HP OfficeJet Pro 8730 of
/// OpenPrinting/ipp-usb issue #1 publishes it on the network (the keys a
/// client reads; URF and the long lists shortened).
fn printer_txt() -> Vec<String> {
    [
        "txtvers=1",
        "qtotal=1",
        "rp=ipp/print",
        "ty=HP OfficeJet Pro 8730",
        "product=(HP OfficeJet Pro 8730)",
        "usb_MFG=HP",
        "usb_MDL=HP OfficeJet Pro 8730",
        "pdl=application/octet-stream,application/pdf,image/jpeg,image/urf,image/pwg-raster",
        "Color=T",
        "Duplex=T",
        "UUID=dbcc4b58-fc4c-f6fd-b4d6-2b00d554ad47",
        "adminurl=http://HP18602408C229.local./#hId-pgAirPrint",
    ]
    .map(String::from)
    .to_vec()
}

/// The hostile responder: mDNS on 5353 (every query gets script tags,
/// control characters and a 64 KiB TXT record, after a datagram of
/// garbage), SSDP on 1900 (a LOCATION on the non-target, then one on
/// itself), HTTP on 8080 (a description with script tags, a 5,000-character
/// model and 100 KB of padding before its serial).
const HOSTILE_PY: &str = r#"
import socket, struct, threading, http.server, sys
ME, OUT = sys.argv[1], sys.argv[2]
def name(n):
    out = b""
    for l in n:
        out += bytes([len(l)]) + l
    return out + b"\0"
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
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ME, 5353))
    while True:
        q, peer = s.recvfrom(2048)
        qid = q[:2]
        s.sendto(qid + b"\x84\0\0\x05\0\x03\0\0\xc0\x0c\xc0\x0c", peer)
        body = b"".join(records)
        msg = qid + struct.pack(">HHHHH", 0x8400, 0, len(records), 0, 0) + body
        s.sendto(msg, peer)
def ssdp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ME, 1900))
    while True:
        q, peer = s.recvfrom(2048)
        for host in (OUT, ME):
            s.sendto(("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
                      "USN: uuid:evil::urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
                      "SERVER: <script>alert('server')</script> " + "B" * 3000 + "\r\n"
                      "LOCATION: http://" + host + ":8080/desc.xml\r\n\r\n").encode(), peer)
DESC = ("<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device>"
        "<deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>"
        "<friendlyName><script>alert('x')</script>Evil &amp; TV</friendlyName>"
        "<manufacturer>&lt;script&gt;alert('m')&lt;/script&gt;</manufacturer>"
        "<modelName>" + "M" * 5000 + "</modelName><x>" + "P" * 100000 + "</x>"
        "<serialNumber>never read</serialNumber></device></root>").encode()
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

/// tcpdump on `ns`'s eth0 (`out`: only what it sends) into a lab file.
fn tcpdump(
    lab: &lab::Lab,
    ns: &str,
    file: &str,
    out: bool,
    filter: &str,
) -> (Child, std::path::PathBuf) {
    let path = lab.dir().join(file);
    let mut cmd = lab::run_in(ns, "tcpdump");
    cmd.args(["-n", "-l", "-i", "eth0"]);
    if out {
        cmd.args(["-Q", "out"]);
    }
    let child = cmd
        .arg(filter)
        .stdout(std::fs::File::create(&path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    (child, path)
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

fn device(devices: &[Value], o: u8) -> &Value {
    let want = ip(o).to_string();
    devices
        .iter()
        .find(|d| d["ip"] == want.as_str())
        .unwrap_or_else(|| panic!("{want} not found: {devices:#?}"))
}

#[test]
fn lab_mdns_and_ssdp_announce_what_devices_are() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("md"))) else {
        return;
    };
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    for tool in [
        "tcpdump",
        "avahi-daemon",
        "minidlnad",
        "gmediarender",
        "python3",
    ] {
        if lab::which(tool).is_none() {
            assert!(!require, "{tool} missing");
            eprintln!("SKIPPED: {tool} not installed (scripts/setup-debian)");
            return;
        }
    }
    avahi::start(
        &mut lab,
        0,
        &AvahiSpec {
            host_name: "HP18602408C229".into(),
            services: ["_ipp._tcp", "_printer._tcp", "_http._tcp"]
                .iter()
                .map(|kind| AvahiService {
                    name: "HP OfficeJet Pro 8730 [08C229]".into(),
                    kind: (*kind).into(),
                    port: match *kind {
                        "_ipp._tcp" => 631,
                        "_printer._tcp" => 515,
                        _ => 80,
                    },
                    txt: if *kind == "_http._tcp" {
                        Vec::new()
                    } else {
                        printer_txt()
                    },
                })
                .collect(),
        },
    )
    .unwrap();
    avahi::start(
        &mut lab,
        2,
        &AvahiSpec {
            host_name: "Alices-MacBook-Pro".into(),
            services: vec![
                AvahiService {
                    name: "Alices-MacBook-Pro".into(),
                    kind: "_device-info._tcp".into(),
                    port: 0,
                    // Recog mdns_device-info_txt.xml example.
                    txt: vec!["model=MacBookPro18,3".into()],
                },
                AvahiService {
                    name: "Alices-MacBook-Pro".into(),
                    kind: "_smb._tcp".into(),
                    port: 445,
                    txt: Vec::new(),
                },
            ],
        },
    )
    .unwrap();
    minidlna::start(
        &mut lab,
        1,
        &MinidlnaSpec {
            friendly_name: "Lab Media <script>alert(1)</script>".into(),
            serial: "4D4C0015".into(),
            model_number: "1.3.2".into(),
        },
    )
    .unwrap();
    gmediarender::start(
        &mut lab,
        4,
        "Living Room <script>alert(1)</script> & more",
        RENDERER_UUID,
    )
    .unwrap();
    let script = lab.dir().join("hostile.py");
    std::fs::write(&script, HOSTILE_PY).unwrap();
    let mut py = lab.command_in(&lab.host_ns(3), "python3");
    py.arg(&script)
        .arg(ip(HOSTILE).to_string())
        .arg(ip(NON_TARGET).to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let ns3 = lab.host_ns(3);
    lab.spawn_in(&ns3, py).unwrap();
    // Watch the excluded host and the non-target for anything addressed
    // to them, and the scanner for anything it sends to a group.
    let watch = |o: u8| {
        format!(
            "(arp and arp[24:4] = 0xc6126e{o:02x}) or (ip and dst host {})",
            ip(o)
        )
    };
    let (mut d_ex, p_ex) = tcpdump(
        &lab,
        &lab.host_ns(4),
        "excluded.txt",
        false,
        &watch(EXCLUDED),
    );
    let (mut d_out, p_out) = tcpdump(
        &lab,
        &lab.host_ns(5),
        "outside.txt",
        false,
        &watch(NON_TARGET),
    );
    let (mut d_mc, p_mc) = tcpdump(
        &lab,
        &lab.scanner_ns(),
        "multicast.txt",
        true,
        "ip and (multicast or broadcast) and udp",
    );
    let (mut d_all, p_all) = tcpdump(
        &lab,
        &lab.scanner_ns(),
        "sent.txt",
        true,
        "udp and (port 5353 or port 1900)",
    );
    // The python responder and tcpdump need a moment to bind.
    std::thread::sleep(Duration::from_millis(800));
    let started = std::time::Instant::now();
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan",
            "198.18.110.16/28",
            "--exclude",
            &ip(EXCLUDED).to_string(),
            "--probes",
            "arp,icmp,mdns,ssdp",
            "--format",
            "json",
            "--timeout",
            "400",
        ],
    );
    let took = started.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    for d in [&mut d_ex, &mut d_out, &mut d_mc, &mut d_all] {
        let _ = d.kill();
        let _ = d.wait();
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("scan took {took:?}");
    let devices: Vec<Value> =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));

    // The printer: avahi's records, and the class and vendor they vote for.
    let p = device(&devices, PRINTER);
    assert_eq!(
        facts(p, "mdns", "hostname"),
        ["HP18602408C229.local"],
        "{p:#}"
    );
    for s in ["_ipp._tcp", "_printer._tcp", "_http._tcp"] {
        assert!(facts(p, "mdns", "service").contains(&s), "{s}: {p:#}");
    }
    assert_eq!(
        facts(p, "mdns", "instance"),
        ["HP OfficeJet Pro 8730 [08C229]"]
    );
    assert_eq!(facts(p, "mdns", "txt:usb_mfg"), ["HP"]);
    assert_eq!(facts(p, "mdns", "txt:ty"), ["HP OfficeJet Pro 8730"]);
    assert_eq!(p["class"], "printer", "{p:#}");
    assert_eq!(p["model"], "HP OfficeJet Pro 8730", "{p:#}");

    // The laptop: its device-info model.
    let m = device(&devices, LAPTOP);
    assert_eq!(facts(m, "mdns", "txt:model"), ["MacBookPro18,3"], "{m:#}");
    assert_eq!(facts(m, "mdns", "hostname"), ["Alices-MacBook-Pro.local"]);
    assert!(facts(m, "mdns", "service").contains(&"_smb._tcp"), "{m:#}");

    // minidlnad binds its SSDP socket to 239.255.255.250:1900: a unicast
    // M-SEARCH never reaches it, so it says nothing to this probe (only a
    // segment-wide search would hear it).
    let m = device(&devices, DLNA);
    assert!(facts(m, "ssdp", "server").is_empty(), "{m:#}");
    let bound = lab
        .command_in(&lab.host_ns(1), "ss")
        .args(["-Hlun", "sport = :1900"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&bound.stdout).contains("239.255.255.250:1900"),
        "{}",
        String::from_utf8_lossy(&bound.stdout)
    );

    // The renderer (libupnp answers unicast searches): SSDP answers and
    // the description at its LOCATION.
    let d = device(&devices, RENDERER);
    assert!(
        facts(d, "ssdp", "server")
            .first()
            .is_some_and(|s| s.contains("UPnP")),
        "{d:#}"
    );
    assert!(
        facts(d, "ssdp", "st").contains(&"urn:schemas-upnp-org:device:MediaRenderer:1"),
        "{d:#}"
    );
    let location = format!("http://{}:{}/", ip(RENDERER), gmediarender::PORT);
    assert!(
        facts(d, "ssdp", "location")
            .first()
            .is_some_and(|l| l.starts_with(&location)),
        "{d:#}"
    );
    assert_eq!(
        facts(d, "ssdp", "device_type"),
        ["urn:schemas-upnp-org:device:MediaRenderer:1"]
    );
    assert_eq!(
        facts(d, "ssdp", "manufacturer"),
        ["Ivo Clarysse, Henner Zeller"]
    );
    assert_eq!(facts(d, "ssdp", "model_name"), ["gmediarender"]);
    assert_eq!(
        facts(d, "ssdp", "udn"),
        [format!("uuid:{RENDERER_UUID}").as_str()]
    );
    assert_eq!(
        facts(d, "ssdp", "friendly_name"),
        ["Living Room <script>alert(1)</script> & more"],
        "{d:#}"
    );
    assert_eq!(d["class"], "media", "{d:#}");

    // The hostile host: every value clean and bounded, the 64 KiB TXT
    // record read, the description's huge field cut.
    let h = device(&devices, HOSTILE);
    let all = h["announced"].as_array().unwrap();
    assert!(!all.is_empty(), "{h:#}");
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
    assert_eq!(
        facts(h, "ssdp", "manufacturer"),
        ["<script>alert('m')</script>"]
    );
    assert!(
        facts(h, "ssdp", "model_name")
            .first()
            .is_some_and(|m| m.ends_with('…')),
        "{h:#}"
    );
    assert!(facts(h, "ssdp", "serial").is_empty(), "past 64 KiB: {h:#}");
    assert!(
        facts(h, "ssdp", "server")
            .first()
            .is_some_and(|s| s.ends_with('…')),
        "{h:#}"
    );

    // Nothing reached the excluded host or the non-target, and nothing
    // went to a group.
    assert!(
        devices
            .iter()
            .all(|d| d["ip"] != ip(EXCLUDED).to_string().as_str()
                && d["ip"] != ip(NON_TARGET).to_string().as_str()),
        "{devices:#?}"
    );
    for p in [&p_ex, &p_out, &p_mc] {
        let seen = std::fs::read_to_string(p).unwrap_or_default();
        assert!(seen.trim().is_empty(), "{}: {seen}", p.display());
    }
    // The probes were on the wire: to each of the four live hosts.
    let sent = std::fs::read_to_string(&p_all).unwrap_or_default();
    for o in [PRINTER, DLNA, LAPTOP, HOSTILE, RENDERER] {
        assert!(
            sent.contains(&format!("> {}.5353:", ip(o))),
            "no mDNS to {}: {sent}",
            ip(o)
        );
        assert!(
            sent.contains(&format!("> {}.1900:", ip(o))),
            "no SSDP to {}",
            ip(o)
        );
    }
}
