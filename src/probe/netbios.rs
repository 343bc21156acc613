//! The NetBIOS probe: one node status request (`*`, RFC 1002 §4.2.17) to
//! a host's UDP 137, and its answer's name table and unit ID as facts:
//! `name` (the unique `<00>` name), `workgroup` (the group `<00>` name),
//! `service` (what the other suffixes say it runs, see
//! [`netbios::service_name`]) and `mac` (the unit ID, when not all zero).
//! Unicast to the host only; the socket is connected to it, so nothing
//! from any other address or port is read.

use crate::announce::Announced;
use crate::bucket::Bucket;
use crate::record::Source;
use crate::wire::netbios::{self, NetbiosError, NodeStatus};
use std::net::Ipv4Addr;

/// Datagrams read from the host at most while waiting for the answer.
const MAX_DATAGRAMS: usize = 4;

/// Why the NetBIOS probe of a host found nothing.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The socket could not be made or used.
    #[error("NetBIOS {ip}: {source}")]
    Io {
        /// The host.
        ip: Ipv4Addr,
        /// What failed.
        source: std::io::Error,
    },
    /// The host answered with something that is not a node status.
    #[error("NetBIOS {ip}: {source}")]
    Answer {
        /// The host.
        ip: Ipv4Addr,
        /// What is wrong with it.
        source: NetbiosError,
    },
    /// No answer within the wait [`super::answer_wait`] gives.
    #[error("NetBIOS {0}: no answer")]
    Silent(Ipv4Addr),
}

/// Ask `ip` for its node status.
pub async fn ask(
    ip: Ipv4Addr,
    wait: std::time::Duration,
    bucket: &Bucket,
) -> Result<Vec<Announced>, ProbeError> {
    let io = |source| ProbeError::Io { ip, source };
    let sock = super::connected_udp(ip, netbios::PORT).await.map_err(io)?;
    let id = super::random_u16();
    bucket.acquire(1).await;
    sock.send(&netbios::node_status_request(id))
        .await
        .map_err(io)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = vec![0u8; netbios::MAX_PACKET];
    let mut last = ProbeError::Silent(ip);
    for _ in 0..MAX_DATAGRAMS {
        let Ok(got) = tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await else {
            break;
        };
        // A refusal (ICMP port unreachable) ends it: nobody listens.
        let n = got.map_err(io)?;
        match netbios::decode_node_status(buf.get(..n).unwrap_or_default(), id) {
            Ok(status) => return Ok(facts(&status)),
            Err(source) => last = ProbeError::Answer { ip, source },
        }
    }
    Err(last)
}

/// The facts a node status states.
pub fn facts(status: &NodeStatus) -> Vec<Announced> {
    let mut out = Vec::new();
    let mut put = |key: &str, value: &str| out.extend(Announced::new(Source::Netbios, key, value));
    for n in &status.names {
        match (n.suffix, n.group) {
            (0x00, false) => put("name", &n.name),
            (0x00, true) => put("workgroup", &n.name),
            (suffix, group) => {
                if let Some(s) = netbios::service_name(suffix, group) {
                    put("service", s);
                }
            }
        }
    }
    if let Some(mac) = status.mac {
        put("mac", &crate::wire::format_mac(mac));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::netbios::NameEntry;

    fn entry(name: &str, suffix: u8, group: bool) -> NameEntry {
        NameEntry {
            name: name.into(),
            suffix,
            group,
            active: true,
        }
    }

    #[test]
    fn name_table_becomes_facts() {
        // nmbd's table (see wire::netbios), with a Windows unit ID.
        let status = NodeStatus {
            names: vec![
                entry("LABFILER", 0x00, false),
                entry("LABFILER", 0x03, false),
                entry("LABFILER", 0x20, false),
                entry("LABGROUP", 0x00, true),
                entry("LABGROUP", 0x1e, true),
                entry("\u{1}\u{2}__MSBROWSE__\u{2}", 0x01, true),
                entry("<script>x", 0x00, false),
            ],
            mac: Some([0x00, 0x1b, 0x21, 0x12, 0x34, 0x56]),
        };
        let got: Vec<(String, String)> = facts(&status)
            .into_iter()
            .map(|a| (a.key, a.value))
            .collect();
        let want = [
            ("name", "LABFILER"),
            ("service", "messenger"),
            ("service", "file-server"),
            ("workgroup", "LABGROUP"),
            ("service", "browser-election"),
            ("name", "<script>x"),
            ("mac", "00:1b:21:12:34:56"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
    }
}
