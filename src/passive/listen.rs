//! The capture: one thread per attached interface whose subnet holds some
//! job's targets, reading frames from a pnet datalink channel (not
//! promiscuous) whose socket carries a kernel filter passing only inbound
//! ARP, DHCP client messages and mDNS (UDP 5353 to 5353), so the rest of the traffic never reaches
//! user space. Frames sent to this machine's own MAC (answers to its own
//! sweeps) are not passive sightings and are dropped; so is everything
//! [`super::Scope`] does not want. Nothing is ever sent: the channel's
//! sending half is dropped at once.

use super::{Heard, Scope, Tally, classify};
use pnet_datalink::{Channel, Config, NetworkInterface};
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use std::net::IpAddr;
use std::os::fd::IntoRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Frames a capture thread remembers having taken in this interval (a
/// repeat adds nothing and is skipped before it is decoded); past this the
/// memory starts over.
const REMEMBERED: usize = 16_384;

/// How long a capture thread waits for a frame before it looks at its
/// stop flag again.
const POLL: Duration = Duration::from_millis(200);

/// Woken by a frame, a capture thread rests this long before it drains the
/// socket: frames wait in the kernel's buffer (20 at 1,000 frames/s)
/// instead of waking the thread one by one, which costs more than reading
/// them.
const REST: Duration = Duration::from_millis(20);

/// A read that took longer than this had to wait: the thread was woken.
const WOKEN: Duration = Duration::from_millis(1);

/// `inbound and (arp or (ip and udp and ((src port 68 and dst port 67) or
/// (src port 5353 and dst port 5353))))`, as `tcpdump -dd` (4.99.3,
/// libpcap 1.10.3) compiles it for Ethernet.
const FILTER: [(u16, u8, u8, u32); 19] = [
    (0x28, 0, 0, 0xffff_f004),  // ldh [pkttype]
    (0x15, 16, 0, 0x0000_0004), // outgoing: drop
    (0x28, 0, 0, 0x0000_000c),
    (0x15, 13, 0, 0x0000_0806), // ARP: keep
    (0x15, 0, 13, 0x0000_0800),
    (0x30, 0, 0, 0x0000_0017),
    (0x15, 0, 11, 0x0000_0011), // UDP
    (0x28, 0, 0, 0x0000_0014),
    (0x45, 9, 0, 0x0000_1fff), // a fragment: drop
    (0xb1, 0, 0, 0x0000_000e),
    (0x48, 0, 0, 0x0000_000e),
    (0x15, 0, 2, 0x0000_0044), // source port 68
    (0x48, 0, 0, 0x0000_0010),
    (0x15, 3, 4, 0x0000_0043), // destination port 67
    (0x15, 0, 3, 0x0000_14e9), // source port 5353
    (0x48, 0, 0, 0x0000_0010),
    (0x15, 0, 1, 0x0000_14e9), // destination port 5353
    (0x06, 0, 0, 0x0004_0000),
    (0x06, 0, 0, 0x0000_0000),
];

/// Why the listener could not start on an interface.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Raw sockets need root or CAP_NET_RAW.
    #[error(
        "passive listening on {iface}: permission denied opening a packet socket; run as root or grant the binary CAP_NET_RAW"
    )]
    Permission {
        /// The interface.
        iface: String,
    },
    /// Any other socket error.
    #[error("passive listening on {iface}: {source}")]
    Io {
        /// The interface.
        iface: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl ListenError {
    fn io(iface: &str, source: std::io::Error) -> ListenError {
        if source.kind() == std::io::ErrorKind::PermissionDenied {
            ListenError::Permission {
                iface: iface.to_string(),
            }
        } else {
            ListenError::Io {
                iface: iface.to_string(),
                source,
            }
        }
    }
}

/// Frame counts since the listener started.
#[derive(Debug, Default)]
pub struct Counters {
    /// Frames the kernel filter passed up.
    pub frames: AtomicU64,
    /// Frames that were ARP or a DHCP client message and in scope.
    pub kept: AtomicU64,
}

/// A running listener; dropping it (or [`Listener::stop`]) stops the
/// capture threads.
pub struct Listener {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// The interfaces listened on.
    pub interfaces: Vec<String>,
    /// What was captured.
    pub counters: Arc<Counters>,
}

/// The interfaces worth listening on: up, not loopback, with a MAC and an
/// IPv4 subnet holding some of `scope`'s addresses; each with that subnet.
pub fn interfaces(scope: &Scope) -> Vec<(NetworkInterface, [u8; 6], ipnetwork::Ipv4Network)> {
    pnet_datalink::interfaces()
        .into_iter()
        .filter(|i| i.is_up() && !i.is_loopback())
        .filter_map(|i| {
            let mac = i.mac?.octets();
            let net = i.ips.iter().find_map(|n| match (n.ip(), n.prefix()) {
                (IpAddr::V4(a), p) => ipnetwork::Ipv4Network::new(a, p)
                    .ok()
                    .filter(|net| scope.touches(*net)),
                _ => None,
            })?;
            Some((i, mac, net))
        })
        .collect()
}

fn open(iface: &NetworkInterface) -> Result<Box<dyn pnet_datalink::DataLinkReceiver>, ListenError> {
    let io = |e| ListenError::io(&iface.name, e);
    let all = i32::from((libc::ETH_P_ALL as u16).to_be());
    let sock = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(all))).map_err(io)?;
    let filter: Vec<SockFilter> = FILTER
        .iter()
        .map(|&(code, jt, jf, k)| SockFilter::new(code, jt, jf, k))
        .collect();
    sock.attach_filter(&filter).map_err(io)?;
    let config = Config {
        read_timeout: Some(POLL),
        promiscuous: false,
        socket_fd: Some(sock.into_raw_fd()),
        ..Config::default()
    };
    match pnet_datalink::channel(iface, config) {
        // The sending half goes at once: the listener sends nothing.
        Ok(Channel::Ethernet(_tx, rx)) => Ok(rx),
        Ok(_) => Err(io(std::io::Error::other("unsupported datalink channel"))),
        Err(e) => Err(io(e)),
    }
}

