//! Shadow IT and audit: which conditions hold on the network, each a
//! finding with its kind, severity, subject and evidence. Pure: views of
//! devices, switch ports, addresses and assets in, conditions out. The
//! store keeps them as findings (open while the condition holds, resolved
//! when it clears) and says what each view is built from.
//!
//! A condition is named by its `key` (`<kind>:<subject>`), stable across
//! runs and rebuilds, so the same condition seen again extends its finding
//! instead of opening another.

pub mod policy;
#[cfg(test)]
mod tests;

pub use policy::{AckTarget, ConfigAck, Policy, SubnetPolicy};

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Every finding kind, as the API names them.
pub const KINDS: &[&str] = &[
    "unregistered",
    "new_device",
    "randomized_mac",
    "unmanaged_switch",
    "rogue_dhcp",
    "policy_vendor",
    "policy_class",
    "policy_origin",
    "default_community",
    "snmp_v3_required",
    "asset_missing",
    "ip_conflict",
    "mac_moved",
    "warranty",
];

/// Severities, lowest first.
pub const SEVERITIES: &[&str] = &["info", "low", "medium", "high"];

/// Classes that forward frames or packets for others.
const NETWORK_CLASSES: &[&str] = &["switch", "router", "firewall", "wireless", "load-balancer"];

/// One piece of evidence: an observation (or a derived fact) with when it
/// was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Where it comes from: a probe (`arp`, `snmp`...), `fingerprint`
    /// (with the rule), `register`, `policy`.
    pub source: String,
    /// What it is.
    pub key: String,
    /// Its value.
    pub value: String,
    /// When it was seen (RFC 3339), or empty for a standing fact.
    pub seen: String,
}

impl Evidence {
    /// Evidence from its parts.
    pub fn new(source: &str, key: &str, value: impl Into<String>, seen: &str) -> Evidence {
        Evidence {
            source: source.to_string(),
            key: key.to_string(),
            value: value.into(),
            seen: seen.to_string(),
        }
    }
}

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// `<kind>:<subject>`.
    pub key: String,
    /// One of [`KINDS`].
    pub kind: &'static str,
    /// One of [`SEVERITIES`].
    pub severity: &'static str,
    /// The device it is about, if any.
    pub device_id: Option<i64>,
    /// The approved asset it is about, if any.
    pub asset_tag: Option<String>,
    /// The address it is about.
    pub ip: Option<String>,
    /// The MAC it is about.
    pub mac: Option<String>,
    /// One line, English.
    pub summary: String,
    /// What it rests on.
    pub evidence: Vec<Evidence>,
}

/// What evaluation needs besides the views.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The rules.
    pub policy: &'a Policy,
    /// Now, seconds since the epoch (the run's time).
    pub now_unix: i64,
    /// Now, RFC 3339.
    pub now: &'a str,
    /// Whether an approved register has been imported at all (without one,
    /// "not in the register" would flag every device).
    pub register_loaded: bool,
}

/// A device as evaluation sees it.
#[derive(Debug, Clone, Default)]
pub struct DeviceView {
    /// Device id.
    pub id: i64,
    /// Its address.
    pub ip: Option<IpAddr>,
    /// Its MAC (aa:bb:cc:dd:ee:ff).
    pub mac: Option<String>,
    /// The MAC is locally administered (randomised).
    pub mac_randomized: bool,
    /// The MAC block's owner.
    pub mac_vendor: Option<String>,
    /// Identified vendor.
    pub vendor: Option<String>,
    /// Identified class.
    pub class: Option<String>,
    /// domestic / foreign / None.
    pub origin: Option<String>,
    /// First seen (RFC 3339) and as seconds.
    pub first_seen: String,
    /// First seen, seconds since the epoch.
    pub first_unix: i64,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// Seen by the run being evaluated.
    pub present: bool,
    /// First seen by its job's first run (the inventory's starting point,
    /// not news).
    pub baseline: bool,
    /// SNMP version that last answered (`1`, `2c`, `3`), None: never.
    pub snmp_version: Option<String>,
    /// The credential (name) that last answered.
    pub snmp_credential: Option<String>,
    /// The approved asset it is, if matched.
    pub asset_tag: Option<String>,
    /// The fingerprint's evidence: (field, value, source rule).
    pub fingerprint: Vec<(String, String, String)>,
}

