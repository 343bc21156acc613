//! One scan, start to finish: ARP on attached subnets and ICMP everywhere
//! (concurrently), then SNMP and reverse DNS on every live host, then the
//! fingerprint. Returns devices; storing them is the caller's choice.

use crate::facts::DeviceFacts;
use crate::fingerprint::Engine;
use crate::inventory::{Device, Source};
use crate::registry::oui;
use crate::snmp::{Collector, Credential};
use crate::sweep::{self, SweepError, arp, dns, icmp};
use crate::target::{self, Target, TargetError};
use crate::wire::format_mac;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;

/// Everything a scan needs to know.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What to sweep.
    pub targets: Vec<Target>,
    /// What never to touch.
    pub exclude: Vec<Target>,
    /// ARP/ICMP packets per second.
    pub rate: u32,
    /// Wait for ARP/ICMP replies after the last request.
    pub probe_timeout: Duration,
    /// Rounds of ARP/ICMP requests to hosts that have not answered.
    pub passes: u32,
    /// Look up reverse-DNS names.
    pub reverse_dns: bool,
    /// Resolver configuration for reverse DNS (None: /etc/resolv.conf).
    pub resolv_conf: Option<std::path::PathBuf>,
    /// SNMP credentials, tried in order (none: no SNMP).
    pub credentials: Vec<Credential>,
    /// Live hosts probed by SNMP/DNS at once.
    pub concurrency: usize,
}

/// A scan's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When it started.
    pub started: SystemTime,
    /// When it ended.
    pub finished: SystemTime,
    /// How many addresses were swept.
    pub addresses: usize,
    /// The live devices, by address.
    pub devices: Vec<Device>,
    /// Probes that could not run (e.g. ICMP without CAP_NET_RAW).
    pub warnings: Vec<String>,
}

/// A scan that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A target or exclusion is malformed.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Neither ARP nor ICMP could run.
    #[error("no liveness probe could run: {0}")]
    NoProbe(SweepError),
}

