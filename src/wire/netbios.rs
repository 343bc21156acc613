//! NetBIOS node status (RFC 1002 §4.2.17 NODE STATUS REQUEST, §4.2.18
//! NODE STATUS RESPONSE), the little Pandian asks a host on UDP 137: the
//! `*` wildcard request, and the answer's name table (each name with its
//! suffix byte and group flag) and unit ID (the MAC the host reports).
//! Pure: bytes in, values out; a malformed or foreign packet is an error,
//! never a panic, and nothing read is larger than [`MAX_NAMES`] names.

/// The NetBIOS name service port.
pub const PORT: u16 = 137;

/// Names kept from one answer at most (a name table is a handful; RFC 1002
/// allows 255).
pub const MAX_NAMES: usize = 64;

/// Longest packet read (the answer to a `*` request fits in 600 bytes).
pub const MAX_PACKET: usize = 1500;

/// RR type NBSTAT (RFC 1002 §4.2.1.3).
const NBSTAT: u16 = 0x0021;
/// RR class IN.
const CLASS_IN: u16 = 0x0001;
/// Header: id, flags, four counts.
const HEADER: usize = 12;
/// One name table entry: 16 name bytes (the 16th is the suffix), 2 flags.
const ENTRY: usize = 18;
/// NAME_FLAGS bit G: a group name (RFC 1002 §4.2.18).
const GROUP: u16 = 0x8000;
/// NAME_FLAGS bit ACT: the name is active.
const ACTIVE: u16 = 0x0400;

/// What is wrong with a packet that claims to be a node status answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetbiosError {
    /// Shorter than a header, or a field runs past the end.
    #[error("NetBIOS answer truncated at byte {0}")]
    Truncated(usize),
    /// Not a response to our transaction.
    #[error("not a NetBIOS response to transaction {0:#06x}")]
    Foreign(u16),
    /// The host said no (RCODE).
    #[error("NetBIOS node status refused (rcode {0})")]
    Refused(u8),
    /// An answer that is not NBSTAT, or no answer at all.
    #[error("NetBIOS response holds no node status")]
    NoStatus,
    /// A name that is not a well-formed (label or pointer) name.
    #[error("NetBIOS answer has a malformed name at byte {0}")]
    BadName(usize),
}

/// The node status request for the wildcard name `*`, transaction `id`,
/// unicast (no broadcast flag, no recursion).
pub fn node_status_request(id: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(50);
    p.extend_from_slice(&id.to_be_bytes());
    // Flags 0: a query, opcode 0, B clear (the request goes to one host).
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QDCOUNT 1
    p.push(32); // one label: the first-level encoding of 16 bytes
    let mut name = [0u8; 16];
    name[0] = b'*';
    for b in name {
        p.push(b'A' + (b >> 4));
        p.push(b'A' + (b & 0x0f));
    }
    p.push(0);
    p.extend_from_slice(&NBSTAT.to_be_bytes());
    p.extend_from_slice(&CLASS_IN.to_be_bytes());
    p
}

/// One entry of a host's name table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// The name, trailing spaces and NULs removed; bytes outside ASCII are
    /// shown as U+FFFD (the code page is not on the wire). Not yet cleaned.
    pub name: String,
    /// The 16th byte: what the name stands for (`0x00` workstation,
    /// `0x20` file server, ...).
    pub suffix: u8,
    /// A group name (a workgroup or domain), not a unique one.
    pub group: bool,
    /// The name is active (registered, not being released or in conflict).
    pub active: bool,
}

/// A node status answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    /// The name table, in the host's order, at most [`MAX_NAMES`].
    pub names: Vec<NameEntry>,
    /// The unit ID, when the answer carries one that is not all zero
    /// (Samba sends zeros; Windows its adapter's MAC).
    pub mac: Option<[u8; 6]>,
}

fn u16_at(p: &[u8], at: usize) -> Result<u16, NetbiosError> {
    match p.get(at..at + 2) {
        Some([a, b]) => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(NetbiosError::Truncated(at)),
    }
}

/// Skip a name (labels, or a compression pointer) at `at`; the offset after it.
fn skip_name(p: &[u8], mut at: usize) -> Result<usize, NetbiosError> {
    let start = at;
    // 255 bytes at most (RFC 1002 §4.1), so at most 128 labels.
    for _ in 0..128 {
        let len = *p.get(at).ok_or(NetbiosError::Truncated(at))?;
        match len {
            0 => return Ok(at + 1),
            l if l & 0xc0 == 0xc0 => {
                p.get(at + 1).ok_or(NetbiosError::Truncated(at + 1))?;
                return Ok(at + 2);
            }
            l if l & 0xc0 != 0 => return Err(NetbiosError::BadName(at)),
            l => {
                at += 1 + usize::from(l);
                if at - start > 255 {
                    return Err(NetbiosError::BadName(start));
                }
            }
        }
    }
    Err(NetbiosError::BadName(start))
}

