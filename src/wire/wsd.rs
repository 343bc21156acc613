//! WS-Discovery (the 2005/04 draft Windows, printers, wsdd and ONVIF
//! cameras speak, SOAP-over-UDP on port 3702): the Probe Pandian sends, and
//! the ProbeMatches that answer it (each match's Types, Scopes and XAddrs).
//! Pure: bytes in, values out. The XML is read by a small tokenizer of our
//! own, enough for these messages: elements by local name, attributes for
//! the `xmlns` declarations, the five predefined entities and numeric
//! character references; a document type (and so any entity of its own) is
//! refused; every count and size is bounded; malformed input is an error,
//! never a panic.

use std::collections::HashMap;

/// The WS-Discovery port.
pub const PORT: u16 = 3702;

/// Longest message read (SOAP-over-UDP datagrams are at most 64 KiB; wsdd
/// caps its own at 32 KiB).
pub const MAX_MESSAGE: usize = 65_536;

/// ProbeMatch elements read from one message at most.
pub const MAX_MATCHES: usize = 8;

/// Items kept from one Types, Scopes or XAddrs list at most.
pub const MAX_ITEMS: usize = 32;

/// Tokens (tags and texts) read from one message at most.
const MAX_TOKENS: usize = 4096;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 32;

/// Namespaces.
const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
const ADDRESSING: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
const DISCOVERY: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
const DEVPROF: &str = "http://schemas.xmlsoap.org/ws/2006/02/devprof";

/// The namespaces of the device types a ProbeMatch names, and the prefix
/// their specifications use: a type is reported as `prefix:Local` with
/// this prefix whatever prefix the message bound, so the same type reads
/// the same from every device.
pub const KNOWN_NAMESPACES: [(&str, &str); 8] = [
    (DEVPROF, "wsdp"),
    ("http://schemas.microsoft.com/windows/pub/2005/07", "pub"),
    (
        "http://schemas.microsoft.com/windows/2006/08/wdp/print",
        "wprt",
    ),
    (
        "http://schemas.microsoft.com/windows/2006/08/wdp/scan",
        "wscn",
    ),
    (
        "http://schemas.microsoft.com/windows/2006/08/wdp/fax",
        "wfax",
    ),
    ("http://www.onvif.org/ver10/network/wsdl", "dn"),
    ("http://www.onvif.org/ver10/device/wsdl", "tds"),
    ("http://schemas.microsoft.com/windows/pnpx/2005/10", "pnpx"),
];

/// What is wrong with a message that claims to be a ProbeMatches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsdError {
    /// Longer than [`MAX_MESSAGE`].
    #[error("WS-Discovery message of {0} bytes is too large")]
    TooLarge(usize),
    /// Not well-formed enough to read.
    #[error("WS-Discovery message is malformed at byte {0}")]
    Malformed(usize),
    /// A document type declaration (never sent by WS-Discovery; refused so
    /// no entity of a sender's own is ever expanded).
    #[error("WS-Discovery message carries a document type")]
    Doctype,
    /// More tags or nesting than a discovery message has.
    #[error("WS-Discovery message is too complex")]
    TooComplex,
    /// Well-formed, but not a SOAP envelope holding ProbeMatches.
    #[error("not a WS-Discovery ProbeMatches message")]
    NotProbeMatches,
}

