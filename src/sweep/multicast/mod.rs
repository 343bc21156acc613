//! The segment-wide multicast probes: one mDNS / DNS-SD query
//! ([`mdns`]), one SSDP M-SEARCH ([`ssdp`]) and one WS-Discovery Probe
//! ([`wsd`]) sent to their groups out of one attached interface, and the
//! answers every responder on the segment sends back by unicast. Like the
//! DHCP DISCOVER ([`super::dhcp`]) every host on the segment hears them,
//! so they run only for jobs that opt in (`segment_probes = true`) and the
//! pipeline never sends them on a segment where the job excludes an
//! address.
//!
//! Each socket is bound to the interface and its address, with
//! `IP_MULTICAST_IF` set to that address, TTL 1 and no loopback, so a
//! query leaves by that interface only and no router forwards it. Every
//! datagram is paid from the run's bucket. Each probe listens a bounded
//! time (about 1.2 s, the three at once), reads a bounded number of
//! datagrams and bytes, and keeps answers only from addresses the job
//! targets (and does not exclude): what anyone else says is counted and
//! dropped. Decoding is the unicast probes' own ([`crate::wire`] and the
//! fact builders of [`crate::probe`]), so the facts carry the same sources
//! and keys.

pub mod mdns;
pub mod ssdp;
pub mod wsd;

use super::SweepError;
use super::arp::Attached;
use crate::announce::{self, Announced};
use crate::bucket::Bucket;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// Responders kept per probe and segment, at most (others are dropped).
pub const MAX_RESPONDERS: usize = 256;
/// Datagrams read in one listening window, at most.
pub const MAX_DATAGRAMS: usize = 1024;
/// Bytes read in one listening window, at most.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Distinct non-target addresses remembered for the debug log, at most.
const MAX_DROPPED: usize = 1024;

/// The addresses whose answers are kept: the job's targets less its
/// exclusions (what [`crate::target::expand`] gives), sorted.
#[derive(Debug, Clone, Default)]
pub struct Allowed(Arc<Vec<Ipv4Addr>>);

impl Allowed {
    /// Allow exactly `addresses` (the run's expanded targets).
    pub fn new(mut addresses: Vec<Ipv4Addr>) -> Allowed {
        addresses.sort_unstable();
        addresses.dedup();
        Allowed(Arc::new(addresses))
    }

    /// Whether an answer from `ip` is kept.
    pub fn allows(&self, ip: Ipv4Addr) -> bool {
        self.0.binary_search(&ip).is_ok()
    }
}

/// What one probe heard, by answering address (allowed ones only).
pub type Heard = BTreeMap<Ipv4Addr, Vec<Announced>>;

/// Answers dropped because their sender is no target of the job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Their senders (at most [`MAX_DROPPED`] remembered).
    pub addresses: BTreeSet<Ipv4Addr>,
    /// How many datagrams.
    pub datagrams: usize,
}

impl Dropped {
    fn count(&mut self, ip: Ipv4Addr) {
        self.datagrams += 1;
        if self.addresses.len() < MAX_DROPPED {
            self.addresses.insert(ip);
        }
    }
}

/// What the three probes heard on one segment, merged by address (each
/// address's facts tidied), and why a probe failed.
pub async fn probe(g: &Attached, allowed: &Allowed, bucket: &Arc<Bucket>) -> (Heard, Vec<String>) {
    let (m, s, w) = tokio::join!(
        mdns::ask(g, allowed, bucket),
        ssdp::ask(g, allowed, bucket),
        wsd::ask(g, allowed, bucket)
    );
    let mut heard = Heard::new();
    let mut errors = Vec::new();
    for (kind, result) in [
        ("mDNS query", m),
        ("SSDP M-SEARCH", s),
        ("WS-Discovery probe", w),
    ] {
        match result {
            Ok((h, dropped)) => {
                if dropped.datagrams > 0 {
                    tracing::debug!(
                        iface = %g.iface.name,
                        probe = kind,
                        addresses = dropped.addresses.len(),
                        datagrams = dropped.datagrams,
                        "multicast answers from addresses that are no target of the job dropped"
                    );
                }
                for (ip, facts) in h {
                    heard.entry(ip).or_default().extend(facts);
                }
            }
            Err(e) => errors.push(format!("multicast {kind} failed: {e}")),
        }
    }
    for facts in heard.values_mut() {
        announce::tidy(facts);
    }
    heard.retain(|_, f| !f.is_empty());
    (heard, errors)
}

