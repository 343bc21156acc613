//! Which device each approved asset is. Pure: assets and the devices' keys
//! in, matches out; same input, same output (a rebuild relies on it).
//!
//! Each asset is tried against every device by four keys, strongest first;
//! a pair counts by the strongest key they share:
//!
//! | method | compares | confidence | why |
//! |---|---|---|---|
//! | `serial` | serial numbers, trimmed, any case | 1.0 | set by the manufacturer and read from the device itself (ENTITY-MIB); survives new NICs, addresses and names |
//! | `mac` | the asset's MAC with any MAC the device was ever seen with | 0.9 | unique per interface, but a NIC, dock or USB adapter can move between machines and a MAC can be set by hand |
//! | `hostname` | host names, any case; a short name equals an FQDN with that first label (two FQDNs must be equal) | 0.7 | chosen by people: kept across reinstalls of the same machine, but reused for its replacement and often stale in DNS |
//! | `ip` | the asset's address with the device's current addresses | 0.5 | DHCP hands addresses to whoever comes next; right for static servers and printers, a hint for the rest |
//!
//! One device per asset and one asset per device: pairs are taken
//! strongest first, and among equals by asset tag, then device id, so ties
//! always resolve the same way. An asset or device left without a partner
//! is unmatched.

use super::Asset;
use std::collections::{BTreeSet, HashMap};

/// How a match was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// Same serial number.
    Serial,
    /// A shared MAC address.
    Mac,
    /// The same host name.
    Hostname,
    /// The same IP address.
    Ip,
}

impl Method {
    /// Every method, strongest first.
    pub const ALL: [Method; 4] = [Method::Serial, Method::Mac, Method::Hostname, Method::Ip];

    /// As stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Serial => "serial",
            Method::Mac => "mac",
            Method::Hostname => "hostname",
            Method::Ip => "ip",
        }
    }

    /// How sure a match by this method is (see the module's table).
    pub fn confidence(self) -> f64 {
        match self {
            Method::Serial => 1.0,
            Method::Mac => 0.9,
            Method::Hostname => 0.7,
            Method::Ip => 0.5,
        }
    }
}

/// What a device can be matched by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceKeys {
    /// Device id.
    pub id: i64,
    /// Serial numbers (the fingerprint's, and any identity key).
    pub serials: Vec<String>,
    /// Every MAC it was seen with, `aa:bb:cc:dd:ee:ff`.
    pub macs: Vec<String>,
    /// Host names (reverse DNS, sysName).
    pub hostnames: Vec<String>,
    /// Its current addresses.
    pub ips: Vec<String>,
}

/// One asset matched to one device.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The asset.
    pub asset_tag: String,
    /// The device.
    pub device_id: i64,
    /// The strongest key they share.
    pub method: Method,
    /// [`Method::confidence`].
    pub confidence: f64,
    /// What matched, e.g. `serial FOC1234X0AB`.
    pub evidence: String,
}

/// The matches, and who was left over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matching {
    /// By asset tag.
    pub matches: Vec<Match>,
    /// Assets no device matched, by tag.
    pub unmatched_assets: Vec<String>,
    /// Devices no asset matched, by id.
    pub unmatched_devices: Vec<i64>,
}

fn serial_key(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_lowercase())
}

fn host_key(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches('.').to_lowercase();
    (!t.is_empty()).then_some(t)
}

fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// Match `assets` to `devices`.
pub fn match_devices(assets: &[Asset], devices: &[DeviceKeys]) -> Matching {
    let mut by_serial: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut by_mac: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut by_host: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut by_short: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut by_bare: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut by_ip: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (i, d) in devices.iter().enumerate() {
        for s in d.serials.iter().filter_map(|s| serial_key(s)) {
            by_serial.entry(s).or_default().insert(i);
        }
        for m in &d.macs {
            by_mac.entry(m.trim().to_lowercase()).or_default().insert(i);
        }
        for h in d.hostnames.iter().filter_map(|h| host_key(h)) {
            by_short.entry(short(&h).to_string()).or_default().insert(i);
            if !h.contains('.') {
                by_bare.entry(h.clone()).or_default().insert(i);
            }
            by_host.entry(h).or_default().insert(i);
        }
        for ip in &d.ips {
            by_ip.entry(ip.trim().to_string()).or_default().insert(i);
        }
    }
    // Every (asset, device) pair that shares a key, with its strongest.
    let mut pairs: HashMap<(usize, usize), (Method, String)> = HashMap::new();
    let mut offer = |a: usize, d: usize, method: Method, evidence: String| {
        let e = pairs.entry((a, d)).or_insert((method, evidence.clone()));
        if method < e.0 {
            *e = (method, evidence);
        }
    };
    for (a, asset) in assets.iter().enumerate() {
        if let Some(s) = asset.serial.as_deref().and_then(serial_key) {
            for &d in by_serial.get(&s).into_iter().flatten() {
                offer(a, d, Method::Serial, format!("serial {}", s.to_uppercase()));
            }
        }
        if let Some(m) = asset.mac.as_deref() {
            for &d in by_mac.get(m).into_iter().flatten() {
                offer(a, d, Method::Mac, format!("mac {m}"));
            }
        }
        if let Some(h) = asset.hostname.as_deref().and_then(host_key) {
            let found: Vec<usize> = if h.contains('.') {
                // An FQDN: the same FQDN, or a device known by its short name only.
                by_host
                    .get(&h)
                    .into_iter()
                    .flatten()
                    .chain(by_bare.get(short(&h)).into_iter().flatten())
                    .copied()
                    .collect()
            } else {
                by_short.get(&h).into_iter().flatten().copied().collect()
            };
            for d in found {
                let theirs = devices
                    .get(d)
                    .and_then(|dev| {
                        dev.hostnames
                            .iter()
                            .filter_map(|x| host_key(x))
                            .find(|x| *x == h || short(x) == h || (x.as_str() == short(&h)))
                    })
                    .unwrap_or_default();
                let evidence = if theirs == h {
                    format!("hostname {h}")
                } else {
                    format!("hostname {h} = {theirs}")
                };
                offer(a, d, Method::Hostname, evidence);
            }
        }
        if let Some(ip) = asset.ip.as_deref() {
            for &d in by_ip.get(ip).into_iter().flatten() {
                offer(a, d, Method::Ip, format!("ip {ip}"));
            }
        }
    }
    let mut ranked: Vec<((usize, usize), (Method, String))> = pairs.into_iter().collect();
    ranked.sort_by(|((a1, d1), (m1, _)), ((a2, d2), (m2, _))| {
        m1.cmp(m2)
            .then_with(|| assets[*a1].asset_tag.cmp(&assets[*a2].asset_tag))
            .then_with(|| devices[*d1].id.cmp(&devices[*d2].id))
    });
    let mut asset_taken = vec![false; assets.len()];
    let mut device_taken = vec![false; devices.len()];
    let mut matches = Vec::new();
    for ((a, d), (method, evidence)) in ranked {
        if asset_taken[a] || device_taken[d] {
            continue;
        }
        asset_taken[a] = true;
        device_taken[d] = true;
        matches.push(Match {
            asset_tag: assets[a].asset_tag.clone(),
            device_id: devices[d].id,
            method,
            confidence: method.confidence(),
            evidence,
        });
    }
    matches.sort_by(|x, y| x.asset_tag.cmp(&y.asset_tag));
    let mut unmatched_assets: Vec<String> = assets
        .iter()
        .zip(&asset_taken)
        .filter(|(_, t)| !**t)
        .map(|(a, _)| a.asset_tag.clone())
        .collect();
    unmatched_assets.sort();
    let mut unmatched_devices: Vec<i64> = devices
        .iter()
        .zip(&device_taken)
        .filter(|(_, t)| !**t)
        .map(|(d, _)| d.id)
        .collect();
    unmatched_devices.sort_unstable();
    Matching {
        matches,
        unmatched_assets,
        unmatched_devices,
    }
}
