//! Just enough TLS to read a server's certificate, without a TLS library:
//! a ClientHello that old devices accept (record version TLS 1.0, client
//! version TLS 1.2, no `supported_versions`, so TLS 1.3 servers answer
//! with TLS 1.2 and their Certificate is still cleartext; RSA, ECDHE and
//! 3DES suites), the server's handshake records reassembled, and the
//! first certificate's subject and issuer read from its DER as RFC
//! 4514-like strings (`CN=R3,O=Let's Encrypt,C=US`). We read, we do not
//! trust: nothing here verifies anything, and the connection is dropped
//! after the Certificate message. Pure: bytes in, values out; every length
//! is checked, input is bounded ([`MAX_HANDSHAKE`], [`MAX_RDNS`]), and
//! anything malformed is an error, never a panic.

/// Most handshake bytes reassembled before giving up.
pub const MAX_HANDSHAKE: usize = 64 * 1024;
/// Most relative distinguished names read from one name.
pub const MAX_RDNS: usize = 32;
/// Longest name string built (characters).
pub const MAX_NAME: usize = 1024;

/// What went wrong reading a server's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// Not a TLS record.
    #[error("not a TLS record (content type {0})")]
    NotTls(u8),
    /// The server sent an alert (level, description).
    #[error("TLS alert {1} (level {0})")]
    Alert(u8, u8),
    /// The handshake is longer than [`MAX_HANDSHAKE`].
    #[error("TLS handshake longer than {MAX_HANDSHAKE} bytes")]
    TooLong,
    /// The server finished its hello without a certificate.
    #[error("the server sent no certificate")]
    NoCertificate,
    /// A handshake message or DER element is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// Where reading the server's records has got to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// More bytes are needed.
    More,
    /// The first certificate's DER.
    Certificate(Vec<u8>),
}

/// Cipher suites offered: ECDHE and plain RSA with AES-GCM and AES-CBC,
/// then 3DES and RC4 for the oldest devices (we only read the
/// certificate, which the server sends before any cipher is used).
const SUITES: [u16; 18] = [
    0xc02f, 0xc030, 0xc02b, 0xc02c, // ECDHE-{RSA,ECDSA}-AES-GCM
    0xc013, 0xc014, 0xc009, 0xc00a, // ECDHE-{RSA,ECDSA}-AES-CBC-SHA
    0x009c, 0x009d, // RSA-AES-GCM
    0x002f, 0x0035, 0x003c, 0x003d, // RSA-AES-CBC-SHA(256)
    0x0033, 0x0039, // DHE-RSA-AES-CBC-SHA
    0x000a, 0x0005, // RSA-3DES-EDE-CBC-SHA, RSA-RC4-128-SHA
];

/// Signature algorithms (TLS 1.2): RSA PKCS#1, ECDSA, RSA-PSS, SHA-1 last.
const SIGALGS: [u16; 11] = [
    0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0201, 0x0203,
];

fn push_u16(v: &mut Vec<u8>, n: usize) {
    v.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes());
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16(out, body.len());
    out.extend_from_slice(body);
}

