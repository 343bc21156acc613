//! Ethernet II frames carrying ARP for IPv4 (RFC 826).

use std::net::Ipv4Addr;

/// Length of an Ethernet header plus an IPv4-over-Ethernet ARP body.
pub const FRAME_LEN: usize = 14 + 28;
const ETHERTYPE_ARP: u16 = 0x0806;

/// ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// who-has.
    Request,
    /// is-at.
    Reply,
}

/// The fields of an IPv4-over-Ethernet ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    /// Request or reply.
    pub op: Op,
    /// Sender hardware address.
    pub sender_mac: [u8; 6],
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: [u8; 6],
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

/// Why a frame is not a usable ARP packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArpError {
    /// Shorter than an Ethernet header plus ARP body.
    #[error("ARP frame truncated: {0} bytes, need {FRAME_LEN}")]
    Truncated(usize),
    /// Not Ethernet/IPv4 ARP (other hardware or protocol type or lengths).
    #[error("ARP for hardware type {htype} / protocol {ptype:#06x} is not Ethernet/IPv4")]
    Unsupported {
        /// Hardware type.
        htype: u16,
        /// Protocol type.
        ptype: u16,
    },
    /// An operation other than request or reply (RARP, InARP...).
    #[error("ARP operation {0} is neither request nor reply")]
    Operation(u16),
}

/// A broadcast who-has frame from (`src_mac`, `src_ip`) asking for `target`.
pub fn request(src_mac: [u8; 6], src_ip: Ipv4Addr, target: Ipv4Addr) -> [u8; FRAME_LEN] {
    let mut f = [0u8; FRAME_LEN];
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&src_mac);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    let a = Arp {
        op: Op::Request,
        sender_mac: src_mac,
        sender_ip: src_ip,
        target_mac: [0; 6],
        target_ip: target,
    };
    f[14..].copy_from_slice(&body(&a));
    f
}

/// The 28-byte ARP body.
pub fn body(a: &Arp) -> [u8; 28] {
    let mut b = [0u8; 28];
    b[0..2].copy_from_slice(&1u16.to_be_bytes());
    b[2..4].copy_from_slice(&0x0800u16.to_be_bytes());
    b[4] = 6;
    b[5] = 4;
    let op: u16 = match a.op {
        Op::Request => 1,
        Op::Reply => 2,
    };
    b[6..8].copy_from_slice(&op.to_be_bytes());
    b[8..14].copy_from_slice(&a.sender_mac);
    b[14..18].copy_from_slice(&a.sender_ip.octets());
    b[18..24].copy_from_slice(&a.target_mac);
    b[24..28].copy_from_slice(&a.target_ip.octets());
    b
}

/// Decode an Ethernet frame: Ok(None) when it is not ARP at all.
pub fn decode_frame(frame: &[u8]) -> Result<Option<Arp>, ArpError> {
    let Some(ethertype) = frame.get(12..14) else {
        return Err(ArpError::Truncated(frame.len()));
    };
    if ethertype != ETHERTYPE_ARP.to_be_bytes() {
        return Ok(None);
    }
    let body = frame
        .get(14..FRAME_LEN)
        .ok_or(ArpError::Truncated(frame.len()))?;
    decode_body(body).map(Some)
}

/// Decode a 28-byte (or longer) ARP body.
pub fn decode_body(b: &[u8]) -> Result<Arp, ArpError> {
    let b: &[u8; 28] = b
        .get(..28)
        .and_then(|s| s.try_into().ok())
        .ok_or(ArpError::Truncated(b.len() + 14))?;
    let htype = u16::from_be_bytes([b[0], b[1]]);
    let ptype = u16::from_be_bytes([b[2], b[3]]);
    if htype != 1 || ptype != 0x0800 || b[4] != 6 || b[5] != 4 {
        return Err(ArpError::Unsupported { htype, ptype });
    }
    let op = match u16::from_be_bytes([b[6], b[7]]) {
        1 => Op::Request,
        2 => Op::Reply,
        other => return Err(ArpError::Operation(other)),
    };
    let mac = |i: usize| -> [u8; 6] { [b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5]] };
    let ip = |i: usize| Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3]);
    Ok(Arp {
        op,
        sender_mac: mac(8),
        sender_ip: ip(14),
        target_mac: mac(18),
        target_ip: ip(24),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 1];

    #[test]
    fn request_round_trips() {
        let f = request(
            MAC,
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(198, 18, 0, 7),
        );
        assert_eq!(&f[0..6], &[0xff; 6]);
        let a = decode_frame(&f).unwrap().unwrap();
        assert_eq!(a.op, Op::Request);
        assert_eq!(a.sender_mac, MAC);
        assert_eq!(a.target_ip, Ipv4Addr::new(198, 18, 0, 7));
    }

    #[test]
    fn decode_table() {
        let good = request(
            MAC,
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(198, 18, 0, 2),
        );
        let mut ipv6 = good;
        ipv6[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
        let mut rarp = good;
        rarp[20..22].copy_from_slice(&3u16.to_be_bytes());
        let mut token_ring = good;
        token_ring[14..16].copy_from_slice(&6u16.to_be_bytes());
        assert!(matches!(decode_frame(&good), Ok(Some(_))));
        assert_eq!(decode_frame(&ipv6), Ok(None));
        assert_eq!(decode_frame(&rarp), Err(ArpError::Operation(3)));
        assert!(matches!(
            decode_frame(&token_ring),
            Err(ArpError::Unsupported { .. })
        ));
        assert_eq!(decode_frame(&good[..20]), Err(ArpError::Truncated(20)));
        assert_eq!(decode_frame(&[]), Err(ArpError::Truncated(0)));
        // Ethernet padding after the body is fine.
        let mut padded = good.to_vec();
        padded.extend_from_slice(&[0; 18]);
        assert!(matches!(decode_frame(&padded), Ok(Some(_))));
    }

    proptest! {
        #[test]
        fn arp_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = decode_frame(&bytes);
        }

        #[test]
        fn arp_body_round_trips(s in any::<[u8; 6]>(), t in any::<[u8; 6]>(), si in any::<u32>(), ti in any::<u32>(), reply in any::<bool>()) {
            let a = Arp { op: if reply { Op::Reply } else { Op::Request }, sender_mac: s, sender_ip: si.into(), target_mac: t, target_ip: ti.into() };
            prop_assert_eq!(decode_body(&body(&a)), Ok(a));
        }
    }
}
