//! One scan, start to finish: ARP on attached subnets and ICMP everywhere
//! (concurrently), then SNMP and reverse DNS on every live host, then what
//! routers' ARP tables add. Returns what was seen at each address; which
//! addresses are one device is [`crate::identity`]'s job, and storing it the
//! caller's choice.
//!
//! A device's tables are read once per run: when an agent gives an engine
//! ID that another address of this run already gave, and that address's
//! table walk lists this address among the agent's own, only the system
//! group is read here (the sighting says where the tables were read).

use crate::facts::{Oid, Value};
use crate::inventory::{Probed, Source};
use crate::record::{Seen, SnmpSeen};
use crate::snmp::{Collector, Credential, Depth, SnmpReport};
use crate::sweep::{self, SweepError, arp, dns, icmp};
use crate::target::{self, Target, TargetError};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::{Semaphore, watch};

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
    /// What was seen at each address that answered (or that a router listed).
    pub probed: Vec<Probed>,
    /// Probes that could not run (e.g. ICMP without CAP_NET_RAW).
    pub warnings: Vec<String>,
}

impl Outcome {
    /// Addresses that answered anything.
    pub fn answered(&self) -> usize {
        self.probed
            .iter()
            .filter(|p| p.seen.sources.iter().any(|s| *s != Source::RouterArp))
            .count()
    }

