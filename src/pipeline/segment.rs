//! Segment-wide probes of one run: a DHCP DISCOVER on each attached
//! segment the job may broadcast on (none where it excludes an address),
//! spawned beside the liveness sweep, and the servers that offered, one
//! sighting each.

use crate::bucket::Bucket;
use crate::record::{Seen, Source};
use crate::sweep::arp::Attached;
use crate::sweep::dhcp::SegmentOffer;
use crate::target;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// What the DHCP task hands back: the offers, and why a segment failed.
pub(super) type Heard = (Vec<SegmentOffer>, Vec<String>);

/// Start the DHCP probe on `groups`' segments under `plan`'s budget; why a
/// segment is left out goes to `warnings`.
pub(super) fn spawn(
    groups: &[Attached],
    plan: &super::RunPlan,
    bucket: &std::sync::Arc<Bucket>,
    warnings: &mut Vec<String>,
) -> tokio::task::JoinHandle<Heard> {
    let segments = segment_probe_plan(groups, &plan.exclude, warnings);
    let bucket = bucket.clone();
    // The transaction id only tells our offers from others'.
    let xid = u32::try_from(plan.seed & 0xffff_ffff).unwrap_or(0) ^ std::process::id();
    tokio::spawn(async move {
        let mut offers = Vec::new();
        let mut errors = Vec::new();
        for g in &segments {
            bucket.acquire(1).await;
            match crate::sweep::dhcp::probe(g, xid, DHCP_WAIT).await {
                Ok(o) => offers.extend(o),
                Err(e) => errors.push(format!("DHCP discover failed: {e}")),
            }
        }
        (offers, errors)
    })
}

/// The task's sightings (one per server) and errors.
pub(super) async fn collect(task: tokio::task::JoinHandle<Heard>) -> (Vec<Seen>, Vec<String>) {
    match task.await {
        Ok((offers, errors)) => {
            let seen = offers_by_server(&offers)
                .into_iter()
                .map(|(server, lines)| Seen {
                    ip: Some(IpAddr::V4(server)),
                    sources: vec![Source::Dhcp],
                    dhcp_offers: lines,
                    ..Seen::default()
                })
                .collect();
            (seen, errors)
        }
        Err(e) => (Vec::new(), vec![format!("DHCP discover failed: {e}")]),
    }
}

/// How long the DHCP probe listens for offers: servers that ping an address
/// before offering it wait for the echo first (dnsmasq in the lab test
/// offers only after 3 s).
const DHCP_WAIT: Duration = Duration::from_secs(5);

/// The attached segments a DHCP DISCOVER may go to: never one where the
/// job excludes an address (every host on a segment hears a broadcast).
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
                "no DHCP discover on {}: the job excludes addresses on {net}, and every host there would hear it",
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
