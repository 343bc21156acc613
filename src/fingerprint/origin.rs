//! Origin: whether the vendor is a mainland-Chinese (`domestic`) brand or
//! not (`foreign`), from the registries' own data.
//!
//! The IEEE registry records each organisation's address; its country is
//! the fact used. Order: the user's vendor table; then the registries (the
//! country of the IEEE organisations whose names match the brand's or its
//! registered organisations', a mainland place in the registered name);
//! a legal form only companies outside mainland China use (`GmbH`,
//! `B.V.`, `K.K.`...) in the registered name); then the hand table
//! (`vendors.toml`) where no registry says anything.
//! Domestic means CN; Taiwan, Hong Kong and everything else are foreign.
//! When nothing is known the origin stays unknown, with evidence saying so.

use super::brands::Brands;
use super::rules::Knowledge;
use super::{Evidence, Fact};
use crate::registry::{self, org};

/// Where the winning vendor name came from, when it is a registry's
/// organisation rather than a brand the tables know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Registered {
    /// An IANA enterprise-number organisation.
    Iana(&'static str),
    /// An IEEE MAC-block organisation and the country of its address.
    Ieee(&'static str, Option<&'static str>),
}

fn origin_of(country: &str) -> &'static str {
    if country == "CN" {
        "domestic"
    } else {
        "foreign"
    }
}

/// Countries the IEEE registry gives the organisations named like `names`,
/// as (country, assignments), most assignments first.
fn ieee_countries<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(&'static str, u32, String)> {
    let mut keys: Vec<String> = names.map(org::key).filter(|k| !k.is_empty()).collect();
    keys.sort();
    keys.dedup();
    let mut tally: Vec<(&'static str, u32, String)> = Vec::new();
    for k in keys {
        let Some(c) = org::country(&k) else { continue };
        let Some(code) = c.code else { continue };
        match tally.iter_mut().find(|(cc, _, _)| *cc == code) {
            Some((_, n, _)) => *n += c.assignments,
            None => tally.push((code, c.assignments, k)),
        }
    }
    tally.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    tally
}

/// The origin of `vendor` and the evidence for it (an `unknown` entry
/// when nothing decides it).
pub(super) fn resolve(
    k: &Knowledge,
    brands: &Brands,
    vendor: &str,
    registered: Option<Registered>,
) -> (Option<&'static str>, Evidence) {
    let evidence = |value: &str, rule: &str, facts: Vec<Fact>| Evidence {
        field: "vendor_origin",
        value: value.to_string(),
        rule: rule.to_string(),
        weight: 0,
        facts,
        overruled: Vec::new(),
    };
    let vendor_fact = Fact::note("vendor", vendor);
    if let Some(o) = brands.overrides.origin(vendor) {
        return (
            Some(o),
            evidence(o, "vendor-table-config", vec![vendor_fact]),
        );
    }
    // The organisations the registries hold for this vendor.
    let hand = brands.vendor(k, vendor);
    let mut names: Vec<&str> = vec![vendor];
    let mut iana: Vec<&'static str> = Vec::new();
    match registered {
        Some(Registered::Ieee(name, Some(country))) => {
            let o = origin_of(country);
            return (
                Some(o),
                evidence(
                    o,
                    "ieee-country",
                    vec![
                        vendor_fact,
                        Fact::note("ieee-oui", format!("{name} ({country})")),
                    ],
                ),
            );
        }
        Some(Registered::Ieee(name, None)) => names.push(name),
        Some(Registered::Iana(name)) => iana.push(name),
        None => {}
    }
    if let Some(v) = hand {
        iana.extend(
            v.enterprises
                .iter()
                .filter_map(|&e| registry::enterprise::lookup(e)),
        );
    }
    // The brand's own name first; its registered organisations when the
    // IEEE registry does not know the name (a number can be a former
    // parent's, registered elsewhere).
    let mut tally = ieee_countries(names.iter().copied());
    if tally.is_empty() {
        tally = ieee_countries(iana.iter().copied());
    }
    let total: u32 = tally.iter().map(|(_, n, _)| n).sum();
    if let Some((code, n, key)) = tally.first()
        && 3 * n >= 2 * total
    {
        let o = origin_of(code);
        return (
            Some(o),
            evidence(
                o,
                "ieee-country",
                vec![
                    vendor_fact,
                    Fact::note(
                        "ieee-organisations",
                        format!("{key:?}: {code} ({n} of {total} assignments)"),
                    ),
                ],
            ),
        );
    }
    if let Some(name) = iana.iter().find(|n| k.domestic_hint.is_match(n)) {
        return (
            Some("domestic"),
            evidence(
                "domestic",
                "registry-name-mainland-place",
                vec![vendor_fact, Fact::note("registry-name", *name)],
            ),
        );
    }
    let legal = iana
        .iter()
        .chain(
            match registered {
                Some(Registered::Ieee(name, _)) => Some(name),
                _ => None,
            }
            .iter(),
        )
        .find_map(|n| org::foreign_legal_form(n).map(|f| (*n, f)));
    if let Some((name, form)) = legal {
        return (
            Some("foreign"),
            evidence(
                "foreign",
                "registry-name-legal-form",
                vec![
                    vendor_fact,
                    Fact::note("registry-name", format!("{name} ({form})")),
                ],
            ),
        );
    }
    if let Some(o) = hand.and_then(|v| v.origin) {
        return (
            Some(o),
            evidence(o, "vendor-origin-table", vec![vendor_fact]),
        );
    }
    let why = if tally.is_empty() {
        "no IEEE organisation matches its name"
    } else {
        "its IEEE organisations are registered in different countries"
    };
    (
        None,
        evidence(
            "unknown",
            "origin-unknown",
            vec![vendor_fact, Fact::note("registry", why)],
        ),
    )
}
