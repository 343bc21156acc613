//! Running net-snmp `snmpd` as a lab device.

use super::{LabError, net::run_in, wait_until};
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

/// An SNMPv3 user for the lab agent.
#[derive(Debug, Clone)]
pub struct V3User {
    /// USM user name.
    pub name: String,
    /// `MD5`, `SHA`, `SHA-224`, `SHA-256`, `SHA-384`, `SHA-512`.
    pub auth_protocol: String,
    /// Authentication passphrase (≥ 8 characters).
    pub auth_password: String,
    /// `DES`, `AES`, `AES-192`, `AES-256`, or None for authNoPriv.
    pub priv_protocol: Option<String>,
    /// Privacy passphrase.
    pub priv_password: Option<String>,
}

/// How to configure one agent.
#[derive(Debug, Clone, Default)]
pub struct SnmpdSpec {
    /// Read-only communities (v1 and v2c).
    pub communities: Vec<String>,
    /// Communities that answer SNMPv1 only.
    pub v1_only_communities: Vec<String>,
    /// SNMPv3 users (read-only, at the security level their keys imply).
    pub v3_users: Vec<V3User>,
    /// sysDescr.
    pub sys_descr: String,
    /// sysObjectID, dotted.
    pub sys_object_id: String,
    /// sysName.
    pub sys_name: String,
    /// sysContact.
    pub sys_contact: String,
    /// sysLocation.
    pub sys_location: String,
    /// Subtrees the agent does not serve (net-snmp serves the lab
    /// machine's own HOST-RESOURCES, which a switch would not have).
    pub hidden: Vec<String>,
    /// Extra snmpd.conf lines.
    pub extra: Vec<String>,
}

/// snmpd.conf quoting: snmpd reads the rest of the line; a double-quoted
/// string keeps spaces. Control characters are passed as they are so tests
/// can check how hostile strings are handled.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'").replace(['\r', '\n'], " "))
}

/// The snmpd.conf text for `spec` listening on `ip`.
pub fn config_text(ip: Ipv4Addr, spec: &SnmpdSpec) -> String {
    let mut c = String::new();
    let _ = writeln!(c, "agentAddress udp:{ip}:161");
    let _ = writeln!(c, "view all included .1");
    for oid in &spec.hidden {
        let _ = writeln!(c, "view all excluded .{}", oid.trim_start_matches('.'));
    }
    for community in &spec.communities {
        let _ = writeln!(c, "rocommunity {community} default -V all");
    }
    for (i, community) in spec.v1_only_communities.iter().enumerate() {
        let _ = writeln!(c, "com2sec v1src{i} default {community}");
        let _ = writeln!(c, "group v1grp{i} v1 v1src{i}");
        let _ = writeln!(c, "access v1grp{i} \"\" v1 noauth exact all none none");
    }
    for u in &spec.v3_users {
        let mut line = format!(
            "createUser {} {} {}",
            u.name,
            u.auth_protocol,
            quoted(&u.auth_password)
        );
        let level = match (&u.priv_protocol, &u.priv_password) {
            (Some(p), Some(pw)) => {
                let _ = write!(line, " {p} {}", quoted(pw));
                "priv"
            }
            _ => "auth",
        };
        let _ = writeln!(c, "{line}");
        let _ = writeln!(c, "rouser {} {level} -V all", u.name);
    }
    // sysDescr keeps raw text (with CR/LF folded): snmpd reads to end of line.
    let _ = writeln!(c, "sysDescr {}", spec.sys_descr.replace(['\r', '\n'], " "));
    if !spec.sys_object_id.is_empty() {
        let _ = writeln!(
            c,
            "sysObjectID .{}",
            spec.sys_object_id.trim_start_matches('.')
        );
    }
    let _ = writeln!(c, "sysName {}", spec.sys_name);
    let _ = writeln!(c, "sysContact {}", spec.sys_contact);
    let _ = writeln!(c, "sysLocation {}", spec.sys_location);
    for l in &spec.extra {
        let _ = writeln!(c, "{l}");
    }
    c
}

/// Start snmpd inside `ns`, in the foreground, with state in `dir`.
pub(super) fn start(
    ns: &str,
    ip: Ipv4Addr,
    spec: &SnmpdSpec,
    dir: &Path,
) -> Result<Child, LabError> {
    // Inside the lab's private directory, each file new: nothing planted
    // is followed or reused.
    std::fs::create_dir(dir)?;
    let conf = dir.join("snmpd.conf");
    crate::files::write_new(&conf, config_text(ip, spec).as_bytes(), 0o600)?;
    let log = crate::files::create_new(&dir.join("snmpd.log"), 0o600)?;
    let mut cmd = run_in(ns, "snmpd");
    cmd.args(["-f", "-C", "-Lo", "-c"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join("snmpd.pid"))
        .env("SNMP_PERSISTENT_DIR", dir)
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    Ok(cmd.spawn()?)
}

/// Wait until the agent's UDP port is bound.
pub(super) fn wait_ready(ns: &str, ip: Ipv4Addr, limit: Duration) -> Result<(), LabError> {
    let want = format!("{ip}:161");
    let ok = wait_until(limit, || {
        run_in(ns, "ss")
            .args(["-uln"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(&want))
            .unwrap_or(false)
    });
    if ok {
        Ok(())
    } else {
        Err(LabError::Timeout(format!(
            "snmpd on {want} in {ns} did not start within {limit:?}"
        )))
    }
}
