//! Recordings of SNMP walks, read into [`SnmpFacts`]: snmpsim `.snmprec`
//! (`OID|TAG|VALUE`) and net-snmp `snmpwalk -On` output
//! (`.OID = TYPE: VALUE`), told apart by looking at the first data line.
//!
//! Pure: takes bytes, returns facts plus a list of per-line problems. Bad
//! lines are skipped and reported, never a panic: recordings come from
//! other people's devices and tools (truncated lines, binary values,
//! anonymised OIDs such as `10.xx.xx.100`, `<private>` values).

mod snmprec;
mod snmpwalk;

use crate::facts::SnmpFacts;

/// Longest value kept, in bytes; longer values are cut and reported.
pub const MAX_VALUE_LEN: usize = 1 << 20;
/// Problems kept in [`Recording::problems`] (all are counted in
/// [`Recording::problem_count`]): a file of junk costs no more than this.
pub const MAX_PROBLEMS: usize = 1000;
/// The largest recording `pandian fingerprint` reads (256 MiB).
pub const MAX_RECORDING_BYTES: u64 = 256 << 20;

/// Which recording format the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// snmpsim `.snmprec`: `OID|TAG|VALUE`.
    Snmprec,
    /// `snmpwalk -On`: `.OID = TYPE: VALUE`.
    Snmpwalk,
}

/// Why one line was skipped or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The line does not have the format's shape.
    #[error("not a {format} line (expected {expected})")]
    Malformed {
        /// Format name.
        format: &'static str,
        /// What the line should look like.
        expected: &'static str,
    },
    /// The OID part is not dotted decimal (e.g. anonymised `10.xx.xx.1`).
    #[error("OID {text:?} is not dotted decimal: {reason}")]
    BadOid {
        /// The OID text, shortened.
        text: String,
        /// Why it failed.
        reason: String,
    },
    /// A type tag this parser does not know.
    #[error("unknown type tag {0:?}")]
    UnknownTag(String),
    /// The value does not fit its type.
    #[error("value {value:?} is not a valid {kind}")]
    BadValue {
        /// Type name.
        kind: &'static str,
        /// The value text, shortened.
        value: String,
    },
    /// A placeholder such as `<private>` stands where the type needs a
    /// number or address; the value is dropped.
    #[error("placeholder {0:?} instead of a value")]
    Placeholder(String),
    /// The value was longer than [`MAX_VALUE_LEN`] and was cut.
    #[error("value of {0} bytes cut to {MAX_VALUE_LEN}")]
    Truncated(usize),
    /// A quoted string never closed before the end of input.
    #[error("string not closed before end of input")]
    Unterminated,
}

/// One problem, with the 1-based line number it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub error: LineError,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

/// A parsed recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The format detected.
    pub format: Format,
    /// Every value that could be read.
    pub facts: SnmpFacts,
    /// Lines skipped or changed, in order: the first [`MAX_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// How many lines were skipped or changed in all.
    pub problem_count: usize,
}

/// Problems as a parser finds them: the first [`MAX_PROBLEMS`] kept, all
/// counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    kept: Vec<Problem>,
    count: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, p: Problem) {
        self.count += 1;
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(p);
        }
    }
}

/// What a parser returns: the values in file order.
pub(crate) struct Parsed {
    format: Format,
    pairs: Vec<(crate::facts::Oid, crate::facts::Value)>,
    problems: Problems,
}

impl Parsed {
    fn into_recording(self) -> Recording {
        Recording {
            format: self.format,
            // One pass into full nodes; a repeated OID keeps its last value.
            facts: self.pairs.into_iter().collect(),
            problems: self.problems.kept,
            problem_count: self.problems.count,
        }
    }
}

/// How many lines `bytes` has (a capacity hint: one value per line).
fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

fn parse_pairs(bytes: &[u8]) -> Parsed {
    match detect(bytes) {
        Format::Snmprec => snmprec::parse(bytes),
        Format::Snmpwalk => snmpwalk::parse(bytes),
    }
}

/// Parse a recording, detecting its format. Never fails: unreadable lines
/// land in [`Recording::problems`].
pub fn parse(bytes: &[u8]) -> Recording {
    parse_pairs(bytes).into_recording()
}

