//! The fingerprint knowledge, as TOML embedded in the binary, parsed and
//! validated once. A malformed file or rule is an error naming `file:line`.
//!
//! Files (each notes its sources in its header):
//! - `vendors.toml`: canonical vendor names, their IANA enterprise numbers,
//!   a pattern for recognising the name elsewhere, origin, default class.
//! - `lineage.toml`: former and acquired brands and their owners; agent
//!   stacks' and ODMs' enterprise numbers.
//! - `locations.toml`: where vendors keep model, serial and firmware.
//! - `os.toml`: which OS a vendor's products run, by product.
//! - `*.toml` device rules (recog style): sysDescr regex and/or sysObjectID
//!   prefix and/or MIB presence giving class, vendor, model, OS, firmware,
//!   each rule carrying examples that must win the vote.

use super::pattern::Pattern;
use serde::Deserialize;
use std::collections::HashMap;

use super::CLASSES;
use crate::facts::Oid;

/// Rule files in evaluation order: specific vendors first, generic last.
pub(super) const RULE_FILES: &[(&str, &str)] = &[
    ("network.toml", include_str!("rules/network.toml")),
    ("power.toml", include_str!("rules/power.toml")),
    ("devices.toml", include_str!("rules/devices.toml")),
    ("generic.toml", include_str!("rules/generic.toml")),
];
pub(super) const VENDORS: (&str, &str) = ("vendors.toml", include_str!("rules/vendors.toml"));
pub(super) const LOCATIONS: (&str, &str) = ("locations.toml", include_str!("rules/locations.toml"));
pub(super) const LINEAGE: (&str, &str) = ("lineage.toml", include_str!("rules/lineage.toml"));
pub(super) const OS_TABLE: (&str, &str) = ("os.toml", include_str!("rules/os.toml"));

/// Why the rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The TOML itself is malformed or has unknown keys.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// Rule file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// A rule parsed but is invalid (bad regex, unknown class, ...).
    #[error("{file}:{line}: rule `{id}`: {message}")]
    Invalid {
        /// Rule file name.
        file: String,
        /// 1-based line of the offending value.
        line: usize,
        /// Rule (or vendor) id.
        id: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A rule's example does not yield what it says.
    #[error("{file}:{line}: rule `{id}`: example {example} {message}")]
    Example {
        /// Rule file name.
        file: String,
        /// 1-based line of the rule.
        line: usize,
        /// Rule id.
        id: String,
        /// 1-based example number.
        example: usize,
        /// What went wrong.
        message: String,
    },
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.bytes().filter(|&b| b == b'\n').count() + 1)
}

