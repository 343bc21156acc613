//! ARP who-has sweeps on directly attached IPv4 subnets (pnet datalink:
//! real frames; replies matched to the requests we sent). Finds hosts that
//! drop ICMP. Blocking: run it on a blocking thread.

use super::{Pacer, SweepError};
use crate::wire::arp::{self, Op};
use pnet_datalink::{Channel, Config, NetworkInterface};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A host that answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ArpHit {
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its MAC, from the reply's sender hardware address.
    pub mac: [u8; 6],
    /// Time from our first request to its reply.
    pub rtt: Duration,
    /// The interface it was found on.
    pub iface: String,
}

/// One interface that can reach some targets by ARP.
#[derive(Debug, Clone)]
pub struct Attached {
    pub(crate) iface: NetworkInterface,
    pub(crate) mac: [u8; 6],
    pub(crate) src: Ipv4Addr,
    pub(crate) targets: Vec<Ipv4Addr>,
}

/// The machine's own IPv4 addresses (never probed).
pub fn own_addresses() -> Vec<Ipv4Addr> {
    pnet_datalink::interfaces()
        .iter()
        .flat_map(|i| i.ips.iter())
        .filter_map(|n| match n.ip() {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        })
        .collect()
}

/// The network and broadcast addresses of every attached IPv4 subnet of
/// /30 or shorter, each with what it is ("the broadcast address of
/// 198.18.0.0/24 on eth0"): they name no host, and the kernel refuses to
/// send an echo request to a broadcast address (EACCES) anyway.
pub fn subnet_edges() -> HashMap<Ipv4Addr, String> {
    edges_over(&pnet_datalink::interfaces())
}

fn edges_over(ifaces: &[NetworkInterface]) -> HashMap<Ipv4Addr, String> {
    let mut out = HashMap::new();
    for i in ifaces.iter().filter(|i| !i.is_loopback()) {
        for n in &i.ips {
            let (IpAddr::V4(a), prefix) = (n.ip(), n.prefix()) else {
                continue;
            };
            let Ok(net) = ipnetwork::Ipv4Network::new(a, prefix) else {
                continue;
            };
            if prefix >= 31 {
                continue;
            }
            let net = ipnetwork::Ipv4Network::new(net.network(), prefix).unwrap_or(net);
            for (addr, which) in [(net.network(), "network"), (net.broadcast(), "broadcast")] {
                out.entry(addr)
                    .or_insert_with(|| format!("the {which} address of {net} on {}", i.name));
            }
        }
    }
    out
}

/// Split targets into groups per attached interface, and the rest (to be
/// reached by ICMP). The interface's own addresses are dropped: Pandian
/// never probes the machine it runs on.
pub fn partition(targets: &[Ipv4Addr]) -> (Vec<Attached>, Vec<Ipv4Addr>) {
    partition_over(pnet_datalink::interfaces(), targets)
}

fn partition_over(
    ifaces: Vec<NetworkInterface>,
    targets: &[Ipv4Addr],
) -> (Vec<Attached>, Vec<Ipv4Addr>) {
    let mut groups: Vec<Attached> = Vec::new();
    let mut rest = Vec::new();
    let own: Vec<Ipv4Addr> = ifaces
        .iter()
        .flat_map(|i| i.ips.iter())
        .filter_map(|n| match n.ip() {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        })
        .collect();
    let edges = edges_over(&ifaces);
    let usable: Vec<(NetworkInterface, [u8; 6], Ipv4Addr, u8)> = ifaces
        .into_iter()
        .filter(|i| i.is_up() && !i.is_loopback())
        .filter_map(|i| {
            let mac = i.mac?.octets();
            let v4 = i.ips.iter().find_map(|n| match n.ip() {
                IpAddr::V4(a) => Some((a, n.prefix())),
                IpAddr::V6(_) => None,
            })?;
            Some((i.clone(), mac, v4.0, v4.1))
        })
        .collect();
    for &t in targets {
        if own.contains(&t) || edges.contains_key(&t) {
            continue;
        }
        let hit = usable
            .iter()
            .find(|(_, _, src, prefix)| same_subnet(*src, t, *prefix));
        match hit {
            Some((iface, mac, src, _)) => {
                match groups.iter_mut().find(|g| g.iface.name == iface.name) {
                    Some(g) => g.targets.push(t),
                    None => groups.push(Attached {
                        iface: iface.clone(),
                        mac: *mac,
                        src: *src,
                        targets: vec![t],
                    }),
                }
            }
            None => rest.push(t),
        }
    }
    (groups, rest)
}

fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, prefix: u8) -> bool {
    if prefix == 0 || prefix > 32 {
        return false;
    }
    let mask = u32::MAX << (32 - u32::from(prefix));
    u32::from(a) & mask == u32::from(b) & mask
}

/// Sweep every group: `passes` rounds of who-has at `rate` frames/s, each
/// round asking only the addresses that have not answered, then waiting
/// `timeout` for late replies.
pub fn sweep(
    groups: &[Attached],
    rate: u32,
    timeout: Duration,
    passes: u32,
) -> Result<Vec<ArpHit>, SweepError> {
    let mut hits = Vec::new();
    for g in groups {
        hits.extend(sweep_one(g, rate, timeout, passes.max(1))?);
    }
    Ok(hits)
}

