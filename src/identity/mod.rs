//! Who is who: which sightings are one device. Pure: what one run saw and
//! what is already known come in as values, decisions come out, each with
//! the facts that decided it. No I/O, no clock; the store feeds it and
//! applies what it decides (`store::derive`), and `pandian scan` uses it on
//! one run alone.
//!
//! A *sighting* is everything one run saw at one address: the MAC that
//! answered for it (first-hand by ARP, or from a router's ARP table), and
//! identity keys read from what answered (SNMP, DNS, later probes).
//!
//! Keys, strongest first:
//! - **strong keys merge**: a serial number scoped by the vendor's
//!   enterprise number; a chassis or bridge base MAC; an SNMP engine ID,
//!   but only together with the agent's own address table listing the
//!   other address (cloned agents share engine IDs); an address the agent
//!   lists as its own, seen with one of the agent's interface MACs (or with
//!   no MAC) and with no agent of its own answering there.
//! - **an interface MAC assigns** a sighting to the device that had it, and
//!   joins a device with no strong keys of its own to one that has them; it
//!   never merges two devices with strong keys. A MAC that answered for
//!   several addresses in one run (proxy ARP, a router answering for a
//!   routed subnet, a load balancer) is not used at all, and a randomised
//!   (locally administered) MAC only continues a device, never merges two.
//! - **an address** matches the device last seen there only within a time
//!   window (DHCP hands addresses around) and only when the MACs agree.
//! - **weak keys only corroborate** (sysName, host names, mDNS names, DHCP
//!   client ids and host names): two of different kinds agreeing may join
//!   a device whose private MAC changed, recorded as a weaker match.
//! - **a name the device chose** (its mDNS name, DHCP client id or DHCP
//!   host name) continues a device on its own only for a sighting behind
//!   randomised MACs alone, and only when exactly one known device holds
//!   it (so a phone that changed its private MAC is still the phone, and
//!   two phones both called `iPhone` are nobody's match).
//!
//! Decisions are made for a whole run at once against what was known
//! before it, so the order sightings arrive in does not matter: the same
//! run and the same prior knowledge give the same result (a rebuild of the
//! derived tables relies on it).

pub mod keys;
mod resolve;
mod runs;

#[cfg(test)]
mod tests;

pub use keys::{SnmpKeys, snmp_keys};
pub use resolve::{
    Assignment, Candidates, Known, KnownAddress, KnownDevice, KnownMac, Merge, Plan, Split, Target,
    decide, match_group, resolve,
};
pub use runs::{Group, Link, group};

use std::fmt;
use std::net::IpAddr;

/// A MAC address.
pub type Mac = [u8; 6];

/// Whether a MAC is locally administered (typically a randomised private
/// address of a phone or laptop).
pub fn is_randomized(mac: Mac) -> bool {
    mac[0] & 0x02 != 0
}

/// Whether a MAC can name an interface at all (not all-zero, not
/// multicast/broadcast).
pub fn is_unicast(mac: Mac) -> bool {
    mac != [0; 6] && mac[0] & 0x01 == 0
}

/// An identity key: something a device says or shows about itself that
/// another sighting can share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A serial number, scoped by the vendor's IANA enterprise number (0
    /// when the vendor is unknown). Strong.
    Serial {
        /// The enterprise number of the sysObjectID (0: unknown).
        enterprise: u32,
        /// The serial, trimmed.
        serial: String,
    },
    /// A chassis or bridge base MAC (BRIDGE-MIB dot1dBaseBridgeAddress,
    /// LLDP-MIB lldpLocChassisId). Strong.
    ChassisMac(Mac),
    /// An SNMP engine ID, hex. Strong only together with the agent's own
    /// address table.
    EngineId(String),
    /// sysName, lowercased. Weak.
    SysName(String),
    /// A host name from DNS (PTR), lowercased, no trailing dot. Weak.
    Hostname(String),
    /// An mDNS host name, lowercased. Weak.
    MdnsName(String),
    /// A DHCP client identifier, hex. Weak.
    DhcpClientId(String),
    /// A DHCP host name (option 12), lowercased. Weak.
    DhcpHostname(String),
}

