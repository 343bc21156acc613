//! Liveness probes that stream: ARP on each attached subnet (a blocking
//! thread per interface, pnet frames) and ICMP echo (one raw socket), both
//! asking targets in a random order, each packet paid for from the run's
//! bucket, each reply sent on as an [`Alive`] the moment it arrives so the
//! host's SNMP can start at once.
//!
//! Receivers never wait on the dispatcher (an unbounded channel, at most
//! one event per target and probe): a receiver that stopped reading would
//! let the kernel drop replies in a burst.
//!
//! A target is asked again in later passes only while no probe has heard
//! from it. After a pass a probe waits for late replies ten times the
//! slowest round trip any probe measured (at least 100 ms, at most the
//! configured timeout; the full timeout when nothing answered yet), and
//! stops early once it heard every target it asked.

use super::order::Permutation;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::sweep::arp::Attached;
use crate::sweep::{SweepError, icmp as icmp_sock};
use crate::wire::arp::{self as arp_wire, Op};
use crate::wire::icmp as icmp_wire;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A target that answered a liveness probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Alive {
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its MAC (ARP replies only).
    pub mac: Option<[u8; 6]>,
    /// Which probe heard it.
    pub source: Source,
    /// From the last request to the reply.
    pub rtt: Duration,
}

/// What every liveness probe of a run shares: the targets (sorted), which
/// of them answered anything, the slowest round trip seen, a stop flag.
#[derive(Debug)]
pub struct Shared {
    targets: Vec<Ipv4Addr>,
    answered: Vec<AtomicU64>,
    max_rtt_us: AtomicU32,
    stop: AtomicBool,
}

impl Shared {
    /// For a run over `targets` (sorted, unique).
    pub fn new(targets: Vec<Ipv4Addr>) -> Shared {
        let words = targets.len().div_ceil(64);
        Shared {
            answered: (0..words).map(|_| AtomicU64::new(0)).collect(),
            targets,
            max_rtt_us: AtomicU32::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// The run's targets, sorted.
    pub fn targets(&self) -> &[Ipv4Addr] {
        &self.targets
    }

    fn index(&self, ip: Ipv4Addr) -> Option<usize> {
        self.targets.binary_search(&ip).ok()
    }

    /// Record that `ip` answered; true when it is a target.
    pub fn mark(&self, ip: Ipv4Addr, rtt: Duration) -> bool {
        let Some(i) = self.index(ip) else {
            return false;
        };
        if let Some(w) = self.answered.get(i / 64) {
            w.fetch_or(1 << (i % 64), Ordering::Relaxed);
        }
        let us = u32::try_from(rtt.as_micros()).unwrap_or(u32::MAX);
        self.max_rtt_us.fetch_max(us, Ordering::Relaxed);
        true
    }

    /// Whether `ip` answered some probe.
    pub fn has_answered(&self, ip: Ipv4Addr) -> bool {
        self.index(ip).is_some_and(|i| {
            self.answered
                .get(i / 64)
                .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (i % 64)) != 0)
        })
    }

    /// How many targets answered something.
    pub fn answered_count(&self) -> usize {
        self.answered
            .iter()
            .map(|w| w.load(Ordering::Relaxed).count_ones() as usize)
            .sum()
    }

    /// Ask every probe to stop sending.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was asked for.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// How long to wait for late replies after a pass.
    pub fn grace(&self, timeout: Duration, last: bool) -> Duration {
        let rtt = Duration::from_micros(u64::from(self.max_rtt_us.load(Ordering::Relaxed)));
        let base = if rtt.is_zero() {
            timeout
        } else {
            (rtt * 10).clamp(Duration::from_millis(100).min(timeout), timeout)
        };
        if last { base } else { base / 2 }
    }
}

/// Per-probe settings.
#[derive(Debug, Clone, Copy)]
pub struct Passes {
    /// Rounds of requests to targets nobody heard from.
    pub passes: u32,
    /// The longest wait for replies after a round.
    pub timeout: Duration,
    /// The order's seed.
    pub seed: u64,
}

