//! DHCP (RFC 2131/2132), the little Pandian needs to find the servers on a
//! segment (a DISCOVER to broadcast, and the OFFERs that answer it) and to
//! hear what clients say of themselves (DISCOVER, REQUEST and INFORM heard
//! passively: host name, vendor class, client id, parameter list). Pure:
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
const HOST_NAME: u8 = 12;
const REQUESTED_IP: u8 = 50;
const LEASE_TIME: u8 = 51;
const MESSAGE_TYPE: u8 = 53;
const SERVER_ID: u8 = 54;
const PARAMETER_LIST: u8 = 55;
const VENDOR_CLASS: u8 = 60;
const CLIENT_ID: u8 = 61;
const END: u8 = 255;
/// DHCP message types.
const DISCOVER: u8 = 1;
const OFFER: u8 = 2;
const REQUEST: u8 = 3;
const INFORM: u8 = 8;

/// What is wrong with a packet that claims to be DHCP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DhcpError {
    /// Shorter than the BOOTP header and cookie.
    #[error("DHCP packet of {0} bytes is too short")]
    Short(usize),
    /// Not a BOOTP reply (or, for [`decode_client`], request), or no DHCP
    /// cookie.
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

/// The options after the cookie, each `(code, value)`, lengths checked;
/// stops at END. An option running past the end is an error.
fn options(p: &[u8]) -> Result<Vec<(u8, &[u8])>, DhcpError> {
    let mut out = Vec::new();
    let mut rest = p.get(HEADER + MAGIC.len()..).unwrap_or(&[]);
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
        out.push((code, value));
        rest = after;
    }
    Ok(out)
}

/// Longest client text option kept (characters; RFC 2132 allows 255 bytes).
pub const MAX_CLIENT_TEXT: usize = 255;

/// What a DHCP client said of itself in a DISCOVER, REQUEST or INFORM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    /// DHCP message type (1 DISCOVER, 3 REQUEST, 8 INFORM).
    pub kind: u8,
    /// The client's hardware address (chaddr), for Ethernet clients.
    pub mac: Option<[u8; 6]>,
    /// The address it holds (ciaddr) or asks for (option 50), if any.
    pub ip: Option<Ipv4Addr>,
    /// Host name (option 12), sanitised.
    pub hostname: Option<String>,
    /// Vendor class identifier (option 60), sanitised.
    pub vendor_class: Option<String>,
    /// Client identifier (option 61), as lowercase hex (type byte first).
    pub client_id: Option<String>,
    /// Parameter request list (option 55), kept raw: the option codes in
    /// the client's order, comma-separated (`1,3,6,15`).
    pub params: Option<String>,
}

fn text_option(v: &[u8]) -> Option<String> {
    // Clients pad names with NULs; the sanitiser drops control characters.
    let t = crate::text::clean(&String::from_utf8_lossy(v), MAX_CLIENT_TEXT);
    (!t.is_empty()).then_some(t)
}

fn nonzero(a: Option<Ipv4Addr>) -> Option<Ipv4Addr> {
    a.filter(|a| !a.is_unspecified() && !a.is_broadcast())
}

/// Read a BOOTP request: `Ok(Some(message))` for a DISCOVER, REQUEST or
/// INFORM, `Ok(None)` for any other client message (RELEASE, DECLINE) or
/// one without a message type, an error for what is not a DHCP request.
pub fn decode_client(p: &[u8]) -> Result<Option<ClientMessage>, DhcpError> {
    let cookie_end = HEADER + MAGIC.len();
    if p.len() < cookie_end {
        return Err(DhcpError::Short(p.len()));
    }
    if p.first() != Some(&BOOTREQUEST) || p.get(HEADER..cookie_end) != Some(&MAGIC[..]) {
        return Err(DhcpError::NotDhcp);
    }
    let ethernet = p.get(1..3) == Some(&[1, 6][..]);
    let mac = p
        .get(28..34)
        .and_then(|b| <[u8; 6]>::try_from(b).ok())
        .filter(|_| ethernet);
    let ciaddr = nonzero(p.get(12..16).and_then(addr));
    let mut m = ClientMessage {
        kind: 0,
        mac,
        ip: ciaddr,
        hostname: None,
        vendor_class: None,
        client_id: None,
        params: None,
    };
    let mut requested = None;
    for (code, value) in options(p)? {
        match code {
            MESSAGE_TYPE => m.kind = value.first().copied().unwrap_or(0),
            HOST_NAME => m.hostname = text_option(value),
            VENDOR_CLASS => m.vendor_class = text_option(value),
            CLIENT_ID if !value.is_empty() => {
                m.client_id = Some(value.iter().map(|b| format!("{b:02x}")).collect());
            }
            PARAMETER_LIST if !value.is_empty() => {
                let codes: Vec<String> = value.iter().map(u8::to_string).collect();
                m.params = Some(codes.join(","));
            }
            REQUESTED_IP => requested = nonzero(addr(value)),
            _ => {}
        }
    }
    m.ip = m.ip.or(requested);
    Ok(matches!(m.kind, DISCOVER | REQUEST | INFORM).then_some(m))
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
    for (code, value) in options(p)? {
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

    /// The DHCP payload of a real udhcpc DISCOVER (`testdata/`, after the
    /// Ethernet, IPv4 and UDP headers).
    fn udhcpc_discover() -> Vec<u8> {
        let text = include_str!("testdata/udhcpc-discover-vendor-hostname-clientid.hex");
        let hex: String = text.lines().filter(|l| !l.starts_with('#')).collect();
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        bytes[42..].to_vec()
    }

    #[test]
    fn client_messages_are_read_and_replies_are_not() {
        let m = decode_client(&udhcpc_discover()).unwrap().unwrap();
        assert_eq!(m.kind, DISCOVER);
        assert_eq!(m.mac, Some([0x02, 0x5a, 0x11, 0x40, 0x00, 0x10]));
        assert_eq!(m.ip, None);
        assert_eq!(m.hostname.as_deref(), Some("lab-laptop"));
        assert_eq!(m.vendor_class.as_deref(), Some("MSFT 5.0"));
        assert_eq!(m.client_id.as_deref(), Some("01025a11400010"));
        assert_eq!(m.params.as_deref(), Some("1,3,6,12,15,28,42"));

        let mut release = udhcpc_discover();
        release[242] = 7;
        assert_eq!(decode_client(&release), Ok(None));
        let mut renew = udhcpc_discover();
        renew[242] = REQUEST;
        renew[12..16].copy_from_slice(&[198, 18, 140, 77]);
        let m = decode_client(&renew).unwrap().unwrap();
        assert_eq!(m.ip, Some(Ipv4Addr::new(198, 18, 140, 77)));
        let offer = offer_packet(1, &[53, 1, 2, 255]);
        assert_eq!(decode_client(&offer), Err(DhcpError::NotDhcp));
        let mut cut = udhcpc_discover();
        cut.truncate(250);
        assert!(matches!(decode_client(&cut), Err(DhcpError::Truncated(_))));
    }

    proptest! {
        #[test]
        fn decode_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_offer(&offer_packet(1, &tail));
            let _ = decode_offer(&tail);
            let _ = decode_client(&tail);
            let mut request = offer_packet(1, &tail);
            request[0] = BOOTREQUEST;
            let _ = decode_client(&request);
        }

        #[test]
        fn mutated_client_messages_never_panic(at in 0usize..300, byte in any::<u8>()) {
            let mut p = udhcpc_discover();
            if let Some(b) = p.get_mut(at) {
                *b = byte;
            }
            let _ = decode_client(&p);
        }
    }
}
