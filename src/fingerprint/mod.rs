//! Fingerprint engine: one device's facts in, a best guess out (class,
//! vendor, model, serial, OS, firmware, origin), each field with evidence
//! and an overall confidence 0-1.
//!
//! Pure: no I/O, no clock. The knowledge is data: TOML files under
//! `src/fingerprint/rules/` embedded in the binary and validated by
//! [`Engine::builtin`] (a bad rule is reported as `file:line`), plus the
//! IANA enterprise and IEEE OUI registries from [`crate::registry`]. Same
//! input, same output.

mod engine;
mod entity;
mod rules;
mod text;

pub use engine::Engine;
pub use rules::RuleError;

/// The classes a device can be put in.
pub const CLASSES: &[&str] = &[
    "switch",
    "router",
    "firewall",
    "wireless",
    "printer",
    "server",
    "workstation",
    "storage",
    "ups",
    "pdu",
    "camera",
    "phone",
    "environment",
    "load-balancer",
    "other",
];

/// What the engine concluded about one device.
#[derive(serde::Serialize, Debug, Clone, PartialEq, Default)]
pub struct Identity {
    /// One of [`CLASSES`].
    pub class: Option<String>,
    /// Canonical brand name.
    pub vendor: Option<String>,
    /// Model or part number.
    pub model: Option<String>,
    /// Chassis serial number.
    pub serial: Option<String>,
    /// Operating system name and version.
    pub os: Option<String>,
    /// Firmware or software version.
    pub firmware: Option<String>,
    /// `domestic` (mainland-Chinese vendor) or `foreign`; None when unknown.
    pub vendor_origin: Option<String>,
    /// 0 (a guess) to 1 (certain).
    pub confidence: f64,
    /// Why each field has its value.
    pub evidence: Vec<Evidence>,
}

/// Why one field has its value.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The field: class, vendor, model, serial, os, firmware, vendor_origin.
    pub field: &'static str,
    /// The value given to it.
    pub value: String,
    /// The rule (or built-in step) that gave it, e.g. `cisco-ios` or
    /// `enterprise-number`.
    pub rule: String,
    /// The facts the rule looked at.
    pub facts: Vec<Fact>,
}

/// One observed fact: an OID (or another source such as `mac`) and its value.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Fact {
    /// Where the value came from: an OID, or `mac`.
    pub source: String,
    /// The value, as text (shortened).
    pub value: String,
}

#[cfg(test)]
mod tests;
