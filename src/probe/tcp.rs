//! TCP banners of one live host: a small fixed port set ([`PORTS`]), at
//! most [`PARALLEL`] connections at a time, each connection attempt paid
//! from the run's bucket, each connect bounded by [`CONNECT`], each read
//! by [`probe::WAIT`](super::WAIT) and [`READ_CAP`], the whole host by
//! [`DEADLINE`]. Every port that accepts gives `open`; SSH, FTP and
//! Telnet their banner line; HTTP (80, 8080) and HTTPS (443) the
//! `Server` header, the page title and an authentication realm; 443 also
//! the certificate's subject and issuer (read with our own TLS 1.0-1.2
//! hello, [`crate::wire::tls`], so old devices answer too); 9100 the
//! `@PJL INFO ID` answer, 631 IPP printer attributes, 554 the RTSP
//! `Server`. 139, 445 and 515 are only connected to. Only `ip` is ever
//! contacted. The parsing is pure, in [`crate::wire`]. With the run's
//! SYN+ACK capture ([`super::synack`]), the SYN+ACK that answered one of
//! these connections gives p0f's signature of the host's TCP/IP stack
//! (`tcp.sig`, `tcp.os`); nothing more is sent for it.

use super::{synack, tls};
use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::wire::{banner, ipp};
use std::future::Future;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// The ports asked, in order.
pub const PORTS: [u16; 12] = [21, 22, 23, 80, 139, 443, 445, 515, 554, 631, 8080, 9100];
/// Most connections open at once to one host.
pub const PARALLEL: usize = 4;
/// How long a connection attempt may take.
pub const CONNECT: Duration = Duration::from_millis(800);
/// How long one host's ports may take together.
pub const DEADLINE: Duration = Duration::from_secs(3);
/// Most bytes read from one connection.
pub const READ_CAP: usize = 16 * 1024;

/// Why one port gave nothing more than `open`.
#[derive(Debug, thiserror::Error)]
pub enum TcpError {
    /// Sending or receiving failed.
    #[error("{ip}:{port}: {source}")]
    Io {
        /// The host.
        ip: Ipv4Addr,
        /// The port.
        port: u16,
        /// What failed.
        source: std::io::Error,
    },
    /// The answer was not what the port's protocol sends.
    #[error("{ip}:{port}: {reason}")]
    Answer {
        /// The host.
        ip: Ipv4Addr,
        /// The port.
        port: u16,
        /// What was wrong with it.
        reason: String,
    },
}

/// Ask `ip` on [`PORTS`]; a port that is closed, silent or garbled adds
/// nothing (or only `open`), and why goes to the debug log. With the
/// run's SYN+ACK capture, the SYN+ACK of the first port that accepted
/// adds `tcp.sig` and `tcp.os` ([`synack::facts`]).
pub async fn ask(
    ip: Ipv4Addr,
    bucket: &Bucket,
    synacks: Option<&synack::Capture>,
) -> Result<Vec<Announced>, TcpError> {
    let watch = synacks.and_then(|c| c.watch(ip));
    let gate = tokio::sync::Semaphore::new(PARALLEL);
    let deadline = Instant::now() + DEADLINE;
    let each = PORTS.map(|p| Box::pin(port(ip, p, bucket, &gate, deadline)));
    let mut out = Vec::new();
    let mut conns = Vec::new();
    for (facts, conn) in join_all(each).await {
        out.extend(facts);
        conns.extend(conn);
    }
    if let Some(w) = watch
        && !conns.is_empty()
    {
        match w.syn_ack(&conns, synack::READ_LAG).await {
            Some(s) => out.extend(synack::facts(&s)),
            None => tracing::debug!(%ip, "tcp: no SYN+ACK of ours captured"),
        }
    }
    crate::announce::tidy(&mut out);
    Ok(out)
}

/// Run every future to completion, concurrently, on this task.
async fn join_all<F: Future + Unpin, const N: usize>(futures: [F; N]) -> Vec<F::Output> {
    let mut pending: Vec<Option<F>> = futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<F::Output>> = (0..N).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (slot, out) in pending.iter_mut().zip(done.iter_mut()) {
            if let Some(f) = slot {
                match Pin::new(f).poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => all = false,
                }
            }
        }
        if all { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    done.into_iter().flatten().collect()
}

fn fact(key: &str, value: &str) -> Option<Announced> {
    Announced::new(Source::Tcp, key, value)
}