/// A random `urn:uuid:` message id (a version 4 UUID) from 16 random bytes.
pub fn message_id(random: [u8; 16]) -> String {
    let mut b = random;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A Probe with message id `id` (see [`message_id`]), for `types` (a
/// QName list such as `wsdp:Device`; `None` probes for every type, as the
/// specification's §5.1 allows). Only the `wsdp` prefix is bound.
pub fn probe(id: &str, types: Option<&str>) -> String {
    let types = types.map_or(String::new(), |t| {
        format!("<wsd:Types>{}</wsd:Types>", escape(t))
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <soap:Envelope xmlns:soap=\"{SOAP}\" xmlns:wsa=\"{ADDRESSING}\" \
         xmlns:wsd=\"{DISCOVERY}\" xmlns:wsdp=\"{DEVPROF}\">\
         <soap:Header>\
         <wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>\
         <wsa:Action>{DISCOVERY}/Probe</wsa:Action>\
         <wsa:MessageID>{}</wsa:MessageID>\
         </soap:Header>\
         <soap:Body><wsd:Probe>{types}</wsd:Probe></soap:Body>\
         </soap:Envelope>",
        escape(id)
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One ProbeMatch: a target service and what it says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeMatch {
    /// Its endpoint reference address (typically `urn:uuid:...`).
    pub address: Option<String>,
    /// Its types, each `prefix:Local` (see [`KNOWN_NAMESPACES`]).
    pub types: Vec<String>,
    /// Its scopes (URIs).
    pub scopes: Vec<String>,
    /// Its transport addresses (URLs).
    pub xaddrs: Vec<String>,
}

/// A ProbeMatches message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeMatches {
    /// The message id it answers (`wsa:RelatesTo`), when given.
    pub relates_to: Option<String>,
    /// The matches, at most [`MAX_MATCHES`].
    pub matches: Vec<ProbeMatch>,
}

/// One piece of the document.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    /// A start tag: its name, its attribute text, whether it closes itself.
    Start(&'a str, &'a str, bool),
    /// An end tag's name.
    End(&'a str),
    /// Character data, entities not yet decoded.
    Text(&'a str),
    /// A CDATA section's content (taken as it is).
    Cdata(&'a str),
}

/// Split `s` into tokens, at most [`MAX_TOKENS`].
fn tokens(s: &str) -> Result<Vec<Tok<'_>>, WsdError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < s.len() {
        if out.len() >= MAX_TOKENS {
            return Err(WsdError::TooComplex);
        }
        let rest = s.get(at..).ok_or(WsdError::Malformed(at))?;
        let Some(lt) = rest.find('<') else {
            out.push(Tok::Text(rest));
            break;
        };
        if lt > 0 {
            out.push(Tok::Text(rest.get(..lt).ok_or(WsdError::Malformed(at))?));
        }
        at += lt;
        let tag = s.get(at..).ok_or(WsdError::Malformed(at))?;
        let (tok, len) = if let Some(r) = tag.strip_prefix("<!--") {
            let end = r.find("-->").ok_or(WsdError::Malformed(at))?;
            (None, 4 + end + 3)
        } else if let Some(r) = tag.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").ok_or(WsdError::Malformed(at))?;
            (r.get(..end).map(Tok::Cdata), 9 + end + 3)
        } else if tag.starts_with("<!") {
            return Err(WsdError::Doctype);
        } else if let Some(r) = tag.strip_prefix("<?") {
            let end = r.find("?>").ok_or(WsdError::Malformed(at))?;
            (None, 2 + end + 2)
        } else if let Some(r) = tag.strip_prefix("</") {
            let end = r.find('>').ok_or(WsdError::Malformed(at))?;
            let name = r.get(..end).ok_or(WsdError::Malformed(at))?.trim();
            (Some(Tok::End(name)), 2 + end + 1)
        } else {
            let end = tag_end(tag).ok_or(WsdError::Malformed(at))?;
            let inner = tag.get(1..end).ok_or(WsdError::Malformed(at))?;
            let (inner, closed) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let split = inner
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(inner.len());
            let (name, attrs) = inner
                .split_at_checked(split)
                .ok_or(WsdError::Malformed(at))?;
            if name.is_empty() {
                return Err(WsdError::Malformed(at));
            }
            (Some(Tok::Start(name, attrs, closed)), end + 1)
        };
        out.extend(tok);
        at += len;
    }
    Ok(out)
}

/// The offset of the `>` closing the start tag at the front of `tag`,
/// skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            (None, '<') if i > 0 => return None,
            _ => {}
        }
    }
    None
}

/// The attributes of a start tag, `name="value"` pairs, values decoded.
fn attributes(attrs: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = attrs;
    for _ in 0..64 {
        let Some((name, after)) = rest.split_once('=') else {
            break;
        };
        let after = after.trim_start();
        let Some(q) = after.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            break;
        };
        let Some((value, tail)) = after.get(1..).and_then(|a| a.split_once(q)) else {
            break;
        };
        out.push((name.trim(), decode_entities(value)));
        rest = tail;
    }
    out
}

