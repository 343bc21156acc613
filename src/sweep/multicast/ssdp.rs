//! The segment-wide SSDP search: one M-SEARCH (`ST: ssdp:all`, `MX: 1`,
//! the unicast probe's own, [`crate::wire::ssdp::msearch`]) sent to
//! 239.255.255.250:1900 out of one interface, and the answers each device
//! sends back by unicast within [`LISTEN`] (devices wait up to `MX`
//! seconds before answering, so the whole window is listened). Then, for
//! each allowed responder, the UPnP description at the first `LOCATION`
//! whose host is the responder's own address, as the unicast probe
//! fetches it ([`crate::probe::ssdp`]): at most [`MAX_FETCHES`], all at
//! once, each paid from the bucket. A location naming any other address
//! or a host name is never fetched.

use super::{Allowed, Dropped, Heard, MAX_RESPONDERS, Window, group_socket, listen};
use crate::bucket::Bucket;
use crate::probe::ssdp::{MAX_ANSWERS, answer_facts, describe, own_location};
use crate::sweep::SweepError;
use crate::sweep::arp::Attached;
use crate::wire::ssdp::{self, Answer};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

/// The SSDP group and port.
pub const GROUP: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(239, 255, 255, 250), 1900);
/// How long the answers are listened for: `MX` (1 s) and a margin.
pub const LISTEN: Duration = Duration::from_millis(1200);
/// Descriptions fetched per segment, at most.
pub const MAX_FETCHES: usize = 32;

/// Search the segment of `g`: each allowed responder's facts (answers and
/// description), and what was dropped.
pub async fn ask(
    g: &Attached,
    allowed: &Allowed,
    bucket: &Arc<Bucket>,
) -> Result<(Heard, Dropped), SweepError> {
    let sock = group_socket(g, "SSDP")?;
    bucket.acquire(1).await;
    sock.send_to(&ssdp::msearch(), GROUP)
        .await
        .map_err(|e| SweepError::io("SSDP", &g.iface.name, e))?;
    let mut answers: BTreeMap<Ipv4Addr, Vec<Answer>> = BTreeMap::new();
    let mut dropped = Dropped::default();
    let mut buf = vec![0u8; 8192];
    let w = Window {
        until: tokio::time::Instant::now() + LISTEN,
        quiet: None,
    };
    listen(&sock, &mut buf, w, allowed, &mut dropped, |ip, bytes| {
        keep(&mut answers, ip, bytes);
    })
    .await;
    drop(sock);
    let mut heard = Heard::new();
    let mut fetches = tokio::task::JoinSet::new();
    for (ip, list) in &answers {
        let facts = answer_facts(list);
        if facts.is_empty() {
            continue;
        }
        heard.insert(*ip, facts);
        if fetches.len() < MAX_FETCHES
            && let Some(loc) = own_location(list, *ip)
        {
            let (ip, bucket) = (*ip, bucket.clone());
            fetches.spawn(async move { (ip, describe(ip, &loc, &bucket).await) });
        }
    }
    // Each fetch is bounded in time and bytes (the unicast probe's bounds).
    while let Some(done) = fetches.join_next().await {
        if let Ok((ip, facts)) = done {
            heard.entry(ip).or_default().extend(facts);
        }
    }
    Ok((heard, dropped))
}

/// Keep one datagram from `ip` when it is an answer, within the bounds
/// ([`MAX_RESPONDERS`], [`MAX_ANSWERS`] each).
fn keep(answers: &mut BTreeMap<Ipv4Addr, Vec<Answer>>, ip: Ipv4Addr, bytes: &[u8]) {
    let Ok(a) = ssdp::parse_answer(bytes) else {
        tracing::debug!(%ip, "multicast SSDP: an answer that does not parse");
        return;
    };
    if answers.len() >= MAX_RESPONDERS && !answers.contains_key(&ip) {
        return;
    }
    let list = answers.entry(ip).or_default();
    if list.len() < MAX_ANSWERS {
        list.push(a);
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
            cut in 0usize..400,
        ) {
            let mut a = BTreeMap::new();
            let ip = Ipv4Addr::new(198, 18, 161, 24);
            keep(&mut a, ip, &bytes);
            // A real answer cut anywhere, or with garbage after its head.
            let mut mangled = ANSWER.as_bytes()[..cut.min(ANSWER.len())].to_vec();
            mangled.extend_from_slice(&bytes);
            keep(&mut a, ip, &mangled);
            prop_assert!(a.get(&ip).is_none_or(|l| l.len() <= 2));
            if let Some(list) = a.get(&ip) {
                let _ = answer_facts(list);
                let _ = own_location(list, ip);
            }
        }
    }

    /// An answer as gmediarender (libupnp 1.8) sends it.
    const ANSWER: &str = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\n\
        DATE: Mon, 01 Jan 2024 00:00:00 GMT\r\nEXT:\r\n\
        LOCATION: http://198.18.161.24:49494/description.xml\r\n\
        SERVER: Linux/6.1.0 UPnP/1.0 Portable SDK for UPnP devices/1.8.4\r\n\
        ST: upnp:rootdevice\r\n\
        USN: uuid:b827eb6e-0018-4000-8000-b827eb6e0018::upnp:rootdevice\r\n\r\n";

    #[test]
    fn answers_are_kept_per_responder_within_bounds() {
        let mut a = BTreeMap::new();
        let ip = Ipv4Addr::new(198, 18, 161, 24);
        for _ in 0..100 {
            keep(&mut a, ip, ANSWER.as_bytes());
        }
        keep(&mut a, ip, b"NOTIFY * HTTP/1.1\r\n\r\n");
        keep(&mut a, ip, b"\x00\xff garbage");
        assert_eq!(a.len(), 1);
        assert_eq!(a[&ip].len(), MAX_ANSWERS);
        for i in 0..1000u32 {
            keep(&mut a, Ipv4Addr::from(0xc612_a300 + i), ANSWER.as_bytes());
        }
        assert_eq!(a.len(), MAX_RESPONDERS);
        // The location is the responder's own: it would be fetched; from
        // another address it would not.
        assert!(own_location(&a[&ip], ip).is_some());
        let other = Ipv4Addr::new(198, 18, 161, 25);
        assert!(own_location(&a[&ip], other).is_none());
    }
}
