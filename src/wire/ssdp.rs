//! SSDP (UPnP Device Architecture 1.1 §1.3) and the little HTTP/1.1 it
//! rides on: the M-SEARCH Pandian sends one host (or, opted in, a whole
//! segment), the HTTPU answers (`SERVER`, `ST`, `USN`, `LOCATION`), the
//! GET that fetches a device description and the response that carries
//! it. Pure: bytes in, values out; every count and length is bounded, and
//! a malformed answer is an error, never a panic.

/// Most header lines read from one response.
pub const MAX_HEADERS: usize = 64;
/// Longest header block read (bytes).
pub const MAX_HEAD: usize = 8 * 1024;
/// Most chunks read from a chunked body.
const MAX_CHUNKS: usize = 4096;

/// What is wrong with a response that claims to be HTTP(U).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsdpError {
    /// No complete header block (or one over [`MAX_HEAD`] bytes).
    #[error("HTTP response has no complete header block within {MAX_HEAD} bytes")]
    Incomplete,
    /// The status line is not `HTTP/1.x NNN ...`.
    #[error("not an HTTP response: {0:?}")]
    NotHttp(String),
    /// A chunk size that is not hex, or a chunk past the end.
    #[error("malformed chunked body")]
    BadChunk,
}

/// The M-SEARCH for every device and service (`ST: ssdp:all`), sent
/// unicast to one host's port 1900 (and, by the opt-in segment probe, to
/// the group itself). Its `HOST` header names the SSDP group
/// (`239.255.255.250:1900`), not the host as UDA 1.1 suggests for unicast
/// searches: libupnp (pupnp 1.8) drops a search with any other `HOST`, and
/// the header only names the group, nothing is sent to it. `MX: 1` is
/// kept although UDA 1.1 leaves it out of unicast searches: UPnP 1.0
/// devices drop a search without it.
pub fn msearch() -> Vec<u8> {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n\
         ST: ssdp:all\r\nUSER-AGENT: Linux/6 UPnP/1.1 Pandian/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// An HTTP(U) response's status and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header names (lowercased) and values (trimmed, lossy UTF-8), in
    /// order, at most [`MAX_HEADERS`].
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Where the header block ends: the index of the body's first byte.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let window = bytes.get(..bytes.len().min(MAX_HEAD))?;
    let crlf = window
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = window.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parse a response's status line and headers: the response and where its
/// body begins.
pub fn parse_response(bytes: &[u8]) -> Result<(Response, usize), SsdpError> {
    let end = head_end(bytes).ok_or(SsdpError::Incomplete)?;
    let head = String::from_utf8_lossy(bytes.get(..end).unwrap_or_default());
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.split_whitespace();
    let status = match (words.next(), words.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code.parse::<u16>().ok(),
        _ => None,
    }
    .ok_or_else(|| SsdpError::NotHttp(crate::text::clean(status_line, 64)))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(n, _)| !n.is_empty())
        .take(MAX_HEADERS)
        .collect();
    Ok((Response { status, headers }, end))
}

/// What one SSDP answer says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// `SERVER`: OS, UPnP version, product.
    pub server: Option<String>,
    /// `ST`: the search target this answer is for.
    pub st: Option<String>,
    /// `USN`: the unique service name.
    pub usn: Option<String>,
    /// `LOCATION`: the URL of the device description.
    pub location: Option<String>,
}

/// Read an answer to an M-SEARCH (`HTTP/1.1 200 OK` with SSDP headers).
pub fn parse_answer(bytes: &[u8]) -> Result<Answer, SsdpError> {
    let (r, _) = parse_response(bytes)?;
    if r.status != 200 {
        return Err(SsdpError::NotHttp(format!("status {}", r.status)));
    }
    let get = |n: &str| r.header(n).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(Answer {
        server: get("server"),
        st: get("st"),
        usn: get("usn"),
        location: get("location"),
    })
}

/// A description URL's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The host as written (an address or a name; IPv6 literals keep their brackets).
    pub host: String,
    /// The port (80 when none is given).
    pub port: u16,
    /// The path and query, `/` when empty.
    pub path: String,
}

