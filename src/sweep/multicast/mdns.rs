//! The segment-wide mDNS / DNS-SD query: standard queries without the
//! unicast-response (QU) bit, sent from an ephemeral port to
//! 224.0.0.251:5353 out of one interface. From a port other than 5353 they
//! are legacy unicast queries (RFC 6762 §6.7): each responder on the
//! segment answers by unicast to that port, so only this socket reads the
//! answers and nothing is multicast back. The same three rounds as the
//! unicast probe ([`crate::probe::mdns`]), asked of the whole segment:
//! every service type (`_services._dns-sd._udp.local` PTR) and
//! `_device-info._tcp` instance; then the instances of every type heard
//! (at most [`MAX_GROUP_TYPES`]) and each responder's reverse name; then
//! what is still missing (each instance's SRV and TXT, each host's
//! `_device-info` TXT; at most [`MAX_FOLLOW_UPS`] questions). Each round
//! listens at most [`ROUNDS`] (and [`QUIET`] after the last answer). The
//! records each responder sent become its facts, with the unicast probe's
//! keys; a responder that said nothing in the first round is asked
//! nothing more.

use super::{Allowed, Dropped, Heard, MAX_RESPONDERS, Window, group_socket, listen};
use crate::bucket::Bucket;
use crate::probe::mdns::{
    self as unicast, DEVICE_INFO, MAX_POOL, MAX_TYPES, SERVICES, has, instances_in, pointers,
    srv_target, types_in,
};
use crate::sweep::SweepError;
use crate::sweep::arp::Attached;
use crate::wire::mdns::{self, Data, Message, Name, Record};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;
use tokio::net::UdpSocket;

/// The mDNS group and port.
pub const GROUP: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353);
/// The longest each of the three rounds listens.
pub const ROUNDS: [Duration; 3] = [
    Duration::from_millis(600),
    Duration::from_millis(400),
    Duration::from_millis(300),
];
/// The silence that ends a round once an answer came.
pub const QUIET: Duration = Duration::from_millis(200);
/// Service types asked of the whole segment, at most.
pub const MAX_GROUP_TYPES: usize = 16;
/// Questions about single responders (reverse names, instances,
/// device-info) in one round, at most.
pub const MAX_FOLLOW_UPS: usize = 64;