/// A UDP socket that sends to a group out of `g`'s interface only: bound
/// to the interface and to its address (an ephemeral port, where the
/// unicast answers come back), `IP_MULTICAST_IF` that address, TTL 1, no
/// loopback.
fn group_socket(g: &Attached, probe: &'static str) -> Result<UdpSocket, SweepError> {
    let name = &g.iface.name;
    let io = |e: std::io::Error| SweepError::io(probe, name, e);
    let sock = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .map_err(io)?;
    sock.bind_device(Some(name.as_bytes())).map_err(io)?;
    sock.set_multicast_if_v4(&g.src).map_err(io)?;
    sock.set_multicast_ttl_v4(1).map_err(io)?;
    sock.set_multicast_loop_v4(false).map_err(io)?;
    sock.bind(&SocketAddr::V4(SocketAddrV4::new(g.src, 0)).into())
        .map_err(io)?;
    sock.set_nonblocking(true).map_err(io)?;
    UdpSocket::from_std(sock.into()).map_err(io)
}

/// How long one listening window lasts.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// It ends then at the latest.
    until: Instant,
    /// It ends this long after the last datagram, once one came (None:
    /// only at `until`; responders that spread their answers over a delay
    /// need the whole window).
    quiet: Option<Duration>,
}

/// Read datagrams on `sock` during `w`, at most [`MAX_DATAGRAMS`] and
/// [`MAX_BYTES`]: each from an allowed address goes to `each`, each from
/// any other address is counted in `dropped` and read no further.
async fn listen(
    sock: &UdpSocket,
    buf: &mut [u8],
    w: Window,
    allowed: &Allowed,
    dropped: &mut Dropped,
    mut each: impl FnMut(Ipv4Addr, &[u8]),
) {
    let mut bytes = 0usize;
    let mut heard = false;
    for _ in 0..MAX_DATAGRAMS {
        if bytes >= MAX_BYTES {
            break;
        }
        let until = match (heard, w.quiet) {
            (true, Some(q)) => w.until.min(Instant::now() + q),
            _ => w.until,
        };
        let Ok(got) = tokio::time::timeout_at(until, sock.recv_from(buf)).await else {
            break;
        };
        heard = true;
        // A failed read (an ICMP error queued on the socket) is one datagram less.
        let Ok((n, SocketAddr::V4(from))) = got else {
            continue;
        };
        bytes = bytes.saturating_add(n);
        let ip = *from.ip();
        if !allowed.allows(ip) {
            dropped.count(ip);
            continue;
        }
        if let Some(b) = buf.get(..n) {
            each(ip, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_is_exactly_the_targets() {
        let ip = |o: u8| Ipv4Addr::new(198, 18, 161, o);
        let a = Allowed::new(vec![ip(9), ip(3), ip(3), ip(5)]);
        for (o, want) in [(3, true), (5, true), (9, true), (4, false), (1, false)] {
            assert_eq!(a.allows(ip(o)), want, "{o}");
        }
        assert!(!Allowed::default().allows(ip(3)));
    }

    #[test]
    fn dropped_counts_every_datagram_and_bounds_addresses() {
        let mut d = Dropped::default();
        for i in 0..3000u32 {
            d.count(Ipv4Addr::from(0xc612_0000 + i));
        }
        d.count(Ipv4Addr::from(0xc612_0000));
        assert_eq!(d.datagrams, 3001);
        assert_eq!(d.addresses.len(), MAX_DROPPED);
    }
}
