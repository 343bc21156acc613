//! What TCP services say first, read without trusting it: the banner line
//! of SSH, FTP and Telnet (Telnet's option negotiation taken out), the
//! head of an HTTP or RTSP answer (status, headers, where the body
//! starts), an HTML page's `<title>` (entities decoded), the realm of a
//! `WWW-Authenticate` challenge, and a printer's `@PJL INFO ID` answer;
//! with the few requests that ask for them. Pure: bytes in, values out;
//! every read is bounded (bytes, lines, headers) and malformed input is an
//! error or `None`, never a panic. Values are raw text here: the probe
//! cleans them with [`crate::text::clean`] (through `Announced::new`).

/// Longest banner line kept (bytes, before cleaning).
pub const MAX_LINE: usize = 1024;
/// Most header lines read from one answer.
pub const MAX_HEADERS: usize = 64;
/// Most bytes of a head (status line and headers).
pub const MAX_HEAD: usize = 16 * 1024;
/// Longest title kept (characters).
pub const MAX_TITLE: usize = 256;

/// What is wrong with an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BannerError {
    /// The head has not ended yet (more bytes may complete it).
    #[error("the answer's head is incomplete")]
    Incomplete,
    /// The head is longer than [`MAX_HEAD`] or has more than [`MAX_HEADERS`] lines.
    #[error("the answer's head is too long")]
    TooLong,
    /// Not an answer of the expected protocol.
    #[error("not a {0} answer")]
    NotProtocol(&'static str),
}

/// The head of an HTTP or RTSP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1`, `RTSP/1.0`.
    pub version: String,
    /// The status code.
    pub status: u16,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Offset of the body in the bytes given.
    pub body_at: usize,
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the body is sent in chunks.
    pub fn chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }
}

/// Bytes as text: UTF-8 when they are, else Latin-1 (old devices' pages).
pub fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The first line of `bytes` (up to CR or LF, at most [`MAX_LINE`] bytes);
/// `None` when there is no text before the end of the line.
pub fn first_line(bytes: &[u8]) -> Option<String> {
    let end = bytes
        .iter()
        .take(MAX_LINE)
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(bytes.len().min(MAX_LINE));
    let line = text(bytes.get(..end)?);
    let line = line.trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// An SSH server's identification (`SSH-2.0-OpenSSH_9.2p1 Debian-2`):
/// RFC 4253 §4.2 lets a server send other lines first; at most 16 of
/// them are skipped.
pub fn ssh_banner(bytes: &[u8]) -> Option<String> {
    let mut rest = bytes;
    for _ in 0..16 {
        if rest.starts_with(b"SSH-") {
            return first_line(rest);
        }
        let nl = rest.iter().take(MAX_LINE).position(|&b| b == b'\n')?;
        rest = rest.get(nl + 1..)?;
    }
    None
}

/// An FTP server's greeting without its reply code (`220 `, `220-`): the
/// first line's text, as Recog's `ftp_banners` matches it.
pub fn ftp_banner(bytes: &[u8]) -> Option<String> {
    let line = first_line(bytes)?;
    let code = line
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()));
    match (code, line.get(3..4)) {
        (Some(_), Some(" " | "-")) => {
            let t = line.get(4..).unwrap_or("").trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        (Some(_), None) => None,
        _ => Some(line),
    }
}

/// Telnet commands (RFC 854).
const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

/// Telnet bytes split: the text (negotiation taken out), and the answer
/// that refuses every option the server asked for (`DO x` -> `WONT x`,
/// `WILL x` -> `DONT x`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Telnet {
    /// What the server printed.
    pub text: Vec<u8>,
    /// The refusals to send back.
    pub refuse: Vec<u8>,
}

/// Take Telnet's negotiation out of `bytes` (bounded by their length).
pub fn telnet(bytes: &[u8]) -> Telnet {
    let mut out = Telnet::default();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != IAC {
            out.text.push(b);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&IAC) => {
                out.text.push(IAC);
                i += 2;
            }
            Some(&cmd @ (DO | DONT | WILL | WONT)) => {
                if let Some(&opt) = bytes.get(i + 2) {
                    match cmd {
                        DO => out.refuse.extend_from_slice(&[IAC, WONT, opt]),
                        WILL => out.refuse.extend_from_slice(&[IAC, DONT, opt]),
                        _ => {}
                    }
                }
                i += 3;
            }
            Some(&SB) => {
                // Subnegotiation runs to IAC SE.
                let end = bytes
                    .get(i + 2..)
                    .and_then(|r| r.windows(2).position(|w| w == [IAC, SE]));
                match end {
                    Some(e) => i += 2 + e + 2,
                    None => break,
                }
            }
            Some(_) => i += 2,
            None => break,
        }
    }
    out
}