/// The targets of a plan, as text for the store.
pub fn describe(targets: &[Target]) -> String {
    targets
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Live {
    mac: Option<[u8; 6]>,
    rtt: Option<Duration>,
    seen: Vec<Source>,
}

/// Run one scan.
pub async fn run(
    plan: &Plan,
    collector: &Collector,
    engine: &Engine,
    preferred: &HashMap<IpAddr, String>,
) -> Result<Outcome, ScanError> {
    let started = SystemTime::now();
    let mut addresses = target::expand(&plan.targets, &plan.exclude)?;
    // Pandian never probes the machine it runs on.
    let own = arp::own_addresses();
    addresses.retain(|a| !own.contains(a));
    let mut warnings = Vec::new();
    let (groups, _routed) = arp::partition(&addresses);

    let arp_task = {
        let (rate, timeout, passes) = (plan.rate, plan.probe_timeout, plan.passes);
        let groups = groups.clone();
        tokio::task::spawn_blocking(move || arp::sweep(&groups, rate, timeout, passes))
    };
    let icmp_res = icmp::sweep(&addresses, plan.rate, plan.probe_timeout, plan.passes).await;
    let arp_res = match arp_task.await {
        Ok(r) => r,
        Err(join) => Err(SweepError::Io {
            probe: "ARP",
            iface: "-".into(),
            source: std::io::Error::other(join.to_string()),
        }),
    };

    let mut live: BTreeMap<Ipv4Addr, Live> = BTreeMap::new();
    let arp_ok = match arp_res {
        Ok(hits) => {
            for h in hits {
                let e = live.entry(h.ip).or_default();
                e.mac = Some(h.mac);
                e.rtt = Some(e.rtt.map_or(h.rtt, |r| r.min(h.rtt)));
                e.seen.push(Source::Arp);
            }
            Ok(())
        }
        Err(e) => Err(e),
    };
    let icmp_ok = match icmp_res {
        Ok(hits) => {
            for h in hits {
                let e = live.entry(h.ip).or_default();
                e.rtt = Some(e.rtt.map_or(h.rtt, |r| r.min(h.rtt)));
                e.seen.push(Source::Icmp);
            }
            Ok(())
        }
        Err(e) => Err(e),
    };
    match (arp_ok, icmp_ok) {
        (Err(a), Err(_)) if !groups.is_empty() => return Err(ScanError::NoProbe(a)),
        (_, Err(i)) if groups.is_empty() => return Err(ScanError::NoProbe(i)),
        (Err(a), _) => warnings.push(format!("ARP sweep failed: {a}")),
        (_, Err(i)) => warnings.push(format!("ICMP sweep failed: {i}")),
        _ => {}
    }

    let dns_timeout = Duration::from_millis(800);
    let resolver = match (&plan.reverse_dns, &plan.resolv_conf) {
        (false, _) => None,
        (true, Some(path)) => dns::Reverse::from_file(path, dns_timeout),
        (true, None) => dns::Reverse::from_system(dns_timeout),
    };
    let limit = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (ip, l) in live {
        let collector = collector.clone();
        let creds = plan.credentials.clone();
        let pref = preferred.get(&IpAddr::V4(ip)).cloned();
        let resolver = resolver.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let ip_addr = IpAddr::V4(ip);
            let snmp = async {
                if creds.is_empty() {
                    return None;
                }
                match collector.probe(ip_addr, &creds, pref.as_deref()).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(%ip, error = %e, "SNMP probe failed");
                        None
                    }
                }
            };
            let name = async {
                match &resolver {
                    Some(r) => r.lookup(ip_addr).await,
                    None => None,
                }
            };
            let (snmp, hostname) = tokio::join!(snmp, name);
            (ip, l, snmp, hostname)
        });
    }
    let mut devices = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((ip, l, snmp, hostname)) = joined else {
            continue;
        };
        devices.push(assemble(engine, ip, l, snmp, hostname));
    }
    add_router_arp(engine, &mut devices, &addresses);
    devices.sort_by_key(|d| d.ip);
    Ok(Outcome {
        started,
        finished: SystemTime::now(),
        addresses: addresses.len(),
        devices,
        warnings,
    })
}

/// What routers' ARP tables (read over SNMP) add: for each address we were
/// asked to scan, the first router listing it and the MAC it gives. Pure.
pub fn router_arp_sightings(
    devices: &[Device],
    wanted: &[Ipv4Addr],
) -> BTreeMap<Ipv4Addr, ([u8; 6], IpAddr)> {
    let wanted: std::collections::HashSet<Ipv4Addr> = wanted.iter().copied().collect();
    let mut out = BTreeMap::new();
    for router in devices {
        let Some(report) = &router.snmp else { continue };
        for row in &report.arp {
            let IpAddr::V4(ip) = row.ip else { continue };
            if !wanted.contains(&ip)
                || row.entry_type.as_deref() == Some("invalid")
                || IpAddr::V4(ip) == router.ip
            {
                continue;
            }
            let Some(mac) = crate::wire::parse_mac(&row.mac) else {
                continue;
            };
            if mac == [0; 6] || mac[0] & 1 == 1 {
                continue;
            }
            out.entry(ip).or_insert((mac, router.ip));
        }
    }
    out
}

/// Fill in MACs of live devices we could not ARP ourselves, and add the
/// devices only a router knows of (never outside the scan's addresses).
fn add_router_arp(engine: &Engine, devices: &mut Vec<Device>, wanted: &[Ipv4Addr]) {
    for (ip, (mac, router)) in router_arp_sightings(devices, wanted) {
        match devices.iter_mut().find(|d| d.ip == IpAddr::V4(ip)) {
            Some(d) if d.mac.is_none() => {
                d.mac = Some(format_mac(mac));
                d.mac_vendor = oui::lookup(mac).map(str::to_string);
                d.mac_randomized = oui::is_locally_administered(mac);
                d.seen_via = Some(router);
                d.seen_by.push(Source::RouterArp);
                d.seen_by.sort();
                let facts = DeviceFacts {
                    snmp: d
                        .snmp
                        .as_ref()
                        .map(|s| s.facts().clone())
                        .unwrap_or_default(),
                    mac: Some(mac),
                    hostname: d.hostname.clone(),
                };
                d.identity = engine.identify(&facts);
            }
            Some(_) => {}
            None => {
                let live = Live {
                    mac: Some(mac),
                    rtt: None,
                    seen: vec![Source::RouterArp],
                };
                let mut d = assemble(engine, ip, live, None, None);
                d.seen_via = Some(router);
                devices.push(d);
            }
        }
    }
}

