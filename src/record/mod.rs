//! The record: what one run saw at one address, as observation tuples
//! `(source, key, value)` that the store keeps collapsed by change, and back.
//! Pure: values in, values out. The store never keeps anything about a
//! sighting that this module cannot encode, so everything derived from the
//! record (devices, identities, fingerprints) can be rebuilt from it.
//!
//! SNMP values are kept by subtree: one tuple per table or group (key
//! `snmp:<oid>`, value the subtree's values as snmprec lines), leaving out
//! values that change at every look (uptime, counters, levels), which go to
//! a separate latest-only list instead. So an unchanged device adds no rows,
//! and a changed table adds one.

mod snmprec;
#[cfg(test)]
mod tests;

pub use snmprec::{facts_to_snmprec, is_volatile};

use crate::announce::Announced;
use crate::facts::{Oid, SnmpFacts};
use crate::identity::{self, Key, Mac, Sighting};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How a device was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Answered an ARP who-has on an attached subnet.
    Arp,
    /// Answered an ICMP echo request.
    Icmp,
    /// Answered SNMP with one of the configured credentials.
    Snmp,
    /// Has a reverse-DNS name.
    Dns,
    /// Listed in a router's ARP table (read over SNMP).
    RouterArp,
    /// Answered a DHCP DISCOVER with an offer (a DHCP server).
    Dhcp,
    /// Answered an mDNS / DNS-SD query.
    Mdns,
    /// Answered an SSDP M-SEARCH (and maybe served a UPnP description).
    Ssdp,
    /// Answered a NetBIOS node status request.
    Netbios,
    /// Answered a WS-Discovery probe.
    Wsd,
    /// Accepted a TCP connection on one of the banner ports.
    Tcp,
    /// Heard between sweeps (ARP, DHCP, mDNS) without being asked.
    Passive,
}

impl Source {
    /// The lowercase name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Arp => "arp",
            Source::Icmp => "icmp",
            Source::Snmp => "snmp",
            Source::Dns => "dns",
            Source::RouterArp => "router_arp",
            Source::Dhcp => "dhcp",
            Source::Mdns => "mdns",
            Source::Ssdp => "ssdp",
            Source::Netbios => "netbios",
            Source::Wsd => "wsd",
            Source::Tcp => "tcp",
            Source::Passive => "passive",
        }
    }

    /// The sources whose facts are [`Announced`] tuples.
    pub const ANNOUNCING: [Source; 6] = [
        Source::Mdns,
        Source::Ssdp,
        Source::Netbios,
        Source::Wsd,
        Source::Tcp,
        Source::Passive,
    ];

    /// The announcing source called `name`.
    pub fn announcing(name: &str) -> Option<Source> {
        Source::ANNOUNCING.into_iter().find(|s| s.as_str() == name)
    }
}

/// One observation tuple.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    /// Which probe saw it: `arp`, `icmp`, `snmp`, `dns`, `router_arp`.
    pub source: String,
    /// What it is: `reply`, `via`, `ptr`, `credential`, `version`,
    /// `walked_at`, `snmp:<oid>`.
    pub key: String,
    /// The value, as text.
    pub value: String,
}

impl Tuple {
    fn new(source: &str, key: &str, value: impl Into<String>) -> Tuple {
        Tuple {
            source: source.to_string(),
            key: key.to_string(),
            value: value.into(),
        }
    }
}

/// What SNMP gave at one address.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SnmpSeen {
    /// `1`, `2c` or `3`.
    pub version: String,
    /// The credential's name (never its secret).
    pub credential: String,
    /// Every value read.
    pub facts: SnmpFacts,
    /// The device's tables were read at this other address in the same run
    /// (one walk per device); here only the system group was read.
    pub walked_at: Option<IpAddr>,
}

/// What one run saw at one address.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    /// The address.
    pub ip: Option<IpAddr>,
    /// The MAC that answered for it (first-hand, or from a router's table).
    pub mac: Option<Mac>,
    /// The router whose ARP table gave the MAC (and maybe the host itself).
    pub via: Vec<IpAddr>,
    /// Which probes saw it.
    pub sources: Vec<Source>,
    /// Best round trip (volatile: not part of the record).
    pub rtt_ms: Option<f64>,
    /// Reverse-DNS name, cleaned.
    pub hostname: Option<String>,
    /// SNMP, when an agent answered.
    pub snmp: Option<SnmpSeen>,
    /// DHCP offers this address made, as [`crate::wire::dhcp::Offer::describe`]
    /// writes them.
    pub dhcp_offers: Vec<String>,
    /// What the device announced of itself (mDNS, SSDP, NetBIOS,
    /// WS-Discovery, TCP banners, passive listening).
    pub announced: Vec<Announced>,
}

