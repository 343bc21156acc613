//! Identification benchmark: an office-like lab /24 where fewer than half
//! the hosts answer SNMP and the others run the real services such devices
//! run (avahi, ippeveprinter, a PJL listener, nmbd, wsdd2, OpenSSH,
//! lighttpd, an `openssl s_server`, gmediarender), inside namespaces this
//! bench makes (and removes). Each host carries a label (class, vendor,
//! model where it announces one); the bench runs, in the same run:
//!
//! 1. `pandian scan --probes arp,icmp` (liveness only: identification from
//!    the MAC alone, which is what Pandian did before it asked hosts);
//! 2. `pandian scan --probes arp,icmp,mdns,ssdp,netbios,wsd,banners` (the
//!    host probes, no SNMP): their wall time against 1's;
//! 3. the liveness sweep with each host probe alone;
//! 4. `pandian scan` with every probe and the lab's communities;
//!
//! and prints, for 1 and 4, how many hosts got class, vendor and model
//! right, with every miss. Targets (issue 13): class right for >= 95% of
//! the hosts, vendor right for every host that has one and none guessed for
//! a random MAC, model wherever the device announces one; the probes add
//! no more than 1x the liveness sweep's wall time.
//!
//! Run as root: `cargo bench --bench identify` (skips otherwise). Figures,
//! not assertions; read the ratios.

use pandian::lab::{self, HostSpec, Lab, LabSpec, SnmpdSpec};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a host is: class and vendor (`None`: not scored), and the model it
/// announces (`None`: it announces none; scored only where given).
struct Label {
    class: Option<&'static str>,
    vendor: Option<&'static str>,
    model: Option<&'static str>,
}

const NET: [u8; 3] = [198, 18, 150];

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(NET[0], NET[1], NET[2], o)
}

fn host(label: &str, o: u8, mac: [u8; 6], snmpd: Option<SnmpdSpec>) -> HostSpec {
    HostSpec {
        label: label.into(),
        segment: 0,
        ip: ip(o),
        mac,
        drop_icmp: false,
        snmpd,
    }
}

fn agent(community: &str, descr: &str, object: &str, name: &str) -> SnmpdSpec {
    SnmpdSpec {
        communities: vec![community.into()],
        sys_descr: descr.into(),
        sys_object_id: object.into(),
        sys_name: name.into(),
        ..SnmpdSpec::default()
    }
}

/// The lab: (spec, label of each host in spec order).
fn office(prefix: &str) -> (LabSpec, Vec<Label>) {
    let l = |class, vendor, model| Label {
        class,
        vendor,
        model,
    };
    let hosts = vec![
        (
            host(
                "cisco-switch",
                10,
                [0x00, 0x1b, 0x54, 0x15, 0x00, 0x0a],
                Some(agent(
                    "public",
                    "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)",
                    "1.3.6.1.4.1.9.1.516",
                    "core-sw1",
                )),
            ),
            l(Some("switch"), Some("Cisco"), None),
        ),
        (
            host(
                "huawei-switch",
                11,
                [0x00, 0xe0, 0xfc, 0x15, 0x00, 0x0b],
                Some(agent(
                    "huawei-ro",
                    "S5720-28X-SI-AC\r\nHuawei Versatile Routing Platform Software\r\nVRP (R) software,Version 5.170 (S5720 V200R011C10SPC600)\r\nCopyright (C) 2000-2018 HUAWEI TECH Co., Ltd",
                    "1.3.6.1.4.1.2011.2.23.367",
                    "access-sw2",
                )),
            ),
            l(Some("switch"), Some("Huawei"), None),
        ),
        (
            host(
                "hp-printer-snmp",
                12,
                [0x3c, 0xd9, 0x2b, 0x15, 0x00, 0x0c],
                Some(agent(
                    "public",
                    "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900024,CIDATE 02/09/2021",
                    "1.3.6.1.4.1.11.2.3.9.1",
                    "printer-3f",
                )),
            ),
            l(Some("printer"), Some("HP"), None),
        ),
        (
            host(
                "linux-server-snmp",
                13,
                [0x00, 0x25, 0x90, 0x15, 0x00, 0x0d],
                Some(agent(
                    "public",
                    "Linux srv-db1 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64",
                    "1.3.6.1.4.1.8072.3.2.10",
                    "srv-db1",
                )),
            ),
            l(Some("server"), Some("Supermicro"), None),
        ),
        (
            host(
                "printer-no-snmp",
                20,
                [0x3c, 0xd9, 0x2b, 0x15, 0x00, 0x14],
                None,
            ),
            l(Some("printer"), Some("HP"), Some("LaserJet 4250")),
        ),
        (
            host(
                "workstation",
                21,
                [0x00, 0x14, 0x22, 0x15, 0x00, 0x15],
                None,
            ),
            l(Some("workstation"), Some("Dell"), None),
        ),
        (
            host("camera", 22, [0x00, 0x40, 0x8c, 0x15, 0x00, 0x16], None),
            l(Some("camera"), Some("Axis"), None),
        ),
        (
            host(
                "media-renderer",
                23,
                [0x00, 0x12, 0xfb, 0x15, 0x00, 0x17],
                None,
            ),
            l(Some("media"), None, None),
        ),
        (
            // A laptop behind a private (locally administered) MAC.
            host(
                "laptop-random-mac",
                24,
                [0x9a, 0x3e, 0x51, 0x15, 0x00, 0x18],
                None,
            ),
            l(Some("workstation"), Some("Apple"), Some("MacBook Pro")),
        ),
        (
            host("web-server", 25, [0x00, 0x25, 0x90, 0x15, 0x00, 0x19], None),
            l(Some("server"), Some("Supermicro"), None),
        ),
        (
            // Answers nothing but ARP: its MAC is all there is.
            host(
                "quiet-gadget",
                26,
                [0x24, 0x0a, 0xc4, 0x15, 0x00, 0x1a],
                None,
            ),
            l(None, Some("Espressif"), None),
        ),
    ];
    let (specs, labels): (Vec<HostSpec>, Vec<Label>) = hosts.into_iter().unzip();
    let spec = LabSpec {
        prefix: prefix.to_string(),
        base: ipnetwork::Ipv4Network::new(ip(0), 24).expect("a /24"),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: specs,
        router_snmpd: None,
    };
    (spec, labels)
}

