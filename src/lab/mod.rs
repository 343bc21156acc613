//! A test lab of network namespaces: a bridge "switch", a scanner, hosts
//! with real vendor MACs running real net-snmp `snmpd` (and, where a test
//! asks, Samba's `nmbd` ([`samba`]) or a WS-Discovery responder ([`wsdd`])), a router to a second
//! segment, and hosts that drop ICMP. Used by `pandian demo` and by the
//! integration tests; needs root.
//!
//! Safety: every address is in 198.18.0.0/15; every namespace, link and
//! process is created by this module under a unique prefix, lives inside the
//! lab's own namespaces, and is removed by [`Lab::down`] (also on drop).
//! Nothing is created in the machine's own namespace.

pub mod avahi;
pub mod gmediarender;
pub mod minidlna;
mod net;
pub mod samba;
mod snmpd;
mod snmpsim;
mod spec;
pub mod web;
pub mod wsdd;

pub use net::run_in;
pub use snmpd::{SnmpdSpec, V3User};
pub use snmpsim::start_snmpsim;
pub use spec::{HostSpec, LabSpec, standard};

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// What went wrong building a lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The lab needs root (network namespaces, raw sockets).
    #[error("the lab needs root (network namespaces); run as root or with sudo")]
    NotRoot,
    /// A helper program is missing.
    #[error("`{0}` is not installed; on Debian: apt-get install {1}")]
    Missing(String, String),
    /// A command failed.
    #[error("lab setup: `{command}` failed: {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed.
        stderr: String,
    },
    /// An agent did not come up in time.
    #[error("lab setup: {0}")]
    Timeout(String),
    /// File or process I/O.
    #[error("lab setup: {0}")]
    Io(#[from] std::io::Error),
}