/// The subject a sighting is recorded under: its address and the MAC that
/// answered for it (so a DHCP address handed to another host is another
/// subject).
pub fn subject(s: &Seen) -> (String, String) {
    (
        s.ip.map(|i| i.to_string()).unwrap_or_default(),
        s.mac.map(crate::wire::format_mac).unwrap_or_default(),
    )
}

/// The subtree an SNMP value is kept under: the system group as one, other
/// standard groups by table (`1.3.6.1.2.1.G.T`), vendor trees by their
/// first two levels (`1.3.6.1.4.1.N.X`), anything else by its first eight
/// arcs.
pub fn snmp_group(oid: &Oid) -> Oid {
    let arcs = oid.arcs();
    let n = if arcs.starts_with(&[1, 3, 6, 1, 2, 1, 1]) {
        7
    } else {
        8
    };
    Oid::from_arcs(arcs[..arcs.len().min(n)].to_vec())
}

/// Split one sighting into its record tuples (sorted) and its volatile
/// values (uptime, counters, levels, round-trip time), kept latest-only.
pub fn encode(s: &Seen) -> (Vec<Tuple>, Vec<Tuple>) {
    let mut rec = Vec::new();
    let mut volatile = Vec::new();
    for src in &s.sources {
        match src {
            Source::Arp | Source::Icmp => rec.push(Tuple::new(src.as_str(), "reply", "")),
            Source::RouterArp | Source::Dhcp => {}
            Source::Snmp | Source::Dns => {}
            // Their facts are the announced tuples below.
            Source::Mdns
            | Source::Ssdp
            | Source::Netbios
            | Source::Wsd
            | Source::Tcp
            | Source::Passive => {}
        }
    }
    for a in &s.announced {
        rec.push(Tuple::new(a.source.as_str(), &a.key, a.value.clone()));
    }
    for v in &s.via {
        rec.push(Tuple::new("router_arp", "via", v.to_string()));
    }
    if let Some(h) = &s.hostname {
        rec.push(Tuple::new("dns", "ptr", h.clone()));
    }
    for o in &s.dhcp_offers {
        rec.push(Tuple::new("dhcp", "offer", o.clone()));
    }
    if let Some(r) = s.rtt_ms {
        volatile.push(Tuple::new("probe", "rtt_ms", format!("{r:.3}")));
    }
    if let Some(snmp) = &s.snmp {
        rec.push(Tuple::new("snmp", "version", snmp.version.clone()));
        rec.push(Tuple::new("snmp", "credential", snmp.credential.clone()));
        if let Some(a) = snmp.walked_at {
            rec.push(Tuple::new("snmp", "walked_at", a.to_string()));
        }
        let mut stable: BTreeMap<Oid, SnmpFacts> = BTreeMap::new();
        let mut changing = SnmpFacts::new();
        for (oid, v) in snmp.facts.iter() {
            if is_volatile(oid, v) {
                changing.insert(oid.clone(), v.clone());
            } else {
                stable
                    .entry(snmp_group(oid))
                    .or_default()
                    .insert(oid.clone(), v.clone());
            }
        }
        for (group, facts) in stable {
            rec.push(Tuple::new(
                "snmp",
                &format!("snmp:{group}"),
                facts_to_snmprec(&facts),
            ));
        }
        if !changing.is_empty() {
            volatile.push(Tuple::new("snmp", "volatile", facts_to_snmprec(&changing)));
        }
    }
    rec.sort();
    rec.dedup();
    volatile.sort();
    (rec, volatile)
}