/// ICMP echo: swept to every target of `routed` (those no attached subnet
/// reaches) in passes, and sent once to each address that arrives on
/// `follow` (attached hosts that answered ARP: asking only them keeps the
/// kernel's neighbour table to live hosts). Replies stream to `tx`; the
/// probe ends after its passes, once `follow` is closed, and a last grace.
pub async fn icmp(
    routed: Vec<Ipv4Addr>,
    mut follow: mpsc::UnboundedReceiver<Ipv4Addr>,
    shared: Arc<Shared>,
    bucket: Arc<Bucket>,
    p: Passes,
    tx: mpsc::UnboundedSender<Alive>,
) -> Result<u64, SweepError> {
    let all = Arc::new(shared.targets().to_vec());
    let sock = match icmp_sock::open() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            // Nothing to do without a socket; let ARP's follow-ups drain.
            while follow.recv().await.is_some() {}
            return Err(e);
        }
    };
    let ident = (std::process::id() as u16) ^ 0x5044;
    let start = Instant::now();
    // Per run target: when last asked (µs since start), whether heard.
    let sent: Arc<Vec<AtomicU64>> = Arc::new(all.iter().map(|_| AtomicU64::new(0)).collect());
    let heard: Arc<Vec<AtomicBool>> =
        Arc::new(all.iter().map(|_| AtomicBool::new(false)).collect());
    let heard_count = Arc::new(AtomicU64::new(0));
    let receiver = {
        let (sock, all, sent, heard, heard_count, shared, tx) = (
            sock.clone(),
            all.clone(),
            sent.clone(),
            heard.clone(),
            heard_count.clone(),
            shared.clone(),
            tx.clone(),
        );
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            loop {
                let Ok((len, _)) = sock.recv_from(&mut buf).await else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                };
                let Some(packet) = buf.get(..len) else {
                    continue;
                };
                // Foreign and malformed packets are ignored, never fatal.
                let Ok(Some(reply)) = icmp_wire::decode_reply(packet) else {
                    continue;
                };
                if reply.ident != ident {
                    continue;
                }
                let Ok(i) = all.binary_search(&reply.source) else {
                    continue;
                };
                let (Some(h), Some(s)) = (heard.get(i), sent.get(i)) else {
                    continue;
                };
                if s.load(Ordering::Relaxed) == 0 || h.swap(true, Ordering::Relaxed) {
                    continue;
                }
                heard_count.fetch_add(1, Ordering::Relaxed);
                let asked = Duration::from_micros(s.load(Ordering::Relaxed));
                let rtt = start.elapsed().saturating_sub(asked);
                shared.mark(reply.source, rtt);
                let _ = tx.send(Alive {
                    ip: reply.source,
                    mac: None,
                    source: Source::Icmp,
                    rtt,
                });
            }
        })
    };
    let mark_sent = |t: Ipv4Addr| {
        if let Some(s) = all.binary_search(&t).ok().and_then(|i| sent.get(i)) {
            let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            s.store(us.max(1), Ordering::Relaxed);
        }
    };
    let is_heard = |t: Ipv4Addr| {
        all.binary_search(&t)
            .ok()
            .and_then(|i| heard.get(i))
            .is_some_and(|h| h.load(Ordering::Relaxed))
    };
    let mut packets = 0u64;
    let mut asked_total = 0u64;
    let mut failure: Option<SweepError> = None;
    let mut follow_open = true;
    let mut last_send = tokio::time::Instant::now();
    'passes: for pass in 0..p.passes.max(1) {
        let mut asked = 0u64;
        for idx in Permutation::new(routed.len() as u64, p.seed.wrapping_add(u64::from(pass))) {
            if shared.stopped() {
                break 'passes;
            }
            // Hosts ARP found meanwhile, first.
            while follow_open {
                match follow.try_recv() {
                    Ok(t) => {
                        bucket.acquire(1).await;
                        mark_sent(t);
                        packets += 1;
                        asked_total += 1;
                        last_send = tokio::time::Instant::now();
                        let _ = echo(&sock, ident, t, 0).await;
                    }
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => follow_open = false,
                }
            }
            let Some(&t) = usize::try_from(idx).ok().and_then(|i| routed.get(i)) else {
                continue;
            };
            if is_heard(t) || (pass > 0 && shared.has_answered(t)) {
                continue;
            }
            bucket.acquire(1).await;
            mark_sent(t);
            packets += 1;
            asked += 1;
            last_send = tokio::time::Instant::now();
            if pass == 0 {
                asked_total += 1;
            }
            match echo(&sock, ident, t, u16::try_from(idx & 0xffff).unwrap_or(0)).await {
                Ok(_) => {}
                // No route to one target loses that probe, not the sweep.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENETUNREACH | libc::EHOSTUNREACH | libc::ENOBUFS)
                    ) => {}
                // A firewall refusing some destinations is not fatal after the first.
                Err(e)
                    if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EACCES))
                        && packets > 1 => {}
                Err(e) => {
                    failure = Some(SweepError::io("ICMP", "-", e));
                    break 'passes;
                }
            }
        }
        if asked == 0 {
            break;
        }
        let last = pass + 1 == p.passes.max(1);
        let deadline = last_send + shared.grace(p.timeout, last);
        wait_for(&shared, &heard_count, asked_total, deadline).await;
    }
    // Follow-ups until ARP is done.
    while follow_open && !shared.stopped() {
        match follow.recv().await {
            Some(t) => {
                bucket.acquire(1).await;
                mark_sent(t);
                packets += 1;
                asked_total += 1;
                last_send = tokio::time::Instant::now();
                let _ = echo(&sock, ident, t, 0).await;
            }
            None => follow_open = false,
        }
    }
    if failure.is_none() {
        // The last wait counts from the last request, not from the end of
        // ARP's: replies to early follow-ups are long in.
        let deadline = last_send + shared.grace(p.timeout, true);
        wait_for(&shared, &heard_count, asked_total, deadline).await;
    }
    receiver.abort();
    match failure {
        Some(e) => Err(e),
        None => Ok(packets),
    }
}