/// Start each host's services; a service that cannot start is said, and
/// its host's labels then measure its absence.
fn services(lab: &mut Lab) {
    let try_start = |what: &str, r: Result<(), lab::LabError>| {
        if let Err(e) = r {
            println!("  (could not start {what}: {e})");
        }
    };
    // The printer without SNMP: what an HP LaserJet announces over mDNS
    // (the TXT keys of Apple's Bonjour Printing specification), answers
    // over IPP and PJL (Recog's hp_pjl_id example).
    try_start(
        "avahi (printer)",
        lab::avahi::start(
            lab,
            4,
            &lab::avahi::AvahiSpec {
                host_name: "NPI8C2D1A".into(),
                services: vec![lab::avahi::AvahiService {
                    name: "HP LaserJet 4250 [8C2D1A]".into(),
                    kind: "_ipp._tcp".into(),
                    port: 631,
                    txt: vec![
                        "txtvers=1".into(),
                        "ty=HP LaserJet 4250".into(),
                        "usb_MFG=Hewlett-Packard".into(),
                        "usb_MDL=HP LaserJet 4250".into(),
                        "product=(HP LaserJet 4250)".into(),
                        "rp=ipp/print".into(),
                    ],
                }],
            },
        ),
    );
    try_start(
        "ippeveprinter",
        lab::web::start_ipp(lab, 4, "HP", "LaserJet 4250"),
    );
    try_start("PJL", lab::web::start_pjl(lab, 4, "HP LaserJet 4250"));
    // The workstation: NetBIOS, WS-Discovery and SSH, as a desktop with
    // Samba and OpenSSH has.
    try_start("nmbd", lab::samba::start(lab, 5, "DESKTOP-7Q2K", "OFFICE"));
    try_start(
        "wsdd2",
        lab::wsdd::start(lab, 5, "desktop-7q2k", "DESKTOP-7Q2K", "OFFICE"),
    );
    try_start("sshd (workstation)", lab::web::start_ssh(lab, 5));
    // The camera: its page title as Recog's html_title example of Axis.
    try_start(
        "lighttpd (camera)",
        lab::web::start_web(
            lab,
            6,
            &lab::web::WebSpec {
                server: "Boa/0.94.13".into(),
                title: "AXIS".into(),
                realm: None,
            },
        ),
    );
    try_start(
        "gmediarender",
        lab::gmediarender::start(
            lab,
            7,
            "Living Room",
            "a5d3f2c0-5b1e-4c1e-9a9e-150000000017",
        ),
    );
    // The laptop: what a MacBook announces over mDNS.
    try_start(
        "avahi (laptop)",
        lab::avahi::start(
            lab,
            8,
            &lab::avahi::AvahiSpec {
                host_name: "Alices-MacBook-Pro".into(),
                services: vec![lab::avahi::AvahiService {
                    name: "Alices-MacBook-Pro".into(),
                    kind: "_device-info._tcp".into(),
                    port: 0,
                    txt: vec!["model=MacBookPro18,3".into(), "osxvers=21".into()],
                }],
            },
        ),
    );
    // The web server: lighttpd, a TLS service with its certificate, SSH.
    try_start(
        "lighttpd (server)",
        lab::web::start_web(
            lab,
            9,
            &lab::web::WebSpec {
                server: "lighttpd/1.4.69".into(),
                title: "Intranet".into(),
                realm: None,
            },
        ),
    );
    try_start(
        "TLS (server)",
        lab::web::start_tls(lab, 9, "/C=CN/O=Example Ltd/CN=intranet.example.test"),
    );
    try_start("sshd (server)", lab::web::start_ssh(lab, 9));
}