impl DeviceView {
    fn subject(&self, kind: &'static str, severity: &'static str, summary: String) -> Condition {
        Condition {
            key: format!("{kind}:device:{}", self.id),
            kind,
            severity,
            device_id: Some(self.id),
            asset_tag: self.asset_tag.clone(),
            ip: self.ip.map(|i| i.to_string()),
            mac: self.mac.clone(),
            summary,
            evidence: Vec::new(),
        }
    }

    fn name(&self) -> String {
        match (&self.ip, &self.mac) {
            (Some(ip), Some(mac)) => format!("{ip} ({mac})"),
            (Some(ip), None) => ip.to_string(),
            (None, Some(mac)) => mac.clone(),
            (None, None) => format!("device {}", self.id),
        }
    }

    fn seen(&self, source: &str, key: &str, value: impl Into<String>) -> Evidence {
        Evidence::new(source, key, value, &self.last_seen)
    }

    /// The fingerprint's evidence for `field`, or the bare value.
    fn why(&self, field: &str, value: &str) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = self
            .fingerprint
            .iter()
            .filter(|(f, _, _)| f == field)
            .map(|(f, v, rule)| self.seen(&format!("fingerprint {rule}"), f, v.clone()))
            .collect();
        if out.is_empty() {
            out.push(self.seen("fingerprint", field, value));
        }
        out
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The conditions on one device. A device the run did not see has none
/// (its findings resolve).
pub fn device_conditions(d: &DeviceView, cx: &Context<'_>) -> Vec<Condition> {
    let mut out = Vec::new();
    if !d.present {
        return out;
    }
    let p = cx.policy;
    let address =
        d.ip.map(|i| d.seen("arp", "address", i.to_string()))
            .into_iter()
            .chain(d.mac.as_ref().map(|m| d.seen("arp", "mac", m.clone())))
            .collect::<Vec<_>>();

    if cx.register_loaded && d.asset_tag.is_none() {
        let mut c = d.subject(
            "unregistered",
            "medium",
            format!("{} is not in the approved register", d.name()),
        );
        c.evidence = address.clone();
        c.evidence.push(Evidence::new(
            "register",
            "match",
            "no asset matches its serial, MAC, hostname or address",
            cx.now,
        ));
        out.push(c);
    }

    let new_window = i64::from(p.new_device_days) * 86_400;
    if !d.baseline && cx.now_unix.saturating_sub(d.first_unix) < new_window {
        let mut c = d.subject(
            "new_device",
            "low",
            format!("{} was first seen {}", d.name(), d.first_seen),
        );
        c.evidence = address.clone();
        c.evidence.push(Evidence::new(
            "identity",
            "first_seen",
            &d.first_seen,
            &d.first_seen,
        ));
        out.push(c);
    }

    if d.mac_randomized
        && let Some(mac) = &d.mac
    {
        let mut c = d.subject(
            "randomized_mac",
            "info",
            format!("{} uses a locally administered (randomised) MAC", d.name()),
        );
        c.evidence = vec![d.seen(
            "arp",
            "mac",
            format!("{mac} (locally administered bit set)"),
        )];
        out.push(c);
    }

    // A switch by its MAC's maker, that never answered SNMP.
    if d.snmp_version.is_none() && d.class.as_deref() == Some("switch") {
        let mut c = d.subject(
            "unmanaged_switch",
            "low",
            format!(
                "{} looks like a switch ({}) but answers no management",
                d.name(),
                d.vendor.as_deref().unwrap_or("unknown vendor")
            ),
        );
        c.evidence = address.clone();
        c.evidence.extend(d.why("class", "switch"));
        c.evidence.push(d.seen("snmp", "answered", "never"));
        out.push(c);
    }

    if let (Some(cred), Some(version)) = (&d.snmp_credential, &d.snmp_version)
        && version != "3"
        && p.default_credentials.contains(cred)
    {
        let mut c = d.subject(
            "default_community",
            "high",
            format!(
                "{} answers SNMP v{version} with a default community",
                d.name()
            ),
        );
        c.evidence = vec![
            d.seen("snmp", "version", version.clone()),
            d.seen(
                "snmp",
                "credential",
                format!("{cred} (community public or private)"),
            ),
        ];
        out.push(c);
    }

    let Some(ip) = d.ip else {
        return out;
    };
    let mut v3 = false;
    let mut vendor_rule: Option<(&SubnetPolicy, String)> = None;
    let mut class_rule: Option<&SubnetPolicy> = None;
    let mut origin_rule: Option<&SubnetPolicy> = None;
    for s in p.subnets_of(ip) {
        v3 |= s.require_snmp_v3;
        if vendor_rule.is_none() {
            let vendor = d.vendor.as_deref();
            if let Some(v) = vendor
                && s.deny_vendors.iter().any(|x| same_name(x, v))
            {
                vendor_rule = Some((s, format!("vendor {v} is denied on {}", s.subnet)));
            } else if !s.allow_vendors.is_empty()
                && !vendor.is_some_and(|v| s.allow_vendors.iter().any(|x| same_name(x, v)))
            {
                vendor_rule = Some((
                    s,
                    format!(
                        "vendor {} is not allowed on {}",
                        vendor.unwrap_or("unknown"),
                        s.subnet
                    ),
                ));
            }
        }
        if class_rule.is_none()
            && !s.allow_classes.is_empty()
            && !d
                .class
                .as_deref()
                .is_some_and(|c| s.allow_classes.iter().any(|x| same_name(x, c)))
        {
            class_rule = Some(s);
        }
        if origin_rule.is_none()
            && let Some(req) = &s.require_origin
            && d.origin.as_deref() != Some(req.as_str())
        {
            origin_rule = Some(s);
        }
    }
    if let Some((s, why)) = vendor_rule {
        let mut c = d.subject("policy_vendor", "high", format!("{}: {why}", d.name()));
        c.evidence = d.why("vendor", d.vendor.as_deref().unwrap_or("unknown"));
        c.evidence.push(policy_evidence(s, cx));
        out.push(c);
    }
    if let Some(s) = class_rule {
        let class = d.class.as_deref().unwrap_or("unknown");
        let mut c = d.subject(
            "policy_class",
            "high",
            format!("{}: class {class} is not allowed on {}", d.name(), s.subnet),
        );
        c.evidence = d.why("class", class);
        c.evidence.push(policy_evidence(s, cx));
        out.push(c);
    }
    if let Some(s) = origin_rule {
        let origin = d.origin.as_deref().unwrap_or("unknown");
        let req = s.require_origin.as_deref().unwrap_or("domestic");
        let mut c = d.subject(
            "policy_origin",
            "high",
            format!(
                "{}: origin {origin} where {} requires {req}",
                d.name(),
                s.subnet
            ),
        );
        c.evidence = d.why("vendor_origin", origin);
        c.evidence.push(policy_evidence(s, cx));
        out.push(c);
    }
    if v3 && let Some(version) = d.snmp_version.as_deref().filter(|v| *v != "3") {
        let mut c = d.subject(
            "snmp_v3_required",
            "medium",
            format!("{} answers SNMP v{version} where v3 is required", d.name()),
        );
        c.evidence = vec![d.seen("snmp", "version", version)];
        if let Some(s) = p.subnets_of(ip).find(|s| s.require_snmp_v3) {
            c.evidence.push(policy_evidence(s, cx));
        }
        out.push(c);
    }
    out
}

fn policy_evidence(s: &SubnetPolicy, cx: &Context<'_>) -> Evidence {
    let mut rule = Vec::new();
    if !s.allow_vendors.is_empty() {
        rule.push(format!("allow_vendors {:?}", s.allow_vendors));
    }
    if !s.deny_vendors.is_empty() {
        rule.push(format!("deny_vendors {:?}", s.deny_vendors));
    }
    if !s.allow_classes.is_empty() {
        rule.push(format!("allow_classes {:?}", s.allow_classes));
    }
    if let Some(o) = &s.require_origin {
        rule.push(format!("require_origin {o}"));
    }
    if s.require_snmp_v3 {
        rule.push("require_snmp_v3".to_string());
    }
    Evidence::new(
        "policy",
        &format!("subnet {}", s.subnet),
        rule.join(", "),
        cx.now,
    )
}

/// One MAC learned on a switch port (the switch's forwarding table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMac {
    /// The MAC.
    pub mac: String,
    /// Its VLAN, when known.
    pub vlan: Option<u32>,
}

