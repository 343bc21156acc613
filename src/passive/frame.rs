//! One captured Ethernet frame in, what it says about its sender out:
//! ARP (sender MAC and address), DHCP client messages (DISCOVER, REQUEST,
//! INFORM: host name, vendor class, client id, parameter list), mDNS
//! responses (the host names whose A records give the sender's own
//! address, decoded by [`crate::wire::mdns`]). Anything else is `None`. Pure: bytes in, values out; never panics on any input.

use crate::announce::Announced;
use crate::record::Source;
use crate::wire::{arp, dhcp, mdns};
use std::net::Ipv4Addr;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_VLAN: u16 = 0x8100;
const UDP: u8 = 17;
const DHCP_CLIENT_PORT: u16 = 68;
const DHCP_SERVER_PORT: u16 = 67;
const MDNS_PORT: u16 = 5353;
/// Most host names taken from one mDNS response.
const MAX_MDNS_NAMES: usize = 4;

/// What one frame said about the device that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    /// The sender's MAC (ARP's sender hardware address, DHCP's chaddr).
    pub mac: [u8; 6],
    /// Its address, when the frame names one (ARP's sender address; DHCP's
    /// ciaddr or requested address).
    pub ip: Option<Ipv4Addr>,
    /// The frame's Ethernet source (who put it on the wire).
    pub from: [u8; 6],
    /// The facts, keys per the `passive` row of [`crate::announce`].
    pub facts: Vec<Announced>,
}