fn scan(ns: &str, bin: &str, args: &[&str]) -> (Duration, Vec<serde_json::Value>) {
    let t = Instant::now();
    let out = Command::new("ip")
        .args(["netns", "exec", ns, bin, "scan"])
        .args(args)
        .args(["--format", "jsonl", "--rate", "10000"])
        .output()
        .expect("run pandian");
    let took = t.elapsed();
    let devices = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (took, devices)
}

fn same(a: &str, b: &str) -> bool {
    let k = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let (a, b) = (k(a), k(b));
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

/// Right / scored for class, vendor and model, and the misses.
fn score(spec: &LabSpec, labels: &[Label], devices: &[serde_json::Value]) -> String {
    let by_ip: BTreeMap<String, &serde_json::Value> = devices
        .iter()
        .filter_map(|d| Some((d["ip"].as_str()?.to_string(), d)))
        .collect();
    let mut counts = [(0, 0); 3];
    let mut misses = Vec::new();
    for (h, label) in spec.hosts.iter().zip(labels) {
        let d = by_ip.get(&h.ip.to_string());
        let got = |f: &str| d.and_then(|d| d[f].as_str()).unwrap_or("").to_string();
        let want = [label.class, label.vendor, label.model];
        for (i, f) in ["class", "vendor", "model"].iter().enumerate() {
            let Some(w) = want[i] else {
                // A random MAC's vendor is never guessed from the MAC: a
                // vendor here must come from what the host said.
                continue;
            };
            counts[i].1 += 1;
            let g = got(f);
            let right = if *f == "class" { g == w } else { same(&g, w) };
            if right {
                counts[i].0 += 1;
            } else {
                misses.push(format!("{} {f}: got {g:?}, want {w:?}", h.label));
            }
        }
    }
    let pct = |(r, n): (i32, i32)| {
        if n == 0 {
            0.0
        } else {
            100.0 * f64::from(r) / f64::from(n)
        }
    };
    format!(
        "class {}/{} ({:.0}%), vendor {}/{} ({:.0}%), model {}/{}{}",
        counts[0].0,
        counts[0].1,
        pct(counts[0]),
        counts[1].0,
        counts[1].1,
        pct(counts[1]),
        counts[2].0,
        counts[2].1,
        if misses.is_empty() {
            String::new()
        } else {
            format!("\n    misses: {}", misses.join("; "))
        }
    )
}

fn main() {
    if !lab::is_root() {
        println!("identify: SKIPPED (needs root for the lab)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_pandian");
    let (spec, labels) = office(&format!("bid{}", std::process::id() % 100_000));
    let mut lab = match Lab::up(spec.clone()) {
        Ok(l) => l,
        Err(e) => {
            println!("identify: SKIPPED ({e})");
            return;
        }
    };
    services(&mut lab);
    let ns = lab.scanner_ns();
    let net = "198.18.150.0/24";
    // Warm up (the first scan pays for the binary's page cache).
    let _ = scan(&ns, bin, &[net, "--probes", "arp"]);
    let (t_live, live) = scan(&ns, bin, &[net, "--probes", "arp,icmp"]);
    let (t_probes, _) = scan(
        &ns,
        bin,
        &[net, "--probes", "arp,icmp,mdns,ssdp,netbios,wsd,banners"],
    );
    let mut each = Vec::new();
    for probe in ["mdns", "ssdp", "netbios", "wsd", "banners"] {
        let list = format!("arp,icmp,{probe}");
        let (t, _) = scan(&ns, bin, &[net, "--probes", &list]);
        each.push(format!("{probe} {:.2}s", t.as_secs_f64()));
    }
    let (t_full, full) = scan(&ns, bin, &[net, "-c", "public", "-c", "huawei-ro"]);
    let added = t_probes.saturating_sub(t_live).as_secs_f64();
    println!(
        "/24 office ({} hosts, {} with SNMP): liveness {:.2}s; with the host probes {:.2}s (they add {:.2}s, {:.2}x the liveness sweep); everything {:.2}s",
        spec.hosts.len(),
        spec.hosts.iter().filter(|h| h.snmpd.is_some()).count(),
        t_live.as_secs_f64(),
        t_probes.as_secs_f64(),
        added,
        added / t_live.as_secs_f64(),
        t_full.as_secs_f64(),
    );
    println!("  liveness with one host probe: {}", each.join(", "));
    println!("  MAC alone (liveness): {}", score(&spec, &labels, &live));
    println!("  every probe:          {}", score(&spec, &labels, &full));
    let random = full
        .iter()
        .filter(|d| d["mac_randomized"].as_bool() == Some(true))
        .map(|d| {
            format!(
                "{} vendor {:?} mac_vendor {:?}",
                d["ip"].as_str().unwrap_or("?"),
                d["vendor"].as_str().unwrap_or(""),
                d["mac_vendor"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>();
    println!("  random MACs: {}", random.join("; "));
    lab.down();
}