fn entry(raw: &[u8]) -> Option<NameEntry> {
    let (name, rest) = raw.split_at_checked(15)?;
    let (&suffix, flags) = rest.split_first()?;
    let flags = match flags {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => return None,
    };
    let end = name
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |i| i + 1);
    let name: String = name
        .get(..end)?
        .iter()
        .map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                '\u{fffd}'
            }
        })
        .collect();
    Some(NameEntry {
        name,
        suffix,
        group: flags & GROUP != 0,
        active: flags & ACTIVE != 0,
    })
}

/// Read a node status response to transaction `id`.
pub fn decode_node_status(p: &[u8], id: u16) -> Result<NodeStatus, NetbiosError> {
    if p.len() < HEADER {
        return Err(NetbiosError::Truncated(p.len()));
    }
    let got_id = u16_at(p, 0)?;
    let flags = u16_at(p, 2)?;
    // R set, opcode 0 (query).
    if got_id != id || flags & 0x8000 == 0 || flags & 0x7800 != 0 {
        return Err(NetbiosError::Foreign(id));
    }
    let rcode = u8::try_from(flags & 0x000f).unwrap_or(0);
    if rcode != 0 {
        return Err(NetbiosError::Refused(rcode));
    }
    let qdcount = u16_at(p, 4)?;
    let ancount = u16_at(p, 6)?;
    if ancount == 0 {
        return Err(NetbiosError::NoStatus);
    }
    let mut at = HEADER;
    // Responses carry no question (RFC 1002); skip any a host sends anyway.
    for _ in 0..qdcount.min(4) {
        at = skip_name(p, at)? + 4;
    }
    at = skip_name(p, at)?;
    if u16_at(p, at)? != NBSTAT {
        return Err(NetbiosError::NoStatus);
    }
    // Class (2) and TTL (4) say nothing we use.
    let rdlength = usize::from(u16_at(p, at + 8)?);
    let rdata_at = at + 10;
    let rdata = p
        .get(rdata_at..rdata_at + rdlength)
        .ok_or(NetbiosError::Truncated(p.len()))?;
    let (&count, table) = rdata
        .split_first()
        .ok_or(NetbiosError::Truncated(rdata_at))?;
    let count = usize::from(count);
    let names_len = count * ENTRY;
    let entries = table
        .get(..names_len)
        .ok_or(NetbiosError::Truncated(rdata_at + 1 + table.len()))?;
    let names = entries
        .chunks_exact(ENTRY)
        .take(MAX_NAMES)
        .filter_map(entry)
        .collect();
    // The statistics follow the names; the unit ID is their first 6 bytes.
    let mac = match table.get(names_len..names_len + 6) {
        Some([a, b, c, d, e, f]) => Some([*a, *b, *c, *d, *e, *f]),
        _ => None,
    }
    .filter(|m| m.iter().any(|&b| b != 0));
    Ok(NodeStatus { names, mac })
}