fn syntax(file: &str, text: &str, e: &toml::de::Error) -> RuleError {
    RuleError::Syntax {
        file: file.to_string(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().to_string(),
    }
}

// ---------------------------------------------------------------- raw TOML

type Sp<T> = toml::Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendors {
    /// Pattern of registry names that indicate a mainland-Chinese company.
    domestic_hint: Sp<String>,
    vendor: Vec<RawVendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLineage {
    stack: Vec<RawNumbered>,
    odm: Vec<RawNumbered>,
    renamed: Vec<RawRenamed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbered {
    enterprise: u32,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRenamed {
    from: Sp<String>,
    owner: String,
    #[serde(rename = "match")]
    pattern: Sp<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOsTable {
    os: Vec<RawOs>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOs {
    vendor: Sp<String>,
    /// The OS name users know it by.
    name: String,
    /// Regex the decided model or sysDescr must match (case-insensitive).
    product: Option<Sp<String>>,
    /// Only for devices of these classes.
    #[serde(default)]
    classes: Vec<String>,
    #[serde(default)]
    example: Vec<RawOsExample>,
}

/// An OS-table example: a vendor, product text, firmware and the OS name
/// and version they must give.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
pub(super) struct RawOsExample {
    pub descr: Option<String>,
    pub object: Option<String>,
    pub os: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    name: Sp<String>,
    origin: Option<Sp<String>>,
    #[serde(default)]
    enterprises: Vec<u32>,
    /// Case-insensitive regex recognising the vendor in registry names,
    /// manufacturer fields and sysDescr.
    #[serde(rename = "match")]
    pattern: Option<Sp<String>>,
    class: Option<Sp<String>>,
    /// A software/OS publisher, not a hardware brand: never the device
    /// vendor by enterprise number alone.
    #[serde(default)]
    software: bool,
    /// The classes of the vendor's product lines, when it makes more than
    /// one kind of device (its default class is then a weak prior).
    #[serde(default)]
    lines: Vec<Sp<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocations {
    location: Vec<RawLocation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocation {
    field: Sp<String>,
    /// OID of a scalar or a table column; the first usable value wins.
    oid: Option<Sp<String>>,
    /// Built-in reader instead of an OID: `entity-chassis`,
    /// `entity-chassis-descr`, `sysdescr-model-token` (a model-like word of
    /// sysDescr), or `interface-mac` (the device's own MAC address, for
    /// makers whose serial number is the MAC).
    special: Option<Sp<String>>,
    /// What the location reads, for evidence, when the compiled MIB tables
    /// do not name its OID (a vendor MIB not in the collection) or to say
    /// which part of a value is meant ("(chassis)", "(JetDirect PID)").
    note: Option<String>,
    /// Only use when the device's vendor is this one.
    vendor: Option<String>,
    /// Only use when the device's class is one of these.
    #[serde(default)]
    classes: Vec<String>,
    /// Optional regex with a `v` group to take part of the value.
    extract: Option<Sp<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Sp<String>,
    descr: Option<Sp<String>>,
    #[serde(default)]
    object: Vec<Sp<String>>,
    #[serde(default)]
    has: Vec<Sp<String>>,
    /// Case-insensitive regex that some installed package's name
    /// (HOST-RESOURCES-MIB hrSWInstalledName) must match: appliances built
    /// on a stock OS are often known only by their vendor's packages.
    software: Option<Sp<String>>,
    class: Option<Sp<String>>,
    vendor: Option<String>,
    model: Option<String>,
    os: Option<String>,
    firmware: Option<String>,
    serial: Option<String>,
    /// A generic-OS rule: its proposals weigh as a generic OS does (see
    /// `vote`), weaker than any device-type evidence.
    #[serde(default)]
    fallback: bool,
    /// The weight of this rule's proposals, by name: `rule` (the default),
    /// `standard-mib` (a standard device MIB is present), `type-word` (a
    /// device-type word), `generic-os`.
    weight: Option<Sp<String>>,
    #[serde(default)]
    example: Vec<RawExample>,
}

/// A rule's example: the facts and the fields they must yield. Read by the
/// self-test (`fingerprint_rule_examples_match_their_own_rule`).
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
pub(super) struct RawExample {
    pub descr: Option<String>,
    pub object: Option<String>,
    /// One installed package's name (hrSWInstalledName).
    pub software: Option<String>,
    /// OIDs with a value in the example's walk (each gets one value).
    #[serde(default)]
    pub has: Vec<String>,
    pub class: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub os: Option<String>,
    pub serial: Option<String>,
}

// ---------------------------------------------------------------- compiled

/// A vendor with its canonical name.
#[derive(Debug, Clone)]
pub(super) struct Vendor {
    pub name: String,
    pub origin: Option<&'static str>,
    pub pattern: Option<Pattern>,
    pub class: Option<&'static str>,
    pub software: bool,
    /// Enterprise numbers the hand table gives this vendor.
    pub enterprises: Vec<u32>,
    /// Makes more than one kind of device, general-purpose servers among
    /// them: its default class is the weakest prior.
    pub generalist: bool,
}

/// A former or acquired brand and its owner (index into `vendors`).
#[derive(Debug, Clone)]
pub(super) struct Renamed {
    pub from: String,
    pub owner: usize,
    pub pattern: Pattern,
}

/// An OS-table entry.
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))] // examples: for the self-test
pub(super) struct OsEntry {
    pub vendor: String,
    pub name: String,
    pub product: Option<Pattern>,
    pub classes: Vec<&'static str>,
    pub line: usize,
    pub examples: Vec<RawOsExample>,
}

/// Where a field's value may be read.
#[derive(Debug, Clone)]
pub(super) struct Location {
    /// Unique: `location <what it reads>`; the evidence's source.
    pub id: String,
    pub field: Field,
    pub source: LocationSource,
    pub vendor: Option<String>,
    pub classes: Vec<String>,
    pub extract: Option<Pattern>,
}

#[derive(Debug, Clone)]
pub(super) enum LocationSource {
    Oid(Oid),
    EntityChassis,
    EntityChassisDescr,
    DescrModelToken,
    InterfaceMac,
}

/// The fields rules and locations can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Model,
    Serial,
    Firmware,
    Os,
}

impl Field {
    /// The vote's field.
    pub(super) fn vote(self) -> super::vote::Field {
        match self {
            Field::Model => super::vote::Field::Model,
            Field::Serial => super::vote::Field::Serial,
            Field::Firmware => super::vote::Field::Firmware,
            Field::Os => super::vote::Field::Os,
        }
    }
}

/// A device rule.
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))] // file, line, examples: for the self-test
pub(super) struct Rule {
    pub id: String,
    pub file: &'static str,
    pub line: usize,
    pub descr: Option<Pattern>,
    pub object: Vec<Oid>,
    pub has: Vec<Oid>,
    pub software: Option<Pattern>,
    pub class: Option<&'static str>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub os: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    /// The weight of its proposals.
    pub weight: u32,
    /// Whether any field template uses capture groups.
    pub templated: bool,
    pub examples: Vec<RawExample>,
}

/// All knowledge, compiled.
#[derive(Debug, Clone)]
pub(super) struct Knowledge {
    pub vendors: Vec<Vendor>,
    pub by_enterprise: HashMap<u32, usize>,
    /// Agent stacks' enterprise numbers and names.
    pub stacks: Vec<(u32, String)>,
    /// ODMs' enterprise numbers and names.
    pub odms: Vec<(u32, String)>,
    pub renamed: Vec<Renamed>,
    pub domestic_hint: Pattern,
    pub locations: Vec<Location>,
    pub rules: Vec<Rule>,
    pub os: Vec<OsEntry>,
}

/// The weight a rule's `weight = "..."` names.
fn rule_weight(name: &str) -> Option<u32> {
    use super::vote::weight;
    Some(match name {
        "rule" => weight::RULE,
        "standard-mib" => weight::STANDARD_MIB,
        "type-word" => weight::TYPE_WORD,
        "generic-os" => weight::GENERIC_OS,
        _ => return None,
    })
}

fn class_of(file: &str, text: &str, id: &str, c: &Sp<String>) -> Result<&'static str, RuleError> {
    CLASSES
        .iter()
        .find(|k| **k == c.get_ref().as_str())
        .copied()
        .ok_or_else(|| RuleError::Invalid {
            file: file.into(),
            line: line_of(text, c.span().start),
            id: id.into(),
            message: format!(
                "class {:?} is not one of {}",
                c.get_ref(),
                CLASSES.join(", ")
            ),
        })
}

