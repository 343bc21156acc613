//! The SSDP / UPnP probe: one M-SEARCH (`ST: ssdp:all`) unicast to a
//! host's port 1900, its answers (from any port of that address: libupnp
//! sends each from a new one) read for at most the wait [`super::answer_wait`] gives (and
//! [`QUIET`] after the last one), then the device description at the
//! first `LOCATION` whose host is the target address itself (any port;
//! a location naming another address or a host name is never fetched):
//! one HTTP/1.1 GET, each step under [`super::WAIT`], at most [`MAX_BODY`]
//! bytes read.

use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::wire::{ssdp, upnp};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Answers read from one host, at most (one per device, service and root).
pub const MAX_ANSWERS: usize = 32;
/// How long to wait for more answers after the last one.
pub const QUIET: Duration = Duration::from_millis(300);
/// Most bytes of a description response read (headers and body).
pub const MAX_BODY: usize = 64 * 1024;
/// Distinct `st` and `usn` values kept.
const MAX_VALUES: usize = 16;

/// Why the SSDP probe of a host ended without facts.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A socket call failed (an ICMP port unreachable shows here too).
    #[error("SSDP {ip}: {source}")]
    Io {
        /// The host asked.
        ip: Ipv4Addr,
        /// What failed.
        source: std::io::Error,
    },
}

/// Ask `ip` what it announces over SSDP and its UPnP description.
pub async fn ask(
    ip: Ipv4Addr,
    wait: std::time::Duration,
    bucket: &Bucket,
) -> Result<Vec<Announced>, ProbeError> {
    let io = |source| ProbeError::Io { ip, source };
    let sock = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
        .await
        .map_err(io)?;
    // Not connected: libupnp answers from a new port per answer. Only
    // datagrams from the target's address are read. IP_RECVERR makes the
    // host's ICMP port unreachable end the wait at once (an unconnected
    // socket otherwise ignores it).
    recv_errors(&sock);
    bucket.acquire(1).await;
    sock.send_to(&ssdp::msearch(), SocketAddrV4::new(ip, 1900))
        .await
        .map_err(io)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut answers = Vec::new();
    let mut buf = vec![0u8; 8192];
    // Every datagram read counts, a stranger's too: a flood ends the wait.
    for _ in 0..MAX_ANSWERS * 4 {
        if answers.len() >= MAX_ANSWERS {
            break;
        }
        let until = if answers.is_empty() {
            deadline
        } else {
            deadline.min(tokio::time::Instant::now() + QUIET)
        };
        let Ok(got) = tokio::time::timeout_at(until, sock.recv_from(&mut buf)).await else {
            break;
        };
        let (n, from) = got.map_err(io)?;
        if from.ip() != std::net::IpAddr::V4(ip) {
            continue;
        }
        match buf.get(..n).map(ssdp::parse_answer) {
            Some(Ok(a)) => answers.push(a),
            _ => tracing::debug!(%ip, "SSDP: an answer that does not parse"),
        }
    }
    let mut out = answer_facts(&answers);
    if let Some(loc) = own_location(&answers, ip) {
        out.extend(describe(ip, &loc, bucket).await);
    }
    Ok(out)
}

/// The first `LOCATION` among `answers` whose host is the address `ip`
/// itself (a host name or another address is never fetched).
pub(crate) fn own_location(answers: &[ssdp::Answer], ip: Ipv4Addr) -> Option<ssdp::Location> {
    answers
        .iter()
        .filter_map(|a| a.location.as_deref())
        .filter_map(ssdp::parse_location)
        .find(|l| l.host.parse::<Ipv4Addr>().is_ok_and(|h| h == ip))
}

/// The facts of the UPnP description at `loc`, whose host must be `ip`
/// (the caller checks it): fetched as [`fetch`] does; nothing, and why at
/// debug level, when it fails or does not parse.
pub(crate) async fn describe(
    ip: Ipv4Addr,
    loc: &ssdp::Location,
    bucket: &Bucket,
) -> Vec<Announced> {
    let mut out = Vec::new();
    match fetch(ip, loc, bucket).await {
        Ok(raw) => match ssdp::body(&raw, MAX_BODY).map(|b| upnp::describe(&b)) {
            Ok(Ok(d)) => {
                for (k, v) in d.fields() {
                    out.extend(Announced::new(Source::Ssdp, k, v));
                }
            }
            Ok(Err(e)) => tracing::debug!(%ip, error = %e, "UPnP description"),
            Err(e) => tracing::debug!(%ip, error = %e, "UPnP description response"),
        },
        Err(e) => tracing::debug!(%ip, error = %e, "UPnP description fetch failed"),
    }
    out
}