/// What a Telnet server printed before it waits for input, negotiation
/// taken out: its non-blank lines (at most 8) joined by `\n`, as Recog's
/// `telnet_banners` matches them (`MikroTik v6.42.3 (stable)` then
/// `Login:`).
pub fn telnet_banner(bytes: &[u8]) -> Option<String> {
    let t = telnet(bytes);
    let lines: Vec<String> = t
        .text
        .split(|&b| b == b'\n' || b == b'\r')
        .take(64)
        .filter_map(first_line)
        .take(8)
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// `GET / HTTP/1.1` to `host` (an address), closing after the answer.
pub fn http_get(host: &str) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: pandian\r\nAccept: text/html,*/*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// `OPTIONS * RTSP/1.0`, sequence number 1.
pub fn rtsp_options() -> Vec<u8> {
    b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: pandian\r\n\r\n".to_vec()
}

/// The head of an answer whose status line starts with `proto` (`HTTP/`,
/// `RTSP/`). [`BannerError::Incomplete`] while the blank line that ends
/// it has not arrived.
pub fn head(bytes: &[u8], proto: &'static str) -> Result<Head, BannerError> {
    let window = bytes.get(..bytes.len().min(MAX_HEAD)).unwrap_or(bytes);
    let check = proto.len().min(window.len());
    if !proto
        .as_bytes()
        .starts_with(window.get(..check).unwrap_or(&[]))
    {
        return Err(BannerError::NotProtocol(proto));
    }
    // The end: CRLF CRLF, or bare LF LF from sloppy embedded servers.
    let end = window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, p + 4));
    let end_lf = window
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|p| (p, p + 2));
    let (head_end, body_at) = match (end, end_lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) if bytes.len() >= MAX_HEAD => return Err(BannerError::TooLong),
        (None, None) => return Err(BannerError::Incomplete),
    };
    let raw = text(window.get(..head_end).unwrap_or(&[]));
    let mut lines = raw.split('\n').map(|l| l.trim_end_matches('\r'));
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    if !version.starts_with(proto) {
        return Err(BannerError::NotProtocol(proto));
    }
    let status = parts
        .next()
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or(BannerError::NotProtocol(proto))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if headers.len() >= MAX_HEADERS {
            return Err(BannerError::TooLong);
        }
        if line.starts_with([' ', '\t']) {
            // An obsolete folded continuation of the previous header.
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Head {
        version: version.to_string(),
        status,
        headers,
        body_at,
    })
}

/// The body of a chunked answer, as far as it goes (at most `cap` bytes,
/// at most 4096 chunks); a malformed chunk size ends it.
pub fn dechunk(mut body: &[u8], cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..4096 {
        let Some(nl) = body.iter().take(64).position(|&b| b == b'\n') else {
            break;
        };
        let line = text(body.get(..nl).unwrap_or(&[]));
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(n) = usize::from_str_radix(size, 16) else {
            break;
        };
        if n == 0 {
            break;
        }
        let rest = body.get(nl + 1..).unwrap_or(&[]);
        let take = n.min(rest.len()).min(cap.saturating_sub(out.len()));
        out.extend_from_slice(rest.get(..take).unwrap_or(&[]));
        if out.len() >= cap || rest.len() < n {
            break;
        }
        body = rest.get(n..).unwrap_or(&[]);
        body = body
            .strip_prefix(b"\r\n")
            .or(body.strip_prefix(b"\n"))
            .unwrap_or(body);
    }
    out
}

/// Position of `needle` (ASCII, lowercase) in `hay`, ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// The text of an HTML page's first `<title>`: entities decoded,
/// whitespace collapsed, at most [`MAX_TITLE`] characters; `None` when
/// there is none or it is empty.
pub fn html_title(body: &[u8]) -> Option<String> {
    let mut at = 0;
    // `<title` followed by `>` or attributes (never `<titlebar>`).
    let open = loop {
        let p = at + find_ci(body.get(at..)?, b"<title")?;
        match body.get(p + 6) {
            Some(b'>' | b' ' | b'\t' | b'\r' | b'\n') => break p,
            _ => at = p + 6,
        }
    };
    let after = body.get(open..)?;
    let start = open + after.iter().position(|&b| b == b'>')? + 1;
    let rest = body.get(start..)?;
    let end = find_ci(rest, b"</title").unwrap_or(rest.len().min(4 * MAX_TITLE));
    let raw = text(rest.get(..end.min(16 * MAX_TITLE))?);
    let decoded = decode_entities(&raw);
    let title: String = decoded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// HTML character references: the common named ones and numeric ones
/// (`&#39;`, `&#x27;`); anything else is left as it is.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let tail = rest.get(amp..).unwrap_or("");
        let semi = tail.get(..tail.len().min(12)).and_then(|t| t.find(';'));
        let decoded = semi.and_then(|e| entity(tail.get(1..e)?).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = tail.get(e + 1..).unwrap_or("");
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

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        _ => return None,
    })
}

/// The realm of a `WWW-Authenticate` challenge (`Basic realm="monit"`,
/// `Digest realm="x", nonce=...`, unquoted too).
pub fn realm(challenge: &str) -> Option<String> {
    let p = challenge.to_ascii_lowercase().find("realm=")?;
    let v = challenge.get(p + 6..)?.trim_start();
    let r = match v.strip_prefix('"') {
        Some(q) => q.split('"').next().unwrap_or(""),
        None => v.split([',', ' ']).next().unwrap_or(""),
    };
    let r = r.trim();
    (!r.is_empty()).then(|| r.to_string())
}

/// PJL's Universal Exit Language, which frames a PJL job.
const UEL: &[u8] = b"\x1b%-12345X";

/// `@PJL INFO ID`, framed by UEL.
pub fn pjl_info_id() -> Vec<u8> {
    let mut v = UEL.to_vec();
    v.extend_from_slice(b"@PJL INFO ID\r\n");
    v.extend_from_slice(UEL);
    v
}

/// A printer's answer to `@PJL INFO ID`: the line after the echoed
/// command, quotes taken off (`"HP LaserJet 4100 Series"`). The answer
/// ends with a form feed; `None` until the ID line has arrived whole.
pub fn pjl_id(bytes: &[u8]) -> Option<String> {
    let p = find_ci(bytes, b"@pjl info id")?;
    let rest = bytes.get(p + 12..)?;
    // Skip the rest of the echoed line.
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let rest = rest.get(nl + 1..)?;
    let end = rest
        .iter()
        .take(MAX_LINE)
        .position(|&b| matches!(b, b'\r' | b'\n' | b'\x0c'))?;
    let line = text(rest.get(..end)?);
    let id = line.trim().trim_matches('"').trim();
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A response head with `server` and a body: the shape a web server
    /// sends; header values come from Recog's examples.
    fn response(headers: &[(&str, &str)], body: &str) -> Vec<u8> {
        let mut s = String::from("HTTP/1.1 200 OK\r\n");
        for (n, v) in headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s.push_str(body);
        s.into_bytes()
    }

    #[test]
    fn ssh_banners_table() {
        // Recog ssh_banners.xml matches what follows "SSH-2.0-"; these are
        // its examples as a server sends them, plus dropbear's as the lab's
        // daemon sends it.
        let cases: [(&[u8], Option<&str>); 6] = [
            (
                b"SSH-2.0-RomSShell_4.62\r\n",
                Some("SSH-2.0-RomSShell_4.62"),
            ),
            (b"SSH-2.0-mpSSH_0.0.1\r\n", Some("SSH-2.0-mpSSH_0.0.1")),
            (
                b"SSH-2.0-dropbear_2022.83\r\n\x00\x00\x01\x14\x0a\x14",
                Some("SSH-2.0-dropbear_2022.83"),
            ),
            (
                b"Welcome\r\nSSH-1.99-Cisco-1.25\r\n",
                Some("SSH-1.99-Cisco-1.25"),
            ),
            (b"HTTP/1.0 400 Bad Request\r\n\r\n", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(ssh_banner(bytes).as_deref(), want, "{bytes:?}");
        }
    }

    #[test]
    fn ftp_banners_table() {
        // Recog ftp_banners.xml examples, behind the reply code a server sends.
        let cases: [(&[u8], Option<&str>); 5] = [
            (
                b"220 foo.bar Microsoft FTP Service (Version 5.0).\r\n",
                Some("foo.bar Microsoft FTP Service (Version 5.0)."),
            ),
            (
                b"220-example.com FTP server (Version 1.1.214.4(PHNE_38458) Mon Feb 15 06:03:12 GMT 2010) ready.\r\n220 more\r\n",
                Some(
                    "example.com FTP server (Version 1.1.214.4(PHNE_38458) Mon Feb 15 06:03:12 GMT 2010) ready.",
                ),
            ),
            (b"220 \r\n", None),
            (b"Microsoft FTP Service\r\n", Some("Microsoft FTP Service")),
            (b"\r\n", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(ftp_banner(bytes).as_deref(), want, "{bytes:?}");
        }
    }

    #[test]
    fn telnet_negotiation_is_taken_out_and_refused() {
        // Negotiation (DO TTYPE, WILL ECHO, WILL SGA, a TTYPE
        // subnegotiation) before a Recog telnet_banners example (base64
        // "VXNlciBBY2Nlc3MgVmVyaWZpY2F0aW9uDQoNClVzZXJuYW1lOgo=").
        let bytes = [
            &[IAC, DO, 24, IAC, WILL, 1, IAC, WILL, 3][..],
            &[IAC, SB, 24, 1, IAC, SE][..],
            b"User Access Verification\r\n\r\nUsername:\n",
        ]
        .concat();
        let t = telnet(&bytes);
        assert_eq!(t.refuse, vec![IAC, WONT, 24, IAC, DONT, 1, IAC, DONT, 3]);
        assert_eq!(
            telnet_banner(&bytes).as_deref(),
            Some("User Access Verification\nUsername:")
        );
        let cases: [(&[u8], Option<&str>); 5] = [
            (b"ZyXEL login:", Some("ZyXEL login:")),
            (
                b"MikroTik v6.42.3 (stable)\r\nLogin:\n",
                Some("MikroTik v6.42.3 (stable)\nLogin:"),
            ),
            (b"\xff\xfb\x01\xff\xfb\x03Password:", Some("Password:")),
            (b"\xff\xfb", None),
            (b"\xff\xfa\x18\x01", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(telnet_banner(bytes).as_deref(), want, "{bytes:?}");
        }
    }

    #[test]
    fn http_heads_table() {
        // Server values from Recog http_servers.xml, realms from
        // http_wwwauth.xml.
        let r = response(
            &[
                ("Server", "BASHttpd/4.3.24-release"),
                (
                    "WWW-Authenticate",
                    "Basic realm=\"level_15 or view_access\"",
                ),
                ("Content-Length", "0"),
            ],
            "",
        );
        let h = head(&r, "HTTP/").unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(h.header("server"), Some("BASHttpd/4.3.24-release"));
        assert_eq!(
            realm(h.header("www-authenticate").unwrap()).as_deref(),
            Some("level_15 or view_access")
        );
        assert_eq!(h.body_at, r.len());
        // Bare LF heads, folded headers.
        let h = head(
            b"HTTP/1.0 401 Unauthorized\nServer: monit 5.6\n  (x)\n\nbody",
            "HTTP/",
        )
        .unwrap();
        assert_eq!(h.status, 401);
        assert_eq!(h.header("Server"), Some("monit 5.6 (x)"));
        assert_eq!(h.body_at, 51);
        // RTSP (Recog rtsp_servers.xml).
        let h = head(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Hipcam RealServer/V1.0\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n",
            "RTSP/",
        )
        .unwrap();
        assert_eq!(h.header("server"), Some("Hipcam RealServer/V1.0"));
        let errors: [(&[u8], BannerError); 4] = [
            (b"HTTP/1.1 200 OK\r\nServer: x\r\n", BannerError::Incomplete),
            (b"SSH-2.0-x\r\n\r\n", BannerError::NotProtocol("HTTP/")),
            (b"HTTP/1.1 abc\r\n\r\n", BannerError::NotProtocol("HTTP/")),
            (b"HT", BannerError::Incomplete),
        ];
        for (bytes, want) in errors {
            assert_eq!(head(bytes, "HTTP/"), Err(want), "{bytes:?}");
        }
        let long = [b"HTTP/1.1 200 OK\r\n".as_slice(), &[b'a'; MAX_HEAD]].concat();
        assert_eq!(head(&long, "HTTP/"), Err(BannerError::TooLong));
        let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
        let many = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert_eq!(head(many.as_bytes(), "HTTP/"), Err(BannerError::TooLong));
    }

    #[test]
    fn titles_table() {
        // Titles from Recog html_title.xml, in the pages devices serve.
        let cases: [(&[u8], Option<&str>); 8] = [
            (
                b"<html><head><title>401 Unauthorized</title></head>",
                Some("401 Unauthorized"),
            ),
            (
                b"<HTML><HEAD><TITLE>\r\n  HP LaserJet\r\n  Professional P1606dn </TITLE>",
                Some("HP LaserJet Professional P1606dn"),
            ),
            (
                b"<title lang=\"en\">AT&amp;T &#8211; U-verse &#x26; more</title>",
                Some("AT&T \u{2013} U-verse & more"),
            ),
            (b"<titlebar>x</titlebar>", None),
            (b"<title></title>", None),
            (b"<title>no end", Some("no end")),
            (b"<title>caf\xe9</title>", Some("caf\u{e9}")),
            (b"no title here", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(html_title(bytes).as_deref(), want, "{bytes:?}");
        }
        let long = format!("<title>{}</title>", "x".repeat(100_000));
        assert_eq!(
            html_title(long.as_bytes()).map(|t| t.chars().count()),
            Some(MAX_TITLE)
        );
        // Markup in a title stays text here; the sanitiser makes it inert.
        assert_eq!(
            html_title(b"<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>").as_deref(),
            Some("<script>alert(1)</script>")
        );
    }

    #[test]
    fn entities_and_realms_table() {
        let cases = [
            ("a &amp; b", "a & b"),
            ("&unknown; &", "&unknown; &"),
            ("&#65;&#x42;&#0;", "AB\u{0}"),
            ("&#xffffffff;", "&#xffffffff;"),
            ("&&amp;", "&&"),
        ];
        for (s, want) in cases {
            assert_eq!(decode_entities(s), want, "{s}");
        }
        let realms = [
            ("Basic realm=\"Transmission\"", Some("Transmission")),
            (
                "Digest realm=\"HP Color LaserJet\", nonce=\"abc\"",
                Some("HP Color LaserJet"),
            ),
            ("Basic realm=router, charset=UTF-8", Some("router")),
            ("Basic realm=\"\"", None),
            ("Negotiate", None),
        ];
        for (s, want) in realms {
            assert_eq!(realm(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn chunked_bodies_are_joined_and_bounded() {
        let body = b"7\r\n<title>\r\n5;x=y\r\nHello\r\n8\r\n</title>\r\n0\r\n\r\n";
        assert_eq!(dechunk(body, 1024), b"<title>Hello</title>");
        assert_eq!(dechunk(body, 4), b"<tit");
        assert_eq!(dechunk(b"zz\r\nabc", 10), b"");
        assert_eq!(dechunk(b"ffffffffffffffff\r\nabc", 10), b"abc");
    }

    #[test]
    fn pjl_answers_table() {
        // Recog hp_pjl_id.xml examples, in the answer a printer sends.
        assert_eq!(
            pjl_info_id(),
            b"\x1b%-12345X@PJL INFO ID\r\n\x1b%-12345X".to_vec()
        );
        let cases: [(&[u8], Option<&str>); 5] = [
            (
                b"@PJL INFO ID\r\n\"HP LaserJet 4100 Series\"\r\n\x0c",
                Some("HP LaserJet 4100 Series"),
            ),
            (
                b"@PJL INFO ID\r\nLASERJET 4050\r\n\x0c",
                Some("LASERJET 4050"),
            ),
            (
                b"\x1b%-12345X@PJL INFO ID\r\n\"hp designjet 110plus\"\x0c",
                Some("hp designjet 110plus"),
            ),
            (b"@PJL INFO ID\r\n\"HP LaserJet 22", None),
            (b"220 ftp\r\n", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(pjl_id(bytes).as_deref(), want, "{bytes:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = first_line(&bytes);
            let _ = ssh_banner(&bytes);
            let _ = ftp_banner(&bytes);
            let _ = telnet_banner(&bytes);
            let _ = head(&bytes, "HTTP/");
            let _ = head(&bytes, "RTSP/");
            let _ = dechunk(&bytes, 4096);
            let _ = pjl_id(&bytes);
            if let Some(t) = html_title(&bytes) {
                prop_assert!(t.chars().count() <= MAX_TITLE);
            }
            let _ = realm(&text(&bytes));
        }

        #[test]
        fn mutated_answers_never_panic(
            at in 0usize..200,
            with in proptest::collection::vec(any::<u8>(), 0..32),
        ) {
            let mut r = response(
                &[("Server", "Logitech Media Server (7.9.3 - 1586752599)"), ("Transfer-Encoding", "chunked")],
                "a\r\n<title>x&am\r\n3\r\np;y\r\n0\r\n\r\n",
            );
            let at = at.min(r.len());
            r.splice(at..at, with);
            if let Ok(h) = head(&r, "HTTP/") {
                let body = r.get(h.body_at..).unwrap_or(&[]);
                let _ = html_title(&dechunk(body, 4096));
            }
            let _ = telnet(&r);
            let _ = pjl_id(&r);
        }
    }
}
