//! Segment-wide probes of one run, on each attached segment the job may
//! reach as a whole (none where it excludes an address): a DHCP DISCOVER,
//! and the multicast mDNS / DNS-SD query, SSDP M-SEARCH and WS-Discovery
//! Probe ([`crate::sweep::multicast`]), spawned beside the liveness sweep.
//! The DHCP servers that offered are one sighting each; each target that
//! answered a multicast query is one sighting with its facts, under the
//! MAC liveness found for it, so that it is the same subject as the
//! host's own sighting in the run (one device, both sets of facts); a
//! target that answered only the multicast query is recorded all the same.

use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::{Seen, Source};
use crate::sweep::arp::Attached;
use crate::sweep::dhcp::SegmentOffer;
use crate::sweep::multicast::{self, Allowed};
use crate::target;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// What the segment task hands back.
#[derive(Debug, Default)]
pub(super) struct Heard {
    /// The DHCP offers.
    offers: Vec<SegmentOffer>,
    /// What each target that answered a multicast query said.
    announced: BTreeMap<Ipv4Addr, Vec<Announced>>,
    /// Why a probe failed on a segment.
    errors: Vec<String>,
}

/// Start the segment-wide probes on `groups`' segments under `plan`'s
/// budget, keeping multicast answers from `targets` only (the run's
/// addresses: targets less exclusions); why a segment is left out goes to
/// `warnings`. The segments are asked one after another; on each, the
/// four probes at once.
pub(super) fn spawn(
    groups: &[Attached],
    plan: &super::RunPlan,
    targets: Vec<Ipv4Addr>,
    bucket: &std::sync::Arc<Bucket>,
    warnings: &mut Vec<String>,
) -> tokio::task::JoinHandle<Heard> {
    let segments = segment_probe_plan(groups, &plan.exclude, warnings);
    let bucket = bucket.clone();
    let allowed = Allowed::new(targets);
    // The transaction id only tells our offers from others'.
    let xid = u32::try_from(plan.seed & 0xffff_ffff).unwrap_or(0) ^ std::process::id();
    tokio::spawn(async move {
        let mut heard = Heard::default();
        for g in &segments {
            let dhcp = async {
                bucket.acquire(1).await;
                crate::sweep::dhcp::probe(g, xid, DHCP_WAIT).await
            };
            let (dhcp, (announced, errors)) =
                tokio::join!(dhcp, multicast::probe(g, &allowed, &bucket));
            match dhcp {
                Ok(o) => heard.offers.extend(o),
                Err(e) => heard.errors.push(format!("DHCP discover failed: {e}")),
            }
            heard.errors.extend(
                errors
                    .into_iter()
                    .map(|e| format!("{} on {}", e, g.iface.name)),
            );
            for (ip, facts) in announced {
                heard.announced.entry(ip).or_default().extend(facts);
            }
        }
        heard
    })
}

/// The task's sightings (one per DHCP server, one per target that
/// answered a multicast query, under the MAC `mac_of` knows for it) and
/// errors.
pub(super) async fn collect(
    task: tokio::task::JoinHandle<Heard>,
    mac_of: impl Fn(Ipv4Addr) -> Option<[u8; 6]>,
) -> (Vec<Seen>, Vec<String>) {
    match task.await {
        Ok(heard) => {
            let mut seen: Vec<Seen> = offers_by_server(&heard.offers)
                .into_iter()
                .map(|(server, lines)| Seen {
                    ip: Some(IpAddr::V4(server)),
                    sources: vec![Source::Dhcp],
                    dhcp_offers: lines,
                    ..Seen::default()
                })
                .collect();
            seen.extend(announced_sightings(heard.announced, mac_of));
            (seen, heard.errors)
        }
        Err(e) => (Vec::new(), vec![format!("segment probes failed: {e}")]),
    }
}

/// One sighting per answering target: its facts (tidied), the sources
/// that heard it, and the MAC liveness found for it, if any.
fn announced_sightings(
    announced: BTreeMap<Ipv4Addr, Vec<Announced>>,
    mac_of: impl Fn(Ipv4Addr) -> Option<[u8; 6]>,
) -> Vec<Seen> {
    announced
        .into_iter()
        .filter_map(|(ip, mut facts)| {
            crate::announce::tidy(&mut facts);
            if facts.is_empty() {
                return None;
            }
            let mut sources: Vec<Source> = facts.iter().map(|a| a.source).collect();
            sources.sort();
            sources.dedup();
            Some(Seen {
                ip: Some(IpAddr::V4(ip)),
                mac: mac_of(ip),
                sources,
                announced: facts,
                ..Seen::default()
            })
        })
        .collect()
}

