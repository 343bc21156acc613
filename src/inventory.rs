//! One device as Pandian reports it: liveness signals, MAC and its vendor,
//! SNMP facts and the fingerprint. The same shape is printed by
//! `pandian scan --format json`, stored, and served by `/api/v1/devices`
//! (which adds `first_seen` and `last_seen`).

use crate::fingerprint::Identity;
use crate::snmp::SnmpReport;
use serde::Serialize;
use std::net::IpAddr;

/// How a device was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
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
        }
    }
}

/// A device found by one scan.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// The address it answered on.
    pub ip: IpAddr,
    /// `aa:bb:cc:dd:ee:ff`, when seen by ARP.
    pub mac: Option<String>,
    /// The IEEE registry's organisation for the MAC's prefix.
    pub mac_vendor: Option<String>,
    /// The MAC is locally administered (typically a randomised phone/laptop MAC).
    pub mac_randomized: bool,
    /// Which probes saw it, in a fixed order.
    pub seen_by: Vec<Source>,
    /// Best round-trip time of ARP/ICMP, in milliseconds.
    pub rtt_ms: Option<f64>,
    /// Reverse-DNS name.
    pub hostname: Option<String>,
    /// The router whose ARP table listed this device (its MAC came from there).
    pub seen_via: Option<IpAddr>,
    /// What SNMP said (never the credential's secret, only its name).
    pub snmp: Option<SnmpReport>,
    /// Class, vendor, model, serial, OS, firmware, origin, confidence, evidence.
    #[serde(flatten)]
    pub identity: Identity,
}

impl Device {
    /// Text for the terminal table: `-` for unknown.
    pub fn cell(v: Option<&str>) -> String {
        v.map_or_else(|| "-".to_string(), crate::text::printable)
    }
}

impl Device {
    /// The facts of this sighting as (source, key, value) rows for the
    /// append-only observation log.
    pub fn observations(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut rows = Vec::new();
        for s in &self.seen_by {
            rows.push((s.as_str(), "ip", self.ip.to_string()));
        }
        if let Some(mac) = &self.mac {
            rows.push((
                if self.seen_via.is_some() {
                    "router_arp"
                } else {
                    "arp"
                },
                "mac",
                mac.clone(),
            ));
        }
        if let Some(router) = self.seen_via {
            rows.push(("router_arp", "via", router.to_string()));
        }
        if let Some(rtt) = self.rtt_ms {
            rows.push((
                if self.seen_by.contains(&Source::Arp) {
                    "arp"
                } else {
                    "icmp"
                },
                "rtt_ms",
                format!("{rtt:.3}"),
            ));
        }
        if let Some(h) = &self.hostname {
            rows.push(("dns", "hostname", h.clone()));
        }
        if let Some(s) = &self.snmp {
            let fields = [
                ("credential", Some(&s.credential)),
                ("sysDescr", s.sys_descr.as_ref()),
                ("sysObjectID", s.sys_object_id.as_ref()),
                ("sysName", s.sys_name.as_ref()),
                ("sysContact", s.sys_contact.as_ref()),
                ("sysLocation", s.sys_location.as_ref()),
            ];
            for (k, v) in fields {
                if let Some(v) = v {
                    rows.push(("snmp", k, v.clone()));
                }
            }
        }
        let id = &self.identity;
        let fields = [
            ("class", &id.class),
            ("vendor", &id.vendor),
            ("model", &id.model),
            ("serial", &id.serial),
            ("os", &id.os),
            ("firmware", &id.firmware),
            ("vendor_origin", &id.vendor_origin),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                rows.push(("fingerprint", k, v.clone()));
            }
        }
        rows
    }
}