/// A running lab. Dropping it tears everything down.
pub struct Lab {
    spec: LabSpec,
    namespaces: Vec<String>,
    children: Vec<(String, Child)>,
    dir: PathBuf,
    etc_netns: Vec<PathBuf>,
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // /proc/self/status "Uid:\treal\teffective..." avoids unsafe geteuid().
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// Check that the programs a lab needs are installed.
pub fn check_tools(spec: &LabSpec) -> Result<(), LabError> {
    let mut need = vec![("ip", "iproute2")];
    if spec.hosts.iter().any(|h| h.snmpd.is_some()) || spec.router_snmpd.is_some() {
        need.push(("snmpd", "snmpd"));
    }
    if spec.hosts.iter().any(|h| h.drop_icmp) {
        need.push(("nft", "nftables"));
    }
    if spec.segments() > 1 {
        need.push(("dnsmasq", "dnsmasq-base"));
    }
    for (prog, pkg) in need {
        if which(prog).is_none() {
            return Err(LabError::Missing(prog.into(), pkg.into()));
        }
    }
    Ok(())
}

/// Find a program on PATH (and the sbin directories root normally has).
pub fn which(prog: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .map(|d| Path::new(d).join(prog))
        .find(|p| p.is_file())
}

impl Lab {
    /// Build the lab described by `spec`.
    pub fn up(spec: LabSpec) -> Result<Lab, LabError> {
        if !is_root() {
            return Err(LabError::NotRoot);
        }
        check_tools(&spec)?;
        // A new private directory (0700, unguessable name): nobody else can
        // have planted it or anything in it.
        let dir = crate::files::create_private_dir(&std::env::temp_dir(), &lab_stem(&spec.prefix))?;
        // Who owns this lab, so a later run can tell a dead lab from a live one.
        if let Err(e) = crate::files::write_new(
            &dir.join("owner"),
            std::process::id().to_string().as_bytes(),
            0o600,
        ) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.into());
        }
        let mut lab = Lab {
            spec,
            namespaces: Vec::new(),
            children: Vec::new(),
            dir,
            etc_netns: Vec::new(),
        };
        // On error, `lab` drops here and removes what was made so far.
        lab.build()?;
        Ok(lab)
    }

    fn build(&mut self) -> Result<(), LabError> {
        let spec = self.spec.clone();
        let sw = self.add_ns("sw")?;
        for seg in 0..spec.segments() {
            net::ip(&[
                "-n",
                &sw,
                "link",
                "add",
                &format!("br{seg}"),
                "type",
                "bridge",
            ])?;
            net::ip(&["-n", &sw, "link", "set", &format!("br{seg}"), "up"])?;
        }
        // Scanner on segment 0.
        let scan = self.add_ns("scan")?;
        net::attach(&sw, 0, "ps", &scan, spec.scanner_ip, spec.prefix_len, None)?;
        // Router between segment 0 and every further segment.
        if spec.segments() > 1 {
            let rtr = self.add_ns("rtr")?;
            net::attach(
                &sw,
                0,
                "pr0",
                &rtr,
                spec.router_ip(0),
                spec.prefix_len,
                Some("eth0"),
            )?;
            for seg in 1..spec.segments() {
                net::attach(
                    &sw,
                    seg,
                    &format!("pr{seg}"),
                    &rtr,
                    spec.router_ip(seg),
                    spec.prefix_len,
                    Some(&format!("eth{seg}")),
                )?;
                net::route(
                    &scan,
                    &spec.segment_net(seg).to_string(),
                    &spec.router_ip(0).to_string(),
                )?;
            }
            net::sysctl(&rtr, "net.ipv4.ip_forward=1")?;
            self.start_dns(&rtr, &scan)?;
            if let Some(agent) = &spec.router_snmpd {
                let child = snmpd::start(&rtr, spec.router_ip(0), agent, &self.dir.join("rtr"))?;
                self.children.push((rtr.clone(), child));
                snmpd::wait_ready(&rtr, spec.router_ip(0), Duration::from_secs(10))?;
            }
        }
        for (i, host) in spec.hosts.iter().enumerate() {
            let ns = self.add_ns(&format!("h{i}"))?;
            net::attach_with_mac(
                &sw,
                host.segment,
                &format!("ph{i}"),
                &ns,
                host.ip,
                spec.prefix_len,
                host.mac,
            )?;
            if host.segment > 0 {
                net::route(&ns, "default", &spec.router_ip(host.segment).to_string())?;
            } else if spec.segments() > 1 {
                for seg in 1..spec.segments() {
                    net::route(
                        &ns,
                        &spec.segment_net(seg).to_string(),
                        &spec.router_ip(0).to_string(),
                    )?;
                }
            }
            if host.drop_icmp {
                net::drop_icmp_echo(&ns)?;
            }
            if let Some(snmpd) = &host.snmpd {
                let child = snmpd::start(&ns, host.ip, snmpd, &self.dir.join(format!("h{i}")))?;
                self.children.push((ns.clone(), child));
            }
        }
        for (i, host) in spec.hosts.iter().enumerate() {
            if host.snmpd.is_some() {
                snmpd::wait_ready(
                    &self.ns_name(&format!("h{i}")),
                    host.ip,
                    Duration::from_secs(10),
                )?;
            }
        }
        Ok(())
    }

    /// dnsmasq on the router answers PTR (and A) queries for every host as
    /// `LABEL.lab.test`; the scanner namespace's resolv.conf points at it.
    fn start_dns(&mut self, rtr: &str, scan: &str) -> Result<(), LabError> {
        let server = self.spec.router_ip(0);
        let mut cmd = run_in(rtr, "dnsmasq");
        cmd.args([
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--conf-file=/dev/null",
            "--pid-file=",
        ])
        // Records on the command line, not in a file: dnsmasq drops to an
        // unprivileged user and could not read the lab's private directory.
        .args(
            self.spec
                .hosts
                .iter()
                .map(|h| format!("--host-record={}.lab.test,{}", h.label, h.ip)),
        )
        .arg(format!("--listen-address={server}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        let child = cmd.spawn()?;
        self.children.push((rtr.to_string(), child));
        let etc = Path::new("/etc/netns").join(scan);
        make_etc_netns(&etc)?;
        self.etc_netns.push(etc.clone());
        crate::files::write_new(
            &etc.join("resolv.conf"),
            format!("nameserver {server}\noptions timeout:1 attempts:1\n").as_bytes(),
            0o644,
        )?;
        Ok(())
    }

    fn ns_name(&self, role: &str) -> String {
        format!("{}-{role}", self.spec.prefix)
    }

    fn add_ns(&mut self, role: &str) -> Result<String, LabError> {
        let name = self.ns_name(role);
        net::ip(&["netns", "add", &name])?;
        self.namespaces.push(name.clone());
        net::ip(&["-n", &name, "link", "set", "lo", "up"])?;
        Ok(name)
    }

    /// The scanner's namespace: run Pandian (or nmap) here.
    pub fn scanner_ns(&self) -> String {
        self.ns_name("scan")
    }

    /// The router's namespace (labs with more than one segment).
    pub fn router_ns(&self) -> String {
        self.ns_name("rtr")
    }

    /// The namespace of host number `i` (as in the spec's host list).
    pub fn host_ns(&self, i: usize) -> String {
        self.ns_name(&format!("h{i}"))
    }

    /// The scanner's address.
    pub fn scanner_ip(&self) -> Ipv4Addr {
        self.spec.scanner_ip
    }

    /// The spec the lab was built from.
    pub fn spec(&self) -> &LabSpec {
        &self.spec
    }

    /// A command that runs `program` inside namespace `ns`.
    pub fn command_in(&self, ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
        run_in(ns, program)
    }

    /// Stop the agents and remove every namespace this lab made.
    pub fn down(&mut self) {
        for (_, child) in self.children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
        for ns in self.namespaces.drain(..).rev() {
            remove_namespace(&ns);
        }
        for etc in self.etc_netns.drain(..) {
            let _ = std::fs::remove_dir_all(etc);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Start an extra process inside one of the lab's namespaces; it is
    /// killed when the lab goes down.
    pub fn spawn_in(&mut self, ns: &str, mut cmd: Command) -> Result<u32, LabError> {
        let _ = ns;
        let child = cmd.spawn()?;
        let pid = child.id();
        self.children.push((ns.to_string(), child));
        Ok(pid)
    }

    /// A scratch directory removed with the lab.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.down();
    }
}

/// The stem of a lab's private directory; [`crate::files::create_private_dir`]
/// adds a random part.
fn lab_stem(prefix: &str) -> String {
    format!("pandian-lab-{prefix}")
}

/// The private directories labs with `prefix` made (normally one).
fn lab_dirs(prefix: &str) -> Vec<PathBuf> {
    let stem = format!("{}-", lab_stem(prefix));
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&stem))
        .map(|e| e.path())
        // Only directories we could have made: never one another user planted.
        .filter(|p| crate::files::is_private_dir(p))
        .collect()
}