/// One port of a managed switch, from its forwarding and neighbour tables.
#[derive(Debug, Clone, Default)]
pub struct PortView {
    /// The switch (device id).
    pub switch_id: i64,
    /// The switch's address.
    pub switch_ip: Option<String>,
    /// The port's name (ifName), or `bridge port N`.
    pub port: String,
    /// MACs learned there (not the switch's own).
    pub macs: Vec<PortMac>,
    /// The LLDP/CDP neighbour seen on it, if any.
    pub neighbor: Option<String>,
    /// MACs learned there that belong to managed network devices (another
    /// switch or router answering SNMP): the port is an uplink.
    pub managed: Vec<String>,
    /// MACs learned there whose device is classed a switch (by any evidence).
    pub switch_like: Vec<String>,
    /// When the table was read.
    pub seen: String,
}

impl PortView {
    /// An access port: no neighbour, no managed network device behind it.
    pub fn is_access(&self) -> bool {
        self.neighbor.is_none() && self.managed.is_empty()
    }
}

/// A suspected unmanaged switch or hub behind one access port: several
/// MACs learned there, no LLDP/CDP neighbour, no managed device behind it.
/// Scored from 0.5 (the threshold) up with the MAC count and a MAC whose
/// device looks like a switch.
pub fn port_condition(p: &PortView, cx: &Context<'_>) -> Option<Condition> {
    let min = cx.policy.unmanaged_switch_macs.max(2);
    let macs: BTreeSet<&str> = p.macs.iter().map(|m| m.mac.as_str()).collect();
    let n = u32::try_from(macs.len()).unwrap_or(u32::MAX);
    if !p.is_access() || n < min {
        return None;
    }
    let mut score = 0.5 + 0.05 * f64::from(n - min);
    if !p.switch_like.is_empty() {
        score += 0.3;
    }
    let score = score.min(1.0);
    let vlans: BTreeSet<u32> = p.macs.iter().filter_map(|m| m.vlan).collect();
    let switch = p.switch_ip.as_deref().unwrap_or("a switch");
    let mut evidence: Vec<Evidence> = macs
        .iter()
        .map(|m| Evidence::new("snmp", &format!("fdb {}", p.port), *m, &p.seen))
        .collect();
    evidence.push(Evidence::new(
        "snmp",
        &format!("lldp/cdp {}", p.port),
        "no neighbour",
        &p.seen,
    ));
    for m in &p.switch_like {
        evidence.push(Evidence::new(
            "fingerprint",
            "class",
            format!("{m} is classed switch"),
            &p.seen,
        ));
    }
    evidence.push(Evidence::new(
        "audit",
        "score",
        format!("{score:.2}"),
        &p.seen,
    ));
    let vlan_text = if vlans.is_empty() {
        String::new()
    } else {
        format!(
            " (VLAN {})",
            vlans
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Some(Condition {
        key: format!("unmanaged_switch:port:{}:{}", p.switch_id, p.port),
        kind: "unmanaged_switch",
        severity: "medium",
        device_id: Some(p.switch_id),
        asset_tag: None,
        ip: p.switch_ip.clone(),
        mac: None,
        summary: format!(
            "{n} MACs on access port {} of {switch}{vlan_text} with no LLDP/CDP neighbour: an unmanaged switch or hub (score {score:.2})",
            p.port
        ),
        evidence,
    })
}

/// One address-to-MAC answer a run saw.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddressAnswer {
    /// The address.
    pub ip: IpAddr,
    /// The MAC that answered for it.
    pub mac: String,
    /// The probe (`arp`, `router_arp`).
    pub source: String,
    /// The device it is, if known.
    pub device_id: Option<i64>,
}

/// Addresses answered by two or more MACs in one run. A MAC that answers
/// for many addresses (proxy ARP) is the caller's to leave out.
pub fn ip_conflicts(answers: &[AddressAnswer], cx: &Context<'_>) -> Vec<Condition> {
    let mut by_ip: BTreeMap<IpAddr, Vec<&AddressAnswer>> = BTreeMap::new();
    for a in answers {
        by_ip.entry(a.ip).or_default().push(a);
    }
    let mut out = Vec::new();
    for (ip, list) in by_ip {
        let macs: BTreeSet<&str> = list.iter().map(|a| a.mac.as_str()).collect();
        if macs.len() < 2 {
            continue;
        }
        let mut seen = BTreeSet::new();
        let evidence = list
            .iter()
            .filter(|a| seen.insert((a.mac.as_str(), a.source.as_str())))
            .map(|a| Evidence::new(&a.source, &format!("{ip}"), a.mac.clone(), cx.now))
            .collect();
        out.push(Condition {
            key: format!("ip_conflict:ip:{ip}"),
            kind: "ip_conflict",
            severity: "high",
            device_id: list.iter().find_map(|a| a.device_id),
            asset_tag: None,
            ip: Some(ip.to_string()),
            mac: None,
            summary: format!(
                "{ip} answered from {} MACs: {}",
                macs.len(),
                macs.into_iter().collect::<Vec<_>>().join(", ")
            ),
            evidence,
        });
    }
    out
}

/// Where a MAC was last learned on an access port, and where before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacMove {
    /// The MAC.
    pub mac: String,
    /// The device it is, if known.
    pub device_id: Option<i64>,
    /// Switch address and port now.
    pub to: String,
    /// Switch address and port before.
    pub from: String,
    /// When the move was seen (RFC 3339) and as seconds.
    pub moved_at: String,
    /// The move, seconds since the epoch.
    pub moved_unix: i64,
}

