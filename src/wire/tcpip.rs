//! The IPv4 and TCP headers of one received segment, as a raw IPv4 socket
//! hands it over (the IP header first), read the way p0f reads them
//! (p0f 3's `process.c` `parse_packet`): the fields a TCP/IP stack chooses
//! for itself (TTL, DF and IP ID, window, options and their order) and the
//! oddities p0f calls quirks. Pure: bytes in, a [`Segment`] out.
//!
//! The capture may be truncated after the headers (a socket filter keeps
//! only [`HEADERS_MAX`] bytes): the payload's length comes from the IP
//! total length, and only the headers must be present.

use std::net::Ipv4Addr;

/// The longest IPv4 plus TCP header (60 + 60 bytes).
pub const HEADERS_MAX: usize = 120;

/// Most TCP options read (p0f's `MAX_TCP_OPT`); more is [`Options::bad`].
pub const MAX_OPTIONS: usize = 24;

/// TCP flag bits.
pub mod flag {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
    /// URG.
    pub const URG: u8 = 0x20;
    /// ECE (ECN echo).
    pub const ECE: u8 = 0x40;
    /// CWR (congestion window reduced).
    pub const CWR: u8 = 0x80;
}

/// TCP option kinds p0f names.
pub mod kind {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No operation.
    pub const NOP: u8 = 1;
    /// Maximum segment size.
    pub const MSS: u8 = 2;
    /// Window scale.
    pub const WS: u8 = 3;
    /// SACK permitted.
    pub const SOK: u8 = 4;
    /// SACK blocks.
    pub const SACK: u8 = 5;
    /// Timestamps.
    pub const TS: u8 = 8;
}

/// Why bytes are not an IPv4 TCP segment's headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TcpIpError {
    /// Fewer bytes than the headers need.
    #[error("{got} bytes, the headers need {need}")]
    Short {
        /// Bytes needed.
        need: usize,
        /// Bytes there.
        got: usize,
    },
    /// Not IP version 4.
    #[error("IP version {0}, not 4")]
    NotIpv4(u8),
    /// An IP header length under 20 bytes.
    #[error("IP header length {0} bytes")]
    IpHeaderLength(usize),
    /// An IP total length shorter than the headers it holds.
    #[error("IP total length {total} shorter than its {headers} bytes of headers")]
    TotalLength {
        /// The IP total length.
        total: usize,
        /// The IP and TCP headers' length.
        headers: usize,
    },
    /// Not TCP.
    #[error("IP protocol {0}, not TCP")]
    NotTcp(u8),
    /// A fragment (MF set or a fragment offset): p0f ignores those.
    #[error("a fragment")]
    Fragment,
    /// A TCP data offset under 20 bytes.
    #[error("TCP header length {0} bytes")]
    TcpHeaderLength(usize),
}

/// The TCP options as p0f reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The option kinds in order (at most [`MAX_OPTIONS`]).
    pub layout: Vec<u8>,
    /// Bytes left after an EOL (p0f's `eol+N`).
    pub eol_pad: u8,
    /// Something other than zeros after an EOL (`opt+`).
    pub eol_nonzero: bool,
    /// The MSS option's value (0 without one).
    pub mss: u16,
    /// The window scale option's shift (0 without one).
    pub wscale: u8,
    /// The timestamps option's two values, when it was read.
    pub timestamps: Option<(u32, u32)>,
    /// A malformed option, a wrong length, or options p0f stopped reading
    /// (`bad`).
    pub bad: bool,
}

/// The headers of one IPv4 TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// The TOS byte (DSCP and the two ECN bits).
    pub tos: u8,
    /// The IP identification.
    pub ip_id: u16,
    /// Don't fragment.
    pub df: bool,
    /// The reserved ("must be zero") IP flag.
    pub mbz: bool,
    /// Time to live as received.
    pub ttl: u8,
    /// Bytes of IP options.
    pub ip_options: u8,
    /// IP plus TCP header bytes.
    pub headers: u16,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// The flag byte ([`flag`]).
    pub flags: u8,
    /// The NS bit (the data offset byte's last bit; p0f counts it as ECN).
    pub ns: bool,
    /// Window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Payload bytes (from the IP total length).
    pub payload: u16,
    /// The options.
    pub options: Options,
}

