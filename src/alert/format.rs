//! An [`Alert`] as bytes: an RFC 5424 syslog message (and its RFC 6587
//! octet-counting frame for TCP) and a webhook's JSON body.
//!
//! Every string in an alert is untrusted. In syslog, header fields keep
//! only printable US-ASCII (RFC 5424 §6), parameter values escape `"`,
//! `\` and `]` (§6.3.3), and control characters everywhere become visible
//! stand-ins (U+2400 pictures), so a newline in a device's name can never
//! end a message or forge another. Messages never exceed
//! [`MAX_SYSLOG_BYTES`]: the evidence is cut first, then the summary, on
//! character boundaries and never inside an escape. Webhook bodies are
//! serde_json (always valid JSON) and never exceed [`MAX_WEBHOOK_BYTES`].
//!
//! Pure: no clock, no sockets; the host name comes from the caller.

use super::{Alert, EventKind, Severity};

/// APP-NAME of every message.
pub const APP_NAME: &str = "pandian";

/// The SD-ID of Pandian's structured data. RFC 5424 §7.2.2 wants
/// `name@<private enterprise number>`; 32473 is the number IANA reserves
/// for examples and documentation (RFC 5612), as Pandian has none of its
/// own.
pub const SD_ID: &str = "pandian@32473";

/// The largest syslog message, in bytes (before TCP framing): the size
/// RFC 5424 §6.1 says every receiver SHOULD accept.
pub const MAX_SYSLOG_BYTES: usize = 2048;

/// The largest webhook body, in bytes.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

/// The longest summary in a webhook body, in characters.
const MAX_SUMMARY_CHARS: usize = 2000;

/// The longest other string (kind, state, ip, mac, times) in either format.
const MAX_FIELD_CHARS: usize = 128;

/// The most of a syslog message the summary may take, in bytes.
const MAX_SYSLOG_SUMMARY_BYTES: usize = 600;

/// What marks a value that was cut.
const CUT: &str = "…";

/// A syslog facility (RFC 5424 §6.2.1: 0 to 23).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facility(u8);

/// Facility names, by code.
const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

impl Facility {
    /// `local0`, Pandian's default.
    pub const LOCAL0: Facility = Facility(16);

    /// A name (`daemon`, `local0` ... `local7`, see [`Facility::names`]) or
    /// a code 0 to 23.
    pub fn parse(s: &str) -> Option<Facility> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u8>() {
            return (usize::from(n) < FACILITIES.len()).then_some(Facility(n));
        }
        let lower = s.to_ascii_lowercase();
        FACILITIES
            .iter()
            .position(|f| *f == lower)
            .and_then(|i| u8::try_from(i).ok())
            .map(Facility)
    }

    /// Every accepted name, in code order.
    pub fn names() -> &'static [&'static str] {
        &FACILITIES
    }

    /// The code, 0 to 23.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The name.
    pub fn name(self) -> &'static str {
        FACILITIES.get(usize::from(self.0)).copied().unwrap_or("?")
    }
}

/// The syslog severity (RFC 5424 §6.2.1) of an alert: an opened finding
/// by its severity (high: error 3, medium: warning 4, low: notice 5, info:
/// informational 6); a resolved one is informational (6).
pub fn syslog_severity(alert: &Alert) -> u8 {
    match (alert.event, alert.severity) {
        (EventKind::Resolved, _) | (EventKind::Opened, Severity::Info) => 6,
        (EventKind::Opened, Severity::Low) => 5,
        (EventKind::Opened, Severity::Medium) => 4,
        (EventKind::Opened, Severity::High) => 3,
    }
}

/// `c` as something safe to show: control characters (C0, DEL, C1) and
/// the Unicode line and paragraph separators become a visible stand-in.
fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => '\u{fffd}',
        c => c,
    }
}

/// A header field (RFC 5424 PRINTUSASCII, 1 to `max` characters): other
/// characters become `_`; empty is the NILVALUE `-`.
fn header_field(s: &str, max: usize) -> String {
    let out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    if out.is_empty() { "-".into() } else { out }
}

/// RFC 5424 TIMESTAMP: the stored RFC 3339 time when it has the shape the
/// store writes, else the NILVALUE.
fn timestamp(s: &str) -> &str {
    if crate::timefmt::parse(s).is_some() {
        s
    } else {
        "-"
    }
}

