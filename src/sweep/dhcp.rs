//! The DHCP probe: one DISCOVER broadcast on an attached segment, and every
//! OFFER that answers it within a wait, so each DHCP server on the segment
//! (approved or rogue) is recorded with what it offers. A segment-wide
//! probe: every host on the segment hears the broadcast, so jobs opt in
//! (`segment_probes = true`) and the pipeline never sends it on a segment
//! where the job excludes addresses. Nothing is leased: no REQUEST follows.

use super::SweepError;
use super::arp::Attached;
use crate::wire::dhcp::{self, Offer};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// Offers taken from one segment at most (a flood costs nothing more).
pub const MAX_OFFERS: usize = 32;

/// One offer heard on a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOffer {
    /// The interface it came in on.
    pub iface: String,
    /// Who sent it (the UDP source).
    pub from: Ipv4Addr,
    /// The offer.
    pub offer: Offer,
}

impl SegmentOffer {
    /// The server: its identifier (option 54), else the sender.
    pub fn server(&self) -> Ipv4Addr {
        self.offer.server_id.unwrap_or(self.from)
    }
}

/// The segment of `g` as a network (`198.18.161.0/24`: the network of its
/// own address and prefix).
pub fn segment(g: &Attached) -> Option<ipnetwork::Ipv4Network> {
    g.iface.ips.iter().find_map(|n| match (n.ip(), n.prefix()) {
        (std::net::IpAddr::V4(a), p) if a == g.src => ipnetwork::Ipv4Network::new(a, p)
            .and_then(|own| ipnetwork::Ipv4Network::new(own.network(), p))
            .ok(),
        _ => None,
    })
}

/// Broadcast one DISCOVER (transaction `xid`) from `g`'s interface and
/// collect the offers that answer within `wait`.
pub async fn probe(
    g: &Attached,
    xid: u32,
    wait: Duration,
) -> Result<Vec<SegmentOffer>, SweepError> {
    let name = g.iface.name.clone();
    let io = |e: std::io::Error| SweepError::io("DHCP", &name, e);
    let sock = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .map_err(io)?;
    sock.set_reuse_address(true).map_err(io)?;
    sock.set_broadcast(true).map_err(io)?;
    sock.bind_device(Some(name.as_bytes())).map_err(io)?;
    sock.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68)).into())
        .map_err(io)?;
    sock.set_nonblocking(true).map_err(io)?;
    let udp = tokio::net::UdpSocket::from_std(sock.into()).map_err(io)?;
    let packet = dhcp::discover(xid, g.mac);
    udp.send_to(&packet, SocketAddrV4::new(Ipv4Addr::BROADCAST, 67))
        .await
        .map_err(io)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1500];
    while out.len() < MAX_OFFERS {
        let Ok(got) = tokio::time::timeout_at(deadline, udp.recv_from(&mut buf)).await else {
            break;
        };
        let Ok((n, SocketAddr::V4(from))) = got else {
            continue;
        };
        // Anything that is not an offer to our transaction is not ours.
        let Some(bytes) = buf.get(..n) else { continue };
        if let Ok(Some(offer)) = dhcp::decode_offer(bytes)
            && offer.xid == xid
        {
            out.push(SegmentOffer {
                iface: name.clone(),
                from: *from.ip(),
                offer,
            });
        }
    }
    Ok(out)
}