/// What one captured frame adds: `None` when it is not ours to keep.
/// `own` is the interface's MAC, `unaddressed` whether frames that name no
/// address may be kept on its segment.
pub fn admit(
    frame: &[u8],
    own: [u8; 6],
    unaddressed: bool,
    scope: &Scope,
    tally: &mut Tally,
) -> bool {
    // Sent to us (answers to our own sweeps) or by us: not overheard.
    if frame.get(0..6) == Some(&own[..]) || frame.get(6..12) == Some(&own[..]) {
        return false;
    }
    let Some(h): Option<Heard> = classify(frame) else {
        return false;
    };
    if h.mac == own {
        return false;
    }
    match h.ip {
        Some(ip) if scope.wants(ip) => {
            tally.add(h);
            true
        }
        Some(_) => {
            tally.bar(h.mac);
            false
        }
        None if unaddressed && !tally.is_barred(h.mac) => {
            tally.add(h);
            true
        }
        None => false,
    }
}

/// The frames one capture thread already took in this interval, by hash.
#[derive(Default)]
struct Repeats {
    generation: u64,
    hashes: std::collections::HashSet<u64>,
    /// Keys of this thread's own (a sender cannot aim a collision).
    state: std::collections::hash_map::RandomState,
}

impl Repeats {
    /// Whether `frame` came before in `generation` (remembering it if not).
    fn seen(&mut self, frame: &[u8], generation: u64) -> bool {
        use std::hash::BuildHasher;
        if generation != self.generation || self.hashes.len() >= REMEMBERED {
            self.hashes.clear();
            self.generation = generation;
        }
        let h = self.state.hash_one(frame);
        !self.hashes.insert(h)
    }
}