/// Read one subject's record tuples (and, for display, its volatile ones)
/// back into a sighting. `ip` and `mac` are the subject's.
pub fn decode(ip: &str, mac: &str, tuples: &[Tuple], volatile: &[Tuple]) -> Seen {
    let mut s = Seen {
        ip: ip.parse().ok(),
        mac: crate::wire::parse_mac(mac),
        ..Seen::default()
    };
    let mut snmp: Option<SnmpSeen> = None;
    // Every subtree's values, in tuple order, built into facts once at the
    // end (a later value wins, as it would inserted one by one).
    let mut values = Vec::new();
    for t in tuples.iter().chain(volatile) {
        match (t.source.as_str(), t.key.as_str()) {
            ("arp", "reply") => s.sources.push(Source::Arp),
            ("icmp", "reply") => s.sources.push(Source::Icmp),
            ("router_arp", "via") => {
                if let Ok(v) = t.value.parse() {
                    s.via.push(v);
                }
            }
            ("dns", "ptr") => s.hostname = Some(t.value.clone()),
            ("dhcp", "offer") => s.dhcp_offers.push(t.value.clone()),
            ("probe", "rtt_ms") => s.rtt_ms = t.value.parse().ok(),
            (src, key) if Source::announcing(src).is_some() => {
                if let Some(a) =
                    Source::announcing(src).and_then(|src| Announced::new(src, key, &t.value))
                {
                    s.sources.push(a.source);
                    s.announced.push(a);
                }
            }
            ("snmp", key) => {
                let e = snmp.get_or_insert_with(SnmpSeen::default);
                match key {
                    "version" => e.version = t.value.clone(),
                    "credential" => e.credential = t.value.clone(),
                    "walked_at" => e.walked_at = t.value.parse().ok(),
                    _ => values.extend(crate::recording::pairs(t.value.as_bytes())),
                }
            }
            _ => {}
        }
    }
    if let Some(e) = snmp.as_mut() {
        e.facts = values.into_iter().collect();
    }
    if !s.via.is_empty() {
        s.sources.push(Source::RouterArp);
    }
    if s.hostname.is_some() {
        s.sources.push(Source::Dns);
    }
    if !s.dhcp_offers.is_empty() {
        s.sources.push(Source::Dhcp);
    }
    // Only tuples of the record make SNMP count as seen (volatile values
    // alone are a display cache).
    if tuples.iter().any(|t| t.source == "snmp") {
        s.sources.push(Source::Snmp);
        s.snmp = snmp;
    } else if snmp.is_some() {
        s.snmp = snmp;
    }
    crate::announce::tidy(&mut s.announced);
    s.via.sort();
    s.via.dedup();
    s.sources.sort();
    s.sources.dedup();
    s
}

/// The identity keys in what a device announced: its mDNS host name (from
/// an mDNS answer or heard passively), its DHCP client id and host name
/// (heard passively).
pub fn announced_keys(announced: &[Announced]) -> Vec<Key> {
    announced
        .iter()
        .filter_map(|a| match (a.source, a.key.as_str()) {
            (Source::Mdns, "hostname") | (Source::Passive, "mdns:hostname") => {
                identity::keys::name_key(&a.value).map(Key::MdnsName)
            }
            (Source::Passive, "dhcp:hostname") => {
                identity::keys::name_key(&a.value).map(Key::DhcpHostname)
            }
            (Source::Passive, "dhcp:client_id") => {
                let id = a.value.trim().to_ascii_lowercase();
                (id.len() >= 4 && id.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then_some(Key::DhcpClientId(id))
            }
            _ => None,
        })
        .collect()
}

/// The identity sighting of what was seen (keys from SNMP, DNS and what
/// the device announced).
pub fn sighting(s: &Seen) -> Sighting {
    let mut keys: Vec<Key> = Vec::new();
    let mut agent_addresses = Vec::new();
    let mut agent_macs = Vec::new();
    if let Some(snmp) = &s.snmp {
        let k = identity::snmp_keys(&snmp.facts);
        keys.extend(k.keys);
        agent_addresses = k.addresses;
        agent_macs = k.macs;
    }
    if let Some(h) = s.hostname.as_deref().and_then(identity::keys::name_key) {
        keys.push(Key::Hostname(h));
    }
    keys.extend(announced_keys(&s.announced));
    keys.sort();
    keys.dedup();
    Sighting {
        ip: s.ip,
        mac: s.mac,
        mac_via_router: !s.via.is_empty() && !s.sources.contains(&Source::Arp),
        keys,
        agent_addresses,
        agent_macs,
    }
}
