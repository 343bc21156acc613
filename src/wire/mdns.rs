//! mDNS / DNS-SD messages (RFC 1035 wire format as RFC 6762 and RFC 6763
//! use it): the legacy unicast queries Pandian sends one host (RFC 6762
//! §6.7: from an ephemeral port, so the responder answers us alone, by
//! unicast) or, opted in, the segment's group (every responder answers
//! by unicast), and the answers' PTR, SRV, TXT, A and AAAA records. Pure:
//! bytes in, values out.
//!
//! Answers are hostile: names are read with compression pointers that
//! must point backwards (no loops), at most [`MAX_JUMPS`] of them, at most
//! [`MAX_NAME`] bytes; a message yields at most [`MAX_RECORDS`] records
//! and a TXT record at most [`MAX_TXT_STRINGS`] strings, so a 64 KiB TXT
//! record costs a bounded amount. A record the reader does not need is
//! kept as its type only.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Record types.
pub const TYPE_A: u16 = 1;
/// A domain name pointer (service types, instances, reverse names).
pub const TYPE_PTR: u16 = 12;
/// Text strings (DNS-SD key=value pairs).
pub const TYPE_TXT: u16 = 16;
/// An IPv6 address.
pub const TYPE_AAAA: u16 = 28;
/// A service's host and port.
pub const TYPE_SRV: u16 = 33;
/// Any type (a query for every record of a name).
pub const TYPE_ANY: u16 = 255;
/// The Internet class.
const CLASS_IN: u16 = 1;
/// The header: id, flags, four counts.
const HEADER: usize = 12;

/// Longest name, in wire bytes (RFC 1035 §2.3.4).
pub const MAX_NAME: usize = 255;
/// Most compression pointers followed in one name.
pub const MAX_JUMPS: usize = 32;
/// Most records read from one message (every section together).
pub const MAX_RECORDS: usize = 128;
/// Most strings kept from one TXT record.
pub const MAX_TXT_STRINGS: usize = 64;

/// What is wrong with a message that claims to be DNS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MdnsError {
    /// Shorter than the header.
    #[error("DNS message of {0} bytes is shorter than its header")]
    Short(usize),
    /// A name, question or record runs past the end.
    #[error("DNS message truncated at byte {0}")]
    Truncated(usize),
    /// A compression pointer that does not point backwards, or too many.
    #[error("DNS name at byte {0} has a bad compression pointer")]
    BadPointer(usize),
    /// A name longer than 255 bytes, or a label type that does not exist.
    #[error("DNS name at byte {0} is malformed or too long")]
    BadName(usize),
    /// A name to encode has an empty or over-long label.
    #[error("cannot encode the name {0:?}: a label is empty or over 63 bytes")]
    Unencodable(String),
}

/// A domain name as its labels (raw bytes: DNS-SD instance names are
/// UTF-8 and may hold dots and spaces).
#[derive(Debug, Clone, Default)]
pub struct Name {
    /// The labels, most specific first, without the root.
    pub labels: Vec<Vec<u8>>,
}

impl Name {
    /// A name from dotted text (`_services._dns-sd._udp.local`); for fixed
    /// names only (a label with a dot in it needs [`Name::prepend`]).
    pub fn dotted(text: &str) -> Name {
        Name {
            labels: text
                .trim_end_matches('.')
                .split('.')
                .filter(|l| !l.is_empty())
                .map(|l| l.as_bytes().to_vec())
                .collect(),
        }
    }

    /// This name with `label` in front (`Printer` + `_ipp._tcp.local`).
    pub fn prepend(&self, label: &[u8]) -> Name {
        let mut labels = Vec::with_capacity(self.labels.len() + 1);
        labels.push(label.to_vec());
        labels.extend(self.labels.iter().cloned());
        Name { labels }
    }

