//! The SYN+ACKs of the banner probe's own connections, for p0f's
//! signatures ([`crate::p0f`]): the kernel answers `connect()` without
//! showing them, so one raw IPv4 TCP socket per run (`SOCK_RAW`,
//! `IPPROTO_TCP`; needs CAP_NET_RAW) receives a copy of each incoming TCP
//! segment that a classic BPF filter ([`FILTER`]) lets through: unfragmented
//! SYN+ACKs only, trimmed to [`HEADERS_MAX`] bytes, in the kernel. A reader
//! task decodes each ([`crate::wire::tcpip`]) and keeps it only when its
//! source is a host a banner probe is asking at that moment ([`Capture::
//! watch`]), at most [`PER_HOST`] per host and [`MAX_HOSTS`] hosts; anything
//! else is dropped at once. The banner probe then picks the SYN+ACK of one
//! of its own connections (ports and local port match). The socket sends
//! nothing: the SYN is the banner probe's own connect, already paid from
//! the bucket. Without CAP_NET_RAW [`Capture::open`] says so in the debug
//! log and the run goes on without the hint.

use crate::announce::Announced;
use crate::p0f;
use crate::record::Source;
use crate::wire::tcpip::{self, HEADERS_MAX, Segment};
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Most hosts watched at once (the pipeline asks far fewer at a time).
pub const MAX_HOSTS: usize = 1024;
/// Most SYN+ACKs kept per watched host (one per port asked, and a spare).
pub const PER_HOST: usize = 16;
/// How long the banner probe waits, after its connections, for the
/// reader to have read their SYN+ACK (it arrived before the connect
/// returned; this is only the reader task's lag).
pub const READ_LAG: Duration = Duration::from_millis(100);
/// The kernel's receive buffer for the socket (bytes).
const RECV_BUFFER: usize = 256 * 1024;

/// The classic BPF program, run by the kernel on every incoming TCP
/// segment (a raw IPv4 socket's data starts at the IP header):
///
/// ```text
/// ldb [9]            ; protocol
/// jeq #6, +0, drop
/// ldh [6]            ; flags and fragment offset
/// jset #0x3fff, drop ; MF or an offset: a fragment
/// ldxb 4*([0]&0xf)   ; X = IP header length
/// ldb [x+13]         ; TCP flags
/// and #0x17          ; SYN, ACK, RST, FIN
/// jeq #0x12, +0, drop ; SYN+ACK
/// ret #120           ; keep the headers only
/// drop: ret #0
/// ```
pub const FILTER: [(u16, u8, u8, u32); 10] = [
    (0x30, 0, 0, 9),
    (0x15, 0, 7, 6),
    (0x28, 0, 0, 6),
    (0x45, 5, 0, 0x3fff),
    (0xb1, 0, 0, 0),
    (0x50, 0, 0, 13),
    (0x54, 0, 0, 0x17),
    (0x15, 0, 1, 0x12),
    (0x06, 0, 0, HEADERS_MAX as u32),
    (0x06, 0, 0, 0),
];

/// Why the capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The raw socket (CAP_NET_RAW) or its filter.
    #[error(
        "raw TCP socket for SYN+ACK signatures: {0} (needs CAP_NET_RAW; the tcp.os hint is skipped)"
    )]
    Socket(#[from] std::io::Error),
}

/// One watched host's SYN+ACKs.
#[derive(Default)]
struct Slot {
    /// Watches of this host (a host is normally asked once per run).
    watchers: usize,
    seen: Vec<Segment>,
}

#[derive(Default)]
struct Shared {
    hosts: Mutex<HashMap<Ipv4Addr, Slot>>,
    arrived: Notify,
}

impl Shared {
    /// Keep `s` if its source is watched and its slot has room.
    fn offer(&self, s: Segment) {
        let Ok(mut hosts) = self.hosts.lock() else {
            return;
        };
        if let Some(slot) = hosts.get_mut(&s.src)
            && slot.seen.len() < PER_HOST
        {
            slot.seen.push(s);
            drop(hosts);
            self.arrived.notify_waiters();
        }
    }
}

