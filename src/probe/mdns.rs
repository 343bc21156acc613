//! The mDNS / DNS-SD probe: legacy unicast queries (RFC 6762 §6.7) from
//! an ephemeral port to one host's port 5353, so it answers us alone.
//! Three rounds, each at most the wait [`super::answer_wait`] gives: the host's service types
//! (`_services._dns-sd._udp.local` PTR), its `.local` name (the reverse
//! PTR) and `_device-info._tcp` instances; then the instances of each
//! type (at most [`MAX_TYPES`]); then each instance's SRV and TXT (at most
//! [`MAX_INSTANCES`]) and the host's `_device-info` TXT. A host that says
//! nothing in the first round is asked nothing more.

use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::wire::mdns::{self, Data, Message, Name, Record};
use std::net::Ipv4Addr;
use std::time::Duration;
use tokio::net::UdpSocket;

/// Service types asked about, at most.
pub const MAX_TYPES: usize = 8;
/// Service instances asked about, at most.
pub const MAX_INSTANCES: usize = 16;
/// Records kept from one host, at most.
pub(crate) const MAX_POOL: usize = 512;
/// TXT pairs kept from one record, at most.
const MAX_PAIRS: usize = 32;
/// Datagrams read per query sent, at most (responders may split answers).
const READS_PER_QUERY: usize = 4;

/// The silence that ends a round once the host has answered something.
const QUIET: Duration = Duration::from_millis(150);

/// The DNS-SD name listing a host's service types (RFC 6763 §9).
pub(crate) const SERVICES: &str = "_services._dns-sd._udp.local";
/// The service type of a host's model description (mDNSResponder).
pub(crate) const DEVICE_INFO: &str = "_device-info._tcp.local";

/// Why the mDNS probe of a host ended without facts.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A socket call failed (an ICMP port unreachable shows here too).
    #[error("mDNS {ip}: {source}")]
    Io {
        /// The host asked.
        ip: Ipv4Addr,
        /// What failed.
        source: std::io::Error,
    },
}

impl ProbeError {
    fn io(ip: Ipv4Addr, source: std::io::Error) -> ProbeError {
        ProbeError::Io { ip, source }
    }
}

/// Ask `ip` what it announces over mDNS.
pub async fn ask(
    ip: Ipv4Addr,
    wait: Duration,
    bucket: &Bucket,
) -> Result<Vec<Announced>, ProbeError> {
    let sock = super::connected_udp(ip, 5353)
        .await
        .map_err(|e| ProbeError::io(ip, e))?;
    let mut ex = Exchange {
        sock,
        ip,
        next_id: super::random_u16(),
        pool: Vec::new(),
        heard: false,
        wait,
    };
    let services = Name::dotted(SERVICES);
    let reverse = mdns::reverse_name(ip);
    let device_info = Name::dotted(DEVICE_INFO);
    let heard = ex
        .round(
            bucket,
            &[
                (services.clone(), mdns::TYPE_PTR),
                (reverse.clone(), mdns::TYPE_PTR),
                (device_info.clone(), mdns::TYPE_PTR),
            ],
        )
        .await?;
    if heard == 0 {
        return Ok(Vec::new());
    }
    let types = types_in(&ex.pool);
    let ask_types: Vec<(Name, u16)> = types.iter().map(|t| (t.clone(), mdns::TYPE_PTR)).collect();
    ex.round(bucket, &ask_types).await?;
    let instances = instances_in(&ex.pool, &types);
    let hostname = pointers(&ex.pool, &reverse)
        .into_iter()
        .next()
        .or_else(|| srv_target(&ex.pool, &instances));
    // What is still missing: each instance's SRV and TXT (one ANY query),
    // and the host's own device-info TXT (mDNSResponder publishes it under
    // the host's first label, with no PTR to find it by).
    let mut ask_last: Vec<(Name, u16)> = instances
        .iter()
        .filter(|i| !(has(&ex.pool, i, mdns::TYPE_SRV) && has(&ex.pool, i, mdns::TYPE_TXT)))
        .map(|i| (i.clone(), mdns::TYPE_ANY))
        .collect();
    if let Some(h) = &hostname
        && let Some(label) = h.labels.first()
    {
        let info = device_info.prepend(label);
        if !instances.contains(&info) && !has(&ex.pool, &info, mdns::TYPE_TXT) {
            ask_last.push((info, mdns::TYPE_TXT));
        }
    }
    ex.round(bucket, &ask_last).await?;
    Ok(facts(&ex.pool, hostname.as_ref(), &types, &instances))
}