/// A ClientHello record offering TLS 1.0 to 1.2, with `random` as its
/// random (the caller supplies it: this module has no clock or RNG). No
/// server name: we connect to an address.
pub fn client_hello(random: [u8; 32]) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&random);
    body.push(0); // no session id
    push_u16(&mut body, SUITES.len() * 2);
    for s in SUITES {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    // supported_groups: x25519, secp256r1, secp384r1, secp521r1.
    extension(
        &mut ext,
        0x000a,
        &[0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19],
    );
    // ec_point_formats: uncompressed.
    extension(&mut ext, 0x000b, &[1, 0]);
    let mut sig = Vec::new();
    push_u16(&mut sig, SIGALGS.len() * 2);
    for s in SIGALGS {
        sig.extend_from_slice(&s.to_be_bytes());
    }
    extension(&mut ext, 0x000d, &sig);
    // renegotiation_info (RFC 5746), empty: some servers insist.
    extension(&mut ext, 0xff01, &[0]);
    push_u16(&mut body, ext.len());
    body.extend_from_slice(&ext);

    let mut hs = vec![1]; // ClientHello
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    hs.extend_from_slice(&len[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 0x03, 0x01];
    push_u16(&mut rec, hs.len());
    rec.extend_from_slice(&hs);
    rec
}

/// Read the server's records in `bytes` (everything received so far):
/// the first certificate once the Certificate message is whole,
/// [`Progress::More`] before that.
pub fn server_certificate(bytes: &[u8]) -> Result<Progress, TlsError> {
    let mut hs: Vec<u8> = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let kind = rest.first().copied().unwrap_or(0);
        let major = rest.get(1).copied().unwrap_or(0);
        let len = usize::from(u16::from_be_bytes([
            rest.get(3).copied().unwrap_or(0),
            rest.get(4).copied().unwrap_or(0),
        ]));
        if major != 3 || !matches!(kind, 20..=23) {
            return Err(TlsError::NotTls(kind));
        }
        let Some(frag) = rest.get(5..5 + len) else {
            break;
        };
        match kind {
            21 => {
                let level = frag.first().copied().unwrap_or(0);
                let desc = frag.get(1).copied().unwrap_or(0);
                return Err(TlsError::Alert(level, desc));
            }
            22 => {
                if hs.len() + frag.len() > MAX_HANDSHAKE {
                    return Err(TlsError::TooLong);
                }
                hs.extend_from_slice(frag);
            }
            // A ChangeCipherSpec or application data: the cleartext part
            // of the handshake is over.
            _ => return Err(TlsError::NoCertificate),
        }
        rest = rest.get(5 + len..).unwrap_or(&[]);
    }
    // Walk the handshake messages.
    let mut m = hs.as_slice();
    while m.len() >= 4 {
        let kind = m.first().copied().unwrap_or(0);
        let len = be24(m.get(1..4))?;
        let Some(body) = m.get(4..4 + len) else {
            return Ok(Progress::More);
        };
        match kind {
            11 => return first_certificate(body).map(Progress::Certificate),
            // ServerHelloDone, ServerKeyExchange, CertificateRequest
            // without a Certificate before them.
            12..=14 => return Err(TlsError::NoCertificate),
            _ => {}
        }
        m = m.get(4 + len..).unwrap_or(&[]);
    }
    Ok(Progress::More)
}

fn be24(b: Option<&[u8]>) -> Result<usize, TlsError> {
    match b {
        Some([a, b, c]) => Ok(usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
        _ => Err(TlsError::Malformed("handshake length")),
    }
}

/// The first certificate of a Certificate message's body.
fn first_certificate(body: &[u8]) -> Result<Vec<u8>, TlsError> {
    let total = be24(body.get(0..3))?;
    let list = body
        .get(3..3 + total)
        .ok_or(TlsError::Malformed("certificate list"))?;
    let len = be24(list.get(0..3))?;
    let der = list
        .get(3..3 + len)
        .ok_or(TlsError::Malformed("certificate"))?;
    if der.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(der.to_vec())
}

/// One DER element: its tag and contents, and what follows it.
fn der(b: &[u8]) -> Result<(u8, &[u8], &[u8]), TlsError> {
    let tag = *b.first().ok_or(TlsError::Malformed("DER tag"))?;
    let first = *b.get(1).ok_or(TlsError::Malformed("DER length"))?;
    let (len, at) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(TlsError::Malformed("DER length"));
        }
        let bytes = b.get(2..2 + n).ok_or(TlsError::Malformed("DER length"))?;
        (
            bytes
                .iter()
                .fold(0usize, |acc, &x| acc << 8 | usize::from(x)),
            2 + n,
        )
    };
    let end = at
        .checked_add(len)
        .ok_or(TlsError::Malformed("DER length"))?;
    let content = b.get(at..end).ok_or(TlsError::Malformed("DER contents"))?;
    Ok((tag, content, b.get(end..).unwrap_or(&[])))
}

fn expect<'a>(b: &'a [u8], tag: u8, what: &'static str) -> Result<(&'a [u8], &'a [u8]), TlsError> {
    let (t, c, rest) = der(b)?;
    if t != tag {
        return Err(TlsError::Malformed(what));
    }
    Ok((c, rest))
}

/// A certificate's subject and issuer, as RFC 4514-like strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Whom the certificate names.
    pub subject: String,
    /// Who signed it.
    pub issuer: String,
}