/// Replace the predefined entities and numeric character references; an
/// unknown or malformed reference stays as it is.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let tail = rest.get(amp..).unwrap_or("");
        let semi = tail.get(..12).unwrap_or(tail).find(';');
        let decoded = semi.and_then(|semi| {
            let name = tail.get(1..semi)?;
            let c = match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                n => {
                    let code = match n.strip_prefix("#x").or_else(|| n.strip_prefix("#X")) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => n.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = tail.get(len..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

fn prefix(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

/// What a list element's text is being collected for.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Types,
    Scopes,
    XAddrs,
    Address,
    RelatesTo,
}

/// Read a ProbeMatches message.
pub fn decode_probe_matches(bytes: &[u8]) -> Result<ProbeMatches, WsdError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(WsdError::TooLarge(bytes.len()));
    }
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let toks = tokens(text)?;
    // Every namespace declaration in the message, the first binding of a
    // prefix winning: discovery messages declare them once, on the envelope.
    let mut ns: HashMap<&str, String> = HashMap::new();
    for t in &toks {
        if let Tok::Start(_, attrs, _) = t {
            for (name, value) in attributes(attrs) {
                if let Some(p) = name.strip_prefix("xmlns:") {
                    ns.entry(p).or_insert(value);
                } else if name == "xmlns" {
                    ns.entry("").or_insert(value);
                }
            }
        }
    }
    let in_ns = |qname: &str, uri: &str| ns.get(prefix(qname)).is_some_and(|u| u == uri);
    let mut out = ProbeMatches::default();
    let mut stack: Vec<&str> = Vec::new();
    let mut current: Option<ProbeMatch> = None;
    let mut field: Option<(Field, usize)> = None;
    let mut buf = String::new();
    let mut saw_envelope = false;
    let mut saw_matches = false;
    for t in &toks {
        match t {
            Tok::Start(name, _, closed) => {
                if stack.is_empty() {
                    if local(name) != "Envelope" || !in_ns(name, SOAP) {
                        return Err(WsdError::NotProbeMatches);
                    }
                    saw_envelope = true;
                }
                let discovery = in_ns(name, DISCOVERY);
                match local(name) {
                    "ProbeMatches" if discovery => saw_matches = true,
                    "ProbeMatch" if discovery && out.matches.len() < MAX_MATCHES => {
                        current = Some(ProbeMatch::default());
                    }
                    l if field.is_none() && !closed => {
                        let f = match l {
                            "Types" if discovery => Some(Field::Types),
                            "Scopes" if discovery => Some(Field::Scopes),
                            "XAddrs" if discovery => Some(Field::XAddrs),
                            "Address" if in_ns(name, ADDRESSING) => Some(Field::Address),
                            "RelatesTo" if in_ns(name, ADDRESSING) => Some(Field::RelatesTo),
                            _ => None,
                        };
                        if let Some(f) = f
                            && (current.is_some() || f == Field::RelatesTo)
                        {
                            field = Some((f, stack.len()));
                            buf.clear();
                        }
                    }
                    _ => {}
                }
                if !closed {
                    if stack.len() >= MAX_DEPTH {
                        return Err(WsdError::TooComplex);
                    }
                    stack.push(name);
                }
            }
            Tok::End(name) => {
                if stack.pop() != Some(*name) {
                    return Err(WsdError::Malformed(0));
                }
                if let Some((f, depth)) = field
                    && depth == stack.len()
                {
                    field = None;
                    finish(f, &buf, &ns, current.as_mut(), &mut out);
                }
                if local(name) == "ProbeMatch"
                    && in_ns(name, DISCOVERY)
                    && let Some(m) = current.take()
                {
                    out.matches.push(m);
                }
            }
            Tok::Text(s) => {
                if field.is_some() && buf.len() < MAX_MESSAGE {
                    buf.push_str(&decode_entities(s));
                } else if stack.is_empty() && !s.trim().is_empty() {
                    return Err(WsdError::Malformed(0));
                }
            }
            Tok::Cdata(s) => {
                if field.is_some() && buf.len() < MAX_MESSAGE {
                    buf.push_str(s);
                }
            }
        }
    }
    if !stack.is_empty() || !saw_envelope {
        return Err(WsdError::Malformed(text.len()));
    }
    if !saw_matches {
        return Err(WsdError::NotProbeMatches);
    }
    Ok(out)
}

/// Store a finished element's text.
fn finish(
    f: Field,
    text: &str,
    ns: &HashMap<&str, String>,
    m: Option<&mut ProbeMatch>,
    out: &mut ProbeMatches,
) {
    let items = || text.split_ascii_whitespace().take(MAX_ITEMS);
    match (f, m) {
        (Field::RelatesTo, _) => out.relates_to = Some(text.trim().to_string()),
        (Field::Address, Some(m)) => m.address = Some(text.trim().to_string()),
        (Field::Types, Some(m)) => m.types = items().map(|q| canonical_type(q, ns)).collect(),
        (Field::Scopes, Some(m)) => m.scopes = items().map(str::to_string).collect(),
        (Field::XAddrs, Some(m)) => m.xaddrs = items().map(str::to_string).collect(),
        _ => {}
    }
}

/// A type QName with its specification's prefix when its namespace is
/// known ([`KNOWN_NAMESPACES`]), else as the message wrote it.
fn canonical_type(qname: &str, ns: &HashMap<&str, String>) -> String {
    let uri = ns.get(prefix(qname));
    match uri.and_then(|u| KNOWN_NAMESPACES.iter().find(|(k, _)| k == u)) {
        Some((_, p)) => format!("{p}:{}", local(qname)),
        None => qname.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// wsdd2 1.8.7 (Debian 12) answering our unicast Probe in the lab.
    const WSDD2: &str = include_str!("testdata/wsdd2_probe_matches.xml");
    /// wsdd 0.7.0 (Debian 12) answering a multicast Probe in the lab.
    const WSDD: &str = include_str!("testdata/wsdd_probe_matches.xml");

    #[test]
    fn probe_is_a_discovery_probe_with_a_fresh_id() {
        let id = message_id([0xab; 16]);
        assert_eq!(id, "urn:uuid:abababab-abab-4bab-abab-abababababab");
        assert_ne!(id, message_id([0xac; 16]));
        let p = probe(&id, Some("wsdp:Device"));
        assert!(p.contains(&format!("<wsa:MessageID>{id}</wsa:MessageID>")));
        assert!(p.contains("<wsd:Types>wsdp:Device</wsd:Types>"));
        assert!(p.contains(&format!("<wsa:Action>{DISCOVERY}/Probe</wsa:Action>")));
        assert!(!probe(&id, None).contains("Types"));
        // Our own tokenizer reads what we send.
        assert!(tokens(&p).is_ok());
    }

    #[test]
    fn real_daemons_answers_decode() {
        let got = decode_probe_matches(WSDD2.as_bytes()).unwrap();
        assert_eq!(
            got.relates_to.as_deref(),
            Some("urn:uuid:5cc4b83f-de80-4f74-8426-05f494883c57")
        );
        assert_eq!(
            got.matches,
            [ProbeMatch {
                address: Some("urn:uuid:3d1219c7-c4c5-404a-aa1f-6d2a48adfda4".into()),
                types: vec!["wsdp:Device".into(), "pub:Computer".into()],
                scopes: vec![],
                xaddrs: vec![
                    "http://198.18.120.2:3702/3d1219c7-c4c5-404a-aa1f-6d2a48adfda4".into()
                ],
            }]
        );
        let got = decode_probe_matches(WSDD.as_bytes()).unwrap();
        assert_eq!(got.matches.len(), 1);
        assert_eq!(got.matches[0].types, ["wsdp:Device", "pub:Computer"]);
        assert!(got.matches[0].xaddrs.is_empty(), "wsdd sends no XAddrs");
    }

    #[test]
    fn types_take_their_specifications_prefix() {
        // The wsdd2 answer with its prefixes renamed: the same types.
        let renamed = WSDD2
            .replace("xmlns:wsdp=", "xmlns:d0=")
            .replace("xmlns:pub=", "xmlns:p1=")
            .replace(
                "wsdp:Device pub:Computer",
                "d0:Device p1:Computer vnd:Thing",
            );
        let got = decode_probe_matches(renamed.as_bytes()).unwrap();
        assert_eq!(
            got.matches[0].types,
            ["wsdp:Device", "pub:Computer", "vnd:Thing"]
        );
    }

    #[test]
    fn entities_are_decoded_and_nothing_else_expands() {
        let cases = [
            ("a&lt;b&gt;&amp;&quot;&apos;", "a<b>&\"'"),
            ("&#x3c;script&#62;", "<script>"),
            ("&bogus; &#xZZ; & &#1114112;", "&bogus; &#xZZ; & &#1114112;"),
            ("&#x41;&#x", "A&#x"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_entities(raw), want, "{raw}");
        }
        let doctype = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{WSDD2}");
        assert_eq!(
            decode_probe_matches(doctype.as_bytes()),
            Err(WsdError::Doctype)
        );
    }

    #[test]
    fn hostile_scopes_are_read_as_text() {
        let hostile = WSDD2.replace(
            "</wsd:Types>",
            "</wsd:Types><wsd:Scopes>&lt;script&gt;alert(1)&lt;/script&gt; \
             <![CDATA[onvif://www.onvif.org/name/x]]></wsd:Scopes>",
        );
        let got = decode_probe_matches(hostile.as_bytes()).unwrap();
        assert_eq!(
            got.matches[0].scopes,
            ["<script>alert(1)</script>", "onvif://www.onvif.org/name/x"]
        );
    }

    #[test]
    fn bounds_hold() {
        let many: String = (0..100).map(|i| format!("urn:s{i} ")).collect();
        let long = WSDD2.replace(
            "</wsd:Types>",
            &format!("</wsd:Types><wsd:Scopes>{many}</wsd:Scopes>"),
        );
        let got = decode_probe_matches(long.as_bytes()).unwrap();
        assert_eq!(got.matches[0].scopes.len(), MAX_ITEMS);
        let m = "<wsd:ProbeMatch><wsd:Types>wsdp:Device</wsd:Types></wsd:ProbeMatch>";
        let flood = WSDD2.replace(
            "<wsd:ProbeMatches>",
            &format!("<wsd:ProbeMatches>{}", m.repeat(50)),
        );
        let got = decode_probe_matches(flood.as_bytes()).unwrap();
        assert_eq!(got.matches.len(), MAX_MATCHES);
        let deep = format!("<soap:Envelope xmlns:soap=\"{SOAP}\">{}", "<a>".repeat(100));
        assert_eq!(
            decode_probe_matches(deep.as_bytes()),
            Err(WsdError::TooComplex)
        );
        let big = vec![b' '; MAX_MESSAGE + 1];
        assert_eq!(
            decode_probe_matches(&big),
            Err(WsdError::TooLarge(MAX_MESSAGE + 1))
        );
    }

    #[test]
    fn what_is_not_probe_matches_is_an_error() {
        let cases: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("text", "hello".into()),
            ("not soap", "<a xmlns=\"urn:x\"><b/></a>".into()),
            ("our own probe", probe("urn:uuid:1", Some("wsdp:Device"))),
            ("cut", WSDD2[..WSDD2.len() / 2].to_string()),
            (
                "crossed tags",
                WSDD2.replace("</wsd:Types>", "</wsd:Scopes>"),
            ),
            (
                "unterminated tag",
                WSDD2.replace("<wsd:Types>", "<wsd:Types"),
            ),
        ];
        for (what, doc) in cases {
            assert!(decode_probe_matches(doc.as_bytes()).is_err(), "{what}");
        }
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = decode_probe_matches(&bytes);
        }

        #[test]
        fn mutated_answers_never_panic(
            edits in proptest::collection::vec((0usize..1400, any::<u8>()), 1..10),
            cut in 0usize..1400,
        ) {
            let mut p = WSDD2.as_bytes().to_vec();
            for (i, b) in edits {
                if let Some(x) = p.get_mut(i) {
                    *x = b;
                }
            }
            p.truncate(cut);
            if let Ok(m) = decode_probe_matches(&p) {
                prop_assert!(m.matches.len() <= MAX_MATCHES);
            }
        }

        #[test]
        fn xml_like_text_never_panics(s in "[<>/=\"'&;#xa-z: !\\[\\]?-]{0,300}") {
            let wrapped = format!("<soap:Envelope xmlns:soap=\"{SOAP}\">{s}</soap:Envelope>");
            let _ = decode_probe_matches(wrapped.as_bytes());
            let _ = decode_probe_matches(s.as_bytes());
        }
    }
}