/// The answers' headers as facts: the first `server` and `location`,
/// every distinct `st` and `usn` (bounded).
pub(crate) fn answer_facts(answers: &[ssdp::Answer]) -> Vec<Announced> {
    let mut out = Vec::new();
    let first = |f: fn(&ssdp::Answer) -> Option<&String>| answers.iter().find_map(f);
    if let Some(s) = first(|a| a.server.as_ref()) {
        out.extend(Announced::new(Source::Ssdp, "server", s));
    }
    if let Some(l) = first(|a| a.location.as_ref()) {
        out.extend(Announced::new(Source::Ssdp, "location", l));
    }
    for (key, get) in [
        (
            "st",
            (|a: &ssdp::Answer| a.st.as_ref()) as fn(&ssdp::Answer) -> Option<&String>,
        ),
        ("usn", |a: &ssdp::Answer| a.usn.as_ref()),
    ] {
        let mut seen: Vec<&String> = Vec::new();
        for v in answers.iter().filter_map(get) {
            if !seen.contains(&v) && seen.len() < MAX_VALUES {
                seen.push(v);
                out.extend(Announced::new(Source::Ssdp, key, v));
            }
        }
    }
    out
}

/// GET the description at `loc` (whose host is `ip`): one connection
/// (one token), each step under [`super::WAIT`], at most [`MAX_BODY`] bytes.
async fn fetch(ip: Ipv4Addr, loc: &ssdp::Location, bucket: &Bucket) -> std::io::Result<Vec<u8>> {
    let timeout =
        |what: &str| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("{what} timed out"));
    bucket.acquire(1).await;
    let mut stream = tokio::time::timeout(
        super::WAIT,
        TcpStream::connect(SocketAddrV4::new(ip, loc.port)),
    )
    .await
    .map_err(|_| timeout("connect"))??;
    tokio::time::timeout(super::WAIT, stream.write_all(&ssdp::get_request(loc)))
        .await
        .map_err(|_| timeout("request"))??;
    let mut raw = Vec::new();
    let deadline = tokio::time::Instant::now() + super::WAIT * 2;
    let mut chunk = vec![0u8; 8192];
    while raw.len() < MAX_BODY {
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(r) => r?,
            // Out of time: what came so far.
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        let room = MAX_BODY - raw.len();
        raw.extend_from_slice(chunk.get(..n.min(room)).unwrap_or_default());
    }
    Ok(raw)
}

/// Ask the kernel to report ICMP errors on this unconnected socket (Linux
/// `IP_RECVERR`); without it the probe only waits longer.
fn recv_errors(sock: &UdpSocket) {
    use nix::sys::socket::{setsockopt, sockopt::Ipv4RecvErr};
    if let Err(e) = setsockopt(sock, Ipv4RecvErr, &true) {
        tracing::debug!(error = %e, "SSDP: IP_RECVERR");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_facts_keep_distinct_values_bounded() {
        let a = |st: &str| ssdp::Answer {
            server: Some(
                "Linux/6.18.44-fc-v1098, UPnP/1.0, Portable SDK for UPnP devices/1.8.4".into(),
            ),
            st: Some(st.into()),
            usn: Some(format!("uuid:x::{st}")),
            location: Some("http://198.18.110.24:49494/description.xml".into()),
        };
        let mut answers = vec![a("upnp:rootdevice"), a("upnp:rootdevice")];
        answers.extend((0..40).map(|i| a(&format!("urn:x:service:S{i}:1"))));
        let facts = answer_facts(&answers);
        let count = |k: &str| facts.iter().filter(|f| f.key == k).count();
        assert_eq!(count("server"), 1);
        assert_eq!(count("location"), 1);
        assert_eq!(count("st"), MAX_VALUES);
        assert_eq!(count("usn"), MAX_VALUES);
    }
}