    /// Addresses where SNMP answered.
    pub fn snmp_ok(&self) -> usize {
        self.probed.iter().filter(|p| p.seen.snmp.is_some()).count()
    }
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

/// A finished walk: the address it read, and the agent's own addresses.
type Walked = Option<(IpAddr, Vec<IpAddr>)>;

/// Which agent's tables this run has read (or is reading), by engine ID.
#[derive(Default)]
struct Walks {
    by_engine: Mutex<HashMap<Vec<u8>, watch::Receiver<Walked>>>,
}

enum Claim {
    /// Walk it; send (address, the agent's own addresses) when done.
    Mine(watch::Sender<Walked>),
    /// Another address of this run has it.
    Theirs(watch::Receiver<Walked>),
}

impl Walks {
    fn claim(&self, engine: Vec<u8>) -> Claim {
        let Ok(mut map) = self.by_engine.lock() else {
            // A poisoned lock only costs the saving: walk anyway.
            let (tx, _) = watch::channel(None);
            return Claim::Mine(tx);
        };
        if let Some(rx) = map.get(&engine) {
            return Claim::Theirs(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        map.insert(engine, rx);
        Claim::Mine(tx)
    }
}

/// SNMP at one live address: answer, then either read the tables or, when
/// another address of this run already read this agent's, note that.
async fn snmp_at(
    collector: &Collector,
    walks: &Walks,
    ip: IpAddr,
    creds: &[Credential],
    preferred: Option<&str>,
) -> Option<(SnmpReport, Option<IpAddr>)> {
    let answered = match collector.answer(ip, creds, preferred).await {
        Ok(Some(a)) => a,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(%ip, error = %e, "SNMP probe failed");
            return None;
        }
    };
    let depth = collector.options().depth;
    let engine = answered.engine_id().filter(|_| depth == Depth::Full);
    let claim = engine.map(|e| walks.claim(e));
    match claim {
        Some(Claim::Theirs(mut rx)) => {
            // Wait (bounded) for the other walk, then see whether its agent
            // lists this address as its own.
            let wait = collector.options().device_budget + collector.options().timeout;
            let done = tokio::time::timeout(wait, rx.wait_for(Option::is_some))
                .await
                .ok()
                .and_then(Result::ok)
                .and_then(|v| v.clone());
            if let Some((at, own)) = done
                && own.contains(&ip)
                && at != ip
            {
                let report = collector.read(answered, Depth::System).await.ok()?;
                return Some((report, Some(at)));
            }
            let report = collector.read(answered, depth).await.ok()?;
            Some((report, None))
        }
        Some(Claim::Mine(tx)) => {
            let report = collector.read(answered, depth).await.ok()?;
            let own: Vec<IpAddr> = report.addresses.iter().map(|a| a.ip).collect();
            let _ = tx.send(Some((ip, own)));
            Some((report, None))
        }
        None => {
            let report = collector.read(answered, depth).await.ok()?;
            Some((report, None))
        }
    }
}

/// Run one scan.
pub async fn run(
    plan: &Plan,
    collector: &Collector,
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
    let walks = Arc::new(Walks::default());
    let mut tasks = tokio::task::JoinSet::new();
    for (ip, l) in live {
        let collector = collector.clone();
        let creds = plan.credentials.clone();
        let pref = preferred.get(&IpAddr::V4(ip)).cloned();
        let resolver = resolver.clone();
        let limit = limit.clone();
        let walks = walks.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let ip_addr = IpAddr::V4(ip);
            let snmp = async {
                if creds.is_empty() {
                    return None;
                }
                snmp_at(&collector, &walks, ip_addr, &creds, pref.as_deref()).await
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
    let mut probed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((ip, l, snmp, hostname)) = joined else {
            continue;
        };
        probed.push(assemble(ip, l, snmp, hostname));
    }
    add_router_arp(&mut probed, &addresses);
    probed.sort_by_key(|p| p.seen.ip);
    Ok(Outcome {
        started,
        finished: SystemTime::now(),
        addresses: addresses.len(),
        probed,
        warnings,
    })
}

/// What routers' ARP tables (read over SNMP) add: for each address we were
/// asked to scan, the routers listing it and the MAC the first one gives.
/// Pure.
pub fn router_arp_sightings(
    probed: &[Probed],
    wanted: &[Ipv4Addr],
) -> BTreeMap<Ipv4Addr, ([u8; 6], Vec<IpAddr>)> {
    let wanted: std::collections::HashSet<Ipv4Addr> = wanted.iter().copied().collect();
    let mut out: BTreeMap<Ipv4Addr, ([u8; 6], Vec<IpAddr>)> = BTreeMap::new();
    for p in probed {
        let (Some(report), Some(router)) = (&p.report, p.seen.ip) else {
            continue;
        };
        for row in &report.arp {
            let IpAddr::V4(ip) = row.ip else { continue };
            if !wanted.contains(&ip)
                || row.entry_type.as_deref() == Some("invalid")
                || IpAddr::V4(ip) == router
            {
                continue;
            }
            let Some(mac) = crate::wire::parse_mac(&row.mac) else {
                continue;
            };
            if !crate::identity::is_unicast(mac) {
                continue;
            }
            let e = out.entry(ip).or_insert((mac, Vec::new()));
            if e.0 == mac && !e.1.contains(&router) {
                e.1.push(router);
            }
        }
    }
    out
}

/// Fill in MACs of live hosts we could not ARP ourselves, and add the
/// hosts only a router knows of (never outside the scan's addresses).
fn add_router_arp(probed: &mut Vec<Probed>, wanted: &[Ipv4Addr]) {
    for (ip, (mac, routers)) in router_arp_sightings(probed, wanted) {
        match probed
            .iter_mut()
            .find(|p| p.seen.ip == Some(IpAddr::V4(ip)))
        {
            Some(p) if p.seen.mac.is_none() => {
                p.seen.mac = Some(mac);
                p.seen.via = routers;
                p.seen.sources.push(Source::RouterArp);
                p.seen.sources.sort();
                p.seen.sources.dedup();
            }
            Some(_) => {}
            None => probed.push(Probed {
                seen: Seen {
                    ip: Some(IpAddr::V4(ip)),
                    mac: Some(mac),
                    via: routers,
                    sources: vec![Source::RouterArp],
                    ..Seen::default()
                },
                report: None,
            }),
        }
    }
}

fn assemble(
    ip: Ipv4Addr,
    l: Live,
    snmp: Option<(SnmpReport, Option<IpAddr>)>,
    hostname: Option<String>,
) -> Probed {
    let mut seen = l.seen;
    if snmp.is_some() {
        seen.push(Source::Snmp);
    }
    let hostname = hostname.map(|h| crate::snmp::text::clean(&h, 255));
    if hostname.is_some() {
        seen.push(Source::Dns);
    }
    seen.sort();
    seen.dedup();
    let (report, walked_at) = match snmp {
        Some((r, w)) => (Some(r), w),
        None => (None, None),
    };
    Probed {
        seen: Seen {
            ip: Some(IpAddr::V4(ip)),
            mac: l.mac,
            via: Vec::new(),
            sources: seen,
            rtt_ms: l
                .rtt
                .map(|d| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
            hostname,
            snmp: report.as_ref().map(|r| SnmpSeen {
                version: r.version.clone(),
                credential: r.credential.clone(),
                facts: r.facts().clone(),
                walked_at,
            }),
        },
        report,
    }
}

/// The engine ID in a report's facts (for tests and callers that compare).
pub fn engine_id(report: &SnmpReport) -> Option<Vec<u8>> {
    let oid = Oid::parse(crate::snmp::oids::SNMP_ENGINE_ID.oid)
        .ok()?
        .child(0);
    match report.facts().get(&oid) {
        Some(Value::OctetString(b)) => Some(b.clone()),
        _ => None,
    }
}

/// Re-export for callers that only need the sweep errors.
pub use sweep::SweepError as ProbeError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::tables::ArpRow;

    fn router(ip: &str, rows: &[(&str, &str, &str)]) -> Probed {
        let arp = rows
            .iter()
            .map(|(ip, mac, kind)| ArpRow {
                ip: ip.parse().unwrap(),
                mac: (*mac).into(),
                if_index: Some(2),
                entry_type: Some((*kind).into()),
            })
            .collect();
        Probed {
            seen: Seen {
                ip: Some(ip.parse().unwrap()),
                sources: vec![Source::Icmp, Source::Snmp],
                ..Seen::default()
            },
            report: Some(SnmpReport {
                arp,
                ..SnmpReport::default()
            }),
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
        let probed = vec![
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
        let got = router_arp_sightings(&probed, &wanted);
        let ip7: Ipv4Addr = "198.51.100.7".parse().unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[&ip7],
            (
                [0, 0, 0x0c, 0, 0, 7],
                vec!["198.51.100.1".parse::<IpAddr>().unwrap()]
            ),
            "first router wins"
        );
    }
}