fn mac_at(b: &[u8], at: usize) -> Option<[u8; 6]> {
    b.get(at..at.checked_add(6)?)
        .and_then(|s| <[u8; 6]>::try_from(s).ok())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

fn fact(key: &str, value: &str) -> Option<Announced> {
    Announced::new(Source::Passive, key, value)
}

/// The Ethernet source, the EtherType and the payload (one 802.1Q tag
/// skipped).
fn ethernet(frame: &[u8]) -> Option<([u8; 6], u16, &[u8])> {
    let from = mac_at(frame, 6)?;
    let mut ethertype = be16(frame, 12)?;
    let mut at = 14;
    if ethertype == ETHERTYPE_VLAN {
        ethertype = be16(frame, 16)?;
        at = 18;
    }
    Some((from, ethertype, frame.get(at..)?))
}

/// The UDP payload of an unfragmented IPv4 datagram, with its source
/// address and ports.
fn udp(ip: &[u8]) -> Option<(Ipv4Addr, u16, u16, &[u8])> {
    let first = *ip.first()?;
    if first >> 4 != 4 || *ip.get(9)? != UDP {
        return None;
    }
    let ihl = usize::from(first & 0x0f) * 4;
    let total = usize::from(be16(ip, 2)?);
    let frag = be16(ip, 6)?;
    // More fragments, or not the first: a DHCP or ARP-sized message never is.
    if ihl < 20 || frag & 0x3fff != 0 || total < ihl {
        return None;
    }
    let src = ip
        .get(12..16)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(Ipv4Addr::from)?;
    let datagram = ip.get(ihl..total.min(ip.len()))?;
    let (sport, dport) = (be16(datagram, 0)?, be16(datagram, 2)?);
    let len = usize::from(be16(datagram, 4)?);
    if len < 8 {
        return None;
    }
    Some((src, sport, dport, datagram.get(8..len.min(datagram.len()))?))
}

fn heard_arp(from: [u8; 6], body: &[u8]) -> Option<Heard> {
    let a = arp::decode_body(body).ok()?;
    // An ARP probe (RFC 5227) names no address of its own yet.
    let ip = Some(a.sender_ip).filter(|i| !i.is_unspecified() && !i.is_broadcast());
    let kind = match a.op {
        arp::Op::Request if Some(a.target_ip) == ip => "announcement",
        arp::Op::Request => "request",
        arp::Op::Reply => "reply",
    };
    Some(Heard {
        mac: a.sender_mac,
        ip,
        from,
        facts: fact("arp", kind).into_iter().collect(),
    })
}

fn heard_dhcp(from: [u8; 6], payload: &[u8]) -> Option<Heard> {
    let m = dhcp::decode_client(payload).ok()??;
    let facts = [
        ("dhcp:hostname", m.hostname.as_deref()),
        ("dhcp:vendor_class", m.vendor_class.as_deref()),
        ("dhcp:client_id", m.client_id.as_deref()),
        ("dhcp:params", m.params.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.and_then(|v| fact(k, v)))
    .collect();
    Some(Heard {
        mac: m.mac.unwrap_or(from),
        ip: m.ip,
        from,
        facts,
    })
}

fn heard_mdns(from: [u8; 6], src: Ipv4Addr, payload: &[u8]) -> Option<Heard> {
    let m = mdns::decode(payload).ok()?;
    if !m.response || src.is_unspecified() {
        return None;
    }
    let mut facts: Vec<Announced> = Vec::new();
    for r in &m.records {
        if facts.len() >= MAX_MDNS_NAMES {
            break;
        }
        if r.data == mdns::Data::A(src)
            && let Some(f) = fact("mdns:hostname", &r.name.text())
            && !facts.contains(&f)
        {
            facts.push(f);
        }
    }
    (!facts.is_empty()).then_some(Heard {
        mac: from,
        ip: Some(src),
        from,
        facts,
    })
}

/// What `frame` (a whole Ethernet frame as captured) says about its
/// sender, or `None` when it is not ARP, a DHCP client message or an
/// mDNS response naming the sender's address.
pub fn classify(frame: &[u8]) -> Option<Heard> {
    let (from, ethertype, payload) = ethernet(frame)?;
    match ethertype {
        ETHERTYPE_ARP => heard_arp(from, payload),
        ETHERTYPE_IPV4 => {
            let (src, sport, dport, data) = udp(payload)?;
            match (sport, dport) {
                (DHCP_CLIENT_PORT, DHCP_SERVER_PORT) => heard_dhcp(from, data),
                (MDNS_PORT, MDNS_PORT) => heard_mdns(from, src, data),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A frame from `testdata/NAME.hex` (real captures).
    fn capture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/src/wire/testdata/{name}.hex",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let hex: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<String>();
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn facts(h: &Heard) -> Vec<(&str, &str)> {
        h.facts
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect()
    }

    const LAPTOP: [u8; 6] = [0x02, 0x5a, 0x11, 0x40, 0x00, 0x10];

    #[test]
    fn udhcpc_discover_gives_host_name_vendor_class_client_id_and_params() {
        let h = classify(&capture("udhcpc-discover-vendor-hostname-clientid")).unwrap();
        assert_eq!(h.mac, LAPTOP);
        assert_eq!(h.ip, None, "a DISCOVER without option 50 holds no address");
        assert_eq!(
            facts(&h),
            vec![
                ("dhcp:hostname", "lab-laptop"),
                ("dhcp:vendor_class", "MSFT 5.0"),
                ("dhcp:client_id", "01025a11400010"),
                ("dhcp:params", "1,3,6,12,15,28,42"),
            ]
        );
    }

    #[test]
    fn udhcpc_discover_with_requested_address_names_it() {
        let h = classify(&capture("udhcpc-discover-requested-ip")).unwrap();
        assert_eq!(h.ip, Some(Ipv4Addr::new(198, 18, 140, 77)));
        assert_eq!(
            facts(&h),
            vec![
                ("dhcp:vendor_class", "udhcp 1.35.0"),
                ("dhcp:client_id", "01025a11400010"),
                ("dhcp:params", "1,3,6,12,15,28,42"),
            ]
        );
    }

    #[test]
    fn arp_kinds_and_probes() {
        let ip = Ipv4Addr::new(198, 18, 140, 20);
        let who_has = arp::request(LAPTOP, ip, Ipv4Addr::new(198, 18, 140, 1));
        let announce = arp::request(LAPTOP, ip, ip);
        let probe = arp::request(LAPTOP, Ipv4Addr::UNSPECIFIED, ip);
        let mut reply = who_has;
        reply[21] = 2;
        let cases: [(&[u8], Option<Ipv4Addr>, &str); 4] = [
            (&who_has, Some(ip), "request"),
            (&announce, Some(ip), "announcement"),
            (&probe, None, "request"),
            (&reply, Some(ip), "reply"),
        ];
        for (frame, want_ip, kind) in cases {
            let h = classify(frame).unwrap();
            assert_eq!((h.mac, h.ip), (LAPTOP, want_ip), "{kind}");
            assert_eq!(facts(&h), vec![("arp", kind)]);
        }
    }

    #[test]
    fn other_traffic_is_nothing() {
        let d = capture("udhcpc-discover-vendor-hostname-clientid");
        let mut to_client = d.clone();
        to_client[34..38].copy_from_slice(&[0, 67, 0, 68]); // server to client
        let mut tcp = d.clone();
        tcp[23] = 6;
        let mut fragment = d.clone();
        fragment[20] = 0x20; // more fragments
        let mut ipv6 = d.clone();
        ipv6[12..14].copy_from_slice(&[0x86, 0xdd]);
        let mut hostile = d.clone();
        hostile[0x12c..0x136].copy_from_slice(b"<script>\x07x");
        for f in [&to_client, &tcp, &fragment, &ipv6] {
            assert_eq!(classify(f), None);
        }
        let h = classify(&hostile).unwrap();
        let name = h.facts[0].value.as_str();
        assert!(!name.contains('\u{7}'), "{name:?}");
        assert!(classify(&d[..30]).is_none());
    }

    /// An mDNS announcement as RFC 6762 section 8.3 lays it out (response,
    /// authoritative, one A record with the cache-flush bit) from
    /// 198.18.140.70, in an Ethernet/IPv4/UDP frame to 224.0.0.251.
    fn mdns_announcement(name: &[&[u8]], addr: [u8; 4]) -> Vec<u8> {
        let mut dns = vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        for l in name {
            dns.push(l.len() as u8);
            dns.extend_from_slice(l);
        }
        dns.push(0);
        dns.extend_from_slice(&[0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4]);
        dns.extend_from_slice(&addr);
        let mut f = vec![0x01, 0x00, 0x5e, 0, 0, 0xfb];
        f.extend_from_slice(&[0xda, 0xa1, 0x19, 0x8c, 0, 0x46, 0x08, 0x00]);
        let total = (20 + 8 + dns.len()) as u16;
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            255,
            17,
            0,
            0,
        ]);
        f.extend_from_slice(&[198, 18, 140, 70, 224, 0, 0, 251]);
        let ulen = (8 + dns.len()) as u16;
        f.extend_from_slice(&[0x14, 0xe9, 0x14, 0xe9, (ulen >> 8) as u8, ulen as u8, 0, 0]);
        f.extend_from_slice(&dns);
        f
    }

    #[test]
    fn mdns_announcement_names_its_sender() {
        let f = mdns_announcement(&[b"Annas-iPhone", b"local"], [198, 18, 140, 70]);
        let h = classify(&f).unwrap();
        assert_eq!(h.ip, Some(Ipv4Addr::new(198, 18, 140, 70)));
        assert_eq!(h.mac, [0xda, 0xa1, 0x19, 0x8c, 0, 0x46]);
        assert_eq!(facts(&h), vec![("mdns:hostname", "Annas-iPhone.local")]);
        // An answer about another address names nobody here.
        let other = mdns_announcement(&[b"printer", b"local"], [198, 18, 140, 9]);
        assert_eq!(classify(&other), None);
        // A query (QR clear) is not an announcement.
        let mut query = f.clone();
        query[42 + 2] = 0;
        assert_eq!(classify(&query), None);
    }

    proptest! {
        #[test]
        fn mutated_mdns_never_panics(at in 0usize..80, byte in any::<u8>()) {
            let mut f = mdns_announcement(&[b"Annas-iPhone", b"local"], [198, 18, 140, 70]);
            if let Some(b) = f.get_mut(at) {
                *b = byte;
            }
            let _ = classify(&f);
        }

        #[test]
        fn arbitrary_frames_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = classify(&bytes);
        }

        #[test]
        fn mutated_captures_never_panic(
            at in 0usize..342,
            byte in any::<u8>(),
            cut in 0usize..342,
        ) {
            let mut f = capture("udhcpc-discover-vendor-hostname-clientid");
            if let Some(b) = f.get_mut(at) {
                *b = byte;
            }
            f.truncate(cut.max(at));
            let _ = classify(&f);
        }
    }
}
