//! The web load bench's lab, in namespaces it makes and removes (named
//! `wl{pid}-scan`, `wl{pid}-resp`, `wl{pid}-sim`):
//!
//! - `resp`: a responder on a veth from the scanner where every address of
//!   198.19.0.0/16 but 198.19.255.0/24 is its own (`local` routes, as
//!   benches/pipeline.rs's `Wide` lab does for the whole /16), with one
//!   net-snmp `snmpd` on 0.0.0.0: ARP, ICMP and SNMP answer everywhere.
//!   198.19.255.0/24 holds the scanner (.1) and the responder's own
//!   address (.2).
//! - `sim`: on a second veth, 198.18.180.0/24, a macvlan (its own MAC) per
//!   device: one snmpsimd listening on
//!   [`SIM_BASE`] and the addresses after it, each endpoint serving its own
//!   recording from ../shared/fixtures/snmprec (snmpsimd picks the data file
//!   `public/<transport id>.snmprec` for community `public` on endpoint
//!   number N, transport id 1.3.6.1.6.1.1.N, in its `--v2c-arch` mode), so each address is a
//!   different real device walked at full depth.
//!
//! The kernel's neighbour table is global: its gc thresholds are raised
//! for the /16 and restored on drop.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The first simulated device's address; the others follow.
pub const SIM_BASE: Ipv4Addr = Ipv4Addr::new(198, 18, 180, 10);

/// The responder's `local` routes: 198.19.0.0/16 without 198.19.255.0/24.
const LOCAL_BLOCKS: [&str; 8] = [
    "198.19.0.0/17",
    "198.19.128.0/18",
    "198.19.192.0/19",
    "198.19.224.0/20",
    "198.19.240.0/21",
    "198.19.248.0/22",
    "198.19.252.0/23",
    "198.19.254.0/24",
];

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command that runs `prog` inside namespace `ns`.
pub fn in_ns(ns: &str, prog: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns]).arg(prog);
    c
}

/// Raised neighbour-table thresholds, restored on drop.
struct Neigh(Vec<(String, String)>);

impl Neigh {
    fn raise() -> Neigh {
        let mut saved = Vec::new();
        for (n, v) in [("1", "200000"), ("2", "300000"), ("3", "400000")] {
            let path = format!("/proc/sys/net/ipv4/neigh/default/gc_thresh{n}");
            if let Ok(old) = std::fs::read_to_string(&path) {
                saved.push((path.clone(), old.trim().to_string()));
                let _ = std::fs::write(&path, v);
            }
        }
        Neigh(saved)
    }
}

impl Drop for Neigh {
    fn drop(&mut self) {
        for (path, old) in self.0.iter().rev() {
            let _ = std::fs::write(path, old);
        }
    }
}

/// The running lab; removed on drop.
pub struct WebLab {
    prefix: String,
    children: Vec<Child>,
    dir: PathBuf,
    /// The recordings the simulated devices serve, in address order.
    pub recordings: Vec<PathBuf>,
    _neigh: Neigh,
}

impl WebLab {
    /// The scanner's namespace (run `pandian scan` and the daemon's scans here).
    pub fn scanner_ns(&self) -> String {
        format!("{}-scan", self.prefix)
    }

    fn ns(&self, role: &str) -> String {
        format!("{}-{role}", self.prefix)
    }