/// The service types a host's records list (its `_services._dns-sd._udp`
/// PTRs), at most [`MAX_TYPES`], `_device-info` left out (it is asked
/// anyway).
pub(crate) fn types_in(pool: &[Record]) -> Vec<Name> {
    let device_info = Name::dotted(DEVICE_INFO);
    let mut types: Vec<Name> = Vec::new();
    for t in pointers(pool, &Name::dotted(SERVICES)) {
        if !types.contains(&t) && t != device_info && types.len() < MAX_TYPES {
            types.push(t);
        }
    }
    types
}

/// The instances of `types` (and of `_device-info`) a host's records
/// list, at most [`MAX_INSTANCES`].
pub(crate) fn instances_in(pool: &[Record], types: &[Name]) -> Vec<Name> {
    let device_info = Name::dotted(DEVICE_INFO);
    let mut instances: Vec<Name> = Vec::new();
    for t in types.iter().chain(std::iter::once(&device_info)) {
        for i in pointers(pool, t) {
            if i.parent() == *t && !instances.contains(&i) && instances.len() < MAX_INSTANCES {
                instances.push(i);
            }
        }
    }
    instances
}

/// The host an instance's SRV record names (the first found).
pub(crate) fn srv_target(pool: &[Record], instances: &[Name]) -> Option<Name> {
    pool.iter().find_map(|r| match &r.data {
        Data::Srv { target, .. } if instances.contains(&r.name) => Some(target.clone()),
        _ => None,
    })
}

