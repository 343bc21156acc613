//! The appliance image, booted in QEMU with TCG (no KVM, as in CI): built
//! once per run by `image/build` from this test build's `pandian`, then
//! booted under SeaBIOS and OVMF on copy-on-write overlays. Every VM uses
//! `-nic user,restrict=on` (it can reach nothing outside QEMU); the lab
//! test adds a NIC on a tap inside a namespace the test made, with hosts in
//! 198.18.0.0/15 only.
//!
//! Skips only when qemu-system-x86_64 is missing and PANDIAN_REQUIRE_IMAGE
//! is unset; needs root (mmdebstrap, namespaces). Prints the image build
//! time, each boot-to-page time and the artefact sizes.

#[path = "image/build.rs"]
mod build;
#[path = "image/https.rs"]
mod https;
#[path = "image/vm.rs"]
mod vm;

use build::*;
use https::{Reply, Request};
use pandian::lab::{HostSpec, Lab, LabSpec, SnmpdSpec};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use vm::{DiskBus, Firmware, LabNic, Nic, Vm, VmSpec};

/// From QEMU's start to the console banner, generously (TCG on a busy
/// 2-core machine; a first boot makes a certificate and hashes a password).
const BOOT_LIMIT: Duration = Duration::from_secs(600);

/// The console banner `appliance ready` prints once the page is up.
#[derive(Debug)]
struct Banner {
    slot: String,
    password: Option<String>,
    cert: Option<String>,
    page_up: bool,
    users_from_seed: bool,
    seed_refused: Option<String>,
    data_mib: Option<u64>,
    /// Seconds from the kernel's start to the page answering `/healthz`.
    kernel_to_page: Option<u64>,
    /// When the test saw the banner's end on the console (polled every
    /// half second): the page is up.
    seen: Instant,
}