/// What a unique name's suffix says the host runs (the suffixes Microsoft
/// documents for NetBIOS names, KB 163409), as the `service` fact's value;
/// `None` for the suffixes the `name` and `workgroup` facts already say
/// (`<00>`) and for those that name nothing useful.
///
/// | suffix | unique | group |
/// |---|---|---|
/// | `<03>` | `messenger` | |
/// | `<06>` | `ras-server` | |
/// | `<1b>` | `domain-master-browser` | |
/// | `<1c>` | | `domain-controller` |
/// | `<1d>` | `master-browser` | |
/// | `<1e>` | | `browser-election` |
/// | `<1f>` | `netdde` | |
/// | `<20>` | `file-server` | |
/// | `<21>` | `ras-client` | |
/// | `<be>` | `network-monitor-agent` | |
pub fn service_name(suffix: u8, group: bool) -> Option<&'static str> {
    Some(match (suffix, group) {
        (0x03, false) => "messenger",
        (0x06, false) => "ras-server",
        (0x1b, false) => "domain-master-browser",
        (0x1c, true) => "domain-controller",
        (0x1d, false) => "master-browser",
        (0x1e, true) => "browser-election",
        (0x1f, false) => "netdde",
        (0x20, false) => "file-server",
        (0x21, false) => "ras-client",
        (0xbe, false) => "network-monitor-agent",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Samba 4.17's nmbd (`netbios name = LABFILER`, `workgroup =
    /// LABGROUP`) answering a `*` request with transaction 0x1234, as
    /// captured in the lab.
    const NMBD: &str = "12348400000000010000000020434b414141414141414141414141414141414141414141414141414141414141\
        0000210001000000000089054c414246494c4552202020202020200004004c414246494c45522020202020202003\
        04004c414246494c4552202020202020202004004c414247524f5550202020202020200084004c414247524f5550\
        202020202020201e8400000000000000000000000000000000000000000000000000000000000000000000000000\
        00000000000000000000000000000000000000";

    fn hex(s: &str) -> Vec<u8> {
        let s: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        s.chunks(2)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn request_is_the_wildcard_nbstat_query() {
        let p = node_status_request(0x1234);
        assert_eq!(p.len(), 50);
        // The query nmblookup -A and our own probe send, byte for byte.
        let want = hex("123400000001000000000000\
            20434b4141414141414141414141414141414141414141414141414141414141410000210001");
        assert_eq!(p, want);
    }

    #[test]
    fn nmbd_answer_decodes() {
        let s = decode_node_status(&hex(NMBD), 0x1234).unwrap();
        let got: Vec<(&str, u8, bool)> = s
            .names
            .iter()
            .map(|n| (n.name.as_str(), n.suffix, n.group))
            .collect();
        assert_eq!(
            got,
            [
                ("LABFILER", 0x00, false),
                ("LABFILER", 0x03, false),
                ("LABFILER", 0x20, false),
                ("LABGROUP", 0x00, true),
                ("LABGROUP", 0x1e, true),
            ]
        );
        assert!(s.names.iter().all(|n| n.active));
        assert_eq!(s.mac, None, "Samba's unit ID is all zero");
    }

    #[test]
    fn unit_id_is_the_mac() {
        // The nmbd capture with a unit ID filled in, as Windows sends one.
        let mut p = hex(NMBD);
        let names_end = 12 + 34 + 10 + 1 + 5 * 18;
        p[names_end..names_end + 6].copy_from_slice(&[0x00, 0x1b, 0x21, 0x12, 0x34, 0x56]);
        let s = decode_node_status(&p, 0x1234).unwrap();
        assert_eq!(s.mac, Some([0x00, 0x1b, 0x21, 0x12, 0x34, 0x56]));
    }

    #[test]
    fn bad_answers_are_errors() {
        let good = hex(NMBD);
        let mut refused = good.clone();
        refused[3] |= 0x03;
        let mut not_response = good.clone();
        not_response[2] &= 0x7f;
        let mut no_answers = good.clone();
        no_answers[7] = 0;
        let mut nb = good.clone();
        nb[12 + 34 + 1] = 0x20; // type NB, not NBSTAT
        let mut many = good.clone();
        many[12 + 34 + 10] = 200; // more names than the packet holds
        let cases: Vec<(&str, Vec<u8>, u16, NetbiosError)> = vec![
            (
                "short",
                good[..11].to_vec(),
                0x1234,
                NetbiosError::Truncated(11),
            ),
            (
                "other id",
                good.clone(),
                0x4321,
                NetbiosError::Foreign(0x4321),
            ),
            (
                "a request",
                not_response,
                0x1234,
                NetbiosError::Foreign(0x1234),
            ),
            ("refused", refused, 0x1234, NetbiosError::Refused(3)),
            ("no answer", no_answers, 0x1234, NetbiosError::NoStatus),
            ("not nbstat", nb, 0x1234, NetbiosError::NoStatus),
            (
                "cut rdata",
                good[..100].to_vec(),
                0x1234,
                NetbiosError::Truncated(100),
            ),
            (
                "too many names",
                many,
                0x1234,
                // The end of the 137 bytes of RDATA.
                NetbiosError::Truncated(12 + 34 + 10 + 137),
            ),
        ];
        for (what, p, id, want) in cases {
            assert_eq!(decode_node_status(&p, id), Err(want), "{what}");
        }
    }

    #[test]
    fn service_table() {
        let cases = [
            (0x20, false, Some("file-server")),
            (0x03, false, Some("messenger")),
            (0x1c, true, Some("domain-controller")),
            (0x1e, true, Some("browser-election")),
            (0x00, false, None),
            (0x00, true, None),
            (0x20, true, None),
        ];
        for (suffix, group, want) in cases {
            assert_eq!(service_name(suffix, group), want, "{suffix:#04x} {group}");
        }
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
            let _ = decode_node_status(&bytes, 0x1234);
        }

        #[test]
        fn mutated_answers_never_panic(
            edits in proptest::collection::vec((0usize..200, any::<u8>()), 1..8),
            cut in 0usize..200,
        ) {
            let mut p = hex(NMBD);
            for (i, b) in edits {
                if let Some(x) = p.get_mut(i) {
                    *x = b;
                }
            }
            p.truncate(cut.max(12));
            if let Ok(s) = decode_node_status(&p, 0x1234) {
                prop_assert!(s.names.len() <= MAX_NAMES);
            }
        }
    }
}
