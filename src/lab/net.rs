//! `ip` and `nft` commands for the lab.

use super::LabError;
use std::net::Ipv4Addr;
use std::process::Command;

/// A command that runs `program` inside namespace `ns`.
pub fn run_in(ns: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns]).arg(program);
    c
}

pub(super) fn check(mut cmd: Command) -> Result<(), LabError> {
    let out = cmd.output()?;
    if out.status.success() {
        return Ok(());
    }
    Err(LabError::Command {
        command: format!("{cmd:?}"),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

pub(super) fn ip(args: &[&str]) -> Result<(), LabError> {
    let mut c = Command::new("ip");
    c.args(args);
    check(c)
}

/// `ip -n NS route add DEST via GW`.
pub(super) fn route(ns: &str, dest: &str, via: &str) -> Result<(), LabError> {
    ip(&["-n", ns, "route", "add", dest, "via", via])
}

pub(super) fn sysctl(ns: &str, setting: &str) -> Result<(), LabError> {
    let mut c = run_in(ns, "sysctl");
    c.args(["-q", "-w", setting]);
    check(c)
}

/// A veth from bridge `br{seg}` in the switch namespace to `eth0` (or
/// `ifname`) in `ns`, with an address.
pub(super) fn attach(
    sw: &str,
    seg: usize,
    port: &str,
    ns: &str,
    addr: Ipv4Addr,
    prefix: u8,
    ifname: Option<&str>,
) -> Result<(), LabError> {
    attach_inner(
        sw,
        seg,
        port,
        ns,
        addr,
        prefix,
        ifname.unwrap_or("eth0"),
        None,
    )
}

pub(super) fn attach_with_mac(
    sw: &str,
    seg: usize,
    port: &str,
    ns: &str,
    addr: Ipv4Addr,
    prefix: u8,
    mac: [u8; 6],
) -> Result<(), LabError> {
    attach_inner(sw, seg, port, ns, addr, prefix, "eth0", Some(mac))
}

#[allow(clippy::too_many_arguments)]
fn attach_inner(
    sw: &str,
    seg: usize,
    port: &str,
    ns: &str,
    addr: Ipv4Addr,
    prefix: u8,
    ifname: &str,
    mac: Option<[u8; 6]>,
) -> Result<(), LabError> {
    ip(&[
        "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", port, "netns", sw,
    ])?;
    ip(&["-n", sw, "link", "set", port, "master", &format!("br{seg}")])?;
    ip(&["-n", sw, "link", "set", port, "up"])?;
    if let Some(m) = mac {
        let text = format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        );
        ip(&["-n", ns, "link", "set", ifname, "address", &text])?;
    }
    ip(&[
        "-n",
        ns,
        "addr",
        "add",
        &format!("{addr}/{prefix}"),
        "dev",
        ifname,
    ])?;
    ip(&["-n", ns, "link", "set", ifname, "up"])
}

/// Drop ICMP echo requests inside `ns` (the host still answers ARP and SNMP).
pub(super) fn drop_icmp_echo(ns: &str) -> Result<(), LabError> {
    for rule in [
        "add table inet pandian_lab",
        "add chain inet pandian_lab input { type filter hook input priority 0; }",
        "add rule inet pandian_lab input icmp type echo-request drop",
    ] {
        let mut c = run_in(ns, "nft");
        c.arg(rule);
        check(c)?;
    }
    Ok(())
}