impl Listener {
    /// Listen on every interface [`interfaces`] names for `scope`, adding
    /// what is heard to `tally`. An interface that cannot be opened is an
    /// error for that interface only (returned beside the listener).
    pub fn start(scope: Arc<Scope>, tally: Arc<Mutex<Tally>>) -> (Listener, Vec<ListenError>) {
        let stop = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(Counters::default());
        let mut threads = Vec::new();
        let mut names = Vec::new();
        let mut errors = Vec::new();
        for (iface, mac, net) in interfaces(&scope) {
            let mut rx = match open(&iface) {
                Ok(rx) => rx,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let unaddressed = scope.keeps_unaddressed(net);
            let (stop, scope, tally, counters) =
                (stop.clone(), scope.clone(), tally.clone(), counters.clone());
            let name = iface.name.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("pandian-passive-{name}"))
                .spawn(move || {
                    let mut repeats = Repeats::default();
                    while !stop.load(Ordering::Relaxed) {
                        let asked = std::time::Instant::now();
                        match rx.next() {
                            Ok(frame) => {
                                counters.frames.fetch_add(1, Ordering::Relaxed);
                                let woken = asked.elapsed() >= WOKEN;
                                let Ok(mut t) = tally.lock() else { return };
                                if !repeats.seen(frame, t.generation())
                                    && admit(frame, mac, unaddressed, &scope, &mut t)
                                {
                                    counters.kept.fetch_add(1, Ordering::Relaxed);
                                }
                                drop(t);
                                if woken {
                                    std::thread::sleep(REST);
                                }
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => {
                                tracing::warn!(iface = %name, error = %e, "passive listening stopped on this interface");
                                return;
                            }
                        }
                    }
                });
            match spawned {
                Ok(t) => {
                    threads.push(t);
                    names.push(iface.name.clone());
                }
                Err(e) => errors.push(ListenError::io(&iface.name, e)),
            }
        }
        (
            Listener {
                stop,
                threads,
                interfaces: names,
                counters,
            },
            errors,
        )
    }

    /// Stop the capture threads and wait for them (each notices within
    /// [`POLL`]).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.halt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use std::net::Ipv4Addr;

    #[test]
    fn admit_keeps_wanted_senders_and_never_ours_or_excluded_ones() {
        let own = [0x02, 0, 0, 0, 0, 1];
        let other = [0x02, 0x5a, 0x11, 0, 0, 2];
        let job = crate::job::Job {
            name: "lan".into(),
            targets: vec!["198.18.140.0/24".parse::<Target>().unwrap()],
            exclude: vec!["198.18.140.50".parse::<Target>().unwrap()],
            credentials: Vec::new(),
            probes: crate::job::Probes::default(),
            schedule: crate::schedule::Schedule::Every(Duration::from_secs(60)),
            jitter: None,
            rate: 100,
            probe_timeout: Duration::from_secs(1),
            snmp_depth: crate::job::Depth::Full,
        };
        let scope = Scope::of_jobs(&[job], &[]);
        let ip = |o: u8| Ipv4Addr::new(198, 18, 140, o);
        let gw = ip(1);
        let mut t = Tally::default();
        let who_has = crate::wire::arp::request(other, ip(7), gw);
        assert!(admit(&who_has, own, true, &scope, &mut t));
        let mine = crate::wire::arp::request(own, ip(9), gw);
        assert!(!admit(&mine, own, true, &scope, &mut t), "our own frame");
        let mut answer = crate::wire::arp::request(other, ip(7), gw);
        answer[0..6].copy_from_slice(&own);
        answer[21] = 2;
        assert!(
            !admit(&answer, own, true, &scope, &mut t),
            "an answer to us"
        );
        let excluded = crate::wire::arp::request(other, ip(50), gw);
        assert!(!admit(&excluded, own, true, &scope, &mut t));
        let foreign = crate::wire::arp::request(other, Ipv4Addr::new(198, 18, 143, 9), gw);
        assert!(!admit(&foreign, own, true, &scope, &mut t));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn repeats_are_remembered_for_one_generation() {
        let mut r = Repeats::default();
        let f = crate::wire::arp::request(
            [2, 0, 0, 0, 0, 9],
            Ipv4Addr::new(198, 18, 140, 7),
            Ipv4Addr::new(198, 18, 140, 1),
        );
        assert!(!r.seen(&f, 0));
        assert!(r.seen(&f, 0));
        assert!(!r.seen(&f, 1), "a new interval takes it again");
        assert!(!r.seen(&f[..30], 1));
    }
}