impl Segment {
    /// SYN and ACK set, RST and FIN not.
    pub fn is_syn_ack(&self) -> bool {
        self.flags & (flag::SYN | flag::ACK | flag::RST | flag::FIN) == flag::SYN | flag::ACK
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

fn short(need: usize, got: usize) -> TcpIpError {
    TcpIpError::Short { need, got }
}

/// Decode the IPv4 and TCP headers at the start of `b`.
pub fn decode(b: &[u8]) -> Result<Segment, TcpIpError> {
    let &[ver_ihl, tos, ..] = b else {
        return Err(short(40, b.len()));
    };
    if ver_ihl >> 4 != 4 {
        return Err(TcpIpError::NotIpv4(ver_ihl >> 4));
    }
    if b.len() < 40 {
        return Err(short(40, b.len()));
    }
    let ihl = usize::from(ver_ihl & 0x0f) * 4;
    if ihl < 20 {
        return Err(TcpIpError::IpHeaderLength(ihl));
    }
    let total = usize::from(be16(b, 2));
    let flags_off = be16(b, 6);
    let ttl = b.get(8).copied().unwrap_or(0);
    let proto = b.get(9).copied().unwrap_or(0);
    if proto != 6 {
        return Err(TcpIpError::NotTcp(proto));
    }
    // p0f: anything but DF and the reserved bit (MF, an offset) is a fragment.
    if flags_off & !(0x4000 | 0x8000) != 0 {
        return Err(TcpIpError::Fragment);
    }
    let addr = |at: usize| match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => Ipv4Addr::new(w, x, y, z),
        _ => Ipv4Addr::UNSPECIFIED,
    };
    let tcp = b.get(ihl..).ok_or(short(ihl + 20, b.len()))?;
    if tcp.len() < 20 {
        return Err(short(ihl + 20, b.len()));
    }
    let doff_byte = tcp.get(12).copied().unwrap_or(0);
    let doff = usize::from(doff_byte >> 4) * 4;
    if doff < 20 {
        return Err(TcpIpError::TcpHeaderLength(doff));
    }
    let options = tcp.get(20..doff).ok_or(short(ihl + doff, b.len()))?;
    let headers = ihl + doff;
    if total < headers {
        return Err(TcpIpError::TotalLength { total, headers });
    }
    let flags = tcp.get(13).copied().unwrap_or(0);
    Ok(Segment {
        src: addr(12),
        dst: addr(16),
        tos,
        ip_id: be16(b, 4),
        df: flags_off & 0x4000 != 0,
        mbz: flags_off & 0x8000 != 0,
        ttl,
        ip_options: u8::try_from(ihl - 20).unwrap_or(u8::MAX),
        headers: u16::try_from(headers).unwrap_or(u16::MAX),
        sport: be16(tcp, 0),
        dport: be16(tcp, 2),
        seq: be32(tcp, 4),
        ack: be32(tcp, 8),
        flags,
        ns: doff_byte & 0x01 != 0,
        window: be16(tcp, 14),
        urgent: be16(tcp, 18),
        payload: u16::try_from(total - headers).unwrap_or(u16::MAX),
        options: read_options(options),
    })
}

/// The options as p0f's parser reads them: each kind is recorded before
/// its length is checked, a wrong fixed length is `bad` but read on, and
/// an option running past the header (or more than [`MAX_OPTIONS`]) ends
/// the reading as `bad`.
pub fn read_options(o: &[u8]) -> Options {
    let mut out = Options::default();
    let mut i = 0usize;
    while i < o.len() && out.layout.len() < MAX_OPTIONS {
        let Some(&k) = o.get(i) else { break };
        out.layout.push(k);
        i += 1;
        // Bytes after the kind byte.
        let rest = o.len() - i;
        let len = o.get(i).copied().unwrap_or(0);
        match k {
            kind::EOL => {
                out.eol_pad = u8::try_from(rest).unwrap_or(u8::MAX);
                if o.get(i..).is_some_and(|t| t.iter().any(|&x| x != 0)) {
                    out.eol_nonzero = true;
                }
                i = o.len();
            }
            kind::NOP => {}
            kind::MSS | kind::WS | kind::SOK | kind::TS => {
                let (fixed, body) = match k {
                    kind::MSS => (4, 3),
                    kind::WS => (3, 2),
                    kind::SOK => (2, 1),
                    _ => (10, 9),
                };
                if rest < body {
                    out.bad = true;
                    return out;
                }
                if len != fixed {
                    out.bad = true;
                }
                match k {
                    kind::MSS => out.mss = be16(o, i + 1),
                    kind::WS => out.wscale = o.get(i + 1).copied().unwrap_or(0),
                    kind::TS => out.timestamps = Some((be32(o, i + 1), be32(o, i + 5))),
                    _ => {}
                }
                i += body;
            }
            _ => {
                // SACK 10-34 bytes, anything else 2-40, within the header.
                let (lo, hi) = if k == kind::SACK { (10, 34) } else { (2, 40) };
                if rest == 0 || !(lo..=hi).contains(&len) || usize::from(len) - 1 > rest {
                    out.bad = true;
                    return out;
                }
                i += usize::from(len) - 1;
            }
        }
    }
    if i != o.len() {
        out.bad = true;
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A SYN+ACK from Linux 6.18 (lab namespace, socat listening on port
    /// 80), as tcpdump -X printed it: 198.18.160.10.80 > 198.18.160.1.38114,
    /// win 65160, options [mss 1460,sackOK,TS val 758393914 ecr
    /// 2930637852,nop,wscale 10], DF, id 0, ttl 64.
    pub(crate) const LINUX_6: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x6e, 0x8b, 0xc6, 0x12, 0xa0,
        0x0a, 0xc6, 0x12, 0xa0, 0x01, 0x00, 0x50, 0x94, 0xe2, 0xa5, 0x9e, 0xd4, 0xd5, 0xdf, 0xc1,
        0x03, 0x8e, 0xa0, 0x12, 0xfe, 0x88, 0xcc, 0x5f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
        0x02, 0x08, 0x0a, 0x2d, 0x34, 0x2c, 0x3a, 0xae, 0xad, 0xfc, 0x1c, 0x01, 0x03, 0x03, 0x0a,
    ];

    #[test]
    fn linux_syn_ack_is_read() {
        let s = decode(&LINUX_6).unwrap();
        assert!(s.is_syn_ack());
        assert_eq!(s.src, Ipv4Addr::new(198, 18, 160, 10));
        assert_eq!(s.dst, Ipv4Addr::new(198, 18, 160, 1));
        assert_eq!((s.sport, s.dport), (80, 38114));
        assert_eq!((s.ttl, s.df, s.ip_id, s.ip_options), (64, true, 0, 0));
        assert_eq!((s.window, s.headers, s.payload), (65160, 60, 0));
        assert_eq!(s.ack, 3_753_968_526);
        let o = &s.options;
        assert_eq!(o.layout, vec![2, 4, 8, 1, 3]);
        assert_eq!((o.mss, o.wscale), (1460, 10));
        assert_eq!(o.timestamps, Some((758_393_914, 2_930_637_852)));
        assert!(!o.bad && !o.eol_nonzero);
    }

    #[test]
    fn truncated_payload_is_counted_from_the_ip_length() {
        // The filter keeps the headers only: a 100-byte payload announced.
        let mut b = LINUX_6.to_vec();
        b[2..4].copy_from_slice(&160u16.to_be_bytes());
        assert_eq!(decode(&b).unwrap().payload, 100);
    }

    #[test]
    fn options_follow_p0f() {
        // (options, layout, bad, eol_pad, eol_nonzero)
        type Case<'a> = (&'a [u8], &'a [u8], bool, u8, bool);
        let cases: &[Case] = &[
            (&[2, 4, 5, 0xb4, 1, 1, 4, 2], &[2, 1, 1, 4], false, 0, false),
            // EOL with padding, then a stray byte.
            (&[2, 4, 5, 0xb4, 0, 0, 0, 0], &[2, 0], false, 3, false),
            (&[2, 4, 5, 0xb4, 0, 0, 7, 0], &[2, 0], false, 3, true),
            // An MSS of the wrong length is read on, as bad.
            (
                &[2, 5, 5, 0xb4, 1, 1, 1, 1],
                &[2, 1, 1, 1, 1],
                true,
                0,
                false,
            ),
            // Past the header's end.
            (&[1, 1, 8, 10, 0, 0], &[1, 1, 8], true, 0, false),
            // An unknown option with a sane length, and one without.
            (&[30, 4, 0, 0], &[30], false, 0, false),
            (&[30, 1, 0, 0], &[30], true, 0, false),
            (&[30], &[30], true, 0, false),
        ];
        for (opts, layout, bad, pad, nz) in cases {
            let o = read_options(opts);
            assert_eq!(o.layout, *layout, "{opts:?}");
            assert_eq!(
                (o.bad, o.eol_pad, o.eol_nonzero),
                (*bad, *pad, *nz),
                "{opts:?}"
            );
        }
        // 25 NOPs: p0f stops at 24 and calls it bad.
        let o = read_options(&[1; 25]);
        assert_eq!(o.layout.len(), MAX_OPTIONS);
        assert!(o.bad);
    }

    #[test]
    fn not_segments_are_errors() {
        let cases: &[(Vec<u8>, TcpIpError)] = &[
            (vec![], short(40, 0)),
            (LINUX_6[..39].to_vec(), short(40, 39)),
            (LINUX_6[..50].to_vec(), short(60, 50)),
            (
                {
                    let mut b = LINUX_6.to_vec();
                    b[0] = 0x65;
                    b
                },
                TcpIpError::NotIpv4(6),
            ),
            (
                {
                    let mut b = LINUX_6.to_vec();
                    b[9] = 17;
                    b
                },
                TcpIpError::NotTcp(17),
            ),
            (
                {
                    let mut b = LINUX_6.to_vec();
                    b[6] = 0x20;
                    b
                },
                TcpIpError::Fragment,
            ),
            (
                {
                    let mut b = LINUX_6.to_vec();
                    b[32] = 0x40;
                    b
                },
                TcpIpError::TcpHeaderLength(16),
            ),
            (
                {
                    let mut b = LINUX_6.to_vec();
                    b[3] = 50;
                    b
                },
                TcpIpError::TotalLength {
                    total: 50,
                    headers: 60,
                },
            ),
        ];
        for (b, want) in cases {
            assert_eq!(decode(b).as_ref().err(), Some(want), "{b:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&b);
            let _ = read_options(&b);
        }

        #[test]
        fn mutated_syn_acks_never_panic(at in 0usize..60, byte in any::<u8>(), cut in 0usize..61) {
            let mut b = LINUX_6.to_vec();
            if let Some(x) = b.get_mut(at) {
                *x = byte;
            }
            let _ = decode(&b);
            b.truncate(cut);
            let _ = decode(&b);
        }
    }
}