/// Ask the segment of `g` over mDNS: each allowed responder's facts, and
/// what was dropped.
pub async fn ask(
    g: &Attached,
    allowed: &Allowed,
    bucket: &Bucket,
) -> Result<(Heard, Dropped), SweepError> {
    let sock = group_socket(g, "mDNS")?;
    let mut ex = Exchange {
        sock,
        iface: g.iface.name.clone(),
        next_id: crate::probe::random_u16(),
        sent: Vec::new(),
        pools: BTreeMap::new(),
        dropped: Dropped::default(),
        buf: vec![0u8; 65_536],
    };
    let [first, second, third] = ROUNDS;
    let services = Name::dotted(SERVICES);
    let device_info = Name::dotted(DEVICE_INFO);
    ex.round(
        bucket,
        allowed,
        &[(services, mdns::TYPE_PTR), (device_info, mdns::TYPE_PTR)],
        first,
    )
    .await?;
    if ex.pools.is_empty() {
        return Ok((Heard::new(), ex.dropped));
    }
    let asked = group_types(&ex.pools);
    let mut second_round: Vec<(Name, u16)> =
        asked.iter().map(|t| (t.clone(), mdns::TYPE_PTR)).collect();
    second_round.extend(
        ex.pools
            .keys()
            .take(MAX_FOLLOW_UPS)
            .map(|ip| (mdns::reverse_name(*ip), mdns::TYPE_PTR)),
    );
    ex.round(bucket, allowed, &second_round, second).await?;
    let third_round = follow_ups(&ex.pools, &asked);
    ex.round(bucket, allowed, &third_round, third).await?;
    let heard = ex
        .pools
        .iter()
        .map(|(ip, pool)| (*ip, responder_facts(*ip, pool, &asked)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    Ok((heard, ex.dropped))
}

/// The service types asked of the whole segment: every type a responder
/// listed, in address order, at most [`MAX_GROUP_TYPES`].
fn group_types(pools: &BTreeMap<Ipv4Addr, Vec<Record>>) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for pool in pools.values() {
        for t in types_in(pool) {
            if out.len() < MAX_GROUP_TYPES && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// A responder's service types: those it listed, and those of `asked`
/// it answered with an instance (at most the unicast probe's bound).
fn host_types(pool: &[Record], asked: &[Name]) -> Vec<Name> {
    let mut out = types_in(pool);
    for t in asked {
        if out.len() < MAX_TYPES
            && !out.contains(t)
            && pointers(pool, t).iter().any(|i| i.parent() == *t)
        {
            out.push(t.clone());
        }
    }
    out
}

/// A responder's `.local` name: what its reverse name points to, else
/// the name of an A record holding its own address, else its instances'
/// SRV target.
fn hostname(ip: Ipv4Addr, pool: &[Record], instances: &[Name]) -> Option<Name> {
    pointers(pool, &mdns::reverse_name(ip))
        .into_iter()
        .next()
        .or_else(|| {
            pool.iter().find_map(|r| match r.data {
                Data::A(a) if a == ip => Some(r.name.clone()),
                _ => None,
            })
        })
        .or_else(|| srv_target(pool, instances))
}

/// The last round's questions, each about one responder's own names: an
/// ANY for each instance whose SRV or TXT is missing, the host's
/// `_device-info` TXT (under its first label, where mDNSResponder puts
/// it); at most [`MAX_FOLLOW_UPS`].
fn follow_ups(pools: &BTreeMap<Ipv4Addr, Vec<Record>>, asked: &[Name]) -> Vec<(Name, u16)> {
    let device_info = Name::dotted(DEVICE_INFO);
    let mut out: Vec<(Name, u16)> = Vec::new();
    let mut push = |q: (Name, u16)| {
        if out.len() < MAX_FOLLOW_UPS && !out.contains(&q) {
            out.push(q);
        }
    };
    for (ip, pool) in pools {
        let types = host_types(pool, asked);
        let instances = instances_in(pool, &types);
        for i in &instances {
            if !(has(pool, i, mdns::TYPE_SRV) && has(pool, i, mdns::TYPE_TXT)) {
                push((i.clone(), mdns::TYPE_ANY));
            }
        }
        if let Some(h) = hostname(*ip, pool, &instances)
            && let Some(label) = h.labels.first()
        {
            let info = device_info.prepend(label);
            if !instances.contains(&info) && !has(pool, &info, mdns::TYPE_TXT) {
                push((info, mdns::TYPE_TXT));
            }
        }
    }
    out
}

/// One responder's records as facts, as the unicast probe makes them.
fn responder_facts(
    ip: Ipv4Addr,
    pool: &[Record],
    asked: &[Name],
) -> Vec<crate::announce::Announced> {
    let types = host_types(pool, asked);
    let instances = instances_in(pool, &types);
    let host = hostname(ip, pool, &instances);
    unicast::facts(pool, host.as_ref(), &types, &instances)
}

struct Exchange {
    sock: UdpSocket,
    iface: String,
    next_id: u16,
    /// The ids of every query sent: an answer to another is not ours.
    sent: Vec<u16>,
    /// Each allowed responder's records (at most [`MAX_RESPONDERS`]
    /// responders, [`MAX_POOL`] records each).
    pools: BTreeMap<Ipv4Addr, Vec<Record>>,
    dropped: Dropped,
    buf: Vec<u8>,
}

impl Exchange {
    /// Send `queries` to the group (one datagram each, paid from the
    /// bucket) and listen for at most `wait`; the answers' records go to
    /// their responders' pools.
    async fn round(
        &mut self,
        bucket: &Bucket,
        allowed: &Allowed,
        queries: &[(Name, u16)],
        wait: Duration,
    ) -> Result<(), SweepError> {
        let mut packets = Vec::new();
        for (name, qtype) in queries {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            // A name that cannot be encoded (a hostile instance label) is not asked.
            if let Ok(q) = mdns::query(id, name, *qtype) {
                self.sent.push(id);
                packets.push(q);
            }
        }
        if packets.is_empty() {
            return Ok(());
        }
        bucket
            .acquire(u32::try_from(packets.len()).unwrap_or(u32::MAX))
            .await;
        for p in &packets {
            self.sock
                .send_to(p, GROUP)
                .await
                .map_err(|e| SweepError::io("mDNS", &self.iface, e))?;
        }
        let w = Window {
            until: tokio::time::Instant::now() + wait,
            quiet: Some(QUIET),
        };
        let (sent, pools) = (&self.sent, &mut self.pools);
        listen(
            &self.sock,
            &mut self.buf,
            w,
            allowed,
            &mut self.dropped,
            |ip, bytes| {
                let Ok(Message {
                    id,
                    response: true,
                    records,
                }) = mdns::decode(bytes)
                else {
                    tracing::debug!(%ip, "multicast mDNS: an answer that does not decode");
                    return;
                };
                if !sent.contains(&id) {
                    return;
                }
                if pools.len() >= MAX_RESPONDERS && !pools.contains_key(&ip) {
                    return;
                }
                let pool = pools.entry(ip).or_default();
                let room = MAX_POOL.saturating_sub(pool.len());
                pool.extend(records.into_iter().take(room));
            },
        )
        .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_answer_makes_bounded_questions_and_facts(
            datagrams in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..8),
        ) {
            let mut p: BTreeMap<Ipv4Addr, Vec<Record>> = pools();
            for (i, d) in datagrams.iter().enumerate() {
                // A real answer's head with arbitrary records after it.
                let mut bytes = vec![0, 1, 0x84, 0, 0, 0, 0, 8, 0, 0, 0, 0];
                bytes.extend_from_slice(d);
                for b in [&bytes[..], &d[..]] {
                    if let Ok(m) = mdns::decode(b) {
                        p.entry(ip(u8::try_from(i).unwrap_or(0)))
                            .or_default()
                            .extend(m.records);
                    }
                }
            }
            let asked = group_types(&p);
            prop_assert!(asked.len() <= MAX_GROUP_TYPES);
            prop_assert!(follow_ups(&p, &asked).len() <= MAX_FOLLOW_UPS);
            for (a, pool) in &p {
                let _ = responder_facts(*a, pool, &asked);
            }
        }
    }

    fn rec(name: Name, data: Data) -> Record {
        Record {
            name,
            class: 1,
            ttl: 10,
            data,
        }
    }

    fn ip(o: u8) -> Ipv4Addr {
        Ipv4Addr::new(198, 18, 161, o)
    }

    /// A printer's and a laptop's answers to the first two rounds, as
    /// avahi-daemon sends them (legacy unicast: the additional records
    /// folded into the answer section).
    fn pools() -> BTreeMap<Ipv4Addr, Vec<Record>> {
        let services = Name::dotted(SERVICES);
        let ipp = Name::dotted("_ipp._tcp.local");
        let http = Name::dotted("_http._tcp.local");
        let smb = Name::dotted("_smb._tcp.local");
        let printer = ipp.prepend(b"HP OfficeJet Pro 8730 [08C229]");
        let web = http.prepend(b"HP OfficeJet Pro 8730 [08C229]");
        let laptop = smb.prepend(b"Alices-MacBook-Pro");
        let mut out = BTreeMap::new();
        out.insert(
            ip(20),
            vec![
                rec(services.clone(), Data::Ptr(ipp.clone())),
                rec(services.clone(), Data::Ptr(http.clone())),
                rec(ipp.clone(), Data::Ptr(printer.clone())),
                rec(
                    printer.clone(),
                    Data::Srv {
                        priority: 0,
                        weight: 0,
                        port: 631,
                        target: Name::dotted("HP18602408C229.local"),
                    },
                ),
                rec(
                    printer,
                    Data::Txt(vec![b"ty=HP OfficeJet Pro 8730".to_vec()]),
                ),
                rec(http.clone(), Data::Ptr(web)),
                rec(Name::dotted("HP18602408C229.local"), Data::A(ip(20))),
            ],
        );
        out.insert(
            ip(22),
            vec![
                rec(services, Data::Ptr(smb.clone())),
                rec(smb, Data::Ptr(laptop)),
                rec(
                    mdns::reverse_name(ip(22)),
                    Data::Ptr(Name::dotted("Alices-MacBook-Pro.local")),
                ),
                // Someone else's address: not this responder's name.
                rec(Name::dotted("other.local"), Data::A(ip(99))),
            ],
        );
        out
    }

    #[test]
    fn the_segment_is_asked_every_type_once() {
        let got: Vec<String> = group_types(&pools()).iter().map(Name::text).collect();
        assert_eq!(
            got,
            ["_ipp._tcp.local", "_http._tcp.local", "_smb._tcp.local"]
        );
    }

    #[test]
    fn follow_ups_ask_only_what_each_responder_lacks() {
        let p = pools();
        let asked = group_types(&p);
        let got: Vec<(String, u16)> = follow_ups(&p, &asked)
            .into_iter()
            .map(|(n, t)| (n.text(), t))
            .collect();
        let want = [
            // The printer's web page has no SRV or TXT yet; its IPP
            // instance has both.
            (
                "HP OfficeJet Pro 8730 [08C229]._http._tcp.local",
                mdns::TYPE_ANY,
            ),
            ("HP18602408C229._device-info._tcp.local", mdns::TYPE_TXT),
            ("Alices-MacBook-Pro._smb._tcp.local", mdns::TYPE_ANY),
            ("Alices-MacBook-Pro._device-info._tcp.local", mdns::TYPE_TXT),
        ];
        let want: Vec<(String, u16)> = want.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn follow_ups_are_bounded() {
        let services = Name::dotted(SERVICES);
        let mut p = BTreeMap::new();
        for o in 0..200u8 {
            let t = Name::dotted("_ipp._tcp.local");
            p.insert(
                Ipv4Addr::new(198, 18, 162, o),
                vec![
                    rec(services.clone(), Data::Ptr(t.clone())),
                    rec(t.clone(), Data::Ptr(t.prepend(&[b'a', o]))),
                ],
            );
        }
        let asked = group_types(&p);
        assert_eq!(asked.len(), 1);
        assert_eq!(follow_ups(&p, &asked).len(), MAX_FOLLOW_UPS);
    }

    #[test]
    fn each_responder_gets_its_own_facts() {
        let p = pools();
        let asked = group_types(&p);
        let facts = |o: u8| -> Vec<(String, String)> {
            responder_facts(ip(o), &p[&ip(o)], &asked)
                .into_iter()
                .map(|a| (a.key, a.value))
                .collect()
        };
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            facts(20),
            pairs(&[
                ("hostname", "HP18602408C229.local"),
                ("service", "_ipp._tcp"),
                ("service", "_http._tcp"),
                ("instance", "HP OfficeJet Pro 8730 [08C229]"),
                ("instance", "HP OfficeJet Pro 8730 [08C229]"),
                ("txt:ty", "HP OfficeJet Pro 8730"),
            ])
        );
        assert_eq!(
            facts(22),
            pairs(&[
                ("hostname", "Alices-MacBook-Pro.local"),
                ("service", "_smb._tcp"),
                ("instance", "Alices-MacBook-Pro"),
            ])
        );
    }

    #[test]
    fn hostname_prefers_the_reverse_name_then_its_own_a_record() {
        let p = pools();
        assert_eq!(
            hostname(ip(22), &p[&ip(22)], &[]).map(|n| n.text()),
            Some("Alices-MacBook-Pro.local".into())
        );
        assert_eq!(
            hostname(ip(20), &p[&ip(20)], &[]).map(|n| n.text()),
            Some("HP18602408C229.local".into())
        );
        // Another address's A record names someone else.
        let only_other = vec![rec(Name::dotted("other.local"), Data::A(ip(99)))];
        assert_eq!(hostname(ip(22), &only_other, &[]), None);
    }
}