    /// The name as text, labels joined by dots (lossy UTF-8; not escaped:
    /// for showing and for facts, which the sanitiser cleans).
    pub fn text(&self) -> String {
        self.labels
            .iter()
            .map(|l| String::from_utf8_lossy(l))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The first label as text (an instance's own name).
    pub fn first(&self) -> String {
        self.labels
            .first()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default()
    }

    /// The name without its first label (an instance's service type).
    pub fn parent(&self) -> Name {
        Name {
            labels: self.labels.iter().skip(1).cloned().collect(),
        }
    }

    /// Whether the name ends with `suffix` (labels compared ignoring ASCII case).
    pub fn ends_with(&self, suffix: &Name) -> bool {
        self.labels.len() >= suffix.labels.len()
            && self
                .labels
                .iter()
                .rev()
                .zip(suffix.labels.iter().rev())
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), MdnsError> {
        let start = out.len();
        for l in &self.labels {
            let len = u8::try_from(l.len())
                .ok()
                .filter(|n| (1..=63).contains(n))
                .ok_or_else(|| MdnsError::Unencodable(self.text()))?;
            out.push(len);
            out.extend_from_slice(l);
        }
        out.push(0);
        if out.len() - start > MAX_NAME {
            return Err(MdnsError::Unencodable(self.text()));
        }
        Ok(())
    }
}

/// Names compare as DNS does: labels ignoring ASCII case.
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.labels.len() == other.labels.len() && self.ends_with(other)
    }
}