/// Connect to `ip:port` (one token), bounded by [`CONNECT`] and `deadline`.
pub(super) async fn connect(
    ip: Ipv4Addr,
    port: u16,
    bucket: &Bucket,
    deadline: Instant,
) -> Option<TcpStream> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return None;
    }
    bucket.acquire(1).await;
    match tokio::time::timeout(CONNECT.min(left), TcpStream::connect((ip, port))).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            tracing::trace!(%ip, port, "tcp: {e}");
            None
        }
        Err(_) => None,
    }
}

/// One port: `open` when it accepts, then what its protocol tells; and
/// the connection's (remote, local) ports.
async fn port(
    ip: Ipv4Addr,
    port: u16,
    bucket: &Bucket,
    gate: &tokio::sync::Semaphore,
    deadline: Instant,
) -> (Vec<Announced>, Option<(u16, u16)>) {
    let Ok(_permit) = gate.acquire().await else {
        return (Vec::new(), None);
    };
    let Some(stream) = connect(ip, port, bucket, deadline).await else {
        return (Vec::new(), None);
    };
    let conn = stream.local_addr().ok().map(|a| (port, a.port()));
    let mut out: Vec<Announced> = fact("open", &port.to_string()).into_iter().collect();
    let began = Instant::now();
    let said = tokio::time::timeout_at(deadline, exchange(ip, port, stream, bucket, deadline));
    match said.await {
        Ok(Ok(facts)) => out.extend(facts),
        Ok(Err(e)) => tracing::debug!("tcp banner: {e}"),
        Err(_) => tracing::debug!(%ip, port, "tcp banner: no answer before the host's deadline"),
    }
    tracing::debug!(%ip, port, ms = began.elapsed().as_millis(), "tcp banner: port done");
    (out, conn)
}

async fn exchange(
    ip: Ipv4Addr,
    port: u16,
    mut s: TcpStream,
    bucket: &Bucket,
    deadline: Instant,
) -> Result<Vec<Announced>, TcpError> {
    let io = |source| TcpError::Io { ip, port, source };
    let mut out = Vec::new();
    match port {
        22 => {
            let got = read_until(&mut s, 4096, |b| b.contains(&b'\n'))
                .await
                .map_err(io)?;
            out.extend(banner::ssh_banner(&got).and_then(|v| fact("ssh", &v)));
        }
        21 => {
            let got = read_until(&mut s, 4096, |b| b.contains(&b'\n'))
                .await
                .map_err(io)?;
            out.extend(banner::ftp_banner(&got).and_then(|v| fact("ftp", &v)));
        }
        23 => {
            let got = telnet(&mut s).await.map_err(io)?;
            out.extend(banner::telnet_banner(&got).and_then(|v| fact("telnet", &v)));
        }
        80 | 8080 => {
            let host = if port == 80 {
                ip.to_string()
            } else {
                format!("{ip}:{port}")
            };
            out.extend(http(&mut s, &host).await.map_err(io)?);
        }
        443 => {
            // The certificate over our own hello (any TLS version a device
            // speaks), then the page over rustls on a second connection.
            match tls::certificate(&mut s).await {
                Ok(names) => {
                    out.extend(fact("tls_subject", &names.subject));
                    out.extend(fact("tls_issuer", &names.issuer));
                }
                Err(e) => tracing::debug!(%ip, "tcp 443 certificate: {e}"),
            }
            // Closed first: small servers (embedded ones, `openssl
            // s_server`) serve one connection at a time.
            drop(s);
            if let Some(tcp) = connect(ip, port, bucket, deadline).await {
                match tls::handshake(ip, tcp).await {
                    Ok(mut t) => out.extend(http(&mut t, &ip.to_string()).await.map_err(io)?),
                    Err(e) => tracing::debug!(%ip, "tcp 443 handshake: {e}"),
                }
            }
        }
        9100 => {
            s.write_all(&banner::pjl_info_id()).await.map_err(io)?;
            let got = read_until(&mut s, 4096, |b| banner::pjl_id(b).is_some())
                .await
                .map_err(io)?;
            out.extend(banner::pjl_id(&got).and_then(|v| fact("pjl_id", &v)));
        }
        631 => out.extend(printer(ip, &mut s).await?),
        554 => {
            s.write_all(&banner::rtsp_options()).await.map_err(io)?;
            let got = read_until(&mut s, 4096, |b| {
                !matches!(
                    banner::head(b, "RTSP/"),
                    Err(banner::BannerError::Incomplete)
                )
            })
            .await
            .map_err(io)?;
            let head = banner::head(&got, "RTSP/").map_err(|e| TcpError::Answer {
                ip,
                port,
                reason: e.to_string(),
            })?;
            out.extend(head.header("server").and_then(|v| fact("rtsp_server", v)));
        }
        _ => {}
    }
    Ok(out)
}