    /// A scratch directory removed with the lab.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The address of simulated device `i`.
    pub fn sim_ip(i: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(SIM_BASE) + i as u32)
    }

    /// The MAC of simulated device `i` (a universally administered one:
    /// Pandian treats locally administered MACs as randomised).
    pub fn sim_mac(i: usize) -> String {
        format!("00:1b:21:b4:{:02x}:{:02x}", (i >> 8) & 0xff, i & 0xff)
    }

    /// Build the lab serving `recordings` as simulated devices (at most 200).
    pub fn up(recordings: Vec<PathBuf>) -> Result<WebLab, String> {
        let prefix = format!("wl{}", std::process::id());
        // A new private directory (0700, unguessable name).
        let dir = pandian::files::create_private_dir(
            &std::env::temp_dir(),
            &format!("pandian-bench-{prefix}"),
        )
        .map_err(|e| format!("a scratch directory: {e}"))?;
        let mut lab = WebLab {
            prefix,
            children: Vec::new(),
            dir,
            recordings: recordings.into_iter().take(200).collect(),
            _neigh: Neigh::raise(),
        };
        lab.links()?;
        lab.snmpd()?;
        lab.snmpsimd()?;
        Ok(lab)
    }

    fn links(&self) -> Result<(), String> {
        let (scan, resp, sim) = (self.ns("scan"), self.ns("resp"), self.ns("sim"));
        for ns in [&scan, &resp, &sim] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(Stdio::null())
                .status();
            if !ip(&["netns", "add", ns]) {
                return Err(format!("ip netns add {ns} failed"));
            }
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        let mut ok = ip(&[
            "link", "add", "eth0", "netns", &scan, "type", "veth", "peer", "name", "eth0", "netns",
            &resp,
        ]) && ip(&[
            "link", "add", "eth1", "netns", &scan, "type", "veth", "peer", "name", "eth0", "netns",
            &sim,
        ]) && ip(&["-n", &scan, "addr", "add", "198.19.255.1/16", "dev", "eth0"])
            && ip(&["-n", &resp, "addr", "add", "198.19.255.2/16", "dev", "eth0"])
            && ip(&["-n", &scan, "addr", "add", "198.18.180.1/24", "dev", "eth1"]);
        for (ns, dev) in [
            (&scan, "eth0"),
            (&scan, "eth1"),
            (&resp, "eth0"),
            (&sim, "eth0"),
        ] {
            ok = ok && ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        // Each simulated device on a macvlan of its own, with its own MAC,
        // answering ARP only for its own address (arp_ignore=1): one
        // interface holding every address would be one host to Pandian.
        for setting in [
            "net.ipv4.conf.all.arp_ignore=1",
            "net.ipv4.conf.all.arp_announce=2",
        ] {
            ok = ok
                && in_ns(&sim, "sysctl")
                    .args(["-q", "-w", setting])
                    .status()
                    .is_ok_and(|s| s.success());
        }
        for i in 0..self.recordings.len() {
            let dev = format!("d{i}");
            let mac = Self::sim_mac(i);
            let a = format!("{}/24", Self::sim_ip(i));
            ok =
                ok && ip(&[
                    "-n", &sim, "link", "add", &dev, "link", "eth0", "address", &mac, "type",
                    "macvlan", "mode", "bridge",
                ]) && ip(&["-n", &sim, "addr", "add", &a, "dev", &dev])
                    && ip(&["-n", &sim, "link", "set", &dev, "up"]);
        }
        for block in LOCAL_BLOCKS {
            ok = ok && ip(&["-n", &resp, "route", "add", "local", block, "dev", "lo"]);
        }
        if ok {
            Ok(())
        } else {
            Err("could not build the namespaces' links and addresses".into())
        }
    }

    fn snmpd(&mut self) -> Result<(), String> {
        let conf = self.dir.join("snmpd.conf");
        std::fs::write(
            &conf,
            // No sysName: every address of the /16 answers with the same
            // agent, and a name shared by addresses behind one MAC makes
            // them one host to Pandian; without it each is a device.
            "agentAddress udp:0.0.0.0:161\nview nosysname included .1\n\
             view nosysname excluded .1.3.6.1.2.1.1.5\nrocommunity public default -V nosysname\n\
             sysLocation web load bench\nsysContact bench@example.test\n",
        )
        .map_err(|e| e.to_string())?;
        let child = in_ns(&self.ns("resp"), "snmpd")
            .args(["-f", "-Lo", "-C", "-c"])
            .arg(&conf)
            .arg("-p")
            .arg(self.dir.join("snmpd.pid"))
            .env("SNMP_PERSISTENT_DIR", &self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("snmpd: {e}"))?;
        self.children.push(child);
        self.wait_snmp(Ipv4Addr::new(198, 19, 7, 7), Duration::from_secs(20))
    }

    fn snmpsimd(&mut self) -> Result<(), String> {
        if self.recordings.is_empty() {
            return Ok(());
        }
        let data = self.dir.join("sim-data");
        let public = data.join("public");
        let cache = self.dir.join("sim-cache");
        for d in [&public, &cache] {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        }
        let mut cmd = in_ns(&self.ns("sim"), "snmpsimd");
        // The v2c architecture picks a data file by community, transport
        // and source address (the v3 one by community string alone).
        cmd.arg("--v2c-arch")
            .arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()));
        for (i, rec) in self.recordings.iter().enumerate() {
            // Endpoint i is transport 1.3.6.1.6.1.1.i: its own data file.
            std::os::unix::fs::symlink(rec, public.join(format!("1.3.6.1.6.1.1.{i}.snmprec")))
                .map_err(|e| e.to_string())?;
            cmd.arg(format!("--agent-udpv4-endpoint={}:161", Self::sim_ip(i)));
        }
        cmd.args([
            "--process-user=root",
            "--process-group=root",
            "--logging-method=null",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        self.children
            .push(cmd.spawn().map_err(|e| format!("snmpsimd: {e}"))?);
        // snmpsimd indexes every recording before it answers.
        let last = Self::sim_ip(self.recordings.len() - 1);
        self.wait_snmp(last, Duration::from_secs(300))
    }

    /// Wait, bounded, until `addr` answers a GET of sysDescr for `public`.
    fn wait_snmp(&self, addr: Ipv4Addr, limit: Duration) -> Result<(), String> {
        let t = Instant::now();
        for _ in 0..1000 {
            let ok = in_ns(&self.scanner_ns(), "snmpget")
                .args(["-m", "", "-v2c", "-c", "public", "-t", "1", "-r", "0"])
                .arg(addr.to_string())
                .arg("1.3.6.1.2.1.1.1.0")
                .env("MIBS", "")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            if t.elapsed() > limit {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!("{addr} did not answer SNMP within {limit:?}"))
    }
}

impl Drop for WebLab {
    fn drop(&mut self) {
        for c in self.children.iter_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for role in ["scan", "resp", "sim"] {
            let ns = self.ns(role);
            let _ = Command::new("ip")
                .args(["netns", "del", &ns])
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