async fn echo(
    sock: &tokio::net::UdpSocket,
    ident: u16,
    t: Ipv4Addr,
    seq: u16,
) -> std::io::Result<usize> {
    let pkt = icmp_wire::echo_request(ident, seq, b"pandian-sweep");
    sock.send_to(&pkt, SocketAddr::V4(SocketAddrV4::new(t, 0)))
        .await
}

/// Wait until `deadline`, ending early once this probe heard every target
/// it asked (or a stop is asked for).
async fn wait_for(shared: &Shared, heard: &AtomicU64, asked: u64, deadline: tokio::time::Instant) {
    for _ in 0..100_000 {
        if heard.load(Ordering::Relaxed) >= asked
            || shared.stopped()
            || tokio::time::Instant::now() >= deadline
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A MAC as the low 48 bits of a word, with bit 48 set so that no MAC is 0.
fn mac_bits(m: [u8; 6]) -> u64 {
    m.iter().fold(1u64, |acc, b| (acc << 8) | u64::from(*b))
}

/// ARP who-has to every target of one attached subnet, on a blocking
/// thread; replies stream to `tx`. A second MAC answering for an address
/// streams too, once (an address conflict).
pub fn arp(
    g: &Attached,
    shared: &Shared,
    bucket: &Bucket,
    p: Passes,
    tx: &mpsc::UnboundedSender<Alive>,
    follow: Option<&mpsc::UnboundedSender<Ipv4Addr>>,
) -> Result<u64, SweepError> {
    let name = g.iface.name.clone();
    let (mut sender, mut rx) = crate::sweep::arp::channel(&g.iface)?;
    let mut list = g.targets.clone();
    list.sort_unstable();
    list.dedup();
    let start = Instant::now();
    let sent: Vec<AtomicU64> = list.iter().map(|_| AtomicU64::new(0)).collect();
    let heard: Vec<AtomicBool> = list.iter().map(|_| AtomicBool::new(false)).collect();
    // The MAC that answered first, and whether a second one was reported:
    // two MACs answering for one address is a conflict worth recording.
    let first_mac: Vec<AtomicU64> = list.iter().map(|_| AtomicU64::new(0)).collect();
    let conflict: Vec<AtomicBool> = list.iter().map(|_| AtomicBool::new(false)).collect();
    let done = AtomicBool::new(false);
    let mut packets = 0u64;
    let mut send_error = None;
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let Ok(frame) = rx.next() else { continue };
                // Malformed or foreign frames are simply not ours.
                let Ok(Some(a)) = arp_wire::decode_frame(frame) else {
                    continue;
                };
                if a.op != Op::Reply && a.target_ip != g.src {
                    continue;
                }
                let Ok(i) = list.binary_search(&a.sender_ip) else {
                    continue;
                };
                let (Some(h), Some(sent_at)) = (heard.get(i), sent.get(i)) else {
                    continue;
                };
                let mac = mac_bits(a.sender_mac);
                if h.swap(true, Ordering::Relaxed) {
                    // Heard before: another MAC for the same address is
                    // reported once (the receiver is this one thread).
                    if let (Some(f), Some(c)) = (first_mac.get(i), conflict.get(i)) {
                        let first = f.load(Ordering::Relaxed);
                        if first != 0 && first != mac && !c.swap(true, Ordering::Relaxed) {
                            let _ = tx.send(Alive {
                                ip: a.sender_ip,
                                mac: Some(a.sender_mac),
                                source: Source::Arp,
                                rtt: Duration::ZERO,
                            });
                        }
                    }
                    continue;
                }
                if let Some(f) = first_mac.get(i) {
                    f.store(mac, Ordering::Relaxed);
                }
                let asked = Duration::from_micros(sent_at.load(Ordering::Relaxed));
                let rtt = start.elapsed().saturating_sub(asked);
                shared.mark(a.sender_ip, rtt);
                let _ = tx.send(Alive {
                    ip: a.sender_ip,
                    mac: Some(a.sender_mac),
                    source: Source::Arp,
                    rtt,
                });
                if let Some(f) = follow {
                    let _ = f.send(a.sender_ip);
                }
            }
        });
        'passes: for pass in 0..p.passes.max(1) {
            let mut asked = 0u64;
            for idx in Permutation::new(list.len() as u64, p.seed.wrapping_add(u64::from(pass))) {
                if shared.stopped() {
                    break 'passes;
                }
                let i = usize::try_from(idx).unwrap_or(usize::MAX);
                let Some(&t) = list.get(i) else { continue };
                if heard.get(i).is_some_and(|h| h.load(Ordering::Relaxed))
                    || (pass > 0 && shared.has_answered(t))
                {
                    continue;
                }
                bucket.acquire_blocking(1);
                if let Some(s) = sent.get(i) {
                    s.store(
                        u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                        Ordering::Relaxed,
                    );
                }
                let frame = arp_wire::request(g.mac, g.src, t);
                packets += 1;
                asked += 1;
                match sender.send_to(&frame, None) {
                    Some(Ok(())) | None => {}
                    Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Some(Err(e)) => {
                        send_error = Some(e);
                        break 'passes;
                    }
                }
            }
            if asked == 0 {
                break;
            }
            let last = pass + 1 == p.passes.max(1);
            let deadline = Instant::now() + shared.grace(p.timeout, last);
            let mut cursor = 0usize;
            while Instant::now() < deadline && !shared.stopped() {
                while heard.get(cursor).is_some_and(|h| h.load(Ordering::Relaxed)) {
                    cursor += 1;
                }
                if cursor >= list.len() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        // Let the receiver read what is already queued.
        std::thread::sleep(Duration::from_millis(30));
        done.store(true, Ordering::Relaxed);
    });
    match send_error {
        // The channel is open, so this is not about privileges.
        Some(source) => Err(SweepError::Io {
            probe: "ARP",
            iface: name,
            source,
        }),
        None => Ok(packets),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_marks_only_targets_and_adapts_the_grace() {
        let t: Vec<Ipv4Addr> = (1..=100u8)
            .map(|o| Ipv4Addr::new(198, 51, 100, o))
            .collect();
        let s = Shared::new(t);
        let timeout = Duration::from_millis(1000);
        assert_eq!(
            s.grace(timeout, true),
            timeout,
            "nothing heard: the full timeout"
        );
        assert!(!s.mark(Ipv4Addr::new(203, 0, 113, 1), Duration::from_millis(1)));
        assert!(s.mark(Ipv4Addr::new(198, 51, 100, 64), Duration::from_millis(3)));
        assert!(s.has_answered(Ipv4Addr::new(198, 51, 100, 64)));
        assert!(!s.has_answered(Ipv4Addr::new(198, 51, 100, 65)));
        assert_eq!(s.answered_count(), 1);
        assert_eq!(
            s.grace(timeout, true),
            Duration::from_millis(100),
            "10x rtt, at least 100 ms"
        );
        s.mark(Ipv4Addr::new(198, 51, 100, 1), Duration::from_millis(50));
        assert_eq!(s.grace(timeout, true), Duration::from_millis(500));
        assert_eq!(s.grace(timeout, false), Duration::from_millis(250));
        s.mark(Ipv4Addr::new(198, 51, 100, 2), Duration::from_secs(5));
        assert_eq!(s.grace(timeout, true), timeout, "never past the timeout");
    }
}