fn assemble(
    engine: &Engine,
    ip: Ipv4Addr,
    l: Live,
    snmp: Option<crate::snmp::SnmpReport>,
    hostname: Option<String>,
) -> Device {
    let mut seen = l.seen;
    if snmp.is_some() {
        seen.push(Source::Snmp);
    }
    if hostname.is_some() {
        seen.push(Source::Dns);
    }
    seen.sort();
    seen.dedup();
    let hostname = hostname.map(|h| crate::text::printable(&h));
    let facts = DeviceFacts {
        snmp: snmp.as_ref().map(|s| s.facts().clone()).unwrap_or_default(),
        mac: l.mac,
        hostname: hostname.clone(),
    };
    let identity = engine.identify(&facts);
    Device {
        ip: IpAddr::V4(ip),
        mac: l.mac.map(format_mac),
        mac_vendor: l.mac.and_then(oui::lookup).map(str::to_string),
        mac_randomized: l.mac.is_some_and(oui::is_locally_administered),
        seen_by: seen,
        rtt_ms: l
            .rtt
            .map(|d| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
        hostname,
        seen_via: None,
        snmp,
        identity,
    }
}

/// Re-export for callers that only need the sweep errors.
pub use sweep::SweepError as ProbeError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Identity;
    use crate::snmp::SnmpReport;
    use crate::snmp::tables::ArpRow;

    fn router(ip: &str, rows: &[(&str, &str, &str)]) -> Device {
        let arp = rows
            .iter()
            .map(|(ip, mac, kind)| ArpRow {
                ip: ip.parse().unwrap(),
                mac: (*mac).into(),
                if_index: Some(2),
                entry_type: Some((*kind).into()),
            })
            .collect();
        Device {
            ip: ip.parse().unwrap(),
            mac: None,
            mac_vendor: None,
            mac_randomized: false,
            seen_by: vec![Source::Icmp, Source::Snmp],
            rtt_ms: None,
            hostname: None,
            seen_via: None,
            snmp: Some(SnmpReport {
                arp,
                ..SnmpReport::default()
            }),
            identity: Identity::default(),
        }
    }

    #[test]
    fn router_arp_adds_only_scanned_valid_unicast_neighbours() {
        let wanted: Vec<Ipv4Addr> = [
            "198.51.100.7",
            "198.51.100.8",
            "198.51.100.9",
            "198.51.100.10",
            "198.51.100.1",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let devices = vec![
            router(
                "198.51.100.1",
                &[
                    ("198.51.100.7", "00:00:0c:00:00:07", "dynamic"),
                    ("198.51.100.8", "00:00:0c:00:00:08", "invalid"),
                    ("203.0.113.5", "00:00:0c:00:00:05", "dynamic"),
                    ("198.51.100.9", "01:00:5e:00:00:09", "dynamic"),
                    ("198.51.100.1", "00:00:0c:00:00:01", "local"),
                    ("198.51.100.10", "not a mac", "dynamic"),
                ],
            ),
            router(
                "198.51.100.2",
                &[("198.51.100.7", "00:00:0c:00:00:77", "dynamic")],
            ),
        ];
        let got = router_arp_sightings(&devices, &wanted);
        let ip7: Ipv4Addr = "198.51.100.7".parse().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[&ip7],
            ([0, 0, 0x0c, 0, 0, 7], "198.51.100.1".parse().unwrap()),
            "first router wins"
        );
    }
}