/// A MAC that moved between switch ports within `policy.mac_moved_days`.
pub fn mac_moved(m: &MacMove, cx: &Context<'_>) -> Option<Condition> {
    let window = i64::from(cx.policy.mac_moved_days) * 86_400;
    if cx.now_unix.saturating_sub(m.moved_unix) >= window {
        return None;
    }
    Some(Condition {
        key: format!("mac_moved:mac:{}", m.mac),
        kind: "mac_moved",
        severity: "low",
        device_id: m.device_id,
        asset_tag: None,
        ip: None,
        mac: Some(m.mac.clone()),
        summary: format!("{} moved from {} to {}", m.mac, m.from, m.to),
        evidence: vec![
            Evidence::new("snmp", "fdb before", m.from.clone(), ""),
            Evidence::new("snmp", "fdb now", m.to.clone(), &m.moved_at),
        ],
    })
}

/// An approved asset as evaluation sees it.
#[derive(Debug, Clone, Default)]
pub struct AssetView {
    /// Asset tag.
    pub tag: String,
    /// Warranty or support end, days since the epoch.
    pub warranty_end_day: Option<i64>,
    /// The text of that date.
    pub warranty_end: Option<String>,
    /// The matched device: id, last seen (RFC 3339 and seconds).
    pub device: Option<(i64, String, i64)>,
    /// When the asset was first imported (RFC 3339 and seconds).
    pub imported: (String, i64),
    /// Address, MAC written in the register.
    pub ip: Option<String>,
    /// MAC written in the register.
    pub mac: Option<String>,
}

