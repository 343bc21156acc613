//! The segment-wide WS-Discovery Probe: the unicast probe's two Probes
//! ([`crate::probe::wsd`]: one for every type, one for `wsdp:Device`)
//! sent to 239.255.255.250:3702 out of one interface, and the
//! ProbeMatches each target service sends back by unicast within
//! [`LISTEN`] (responders wait up to 500 ms, WS-Discovery's
//! `APP_MAX_DELAY`, so the whole window is listened). A match relating to
//! another message is not ours. The XAddrs are recorded, never fetched.

use super::{Allowed, Dropped, Heard, MAX_RESPONDERS, Window, group_socket, listen};
use crate::bucket::Bucket;
use crate::probe::wsd::facts;
use crate::sweep::SweepError;
use crate::sweep::arp::Attached;
use crate::wire::wsd;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

/// The WS-Discovery group and port.
pub const GROUP: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(239, 255, 255, 250), wsd::PORT);
/// How long the answers are listened for.
pub const LISTEN: Duration = Duration::from_millis(1000);
/// ProbeMatches read from one responder, at most.
pub const MAX_PER_RESPONDER: usize = 8;

/// Probe the segment of `g`: each allowed responder's facts, and what was
/// dropped.
pub async fn ask(
    g: &Attached,
    allowed: &Allowed,
    bucket: &Bucket,
) -> Result<(Heard, Dropped), SweepError> {
    let sock = group_socket(g, "WS-Discovery")?;
    let ids = [
        wsd::message_id(crate::probe::random_16()),
        wsd::message_id(crate::probe::random_16()),
    ];
    let probes = [
        wsd::probe(&ids[0], None),
        wsd::probe(&ids[1], Some("wsdp:Device")),
    ];
    bucket.acquire(2).await;
    for p in &probes {
        sock.send_to(p.as_bytes(), GROUP)
            .await
            .map_err(|e| SweepError::io("WS-Discovery", &g.iface.name, e))?;
    }
    let mut heard = Heard::new();
    let mut counts: BTreeMap<Ipv4Addr, usize> = BTreeMap::new();
    let mut dropped = Dropped::default();
    let mut buf = vec![0u8; wsd::MAX_MESSAGE];
    let w = Window {
        until: tokio::time::Instant::now() + LISTEN,
        quiet: None,
    };
    listen(&sock, &mut buf, w, allowed, &mut dropped, |ip, bytes| {
        keep(&mut heard, &mut counts, &ids, ip, bytes);
    })
    .await;
    Ok((heard, dropped))
}

/// Keep one datagram from `ip` when it is a ProbeMatches for one of
/// `ids` (or names none), within the bounds ([`MAX_RESPONDERS`],
/// [`MAX_PER_RESPONDER`] each).
fn keep(
    heard: &mut Heard,
    counts: &mut BTreeMap<Ipv4Addr, usize>,
    ids: &[String],
    ip: Ipv4Addr,
    bytes: &[u8],
) {
    if counts.len() >= MAX_RESPONDERS && !counts.contains_key(&ip) {
        return;
    }
    let n = counts.entry(ip).or_default();
    if *n >= MAX_PER_RESPONDER {
        return;
    }
    *n += 1;
    match wsd::decode_probe_matches(bytes) {
        Ok(m) if m.relates_to.as_ref().is_some_and(|r| !ids.contains(r)) => {}
        Ok(m) => heard.entry(ip).or_default().extend(facts(&m)),
        Err(e) => tracing::debug!(%ip, error = %e, "multicast WS-Discovery: not a ProbeMatches"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_datagram_is_kept_or_dropped_never_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2000),
            cut in 0usize..1200,
        ) {
            let (mut heard, mut counts) = (Heard::new(), BTreeMap::new());
            let ip = Ipv4Addr::new(198, 18, 161, 30);
            let ids = ["urn:uuid:5cc4b83f-de80-4f74-8426-05f494883c57".to_string()];
            keep(&mut heard, &mut counts, &ids, ip, &bytes);
            // The real answer cut anywhere, with garbage after the cut.
            let mut mangled = WSDD2.as_bytes()[..cut.min(WSDD2.len())].to_vec();
            mangled.extend_from_slice(&bytes);
            keep(&mut heard, &mut counts, &ids, ip, &mangled);
            prop_assert_eq!(counts.get(&ip).copied(), Some(2));
        }
    }

    const WSDD2: &str = include_str!("../../wire/testdata/wsdd2_probe_matches.xml");

    #[test]
    fn matches_are_kept_per_responder_for_our_messages_only() {
        let m = wsd::decode_probe_matches(WSDD2.as_bytes()).unwrap();
        let ours = [m.relates_to.clone().unwrap()];
        let ip = Ipv4Addr::new(198, 18, 161, 30);
        let (mut heard, mut counts) = (Heard::new(), BTreeMap::new());
        keep(
            &mut heard,
            &mut counts,
            &["urn:uuid:other".into()],
            ip,
            WSDD2.as_bytes(),
        );
        assert!(heard.is_empty(), "another message's match");
        keep(&mut heard, &mut counts, &ours, ip, WSDD2.as_bytes());
        keep(&mut heard, &mut counts, &ours, ip, b"<not xml");
        let types: Vec<&str> = heard[&ip]
            .iter()
            .filter(|a| a.key == "type")
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(types, ["wsdp:Device", "pub:Computer"]);
        // A flood from one responder stops counting at the bound.
        for _ in 0..100 {
            keep(&mut heard, &mut counts, &ours, ip, WSDD2.as_bytes());
        }
        assert_eq!(counts[&ip], MAX_PER_RESPONDER);
        assert_eq!(
            heard[&ip].len(),
            (MAX_PER_RESPONDER - 2) * 3,
            "six matches of three facts (one wrong id, one garbage)\n{:?}",
            heard[&ip]
        );
    }
}
