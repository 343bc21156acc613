//! The WS-Discovery probe: two Probes sent unicast to a host's UDP 3702
//! (one for every type, as WS-Discovery §5.1 allows and ONVIF cameras
//! answer; one for `wsdp:Device`, the only one Windows-style responders
//! such as wsdd answer), and the ProbeMatches that come back as facts:
//! `type` (one per QName, e.g. `wprt:PrintDeviceType`), `scope`, `xaddr`.
//! Never multicast (the opt-in segment-wide Probe is
//! [`crate::sweep::multicast::wsd`]); the socket is connected to the
//! host, so nothing from any other address or port is read. The XAddrs are recorded, never
//! fetched.

use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::wire::wsd::{self, ProbeMatches, WsdError};
use std::net::Ipv4Addr;
use std::time::Duration;

/// Datagrams read from the host at most.
const MAX_DATAGRAMS: usize = 8;

/// How long to wait for the second answer once the first has come.
const LINGER: Duration = Duration::from_millis(250);

/// Why the WS-Discovery probe of a host found nothing.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The socket could not be made or used.
    #[error("WS-Discovery {ip}: {source}")]
    Io {
        /// The host.
        ip: Ipv4Addr,
        /// What failed.
        source: std::io::Error,
    },
    /// The host answered with something that is not a ProbeMatches.
    #[error("WS-Discovery {ip}: {source}")]
    Answer {
        /// The host.
        ip: Ipv4Addr,
        /// What is wrong with it.
        source: WsdError,
    },
    /// No answer within the wait [`super::answer_wait`] gives.
    #[error("WS-Discovery {0}: no answer")]
    Silent(Ipv4Addr),
}

/// Probe `ip`.
pub async fn ask(
    ip: Ipv4Addr,
    wait: std::time::Duration,
    bucket: &Bucket,
) -> Result<Vec<Announced>, ProbeError> {
    let io = |source| ProbeError::Io { ip, source };
    let sock = super::connected_udp(ip, wsd::PORT).await.map_err(io)?;
    let ids = [
        wsd::message_id(super::random_16()),
        wsd::message_id(super::random_16()),
    ];
    let probes = [
        wsd::probe(&ids[0], None),
        wsd::probe(&ids[1], Some("wsdp:Device")),
    ];
    bucket.acquire(2).await;
    for p in &probes {
        sock.send(p.as_bytes()).await.map_err(io)?;
    }
    let mut deadline = tokio::time::Instant::now() + wait;
    let mut buf = vec![0u8; wsd::MAX_MESSAGE];
    let mut out = Vec::new();
    let mut answered = 0;
    let mut last = ProbeError::Silent(ip);
    for _ in 0..MAX_DATAGRAMS {
        let Ok(got) = tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await else {
            break;
        };
        let n = got.map_err(io)?;
        match wsd::decode_probe_matches(buf.get(..n).unwrap_or_default()) {
            // An answer to another message is not ours.
            Ok(m) if m.relates_to.as_ref().is_some_and(|r| !ids.contains(r)) => {}
            Ok(m) => {
                out.extend(facts(&m));
                answered += 1;
                if answered == probes.len() {
                    break;
                }
                deadline = deadline.min(tokio::time::Instant::now() + LINGER);
            }
            Err(source) => last = ProbeError::Answer { ip, source },
        }
    }
    if answered == 0 {
        return Err(last);
    }
    crate::announce::tidy(&mut out);
    Ok(out)
}

/// The facts a ProbeMatches states.
pub fn facts(m: &ProbeMatches) -> Vec<Announced> {
    let mut out = Vec::new();
    for pm in &m.matches {
        let lists = [
            ("type", &pm.types),
            ("scope", &pm.scopes),
            ("xaddr", &pm.xaddrs),
        ];
        for (key, values) in lists {
            out.extend(
                values
                    .iter()
                    .filter_map(|v| Announced::new(Source::Wsd, key, v)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_become_facts_cleaned() {
        let hostile = include_str!("../wire/testdata/wsdd2_probe_matches.xml").replace(
            "</wsd:Types>",
            "</wsd:Types><wsd:Scopes>&lt;script&gt;alert(1)&lt;/script&gt;&#x202e;x</wsd:Scopes>",
        );
        let m = wsd::decode_probe_matches(hostile.as_bytes()).unwrap();
        let got: Vec<(String, String)> = facts(&m).into_iter().map(|a| (a.key, a.value)).collect();
        let want = [
            ("type", "wsdp:Device"),
            ("type", "pub:Computer"),
            // The override character goes; the markup stays text (the
            // pages escape it).
            ("scope", "<script>alert(1)</script> x"),
            (
                "xaddr",
                "http://198.18.120.2:3702/3d1219c7-c4c5-404a-aa1f-6d2a48adfda4",
            ),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }
}