/// The subject and issuer of an X.509 certificate (DER).
pub fn names(cert: &[u8]) -> Result<Names, TlsError> {
    const SEQ: u8 = 0x30;
    let (cert, _) = expect(cert, SEQ, "certificate")?;
    let (tbs, _) = expect(cert, SEQ, "tbsCertificate")?;
    let mut rest = tbs;
    // [0] EXPLICIT version, when present.
    if rest.first() == Some(&0xa0) {
        rest = der(rest)?.2;
    }
    let (_, rest) = expect(rest, 0x02, "serial number")?;
    let (_, rest) = expect(rest, SEQ, "signature algorithm")?;
    let (issuer, rest) = expect(rest, SEQ, "issuer")?;
    let (_, rest) = expect(rest, SEQ, "validity")?;
    let (subject, _) = expect(rest, SEQ, "subject")?;
    Ok(Names {
        subject: name(subject)?,
        issuer: name(issuer)?,
    })
}

/// A Name's contents (a SEQUENCE OF RelativeDistinguishedName) as RFC
/// 4514 writes it: the last RDN first, `+` within an RDN, values escaped.
pub fn name(mut seq: &[u8]) -> Result<String, TlsError> {
    let mut rdns: Vec<String> = Vec::new();
    while !seq.is_empty() {
        if rdns.len() >= MAX_RDNS {
            return Err(TlsError::Malformed("name: too many parts"));
        }
        let (set, rest) = expect(seq, 0x31, "relative distinguished name")?;
        seq = rest;
        let mut parts: Vec<String> = Vec::new();
        let mut s = set;
        while !s.is_empty() && parts.len() < MAX_RDNS {
            let (atv, rest) = expect(s, 0x30, "attribute")?;
            s = rest;
            let (oid, value) = expect(atv, 0x06, "attribute type")?;
            let (tag, content, _) = der(value)?;
            parts.push(format!(
                "{}={}",
                attribute(oid),
                escape(&string(tag, content))
            ));
        }
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    let joined = rdns.join(",");
    Ok(joined.chars().take(MAX_NAME).collect())
}

/// A name attribute's short name, or its dotted OID.
fn attribute(oid: &[u8]) -> String {
    let short = match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x04] => "SN",
        [0x55, 0x04, 0x05] => "SERIALNUMBER",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "STREET",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x0c] => "T",
        [0x55, 0x04, 0x2a] => "GN",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        _ => return dotted(oid),
    };
    short.to_string()
}

