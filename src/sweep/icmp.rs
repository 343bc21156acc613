//! ICMP echo sweeps over a raw IPv4 socket: the liveness probe for targets
//! that are not on an attached subnet, and a second signal for those that
//! are.

use super::{Pacer, SweepError};
use crate::wire::icmp;
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// A host that answered an echo request.
#[derive(Debug, Clone, PartialEq)]
pub struct IcmpHit {
    /// Its address.
    pub ip: Ipv4Addr,
    /// Time from our last request to its reply.
    pub rtt: Duration,
}

/// A non-blocking raw ICMP socket with a big receive buffer.
pub(crate) fn open() -> Result<UdpSocket, SweepError> {
    let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))
        .map_err(|e| SweepError::io("ICMP", "-", e))?;
    sock.set_nonblocking(true)
        .map_err(|e| SweepError::io("ICMP", "-", e))?;
    // A big receive buffer: a /16 sweep answers in bursts.
    let _ = sock.set_recv_buffer_size(4 << 20);
    // tokio's UdpSocket only calls sendto/recvfrom, which is exactly what a
    // raw socket wants; it never interprets the payload.
    let std_sock: std::net::UdpSocket = sock.into();
    UdpSocket::from_std(std_sock).map_err(|e| SweepError::io("ICMP", "-", e))
}

/// Send `passes` rounds of echo requests to `targets` at `rate` packets/s
/// and collect replies until `timeout` after the last request.
pub async fn sweep(
    targets: &[Ipv4Addr],
    rate: u32,
    timeout: Duration,
    passes: u32,
) -> Result<Vec<IcmpHit>, SweepError> {
    // A local subnet's network and broadcast addresses name no host.
    let edges = super::arp::subnet_edges();
    let kept: Vec<Ipv4Addr>;
    let targets = if targets.iter().any(|t| edges.contains_key(t)) {
        for t in targets.iter().filter(|t| edges.contains_key(t)) {
            if let Some(what) = edges.get(t) {
                tracing::warn!(target_ip = %t, "{t} is {what}: not probed");
            }
        }
        kept = targets
            .iter()
            .copied()
            .filter(|t| !edges.contains_key(t))
            .collect();
        &kept[..]
    } else {
        targets
    };
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let sock = open()?;
    let mut refused = 0usize;
    let ident = (std::process::id() as u16) ^ 0x5044;
    let mut pending: HashMap<Ipv4Addr, Option<Instant>> =
        targets.iter().map(|t| (*t, None)).collect();
    let mut hits = Vec::new();
    let pacer = Pacer::new(rate, Instant::now());
    let mut n: u64 = 0;
    let mut buf = vec![0u8; 2048];
    for pass in 0..passes.max(1) {
        let todo: Vec<Ipv4Addr> = targets
            .iter()
            .copied()
            .filter(|t| pending.contains_key(t))
            .collect();
        if todo.is_empty() {
            break;
        }
        for (i, t) in todo.iter().enumerate() {
            let wait = pacer.wait(n, Instant::now());
            if !wait.is_zero() {
                // Read what has arrived while we wait.
                let deadline = tokio::time::Instant::now() + wait;
                drain_until(&sock, &mut buf, ident, &mut pending, &mut hits, deadline).await;
            }
            n += 1;
            let seq = u16::try_from(i & 0xffff).unwrap_or(0);
            let pkt = icmp::echo_request(ident, seq, b"pandian-sweep");
            let dest = SocketAddr::V4(SocketAddrV4::new(*t, 0));
            if let Some(slot) = pending.get_mut(t) {
                *slot = Some(Instant::now());
            }
            match sock.send_to(&pkt, dest).await {
                Ok(_) => {}
                // No route to one target loses that probe, not the sweep.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENETUNREACH | libc::EHOSTUNREACH | libc::ENOBUFS)
                    ) => {}
                // The socket is open, so privileges are fine: the kernel
                // refuses this destination (EACCES: a broadcast address;
                // EPERM: a firewall rule). That loses this target only.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EACCES)) => {
                    refused += 1;
                    if refused <= 5 && pass == 0 {
                        tracing::warn!(
                            target_ip = %t,
                            error = %e,
                            "{t}: this machine refuses to send it an echo request (a broadcast address, or a firewall rule); not probed"
                        );
                    }
                    pending.remove(t);
                }
                Err(source) => {
                    return Err(SweepError::Io {
                        probe: "ICMP",
                        iface: "-".into(),
                        source,
                    });
                }
            }
        }
        let grace = if pass + 1 == passes.max(1) {
            timeout
        } else {
            timeout / 2
        };
        let deadline = tokio::time::Instant::now() + grace;
        drain_until(&sock, &mut buf, ident, &mut pending, &mut hits, deadline).await;
    }
    Ok(hits)
}

async fn drain_until(
    sock: &UdpSocket,
    buf: &mut [u8],
    ident: u16,
    pending: &mut HashMap<Ipv4Addr, Option<Instant>>,
    hits: &mut Vec<IcmpHit>,
    deadline: tokio::time::Instant,
) {
    loop {
        if pending.is_empty() {
            // Nothing left to hear; just wait out the pacing.
            tokio::time::sleep_until(deadline).await;
            return;
        }
        let recv = tokio::time::timeout_at(deadline, sock.recv_from(buf)).await;
        let Ok(Ok((len, _))) = recv else { return };
        let Some(packet) = buf.get(..len) else {
            continue;
        };
        // Foreign and malformed packets are ignored, never fatal.
        let Ok(Some(reply)) = icmp::decode_reply(packet) else {
            continue;
        };
        if reply.ident != ident {
            continue;
        }
        if let Some(sent) = pending.remove(&reply.source) {
            hits.push(IcmpHit {
                ip: reply.source,
                rtt: sent.map(|t| t.elapsed()).unwrap_or_default(),
            });
        }
    }
}
