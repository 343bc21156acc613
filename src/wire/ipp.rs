//! IPP (RFC 8010/8011), the little Pandian asks a printer: a
//! Get-Printer-Attributes request for the attributes that say what it is
//! (make and model, info, IEEE 1284 device ID, firmware, location, UUID),
//! and the response's attributes decoded as text. Pure: bytes in, values
//! out; every length is checked, at most [`MAX_ATTRIBUTES`] values are
//! read, and malformed input is an error, never a panic. The HTTP that
//! carries it is the probe's ([`crate::wire::banner`] reads its head).

/// The attributes asked for.
pub const REQUESTED: [&str; 8] = [
    "printer-make-and-model",
    "printer-info",
    "printer-device-id",
    "printer-firmware-string-version",
    "printer-firmware-name",
    "printer-location",
    "printer-uuid",
    "printer-name",
];

/// Most attribute values read from one response.
pub const MAX_ATTRIBUTES: usize = 512;

const GET_PRINTER_ATTRIBUTES: u16 = 0x000b;
const OPERATION_ATTRIBUTES: u8 = 0x01;
const END_OF_ATTRIBUTES: u8 = 0x03;
const PRINTER_ATTRIBUTES: u8 = 0x04;
const CHARSET: u8 = 0x47;
const NATURAL_LANGUAGE: u8 = 0x48;
const URI: u8 = 0x45;
const KEYWORD: u8 = 0x44;

/// What is wrong with a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IppError {
    /// Shorter than the 8-byte header.
    #[error("IPP response of {0} bytes is too short")]
    Short(usize),
    /// An attribute runs past the end.
    #[error("IPP attribute runs past the end of the response")]
    Truncated,
    /// Not IPP (version byte not 1 or 2).
    #[error("not an IPP response (version {0}.{1})")]
    NotIpp(u8, u8),
}

/// A decoded response: the status and the printer's attributes, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code (0 is successful-ok, 1 and 2 are ok with notes).
    pub status: u16,
    /// (name, value) for each value of the printer attributes group, in
    /// order; an attribute with several values appears once per value.
    pub attributes: Vec<(String, String)>,
}

