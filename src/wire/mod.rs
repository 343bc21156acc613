//! Wire formats Pandian builds and reads itself: Ethernet/ARP frames,
//! ICMP echo, DHCP discover and offer, NetBIOS node status, WS-Discovery
//! probes and their matches, TCP banners and HTTP/RTSP heads, a TLS hello
//! and the server's certificate names, IPP printer attributes, mDNS queries
//! and answers, SSDP M-SEARCH and its answers, UPnP device descriptions,
//! IPv4 and TCP headers of a received segment (for p0f's signatures).
//! Pure: bytes in, values out; incomplete input is an error,
//! never a panic.

pub mod arp;
pub mod banner;
pub mod dhcp;
pub mod icmp;
pub mod ipp;
pub mod mdns;
pub mod netbios;
pub mod ssdp;
pub mod tcpip;
pub mod tls;
pub mod upnp;
pub mod wsd;

/// A MAC address as `aa:bb:cc:dd:ee:ff`.
pub fn format_mac(mac: [u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

/// Parse `aa:bb:cc:dd:ee:ff` or `aa-bb-...` (case-insensitive).
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = text.trim().split([':', '-']);
    for slot in &mut out {
        let p = parts.next()?;
        if p.len() != 2 {
            return None;
        }
        *slot = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The banner, TLS and IPP decoders import no I/O.
    #[test]
    fn banner_tls_ipp_import_no_io() {
        let sources = [
            ("wire/banner.rs", include_str!("banner.rs")),
            ("wire/tls.rs", include_str!("tls.rs")),
            ("wire/ipp.rs", include_str!("ipp.rs")),
        ];
        let banned = ["tokio", "std::fs", "std::net", "std::process", "socket2"];
        for (file, text) in sources {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for b in banned {
                    assert!(!code.contains(b), "{file}:{}: mentions {b}", n + 1);
                }
            }
        }
    }

    #[test]
    fn mac_round_trip_table() {
        let cases = [
            (
                "00:1b:54:10:00:0a",
                Some([0x00, 0x1b, 0x54, 0x10, 0x00, 0x0a]),
            ),
            (
                "C0-56-E3-13-00-0D",
                Some([0xc0, 0x56, 0xe3, 0x13, 0x00, 0x0d]),
            ),
            ("00:1b:54:10:00", None),
            ("00:1b:54:10:00:0a:0b", None),
            ("0:1b:54:10:00:0a", None),
            ("zz:1b:54:10:00:0a", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_mac(text), want, "{text}");
            if let Some(m) = want {
                assert_eq!(parse_mac(&format_mac(m)), Some(m));
            }
        }
    }
}