/// Append `s` as a PARAM-VALUE (visible characters, `"` `\` `]` escaped)
/// using at most `budget` bytes; a value that does not fit is cut on a
/// character boundary, outside any escape, and ends with `…`. Returns
/// whether it was cut.
fn push_param_value(out: &mut String, s: &str, budget: usize) -> bool {
    let escaped_len = |c: char| {
        if matches!(c, '"' | '\\' | ']') {
            2
        } else {
            c.len_utf8()
        }
    };
    let full: usize = s.chars().map(|c| escaped_len(visible(c))).sum();
    let limit = if full <= budget {
        budget
    } else {
        budget.saturating_sub(CUT.len())
    };
    let mut used = 0;
    for c in s.chars().map(visible) {
        let n = escaped_len(c);
        if used + n > limit {
            if budget >= CUT.len() {
                out.push_str(CUT);
            }
            return true;
        }
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
        used += n;
    }
    false
}

/// The first `max` characters of `s`, made visible; `…` when cut.
fn bounded_visible(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).map(visible).collect();
    if s.chars().nth(max).is_some() {
        out.push_str(CUT);
    }
    out
}

/// The evidence as compact JSON when it is JSON, else as stored.
fn compact_evidence(raw: &str) -> String {
    serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| serde_json::to_string(&v).ok())
        .unwrap_or_else(|| raw.to_string())
}

/// The RFC 5424 message for `alert`:
///
/// `<PRI>1 TIMESTAMP HOSTNAME pandian - KIND [pandian@32473 ...] BOM MSG`
///
/// PRI is `facility * 8 + ` [`syslog_severity`]; TIMESTAMP the event's
/// time; MSGID the finding's kind; the structured data carries the event,
/// the finding's id, kind, severity, state, device, address, MAC, first
/// and last seen and its evidence (compact JSON, cut to fit); MSG is the
/// summary in UTF-8 after a BOM. At most [`MAX_SYSLOG_BYTES`] bytes.
pub fn rfc5424(alert: &Alert, facility: Facility, hostname: &str) -> Vec<u8> {
    let pri = u16::from(facility.code()) * 8 + u16::from(syslog_severity(alert));
    let mut out = format!(
        "<{pri}>1 {} {} {APP_NAME} - {} [{SD_ID}",
        timestamp(&alert.time),
        header_field(hostname, 255),
        header_field(&alert.kind, 32),
    );
    let param = |out: &mut String, name: &str, value: &str, budget: usize| {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        push_param_value(out, value, budget);
        out.push('"');
    };
    param(&mut out, "event", alert.event.as_str(), 16);
    param(&mut out, "event_id", &alert.event_id.to_string(), 24);
    param(&mut out, "finding_id", &alert.finding_id.to_string(), 24);
    param(&mut out, "kind", &alert.kind, 64);
    param(&mut out, "severity", alert.severity.as_str(), 16);
    param(&mut out, "state", &alert.state, 16);
    if let Some(d) = alert.device_id {
        param(&mut out, "device_id", &d.to_string(), 24);
    }
    for (name, value) in [("ip", &alert.ip), ("mac", &alert.mac)] {
        if let Some(v) = value {
            param(&mut out, name, v, 64);
        }
    }
    param(&mut out, "first_seen", &alert.first_seen, 40);
    param(&mut out, "last_seen", &alert.last_seen, 40);
    // What is left goes to the summary (up to its share), then the evidence.
    let summary = {
        let mut s = String::new();
        let room = MAX_SYSLOG_BYTES.saturating_sub(out.len() + 64);
        push_message(&mut s, &alert.summary, room.min(MAX_SYSLOG_SUMMARY_BYTES));
        s
    };
    // ` evidence=""` and `]` and ` ` and the BOM.
    let overhead = " evidence=\"\"".len() + 1 + 1 + 3;
    let room = MAX_SYSLOG_BYTES.saturating_sub(out.len() + summary.len() + overhead);
    if room > CUT.len() + 2 {
        out.push_str(" evidence=\"");
        push_param_value(&mut out, &compact_evidence(&alert.evidence), room);
        out.push('"');
    }
    out.push_str("] \u{feff}");
    out.push_str(&summary);
    // Every part above is bounded (the header to 363 bytes, each parameter
    // to its budget), so this is within MAX_SYSLOG_BYTES; the tests check.
    out.into_bytes()
}