/// How strongly a sighting was tied to a device (strongest first in
/// [`Ord`]: `Strong < Mac < ...`, so `min` picks the best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// A shared strong key.
    Strong,
    /// The same interface MAC.
    Mac,
    /// Two weak keys of different kinds agreeing.
    WeakPair,
    /// One name the device chose (mDNS name, DHCP client id or host name),
    /// held by no other known device, for a sighting behind randomised MACs.
    Name,
    /// The same address, within the time window, MACs agreeing.
    Address,
    /// Nothing matched: a new device.
    New,
}

impl Strength {
    /// The name used in the store and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Mac => "mac",
            Strength::WeakPair => "weak_pair",
            Strength::Name => "name",
            Strength::Address => "address",
            Strength::New => "new",
        }
    }
}

impl Key {
    /// The kind, as stored: `serial`, `chassis_mac`, `engine_id`,
    /// `sys_name`, `hostname`, `mdns_name`, `dhcp_client_id`, `dhcp_hostname`.
    pub fn kind(&self) -> &'static str {
        match self {
            Key::Serial { .. } => "serial",
            Key::ChassisMac(_) => "chassis_mac",
            Key::EngineId(_) => "engine_id",
            Key::SysName(_) => "sys_name",
            Key::Hostname(_) => "hostname",
            Key::MdnsName(_) => "mdns_name",
            Key::DhcpClientId(_) => "dhcp_client_id",
            Key::DhcpHostname(_) => "dhcp_hostname",
        }
    }

    /// The value, as stored (a serial as `ENTERPRISE:SERIAL`).
    pub fn value(&self) -> String {
        match self {
            Key::Serial { enterprise, serial } => format!("{enterprise}:{serial}"),
            Key::ChassisMac(m) => crate::wire::format_mac(*m),
            Key::EngineId(s)
            | Key::SysName(s)
            | Key::Hostname(s)
            | Key::MdnsName(s)
            | Key::DhcpClientId(s)
            | Key::DhcpHostname(s) => s.clone(),
        }
    }

    /// The inverse of [`Key::kind`] and [`Key::value`].
    pub fn parse(kind: &str, value: &str) -> Option<Key> {
        Some(match kind {
            "serial" => {
                let (e, s) = value.split_once(':')?;
                Key::Serial {
                    enterprise: e.parse().ok()?,
                    serial: s.to_string(),
                }
            }
            "chassis_mac" => Key::ChassisMac(crate::wire::parse_mac(value)?),
            "engine_id" => Key::EngineId(value.to_string()),
            "sys_name" => Key::SysName(value.to_string()),
            "hostname" => Key::Hostname(value.to_string()),
            "mdns_name" => Key::MdnsName(value.to_string()),
            "dhcp_client_id" => Key::DhcpClientId(value.to_string()),
            "dhcp_hostname" => Key::DhcpHostname(value.to_string()),
            _ => return None,
        })
    }

    /// Strong keys merge devices; the others only corroborate.
    pub fn is_strong(&self) -> bool {
        matches!(
            self,
            Key::Serial { .. } | Key::ChassisMac(_) | Key::EngineId(_)
        )
    }

    /// A name the device chose for itself: enough, alone, to continue a
    /// device behind a randomised MAC (see the module documentation).
    pub fn is_chosen_name(&self) -> bool {
        matches!(
            self,
            Key::MdnsName(_) | Key::DhcpClientId(_) | Key::DhcpHostname(_)
        )
    }

    /// A strong key that stands alone (the engine ID needs the address
    /// table beside it).
    fn stands_alone(&self) -> bool {
        matches!(self, Key::Serial { .. } | Key::ChassisMac(_))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.value())
    }
}

/// What one run saw at one address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sighting {
    /// The address that answered (or that a router listed).
    pub ip: Option<IpAddr>,
    /// The MAC that answered for it.
    pub mac: Option<Mac>,
    /// The MAC came from a router's ARP table, not from our own ARP.
    pub mac_via_router: bool,
    /// Identity keys read from what answered.
    pub keys: Vec<Key>,
    /// The SNMP agent's own address table (corroborates an engine ID).
    pub agent_addresses: Vec<IpAddr>,
    /// The SNMP agent's interface MACs (IF-MIB ifPhysAddress).
    pub agent_macs: Vec<Mac>,
}

impl Sighting {
    /// A sighting at `ip`.
    pub fn at(ip: IpAddr) -> Sighting {
        Sighting {
            ip: Some(ip),
            ..Sighting::default()
        }
    }
}
