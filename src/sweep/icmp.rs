//! The raw IPv4 ICMP socket the pipeline's echo probe
//! (`pipeline::liveness::icmp`) sends and reads on.

use super::SweepError;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

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
