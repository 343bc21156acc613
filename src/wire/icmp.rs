//! ICMP echo request and reply (RFC 792), as sent and read on a raw IPv4
//! socket (which delivers the IP header too).

use std::net::Ipv4Addr;

/// An echo reply read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EchoReply {
    /// Who answered (the IP source address).
    pub source: Ipv4Addr,
    /// The identifier we sent.
    pub ident: u16,
    /// The sequence number we sent.
    pub seq: u16,
}

/// Why bytes are not a usable ICMP echo reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcmpError {
    /// Too short for the headers it claims.
    #[error("ICMP packet truncated ({0} bytes)")]
    Truncated(usize),
    /// Not IPv4, or not ICMP inside.
    #[error("not an IPv4 ICMP packet")]
    NotIcmp,
    /// The ICMP checksum does not add up.
    #[error("ICMP checksum mismatch")]
    Checksum,
}

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request with `payload`.
pub fn echo_request(ident: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + payload.len());
    p.extend_from_slice(&[8, 0, 0, 0]);
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// Decode an IPv4 packet from a raw ICMP socket: Ok(None) when it is ICMP
/// but not an echo reply (errors, our own requests on loopback, ...).
pub fn decode_reply(packet: &[u8]) -> Result<Option<EchoReply>, IcmpError> {
    let first = *packet.first().ok_or(IcmpError::Truncated(0))?;
    if first >> 4 != 4 {
        return Err(IcmpError::NotIcmp);
    }
    let ihl = usize::from(first & 0x0f) * 4;
    if ihl < 20 || packet.len() < ihl + 8 {
        return Err(IcmpError::Truncated(packet.len()));
    }
    if packet.get(9) != Some(&1) {
        return Err(IcmpError::NotIcmp);
    }
    let src = packet
        .get(12..16)
        .ok_or(IcmpError::Truncated(packet.len()))?;
    let source = Ipv4Addr::new(src[0], src[1], src[2], src[3]);
    let icmp = packet
        .get(ihl..)
        .ok_or(IcmpError::Truncated(packet.len()))?;
    if checksum(icmp) != 0 {
        return Err(IcmpError::Checksum);
    }
    if icmp.first() != Some(&0) || icmp.get(1) != Some(&0) {
        return Ok(None);
    }
    let ident = u16::from_be_bytes([icmp[4], icmp[5]]);
    let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
    Ok(Some(EchoReply { source, ident, seq }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip_wrap(src: Ipv4Addr, icmp: &[u8]) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0];
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&[198, 18, 0, 1]);
        p.extend_from_slice(icmp);
        p
    }

    fn as_reply(mut req: Vec<u8>) -> Vec<u8> {
        req[0] = 0;
        req[2] = 0;
        req[3] = 0;
        let c = checksum(&req);
        req[2..4].copy_from_slice(&c.to_be_bytes());
        req
    }

    #[test]
    fn checksum_known_vector() {
        // RFC 1071 example bytes.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
        let r = echo_request(0x1234, 7, b"pandian");
        assert_eq!(checksum(&r), 0);
    }

    #[test]
    fn decode_table() {
        let src = Ipv4Addr::new(198, 18, 0, 9);
        let reply = ip_wrap(src, &as_reply(echo_request(42, 3, b"x")));
        assert_eq!(
            decode_reply(&reply),
            Ok(Some(EchoReply {
                source: src,
                ident: 42,
                seq: 3
            }))
        );
        let request = ip_wrap(src, &echo_request(42, 3, b"x"));
        assert_eq!(decode_reply(&request), Ok(None));
        let mut bad = reply.clone();
        bad[25] ^= 0xff;
        assert_eq!(decode_reply(&bad), Err(IcmpError::Checksum));
        let mut udp = reply.clone();
        udp[9] = 17;
        assert_eq!(decode_reply(&udp), Err(IcmpError::NotIcmp));
        assert_eq!(decode_reply(&reply[..24]), Err(IcmpError::Truncated(24)));
        assert_eq!(decode_reply(&[0x4f]), Err(IcmpError::Truncated(1)));
        assert_eq!(decode_reply(&[0x60; 40]), Err(IcmpError::NotIcmp));
    }

    proptest! {
        #[test]
        fn icmp_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = decode_reply(&bytes);
        }
    }
}