/// A pattern checked now and compiled on first use (see `pattern`).
fn pattern_of(
    file: &str,
    text: &str,
    id: &str,
    r: &Sp<String>,
    case_insensitive: bool,
) -> Result<Pattern, RuleError> {
    Pattern::new(r.get_ref(), case_insensitive).map_err(|e| RuleError::Invalid {
        file: file.into(),
        line: line_of(text, r.span().start),
        id: id.into(),
        message: format!("bad regex: {e}"),
    })
}

fn oid_of(file: &str, text: &str, id: &str, o: &Sp<String>) -> Result<Oid, RuleError> {
    Oid::parse(o.get_ref()).map_err(|e| RuleError::Invalid {
        file: file.into(),
        line: line_of(text, o.span().start),
        id: id.into(),
        message: format!("bad OID {:?}: {e}", o.get_ref()),
    })
}

impl Knowledge {
    /// Parse and validate the embedded files.
    pub(super) fn builtin() -> Result<Self, RuleError> {
        Self::load(VENDORS, LOCATIONS, RULE_FILES)
    }

    /// Remove the rules and locations whose ids are in `off` (to measure
    /// what the engine does without them).
    pub(super) fn without(mut self, off: &std::collections::BTreeSet<String>) -> Self {
        self.rules.retain(|r| !off.contains(&r.id));
        self.locations.retain(|l| !off.contains(&l.id));
        self
    }