/// The targets of `name`'s PTR records.
pub(crate) fn pointers(pool: &[Record], name: &Name) -> Vec<Name> {
    pool.iter()
        .filter(|r| r.name == *name)
        .filter_map(|r| match &r.data {
            Data::Ptr(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Whether the pool holds an SRV or TXT record (`rtype`) of `name`.
pub(crate) fn has(pool: &[Record], name: &Name, rtype: u16) -> bool {
    pool.iter().any(|r| {
        r.name == *name
            && matches!(
                (&r.data, rtype),
                (Data::Srv { .. }, mdns::TYPE_SRV) | (Data::Txt(_), mdns::TYPE_TXT)
            )
    })
}

/// What the pool of records says, as facts.
pub(crate) fn facts(
    pool: &[Record],
    hostname: Option<&Name>,
    types: &[Name],
    instances: &[Name],
) -> Vec<Announced> {
    let device_info = Name::dotted(DEVICE_INFO);
    let mut out = Vec::new();
    let mut push = |key: &str, value: &str| out.extend(Announced::new(Source::Mdns, key, value));
    if let Some(h) = hostname {
        push("hostname", &h.text());
    }
    let local = Name::dotted("local");
    for t in types {
        let text = t.text();
        let short = if t.ends_with(&local) {
            text.get(..text.len().saturating_sub(6)).unwrap_or(&text)
        } else {
            &text
        };
        push("service", short);
    }
    for i in instances {
        if i.parent() != device_info {
            push("instance", &i.first());
        }
    }
    for r in pool {
        let Data::Txt(strings) = &r.data else {
            continue;
        };
        let ours = instances.contains(&r.name)
            || (r.name.parent() == device_info
                && hostname.is_some_and(|h| h.labels.first() == r.name.labels.first()));
        if !ours {
            continue;
        }
        for (key, value) in strings
            .iter()
            .filter_map(|s| mdns::txt_pair(s))
            .take(MAX_PAIRS)
        {
            push(&format!("txt:{key}"), &value);
        }
    }
    out
}

struct Exchange {
    sock: UdpSocket,
    ip: Ipv4Addr,
    next_id: u16,
    pool: Vec<Record>,
    /// The host answered an earlier round: it is awake and near, so a
    /// later round that gets no answer waits only [`QUIET`] twice over.
    heard: bool,
    /// How long a round waits for the host's first answer.
    wait: Duration,
}

impl Exchange {
    /// Send `queries` (one datagram each, paid from the bucket) and read
    /// answers until each is answered or the wait is over; the records go
    /// to the pool. Returns how many answers came.
    async fn round(
        &mut self,
        bucket: &Bucket,
        queries: &[(Name, u16)],
    ) -> Result<usize, ProbeError> {
        if queries.is_empty() {
            return Ok(0);
        }
        let mut pending = Vec::new();
        let mut packets = Vec::new();
        for (name, qtype) in queries {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            // A name that cannot be encoded (a hostile instance label) is not asked.
            if let Ok(q) = mdns::query(id, name, *qtype) {
                pending.push(id);
                packets.push(q);
            }
        }
        let n = u32::try_from(packets.len()).unwrap_or(u32::MAX);
        bucket.acquire(n).await;
        for p in &packets {
            self.sock
                .send(p)
                .await
                .map_err(|e| ProbeError::io(self.ip, e))?;
        }
        let wait = if self.heard { QUIET * 2 } else { self.wait };
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = vec![0u8; 65_536];
        let mut answered = 0;
        for _ in 0..packets.len() * READS_PER_QUERY {
            if pending.is_empty() {
                break;
            }
            // A responder answers every query it can at once, and those it
            // cannot not at all: once it has spoken, a short silence ends
            // the round.
            let until = if answered == 0 {
                deadline
            } else {
                deadline.min(tokio::time::Instant::now() + QUIET)
            };
            let Ok(got) = tokio::time::timeout_at(until, self.sock.recv(&mut buf)).await else {
                break;
            };
            // An ICMP port unreachable: nobody listens on 5353.
            let n = got.map_err(|e| ProbeError::io(self.ip, e))?;
            let Some(bytes) = buf.get(..n) else { continue };
            let Ok(Message {
                id,
                response: true,
                records,
            }) = mdns::decode(bytes)
            else {
                tracing::debug!(ip = %self.ip, "mDNS: an answer that does not decode");
                continue;
            };
            if let Some(at) = pending.iter().position(|p| *p == id) {
                pending.swap_remove(at);
                answered += 1;
            }
            let room = MAX_POOL.saturating_sub(self.pool.len());
            self.pool.extend(records.into_iter().take(room));
        }
        self.heard |= answered > 0;
        Ok(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: Name, data: Data) -> Record {
        Record {
            name,
            class: 1,
            ttl: 10,
            data,
        }
    }

    #[test]
    fn facts_from_a_printers_records() {
        let ipp = Name::dotted("_ipp._tcp.local");
        let inst = ipp.prepend(b"HP OfficeJet Pro 8730 [08C229]");
        let host = Name::dotted("HP18602408C229.local");
        let info = Name::dotted(DEVICE_INFO).prepend(b"HP18602408C229");
        let stranger = Name::dotted("_ipp._tcp.local").prepend(b"Someone else");
        let pool = vec![
            rec(
                inst.clone(),
                Data::Txt(vec![
                    b"usb_MFG=HP".to_vec(),
                    b"ty=HP OfficeJet Pro 8730".to_vec(),
                    b"note=".to_vec(),
                    b"Color".to_vec(),
                ]),
            ),
            rec(info, Data::Txt(vec![b"model=<script>x</script>".to_vec()])),
            rec(stranger, Data::Txt(vec![b"usb_MFG=Other".to_vec()])),
        ];
        let got: Vec<(String, String)> = facts(&pool, Some(&host), &[ipp], &[inst])
            .into_iter()
            .map(|a| (a.key, a.value))
            .collect();
        let want = [
            ("hostname", "HP18602408C229.local"),
            ("service", "_ipp._tcp"),
            ("instance", "HP OfficeJet Pro 8730 [08C229]"),
            ("txt:usb_mfg", "HP"),
            ("txt:ty", "HP OfficeJet Pro 8730"),
            ("txt:model", "<script>x</script>"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }
}