/// Wait for the next banner after byte `from`; the banner and where it ends.
fn banner(vm: &mut Vm, from: usize) -> (Banner, usize) {
    // The banner's first line is ` Pandian VERSION, root slot X`, at the
    // start of a line (GRUB's menu also says "root slot", mid-line).
    let mut from = from;
    let start = loop {
        let at = vm.wait_for("\n Pandian ", from, BOOT_LIMIT);
        let eol = vm.wait_for("\n", at, Duration::from_secs(60));
        if vm
            .console()
            .get(at..eol)
            .is_some_and(|l| l.contains(", root slot "))
        {
            break at;
        }
        from = eol;
    };
    let end = vm.wait_for("\n====", start, Duration::from_secs(60));
    let seen = Instant::now();
    let text = vm.console();
    let block = text.get(start - " Pandian ".len()..end).unwrap_or("");
    let value = |key: &str| {
        block
            .lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    let slot = block
        .lines()
        .next()
        .and_then(|l| l.split(", root slot ").nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let b = Banner {
        slot,
        password: value("Password:").map(|p| p.split_whitespace().next().unwrap_or("").to_string()),
        cert: value("TLS certificate SHA-256:"),
        page_up: value("Status:").is_some_and(|s| s.contains("page is up")),
        users_from_seed: block.contains("as set by the seed"),
        seed_refused: value("Seed:"),
        data_mib: value("Data:")
            .and_then(|d| d.split_whitespace().next().and_then(|n| n.parse().ok())),
        kernel_to_page: value("Status:").and_then(|s| {
            s.strip_suffix(" s after the kernel started")
                .and_then(|s| s.rsplit(' ').next())
                .and_then(|n| n.parse().ok())
        }),
        seen,
    };
    eprintln!(
        "{}: banner after {:?}: {b:?}",
        vm.serial.display(),
        vm.started.elapsed()
    );
    // Where the boot spent its time, as the appliance reports it.
    let at = vm.wait_for("boot timeline", end, Duration::from_secs(60));
    let eol = vm.wait_for("\n", at, Duration::from_secs(10));
    eprintln!(
        "{}: boot timeline{}",
        vm.name,
        vm.console().get(at..eol).unwrap_or("").trim_end()
    );
    let at = vm.wait_for("slowest units this boot:", eol, Duration::from_secs(60));
    let eol = vm.wait_for("\n", at, Duration::from_secs(10));
    eprintln!(
        "{}: slowest units:{}",
        vm.name,
        vm.console().get(at..eol).unwrap_or("").trim_end()
    );
    (b, end)
}

/// The journal's bounds as journald applies them (the appliance prints
/// journald's own report after the banner, from byte `from` on): the
/// persistent journal on the data partition at most 64 MB, the runtime one
/// at most 16 MB (image/pandian-journald.conf; journald's defaults would
/// be 10% of each file system).
fn check_journal_bound(vm: &mut Vm, from: usize) {
    let mut line = |kind: &str| {
        let at = vm.wait_for(
            &format!("pandian: journal: {kind} Journal ("),
            from,
            Duration::from_secs(60),
        );
        let eol = vm.wait_for("\n", at, Duration::from_secs(10));
        vm.console()
            .get(at..eol)
            .unwrap_or("")
            .trim_end()
            .to_string()
    };
    let system = line("System");
    assert!(
        system.starts_with("/var/log/journal/") && system.contains(", max 64.0M,"),
        "the persistent journal is on /var and bounded to 64 MB: {system}"
    );
    let runtime = line("Runtime");
    assert!(
        runtime.starts_with("/run/log/journal/") && runtime.contains(", max 16.0M,"),
        "the runtime journal is bounded to 16 MB: {runtime}"
    );
    eprintln!("image: journal: system {system}; runtime {runtime}");
}

/// GET from the VM's forwarded port, retrying while it does not answer.
fn get(vm: &Vm, tls: bool, path: &str, basic: Option<&str>) -> Reply {
    let req = Request {
        port: if tls { vm.https } else { vm.http },
        tls,
        path,
        basic,
        netns: vm.netns.as_deref(),
    };
    let start = Instant::now();
    loop {
        match https::get(&req) {
            Ok(r) => return r,
            Err(e) if start.elapsed() < Duration::from_secs(120) => {
                eprintln!("GET {path}: {e}; retrying");
                std::thread::sleep(Duration::from_secs(2));
            }
            Err(e) => panic!(
                "GET {path} on the VM failed: {e}\n{}",
                vm::tail(&vm.console(), 3000)
            ),
        }
    }
}

/// The checks every boot of a healthy appliance passes: /healthz on both
/// ports without credentials, the redirect, the certificate the console
/// names, authentication.
fn check_page(vm: &Vm, b: &Banner, user: &str, password: &str) {
    let health = get(vm, true, "/healthz", None);
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    assert_eq!(
        health.cert_sha256, b.cert,
        "the certificate served is the one the console shows"
    );
    let plain = get(vm, false, "/healthz", None);
    assert_eq!(
        (plain.status, plain.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    let redirect = get(vm, false, "/devices/1?lang=zh", None);
    assert_eq!(redirect.status, 308, "{redirect:?}");
    assert_eq!(
        redirect.header("location"),
        Some("https://127.0.0.1/devices/1?lang=zh")
    );
    let anonymous = get(vm, true, "/", None);
    assert_eq!(anonymous.status, 401);
    assert!(
        anonymous
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Basic")),
        "{anonymous:?}"
    );
    let wrong = get(
        vm,
        true,
        "/api/v1/devices",
        Some(&format!("{user}:not-{password}")),
    );
    assert_eq!(wrong.status, 401);
    let page = get(vm, true, "/", Some(&format!("{user}:{password}")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<html"), "{}", page.body);
}

/// `pandian hash-password`, the password on stdin.
fn hash_password(password: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pandian"))
        .arg("hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run pandian hash-password");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(password.as_bytes())
        .expect("write the password");
    let out = child.wait_with_output().expect("hash-password output");
    assert!(out.status.success(), "hash-password failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn boot(spec: &VmSpec, dir: &Path) -> Vm {
    eprintln!(
        "image: booting {} ({:?}, {:?}, {:?})",
        spec.name, spec.firmware, spec.bus, spec.nic
    );
    Vm::start(spec, dir)
}

fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = work_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

#[test]
fn image_artefacts_are_complete_small_and_agree() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let image = image();
    let out = &image.out;
    let qcow2 = std::fs::metadata(image.qcow2()).expect("qcow2").len();
    assert!(
        qcow2 < 120_000_000,
        "the qcow2 is {qcow2} bytes, over 120 MB"
    );
    // The OVA: descriptor, manifest, disk, in that order; the manifest's
    // checksums hold.
    let list = run(Command::new("tar").arg("-tf").arg(out.join("pandian.ova")));
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        ["pandian.ovf", "pandian.mf", "pandian-disk1.vmdk"]
    );
    let dir = fresh_dir("artefacts");
    run(Command::new("tar")
        .arg("-xf")
        .arg(out.join("pandian.ova"))
        .arg("-C")
        .arg(&dir));
    let mf = std::fs::read_to_string(dir.join("pandian.mf")).expect("manifest");
    for line in mf.lines() {
        let (name, sum) = line
            .strip_prefix("SHA256(")
            .and_then(|l| l.split_once(")= "))
            .unwrap_or_else(|| panic!("bad .mf line {line:?}"));
        let got = run(Command::new("sha256sum").arg(dir.join(name)));
        assert!(got.starts_with(sum), "{name}: {got} vs {sum}");
    }
    let ovf = std::fs::read_to_string(dir.join("pandian.ovf")).expect("ovf");
    assert!(ovf.contains("pandian-disk1.vmdk") && ovf.contains(&image.version));
    let info = run(Command::new("qemu-img")
        .args(["info", "--output=json"])
        .arg(dir.join("pandian-disk1.vmdk")));
    assert!(info.contains("streamOptimized"), "{info}");
    // Every format holds the same disk.
    for other in [
        image.qcow2(),
        out.join("pandian.vhdx"),
        dir.join("pandian-disk1.vmdk"),
    ] {
        run(Command::new("qemu-img")
            .args(["compare", "-q"])
            .arg(out.join("pandian.raw"))
            .arg(&other));
    }
    // The manifest lists the packages, the binary's hash and the root's.
    let manifest = std::fs::read_to_string(out.join("manifest.txt")).expect("manifest.txt");
    for want in [
        "  systemd ",
        "  linux-image-",
        "  openssl ",
        "pandian_binary_sha256: ",
        "root_squashfs_sha256: ",
    ] {
        assert!(manifest.contains(want), "manifest.txt lacks {want:?}");
    }
    let root = run(Command::new("sha256sum").arg(out.join("root.squashfs")));
    assert!(manifest.contains(root.split_whitespace().next().unwrap_or("-")));
    for f in [
        "pandian.qcow2",
        "pandian.ova",
        "pandian.vhdx",
        "pandian.raw",
        "root.squashfs",
    ] {
        let m = std::fs::metadata(out.join(f)).expect("artefact");
        let allocated = run(Command::new("du").arg("-k").arg(out.join(f)));
        eprintln!(
            "image: {f}: {:.1} MB ({} KiB allocated)",
            m.len() as f64 / 1e6,
            allocated.split_whitespace().next().unwrap_or("?")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A lab segment in 198.18.44.0/24: a Cisco switch and an HP printer (that
/// drops ICMP) with SNMP, and a camera without.
fn lab_spec(prefix: &str) -> LabSpec {
    let ip = |o: u8| Ipv4Addr::new(198, 18, 44, o);
    let agent = |descr: &str, oid: &str, name: &str| SnmpdSpec {
        communities: vec!["public".into()],
        sys_descr: descr.into(),
        sys_object_id: oid.into(),
        sys_name: name.into(),
        sys_contact: "netops@example.test".into(),
        sys_location: "image lab".into(),
        ..SnmpdSpec::default()
    };
    LabSpec {
        prefix: prefix.into(),
        base: "198.18.44.0/24".parse().expect("net"),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            HostSpec {
                label: "cisco".into(),
                segment: 0,
                ip: ip(10),
                mac: [0x00, 0x1b, 0x54, 0x44, 0x00, 0x0a],
                drop_icmp: false,
                snmpd: Some(agent(
                    "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)",
                    "1.3.6.1.4.1.9.1.516",
                    "lab-core-sw",
                )),
            },
            HostSpec {
                label: "printer".into(),
                segment: 0,
                ip: ip(12),
                mac: [0x3c, 0xd9, 0x2b, 0x44, 0x00, 0x0c],
                drop_icmp: true,
                snmpd: Some(agent(
                    "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900024",
                    "1.3.6.1.4.1.11.2.3.9.1",
                    "lab-printer",
                )),
            },
            HostSpec {
                label: "camera".into(),
                segment: 0,
                ip: ip(13),
                mac: [0xc0, 0x56, 0xe3, 0x44, 0x00, 0x0d],
                drop_icmp: false,
                snmpd: None,
            },
        ],
        router_snmpd: None,
    }
}

/// A minimal SNTP server (RFC 4330 server mode, stratum 2) on UDP 123 of
/// the address given: enough for systemd-timesyncd to set the clock.
const SNTP_SERVER: &str = r#"
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 123))
while True:
    d, a = s.recvfrom(512)
    if len(d) < 48:
        continue
    t = time.time() + 2208988800
    ts = struct.pack("!II", int(t), int((t % 1) * 2**32))
    s.sendto(bytes([0x24, 2, d[2], 0xEC]) + bytes(8) + b"LAB\0" + ts + d[40:48] + ts + ts, a)
"#;

/// Where a boot inside one QEMU run began: GRUB's `Booting ...` line (every
/// boot, the first and each reboot, passes through GRUB's menu).
const GRUB_BOOTING: &str = "Booting `Pandian";

/// Print a timing now (a later failure keeps it) and keep it for the summary.
fn note(timings: &mut Vec<String>, t: String) {
    eprintln!("image: {t}");
    timings.push(t);
}

/// Seconds from `a` to `b`.
fn secs(a: Instant, b: Instant) -> f64 {
    b.saturating_duration_since(a).as_secs_f64()
}

/// Wait for the next boot to start after byte `from` (GRUB picking an
/// entry); where, and when the test saw it.
fn next_boot(vm: &mut Vm, from: usize) -> (usize, Instant) {
    let at = vm.wait_for(GRUB_BOOTING, from, BOOT_LIMIT);
    (at, Instant::now())
}

/// The lab's switch namespace with a tap on its bridge for the VM's second
/// NIC, and an NTP server on the lab (the seed's network.conf names it).
fn lab_with_tap(prefix: &str, tap: &str) -> (Lab, String) {
    let mut lab = Lab::up(lab_spec(prefix)).unwrap_or_else(|e| panic!("lab: {e}"));
    let mut ntp = lab.command_in(&lab.scanner_ns(), "python3");
    ntp.args(["-c", SNTP_SERVER, &lab.scanner_ip().to_string()]);
    lab.spawn_in(&lab.scanner_ns(), ntp)
        .unwrap_or_else(|e| panic!("lab NTP server: {e}"));
    let sw = format!("{prefix}-sw");
    for args in [
        vec!["-n", &sw, "tuntap", "add", "dev", tap, "mode", "tap"],
        vec!["-n", &sw, "link", "set", tap, "master", "br0"],
        vec!["-n", &sw, "link", "set", tap, "up"],
    ] {
        run(Command::new("ip").args(&args));
    }
    (lab, sw)
}

/// The lab's hosts the appliance must find (the printer drops ICMP: only
/// the ARP sweep finds it).
const LAB_HOSTS: [&str; 3] = ["198.18.44.10", "198.18.44.12", "198.18.44.13"];

/// The scan part of the seeds' configs: the lab subnet, its community.
const LAB_SCAN_TOML: &str = "[scan]\nsubnets = [\"198.18.44.0/24\"]\ninterval = \"30s\"\n\
    timeout_ms = 500\nreverse_dns = false\n\n[[snmp.credentials]]\nname = \"lab\"\n\
    version = \"2c\"\ncommunity = \"public\"\n";

/// The inventory holds every lab host.
fn assert_inventory(vm: &Vm, auth: &str, when: &str) {
    let r = get(vm, true, "/api/v1/devices", Some(auth));
    assert_eq!(r.status, 200, "{}", r.body);
    for ip in LAB_HOSTS {
        assert!(
            r.body.contains(ip),
            "{ip} is still in the inventory {when}: {}",
            r.body
        );
    }
}

/// The appliance's life on one virtual disk, every scenario of the issue in
/// three QEMU runs: each starts from what the one before left on the disk,
/// and the update boots follow the reboot they ride on. Prints each boot's
/// power-on (or reboot) to page time.
///
/// 1. First boot, BIOS, virtio disk and NIC, a second NIC on a lab bridge,
///    a 2.5 GB disk (larger than the image): an ISO seed (`cidata`) with a
///    pandian.toml without `[web]` (the appliance adds its own page and
///    generates the admin password) and a network.conf (a static address
///    and NTP server for the lab NIC). The config is applied, the page is
///    up, the data partition grew, the clock comes from the lab's NTP
///    server and the lab's hosts are discovered over the second NIC.
/// 2. Power off, grow the disk by 1 GiB, power on under UEFI with AHCI and
///    e1000e and a FAT seed (`PANDIAN`) carrying an invalid pandian.toml
///    and the update bundle: the console names the line and key and the
///    previous config is kept; the update is written to slot B, which
///    boots once, comes up and is committed. On slot B: the same
///    certificate, password and inventory, and a grown data partition.
/// 3. Power off, power on under BIOS with LSI SCSI and e1000 and an ISO
///    seed carrying a config with its own users and a broken update (its
///    pandian exits): the config is applied, the update written to slot A
///    and tried once; its page stays down, so slot B boots again, with the
///    seed's users, the same certificate and the inventory.
#[test]
fn image_lifecycle_seed_lab_reboot_uefi_update_and_fallback() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let image = image();
    let _slot = qemu_slot();
    let started = Instant::now();
    let dir = fresh_dir("lifecycle");
    let mut timings: Vec<String> = Vec::new();
    let prefix = format!("pim{}", std::process::id() % 100_000);
    let tap = "pimtap0";
    let (lab, sw) = lab_with_tap(&prefix, tap);

    // --- 1. first boot: seed, lab, NTP ------------------------------------
    let toml = dir.join("pandian.toml");
    std::fs::write(&toml, LAB_SCAN_TOML).expect("pandian.toml");
    let mac = "52:54:00:44:00:fa";
    let network = dir.join("network.conf");
    std::fs::write(
        &network,
        format!("# the lab NIC\nMATCH_MAC={mac}\nADDRESS=198.18.44.250/24\nNTP=198.18.44.1\n"),
    )
    .expect("network.conf");
    let seed = seed_iso(
        &dir,
        "seed",
        "cidata",
        &[("pandian.toml", &toml), ("network.conf", &network)],
    );
    let disk = overlay(image, &dir, "disk", "2560M");
    let mut spec = VmSpec {
        name: "lab".into(),
        disk,
        firmware: Firmware::Bios,
        bus: DiskBus::Virtio,
        nic: Nic::Virtio,
        seed: Some(seed),
        lab: Some(LabNic {
            netns: sw.clone(),
            tap: tap.into(),
            mac: mac.into(),
        }),
    };
    let mut vm = boot(&spec, &dir);
    let (_, grub) = next_boot(&mut vm, 0);
    let at = vm.wait_for("applied pandian.toml from the seed", 0, BOOT_LIMIT);
    vm.wait_for(
        "applied network.conf from the seed",
        0,
        Duration::from_secs(60),
    );
    let (b, _) = banner(&mut vm, at);
    note(
        &mut timings,
        format!(
            "1. first boot, seed applied (BIOS, virtio, virtio-net + lab NIC): power-on to GRUB booting {:.0} s, to page {:.0} s (kernel to page {:?} s)",
            secs(vm.started, grub),
            secs(vm.started, b.seen),
            b.kernel_to_page
        ),
    );
    assert_eq!(b.slot, "A");
    assert!(b.page_up, "{b:?}");
    assert!(
        !b.users_from_seed && b.seed_refused.is_none(),
        "the seed's config has no [web]: the appliance adds its own admin: {b:?}"
    );
    let password = b
        .password
        .clone()
        .expect("a generated admin password on the console");
    assert_eq!(password.len(), 16, "{b:?}");
    let small = b
        .data_mib
        .expect("the banner shows the data partition's size");
    assert!(
        small > 1500,
        "the data partition grew into the 2.5 GB disk (the image's is about 1165 MiB): {b:?}"
    );
    check_page(&vm, &b, "admin", &password);
    check_journal_bound(&mut vm, at);
    // The clock was set from the seed's NTP server.
    vm.wait_for(
        "clock synchronized by NTP with 198.18.44.1",
        at,
        Duration::from_secs(120),
    );
    // The appliance scans the lab over its second NIC.
    let auth = format!("admin:{password}");
    let start = Instant::now();
    let devices = loop {
        let r = get(&vm, true, "/api/v1/devices", Some(&auth));
        assert_eq!(r.status, 200, "{}", r.body);
        let page: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
        let list = page["items"].clone();
        let found = |ip: &str| {
            list.as_array()
                .is_some_and(|a| a.iter().any(|d| d["ip"] == ip))
        };
        if LAB_HOSTS.iter().all(|ip| found(ip)) {
            break list;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the lab's hosts were not all found within 5 minutes: {}",
            r.body
        );
        std::thread::sleep(Duration::from_secs(5));
    };
    eprintln!(
        "image: lab hosts found {:?} after the page came up",
        start.elapsed()
    );
    let cisco = devices
        .as_array()
        .and_then(|a| a.iter().find(|d| d["ip"] == "198.18.44.10"))
        .expect("cisco");
    assert_eq!(cisco["mac"], "00:1b:54:44:00:0a", "{cisco}");
    assert_eq!(cisco["snmp"]["sys_name"], "lab-core-sw", "{cisco}");
    vm.power_down(Duration::from_secs(180));
    drop(lab);

    // --- 2. reboot under UEFI: a refused seed, a grown disk, the update ---
    run(Command::new("qemu-img")
        .args(["resize", "-q"])
        .arg(&spec.disk)
        .arg("3584M"));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[scan]\nsubnet = [\"198.18.44.0/24\"]\n").expect("bad.toml");
    spec.name = "uefi-update".into();
    spec.firmware = Firmware::Uefi;
    spec.bus = DiskBus::Ahci;
    spec.nic = Nic::E1000e;
    spec.lab = None;
    spec.seed = Some(seed_fat(
        &dir,
        "update-seed",
        "PANDIAN",
        &[
            ("pandian.toml", &bad),
            ("pandian-next-update.tar", &image.bundle()),
        ],
    ));
    let mut vm = boot(&spec, &dir);
    let (_, grub) = next_boot(&mut vm, 0);
    let at = vm.wait_for("pandian.toml on", 0, BOOT_LIMIT);
    let err_at = vm.wait_for("`subnet`", at, Duration::from_secs(60));
    let said = vm.console().get(at..err_at).unwrap_or("").to_string();
    assert!(
        said.contains("previous configuration is kept") && said.contains("line 2"),
        "the console names the line and the key: {said}"
    );
    let at = vm.wait_for("rebooting once into slot B", err_at, BOOT_LIMIT);
    let written = Instant::now();
    let (at, rebooted) = next_boot(&mut vm, at);
    let at = vm.wait_for("on slot B is up; committed", at, BOOT_LIMIT);
    let (b2, _) = banner(&mut vm, at);
    note(
        &mut timings,
        format!(
            "2a. power-on (UEFI, AHCI, e1000e), seed refused, update written to slot B: power-on to GRUB booting {:.0} s, to `rebooting` {:.0} s",
            secs(vm.started, grub),
            secs(vm.started, written)
        ),
    );
    note(
        &mut timings,
        format!(
            "2b. trial boot of slot B, committed: `rebooting` to GRUB booting {:.0} s, to page {:.0} s (kernel to page {:?} s); power-on to page {:.0} s",
            secs(written, rebooted),
            secs(written, b2.seen),
            b2.kernel_to_page,
            secs(vm.started, b2.seen)
        ),
    );
    assert_eq!(b2.slot, "B", "{b2:?}");
    assert!(b2.page_up, "{b2:?}");
    assert!(
        b2.seed_refused
            .as_deref()
            .is_some_and(|s| s.contains("line 2")),
        "{b2:?}"
    );
    assert_eq!(
        b2.cert, b.cert,
        "the certificate survived reboot and update"
    );
    assert_eq!(
        b2.password.as_deref(),
        Some(password.as_str()),
        "the earlier config (the generated admin) is kept: {b2:?}"
    );
    assert!(
        b2.data_mib.is_some_and(|m| m >= small + 900),
        "the data partition grew with the disk ({small} MiB before): {b2:?}"
    );
    check_page(&vm, &b2, "admin", &password);
    assert_inventory(&vm, &auth, "after the reboot and the update");
    vm.power_down(Duration::from_secs(180));

    // --- 3. a new config and a broken update, rolled back -----------------
    let user_password = "lab-operator-7f3k";
    let hash = hash_password(user_password);
    let with_users = dir.join("with-users.toml");
    std::fs::write(
        &with_users,
        format!(
            "{LAB_SCAN_TOML}\n[web]\nlisten = \"0.0.0.0:443\"\n\
             tls_cert = \"/etc/pandian/tls/cert.pem\"\ntls_key = \"/etc/pandian/tls/key.pem\"\n\
             redirect_http = \"0.0.0.0:80\"\n\n[[web.users]]\nname = \"ops\"\n\
             password_hash = \"{hash}\"\n"
        ),
    )
    .expect("with-users.toml");
    let broken = broken_bundle(image, &dir);
    spec.name = "fallback".into();
    spec.firmware = Firmware::Bios;
    spec.bus = DiskBus::Lsi;
    spec.nic = Nic::E1000;
    spec.seed = Some(seed_iso(
        &dir,
        "broken-seed",
        "cidata",
        &[
            ("pandian.toml", &with_users),
            ("pandian-broken-update.tar", &broken),
        ],
    ));
    let mut vm = boot(&spec, &dir);
    let (_, grub) = next_boot(&mut vm, 0);
    vm.wait_for("applied pandian.toml from the seed", 0, BOOT_LIMIT);
    let at = vm.wait_for("rebooting once into slot A", 0, BOOT_LIMIT);
    let written = Instant::now();
    let at = vm.wait_for("the page did not come up", at, BOOT_LIMIT);
    let given_up = Instant::now();
    let (at, _) = next_boot(&mut vm, at);
    let (b3, _) = banner(&mut vm, at);
    note(
        &mut timings,
        format!(
            "3a. power-on (BIOS, LSI, e1000), config applied, broken update written to slot A: power-on to GRUB booting {:.0} s, to `rebooting` {:.0} s",
            secs(vm.started, grub),
            secs(vm.started, written)
        ),
    );
    note(
        &mut timings,
        format!(
            "3b. trial boot of the broken slot A: `rebooting` to `the page did not come up` {:.0} s",
            secs(written, given_up)
        ),
    );
    note(
        &mut timings,
        format!(
            "3c. slot B again: `did not come up` to page {:.0} s (kernel to page {:?} s); power-on to page {:.0} s",
            secs(given_up, b3.seen),
            b3.kernel_to_page,
            secs(vm.started, b3.seen)
        ),
    );
    assert_eq!(b3.slot, "B", "fell back to the good slot: {b3:?}");
    assert!(b3.page_up, "{b3:?}");
    assert_eq!(b3.cert, b.cert, "same certificate");
    assert!(
        b3.users_from_seed && b3.password.is_none(),
        "the seed's users replaced the generated admin: {b3:?}"
    );
    check_page(&vm, &b3, "ops", user_password);
    let old = get(&vm, true, "/", Some(&format!("admin:{password}")));
    assert_eq!(
        old.status, 401,
        "the generated admin is gone with the seed's users"
    );
    assert_inventory(&vm, &format!("ops:{user_password}"), "after the fallback");
    vm.power_down(Duration::from_secs(180));
    eprintln!(
        "image: the appliance's life, every boot (the test took {:?}):",
        started.elapsed()
    );
    for t in &timings {
        eprintln!("image:   {t}");
    }
}

/// Opt-in (`PANDIAN_IMAGE_REPRO=1`, scripts/image-test-full): it costs a second root build. Builds
/// the root again from the same binary, commit time and package mirror and
/// compares it byte for byte with the one the other tests booted.
#[test]
fn image_root_is_reproducible() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    if std::env::var("PANDIAN_IMAGE_REPRO").map_or(true, |v| v != "1") {
        eprintln!(
            "SKIPPED: set PANDIAN_IMAGE_REPRO=1 (scripts/image-test-full) to build the root a second time and compare (about 2 minutes)"
        );
        return;
    }
    let image = image();
    let out = work_dir().join("repro");
    let _ = std::fs::remove_dir_all(&out);
    let start = Instant::now();
    run(
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/build"))
            .arg("--binary")
            .arg(env!("CARGO_BIN_EXE_pandian"))
            .arg("--out")
            .arg(&out)
            .arg("--cache")
            .arg(work_dir().join("debs"))
            .arg("--root-only"),
    );
    eprintln!("image: second root build took {:?}", start.elapsed());
    let first = run(Command::new("sha256sum").arg(image.out.join("root.squashfs")));
    let second = run(Command::new("sha256sum").arg(out.join("root.squashfs")));
    let packages = |dir: &Path| {
        std::fs::read_to_string(dir.join("manifest.txt"))
            .map(|m| {
                m.lines()
                    .filter(|l| l.starts_with("  "))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    if packages(&image.out) != packages(&out) {
        panic!(
            "Debian's mirror moved between the two builds (the package lists differ); run again"
        );
    }
    assert_eq!(
        first.split_whitespace().next(),
        second.split_whitespace().next(),
        "two builds of the root from the same inputs differ; compare them with \
         `unsquashfs -lls` or diffoscope"
    );
}

/// The seed's network.conf parser (the appliance's shell script, run here
/// with bash as the appliance runs it): what it accepts and how it refuses.
#[test]
fn image_seed_network_conf_table() {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("image/rootfs/usr/libexec/pandian/appliance");
    let dir = std::env::temp_dir().join(format!("pandian-netconf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("network.conf");
    let cases: [(&str, Option<&str>); 12] = [
        ("", None),
        ("# DHCP everywhere\n\nDHCP=yes\n", None),
        (
            "ADDRESS=198.51.100.10/24\nGATEWAY=198.51.100.1\nDNS=198.51.100.53 2001:db8::53\nDHCP=no\n",
            None,
        ),
        (
            "MATCH_MAC=52:54:00:12:34:56\nADDRESS=198.18.0.250/24  # lab\nNTP=\"ntp.example.org 198.51.100.123\"\r\n",
            None,
        ),
        ("MATCH_NAME=ens3\nDHCP=yes\n", None),
        ("ADDRESS=198.51.100.10\n", Some("line 1: ADDRESS")),
        ("\nADDRESS=198.51.100.300/24\n", Some("line 2: ADDRESS")),
        ("ADDRESS=198.51.100.10/33\n", Some("line 1: ADDRESS")),
        ("DHCP=no\n", Some("DHCP=no needs an ADDRESS")),
        ("GATEWAY=198.51.100.1\n", Some("GATEWAY needs an ADDRESS")),
        (
            "address=198.51.100.10/24\n",
            Some("line 1: expected KEY=value"),
        ),
        ("ADRESS=198.51.100.10/24\n", Some("unknown key `ADRESS`")),
    ];
    for (text, want) in cases {
        std::fs::write(&file, text).expect("write");
        let out = Command::new("bash")
            .arg(&script)
            .arg("check-network")
            .arg(&file)
            .output()
            .expect("bash");
        let said = String::from_utf8_lossy(&out.stdout);
        match want {
            None => assert!(out.status.success(), "{text:?} refused: {said}"),
            Some(w) => assert!(
                !out.status.success() && said.contains(w),
                "{text:?} gave {said}"
            ),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The unit every install uses (image/pandian.service): an unprivileged
/// user, exactly the two capabilities the daemon uses, systemd's sandbox,
/// restart on death and a bounded journal. `systemd-analyze verify` loads
/// it (with ExecStart pointed at this build's binary) and `systemd-analyze
/// security` rates its exposure; the boots above show the page and the lab
/// scan work under it (443 and 80 need CAP_NET_BIND_SERVICE, finding the
/// printer that drops ICMP needs the ARP sweep's CAP_NET_RAW).
#[test]
fn image_unit_is_least_privileged_and_hardened() {
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("image");
    let Some(analyze) = which("systemd-analyze") else {
        panic!("systemd-analyze is missing (Debian's systemd package); run scripts/setup-debian");
    };
    let unit = std::fs::read_to_string(image.join("pandian.service")).expect("pandian.service");
    let values = |key: &str| -> Vec<String> {
        unit.lines()
            .filter_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(|v| v.trim().to_string())
            .collect()
    };
    let one = |key: &str| {
        let v = values(key);
        assert_eq!(v.len(), 1, "{key}= once in the unit: {v:?}");
        v[0].clone()
    };
    for (key, want) in [
        ("User", "pandian"),
        ("Group", "pandian"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("SystemCallFilter", "@system-service"),
        ("Restart", "always"),
        ("ReadWritePaths", "/var/lib/pandian"),
    ] {
        assert_eq!(one(key), want, "{key}=");
    }
    let caps = |key: &str| {
        let mut c: Vec<String> = one(key).split_whitespace().map(String::from).collect();
        c.sort();
        c
    };
    assert_eq!(
        caps("AmbientCapabilities"),
        ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
    );
    assert_eq!(
        caps("CapabilityBoundingSet"),
        ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
    );
    // The sources the unit names as the reason for each capability exist.
    for src in ["src/sweep/arp.rs", "src/sweep/icmp.rs"] {
        assert!(unit.contains(src), "the unit says why: {src}");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(src).exists(),
            "{src}"
        );
    }

    let dir = std::env::temp_dir().join(format!("pandian-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = dir.join("pandian.service");
    let exec = format!(
        "ExecStart={} serve --config /etc/pandian/pandian.toml",
        env!("CARGO_BIN_EXE_pandian")
    );
    let text: Vec<&str> = unit
        .lines()
        .map(|l| {
            if l.starts_with("ExecStart=") {
                exec.as_str()
            } else {
                l
            }
        })
        .collect();
    std::fs::write(&copy, text.join("\n") + "\n").expect("write unit");
    let verify = Command::new(&analyze)
        .arg("verify")
        .arg(&copy)
        .output()
        .expect("systemd-analyze verify");
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Exposure 0-10 (shown) is compared with a threshold 0-100: at most 2.5.
    let security = Command::new(&analyze)
        .args(["security", "--offline=true", "--threshold=25", "--no-pager"])
        .arg(image.join("pandian.service"))
        .output()
        .expect("systemd-analyze security");
    let said = String::from_utf8_lossy(&security.stdout);
    assert!(
        security.status.success(),
        "exposure above 2.5: {}",
        vm::tail(&said, 2000)
    );
    eprintln!(
        "image: {}",
        said.lines()
            .rev()
            .find(|l| l.contains("exposure"))
            .unwrap_or("?")
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The journal: persistent on the data partition, bounded.
    let journald =
        std::fs::read_to_string(image.join("pandian-journald.conf")).expect("journald conf");
    for key in [
        "Storage=persistent",
        "SystemMaxUse=",
        "RuntimeMaxUse=",
        "SystemKeepFree=",
    ] {
        assert!(journald.lines().any(|l| l.starts_with(key)), "{key}");
    }
    for key in ["LogRateLimitIntervalSec", "LogRateLimitBurst"] {
        one(key);
    }
}