    /// Parse and validate the given (name, text) files.
    pub(super) fn load(
        vendors: (&'static str, &'static str),
        locations: (&'static str, &'static str),
        rule_files: &[(&'static str, &'static str)],
    ) -> Result<Self, RuleError> {
        let (vfile, vtext) = vendors;
        let raw: RawVendors = toml::from_str(vtext).map_err(|e| syntax(vfile, vtext, &e))?;
        let domestic_hint = pattern_of(vfile, vtext, "domestic_hint", &raw.domestic_hint, true)?;
        let mut out_vendors = Vec::new();
        let mut by_enterprise = HashMap::new();
        for v in raw.vendor {
            let id = v.name.get_ref().clone();
            let line = line_of(vtext, v.name.span().start);
            let origin = match v.origin.as_ref().map(|o| o.get_ref().as_str()) {
                None => None,
                Some("domestic") => Some("domestic"),
                Some("foreign") => Some("foreign"),
                Some(other) => {
                    return Err(RuleError::Invalid {
                        file: vfile.into(),
                        line,
                        id,
                        message: format!("origin {other:?} must be \"domestic\" or \"foreign\""),
                    });
                }
            };
            let pattern = v
                .pattern
                .as_ref()
                .map(|p| pattern_of(vfile, vtext, &id, p, true))
                .transpose()?;
            let class = v
                .class
                .as_ref()
                .map(|c| class_of(vfile, vtext, &id, c))
                .transpose()?;
            let lines = v
                .lines
                .iter()
                .map(|c| class_of(vfile, vtext, &id, c))
                .collect::<Result<Vec<_>, _>>()?;
            let index = out_vendors.len();
            let numbers = v.enterprises.clone();
            for e in v.enterprises {
                if let Some(prev) = by_enterprise.insert(e, index) {
                    let prev_name = out_vendors
                        .get(prev)
                        .map_or(String::new(), |p: &Vendor| p.name.clone());
                    return Err(RuleError::Invalid {
                        file: vfile.into(),
                        line,
                        id,
                        message: format!("enterprise {e} is already given to {prev_name}"),
                    });
                }
            }
            if out_vendors.iter().any(|o: &Vendor| o.name == id) {
                return Err(RuleError::Invalid {
                    file: vfile.into(),
                    line,
                    id,
                    message: "vendor listed twice; merge the entries".into(),
                });
            }
            out_vendors.push(Vendor {
                name: id,
                origin,
                pattern,
                class,
                software: v.software,
                enterprises: numbers,
                generalist: lines.contains(&"server"),
            });
        }

        let (lfile, ltext) = locations;
        let raw: RawLocations = toml::from_str(ltext).map_err(|e| syntax(lfile, ltext, &e))?;
        let mut out_locations = Vec::new();
        for l in raw.location {
            let line = line_of(ltext, l.field.span().start);
            let id = format!("{lfile}:{line}");
            let field = match l.field.get_ref().as_str() {
                "model" => Field::Model,
                "serial" => Field::Serial,
                "firmware" => Field::Firmware,
                "os" => Field::Os,
                other => {
                    return Err(RuleError::Invalid {
                        file: lfile.into(),
                        line,
                        id,
                        message: format!("field {other:?} must be model, serial, firmware or os"),
                    });
                }
            };
            let source = match (&l.oid, &l.special) {
                (Some(o), None) => LocationSource::Oid(oid_of(lfile, ltext, &id, o)?),
                (None, Some(s)) if s.get_ref() == "entity-chassis" => LocationSource::EntityChassis,
                (None, Some(s)) if s.get_ref() == "entity-chassis-descr" => {
                    LocationSource::EntityChassisDescr
                }
                (None, Some(s)) if s.get_ref() == "sysdescr-model-token" => {
                    LocationSource::DescrModelToken
                }
                (None, Some(s)) if s.get_ref() == "interface-mac" => LocationSource::InterfaceMac,
                _ => {
                    return Err(RuleError::Invalid {
                        file: lfile.into(),
                        line,
                        id,
                        message: "give exactly one of oid = \"1.3.6...\" or special = one of \
                                  entity-chassis, entity-chassis-descr, sysdescr-model-token, \
                                  interface-mac"
                            .into(),
                    });
                }
            };
            let extract = l
                .extract
                .as_ref()
                .map(|r| pattern_of(lfile, ltext, &id, r, false))
                .transpose()?;
            if let Some(v) = &l.vendor
                && !out_vendors.iter().any(|o| &o.name == v)
            {
                return Err(RuleError::Invalid {
                    file: lfile.into(),
                    line,
                    id,
                    message: format!("vendor {v:?} is not in vendors.toml"),
                });
            }
            if let Some(c) = l.classes.iter().find(|c| !CLASSES.contains(&c.as_str())) {
                return Err(RuleError::Invalid {
                    file: lfile.into(),
                    line,
                    id,
                    message: format!("class {c:?} is not one of {}", CLASSES.join(", ")),
                });
            }
            let what = match &source {
                LocationSource::Oid(o) => {
                    crate::registry::mib::display(o).unwrap_or_else(|| o.to_string())
                }
                LocationSource::EntityChassis => "ENTITY-MIB::entPhysicalTable (chassis)".into(),
                LocationSource::EntityChassisDescr => {
                    "ENTITY-MIB::entPhysicalDescr (chassis)".into()
                }
                LocationSource::DescrModelToken => "SNMPv2-MIB::sysDescr (model-like word)".into(),
                LocationSource::InterfaceMac => "IF-MIB::ifPhysAddress (the device's MAC)".into(),
            };
            let location_id = match &l.note {
                Some(n) => format!("location {what} {n} [{}]", field.vote().name()),
                None => format!("location {what} [{}]", field.vote().name()),
            };
            if out_locations.iter().any(|o: &Location| o.id == location_id) {
                return Err(RuleError::Invalid {
                    file: lfile.into(),
                    line,
                    id,
                    message: format!("{location_id} is listed twice; give each a distinct note"),
                });
            }
            out_locations.push(Location {
                id: location_id,
                field,
                source,
                vendor: l.vendor,
                classes: l.classes,
                extract,
            });
        }

        let mut rules = Vec::new();
        for &(file, text) in rule_files {
            let raw: RawRules = toml::from_str(text).map_err(|e| syntax(file, text, &e))?;
            for r in raw.rule {
                let id = r.id.get_ref().clone();
                let line = line_of(text, r.id.span().start);
                if rules.iter().any(|o: &Rule| o.id == id) {
                    return Err(RuleError::Invalid {
                        file: file.into(),
                        line,
                        id,
                        message: "duplicate rule id".into(),
                    });
                }
                let descr = r
                    .descr
                    .as_ref()
                    .map(|d| pattern_of(file, text, &id, d, false))
                    .transpose()?;
                let object = r
                    .object
                    .iter()
                    .map(|o| oid_of(file, text, &id, o))
                    .collect::<Result<Vec<_>, _>>()?;
                let has = r
                    .has
                    .iter()
                    .map(|o| oid_of(file, text, &id, o))
                    .collect::<Result<Vec<_>, _>>()?;
                let software = r
                    .software
                    .as_ref()
                    .map(|s| pattern_of(file, text, &id, s, true))
                    .transpose()?;
                if descr.is_none() && object.is_empty() && has.is_empty() && software.is_none() {
                    return Err(RuleError::Invalid {
                        file: file.into(),
                        line,
                        id,
                        message: "a rule needs at least one of descr, object, has or software"
                            .into(),
                    });
                }
                let class = r
                    .class
                    .as_ref()
                    .map(|c| class_of(file, text, &id, c))
                    .transpose()?;
                if let Some(v) = &r.vendor
                    && !out_vendors.iter().any(|o| &o.name == v)
                {
                    return Err(RuleError::Invalid {
                        file: file.into(),
                        line,
                        id,
                        message: format!("vendor {v:?} is not in vendors.toml; add it there first"),
                    });
                }
                for t in [&r.model, &r.os, &r.firmware, &r.serial]
                    .into_iter()
                    .flatten()
                {
                    check_template(file, line, &id, t, descr.as_ref())?;
                }
                let templated = [&r.model, &r.os, &r.firmware, &r.serial]
                    .into_iter()
                    .flatten()
                    .any(|t| t.contains('{'));
                let weight = match (&r.weight, r.fallback) {
                    (None, false) => super::vote::weight::RULE,
                    (None, true) => super::vote::weight::GENERIC_OS,
                    (Some(w), fallback) => match rule_weight(w.get_ref()) {
                        Some(n) if !fallback => n,
                        _ => {
                            return Err(RuleError::Invalid {
                                file: file.into(),
                                line: line_of(text, w.span().start),
                                id,
                                message: format!(
                                    "weight {:?} must be one of rule, standard-mib, type-word, generic-os (and not given with fallback = true)",
                                    w.get_ref()
                                ),
                            });
                        }
                    },
                };
                rules.push(Rule {
                    templated,
                    id,
                    file,
                    line,
                    descr,
                    object,
                    has,
                    software,
                    class,
                    vendor: r.vendor,
                    model: r.model,
                    os: r.os,
                    firmware: r.firmware,
                    serial: r.serial,
                    weight,
                    examples: r.example,
                });
            }
        }
        let (stacks, odms, renamed) = load_lineage(LINEAGE, &out_vendors)?;
        let os = load_os(OS_TABLE, &out_vendors)?;
        Ok(Knowledge {
            vendors: out_vendors,
            by_enterprise,
            stacks,
            odms,
            renamed,
            domestic_hint,
            locations: out_locations,
            rules,
            os,
        })
    }