/// The run's SYN+ACK capture: the socket's reader task, and the hosts
/// watched. Dropping it stops the task and closes the socket.
pub struct Capture {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Capture {
    /// Open the socket and start its reader (inside a tokio runtime).
    pub fn open() -> Result<Capture, CaptureError> {
        let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP))?;
        let prog: Vec<SockFilter> = FILTER
            .iter()
            .map(|&(code, jt, jf, k)| SockFilter::new(code, jt, jf, k))
            .collect();
        sock.attach_filter(&prog)?;
        sock.set_nonblocking(true)?;
        let _ = sock.set_recv_buffer_size(RECV_BUFFER);
        // (A segment queued between socket() and the filter is no SYN+ACK
        // of a watched host, or one: the reader drops or keeps it alike.)
        // tokio's UdpSocket only calls recv on it, which is what a raw
        // socket wants (as the ICMP sweep does).
        let std_sock: std::net::UdpSocket = sock.into();
        let sock = tokio::net::UdpSocket::from_std(std_sock)?;
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(read(sock, shared.clone()));
        Ok(Capture { shared, task })
    }

    /// Keep `ip`'s SYN+ACKs until the [`Watch`] is dropped; None when
    /// [`MAX_HOSTS`] are watched already.
    pub fn watch(&self, ip: Ipv4Addr) -> Option<Watch<'_>> {
        let mut hosts = self.shared.hosts.lock().ok()?;
        if !hosts.contains_key(&ip) && hosts.len() >= MAX_HOSTS {
            return None;
        }
        hosts.entry(ip).or_default().watchers += 1;
        Some(Watch { cap: self, ip })
    }

    /// Hosts watched now, and SYN+ACKs kept for them (for tests and
    /// measurements).
    pub fn held(&self) -> (usize, usize) {
        self.shared.hosts.lock().map_or((0, 0), |h| {
            (h.len(), h.values().map(|s| s.seen.len()).sum())
        })
    }
}

/// The reader: decode, keep what a watch wants, drop the rest.
async fn read(sock: tokio::net::UdpSocket, shared: Arc<Shared>) {
    let mut buf = [0u8; 256];
    loop {
        let n = match sock.recv(&mut buf).await {
            Ok(n) => n,
            Err(e) => {
                tracing::debug!("SYN+ACK capture: {e}");
                // A persistent error must not spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(b) = buf.get(..n) else { continue };
        match tcpip::decode(b) {
            Ok(s) if s.is_syn_ack() => shared.offer(s),
            Ok(_) => {}
            Err(e) => tracing::trace!("SYN+ACK capture: {e}"),
        }
    }
}

/// One host watched; dropping it forgets the host's SYN+ACKs.
pub struct Watch<'a> {
    cap: &'a Capture,
    ip: Ipv4Addr,
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let Ok(mut hosts) = self.cap.shared.hosts.lock()
            && let Some(slot) = hosts.get_mut(&self.ip)
        {
            slot.watchers = slot.watchers.saturating_sub(1);
            if slot.watchers == 0 {
                hosts.remove(&self.ip);
            }
        }
    }
}

impl Watch<'_> {
    /// The SYN+ACK that answered one of `conns` (remote port, local
    /// port), in their order, waiting at most `wait` for it to be read.
    pub async fn syn_ack(&self, conns: &[(u16, u16)], wait: Duration) -> Option<Segment> {
        let deadline = tokio::time::Instant::now() + wait;
        for _ in 0..1000 {
            let arrived = self.cap.shared.arrived.notified();
            if let Some(s) = self.find(conns) {
                return Some(s);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.find(conns);
            }
        }
        None
    }

    fn find(&self, conns: &[(u16, u16)]) -> Option<Segment> {
        let hosts = self.cap.shared.hosts.lock().ok()?;
        let seen = &hosts.get(&self.ip)?.seen;
        conns.iter().find_map(|&(remote, local)| {
            seen.iter()
                .find(|s| s.sport == remote && s.dport == local)
                .cloned()
        })
    }
}

