//! DHCP (RFC 2131/2132), the little Pandian needs to find the servers on a
//! segment: a DISCOVER to broadcast, and the OFFERs that answer it. Pure:
//! bytes in, values out; a malformed or foreign packet is an error or
//! `None`, never a panic. Options are read with their lengths checked and
//! text options through the one sanitiser.

use std::net::Ipv4Addr;

const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
const MAGIC: [u8; 4] = [99, 130, 83, 99];
/// The fixed BOOTP header before the magic cookie.
const HEADER: usize = 236;
/// Option numbers.
const PAD: u8 = 0;
const SUBNET_MASK: u8 = 1;
const ROUTER: u8 = 3;
const DNS: u8 = 6;
const DOMAIN_NAME: u8 = 15;
const LEASE_TIME: u8 = 51;
const MESSAGE_TYPE: u8 = 53;
const SERVER_ID: u8 = 54;
const PARAMETER_LIST: u8 = 55;
const END: u8 = 255;
/// DHCP message types.
const DISCOVER: u8 = 1;
const OFFER: u8 = 2;

/// What is wrong with a packet that claims to be DHCP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DhcpError {
    /// Shorter than the BOOTP header and cookie.
    #[error("DHCP packet of {0} bytes is too short")]
    Short(usize),
    /// Not a BOOTP reply, or no DHCP cookie.
    #[error("not a DHCP reply")]
    NotDhcp,
    /// An option runs past the end.
    #[error("DHCP option {0} runs past the end of the packet")]
    Truncated(u8),
}

/// A DHCPDISCOVER from `mac` with transaction `xid`, asking for a broadcast
/// answer (we hold no address yet) and for the options an audit needs.
pub fn discover(xid: u32, mac: [u8; 6]) -> Vec<u8> {
    let mut p = vec![0u8; HEADER];
    p[0] = BOOTREQUEST;
    p[1] = 1; // htype: Ethernet
    p[2] = 6; // hlen
    p[4..8].copy_from_slice(&xid.to_be_bytes());
    p[10] = 0x80; // flags: broadcast
    p[28..34].copy_from_slice(&mac);
    p.extend_from_slice(&MAGIC);
    p.extend_from_slice(&[MESSAGE_TYPE, 1, DISCOVER]);
    p.extend_from_slice(&[
        PARAMETER_LIST,
        6,
        SUBNET_MASK,
        ROUTER,
        DNS,
        DOMAIN_NAME,
        LEASE_TIME,
        SERVER_ID,
    ]);
    p.push(END);
    // Some servers ignore requests shorter than a BOOTP packet (300 bytes).
    p.resize(300, PAD);
    p
}

/// A DHCPOFFER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The transaction it answers.
    pub xid: u32,
    /// The address offered (yiaddr).
    pub offered: Ipv4Addr,
    /// The server identifier (option 54), if given.
    pub server_id: Option<Ipv4Addr>,
    /// Routers (option 3).
    pub routers: Vec<Ipv4Addr>,
    /// DNS servers (option 6).
    pub dns: Vec<Ipv4Addr>,
    /// Subnet mask (option 1).
    pub mask: Option<Ipv4Addr>,
    /// Lease time in seconds (option 51).
    pub lease_secs: Option<u32>,
    /// Domain name (option 15), sanitised.
    pub domain: Option<String>,
}

impl Offer {
    /// The offer as one line of `key=value` words (`offered=`, `server=`,
    /// `mask=`, `router=`, `dns=`, `lease=`, `domain=`), lists comma-separated,
    /// the way the record keeps it.
    pub fn describe(&self) -> String {
        let list = |v: &[Ipv4Addr]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = vec![format!("offered={}", self.offered)];
        if let Some(s) = self.server_id {
            out.push(format!("server={s}"));
        }
        if let Some(m) = self.mask {
            out.push(format!("mask={m}"));
        }
        if !self.routers.is_empty() {
            out.push(format!("router={}", list(&self.routers)));
        }
        if !self.dns.is_empty() {
            out.push(format!("dns={}", list(&self.dns)));
        }
        if let Some(l) = self.lease_secs {
            out.push(format!("lease={l}"));
        }
        if let Some(d) = &self.domain {
            // One word: the sanitiser left no control characters; spaces go.
            out.push(format!("domain={}", d.replace(char::is_whitespace, "_")));
        }
        out.join(" ")
    }
}

/// The value of `key` in a line [`Offer::describe`] wrote.
pub fn described<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn addrs(v: &[u8]) -> Vec<Ipv4Addr> {
    v.chunks_exact(4)
        .take(8)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect()
}

fn addr(v: &[u8]) -> Option<Ipv4Addr> {
    match v {
        [a, b, c, d] => Some(Ipv4Addr::new(*a, *b, *c, *d)),
        _ => None,
    }
}