    /// The vendor entry with this canonical name.
    pub(super) fn vendor(&self, name: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.name == name)
    }
}

type Lineage = (Vec<(u32, String)>, Vec<(u32, String)>, Vec<Renamed>);

fn load_lineage(
    (file, text): (&'static str, &'static str),
    vendors: &[Vendor],
) -> Result<Lineage, RuleError> {
    let raw: RawLineage = toml::from_str(text).map_err(|e| syntax(file, text, &e))?;
    let mut renamed = Vec::new();
    for r in raw.renamed {
        let id = r.from.get_ref().clone();
        let line = line_of(text, r.from.span().start);
        let Some(owner) = vendors.iter().position(|v| v.name == r.owner) else {
            return Err(RuleError::Invalid {
                file: file.into(),
                line,
                id,
                message: format!(
                    "owner {:?} is not in vendors.toml; add it there first",
                    r.owner
                ),
            });
        };
        let pattern = pattern_of(file, text, &id, &r.pattern, true)?;
        renamed.push(Renamed {
            from: id,
            owner,
            pattern,
        });
    }
    let pairs = |v: Vec<RawNumbered>| {
        v.into_iter()
            .map(|n| (n.enterprise, n.name))
            .collect::<Vec<_>>()
    };
    Ok((pairs(raw.stack), pairs(raw.odm), renamed))
}