/// Conditions on an approved asset: not seen for too long, warranty ending
/// or ended.
pub fn asset_conditions(a: &AssetView, cx: &Context<'_>) -> Vec<Condition> {
    let mut out = Vec::new();
    let base =
        |kind: &'static str, key: String, severity: &'static str, summary: String| Condition {
            key,
            kind,
            severity,
            device_id: a.device.as_ref().map(|d| d.0),
            asset_tag: Some(a.tag.clone()),
            ip: a.ip.clone(),
            mac: a.mac.clone(),
            summary,
            evidence: Vec::new(),
        };
    let window = i64::from(cx.policy.asset_missing_days) * 86_400;
    let (last_text, last_unix) = match &a.device {
        Some((_, text, unix)) => (format!("last seen {text}"), *unix),
        None => (
            format!("never seen since it was imported {}", a.imported.0),
            a.imported.1,
        ),
    };
    if cx.now_unix.saturating_sub(last_unix) >= window {
        let mut c = base(
            "asset_missing",
            format!("asset_missing:asset:{}", a.tag),
            "medium",
            format!(
                "approved asset {} not seen for {} days or more ({last_text})",
                a.tag, cx.policy.asset_missing_days
            ),
        );
        c.evidence.push(Evidence::new(
            "register",
            "asset_tag",
            a.tag.clone(),
            &a.imported.0,
        ));
        c.evidence.push(Evidence::new(
            "identity",
            "last_seen",
            last_text,
            a.device.as_ref().map_or("", |d| d.1.as_str()),
        ));
        out.push(c);
    }
    if let (Some(end), Some(text)) = (a.warranty_end_day, &a.warranty_end) {
        let today = cx.now_unix.div_euclid(86_400);
        let left = end - today;
        let stage = if left < 0 {
            Some(("ended", "high", format!("ended {text}")))
        } else {
            policy::WARRANTY_STAGES
                .iter()
                .rev()
                .find(|&&s| left <= s)
                .map(|&s| {
                    let severity = match s {
                        7 => "medium",
                        30 => "low",
                        _ => "info",
                    };
                    (
                        match s {
                            7 => "7",
                            30 => "30",
                            _ => "90",
                        },
                        severity,
                        format!("ends {text}, in {left} days (within {s})"),
                    )
                })
        };
        if let Some((stage, severity, what)) = stage {
            let mut c = base(
                "warranty",
                format!("warranty:asset:{}:{stage}", a.tag),
                severity,
                format!("warranty or support of asset {} {what}", a.tag),
            );
            c.evidence.push(Evidence::new(
                "register",
                "warranty_end",
                text.clone(),
                &a.imported.0,
            ));
            out.push(c);
        }
    }
    out
}

