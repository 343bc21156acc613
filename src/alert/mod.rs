//! Alerts: every finding that opens or resolves goes to the configured
//! syslog receivers (RFC 5424 over UDP, or TCP framed by octet counting,
//! RFC 6587) and webhooks (a JSON POST).
//!
//! [`format`] is pure: an [`Alert`] in, bounded and escaped bytes out.
//! [`send`] is the I/O: one worker per destination behind a bounded
//! queue, retries with backoff for webhooks, the `alert_state` cursor
//! advanced once every destination accepted or gave up ([`dispatch`]
//! reads the events after each run and drives it).

pub mod dispatch;
pub mod format;
pub mod send;
mod syslog;
mod webhook;

/// A finding's severity, lowest first (as stored in `findings.severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// For the record.
    Info,
    /// Worth a look.
    Low,
    /// Should be looked at.
    Medium,
    /// Needs action.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    /// As stored and configured: `info`, `low`, `medium`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// The stored or configured name; None for anything else.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What happened to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A new finding (`finding_events.event = 'opened'`).
    Opened,
    /// The condition cleared (`'resolved'`).
    Resolved,
}

impl EventKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Resolved => "resolved",
        }
    }
}

/// One finding event with its finding, as read from the store. Every
/// string is untrusted (it may carry what a device said about itself):
/// [`format`] escapes and bounds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `finding_events.id`: the order, and the key no destination sees twice.
    pub event_id: i64,
    /// Opened or resolved.
    pub event: EventKind,
    /// When the event happened (RFC 3339, as stored).
    pub time: String,
    /// `findings.id`.
    pub finding_id: i64,
    /// The finding's kind (`unregistered`, `rogue_dhcp`, ...).
    pub kind: String,
    /// The finding's severity.
    pub severity: Severity,
    /// The finding's state now (`open`, `resolved`).
    pub state: String,
    /// The device it is about, if any.
    pub device_id: Option<i64>,
    /// Its address, if known.
    pub ip: Option<String>,
    /// Its MAC, if known.
    pub mac: Option<String>,
    /// One line, English.
    pub summary: String,
    /// The evidence as stored: a JSON list (kept as text; it may be large).
    pub evidence: String,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
}
