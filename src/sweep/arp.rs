//! ARP on directly attached IPv4 subnets: which interface reaches which
//! targets, the addresses never to ask (the machine's own, subnets' network
//! and broadcast), and the datalink channel the pipeline's ARP probe
//! (`pipeline::liveness::arp`) sends real frames on.

use super::SweepError;
use nix::sys::socket::{setsockopt, sockopt};
use pnet_datalink::{Channel, Config, NetworkInterface};
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::IntoRawFd;
use std::time::Duration;

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

/// Both ends of an Ethernet channel.
pub(crate) type Ethernet = (
    Box<dyn pnet_datalink::DataLinkSender>,
    Box<dyn pnet_datalink::DataLinkReceiver>,
);

/// An Ethernet channel on `iface` that receives ARP frames only, whose
/// reads time out every 20 ms (so a receiver thread can notice it should
/// stop).
///
/// The kernel filters the frames ([`ARP_IN`]): a packet socket bound to
/// every protocol would also copy each SNMP, ICMP and DNS packet the run
/// sends and receives, and every ARP request it sends, to this one
/// thread. In a /16 with SNMP that was four frames read per ARP reply, and
/// replies were dropped whenever the thread fell behind. The receive buffer
/// is raised (past `rmem_max` when allowed) for the replies of a burst.
pub(crate) fn channel(iface: &NetworkInterface) -> Result<Ethernet, SweepError> {
    let io = |e: std::io::Error| SweepError::io("ARP", &iface.name, e);
    // Protocol 0: nothing is queued before the filter is on; pnet's bind
    // to the interface then turns reception on.
    let sock = Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0))).map_err(io)?;
    let program: Vec<SockFilter> = ARP_IN
        .iter()
        .map(|&(code, jt, jf, k)| SockFilter::new(code, jt, jf, k))
        .collect();
    sock.attach_filter(&program).map_err(io)?;
    if setsockopt(&sock, sockopt::RcvBufForce, &RECV_BUFFER).is_err() {
        let _ = sock.set_recv_buffer_size(RECV_BUFFER);
    }
    let config = Config {
        read_timeout: Some(Duration::from_millis(20)),
        socket_fd: Some(sock.into_raw_fd()),
        ..Config::default()
    };
    match pnet_datalink::channel(iface, config) {
        Ok(Channel::Ethernet(tx, rx)) => Ok((tx, rx)),
        Ok(_) => Err(io(std::io::Error::other("unsupported datalink channel"))),
        Err(e) => Err(io(e)),
    }
}

/// The ARP channel's receive buffer: about 5,000 replies.
const RECV_BUFFER: usize = 4 << 20;

/// The classic BPF program of the ARP channel, as (code, jt, jf, k): keep
/// ARP frames (EtherType 0x0806) that this host did not send.
const ARP_IN: [(u16, u8, u8, u32); 6] = [
    (0x28, 0, 0, 12),          // ldh [12]: the EtherType
    (0x15, 0, 3, 0x0806),      // jeq ARP, else drop
    (0x20, 0, 0, 0xffff_f004), // ld the packet type (SKF_AD_OFF + SKF_AD_PKTTYPE)
    (0x15, 1, 0, 4),           // jeq PACKET_OUTGOING: drop
    (0x06, 0, 0, 0x0004_0000), // ret: keep the frame
    (0x06, 0, 0, 0),           // ret: drop
];

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
