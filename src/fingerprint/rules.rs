//! The fingerprint knowledge, as TOML embedded in the binary, parsed and
//! validated once. A malformed file or rule is an error naming `file:line`.
//!
//! Files (each notes its sources in its header):
//! - `vendors.toml`: canonical vendor names, their IANA enterprise numbers,
//!   a pattern for recognising the name elsewhere, origin, default class.
//! - `locations.toml`: where vendors keep model, serial and firmware.
//! - `*.toml` device rules (recog style): sysDescr regex and/or sysObjectID
//!   prefix and/or MIB presence giving class, vendor, model, OS, firmware,
//!   each rule carrying examples that must match it.

use regex::Regex;
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
    /// Enterprise numbers used by many brands (agent toolkits, OEM
    /// reference designs); they do not name a vendor.
    generic_enterprises: Vec<u32>,
    /// Pattern of registry names that indicate a mainland-Chinese company.
    domestic_hint: Sp<String>,
    vendor: Vec<RawVendor>,
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
    /// MIB object name, for evidence.
    name: String,
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
    /// Apply this rule's class only when neither an earlier rule nor the
    /// vendor's default class gave one (generic OS rules).
    #[serde(default)]
    fallback: bool,
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
    pub class: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub os: Option<String>,
}

// ---------------------------------------------------------------- compiled

/// A vendor with its canonical name.
#[derive(Debug)]
pub(super) struct Vendor {
    pub name: String,
    pub origin: Option<&'static str>,
    pub pattern: Option<Regex>,
    pub class: Option<&'static str>,
    pub software: bool,
}

/// Where a field's value may be read.
#[derive(Debug)]
pub(super) struct Location {
    pub field: Field,
    pub source: LocationSource,
    pub name: String,
    pub vendor: Option<String>,
    pub classes: Vec<String>,
    pub extract: Option<Regex>,
}

#[derive(Debug)]
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

/// A device rule.
#[derive(Debug)]
#[cfg_attr(not(test), allow(dead_code))] // file, line, examples: for the self-test
pub(super) struct Rule {
    pub id: String,
    pub file: &'static str,
    pub line: usize,
    pub descr: Option<Regex>,
    pub object: Vec<Oid>,
    pub has: Vec<Oid>,
    pub software: Option<Regex>,
    pub class: Option<&'static str>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub os: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub fallback: bool,
    /// Whether any field template uses capture groups.
    pub templated: bool,
    pub examples: Vec<RawExample>,
}

/// All knowledge, compiled.
#[derive(Debug)]
pub(super) struct Knowledge {
    pub vendors: Vec<Vendor>,
    pub by_enterprise: HashMap<u32, usize>,
    pub generic_enterprises: Vec<u32>,
    pub domestic_hint: Regex,
    pub locations: Vec<Location>,
    pub rules: Vec<Rule>,
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

fn regex_of(
    file: &str,
    text: &str,
    id: &str,
    r: &Sp<String>,
    case_insensitive: bool,
) -> Result<Regex, RuleError> {
    regex::RegexBuilder::new(r.get_ref())
        .case_insensitive(case_insensitive)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| RuleError::Invalid {
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

    /// Parse and validate the given (name, text) files.
    pub(super) fn load(
        vendors: (&'static str, &'static str),
        locations: (&'static str, &'static str),
        rule_files: &[(&'static str, &'static str)],
    ) -> Result<Self, RuleError> {
        let (vfile, vtext) = vendors;
        let raw: RawVendors = toml::from_str(vtext).map_err(|e| syntax(vfile, vtext, &e))?;
        let domestic_hint = regex_of(vfile, vtext, "domestic_hint", &raw.domestic_hint, true)?;
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
                .map(|p| regex_of(vfile, vtext, &id, p, true))
                .transpose()?;
            let class = v
                .class
                .as_ref()
                .map(|c| class_of(vfile, vtext, &id, c))
                .transpose()?;
            let index = out_vendors.len();
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
            });
        }

        let (lfile, ltext) = locations;
        let raw: RawLocations = toml::from_str(ltext).map_err(|e| syntax(lfile, ltext, &e))?;
        let mut out_locations = Vec::new();
        for l in raw.location {
            let id = l.name.clone();
            let line = line_of(ltext, l.field.span().start);
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
                .map(|r| regex_of(lfile, ltext, &id, r, false))
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
            out_locations.push(Location {
                field,
                source,
                name: l.name,
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
                    .map(|d| regex_of(file, text, &id, d, false))
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
                    .map(|s| regex_of(file, text, &id, s, true))
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
                    fallback: r.fallback,
                    examples: r.example,
                });
            }
        }
        Ok(Knowledge {
            vendors: out_vendors,
            by_enterprise,
            generic_enterprises: raw_generic(vtext),
            domestic_hint,
            locations: out_locations,
            rules,
        })
    }

    /// The vendor entry with this canonical name.
    pub(super) fn vendor(&self, name: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.name == name)
    }
}

fn raw_generic(vtext: &str) -> Vec<u32> {
    toml::from_str::<RawVendors>(vtext)
        .map(|r| r.generic_enterprises)
        .unwrap_or_default()
}

/// Every `{name}` in a template must be a named group of the rule's regex.
fn check_template(
    file: &str,
    line: usize,
    id: &str,
    template: &str,
    descr: Option<&Regex>,
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
        let known = descr.is_some_and(|r| r.capture_names().flatten().any(|n| n == name));
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
pub(super) fn expand(template: &str, caps: Option<&regex::Captures<'_>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open)?);
        let after = rest.get(open + 1..)?;
        let close = after.find('}')?;
        let name = after.get(..close)?;
        let value = caps?.name(name)?.as_str().trim();
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
