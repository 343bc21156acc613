//! A real UPnP media renderer as a lab device: `gmediarender`
//! (gmrender-resurrect, on libupnp) inside a lab host's namespace,
//! answering SSDP on UDP 1900, unicast searches included (minidlna binds
//! its SSDP socket to the multicast group and never hears them), and
//! serving its description over HTTP on [`PORT`]. Its log is in the lab's
//! directory; the lab stops it.

use super::{Lab, LabError, wait_until};
use std::time::Duration;

/// The port its HTTP server (the description) listens on.
pub const PORT: u16 = 49494;

/// Start gmediarender on lab host `host` as `friendly_name` with
/// `uuid`, and wait (at most 15 s) until its HTTP server listens.
pub fn start(lab: &mut Lab, host: usize, friendly_name: &str, uuid: &str) -> Result<(), LabError> {
    let Some(bin) = super::which("gmediarender") else {
        return Err(LabError::Missing(
            "gmediarender".into(),
            "gmediarender gstreamer1.0-plugins-base".into(),
        ));
    };
    let ns = lab.host_ns(host);
    let log = lab.dir().join(format!("gmediarender-h{host}.log"));
    let mut cmd = lab.command_in(&ns, bin);
    cmd.args([
        "-I",
        "eth0",
        "-p",
        &PORT.to_string(),
        "-f",
        friendly_name,
        "-u",
        uuid,
    ])
    .arg(format!("--logfile={}", log.display()))
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    lab.spawn_in(&ns, cmd)?;
    let listening = || {
        lab.command_in(&ns, "ss")
            .args(["-Hltn", &format!("sport = :{PORT}")])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    };
    if !wait_until(Duration::from_secs(15), listening) {
        return Err(LabError::Timeout(format!(
            "gmediarender in {ns} did not listen on port {PORT}"
        )));
    }
    Ok(())
}