/// Split an `http://host[:port]/path` URL; `None` for any other scheme,
/// userinfo, a bad port, or a path with spaces or control characters (it
/// would break the request line).
pub fn parse_location(url: &str) -> Option<Location> {
    let url = url.trim();
    let scheme = url.get(..7)?;
    if !scheme.eq_ignore_ascii_case("http://") {
        return None;
    }
    let rest = url.get(7..)?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, "/"),
    };
    if authority.contains('@') || authority.is_empty() {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h, p.parse::<u16>().ok().filter(|p| *p != 0)?)
        }
        _ => (authority, 80),
    };
    if path.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return None;
    }
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    Some(Location {
        host: host.to_string(),
        port,
        path,
    })
}

/// The GET for a description at `loc`: HTTP/1.1, `Connection: close`.
pub fn get_request(loc: &Location) -> Vec<u8> {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nAccept: text/xml, application/xml\r\n\
         User-Agent: Linux/6 UPnP/1.1 Pandian/{}\r\n\r\n",
        loc.path,
        loc.host,
        loc.port,
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// The body of a whole HTTP response (as read until the peer closed, or
/// the caller's cap): de-chunked when chunked, cut at `Content-Length`
/// when given, at most `cap` bytes. An error for a status other than 200.
pub fn body(bytes: &[u8], cap: usize) -> Result<Vec<u8>, SsdpError> {
    let (r, start) = parse_response(bytes)?;
    if r.status != 200 {
        return Err(SsdpError::NotHttp(format!("status {}", r.status)));
    }
    let rest = bytes.get(start..).unwrap_or_default();
    let chunked = r
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return dechunk(rest, cap);
    }
    let len = r
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(rest.len());
    Ok(rest
        .get(..len.min(cap).min(rest.len()))
        .unwrap_or_default()
        .to_vec())
}