/// An OID's contents as dotted decimal (at most 32 arcs).
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in oid.iter().take(64) {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
        if acc > u64::MAX >> 8 {
            break;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A directory string's text: UTF8String, PrintableString, IA5String,
/// TeletexString (read as Latin-1), BMPString (UTF-16), UniversalString
/// (UTF-32); other types as `#` and their hex, as RFC 4514 does.
fn string(tag: u8, c: &[u8]) -> String {
    match tag {
        0x0c | 0x13 | 0x16 | 0x1a => String::from_utf8_lossy(c).into_owned(),
        0x14 => c.iter().map(|&b| char::from(b)).collect(),
        0x1e => {
            let units: Vec<u16> = c
                .chunks_exact(2)
                .map(|p| {
                    u16::from_be_bytes([
                        p.first().copied().unwrap_or(0),
                        p.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{fffd}'))
                .collect()
        }
        0x1c => c
            .chunks_exact(4)
            .map(|p| {
                let mut a = [0u8; 4];
                a.copy_from_slice(p);
                char::from_u32(u32::from_be_bytes(a)).unwrap_or('\u{fffd}')
            })
            .collect(),
        _ => {
            let hex: String = c.iter().take(256).map(|b| format!("{b:02x}")).collect();
            format!("\u{0}#{hex}")
        }
    }
}

/// RFC 4514 §2.4 escaping: `, + " \ < > ;` always, `#` and space at the
/// start, space at the end. A hex value (marked by a leading NUL) is
/// written as it is.
fn escape(v: &str) -> String {
    if let Some(hex) = v.strip_prefix('\u{0}') {
        return hex.to_string();
    }
    let mut out = String::with_capacity(v.len());
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i + 1 == n && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = content.len();
        if n < 0x80 {
            v.push(n as u8);
        } else if n < 0x100 {
            v.extend_from_slice(&[0x81, n as u8]);
        } else {
            v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(content);
        v
    }

    /// One RDN: OID bytes, string tag, value.
    type Rdn = (&'static [u8], u8, &'static str);

    /// A Name from (OID bytes, string tag, value) RDNs in DER order.
    fn der_name(rdns: &[(&[u8], u8, &str)]) -> Vec<u8> {
        let mut seq = Vec::new();
        for (oid, tag, value) in rdns {
            let atv = [tlv(0x06, oid), tlv(*tag, value.as_bytes())].concat();
            seq.extend(tlv(0x31, &tlv(0x30, &atv)));
        }
        tlv(0x30, &seq)
    }

    /// A certificate's outline: the fields before the subject as X.509
    /// lays them out (version, serial, algorithm, issuer, validity,
    /// subject, and a key and signature reduced to stubs).
    fn cert(issuer: &[u8], subject: &[u8]) -> Vec<u8> {
        let tbs = [
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &[0x01, 0x02]),
            tlv(
                0x30,
                &tlv(
                    0x06,
                    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
                ),
            ),
            issuer.to_vec(),
            tlv(
                0x30,
                &[tlv(0x17, b"250101000000Z"), tlv(0x17, b"350101000000Z")].concat(),
            ),
            subject.to_vec(),
            tlv(0x30, &[]),
        ]
        .concat();
        tlv(
            0x30,
            &[tlv(0x30, &tbs), tlv(0x30, &[]), tlv(0x03, &[0])].concat(),
        )
    }

    const CN: &[u8] = &[0x55, 4, 3];
    const O: &[u8] = &[0x55, 4, 10];
    const OU: &[u8] = &[0x55, 4, 11];
    const C: &[u8] = &[0x55, 4, 6];
    const L: &[u8] = &[0x55, 4, 7];

    #[test]
    fn names_are_written_as_rfc4514_does_table() {
        // Recog x509_subjects.xml / x509_issuers.xml examples, laid out in
        // DER order (country first) as the certificates carry them.
        let cases: [(Vec<Rdn>, &str); 3] = [
            (
                vec![
                    (C, 0x13, "US"),
                    (O, 0x13, "Let's Encrypt"),
                    (CN, 0x13, "R3"),
                ],
                "CN=R3,O=Let's Encrypt,C=US",
            ),
            (
                vec![
                    (C, 0x13, "US"),
                    (L, 0x0c, "Irvine"),
                    (O, 0x0c, "Cisco-Linksys, LLC"),
                    (OU, 0x0c, "RV042"),
                    (CN, 0x0c, "00:22:6b:ef:1e:d0"),
                ],
                "CN=00:22:6b:ef:1e:d0,OU=RV042,O=Cisco-Linksys\\, LLC,L=Irvine,C=US",
            ),
            (
                vec![
                    (C, 0x13, "US"),
                    (O, 0x0c, "Araknis Networks (TM)"),
                    (&[0x2a, 0x03, 0x81, 0x00], 0x0c, " #x "),
                ],
                "1.2.3.128=\\ #x\\ ,O=Araknis Networks (TM),C=US",
            ),
        ];
        for (rdns, want) in cases {
            let n = der_name(&rdns);
            let (content, _) = expect(&n, 0x30, "name").unwrap();
            assert_eq!(name(content).unwrap(), want);
        }
        let issuer = der_name(&[
            (C, 0x13, "US"),
            (O, 0x13, "Let's Encrypt"),
            (CN, 0x13, "R3"),
        ]);
        let subject = der_name(&[(CN, 0x1e, "\u{0}p\u{0}r\u{0}n")]);
        let got = names(&cert(&issuer, &subject)).unwrap();
        assert_eq!(got.issuer, "CN=R3,O=Let's Encrypt,C=US");
        assert_eq!(got.subject, "CN=prn");
    }

    #[test]
    fn openssl_certificate_names_match_openssl_rfc2253() {
        // Made by `openssl req -x509 -subj "/C=US/L=Irvine/O=Cisco-Linksys,
        // LLC/OU=RV042/CN=00:22:6b:ef:1e:d0"` (a Recog x509_subjects
        // example); `openssl x509 -nameopt RFC2253` prints the same string.
        let der = include_bytes!("testdata/rv042.der");
        let want = "CN=00:22:6b:ef:1e:d0,OU=RV042,O=Cisco-Linksys\\, LLC,L=Irvine,C=US";
        let got = names(der).unwrap();
        assert_eq!(got.subject, want);
        assert_eq!(got.issuer, want);
        // Inside a server's Certificate message.
        let bytes = record(22, &certificate_msg(der));
        assert_eq!(
            server_certificate(&bytes),
            Ok(Progress::Certificate(der.to_vec()))
        );
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![kind, 0, (body.len() >> 8) as u8, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    fn record(kind: u8, frag: &[u8]) -> Vec<u8> {
        let mut v = vec![kind, 3, 3, (frag.len() >> 8) as u8, frag.len() as u8];
        v.extend_from_slice(frag);
        v
    }

    fn certificate_msg(der: &[u8]) -> Vec<u8> {
        let n = der.len();
        let entry = [&[0, (n >> 8) as u8, n as u8][..], der].concat();
        let m = entry.len();
        handshake(11, &[&[0, (m >> 8) as u8, m as u8][..], &entry].concat())
    }

    #[test]
    fn client_hello_offers_tls12_in_a_tls10_record() {
        let h = client_hello([7; 32]);
        assert_eq!(&h[..3], &[22, 3, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 1);
        assert_eq!(be24(h.get(6..9)).unwrap(), h.len() - 9);
        assert_eq!(&h[9..11], &[3, 3]);
        assert_eq!(&h[11..43], &[7; 32]);
        // The extensions: no supported_versions (43), so a TLS 1.3 server
        // must answer with 1.2.
        let suites = usize::from(u16::from_be_bytes([h[44], h[45]]));
        assert_eq!(suites, SUITES.len() * 2);
        let mut ext = &h[46 + suites + 2 + 2..];
        let mut kinds = Vec::new();
        while ext.len() >= 4 {
            kinds.push(u16::from_be_bytes([ext[0], ext[1]]));
            let n = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
            ext = &ext[4 + n..];
        }
        assert_eq!(kinds, vec![0x000a, 0x000b, 0x000d, 0xff01]);
    }

    #[test]
    fn certificate_is_found_across_records_table() {
        let der = cert(
            &der_name(&[(CN, 0x13, "ca")]),
            &der_name(&[(CN, 0x13, "dev")]),
        );
        let hello = handshake(2, &[3, 3, 0, 0]);
        let msgs = [hello.clone(), certificate_msg(&der), handshake(14, &[])].concat();
        // One record, or the messages split over several as servers do.
        let one = record(22, &msgs);
        let split = [
            record(22, &msgs[..7]),
            record(22, &msgs[7..50]),
            record(22, &msgs[50..]),
        ]
        .concat();
        for bytes in [one.clone(), split] {
            assert_eq!(
                server_certificate(&bytes),
                Ok(Progress::Certificate(der.clone()))
            );
        }
        for cut in [0, 3, 5, 20, one.len() - 10] {
            assert_eq!(server_certificate(&one[..cut]), Ok(Progress::More), "{cut}");
        }
        let cases: [(Vec<u8>, TlsError); 4] = [
            (record(21, &[2, 40]), TlsError::Alert(2, 40)),
            (
                b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
                TlsError::NotTls(b'H'),
            ),
            (
                record(22, &[hello, handshake(14, &[])].concat()),
                TlsError::NoCertificate,
            ),
            (record(22, &certificate_msg(&[])), TlsError::NoCertificate),
        ];
        for (bytes, want) in cases {
            assert_eq!(server_certificate(&bytes), Err(want));
        }
        let big = record(22, &vec![0u8; 16_000]).repeat(5);
        assert_eq!(server_certificate(&big), Err(TlsError::TooLong));
    }

    #[test]
    fn malformed_der_is_an_error() {
        let cases: [&[u8]; 5] = [
            &[],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x82, 0xff, 0xff, 0],
            &[0x31, 0],
        ];
        for b in cases {
            assert!(names(b).is_err(), "{b:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = server_certificate(&bytes);
            let _ = names(&bytes);
            let _ = name(&bytes);
            let _ = dotted(&bytes);
        }

        #[test]
        fn mutated_certificates_never_panic(
            at in 0usize..400,
            with in proptest::collection::vec(any::<u8>(), 0..16),
            cut in 0usize..16,
        ) {
            let mut der = cert(
                &der_name(&[(C, 0x13, "US"), (O, 0x13, "Let's Encrypt"), (CN, 0x13, "R3")]),
                &der_name(&[(CN, 0x1e, "\u{0}x"), (OU, 0x1c, "\u{0}\u{0}\u{0}y")]),
            );
            let at = at.min(der.len());
            let end = (at + cut).min(der.len());
            der.splice(at..end, with);
            let _ = names(&der);
            let _ = server_certificate(&record(22, &certificate_msg(&der)));
        }
    }
}
