//! One device as Pandian reports it: its addresses and MACs, liveness
//! signals, SNMP facts and the fingerprint. `pandian scan --format json`
//! prints these (one object per device, however many addresses it
//! answered on); `/api/v1/devices` serves the same keys from the store.

use crate::facts::{DeviceFacts, SnmpFacts};
use crate::fingerprint::{Engine, Identity};
use crate::identity;
use crate::record::Seen;
use crate::snmp::SnmpReport;
use serde::Serialize;
use std::net::IpAddr;

pub use crate::record::Source;

/// An address of a device, with when it was seen.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AddressEntry {
    /// The address.
    pub ip: IpAddr,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// Still this device's.
    pub active: bool,
}

/// A MAC of a device, with when it was seen.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MacEntry {
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: String,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// Still this device's.
    pub active: bool,
}

/// One fact a device announced of itself (mDNS, SSDP, NetBIOS,
/// WS-Discovery, banners; keys as in [`crate::announce`]), cleaned and
/// bounded by the probe that heard it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnnouncedEntry {
    /// The probe that heard it.
    pub source: Source,
    /// What it is.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// A device found by one scan.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// Its primary address (where its SNMP tables were read, else its lowest).
    pub ip: Option<IpAddr>,
    /// Every address it answered on.
    pub addresses: Vec<AddressEntry>,
    /// Its primary MAC (from ARP), when seen.
    pub mac: Option<String>,
    /// Every MAC it answered with.
    pub macs: Vec<MacEntry>,
    /// The IEEE registry's organisation for the primary MAC's prefix.
    pub mac_vendor: Option<String>,
    /// The MAC is locally administered (typically a randomised phone/laptop MAC).
    pub mac_randomized: bool,
    /// Which probes saw it, in a fixed order.
    pub seen_by: Vec<Source>,
    /// The router whose ARP table listed this device (its MAC came from there).
    pub seen_via: Option<IpAddr>,
    /// Best round-trip time of ARP/ICMP, in milliseconds.
    pub rtt_ms: Option<f64>,
    /// Reverse-DNS name.
    pub hostname: Option<String>,
    /// What SNMP said (never the credential's secret, only its name).
    pub snmp: Option<SnmpReport>,
    /// What it announced of itself, sorted, at most
    /// [`crate::announce::MAX_PER_HOST`].
    pub announced: Vec<AnnouncedEntry>,
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

/// What one scan saw at one address, and the SNMP report read there.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The record of it.
    pub seen: Seen,
    /// The collector's report (tables decoded, request counts), while the
    /// run needs it; [`Probed::compact`] keeps only its counts.
    pub report: Option<SnmpReport>,
    /// The SNMP probe's counts, once the report itself is dropped.
    pub stats: Option<ProbeStats>,
}

/// What an SNMP probe cost and what it could not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeStats {
    /// Requests sent.
    pub requests: u32,
    /// Wall time, ms.
    pub elapsed_ms: u64,
    /// Walks that ended early.
    pub incomplete: Vec<String>,
}

impl Probed {
    /// Drop the decoded report (the raw values in `seen` give it back),
    /// keeping its counts: what a run keeps for printing at the end.
    pub fn compact(mut self) -> Probed {
        if let Some(r) = self.report.take() {
            self.stats = Some(ProbeStats {
                requests: r.requests,
                elapsed_ms: r.elapsed_ms,
                incomplete: r.incomplete,
            });
        }
        self
    }

    /// The SNMP report: the one kept, or decoded again from the raw values.
    pub fn snmp_report(&self) -> Option<SnmpReport> {
        if let Some(r) = &self.report {
            return Some(r.clone());
        }
        let s = self.seen.snmp.as_ref()?;
        let mut r = SnmpReport::from_facts(s.facts.clone());
        r.version = s.version.clone();
        r.credential = s.credential.clone();
        if let Some(st) = &self.stats {
            r.requests = st.requests;
            r.elapsed_ms = st.elapsed_ms;
            r.incomplete = st.incomplete.clone();
        }
        Some(r)
    }
}

