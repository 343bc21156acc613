//! The probes that ask one live host what it is, outside SNMP: mDNS /
//! DNS-SD, SSDP and UPnP, NetBIOS node status, WS-Discovery, and a small
//! set of TCP banners. Each is unicast to the host (never to another
//! address), pays every packet from the run's bucket, bounds what it reads
//! and hands back [`Announced`] facts, cleaned by the one sanitiser. The
//! decoders are pure, in [`crate::wire`]; this module is the I/O.

pub mod mdns;
pub mod netbios;
pub mod ssdp;
pub mod synack;
pub mod tcp;
pub mod tls;
pub mod wsd;

use crate::announce::{self, Announced};
use crate::bucket::Bucket;
use crate::job::Probes;
use std::net::Ipv4Addr;
use std::time::Duration;

/// How long a probe waits for a host's answer.
pub const WAIT: Duration = Duration::from_millis(1200);

/// An ephemeral UDP socket connected to `ip:port`: only that host's
/// answers are read, and its ICMP port unreachable ends the wait.
pub(crate) async fn connected_udp(
    ip: Ipv4Addr,
    port: u16,
) -> std::io::Result<tokio::net::UdpSocket> {
    let sock = tokio::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).await?;
    sock.connect((ip, port)).await?;
    Ok(sock)
}

/// The shortest wait for a host's first UDP answer.
pub const MIN_WAIT: Duration = Duration::from_millis(250);

/// How long the UDP probes wait for a host's first answer: eight times the
/// round trip its liveness reply took, plus [`MIN_WAIT`], at most [`WAIT`]
/// (a responder answers a unicast query at once; a host that listens but
/// never answers then costs a near host a quarter second, not [`WAIT`]).
/// Without a measured round trip, [`WAIT`].
pub fn answer_wait(rtt: Option<Duration>) -> Duration {
    match rtt {
        Some(r) => r.saturating_mul(8).saturating_add(MIN_WAIT).min(WAIT),
        None => WAIT,
    }
}

/// Ask `ip` with every host probe `probes` turns on, at once; a probe
/// that fails (the host refused, timed out, or sent garbage) adds nothing,
/// and why goes to the debug log. `synacks`, the run's SYN+ACK capture
/// (when it could open), lets the banner probe read its connections'
/// SYN+ACK ([`synack`]).
pub async fn host(
    ip: Ipv4Addr,
    rtt: Option<Duration>,
    probes: &Probes,
    bucket: &Bucket,
    synacks: Option<&synack::Capture>,
) -> Vec<Announced> {
    let wait = answer_wait(rtt);
    let mdns = async {
        if !probes.mdns {
            return Vec::new();
        }
        mdns::ask(ip, wait, bucket).await.unwrap_or_else(|e| {
            tracing::debug!(%ip, error = %e, "mDNS probe");
            Vec::new()
        })
    };
    let ssdp = async {
        if !probes.ssdp {
            return Vec::new();
        }
        ssdp::ask(ip, wait, bucket).await.unwrap_or_else(|e| {
            tracing::debug!(%ip, error = %e, "SSDP probe");
            Vec::new()
        })
    };
    let netbios = async {
        if !probes.netbios {
            return Vec::new();
        }
        netbios::ask(ip, wait, bucket).await.unwrap_or_else(|e| {
            tracing::debug!("{e}");
            Vec::new()
        })
    };
    let wsd = async {
        if !probes.wsd {
            return Vec::new();
        }
        wsd::ask(ip, wait, bucket).await.unwrap_or_else(|e| {
            tracing::debug!("{e}");
            Vec::new()
        })
    };
    let banners = async {
        if !probes.banners {
            return Vec::new();
        }
        tcp::ask(ip, bucket, synacks).await.unwrap_or_else(|e| {
            tracing::debug!(%ip, "tcp banners: {e}");
            Vec::new()
        })
    };
    let (mdns, ssdp, netbios, wsd, banners) = tokio::join!(mdns, ssdp, netbios, wsd, banners);
    let mut out: Vec<Announced> = mdns
        .into_iter()
        .chain(ssdp)
        .chain(netbios)
        .chain(wsd)
        .chain(banners)
        .collect();
    announce::tidy(&mut out);
    out
}

/// 16 random bytes (message ids, transaction ids); zeros if the system
/// has no randomness to give, which only makes ids guessable.
pub(crate) fn random_16() -> [u8; 16] {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut b = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut b);
    b
}

/// A random 16-bit transaction id.
pub(crate) fn random_u16() -> u16 {
    let [a, b, ..] = random_16();
    u16::from_be_bytes([a, b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_wait_follows_the_round_trip_within_bounds() {
        let ms = Duration::from_millis;
        assert_eq!(answer_wait(None), WAIT);
        assert_eq!(answer_wait(Some(Duration::ZERO)), MIN_WAIT);
        assert_eq!(answer_wait(Some(ms(10))), ms(330));
        assert_eq!(answer_wait(Some(ms(500))), WAIT);
        assert_eq!(answer_wait(Some(Duration::MAX)), WAIT);
    }
}
