//! What the organisation allows (`[policy]` in the config), validated: the
//! approved DHCP servers, per-subnet rules on vendors, classes, origin and
//! SNMP versions, how long a device counts as new, how long an approved
//! asset may go unseen, when an unmanaged switch is suspected, and the
//! acknowledgements written in the config. Pure data.

use ipnetwork::IpNetwork;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Days a device counts as new after it is first seen (default).
pub const DEFAULT_NEW_DEVICE_DAYS: u32 = 7;
/// Days an approved asset may go unseen before it is missing (default).
pub const DEFAULT_ASSET_MISSING_DAYS: u32 = 7;
/// MACs learned on one access port that suggest a switch behind it (default).
pub const DEFAULT_UNMANAGED_SWITCH_MACS: u32 = 3;
/// Days a MAC move stays a finding (default).
pub const DEFAULT_MAC_MOVED_DAYS: u32 = 7;
/// Warranty stages: days before the end at which a finding opens.
pub const WARRANTY_STAGES: [i64; 3] = [90, 30, 7];

/// The organisation's rules. `Default` is what an empty `[policy]` means.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// DHCP servers allowed to answer (`policy.dhcp_servers`).
    pub dhcp_servers: Vec<IpAddr>,
    /// Days a device counts as new (`policy.new_device_days`).
    pub new_device_days: u32,
    /// Days an approved asset may go unseen (`policy.asset_missing_days`).
    pub asset_missing_days: u32,
    /// MACs on one access port that make a suspected unmanaged switch
    /// (`policy.unmanaged_switch_macs`).
    pub unmanaged_switch_macs: u32,
    /// Days a MAC move stays open (`policy.mac_moved_days`).
    pub mac_moved_days: u32,
    /// Per-subnet rules (`[[policy.subnet]]`), in the config's order; a
    /// device is held to every entry whose subnet contains its address.
    pub subnets: Vec<SubnetPolicy>,
    /// Names of SNMP credentials whose community is a default one
    /// (`public`, `private`): filled from the credentials, not written.
    pub default_credentials: BTreeSet<String>,
    /// Acknowledgements written in the config (`[[policy.ack]]`).
    pub acks: Vec<ConfigAck>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            dhcp_servers: Vec::new(),
            new_device_days: DEFAULT_NEW_DEVICE_DAYS,
            asset_missing_days: DEFAULT_ASSET_MISSING_DAYS,
            unmanaged_switch_macs: DEFAULT_UNMANAGED_SWITCH_MACS,
            mac_moved_days: DEFAULT_MAC_MOVED_DAYS,
            subnets: Vec::new(),
            default_credentials: BTreeSet::new(),
            acks: Vec::new(),
        }
    }
}

/// `[[policy.subnet]]`: what may be on one subnet.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetPolicy {
    /// The subnet.
    pub subnet: IpNetwork,
    /// Only these vendors (brand names, case-insensitive); empty: any.
    pub allow_vendors: Vec<String>,
    /// Never these vendors (case-insensitive).
    pub deny_vendors: Vec<String>,
    /// Only these classes; empty: any.
    pub allow_classes: Vec<String>,
    /// Devices must be of this origin (`domestic`): foreign and unknown fail.
    pub require_origin: Option<String>,
    /// SNMP must be v3: a device answering v1 or v2c fails.
    pub require_snmp_v3: bool,
}

/// `[[policy.ack]]`: a finding acknowledged in the config, by id or by key.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigAck {
    /// Which finding.
    pub target: AckTarget,
    /// Why it is acceptable.
    pub reason: String,
    /// Who said so.
    pub by: String,
}

/// How a config acknowledgement names its finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckTarget {
    /// One occurrence, by its id.
    Id(i64),
    /// Every occurrence of a condition, by its key (e.g.
    /// `randomized_mac:device:12`).
    Key(String),
}

impl Policy {
    /// The subnet entries that hold for `ip`.
    pub fn subnets_of(&self, ip: IpAddr) -> impl Iterator<Item = &SubnetPolicy> {
        self.subnets.iter().filter(move |s| s.subnet.contains(ip))
    }

    /// The config acknowledgement of finding `id` with `key`, if any.
    pub fn ack_of(&self, id: i64, key: &str) -> Option<&ConfigAck> {
        self.acks.iter().find(|a| match &a.target {
            AckTarget::Id(i) => *i == id,
            AckTarget::Key(k) => k == key,
        })
    }
}
