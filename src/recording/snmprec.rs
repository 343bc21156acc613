//! snmpsim `.snmprec`: one `OID|TAG|VALUE` per line. TAG is the ASN.1 tag
//! number, optionally followed by `x` (value is hex) or `e` (value has
//! Python-style escapes such as `\x07`).

use super::{
    LineError, Parsed, Problem, Problems, cap, decode_hex, is_placeholder, parse_ipv4, shorten,
    trim_ascii,
};
use crate::facts::{Oid, Value};

pub(super) fn parse(bytes: &[u8]) -> Parsed {
    let mut p = Lines::with_capacity(super::line_count(bytes));
    for raw in bytes.split(|&b| b == b'\n') {
        p.line(raw);
    }
    p.finish()
}

/// The parser fed one line at a time (without its `\n`), so a recording
/// can be read from a stream without holding its text.
pub(super) struct Lines {
    pairs: Vec<(Oid, Value)>,
    problems: Problems,
    line_no: usize,
}

impl Lines {
    pub(super) fn with_capacity(values: usize) -> Lines {
        Lines {
            pairs: Vec::with_capacity(values),
            problems: Problems::default(),
            line_no: 0,
        }
    }

    pub(super) fn line(&mut self, raw: &[u8]) {
        self.line_no += 1;
        let line_no = self.line_no;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if trim_ascii(line).is_empty() || line.first() == Some(&b'#') {
            return;
        }
        match parse_line(line, line_no, &mut self.problems) {
            Ok(Some((oid, value))) => self.pairs.push((oid, value)),
            Ok(None) => {}
            Err(error) => self.problems.push(Problem {
                line: line_no,
                error,
            }),
        }
    }

    pub(super) fn finish(self) -> Parsed {
        Parsed {
            format: super::Format::Snmprec,
            pairs: self.pairs,
            problems: self.problems,
        }
    }
}

fn parse_line(
    line: &[u8],
    line_no: usize,
    problems: &mut Problems,
) -> Result<Option<(Oid, Value)>, LineError> {
    let mut parts = line.splitn(3, |&b| b == b'|');
    let (Some(oid_text), Some(tag), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(LineError::Malformed {
            format: "snmprec",
            expected: "OID|TAG|VALUE",
        });
    };
    let oid = std::str::from_utf8(oid_text)
        .map_err(|_| LineError::BadOid {
            text: shorten(oid_text),
            reason: "not ASCII".into(),
        })
        .and_then(|t| {
            Oid::parse(t).map_err(|e| LineError::BadOid {
                text: shorten(oid_text),
                reason: e.to_string(),
            })
        })?;
    let tag = trim_ascii(tag);
    let digits_end = tag
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(tag.len());
    let (number, suffix) = tag.split_at(digits_end);
    let number: u32 = std::str::from_utf8(number)
        .ok()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| LineError::UnknownTag(shorten(tag)))?;
    // Raw bytes of the value after undoing the hex/escape encoding.
    let raw: Vec<u8> = match suffix {
        b"" => value.to_vec(),
        b"x" | b"xx" => {
            if is_placeholder(value) {
                value.to_vec()
            } else {
                decode_hex(value).ok_or_else(|| LineError::BadValue {
                    kind: "hex string",
                    value: shorten(value),
                })?
            }
        }
        b"e" => unescape(value),
        _ => return Err(LineError::UnknownTag(shorten(tag))),
    };
    if suffix == b"xx" {
        problems.push(Problem {
            line: line_no,
            error: LineError::UnknownTag(shorten(tag)),
        });
    }
    let text = || std::str::from_utf8(trim_ascii(&raw)).ok();
    let bad = |kind: &'static str| {
        if is_placeholder(&raw) {
            LineError::Placeholder(shorten(&raw))
        } else {
            LineError::BadValue {
                kind,
                value: shorten(&raw),
            }
        }
    };
    let value = match number {
        2 => Value::Integer(
            text()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad("integer"))?,
        ),
        4 => Value::OctetString(cap(raw.clone(), line_no, problems)),
        5 => Value::Null,
        6 => Value::ObjectId(
            text()
                .and_then(|t| Oid::parse(t).ok())
                .ok_or_else(|| bad("OID"))?,
        ),
        64 => {
            let ip = if suffix.is_empty() {
                parse_ipv4(&raw)
            } else {
                <[u8; 4]>::try_from(raw.as_slice()).ok()
            };
            Value::IpAddress(ip.ok_or_else(|| bad("IpAddress"))?)
        }
        65 => Value::Counter32(
            text()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad("Counter32"))?,
        ),
        66 => Value::Gauge32(
            text()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad("Gauge32"))?,
        ),
        67 => Value::TimeTicks(
            text()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad("TimeTicks"))?,
        ),
        68 => Value::Opaque(cap(raw.clone(), line_no, problems)),
        70 => Value::Counter64(
            text()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad("Counter64"))?,
        ),
        128..=130 => Value::NoSuchObject,
        _ => {
            // Keep the bytes as a string so nothing is lost, but say so.
            problems.push(Problem {
                line: line_no,
                error: LineError::UnknownTag(shorten(tag)),
            });
            Value::OctetString(cap(raw.clone(), line_no, problems))
        }
    };
    Ok(Some((oid, value)))
}

/// Undo Python-style escapes: `\xNN`, `\n`, `\r`, `\t`, `\\`, `\'`, `\"`,
/// `\0`. Unknown escapes are kept as written.
fn unescape(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while let Some(&b) = v.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        match v.get(i + 1) {
            Some(b'x') => {
                let hex = v.get(i + 2..i + 4).and_then(decode_hex);
                if let Some(byte) = hex.as_ref().and_then(|h| h.first()) {
                    out.push(*byte);
                    i += 4;
                } else {
                    out.push(b'\\');
                    i += 1;
                }
            }
            Some(&c @ (b'n' | b'r' | b't' | b'0' | b'\\' | b'\'' | b'"')) => {
                out.push(match c {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'0' => 0,
                    other => other,
                });
                i += 2;
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}
