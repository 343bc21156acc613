//! A real WS-Discovery responder as a lab host: `wsdd2` (Debian package
//! `wsdd2`), bound to the host's lab interface, IPv4 and UDP only (no
//! LLMNR, no HTTP metadata), run in the foreground in the host's namespace
//! and stopped with the lab.
//!
//! Why not Debian's `wsdd` (0.7): it reads Probes only on its multicast
//! socket (its `WSDHost` registers its handler on the socket bound to
//! 239.255.255.250:3702, never on the one bound to the host's address), so
//! it never answers a Probe sent unicast to the host, which is all Pandian
//! sends. wsdd2 answers unicast Probes, as printers, cameras and Windows
//! do, and lists the same types (`wsdp:Device pub:Computer`).

use super::{Lab, LabError, wait_until, which};
use std::process::Stdio;
use std::time::Duration;

/// Start wsdd2 on lab host `host`, announcing `hostname`, `netbios_name`
/// and `workgroup`, and wait until it listens on UDP 3702.
pub fn start(
    lab: &mut Lab,
    host: usize,
    hostname: &str,
    netbios_name: &str,
    workgroup: &str,
) -> Result<(), LabError> {
    if which("wsdd2").is_none() {
        return Err(LabError::Missing("wsdd2".into(), "wsdd2".into()));
    }
    let ns = lab.host_ns(host);
    let mut cmd = lab.command_in(&ns, "wsdd2");
    cmd.args(["-4", "-u", "-w", "-i", "eth0", "-H", hostname, "-N"])
        .arg(netbios_name)
        .arg("-G")
        .arg(workgroup)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(&ns, cmd)?;
    let ready = wait_until(Duration::from_secs(10), || {
        lab.command_in(&ns, "ss")
            .args(["-Huln", "sport", "=", ":3702"])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    });
    if !ready {
        return Err(LabError::Timeout(format!(
            "wsdd2 in {ns} did not listen on UDP 3702"
        )));
    }
    Ok(())
}