/// The devices one scan's addresses are, on their own (no history): the
/// same grouping the store uses, against nothing known before. `time` is
/// the run's timestamp (RFC 3339).
pub fn assemble(probed: &[Probed], engine: &Engine, time: &str) -> Vec<Device> {
    let mut out = Vec::new();
    assemble_each(probed, engine, time, |d| {
        out.push(d);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|e| match e {});
    out
}

/// [`assemble`], one device at a time in address order, so a caller that
/// prints them never holds every device at once.
pub fn assemble_each<E>(
    probed: &[Probed],
    engine: &Engine,
    time: &str,
    mut each: impl FnMut(Device) -> Result<(), E>,
) -> Result<(), E> {
    let sightings: Vec<identity::Sighting> = probed
        .iter()
        .map(|p| crate::record::sighting(&p.seen))
        .collect();
    // Groups come sorted by their lowest address.
    let groups = identity::group(&sightings);
    drop(sightings);
    for g in &groups {
        let members: Vec<&Probed> = g.members.iter().filter_map(|&i| probed.get(i)).collect();
        // The member whose tables were read speaks for the device.
        let lead = members
            .iter()
            .copied()
            .filter(|p| p.seen.snmp.is_some())
            .min_by_key(|p| {
                (
                    p.seen.snmp.as_ref().is_none_or(|s| s.walked_at.is_some()),
                    p.seen.ip,
                )
            })
            .or_else(|| members.iter().copied().min_by_key(|p| p.seen.ip));
        let Some(lead) = lead else { continue };
        let mut facts = SnmpFacts::new();
        for p in std::iter::once(lead).chain(members.iter().copied()) {
            if let Some(s) = &p.seen.snmp {
                for (oid, v) in s.facts.iter() {
                    if facts.get(oid).is_none() {
                        facts.insert(oid.clone(), v.clone());
                    }
                }
            }
        }
        let mac = lead
            .seen
            .mac
            .filter(|m| g.macs.contains(m))
            .or_else(|| g.macs.first().copied());
        let hostname = std::iter::once(lead)
            .chain(members.iter().copied())
            .find_map(|p| p.seen.hostname.clone());
        let mut seen_by: Vec<Source> = members
            .iter()
            .flat_map(|p| p.seen.sources.iter().copied())
            .collect();
        seen_by.sort();
        seen_by.dedup();
        let rtt = members
            .iter()
            .filter_map(|p| p.seen.rtt_ms)
            .fold(None, |best: Option<f64>, r| {
                Some(best.map_or(r, |b| b.min(r)))
            });
        let mut announced: Vec<crate::announce::Announced> = members
            .iter()
            .flat_map(|p| p.seen.announced.iter().cloned())
            .collect();
        crate::announce::tidy(&mut announced);
        let identity = engine.identify_with(
            &DeviceFacts {
                snmp: facts,
                mac,
                hostname: hostname.clone(),
            },
            &crate::announce::proposals(&announced),
        );
        each(Device {
            // The lowest address names it (whichever address happened to
            // read the tables, the same device prints the same way).
            ip: g.ips.first().copied().or(lead.seen.ip),
            addresses: g
                .ips
                .iter()
                .map(|ip| AddressEntry {
                    ip: *ip,
                    first_seen: time.to_string(),
                    last_seen: time.to_string(),
                    active: true,
                })
                .collect(),
            mac: mac.map(crate::wire::format_mac),
            macs: g
                .macs
                .iter()
                .map(|m| MacEntry {
                    mac: crate::wire::format_mac(*m),
                    first_seen: time.to_string(),
                    last_seen: time.to_string(),
                    active: true,
                })
                .collect(),
            mac_vendor: mac
                .and_then(crate::registry::oui::lookup)
                .map(str::to_string),
            mac_randomized: mac.is_some_and(identity::is_randomized),
            seen_by,
            seen_via: members.iter().find_map(|p| p.seen.via.first().copied()),
            rtt_ms: rtt,
            hostname,
            snmp: lead.snmp_report(),
            announced: announced
                .into_iter()
                .map(|a| AnnouncedEntry {
                    source: a.source,
                    key: a.key,
                    value: a.value,
                })
                .collect(),
            identity,
        })?;
    }
    Ok(())
}
