//! Serving real device recordings with `snmpsimd` as lab devices.

use super::{Lab, LabError, wait_until};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// Serve `recordings` (`.snmprec` files) with snmpsimd inside namespace `ns`
/// on `ip`:161; each answers to the community named after its file stem.
/// The files are read in place through symlinks, never copied. snmpsimd runs
/// as root inside the namespace so it can read them wherever they live.
/// Returns once the first recording answers a GET from the scanner's
/// namespace (at most 60 s).
pub fn start_snmpsim(
    lab: &mut Lab,
    ns: &str,
    ip: Ipv4Addr,
    recordings: &[PathBuf],
) -> Result<(), LabError> {
    let dir = lab.dir().join("snmpsim");
    let data = dir.join("data");
    let cache = dir.join("cache");
    // New directories inside the lab's private one.
    std::fs::create_dir(&dir)?;
    std::fs::create_dir(&data)?;
    std::fs::create_dir(&cache)?;
    let mut first_community = None;
    for src in recordings {
        let Some(name) = src.file_name() else {
            continue;
        };
        std::os::unix::fs::symlink(src, data.join(name))?;
        if first_community.is_none() {
            first_community = src.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
    }
    let mut cmd = lab.command_in(ns, "snmpsimd");
    cmd.arg(format!("--data-dir={}", data.display()))
        .arg(format!("--cache-dir={}", cache.display()))
        .arg(format!("--agent-udpv4-endpoint={ip}:161"))
        .args([
            "--process-user=root",
            "--process-group=root",
            "--logging-method=null",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(ns, cmd)?;
    let Some(community) = first_community else {
        return Ok(());
    };
    let scan = lab.scanner_ns();
    let answered = wait_until(Duration::from_secs(60), || {
        lab.command_in(&scan, "snmpget")
            .args([
                "-m",
                "",
                "-v2c",
                "-t",
                "1",
                "-r",
                "0",
                "-c",
                &community,
                &ip.to_string(),
                "1.3.6.1.2.1.1.1.0",
            ])
            .env("MIBS", "")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if answered {
        Ok(())
    } else {
        Err(LabError::Timeout(format!(
            "snmpsimd on {ip} in {ns} did not answer within 60 s"
        )))
    }
}