/// Read a BOOTP reply: `Ok(Some(offer))` for a DHCPOFFER, `Ok(None)` for
/// any other DHCP message (an ACK, a NAK), an error for what is not DHCP.
pub fn decode_offer(p: &[u8]) -> Result<Option<Offer>, DhcpError> {
    let cookie_end = HEADER + MAGIC.len();
    if p.len() < cookie_end {
        return Err(DhcpError::Short(p.len()));
    }
    if p.first() != Some(&BOOTREPLY) || p.get(HEADER..cookie_end) != Some(&MAGIC[..]) {
        return Err(DhcpError::NotDhcp);
    }
    let word = |r: std::ops::Range<usize>| p.get(r).and_then(addr);
    let xid = p
        .get(4..8)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    let mut offer = Offer {
        xid,
        offered: word(16..20).unwrap_or(Ipv4Addr::UNSPECIFIED),
        server_id: None,
        routers: Vec::new(),
        dns: Vec::new(),
        mask: None,
        lease_secs: None,
        domain: None,
    };
    let mut kind = None;
    let mut rest = p.get(cookie_end..).unwrap_or(&[]);
    while let Some((&code, tail)) = rest.split_first() {
        match code {
            PAD => {
                rest = tail;
                continue;
            }
            END => break,
            _ => {}
        }
        let Some((&len, tail)) = tail.split_first() else {
            return Err(DhcpError::Truncated(code));
        };
        let len = usize::from(len);
        let (Some(value), Some(after)) = (tail.get(..len), tail.get(len..)) else {
            return Err(DhcpError::Truncated(code));
        };
        match code {
            MESSAGE_TYPE => kind = value.first().copied(),
            SERVER_ID => offer.server_id = addr(value),
            ROUTER => offer.routers = addrs(value),
            DNS => offer.dns = addrs(value),
            SUBNET_MASK => offer.mask = addr(value),
            LEASE_TIME => {
                offer.lease_secs = <[u8; 4]>::try_from(value).ok().map(u32::from_be_bytes);
            }
            DOMAIN_NAME => {
                let text = crate::text::clean(&String::from_utf8_lossy(value), 128);
                offer.domain = (!text.is_empty()).then_some(text);
            }
            _ => {}
        }
        rest = after;
    }
    Ok((kind == Some(OFFER)).then_some(offer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An OFFER as dnsmasq sends it: header, cookie, options.
    fn offer_packet(xid: u32, options: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; HEADER];
        p[0] = BOOTREPLY;
        p[1] = 1;
        p[2] = 6;
        p[4..8].copy_from_slice(&xid.to_be_bytes());
        p[16..20].copy_from_slice(&[198, 18, 45, 120]);
        p.extend_from_slice(&MAGIC);
        p.extend_from_slice(options);
        p
    }

    #[test]
    fn discover_is_a_broadcast_bootp_request() {
        let p = discover(0x1234_5678, [0, 0x1b, 0x21, 1, 2, 3]);
        assert_eq!(p.len(), 300);
        assert_eq!(p[0], 1);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0x56, 0x78]);
        assert_eq!(p[10], 0x80);
        assert_eq!(&p[28..34], &[0, 0x1b, 0x21, 1, 2, 3]);
        assert_eq!(&p[236..240], &MAGIC);
        assert_eq!(&p[240..243], &[53, 1, 1]);
    }

    #[test]
    fn offers_are_read_and_other_messages_are_not() {
        let opts = [
            53, 1, 2, // OFFER
            54, 4, 198, 18, 45, 3, // server id
            1, 4, 255, 255, 255, 0, // mask
            3, 4, 198, 18, 45, 254, // router
            6, 8, 198, 18, 45, 53, 198, 18, 45, 54, // two DNS servers
            51, 4, 0, 0, 0x0e, 0x10, // 3600 s
            15, 9, b'l', b'a', b'b', b'.', b'<', b'b', b'>', 0x07, b'x', // hostile domain
            0, 0, // padding
            255,
        ];
        let o = decode_offer(&offer_packet(7, &opts)).unwrap().unwrap();
        assert_eq!(o.xid, 7);
        assert_eq!(o.offered, Ipv4Addr::new(198, 18, 45, 120));
        assert_eq!(o.server_id, Some(Ipv4Addr::new(198, 18, 45, 3)));
        assert_eq!(o.routers, vec![Ipv4Addr::new(198, 18, 45, 254)]);
        assert_eq!(o.dns.len(), 2);
        assert_eq!(o.mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(o.lease_secs, Some(3600));
        let domain = o.domain.unwrap();
        assert!(!domain.contains('\u{7}'), "{domain:?}");

        let ack = [53, 1, 5, 255];
        assert_eq!(decode_offer(&offer_packet(7, &ack)).unwrap(), None);
        let cases: [(&[u8], DhcpError); 3] = [
            (&[2, 1, 6], DhcpError::Short(3)),
            (&[53, 4, 2], DhcpError::Truncated(53)),
            (&[53], DhcpError::Truncated(53)),
        ];
        for (bytes, want) in cases {
            let p = if bytes.len() < 4 && want == DhcpError::Short(3) {
                bytes.to_vec()
            } else {
                offer_packet(1, bytes)
            };
            assert_eq!(decode_offer(&p), Err(want));
        }
        let mut request = offer_packet(1, &[53, 1, 2, 255]);
        request[0] = BOOTREQUEST;
        assert_eq!(decode_offer(&request), Err(DhcpError::NotDhcp));
    }

    proptest! {
        #[test]
        fn decode_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_offer(&offer_packet(1, &tail));
            let _ = decode_offer(&tail);
        }
    }
}