fn load_os(
    (file, text): (&'static str, &'static str),
    vendors: &[Vendor],
) -> Result<Vec<OsEntry>, RuleError> {
    let raw: RawOsTable = toml::from_str(text).map_err(|e| syntax(file, text, &e))?;
    let mut out = Vec::new();
    for o in raw.os {
        let line = line_of(text, o.vendor.span().start);
        let id = o.name.clone();
        let any_vendor = o.vendor.get_ref() == "*";
        if any_vendor && o.product.is_none() {
            return Err(RuleError::Invalid {
                file: file.into(),
                line,
                id,
                message: "vendor \"*\" (any vendor) needs a `product` pattern for sysDescr".into(),
            });
        }
        if !any_vendor && !vendors.iter().any(|v| &v.name == o.vendor.get_ref()) {
            return Err(RuleError::Invalid {
                file: file.into(),
                line,
                id,
                message: format!("vendor {:?} is not in vendors.toml", o.vendor.get_ref()),
            });
        }
        let product = o
            .product
            .as_ref()
            .map(|p| pattern_of(file, text, &id, p, true))
            .transpose()?;
        let mut classes = Vec::new();
        for c in &o.classes {
            match CLASSES.iter().find(|k| **k == c.as_str()) {
                Some(k) => classes.push(*k),
                None => {
                    return Err(RuleError::Invalid {
                        file: file.into(),
                        line,
                        id,
                        message: format!("class {c:?} is not one of {}", CLASSES.join(", ")),
                    });
                }
            }
        }
        out.push(OsEntry {
            vendor: o.vendor.get_ref().clone(),
            name: o.name,
            product,
            classes,
            line,
            examples: o.example,
        });
    }
    Ok(out)
}

/// Every `{name}` in a template must be a named group of the rule's regex.
fn check_template(
    file: &str,
    line: usize,
    id: &str,
    template: &str,
    descr: Option<&Pattern>,
) -> Result<(), RuleError> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('}') else {
            return Err(RuleError::Invalid {
                file: file.into(),
                line,
                id: id.into(),
                message: format!("template {template:?} has an unclosed {{"),
            });
        };
        let name = after.get(..close).unwrap_or_default();
        let known = descr.is_some_and(|r| r.group_names().contains(&name));
        if !known {
            return Err(RuleError::Invalid {
                file: file.into(),
                line,
                id: id.into(),
                message: format!(
                    "template {template:?} uses {{{name}}} but descr has no group (?P<{name}>...)"
                ),
            });
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    Ok(())
}

/// Fill `{name}` placeholders from regex captures; None when any is empty.
pub(super) fn expand(template: &str, caps: Option<&super::pattern::Caps<'_>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open)?);
        let after = rest.get(open + 1..)?;
        let close = after.find('}')?;
        let name = after.get(..close)?;
        let value = caps?.name(name)?.trim();
        if value.is_empty() {
            return None;
        }
        out.push_str(value);
        rest = after.get(close + 1..)?;
    }
    out.push_str(rest);
    let out = out.trim().to_string();
    (!out.is_empty()).then_some(out)
}