/// Read until `done` says so, the peer closes, [`READ_CAP`] (or `cap`)
/// bytes have come, or a read waits longer than [`super::WAIT`].
pub(super) async fn read_until<S: AsyncRead + Unpin>(
    s: &mut S,
    cap: usize,
    done: impl Fn(&[u8]) -> bool,
) -> std::io::Result<Vec<u8>> {
    let cap = cap.min(READ_CAP);
    let mut buf = Vec::with_capacity(cap.min(4096));
    let mut chunk = [0u8; 2048];
    while buf.len() < cap {
        let want = chunk.len().min(cap - buf.len());
        let Some(into) = chunk.get_mut(..want) else {
            break;
        };
        match tokio::time::timeout(super::WAIT, s.read(into)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
            // A reset after some bytes: keep what came.
            Ok(Err(e)) if buf.is_empty() => return Err(e),
            Ok(Err(_)) => break,
        }
        if done(&buf) {
            break;
        }
    }
    Ok(buf)
}

/// Telnet: read what the server prints, refusing every option it asks
/// for, until a line of text has come (at most 6 rounds).
async fn telnet(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut refused = 0usize;
    for _ in 0..6 {
        let more = read_until(s, 1024, |_| true).await?;
        if more.is_empty() {
            break;
        }
        got.extend_from_slice(&more);
        let t = banner::telnet(&got);
        if let Some(new) = t.refuse.get(refused..)
            && !new.is_empty()
        {
            s.write_all(new).await?;
            refused = t.refuse.len();
        }
        let text_ready = t.text.iter().any(|b| b.is_ascii_graphic())
            && t.text.ends_with(b": ") | t.text.ends_with(b":") | t.text.ends_with(b"\n");
        if text_ready || got.len() >= 4096 {
            break;
        }
    }
    Ok(got)
}

/// `GET /` and what its answer says: the server, the title, the realm.
async fn http<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    host: &str,
) -> std::io::Result<Vec<Announced>> {
    s.write_all(&banner::http_get(host)).await?;
    // Done at the title, or at the page's end when it has none (servers
    // that keep the connection open would otherwise cost the full wait).
    let got = read_until(s, READ_CAP, |b| {
        b.windows(8).any(|w| w.eq_ignore_ascii_case(b"</title>"))
            || b.windows(7).any(|w| w.eq_ignore_ascii_case(b"</html>"))
    })
    .await?;
    let mut out = Vec::new();
    let Ok(head) = banner::head(&got, "HTTP/") else {
        return Ok(out);
    };
    out.extend(head.header("server").and_then(|v| fact("http_server", v)));
    out.extend(
        head.header("www-authenticate")
            .and_then(banner::realm)
            .and_then(|v| fact("http_realm", &v)),
    );
    let body = got.get(head.body_at..).unwrap_or(&[]);
    let title = if head.chunked() {
        banner::html_title(&banner::dechunk(body, READ_CAP))
    } else {
        banner::html_title(body)
    };
    out.extend(title.and_then(|v| fact("http_title", &v)));
    Ok(out)
}

/// IPP Get-Printer-Attributes over HTTP POST; facts `ipp:<attribute>`.
async fn printer(ip: Ipv4Addr, s: &mut TcpStream) -> Result<Vec<Announced>, TcpError> {
    let port = 631;
    let io = |source| TcpError::Io { ip, port, source };
    let answer = |reason: String| TcpError::Answer { ip, port, reason };
    let body = ipp::get_printer_attributes(1, &format!("ipp://{ip}:631/ipp/print"));
    let mut req = format!(
        "POST /ipp/print HTTP/1.1\r\nHost: {ip}:631\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    s.write_all(&req).await.map_err(io)?;
    let got = read_until(s, READ_CAP, |b| match banner::head(b, "HTTP/") {
        Ok(h) => h
            .header("content-length")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| b.len() >= h.body_at.saturating_add(n)),
        Err(_) => false,
    })
    .await
    .map_err(io)?;
    let head = banner::head(&got, "HTTP/").map_err(|e| answer(e.to_string()))?;
    let raw = got.get(head.body_at..).unwrap_or(&[]);
    let body = if head.chunked() {
        banner::dechunk(raw, READ_CAP)
    } else {
        raw.to_vec()
    };
    let r = ipp::decode(&body).map_err(|e| answer(e.to_string()))?;
    Ok(r.attributes
        .iter()
        .filter(|(n, _)| ipp::REQUESTED.contains(&n.as_str()))
        .take(32)
        .filter_map(|(n, v)| fact(&format!("ipp:{n}"), v))
        .collect())
}
