//! A real UPnP/DLNA media server as a lab device: `minidlnad` in the
//! foreground (`-d`) inside a lab host's namespace, answering SSDP on
//! UDP 1900 and serving its description on TCP 8200. Its config, media,
//! database, log and pid file are in the lab's directory; the lab stops it.

use super::{Lab, LabError, wait_until};
use std::time::Duration;

/// The port minidlna serves HTTP (its description) on.
pub const PORT: u16 = 8200;

/// What the server says of itself.
#[derive(Debug, Clone)]
pub struct MinidlnaSpec {
    /// `friendly_name`.
    pub friendly_name: String,
    /// `serial`.
    pub serial: String,
    /// `model_number`.
    pub model_number: String,
}

/// Start minidlnad on lab host `host` and wait (at most 15 s) until it
/// listens.
pub fn start(lab: &mut Lab, host: usize, spec: &MinidlnaSpec) -> Result<(), LabError> {
    let Some(bin) = super::which("minidlnad") else {
        return Err(LabError::Missing("minidlnad".into(), "minidlna".into()));
    };
    let ns = lab.host_ns(host);
    let dir = lab.dir().join(format!("minidlna-h{host}"));
    for sub in ["media", "db", "log"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let conf = dir.join("minidlna.conf");
    std::fs::write(
        &conf,
        format!(
            "port={PORT}\nnetwork_interface=eth0\nmedia_dir=V,{}\ndb_dir={}\nlog_dir={}\n\
             friendly_name={}\nserial={}\nmodel_number={}\ninotify=no\nenable_tivo=no\n\
             notify_interval=900\n",
            dir.join("media").display(),
            dir.join("db").display(),
            dir.join("log").display(),
            spec.friendly_name,
            spec.serial,
            spec.model_number,
        ),
    )?;
    let log = dir.join("minidlnad.out");
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)?;
    let mut cmd = lab.command_in(&ns, bin);
    cmd.arg("-d")
        .arg("-f")
        .arg(&conf)
        .arg("-P")
        .arg(dir.join("minidlna.pid"))
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    lab.spawn_in(&ns, cmd)?;
    let ready = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("HTTP listening on port"))
    });
    if !ready {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = tail.lines().rev().take(8).collect::<Vec<_>>().join(" | ");
        return Err(LabError::Timeout(format!(
            "minidlnad in {ns} did not start: {tail}"
        )));
    }
    Ok(())
}
