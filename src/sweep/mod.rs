//! What the pipeline's probes open on the network: ARP's datalink channel
//! and interface plan, the raw ICMP socket, the reverse-DNS resolver, and
//! the segment-wide probes (the DHCP DISCOVER, the multicast mDNS, SSDP
//! and WS-Discovery queries). (SNMP lives in [`crate::snmp`]; pacing in
//! [`crate::bucket`]; decoding in [`crate::wire`].)

pub mod arp;
pub mod dhcp;
pub mod dns;
pub mod icmp;
pub mod multicast;

/// How a probe failed as a whole (single lost replies are not errors).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Raw sockets need root or CAP_NET_RAW.
    #[error(
        "{probe}: permission denied opening a raw socket; run as root or grant the binary CAP_NET_RAW (setcap cap_net_raw+ep $(command -v pandian))"
    )]
    Permission {
        /// ARP or ICMP.
        probe: &'static str,
    },
    /// Any other socket error.
    #[error("{probe} on {iface}: {source}")]
    Io {
        /// ARP or ICMP.
        probe: &'static str,
        /// Interface name or "-".
        iface: String,
        /// The OS error.
        source: std::io::Error,
    },
}

impl SweepError {
    /// An error opening a raw socket or channel: only there does "permission
    /// denied" mean missing privileges (a send refused on an open socket is
    /// about its destination).
    pub(crate) fn io(probe: &'static str, iface: &str, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::PermissionDenied {
            SweepError::Permission { probe }
        } else {
            SweepError::Io {
                probe,
                iface: iface.to_string(),
                source,
            }
        }
    }
}