fn dechunk(mut rest: &[u8], cap: usize) -> Result<Vec<u8>, SsdpError> {
    let mut out = Vec::new();
    for _ in 0..MAX_CHUNKS {
        let Some(eol) = rest.iter().position(|&b| b == b'\n') else {
            // Cut off inside a size line: what came so far.
            return Ok(out);
        };
        let line = String::from_utf8_lossy(rest.get(..eol).unwrap_or_default());
        let size = line.split(';').next().unwrap_or_default().trim();
        let n = usize::from_str_radix(size, 16).map_err(|_| SsdpError::BadChunk)?;
        if n == 0 {
            return Ok(out);
        }
        let data = rest.get(eol + 1..).unwrap_or_default();
        let take = data.get(..n.min(data.len())).unwrap_or_default();
        out.extend_from_slice(
            take.get(..take.len().min(cap - out.len()))
                .unwrap_or_default(),
        );
        if out.len() >= cap || take.len() < n {
            return Ok(out);
        }
        rest = data.get(n..).unwrap_or_default();
        rest = rest.strip_prefix(b"\r").unwrap_or(rest);
        rest = rest.strip_prefix(b"\n").unwrap_or(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// gmediarender 0.1 (libupnp 1.8.4)'s answer for its root device to
    /// `ST: ssdp:all`, as the lab's renderer sent it (one of the six).
    const LIBUPNP: &[u8] = b"HTTP/1.1 200 OK\r\n\
CACHE-CONTROL: max-age=100\r\n\
DATE: Wed, 02 Dec 2026 01:47:36 GMT\r\n\
EXT:\r\n\
LOCATION: http://198.18.110.24:49494/description.xml\r\n\
OPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n\
01-NLS: 575e4e5a-edf2-11f1-9d99-f4c02e12b995\r\n\
SERVER: Linux/6.18.44-fc-v1098, UPnP/1.0, Portable SDK for UPnP devices/1.8.4\r\n\
X-User-Agent: redsonic\r\n\
ST: upnp:rootdevice\r\n\
USN: uuid:b827eb6e-0018-4000-8000-b827eb6e0018::upnp:rootdevice\r\n\
\r\n";

    #[test]
    fn msearch_is_a_unicast_search_for_everything() {
        let m = String::from_utf8(msearch()).unwrap();
        assert!(m.starts_with("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"));
        assert!(m.contains("MAN: \"ssdp:discover\"\r\n"));
        assert!(m.contains("ST: ssdp:all\r\n"));
        assert!(m.ends_with("\r\n\r\n"));
    }

    #[test]
    fn answers_table() {
        let a = parse_answer(LIBUPNP).unwrap();
        assert_eq!(a.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(
            a.server.as_deref(),
            Some("Linux/6.18.44-fc-v1098, UPnP/1.0, Portable SDK for UPnP devices/1.8.4")
        );
        assert_eq!(
            a.location.as_deref(),
            Some("http://198.18.110.24:49494/description.xml")
        );
        assert_eq!(
            a.usn.as_deref(),
            Some("uuid:b827eb6e-0018-4000-8000-b827eb6e0018::upnp:rootdevice")
        );
        // LF-only line ends, lowercase names, an empty ST.
        let lf = b"HTTP/1.1 200 OK\nlocation: http://198.18.110.9/d.xml\nst:\n\n";
        let a = parse_answer(lf).unwrap();
        assert_eq!(a.location.as_deref(), Some("http://198.18.110.9/d.xml"));
        assert_eq!(a.st, None);
        let cases: &[(&[u8], SsdpError)] = &[
            (b"HTTP/1.1 200 OK\r\nST: x\r\n", SsdpError::Incomplete),
            (
                b"NOTIFY * HTTP/1.1\r\n\r\n",
                SsdpError::NotHttp("NOTIFY * HTTP/1.1".into()),
            ),
            (
                b"HTTP/1.1 404 Not Found\r\n\r\n",
                SsdpError::NotHttp("status 404".into()),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_answer(raw).as_ref(), Err(want));
        }
    }

    #[test]
    fn locations_table() {
        let loc = |h: &str, p: u16, path: &str| {
            Some(Location {
                host: h.into(),
                port: p,
                path: path.into(),
            })
        };
        let cases = [
            (
                "http://198.18.110.21:8200/rootDesc.xml",
                loc("198.18.110.21", 8200, "/rootDesc.xml"),
            ),
            (
                "HTTP://198.18.110.21/desc?x=1",
                loc("198.18.110.21", 80, "/desc?x=1"),
            ),
            (
                "http://198.18.110.21:49152",
                loc("198.18.110.21", 49152, "/"),
            ),
            ("http://[fe80::1]:80/d.xml", loc("[fe80::1]", 80, "/d.xml")),
            (
                "http://printer.local:80/d.xml",
                loc("printer.local", 80, "/d.xml"),
            ),
            ("https://198.18.110.21/d.xml", None),
            ("http://user@198.18.110.21/d.xml", None),
            ("http://198.18.110.21:0/d.xml", None),
            ("http://198.18.110.21:99999/d.xml", None),
            ("http://198.18.110.21/a b", None),
            ("http://198.18.110.21/a\r\nX: y", None),
            ("http:///d.xml", None),
            ("", None),
        ];
        for (url, want) in cases.clone() {
            assert_eq!(parse_location(url), want, "{url}");
        }
        let req = String::from_utf8(get_request(&parse_location(cases[0].0).unwrap())).unwrap();
        assert!(req.starts_with("GET /rootDesc.xml HTTP/1.1\r\nHost: 198.18.110.21:8200\r\n"));
    }

    #[test]
    fn bodies_table() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world";
        assert_eq!(body(plain, 100).unwrap(), b"hello");
        assert_eq!(body(plain, 3).unwrap(), b"hel");
        let close = b"HTTP/1.0 200 OK\r\n\r\n<root/>";
        assert_eq!(body(close, 100).unwrap(), b"<root/>");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<roo\r\n3;x=1\r\nt/>\r\n0\r\n\r\n";
        assert_eq!(body(chunked, 100).unwrap(), b"<root/>");
        assert_eq!(body(chunked, 5).unwrap(), b"<root");
        let cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n<ro";
        assert_eq!(body(cut, 100).unwrap(), b"<ro");
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(body(bad, 100), Err(SsdpError::BadChunk));
        let long = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nabc";
        assert_eq!(body(long, 100).unwrap(), b"abc");
        assert!(body(b"HTTP/1.1 500 Oops\r\n\r\n", 10).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), cap in 0usize..300) {
            let _ = parse_answer(&bytes);
            let _ = body(&bytes, cap);
            let _ = parse_location(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn mutated_answers_never_panic(edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..12), cap in 0usize..300) {
            let mut msg = LIBUPNP.to_vec();
            for (at, b) in edits {
                let i = usize::from(at) % msg.len();
                msg[i] = b;
            }
            let _ = parse_answer(&msg);
            let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            chunked.extend_from_slice(&msg);
            if let Ok(b) = body(&chunked, cap) {
                prop_assert!(b.len() <= cap);
            }
        }
    }
}