/// Append `s` as MSG text (visible characters) in at most `budget` bytes,
/// cut with `…` when it does not fit.
fn push_message(out: &mut String, s: &str, budget: usize) {
    let full: usize = s.chars().map(|c| visible(c).len_utf8()).sum();
    let limit = if full <= budget {
        budget
    } else {
        budget.saturating_sub(CUT.len())
    };
    let mut used = 0;
    for c in s.chars().map(visible) {
        if used + c.len_utf8() > limit {
            if budget >= CUT.len() {
                out.push_str(CUT);
            }
            return;
        }
        out.push(c);
        used += c.len_utf8();
    }
}

/// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`.
pub fn octet_framed(message: &[u8]) -> Vec<u8> {
    let mut out = format!("{} ", message.len()).into_bytes();
    out.extend_from_slice(message);
    out
}

/// The webhook's JSON body:
///
/// ```json
/// {"source": "pandian", "host": "...", "event_id": 12, "event": "opened",
///  "time": "...", "finding": {"id": 7, "kind": "...", "severity": "high",
///  "state": "open", "device_id": 3, "ip": "...", "mac": "...",
///  "summary": "...", "evidence": [...], "first_seen": "...",
///  "last_seen": "..."}}
/// ```
///
/// The evidence is the stored JSON list (a string if it is not JSON); when
/// the body would pass [`MAX_WEBHOOK_BYTES`] only the first items that fit
/// are kept and `finding.evidence_truncated` says how many there were.
pub fn webhook_body(alert: &Alert, hostname: &str) -> Vec<u8> {
    use serde_json::{Value, json};
    let field = |s: &str| Value::String(bounded_visible(s, MAX_FIELD_CHARS));
    let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, field);
    let evidence: Value = serde_json::from_str(&alert.evidence)
        .unwrap_or_else(|_| Value::String(alert.evidence.clone()));
    let mut body = json!({
        "source": APP_NAME,
        "host": field(hostname),
        "event_id": alert.event_id,
        "event": alert.event.as_str(),
        "time": field(&alert.time),
        "finding": {
            "id": alert.finding_id,
            "kind": field(&alert.kind),
            "severity": alert.severity.as_str(),
            "state": field(&alert.state),
            "device_id": alert.device_id,
            "ip": opt(&alert.ip),
            "mac": opt(&alert.mac),
            "summary": bounded_visible(&alert.summary, MAX_SUMMARY_CHARS),
            "evidence": Value::Null,
            "first_seen": field(&alert.first_seen),
            "last_seen": field(&alert.last_seen),
        }
    });
    let bare = serde_json::to_vec(&body).unwrap_or_default();
    let room = MAX_WEBHOOK_BYTES.saturating_sub(bare.len() + 64);
    let (kept, total) = fit_evidence(evidence, room);
    if let Some(f) = body.get_mut("finding").and_then(Value::as_object_mut) {
        f.insert("evidence".into(), kept);
        if let Some(n) = total {
            f.insert("evidence_truncated".into(), json!(n));
        }
    }
    serde_json::to_vec(&body).unwrap_or(bare)
}

/// The evidence in at most `room` bytes of JSON: whole when it fits, else
/// the first list items that fit (with the list's full length), else a cut
/// string.
fn fit_evidence(evidence: serde_json::Value, room: usize) -> (serde_json::Value, Option<usize>) {
    use serde_json::Value;
    let size = |v: &Value| serde_json::to_vec(v).map_or(usize::MAX, |b| b.len());
    if size(&evidence) <= room {
        return (evidence, None);
    }
    match evidence {
        Value::Array(items) => {
            let total = items.len();
            let mut kept = Vec::new();
            let mut used = 2;
            for item in items {
                let n = size(&item).saturating_add(1);
                if used + n > room {
                    break;
                }
                used += n;
                kept.push(item);
            }
            (Value::Array(kept), Some(total))
        }
        other => {
            let text = match other {
                Value::String(s) => s,
                v => v.to_string(),
            };
            // JSON escaping can grow a character to 6 bytes (\u001f).
            let chars = room / 6;
            (Value::String(bounded_visible(&text, chars)), Some(1))
        }
    }
}

#[cfg(test)]
mod tests;
