//! Syslog transports: UDP (one datagram per message, RFC 5426) and TCP (a
//! kept connection, octet-counted frames, RFC 6587 §3.4.1). Every step is
//! under a timeout; a connection the receiver closed is noticed before the
//! next message is written to it.

use crate::config::{SyslogTarget, Transport};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

/// Resolving, connecting and writing each get at most this.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// One receiver's transport state.
pub struct Syslog {
    target: SyslogTarget,
    udp: Option<UdpSocket>,
    tcp: Option<TcpStream>,
}

/// Resolve `host:port` (bounded), preferring the first address.
pub async fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    let lookup = tokio::net::lookup_host((host, port));
    match tokio::time::timeout(STEP_TIMEOUT, lookup).await {
        Err(_) => Err(format!("resolving {host} timed out after {STEP_TIMEOUT:?}")),
        Ok(Err(e)) => Err(format!("cannot resolve {host}: {e}")),
        Ok(Ok(mut addrs)) => addrs.next().ok_or_else(|| format!("{host} has no address")),
    }
}

impl Syslog {
    /// Not connected yet (the first message connects).
    pub fn new(target: SyslogTarget) -> Syslog {
        Syslog {
            target,
            udp: None,
            tcp: None,
        }
    }

    /// Which transport it uses.
    pub fn transport(&self) -> Transport {
        self.target.transport
    }

    /// Send one RFC 5424 message (TCP: framed here). On error the
    /// connection is dropped, so the next call starts afresh.
    pub async fn send(&mut self, message: &[u8]) -> Result<(), String> {
        let r = match self.target.transport {
            Transport::Udp => self.send_udp(message).await,
            Transport::Tcp => self.send_tcp(message).await,
        };
        if r.is_err() {
            self.udp = None;
            self.tcp = None;
        }
        r
    }

    async fn send_udp(&mut self, message: &[u8]) -> Result<(), String> {
        if self.udp.is_none() {
            let addr = resolve(&self.target.host, self.target.port).await?;
            let local: SocketAddr = if addr.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let sock = UdpSocket::bind(local)
                .await
                .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
            // Connected: an ICMP port-unreachable shows up as an error on
            // a later send instead of vanishing.
            sock.connect(addr)
                .await
                .map_err(|e| format!("cannot reach {addr}: {e}"))?;
            self.udp = Some(sock);
        }
        let Some(sock) = &self.udp else {
            return Err("no UDP socket".into());
        };
        match tokio::time::timeout(STEP_TIMEOUT, sock.send(message)).await {
            Err(_) => Err("sending timed out".into()),
            Ok(Err(e)) => Err(format!("sending failed: {e}")),
            Ok(Ok(n)) if n != message.len() => Err(format!("sent {n} of {} bytes", message.len())),
            Ok(Ok(_)) => Ok(()),
        }
    }

    async fn send_tcp(&mut self, message: &[u8]) -> Result<(), String> {
        // A kept connection the receiver has closed reads as EOF: connect
        // again rather than write into it and lose the message.
        if let Some(s) = &self.tcp {
            let mut probe = [0u8; 256];
            match s.try_read(&mut probe) {
                Ok(0) => self.tcp = None,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => self.tcp = None,
            }
        }
        if self.tcp.is_none() {
            let addr = resolve(&self.target.host, self.target.port).await?;
            let stream = match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr)).await {
                Err(_) => {
                    return Err(format!(
                        "connecting to {addr} timed out after {STEP_TIMEOUT:?}"
                    ));
                }
                Ok(Err(e)) => return Err(format!("cannot connect to {addr}: {e}")),
                Ok(Ok(s)) => s,
            };
            let _ = stream.set_nodelay(true);
            self.tcp = Some(stream);
        }
        let Some(stream) = self.tcp.as_mut() else {
            return Err("no TCP connection".into());
        };
        let frame = super::format::octet_framed(message);
        match tokio::time::timeout(STEP_TIMEOUT, async {
            stream.write_all(&frame).await?;
            stream.flush().await
        })
        .await
        {
            Err(_) => Err(format!("writing timed out after {STEP_TIMEOUT:?}")),
            Ok(Err(e)) => Err(format!("writing failed: {e}")),
            Ok(Ok(())) => Ok(()),
        }
    }
}
