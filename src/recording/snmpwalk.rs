//! net-snmp `snmpwalk -On` output: `.OID = TYPE: VALUE`, where a quoted
//! STRING may run over several lines and a Hex-STRING may wrap.

use super::{
    LineError, Parsed, Problem, Problems, cap, decode_hex, parse_ipv4, shorten, trim_ascii,
};
use crate::facts::{Oid, Value};

pub(super) fn parse(bytes: &[u8]) -> Parsed {
    let mut pairs = Vec::with_capacity(super::line_count(bytes));
    let mut problems = Problems::default();
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let mut i = 0;
    while let Some(&line) = lines.get(i) {
        let line_no = i + 1;
        i += 1;
        let trimmed = trim_ascii(line);
        if trimmed.is_empty() || trimmed.first() == Some(&b'#') {
            continue;
        }
        let Some(eq) = find(line, b" = ").or_else(|| {
            // `OID =` with nothing after it: an empty value.
            line.strip_suffix(b" =").map(|l| l.len())
        }) else {
            problems.push(Problem {
                line: line_no,
                error: LineError::Malformed {
                    format: "snmpwalk",
                    expected: ".OID = TYPE: VALUE",
                },
            });
            continue;
        };
        let oid_text = line.get(..eq).unwrap_or_default();
        let rest = line.get(eq + 3..).unwrap_or_default();
        let oid = match std::str::from_utf8(oid_text)
            .ok()
            .and_then(|t| Oid::parse(t).ok())
        {
            Some(o) => o,
            None => {
                problems.push(Problem {
                    line: line_no,
                    error: LineError::BadOid {
                        text: shorten(oid_text),
                        reason: "not dotted decimal".into(),
                    },
                });
                // Skip continuation lines of a multi-line string too.
                if opens_unclosed_string(rest) {
                    i = skip_string(&lines, i).0;
                }
                continue;
            }
        };
        let (kind, body) = match find(rest, b": ") {
            Some(colon) if is_type_name(rest.get(..colon).unwrap_or_default()) => (
                rest.get(..colon).unwrap_or_default(),
                rest.get(colon + 2..).unwrap_or_default(),
            ),
            _ => (&b""[..], rest),
        };
        let result = match kind {
            b"STRING" | b"" if body.first() == Some(&b'"') => {
                let (next, text, closed) = read_quoted(&lines, i, body);
                i = next;
                if !closed {
                    problems.push(Problem {
                        line: line_no,
                        error: LineError::Unterminated,
                    });
                }
                Ok(Value::OctetString(cap(text, line_no, &mut problems)))
            }
            b"STRING" => Ok(Value::OctetString(cap(
                body.to_vec(),
                line_no,
                &mut problems,
            ))),
            b"" if body.starts_with(b"No Such") || body.starts_with(b"No more") => {
                Ok(Value::NoSuchObject)
            }
            b"" if trim_ascii(body) == b"NULL" => Ok(Value::Null),
            b"Hex-STRING" | b"Opaque" | b"BITS" => {
                let mut hex = trim_ascii(body).to_vec();
                if kind == b"BITS" {
                    // `BITS: 80 00 name(0)`: keep the hex part.
                    hex = hex
                        .split(|&b| b == b' ')
                        .take_while(|w| w.len() == 2)
                        .flat_map(|w| w.iter().copied())
                        .collect();
                }
                // Wrapped hex continues on lines of hex pairs.
                while let Some(&next) = lines.get(i) {
                    let t = trim_ascii(next);
                    if !t.is_empty() && is_hex_pairs(t) && find(next, b" = ").is_none() {
                        hex.push(b' ');
                        hex.extend_from_slice(t);
                        i += 1;
                    } else {
                        break;
                    }
                }
                match decode_hex(&hex) {
                    Some(b) if kind == b"Opaque" => Ok(Value::Opaque(b)),
                    Some(b) => Ok(Value::OctetString(cap(b, line_no, &mut problems))),
                    None if kind == b"Opaque" => Ok(Value::Opaque(body.to_vec())),
                    None => Err(LineError::BadValue {
                        kind: "Hex-STRING",
                        value: shorten(body),
                    }),
                }
            }
            b"INTEGER" => number(body)
                .map(Value::Integer)
                .ok_or_else(|| bad("INTEGER", body)),
            b"Counter32" => number(body)
                .and_then(|n| u32::try_from(n).ok())
                .map(Value::Counter32)
                .ok_or_else(|| bad("Counter32", body)),
            b"Gauge32" | b"Unsigned32" => number(body)
                .and_then(|n| u32::try_from(n).ok())
                .map(Value::Gauge32)
                .ok_or_else(|| bad("Gauge32", body)),
            b"Counter64" => std::str::from_utf8(first_word(body))
                .ok()
                .and_then(|t| t.parse().ok())
                .map(Value::Counter64)
                .ok_or_else(|| bad("Counter64", body)),
            b"Timeticks" => {
                // `(12345) 0:02:03.45`
                let inner = body
                    .strip_prefix(b"(")
                    .and_then(|b| b.split(|&c| c == b')').next())
                    .unwrap_or(body);
                std::str::from_utf8(trim_ascii(inner))
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .map(Value::TimeTicks)
                    .ok_or_else(|| bad("Timeticks", body))
            }
            b"OID" => std::str::from_utf8(first_word(body))
                .ok()
                .and_then(|t| Oid::parse(t).ok())
                .map(Value::ObjectId)
                .ok_or_else(|| bad("OID", body)),
            b"IpAddress" | b"Network Address" => parse_ipv4(body)
                .or_else(|| decode_hex(body).and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok()))
                .map(Value::IpAddress)
                .ok_or_else(|| bad("IpAddress", body)),
            b"" => Ok(Value::OctetString(cap(
                body.to_vec(),
                line_no,
                &mut problems,
            ))),
            other => Err(LineError::UnknownTag(shorten(other))),
        };
        match result {
            Ok(v) => pairs.push((oid, v)),
            Err(error) => problems.push(Problem {
                line: line_no,
                error,
            }),
        }
    }
    Parsed {
        format: super::Format::Snmpwalk,
        pairs,
        problems,
    }
}