/// Whether `class` forwards for others (switch, router, firewall, AP...).
pub fn is_network_class(class: Option<&str>) -> bool {
    class.is_some_and(|c| NETWORK_CLASSES.contains(&c))
}

/// One DHCP offer seen (the DHCP probe writes them as observations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpOffer {
    /// The server that offered (its server identifier, else the sender).
    pub server: IpAddr,
    /// The router it offered.
    pub router: Option<String>,
    /// The DNS servers it offered.
    pub dns: Option<String>,
    /// The address offered.
    pub offered: Option<String>,
    /// The device the server is, if known.
    pub device_id: Option<i64>,
    /// When.
    pub seen: String,
}

/// Offers from servers not in `policy.dhcp_servers`.
pub fn rogue_dhcp(offers: &[DhcpOffer], cx: &Context<'_>) -> Vec<Condition> {
    let mut by_server: BTreeMap<IpAddr, Vec<&DhcpOffer>> = BTreeMap::new();
    for o in offers {
        if !cx.policy.dhcp_servers.contains(&o.server) {
            by_server.entry(o.server).or_default().push(o);
        }
    }
    by_server
        .into_iter()
        .map(|(server, list)| {
            let mut evidence = Vec::new();
            for o in &list {
                evidence.push(Evidence::new("dhcp", "server", server.to_string(), &o.seen));
                for (k, v) in [
                    ("router", &o.router),
                    ("dns", &o.dns),
                    ("offered", &o.offered),
                ] {
                    if let Some(v) = v {
                        evidence.push(Evidence::new("dhcp", k, v.clone(), &o.seen));
                    }
                }
            }
            evidence.push(Evidence::new(
                "policy",
                "dhcp_servers",
                format!("{:?}", cx.policy.dhcp_servers),
                cx.now,
            ));
            Condition {
                key: format!("rogue_dhcp:server:{server}"),
                kind: "rogue_dhcp",
                severity: "high",
                device_id: list.iter().find_map(|o| o.device_id),
                asset_tag: None,
                ip: Some(server.to_string()),
                mac: None,
                summary: format!("DHCP server {server} is not in policy.dhcp_servers"),
                evidence,
            }
        })
        .collect()
}