impl Response {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn attr(out: &mut Vec<u8>, tag: u8, name: &str, value: &str) {
    out.push(tag);
    out.extend_from_slice(&u16::try_from(name.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&u16::try_from(value.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(value.as_bytes());
}

/// A Get-Printer-Attributes request (IPP 1.1) for `printer_uri`, asking
/// for [`REQUESTED`].
pub fn get_printer_attributes(request_id: u32, printer_uri: &str) -> Vec<u8> {
    let mut v = vec![1, 1];
    v.extend_from_slice(&GET_PRINTER_ATTRIBUTES.to_be_bytes());
    v.extend_from_slice(&request_id.to_be_bytes());
    v.push(OPERATION_ATTRIBUTES);
    attr(&mut v, CHARSET, "attributes-charset", "utf-8");
    attr(
        &mut v,
        NATURAL_LANGUAGE,
        "attributes-natural-language",
        "en",
    );
    attr(&mut v, URI, "printer-uri", printer_uri);
    for (i, name) in REQUESTED.iter().enumerate() {
        // Further values of one attribute have an empty name.
        let n = if i == 0 { "requested-attributes" } else { "" };
        attr(&mut v, KEYWORD, n, name);
    }
    v.push(END_OF_ATTRIBUTES);
    v
}

fn u16_at(b: &[u8], at: usize) -> Result<usize, IppError> {
    match b.get(at..at + 2) {
        Some([x, y]) => Ok(usize::from(u16::from_be_bytes([*x, *y]))),
        _ => Err(IppError::Truncated),
    }
}

/// A value's text by its syntax; `None` for syntaxes a fact has no use
/// for (dates, resolutions, ranges, collections' insides).
fn value_text(tag: u8, v: &[u8]) -> Option<String> {
    match tag {
        // integer, enum
        0x21 | 0x23 => {
            let a: [u8; 4] = v.try_into().ok()?;
            Some(i32::from_be_bytes(a).to_string())
        }
        // boolean
        0x22 => Some((v.first().copied().unwrap_or(0) != 0).to_string()),
        // text/name with language: a language, then the text.
        0x35 | 0x36 => {
            let ln = u16_at(v, 0).ok()?;
            let tn = u16_at(v, 2 + ln).ok()?;
            let t = v.get(4 + ln..4 + ln + tn)?;
            Some(String::from_utf8_lossy(t).into_owned())
        }
        // octetString, text, name, keyword, uri, uriScheme, charset,
        // naturalLanguage, mimeMediaType, memberAttrName
        0x30 | 0x41..=0x4a => Some(String::from_utf8_lossy(v).into_owned()),
        _ => None,
    }
}

/// Decode a Get-Printer-Attributes response (its printer attributes;
/// the operation attributes and any other group are skipped).
pub fn decode(b: &[u8]) -> Result<Response, IppError> {
    if b.len() < 8 {
        return Err(IppError::Short(b.len()));
    }
    let major = b.first().copied().unwrap_or(0);
    let minor = b.get(1).copied().unwrap_or(0);
    if !(1..=2).contains(&major) {
        return Err(IppError::NotIpp(major, minor));
    }
    let status = u16::try_from(u16_at(b, 2)?).unwrap_or(u16::MAX);
    let mut at = 8;
    let mut group = 0u8;
    let mut name = String::new();
    let mut attributes = Vec::new();
    let mut seen = 0usize;
    while let Some(&tag) = b.get(at) {
        if tag == END_OF_ATTRIBUTES {
            break;
        }
        if tag < 0x10 {
            group = tag;
            at += 1;
            continue;
        }
        let nl = u16_at(b, at + 1)?;
        let n = b.get(at + 3..at + 3 + nl).ok_or(IppError::Truncated)?;
        let vl = u16_at(b, at + 3 + nl)?;
        let v = b
            .get(at + 5 + nl..at + 5 + nl + vl)
            .ok_or(IppError::Truncated)?;
        at += 5 + nl + vl;
        seen += 1;
        if seen > MAX_ATTRIBUTES {
            break;
        }
        if !n.is_empty() {
            name = String::from_utf8_lossy(n).into_owned();
        }
        if group != PRINTER_ATTRIBUTES {
            continue;
        }
        if let Some(text) = value_text(tag, v) {
            attributes.push((name.clone(), text));
        }
    }
    Ok(Response { status, attributes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A response as ippeveprinter lays it out: operation attributes,
    /// then the printer's (values from its `-M`/`-m` defaults).
    fn response() -> Vec<u8> {
        let mut v = vec![2, 0, 0, 0, 0, 0, 0, 7, OPERATION_ATTRIBUTES];
        attr(&mut v, CHARSET, "attributes-charset", "utf-8");
        attr(
            &mut v,
            NATURAL_LANGUAGE,
            "attributes-natural-language",
            "en",
        );
        v.push(PRINTER_ATTRIBUTES);
        attr(&mut v, 0x41, "printer-make-and-model", "HP LaserJet M402dn");
        attr(
            &mut v,
            0x41,
            "printer-device-id",
            "MFG:HP;MDL:LaserJet M402dn;CMD:PCLM,PWGRaster;",
        );
        attr(&mut v, 0x41, "printer-firmware-string-version", "2.0");
        attr(&mut v, 0x41, "", "1.1");
        attr(&mut v, 0x23, "printer-state", "\0\0\0\x03");
        attr(&mut v, 0x22, "printer-is-accepting-jobs", "\x01");
        // text with language: en, "Front desk".
        attr(&mut v, 0x35, "printer-info", "\0\x02en\0\x0aFront desk");
        attr(&mut v, 0x31, "printer-current-time", "xxxxxxxxxxx");
        v.push(END_OF_ATTRIBUTES);
        v
    }

    #[test]
    fn request_has_the_operation_attributes_in_order() {
        let r = get_printer_attributes(7, "ipp://198.18.0.5:631/ipp/print");
        assert_eq!(&r[..8], &[1, 1, 0, 0x0b, 0, 0, 0, 7]);
        assert_eq!(r[8], OPERATION_ATTRIBUTES);
        assert_eq!(r[9], CHARSET);
        assert_eq!(r.last(), Some(&END_OF_ATTRIBUTES));
        // It is itself well formed: decoding reads no printer attributes.
        let d = decode(&r).unwrap();
        assert!(d.attributes.is_empty());
        let names = REQUESTED
            .iter()
            .filter(|n| r.windows(n.len()).any(|w| w == n.as_bytes()));
        assert_eq!(names.count(), REQUESTED.len());
    }

    #[test]
    fn response_attributes_are_read_as_text() {
        let d = decode(&response()).unwrap();
        assert_eq!(d.status, 0);
        assert_eq!(d.get("printer-make-and-model"), Some("HP LaserJet M402dn"));
        assert_eq!(d.get("printer-info"), Some("Front desk"));
        assert_eq!(d.get("printer-state"), Some("3"));
        assert_eq!(d.get("printer-is-accepting-jobs"), Some("true"));
        assert_eq!(d.get("printer-current-time"), None);
        let fw: Vec<_> = d
            .attributes
            .iter()
            .filter(|(n, _)| n == "printer-firmware-string-version")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(fw, vec!["2.0", "1.1"]);
        assert_eq!(d.get("attributes-charset"), None);
    }

    #[test]
    fn malformed_responses_table() {
        let full = response();
        let cases: [(&[u8], IppError); 3] = [
            (&full[..5], IppError::Short(5)),
            (b"HTTP/1.1 200 OK\r\n", IppError::NotIpp(b'H', b'T')),
            (&full[..40], IppError::Truncated),
        ];
        for (b, want) in cases {
            assert_eq!(decode(b), Err(want));
        }
        // Many tiny attributes stop at the cap.
        let mut many = vec![2, 0, 0, 0, 0, 0, 0, 1, PRINTER_ATTRIBUTES];
        for _ in 0..2000 {
            attr(&mut many, 0x41, "x", "y");
        }
        assert_eq!(decode(&many).unwrap().attributes.len(), MAX_ATTRIBUTES);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn mutated_responses_never_panic(
            at in 0usize..300,
            with in proptest::collection::vec(any::<u8>(), 0..16),
            cut in 0usize..8,
        ) {
            let mut r = response();
            let at = at.min(r.len());
            let end = (at + cut).min(r.len());
            r.splice(at..end, with);
            let _ = decode(&r);
        }
    }
}