fn bad(kind: &'static str, body: &[u8]) -> LineError {
    LineError::BadValue {
        kind,
        value: shorten(body),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_type_name(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= 32
        && t.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b' '))
        && t.first().is_some_and(u8::is_ascii_uppercase)
}

fn is_hex_pairs(t: &[u8]) -> bool {
    t.split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .all(|w| w.len() == 2 && w.iter().all(u8::is_ascii_hexdigit))
}

fn first_word(b: &[u8]) -> &[u8] {
    trim_ascii(b)
        .split(|&c| c == b' ')
        .next()
        .unwrap_or_default()
}

/// An INTEGER as `5`, `up(1)` or `5 seconds`.
fn number(body: &[u8]) -> Option<i64> {
    let w = first_word(body);
    let inner = match (w.iter().position(|&b| b == b'('), w.last()) {
        (Some(open), Some(b')')) => w.get(open + 1..w.len() - 1)?,
        _ => w,
    };
    std::str::from_utf8(inner).ok()?.parse().ok()
}

fn opens_unclosed_string(rest: &[u8]) -> bool {
    let body = rest.strip_prefix(b"STRING: ").unwrap_or(rest);
    body.first() == Some(&b'"') && closing_quote(body.get(1..).unwrap_or_default()).is_none()
}

/// Index of the first unescaped `"` in `b`.
fn closing_quote(b: &[u8]) -> Option<usize> {
    let mut escaped = false;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\\' if !escaped => escaped = true,
            b'"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn skip_string(lines: &[&[u8]], mut i: usize) -> (usize, bool) {
    while let Some(&l) = lines.get(i) {
        i += 1;
        if closing_quote(l).is_some() {
            return (i, true);
        }
    }
    (i, false)
}

/// Read a quoted string starting at `body` (which begins with `"`),
/// continuing on following lines until the closing quote. Returns the
/// next line index, the text (escapes `\"` and `\\` undone), and whether
/// the quote was closed.
fn read_quoted(lines: &[&[u8]], mut i: usize, body: &[u8]) -> (usize, Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut current = body.get(1..).unwrap_or_default();
    loop {
        if let Some(end) = closing_quote(current) {
            unescape_into(current.get(..end).unwrap_or_default(), &mut out);
            return (i, out, true);
        }
        unescape_into(current, &mut out);
        match lines.get(i) {
            Some(&next) if out.len() <= super::MAX_VALUE_LEN * 2 => {
                out.push(b'\n');
                current = next;
                i += 1;
            }
            _ => return (i, out, false),
        }
    }
}

fn unescape_into(b: &[u8], out: &mut Vec<u8>) {
    let mut escaped = false;
    for &c in b {
        if c == b'\\' && !escaped {
            escaped = true;
            continue;
        }
        if escaped && !matches!(c, b'"' | b'\\') {
            out.push(b'\\');
        }
        escaped = false;
        out.push(c);
    }
}