impl Eq for Name {}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`).
pub fn reverse_name(ip: Ipv4Addr) -> Name {
    let [a, b, c, d] = ip.octets();
    Name::dotted(&format!("{d}.{c}.{b}.{a}.in-addr.arpa"))
}

/// A query for `name`'s records of type `qtype`, with transaction `id`:
/// a standard query (no flags), one question, class IN without the
/// unicast-response bit (a query from a port other than 5353 is a legacy
/// unicast query: the answer comes back to that port, RFC 6762 §6.7).
pub fn query(id: u16, name: &Name, qtype: u16) -> Result<Vec<u8>, MdnsError> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    name.encode(&mut out)?;
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

/// What a record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// A pointer to another name.
    Ptr(Name),
    /// A service's host and port.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// The host that offers it.
        target: Name,
    },
    /// The strings of a TXT record (at most [`MAX_TXT_STRINGS`]).
    Txt(Vec<Vec<u8>>),
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A type this reader does not decode.
    Other(u16),
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its owner name.
    pub name: Name,
    /// Its class, without the cache-flush bit.
    pub class: u16,
    /// Time to live, seconds.
    pub ttl: u32,
    /// What it says.
    pub data: Data,
}

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Transaction id.
    pub id: u16,
    /// A response (QR bit set).
    pub response: bool,
    /// Every record of the answer, authority and additional sections, in
    /// order (at most [`MAX_RECORDS`]).
    pub records: Vec<Record>,
}

struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, MdnsError> {
        let b = *self
            .msg
            .get(self.pos)
            .ok_or(MdnsError::Truncated(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16, MdnsError> {
        Ok(u16::from_be_bytes([self.u8()?, self.u8()?]))
    }

    fn u32(&mut self) -> Result<u32, MdnsError> {
        Ok(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }

    fn bytes(&mut self, n: usize) -> Result<&[u8], MdnsError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(MdnsError::Truncated(self.pos))?;
        let b = self
            .msg
            .get(self.pos..end)
            .ok_or(MdnsError::Truncated(self.pos))?;
        self.pos = end;
        Ok(b)
    }

    /// A possibly compressed name at the reader's position; the reader
    /// moves past it (past its first pointer, if any).
    fn name(&mut self) -> Result<Name, MdnsError> {
        let (name, end) = read_name(self.msg, self.pos)?;
        self.pos = end;
        Ok(name)
    }
}

/// Read a name at `start`: (the name, where the bytes after it begin).
/// Every pointer must point before the previous one's target (the first
/// before itself), so a name can never loop; at most [`MAX_JUMPS`]
/// pointers and [`MAX_NAME`] bytes.
fn read_name(msg: &[u8], start: usize) -> Result<(Name, usize), MdnsError> {
    let mut labels = Vec::new();
    let mut pos = start;
    let mut end = None;
    let mut jumps = 0;
    let mut wire_len = 1usize;
    let mut limit = start;
    loop {
        let len = *msg.get(pos).ok_or(MdnsError::Truncated(pos))?;
        match len {
            0 => {
                return Ok((Name { labels }, end.unwrap_or(pos + 1)));
            }
            1..=63 => {
                let n = usize::from(len);
                let label = msg
                    .get(pos + 1..pos + 1 + n)
                    .ok_or(MdnsError::Truncated(pos))?;
                wire_len += n + 1;
                if wire_len > MAX_NAME {
                    return Err(MdnsError::BadName(start));
                }
                labels.push(label.to_vec());
                pos += n + 1;
            }
            0xc0..=0xff => {
                let low = *msg.get(pos + 1).ok_or(MdnsError::Truncated(pos))?;
                let target = usize::from(len & 0x3f) << 8 | usize::from(low);
                jumps += 1;
                if target >= limit || jumps > MAX_JUMPS {
                    return Err(MdnsError::BadPointer(pos));
                }
                end.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            // 0x40 and 0x80: extended and reserved label types.
            _ => return Err(MdnsError::BadName(pos)),
        }
    }
}

fn rdata(r: &mut Reader<'_>, rtype: u16, len: usize) -> Result<Data, MdnsError> {
    let start = r.pos;
    let body = r.bytes(len)?;
    let data = match rtype {
        TYPE_A => match body {
            [a, b, c, d] => Data::A(Ipv4Addr::new(*a, *b, *c, *d)),
            _ => Data::Other(rtype),
        },
        TYPE_AAAA => match <[u8; 16]>::try_from(body) {
            Ok(b) => Data::Aaaa(Ipv6Addr::from(b)),
            Err(_) => Data::Other(rtype),
        },
        TYPE_TXT => {
            let mut strings = Vec::new();
            let mut rest = body;
            while let Some((&n, tail)) = rest.split_first() {
                let n = usize::from(n);
                let (Some(s), Some(after)) = (tail.get(..n), tail.get(n..)) else {
                    return Err(MdnsError::Truncated(start));
                };
                if strings.len() < MAX_TXT_STRINGS {
                    strings.push(s.to_vec());
                }
                rest = after;
            }
            Data::Txt(strings)
        }
        // Names inside rdata may point anywhere earlier in the message.
        TYPE_PTR => {
            let (name, end) = read_name(r.msg, start)?;
            if end > start + len {
                return Err(MdnsError::Truncated(start));
            }
            Data::Ptr(name)
        }
        TYPE_SRV => {
            let [p0, p1, w0, w1, o0, o1, ..] = *body else {
                return Err(MdnsError::Truncated(start));
            };
            let (target, end) = read_name(r.msg, start + 6)?;
            if end > start + len {
                return Err(MdnsError::Truncated(start));
            }
            Data::Srv {
                priority: u16::from_be_bytes([p0, p1]),
                weight: u16::from_be_bytes([w0, w1]),
                port: u16::from_be_bytes([o0, o1]),
                target,
            }
        }
        _ => Data::Other(rtype),
    };
    Ok(data)
}

/// Decode a message: its id, whether it is a response, and its records
/// (questions are skipped). See the module bounds.
pub fn decode(msg: &[u8]) -> Result<Message, MdnsError> {
    if msg.len() < HEADER {
        return Err(MdnsError::Short(msg.len()));
    }
    let mut r = Reader { msg, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    let qd = r.u16()?;
    let an = r.u16()?;
    let ns = r.u16()?;
    let ar = r.u16()?;
    for _ in 0..qd {
        r.name()?;
        r.bytes(4)?;
    }
    let total = usize::from(an) + usize::from(ns) + usize::from(ar);
    let mut records = Vec::new();
    for _ in 0..total.min(MAX_RECORDS) {
        let name = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()? & 0x7fff;
        let ttl = r.u32()?;
        let len = usize::from(r.u16()?);
        let data = rdata(&mut r, rtype, len)?;
        records.push(Record {
            name,
            class,
            ttl,
            data,
        });
    }
    Ok(Message {
        id,
        response: flags & 0x8000 != 0,
        records,
    })
}

/// A TXT string as `(key, value)`: the key lowercased (DNS-SD keys are
/// case-insensitive, RFC 6763 §6.4), at most 64 bytes; the value as lossy
/// UTF-8. `None` for a string with no key, or a key alone (a boolean
/// attribute, which says nothing a fact can hold).
pub fn txt_pair(s: &[u8]) -> Option<(String, String)> {
    let eq = s.iter().position(|&b| b == b'=')?;
    let (key, value) = (s.get(..eq)?, s.get(eq + 1..)?);
    if key.is_empty() || key.len() > 64 {
        return None;
    }
    Some((
        String::from_utf8_lossy(key).to_ascii_lowercase(),
        String::from_utf8_lossy(value).into_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A response as a responder writes it, built record by record, with
    /// name compression where real responders use it.
    struct Writer {
        out: Vec<u8>,
        count: u16,
    }

    impl Writer {
        fn new(id: u16) -> Writer {
            let mut out = id.to_be_bytes().to_vec();
            out.extend_from_slice(&[0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            Writer { out, count: 0 }
        }
        fn name(&mut self, n: &Name) {
            n.encode(&mut self.out).unwrap();
        }
        fn record(&mut self, owner: &[u8], rtype: u16, rdata: &[u8]) {
            self.out.extend_from_slice(owner);
            self.out.extend_from_slice(&rtype.to_be_bytes());
            self.out.extend_from_slice(&[0x80, 1, 0, 0, 0, 10]);
            self.out
                .extend_from_slice(&u16::try_from(rdata.len()).unwrap().to_be_bytes());
            self.out.extend_from_slice(rdata);
            self.count += 1;
        }
        fn finish(mut self) -> Vec<u8> {
            self.out[6..8].copy_from_slice(&self.count.to_be_bytes());
            self.out
        }
    }

    fn txt(strings: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for s in strings {
            out.push(u8::try_from(s.len()).unwrap());
            out.extend_from_slice(s);
        }
        out
    }

    /// The HP OfficeJet Pro 8730 of OpenPrinting/ipp-usb issue #1 (its
    /// network record: instance `HP OfficeJet Pro 8730 [08C229]`, host
    /// `HP18602408C229.local`, port 631), as a PTR answer with SRV, TXT and
    /// A in the additional section, names compressed.
    fn printer_answer() -> Vec<u8> {
        let mut w = Writer::new(7);
        // The PTR's owner at offset 12, its target inside the rdata.
        let owner_at = w.out.len();
        w.name(&Name::dotted("_ipp._tcp.local"));
        w.out.extend_from_slice(&TYPE_PTR.to_be_bytes());
        w.out.extend_from_slice(&[0, 1, 0, 0, 0, 10]);
        let label = b"HP OfficeJet Pro 8730 [08C229]";
        let rdlen = 1 + label.len() + 2;
        w.out
            .extend_from_slice(&u16::try_from(rdlen).unwrap().to_be_bytes());
        let instance_at = w.out.len();
        w.out.push(u8::try_from(label.len()).unwrap());
        w.out.extend_from_slice(label);
        w.out
            .extend_from_slice(&[0xc0, u8::try_from(owner_at).unwrap()]);
        w.count += 1;
        let instance_ptr = [0xc0, u8::try_from(instance_at).unwrap()];
        let mut srv = vec![0, 0, 0, 0, 0x02, 0x77];
        let host_at = w.out.len() + 12 + 6;
        Name::dotted("HP18602408C229.local")
            .encode(&mut srv)
            .unwrap();
        w.record(&instance_ptr, TYPE_SRV, &srv);
        w.record(
            &instance_ptr,
            TYPE_TXT,
            &txt(&[
                b"txtvers=1",
                b"qtotal=1",
                b"rp=ipp/print",
                b"ty=HP OfficeJet Pro 8730",
                b"usb_MFG=HP",
                b"usb_MDL=HP OfficeJet Pro 8730",
                b"Color=T",
                b"note=",
                b"adminurl=http://HP18602408C229.local./#hId-pgAirPrint",
            ]),
        );
        w.record(
            &[0xc0, u8::try_from(host_at).unwrap()],
            TYPE_A,
            &[198, 18, 110, 20],
        );
        w.finish()
    }

    #[test]
    fn queries_are_legacy_unicast_questions() {
        let q = query(
            0x1234,
            &Name::dotted("_services._dns-sd._udp.local"),
            TYPE_PTR,
        )
        .unwrap();
        let mut want = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in ["_services", "_dns-sd", "_udp", "local"] {
            want.push(u8::try_from(l.len()).unwrap());
            want.extend_from_slice(l.as_bytes());
        }
        want.extend_from_slice(&[0, 0, 12, 0, 1]);
        assert_eq!(q, want);
        let rev = reverse_name(Ipv4Addr::new(198, 18, 110, 20));
        assert_eq!(rev.text(), "20.110.18.198.in-addr.arpa");
        let long = Name::dotted("x").prepend(&[b'a'; 64]);
        assert!(matches!(
            query(1, &long, TYPE_TXT),
            Err(MdnsError::Unencodable(_))
        ));
        let dotted = Name::dotted("_ipp._tcp.local").prepend(b"Printer v1.2");
        let q = query(1, &dotted, TYPE_ANY).unwrap();
        assert_eq!(q[12], 12, "a dot inside a label stays in the label");
    }

    #[test]
    fn a_printer_answer_decodes_with_compression() {
        let m = decode(&printer_answer()).unwrap();
        assert_eq!(m.id, 7);
        assert!(m.response);
        assert_eq!(m.records.len(), 4);
        let instance = Name::dotted("_ipp._tcp.local").prepend(b"HP OfficeJet Pro 8730 [08C229]");
        assert_eq!(m.records[0].name, Name::dotted("_IPP._tcp.local"));
        assert_eq!(m.records[0].data, Data::Ptr(instance.clone()));
        assert_eq!(m.records[1].name, instance);
        assert_eq!(m.records[1].class, 1, "the cache-flush bit is dropped");
        match &m.records[1].data {
            Data::Srv { port, target, .. } => {
                assert_eq!(*port, 631);
                assert_eq!(target.text(), "HP18602408C229.local");
            }
            other => panic!("{other:?}"),
        }
        let Data::Txt(strings) = &m.records[2].data else {
            panic!("{:?}", m.records[2]);
        };
        let pairs: Vec<_> = strings.iter().filter_map(|s| txt_pair(s)).collect();
        assert!(pairs.contains(&("usb_mfg".into(), "HP".into())));
        assert!(pairs.contains(&("ty".into(), "HP OfficeJet Pro 8730".into())));
        assert!(pairs.contains(&("note".into(), String::new())));
        assert_eq!(m.records[3].name.text(), "HP18602408C229.local");
        assert_eq!(m.records[3].data, Data::A(Ipv4Addr::new(198, 18, 110, 20)));
        assert_eq!(instance.parent(), Name::dotted("_ipp._tcp.local"));
        assert_eq!(instance.first(), "HP OfficeJet Pro 8730 [08C229]");
    }

    #[test]
    fn txt_pairs_table() {
        type Case<'a> = (&'a [u8], Option<(&'a str, &'a str)>);
        let cases: &[Case] = &[
            (b"model=MacBookPro18,3", Some(("model", "MacBookPro18,3"))),
            (b"osxvers=22", Some(("osxvers", "22"))),
            (b"usb_MDL=LaserJet=4", Some(("usb_mdl", "LaserJet=4"))),
            (b"Color", None),
            (b"=value", None),
            (b"", None),
            (b"k=\xff\xfe", Some(("k", "\u{fffd}\u{fffd}"))),
        ];
        for (raw, want) in cases {
            let got = txt_pair(raw);
            let want = want.map(|(k, v)| (k.to_string(), v.to_string()));
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn hostile_names_and_sizes_are_errors_or_bounded() {
        let header = |an: u8| vec![0, 1, 0x84, 0, 0, 0, 0, an, 0, 0, 0, 0];
        // A pointer to itself, and one pointing forwards.
        let mut looped = header(1);
        looped.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(decode(&looped), Err(MdnsError::BadPointer(12)));
        let mut forward = header(1);
        forward.extend_from_slice(&[0xc0, 40, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(decode(&forward), Err(MdnsError::BadPointer(12)));
        // A name of 5 x 63-byte labels: over 255 bytes.
        let mut long = header(1);
        for _ in 0..5 {
            long.push(63);
            long.extend_from_slice(&[b'a'; 63]);
        }
        long.push(0);
        assert_eq!(decode(&long), Err(MdnsError::BadName(12)));
        // Reserved label type.
        let mut reserved = header(1);
        reserved.extend_from_slice(&[0x41, 0]);
        assert_eq!(decode(&reserved), Err(MdnsError::BadName(12)));
        assert_eq!(decode(&[0; 5]), Err(MdnsError::Short(5)));
        // A count claiming more records than there are.
        assert!(matches!(decode(&header(3)), Err(MdnsError::Truncated(_))));
        // A 64 KiB TXT record (255 strings of 255 bytes): kept to 64 strings.
        let strings: Vec<Vec<u8>> = (0..255).map(|i| vec![b'a' + (i % 26) as u8; 255]).collect();
        let refs: Vec<&[u8]> = strings.iter().map(Vec::as_slice).collect();
        let body = txt(&refs);
        assert!(body.len() > 65_000);
        let mut w = Writer::new(9);
        let mut owner = Vec::new();
        Name::dotted("big._ipp._tcp.local")
            .encode(&mut owner)
            .unwrap();
        w.record(&owner, TYPE_TXT, &body);
        let m = decode(&w.finish()).unwrap();
        let Data::Txt(kept) = &m.records[0].data else {
            panic!()
        };
        assert_eq!(kept.len(), MAX_TXT_STRINGS);
        // A TXT string running past its record.
        let mut w = Writer::new(9);
        w.record(&owner, TYPE_TXT, &[10, b'a']);
        assert!(matches!(decode(&w.finish()), Err(MdnsError::Truncated(_))));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn mutated_answers_never_panic(
            edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..12),
            cut in any::<u16>(),
        ) {
            let mut msg = printer_answer();
            for (at, b) in edits {
                let i = usize::from(at) % msg.len();
                msg[i] = b;
            }
            let _ = decode(&msg);
            msg.truncate(usize::from(cut) % (msg.len() + 1));
            if let Ok(m) = decode(&msg) {
                prop_assert!(m.records.len() <= MAX_RECORDS);
            }
        }

        #[test]
        fn queries_round_trip_their_id(id in any::<u16>(), labels in proptest::collection::vec("[a-z_-]{1,20}", 1..6)) {
            let name = Name::dotted(&labels.join("."));
            let q = query(id, &name, TYPE_PTR).unwrap();
            let m = decode(&q).unwrap();
            prop_assert_eq!(m.id, id);
            prop_assert!(!m.response);
            prop_assert!(m.records.is_empty());
        }
    }
}
