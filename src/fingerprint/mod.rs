//! Fingerprint engine: one device's facts in, a best guess out (class,
//! vendor, model, serial, OS, firmware, origin), each field with evidence
//! and an overall confidence 0-1.
//!
//! Every source of knowledge proposes values with a weight and the
//! best-supported value wins ([`vote`]): hand-written rules, the vendors'
//! identity objects (named by hand in `locations.toml` or compiled from
//! their MIBs), ENTITY-MIB, product registrations, the registries
//! (enterprise numbers, IEEE OUIs and the countries they record), the
//! standard MIBs a device implements, device-type words; probes outside
//! SNMP add their own proposals ([`Engine::identify_with`]).
//!
//! Pure: no I/O, no clock. The knowledge is data: TOML files under
//! `src/fingerprint/rules/` embedded in the binary and validated by
//! [`Engine::builtin`] (a bad rule is reported as `file:line`), plus the
//! tables of [`crate::registry`]. Names follow one order everywhere: the
//! user's vendor table ([`VendorOverrides`]), then the registries' facts,
//! then the hand-written tables where a registry is silent or names an
//! agent stack. Same input, same output.

mod brands;
mod compiled;
mod engine;
mod entity;
mod literals;
mod locate;
mod origin;
mod os;
mod overrides;
mod pattern;
mod rules;
mod standard;
mod text;
pub mod vote;
mod words;

pub use engine::{Engine, wanted_objects};
pub use overrides::{OverrideError, VendorOverride, VendorOverrides};
pub use rules::RuleError;
pub use vote::{Field, Proposal};

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
    "media",
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

/// Why one field has its value: one proposal for the winning value. The
/// first entry of each field also lists the proposals it overruled.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The field: class, vendor, model, serial, os, firmware, vendor_origin
    /// (and `stack`: an agent toolkit or chip vendor's enterprise number,
    /// reported but never taken as the vendor).
    pub field: &'static str,
    /// The value given to it.
    pub value: String,
    /// The source that proposed it: a rule id (`cisco-ios`), a location
    /// (`location JUNIPER-MIB::jnxBoxSerialNo`), or a built-in source
    /// (`enterprise-number`, `printer-mib`, `compiled-object`...).
    pub rule: String,
    /// The proposal's weight (see [`vote`]); 0 for derived fields.
    pub weight: u32,
    /// The facts the source looked at.
    pub facts: Vec<Fact>,
    /// Proposals for other values that lost the vote.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overruled: Vec<Overruled>,
}

/// A proposal that lost its field's vote.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Overruled {
    /// The value it proposed.
    pub value: String,
    /// Its source.
    pub rule: String,
    /// Its weight.
    pub weight: u32,
    /// The facts it looked at.
    pub facts: Vec<Fact>,
}

/// One observed fact: an OID (or another source such as `mac`) and its value.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
pub struct Fact {
    /// Where the value came from: an OID, or `mac`.
    pub source: String,
    /// The value, as text (shortened).
    pub value: String,
    /// The OID's MIB name (`MODULE::object.instance`), when the compiled
    /// tables know it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Fact {
    /// A fact from a source that is not an OID (`mac`, `vendor`...).
    pub fn note(source: impl Into<String>, value: impl Into<String>) -> Fact {
        Fact {
            source: source.into(),
            value: value.into(),
            name: None,
        }
    }
}

/// A fact read at `oid`, its value shortened for evidence.
pub(crate) fn fact(oid: &crate::facts::Oid, value: &str) -> Fact {
    Fact {
        source: oid.to_string(),
        value: text::short(value),
        name: None,
    }
}

#[cfg(test)]
mod tests;