/// The facts a SYN+ACK gives: `tcp.sig`, its p0f signature as p0f
/// writes an observed one, and `tcp.os`, the label of the p0f signature
/// that matches it (` (fuzzy)` after it when p0f's match is fuzzy), when
/// one does. The peer-MSS forms of `mss*N` are not tried (the capture does
/// not see our own SYN).
pub fn facts(s: &Segment) -> Vec<Announced> {
    let o = p0f::Observed::of(s);
    let mut out: Vec<Announced> =
        Announced::new(Source::Tcp, "tcp.sig", &p0f::raw_signature(&o, true, None))
            .into_iter()
            .collect();
    if let Some(m) = p0f::identify_syn_ack(&o, None) {
        let label = m.sig.label.to_string();
        let value = if m.fuzzy {
            format!("{label} (fuzzy)")
        } else {
            label
        };
        out.extend(Announced::new(Source::Tcp, "tcp.os", &value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic BPF interpreter for the opcodes [`FILTER`] uses, to run
    /// it on real segments.
    fn run(prog: &[(u16, u8, u8, u32)], pkt: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |at: usize| pkt.get(at).copied().map(u32::from);
        for _ in 0..64 {
            let Some(&(code, jt, jf, k)) = prog.get(pc) else {
                return 0;
            };
            pc += 1;
            if code == 0x06 {
                return k;
            }
            let k_at = k as usize;
            // A load past the packet's end drops it, as in the kernel.
            let load = |at: usize| byte(at).ok_or(());
            let step: Result<(), ()> = (|| {
                match code {
                    0x30 => a = load(k_at)?,
                    0x28 => a = load(k_at)? << 8 | load(k_at + 1)?,
                    0xb1 => x = 4 * (load(k_at)? & 0xf),
                    0x50 => a = load(x as usize + k_at)?,
                    0x54 => a &= k,
                    0x15 => pc += usize::from(if a == k { jt } else { jf }),
                    0x45 => pc += usize::from(if a & k != 0 { jt } else { jf }),
                    _ => panic!("opcode {code:#x}"),
                }
                Ok(())
            })();
            if step.is_err() {
                return 0;
            }
        }
        0
    }

    #[test]
    fn the_filter_passes_syn_acks_only_and_trims_them() {
        let syn_ack = crate::wire::tcpip::tests::LINUX_6.to_vec();
        let with = |at: usize, v: u8| {
            let mut b = syn_ack.clone();
            b[at] = v;
            b
        };
        let cases: &[(&str, Vec<u8>, u32)] = &[
            ("SYN+ACK", syn_ack.clone(), HEADERS_MAX as u32),
            ("SYN", with(33, 0x02), 0),
            ("ACK", with(33, 0x10), 0),
            ("RST+ACK", with(33, 0x14), 0),
            ("SYN+ACK+FIN", with(33, 0x13), 0),
            ("SYN+ACK+ECE", with(33, 0x52), HEADERS_MAX as u32),
            ("SYN+ACK+PSH", with(33, 0x1a), HEADERS_MAX as u32),
            ("a fragment", with(6, 0x20), 0),
            ("UDP", with(9, 17), 0),
            ("truncated", syn_ack[..30].to_vec(), 0),
        ];
        for (what, pkt, want) in cases {
            assert_eq!(run(&FILTER, pkt), *want, "{what}");
        }
        // With IP options (24-byte header) the flags are found past them.
        let mut opts = vec![0x46];
        opts.extend_from_slice(&syn_ack[1..20]);
        opts.extend_from_slice(&[1, 1, 1, 0]);
        opts.extend_from_slice(&syn_ack[20..]);
        assert_eq!(run(&FILTER, &opts), HEADERS_MAX as u32);
    }

    #[test]
    fn a_syn_ack_gives_its_signature_and_label() {
        // Linux 6.18 as installed: no p0f 3.09b signature, the raw one only.
        let s = crate::wire::tcpip::decode(&crate::wire::tcpip::tests::LINUX_6).unwrap();
        let f = facts(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].key.as_str(), f[0].value.as_str()),
            ("tcp.sig", "4:64+0:0:1460:mss*45,10:mss,sok,ts,nop,ws:df:0")
        );
        // Its window as Linux 3.x set it (10 x 1448).
        let mut b = crate::wire::tcpip::tests::LINUX_6.to_vec();
        b[34..36].copy_from_slice(&14480u16.to_be_bytes());
        let f = facts(&crate::wire::tcpip::decode(&b).unwrap());
        assert_eq!(
            crate::announce::first(&f, Source::Tcp, "tcp.os"),
            Some("s:unix:Linux:3.x")
        );
        // TTL 128: p0f's fuzzy match.
        b[8] = 128;
        let f = facts(&crate::wire::tcpip::decode(&b).unwrap());
        assert_eq!(
            crate::announce::first(&f, Source::Tcp, "tcp.os"),
            Some("s:unix:Linux:3.x (fuzzy)")
        );
    }

    #[test]
    fn only_watched_hosts_are_kept_and_bounded() {
        let s = crate::wire::tcpip::decode(&crate::wire::tcpip::tests::LINUX_6).unwrap();
        let shared = Shared::default();
        shared.offer(s.clone());
        assert!(shared.hosts.lock().unwrap().is_empty());
        shared.hosts.lock().unwrap().insert(
            s.src,
            Slot {
                watchers: 1,
                seen: Vec::new(),
            },
        );
        for _ in 0..PER_HOST + 5 {
            shared.offer(s.clone());
        }
        assert_eq!(shared.hosts.lock().unwrap()[&s.src].seen.len(), PER_HOST);
    }
}