fn sweep_one(
    g: &Attached,
    rate: u32,
    timeout: Duration,
    passes: u32,
) -> Result<Vec<ArpHit>, SweepError> {
    let name = g.iface.name.clone();
    let config = Config {
        read_timeout: Some(Duration::from_millis(20)),
        ..Config::default()
    };
    let (mut tx, mut rx) = match pnet_datalink::channel(&g.iface, config) {
        Ok(Channel::Ethernet(tx, rx)) => (tx, rx),
        Ok(_) => {
            return Err(SweepError::io(
                "ARP",
                &name,
                std::io::Error::other("unsupported datalink channel"),
            ));
        }
        Err(e) => return Err(SweepError::io("ARP", &name, e)),
    };
    let wanted: HashMap<Ipv4Addr, Option<Instant>> = g.targets.iter().map(|t| (*t, None)).collect();
    let state = Mutex::new((wanted, Vec::<ArpHit>::new()));
    let done = AtomicBool::new(false);
    let mut send_error = None;
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let frame = match rx.next() {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                    Err(_) => continue,
                };
                // Malformed or foreign frames are simply not ours.
                let Ok(Some(a)) = arp::decode_frame(frame) else {
                    continue;
                };
                if a.op != Op::Reply && a.target_ip != g.src {
                    continue;
                }
                let Ok(mut st) = state.lock() else { return };
                let (wanted, hits) = &mut *st;
                if let Some(last_sent) = wanted.remove(&a.sender_ip) {
                    let rtt = last_sent.map(|t| t.elapsed()).unwrap_or_default();
                    hits.push(ArpHit {
                        ip: a.sender_ip,
                        mac: a.sender_mac,
                        rtt,
                        iface: name.clone(),
                    });
                }
            }
        });
        let mut n: u64 = 0;
        let pacer = Pacer::new(rate, Instant::now());
        'passes: for pass in 0..passes {
            let todo: Vec<Ipv4Addr> = match state.lock() {
                Ok(st) => g
                    .targets
                    .iter()
                    .copied()
                    .filter(|t| st.0.contains_key(t))
                    .collect(),
                Err(_) => break,
            };
            if todo.is_empty() {
                break;
            }
            for t in todo {
                let wait = pacer.wait(n, Instant::now());
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                }
                n += 1;
                if let Ok(mut st) = state.lock()
                    && let Some(slot) = st.0.get_mut(&t)
                {
                    *slot = Some(Instant::now());
                }
                let frame = arp::request(g.mac, g.src, t);
                match tx.send_to(&frame, None) {
                    Some(Ok(())) | None => {}
                    Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    Some(Err(e)) => {
                        send_error = Some(e);
                        break 'passes;
                    }
                }
            }
            // Later passes wait less: most late answers come early.
            let grace = if pass + 1 == passes {
                timeout
            } else {
                timeout / 2
            };
            std::thread::sleep(grace);
        }
        done.store(true, Ordering::Relaxed);
    });
    if let Some(source) = send_error {
        // The channel is open, so this is not about privileges.
        return Err(SweepError::Io {
            probe: "ARP",
            iface: g.iface.name.clone(),
            source,
        });
    }
    let hits = state.into_inner().map(|(_, h)| h).unwrap_or_default();
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_edges_name_network_and_broadcast_of_attached_subnets() {
        let iface = |name: &str, nets: &[&str], flags: u32| NetworkInterface {
            name: name.into(),
            description: String::new(),
            index: 2,
            mac: Some(pnet_datalink::MacAddr::new(2, 0, 0, 0, 0, 1)),
            ips: nets.iter().map(|n| n.parse().unwrap()).collect(),
            flags,
        };
        let up = libc::IFF_UP as u32;
        let ifaces = vec![
            iface("eth0", &["198.18.0.1/24", "203.0.113.9/31"], up),
            iface("lo", &["127.0.0.1/8"], up | libc::IFF_LOOPBACK as u32),
        ];
        let edges = edges_over(&ifaces);
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert_eq!(
            edges.get(&ip("198.18.0.255")).map(String::as_str),
            Some("the broadcast address of 198.18.0.0/24 on eth0")
        );
        assert!(edges[&ip("198.18.0.0")].starts_with("the network address"));
        assert_eq!(edges.len(), 2, "a /31 and loopback add none: {edges:?}");
        let targets: Vec<Ipv4Addr> = ["198.18.0.0", "198.18.0.7", "198.18.0.255"]
            .iter()
            .map(|s| ip(s))
            .collect();
        let (groups, rest) = partition_over(ifaces, &targets);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].targets, [ip("198.18.0.7")], "edges are not asked");
        assert!(rest.is_empty());
    }

    #[test]
    fn same_subnet_table() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        assert!(same_subnet(ip("198.18.0.1"), ip("198.18.0.200"), 24));
        assert!(!same_subnet(ip("198.18.0.1"), ip("198.18.1.1"), 24));
        assert!(same_subnet(ip("198.18.0.1"), ip("198.18.1.1"), 15));
        assert!(!same_subnet(ip("198.18.0.1"), ip("198.18.0.1"), 0));
    }
}