/// Make `/etc/netns/NAME` for a namespace this lab owns: a leftover from
/// a lab of the same name that was killed is replaced; anything but a
/// root-owned directory there is an error.
fn make_etc_netns(etc: &Path) -> Result<(), LabError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create("/etc/netns")?;
    if let Ok(meta) = std::fs::symlink_metadata(etc) {
        if !meta.is_dir() || meta.uid() != 0 {
            return Err(LabError::Io(std::io::Error::other(format!(
                "{} exists and is not a root-owned directory; remove it",
                etc.display()
            ))));
        }
        std::fs::remove_dir_all(etc)?;
    }
    std::fs::DirBuilder::new().mode(0o755).create(etc)?;
    Ok(())
}

/// Kill whatever still runs inside `ns`, then delete it.
fn remove_namespace(ns: &str) {
    if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
        // The demo itself lives in its scanner namespace: never kill ourselves.
        let me = std::process::id().to_string();
        for pid in String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter(|p| *p != me)
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    let _ = Command::new("ip").args(["netns", "delete", ns]).output();
    let _ = std::fs::remove_dir_all(Path::new("/etc/netns").join(ns));
}

/// Remove labs whose namespaces start with `stem` (e.g. `pdm`) and whose
/// owning process is gone (a demo killed while it was still building).
/// Returns how many namespaces were removed. Never touches a live lab.
pub fn remove_stale(stem: &str) -> usize {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return 0;
    };
    let mut removed = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(ns) = line.split_whitespace().next() else {
            continue;
        };
        let Some((prefix, _role)) = ns.split_once('-') else {
            continue;
        };
        let digits = prefix.strip_prefix(stem).unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let dirs = lab_dirs(prefix);
        let owner_alive = dirs.iter().any(|dir| {
            crate::files::read_capped(&dir.join("owner"), 64)
                .ok()
                .and_then(|p| String::from_utf8_lossy(&p).trim().parse::<u32>().ok())
                .is_some_and(|pid| {
                    std::fs::read(format!("/proc/{pid}/cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("pandian"))
                })
        });
        if owner_alive {
            continue;
        }
        remove_namespace(ns);
        for dir in dirs {
            let _ = std::fs::remove_dir_all(&dir);
        }
        removed += 1;
    }
    removed
}

/// Wait, bounded, until `ready()` is true.
pub(crate) fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    for _ in 0..1000 {
        if ready() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}