/// The values of a recording in the order its lines give them (a repeated
/// OID appears twice; problems are dropped): for a caller that joins
/// several recordings into one set of facts and builds it once.
pub fn pairs(bytes: &[u8]) -> Vec<(crate::facts::Oid, crate::facts::Value)> {
    parse_pairs(bytes).pairs
}

/// [`parse`], taking the bytes: they are freed before the facts are
/// built, so a large recording never has its text and its facts in memory
/// at once beyond the parse itself.
pub fn parse_owned(bytes: Vec<u8>) -> Recording {
    let parsed = parse_pairs(&bytes);
    drop(bytes);
    parsed.into_recording()
}

/// [`parse`] from a stream. A `.snmprec` recording is parsed line by line
/// and its text never held whole (memory is its values only); `snmpwalk`
/// output, whose strings may span lines, is read whole first. The format
/// is told from the first lines. `size_hint` (the file's length, when
/// known) sizes the value list up front.
pub fn parse_reader(mut r: impl std::io::BufRead, size_hint: u64) -> std::io::Result<Recording> {
    let mut head = Vec::new();
    let mut lines = 0;
    while lines < 1000 && head.len() < (1 << 20) {
        if r.read_until(b'\n', &mut head)? == 0 {
            break;
        }
        lines += 1;
    }
    if detect(&head) == Format::Snmpwalk {
        r.read_to_end(&mut head)?;
        return Ok(parse_owned(head));
    }
    // Recordings average well over 24 bytes a line.
    let guess = usize::try_from(size_hint / 24).unwrap_or(0);
    let mut p = snmprec::Lines::with_capacity(guess.max(lines));
    // The head holds whole lines (read_until stops after a newline), the
    // last one without it only at the end of the input.
    for raw in head.split_inclusive(|&b| b == b'\n') {
        p.line(raw.strip_suffix(b"\n").unwrap_or(raw));
    }
    drop(head);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        p.line(buf.strip_suffix(b"\n").unwrap_or(&buf));
    }
    Ok(p.finish().into_recording())
}

/// Guess the format from the first data line: `OID|TAG|...` is snmprec,
/// `OID = ...` is snmpwalk; snmprec when nothing tells.
pub fn detect(bytes: &[u8]) -> Format {
    for line in bytes.split(|&b| b == b'\n').take(1000) {
        let line = trim_ascii(line);
        if line.is_empty() || line.first() == Some(&b'#') {
            continue;
        }
        let oid_end = line
            .iter()
            .position(|&b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(line.len());
        let rest = line.get(oid_end..).unwrap_or_default();
        if oid_end > 0 {
            if rest.first() == Some(&b'|') {
                return Format::Snmprec;
            }
            if trim_ascii(rest).starts_with(b"=") {
                return Format::Snmpwalk;
            }
        }
        if line.contains(&b'|') {
            return Format::Snmprec;
        }
        if line.windows(3).any(|w| w == b" = ") {
            return Format::Snmpwalk;
        }
    }
    Format::Snmprec
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Text for error messages: lossy, at most 64 characters.
fn shorten(b: &[u8]) -> String {
    String::from_utf8_lossy(b).chars().take(64).collect()
}

/// Decode hex digits, ignoring spaces, colons and a `0x` prefix.
fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    let text = text
        .strip_prefix(b"0x")
        .or_else(|| text.strip_prefix(b"0X"))
        .unwrap_or(text);
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b':' | b'\t' | b'\r' | b'\n'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            let hi = (pair.first().copied()? as char).to_digit(16)?;
            let lo = (pair.get(1).copied()? as char).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// Cut `v` to [`MAX_VALUE_LEN`], reporting it; no spare capacity kept.
fn cap(mut v: Vec<u8>, line: usize, problems: &mut Problems) -> Vec<u8> {
    if v.len() > MAX_VALUE_LEN {
        problems.push(Problem {
            line,
            error: LineError::Truncated(v.len()),
        });
        v.truncate(MAX_VALUE_LEN);
    }
    v.shrink_to_fit();
    v
}

fn is_placeholder(v: &[u8]) -> bool {
    let v = trim_ascii(v);
    v.first() == Some(&b'<') && v.last() == Some(&b'>')
}

fn parse_ipv4(text: &[u8]) -> Option<[u8; 4]> {
    let s = std::str::from_utf8(trim_ascii(text)).ok()?;
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests;