/// How long the DHCP probe listens for offers: servers that ping an address
/// before offering it wait for the echo first (dnsmasq in the lab test
/// offers only after 3 s).
const DHCP_WAIT: Duration = Duration::from_secs(5);

/// The attached segments the segment-wide probes may go to: never one
/// where the job excludes an address (every host on a segment hears a
/// broadcast or a multicast query).
fn segment_probe_plan(
    groups: &[Attached],
    exclude: &[target::Target],
    warnings: &mut Vec<String>,
) -> Vec<Attached> {
    let excluded = target::AddrSet::of_exclusions(exclude);
    let mut out = Vec::new();
    for g in groups {
        let Some(net) = crate::sweep::dhcp::segment(g) else {
            continue;
        };
        let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
        let overlaps = excluded.ranges().iter().any(|&(a, b)| a <= hi && b >= lo);
        if overlaps {
            warnings.push(format!(
                "no DHCP discover, multicast mDNS query, SSDP M-SEARCH or WS-Discovery probe on {}: \
                 the job excludes addresses on {net}, and every host there would hear them",
                g.iface.name
            ));
        } else {
            out.push(g.clone());
        }
    }
    out
}

/// Offers grouped by server, each described once, servers in order.
fn offers_by_server(offers: &[SegmentOffer]) -> std::collections::BTreeMap<Ipv4Addr, Vec<String>> {
    let mut out: std::collections::BTreeMap<Ipv4Addr, Vec<String>> = Default::default();
    for o in offers {
        let line = o.offer.describe();
        let e = out.entry(o.server()).or_default();
        if !e.contains(&line) && e.len() < 8 {
            e.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(o: u8) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, 161, o)
    }

    fn fact(source: Source, key: &str, value: &str) -> Announced {
        Announced::new(source, key, value).unwrap()
    }

    #[test]
    fn answering_targets_are_sightings_under_the_mac_liveness_found() {
        let mac = [0x3c, 0xd9, 0x2b, 0x6e, 0x00, 0x14];
        let mut heard = BTreeMap::new();
        heard.insert(
            ip(20),
            vec![
                fact(Source::Ssdp, "server", "minidlna"),
                fact(Source::Mdns, "service", "_ipp._tcp"),
                fact(Source::Mdns, "service", "_ipp._tcp"),
            ],
        );
        // A phone that drops ICMP: heard only by multicast, no MAC known.
        heard.insert(ip(21), vec![fact(Source::Mdns, "hostname", "phone.local")]);
        heard.insert(ip(22), Vec::new());
        let seen = announced_sightings(heard, |a| (a == ip(20)).then_some(mac));
        assert_eq!(seen.len(), 2, "{seen:#?}");
        assert_eq!(seen[0].ip, Some(IpAddr::V4(ip(20))));
        assert_eq!(seen[0].mac, Some(mac));
        assert_eq!(seen[0].sources, [Source::Mdns, Source::Ssdp]);
        assert_eq!(seen[0].announced.len(), 2, "tidied");
        assert_eq!(seen[1].ip, Some(IpAddr::V4(ip(21))));
        assert_eq!(seen[1].mac, None);
        assert_eq!(seen[1].sources, [Source::Mdns]);
    }

    #[test]
    fn heard_by_multicast_and_unicast_is_one_device_with_both_facts() {
        let mac = [0x3c, 0xd9, 0x2b, 0x6e, 0x00, 0x14];
        let unicast = Seen {
            ip: Some(IpAddr::V4(ip(20))),
            mac: Some(mac),
            sources: vec![Source::Arp, Source::Tcp],
            announced: vec![fact(Source::Tcp, "open", "631")],
            ..Seen::default()
        };
        let mut heard = BTreeMap::new();
        heard.insert(ip(20), vec![fact(Source::Mdns, "service", "_ipp._tcp")]);
        heard.insert(ip(21), vec![fact(Source::Mdns, "hostname", "phone.local")]);
        let mut all = vec![unicast];
        all.extend(announced_sightings(heard, |a| (a == ip(20)).then_some(mac)));
        // The same subject as the host's own sighting, so the store keeps
        // one subject with both sets of tuples.
        assert_eq!(
            crate::record::subject(&all[0]),
            crate::record::subject(&all[1])
        );
        let sightings: Vec<_> = all.iter().map(crate::record::sighting).collect();
        let groups = crate::identity::group(&sightings);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        assert_eq!(groups[0].members, [0, 1]);
        assert_eq!(groups[1].members, [2]);
    }
}
