//! Samba's real NetBIOS name server, `nmbd`, as a lab host's Windows-style
//! file server: its own smb.conf in the lab's directory (the NetBIOS name,
//! the workgroup, bound to the host's lab address only, every lock, state,
//! cache, pid and log directory private to the lab), run in the
//! foreground in the host's namespace and stopped with the lab.

use super::{Lab, LabError, wait_until, which};
use std::fmt::Write as _;
use std::process::Stdio;
use std::time::Duration;

/// Start nmbd on lab host `host` as `netbios_name` in `workgroup`, and wait
/// until it answers a node status request with its file-server name.
pub fn start(
    lab: &mut Lab,
    host: usize,
    netbios_name: &str,
    workgroup: &str,
) -> Result<(), LabError> {
    if which("nmbd").is_none() || which("nmblookup").is_none() {
        return Err(LabError::Missing("nmbd".into(), "samba".into()));
    }
    let ip = lab
        .spec()
        .hosts
        .get(host)
        .map(|h| h.ip)
        .ok_or_else(|| LabError::Timeout(format!("no lab host {host}")))?;
    let ns = lab.host_ns(host);
    let dir = lab.dir().join(format!("samba-h{host}"));
    std::fs::create_dir(&dir)?;
    let mut conf = String::from("[global]\n");
    let _ = writeln!(conf, "netbios name = {netbios_name}");
    let _ = writeln!(conf, "workgroup = {workgroup}");
    let _ = writeln!(conf, "interfaces = {ip}/{}", lab.spec().prefix_len);
    conf.push_str("bind interfaces only = yes\n");
    conf.push_str("server role = standalone server\nload printers = no\n");
    for (key, sub) in [
        ("lock directory", "lock"),
        ("state directory", "state"),
        ("cache directory", "cache"),
        ("pid directory", "pid"),
        ("private dir", "private"),
        ("ncalrpc dir", "ncalrpc"),
    ] {
        let d = dir.join(sub);
        std::fs::create_dir(&d)?;
        let _ = writeln!(conf, "{key} = {}", d.display());
    }
    let _ = writeln!(conf, "log file = {}", dir.join("log.nmbd").display());
    let conf_path = dir.join("smb.conf");
    crate::files::write_new(&conf_path, conf.as_bytes(), 0o600)?;
    let mut cmd = lab.command_in(&ns, "nmbd");
    cmd.args(["-F", "--no-process-group", "-d", "0", "-s"])
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(&ns, cmd)?;
    // Asked from inside the host's own namespace: nothing leaves it.
    let ready = wait_until(Duration::from_secs(20), || {
        lab.command_in(&ns, "nmblookup")
            .args(["-s"])
            .arg(&conf_path)
            .args(["-A", &ip.to_string()])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("<20>"))
    });
    if !ready {
        return Err(LabError::Timeout(format!(
            "nmbd on {ip} did not answer a node status request"
        )));
    }
    Ok(())
}
