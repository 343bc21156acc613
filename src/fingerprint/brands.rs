//! Names users know: which brand an enterprise number, a registry
//! organisation, a manufacturer field or a sysDescr names.
//!
//! One order everywhere: the user's vendor table ([`VendorOverrides`]),
//! then the registries' facts (the organisation IANA registered the number
//! to, recognised as a brand by the brand's or a former brand's name), then
//! the hand table (`vendors.toml`'s enterprise numbers) only where the
//! registry is silent (no entry, or a name no brand pattern knows) or the
//! number is an agent stack's. `lineage.toml` renames former and acquired
//! brands to their owners and marks agent-stack and ODM numbers.

use std::collections::HashMap;
use std::sync::RwLock;

use super::pattern;

use super::overrides::VendorOverrides;
use super::rules::{Knowledge, RuleError, Vendor};
use super::text::clean_org;
use crate::registry;

/// A name recognised in some text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Named {
    /// The brand to report.
    pub brand: String,
    /// The former brand's name, when a lineage entry renamed it.
    pub via: Option<String>,
}

/// What an enterprise number says about the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Maker {
    /// The user's vendor table owns the number.
    Override(String),
    /// An agent toolkit's or chip vendor's number: not the vendor.
    Stack(String),
    /// A brand: `how` says which table decided, `odm` that the number is a
    /// contract manufacturer's (weak evidence of the brand).
    Brand {
        /// Canonical brand.
        brand: String,
        /// `registry`, `registry-lineage` or `vendor-table`.
        how: &'static str,
        /// The IANA organisation, when registered.
        org: Option<&'static str>,
        /// A contract manufacturer's number.
        odm: bool,
        /// Set when lineage renamed the registered name.
        via: Option<String>,
    },
    /// Registered to an organisation no table knows as a brand.
    Organisation {
        /// The name as IANA spells it.
        org: &'static str,
        /// A contract manufacturer's number.
        odm: bool,
    },
    /// Not registered, not in any table.
    Unknown,
}

/// Brand knowledge, compiled once per engine.
#[derive(Debug)]
pub(super) struct Brands {
    /// Vendor patterns, then lineage patterns, in one set.
    set: pattern::Set,
    /// For each pattern of `set`: Ok(vendor index) or Err(lineage index).
    refs: Vec<Result<usize, usize>>,
    pub overrides: VendorOverrides,
    /// What each enterprise number resolved to (a pure function of the
    /// number: remembered, not recomputed for every device).
    makers: RwLock<HashMap<u32, Maker>>,
}

impl Clone for Brands {
    fn clone(&self) -> Self {
        Brands {
            set: self.set.clone(),
            refs: self.refs.clone(),
            overrides: self.overrides.clone(),
            makers: RwLock::new(HashMap::new()),
        }
    }
}

impl Brands {
    /// The same patterns with another vendor table (and nothing
    /// remembered from the old one).
    pub(super) fn with_overrides(&self, overrides: VendorOverrides) -> Brands {
        Brands {
            overrides,
            ..self.clone()
        }
    }

    pub(super) fn new(k: &Knowledge, overrides: VendorOverrides) -> Result<Brands, RuleError> {
        let mut refs = Vec::new();
        let mut pats = Vec::new();
        for (i, v) in k.vendors.iter().enumerate() {
            if let Some(p) = &v.pattern {
                refs.push(Ok(i));
                pats.push(p);
            }
        }
        for (i, r) in k.renamed.iter().enumerate() {
            refs.push(Err(i));
            pats.push(&r.pattern);
        }
        let set = pattern::set(pats).map_err(|e| RuleError::Invalid {
            file: "vendors.toml".into(),
            line: 1,
            id: "(all)".into(),
            message: format!("name patterns do not combine into one set: {e}"),
        })?;
        Ok(Brands {
            set,
            refs,
            overrides,
            makers: RwLock::new(HashMap::new()),
        })
    }

    /// The name patterns, for callers that only need "is some brand named".
    pub(super) fn set(&self) -> &pattern::Set {
        &self.set
    }

    /// The brand `name` is known as: the user's table's brand for one of
    /// its aliases, else `name` itself.
    pub(super) fn canonical(&self, name: &str) -> String {
        self.overrides
            .by_name(name)
            .map_or_else(|| name.to_string(), str::to_string)
    }

    /// The brand named in `text`: the pattern that matches earliest wins
    /// (file order breaks ties), so "Data ONTAP ... (IBM)" names NetApp. A
    /// user's alias found in the text wins over everything.
    pub(super) fn named(&self, k: &Knowledge, text: &str) -> Option<Named> {
        self.named_preferring(k, text, None)
    }

    /// The brand named in `text`, one pass over it: a name matching inside
    /// `prefer` (a copyright notice) wins; else the earliest match.
    pub(super) fn named_preferring(
        &self,
        k: &Knowledge,
        text: &str,
        prefer: Option<std::ops::Range<usize>>,
    ) -> Option<Named> {
        if let Some(b) = self.overrides.by_name(text) {
            return Some(Named {
                brand: b.to_string(),
                via: None,
            });
        }
        let m = self.set.matches(text);
        if m.is_empty() {
            return None;
        }
        // (in the preferred range, start) per matching pattern.
        let mut best: Option<((bool, usize), usize)> = None;
        for p in m {
            let Some(r) = self.refs.get(p) else { continue };
            let re = match r {
                Ok(vi) => k.vendors.get(*vi).and_then(|v| v.pattern.as_ref()),
                Err(li) => k.renamed.get(*li).map(|l| &l.pattern),
            };
            let Some(re) = re else { continue };
            let in_range = prefer.as_ref().and_then(|range| {
                let sub = text.get(range.clone())?;
                re.find(sub).map(|f| range.start + f.start)
            });
            let key = match in_range {
                Some(at) => (false, at),
                None => (true, re.find(text).map_or(usize::MAX, |f| f.start)),
            };
            if best.is_none_or(|(b, _)| key < b) {
                best = Some((key, p));
            }
        }
        let (_, p) = best?;
        self.named_by_pattern(k, p)
    }

    fn named_by_pattern(&self, k: &Knowledge, p: usize) -> Option<Named> {
        match self.refs.get(p)? {
            Ok(vi) => Some(Named {
                brand: self.canonical(&k.vendors.get(*vi)?.name),
                via: None,
            }),
            Err(li) => {
                let l = k.renamed.get(*li)?;
                Some(Named {
                    brand: self.canonical(&k.vendors.get(l.owner)?.name),
                    via: Some(l.from.clone()),
                })
            }
        }
    }

    /// What enterprise number `e` says about the vendor.
    pub(super) fn enterprise(&self, k: &Knowledge, e: u32) -> Maker {
        if let Some(m) = self.makers.read().ok().and_then(|c| c.get(&e).cloned()) {
            return m;
        }
        let m = self.resolve_enterprise(k, e);
        if let Ok(mut c) = self.makers.write()
            && c.len() < 100_000
        {
            c.insert(e, m.clone());
        }
        m
    }

    fn resolve_enterprise(&self, k: &Knowledge, e: u32) -> Maker {
        if let Some(b) = self.overrides.by_enterprise(e) {
            return Maker::Override(b.to_string());
        }
        if let Some((_, name)) = k.stacks.iter().find(|(n, _)| *n == e) {
            return Maker::Stack(name.clone());
        }
        let odm = k.odms.iter().any(|(n, _)| *n == e);
        let hand = k.by_enterprise.get(&e).and_then(|&i| k.vendors.get(i));
        let org = registry::enterprise::lookup(e);
        if let Some(org) = org
            && let Some(n) = self.named(k, org)
        {
            return Maker::Brand {
                brand: n.brand,
                how: if n.via.is_some() {
                    "registry-lineage"
                } else {
                    "registry"
                },
                org: Some(org),
                odm,
                via: n.via,
            };
        }
        match (hand, org) {
            (Some(v), org) => Maker::Brand {
                brand: self.canonical(&v.name),
                how: "vendor-table",
                org,
                odm,
                via: None,
            },
            (None, Some(org)) => Maker::Organisation { org, odm },
            (None, None) => Maker::Unknown,
        }
    }

    /// The hand table's entry for a reported brand (after canonical names).
    pub(super) fn vendor<'k>(&self, k: &'k Knowledge, brand: &str) -> Option<&'k Vendor> {
        k.vendor(brand)
    }

    /// A registry organisation's name as a brand-like name users read.
    pub(super) fn presentable(&self, org: &str) -> String {
        self.canonical(&clean_org(org))
    }
}

#[cfg(test)]
mod tests {
    use super::super::overrides::VendorOverride;
    use super::*;

    fn brands(o: VendorOverrides) -> (Knowledge, Brands) {
        let k = Knowledge::builtin().unwrap_or_else(|e| panic!("{e}"));
        let b = Brands::new(&k, o).unwrap_or_else(|e| panic!("{e}"));
        (k, b)
    }

    #[test]
    fn brands_registry_first_then_hand_table_and_stacks() {
        let (k, b) = brands(VendorOverrides::default());
        // The registry names Cisco.
        assert!(
            matches!(b.enterprise(&k, 9), Maker::Brand { ref brand, how: "registry", .. } if brand == "Cisco")
        );
        // An agent toolkit's number is a stack.
        assert!(matches!(b.enterprise(&k, 8072), Maker::Stack(_)));
        // A number registered to an organisation no table knows.
        assert!(matches!(b.enterprise(&k, 3), Maker::Organisation { .. }));
        // A former brand in the registry is reported as its owner.
        let e = k
            .renamed
            .iter()
            .find(|r| r.from == "Enterasys")
            .map(|r| r.owner);
        assert!(e.is_some());
        assert_eq!(
            b.named(&k, "Enterasys Networks, Inc.").map(|n| n.brand),
            Some("Extreme Networks".to_string())
        );
    }

    #[test]
    fn brands_user_table_comes_first() {
        let o = VendorOverrides::new(vec![VendorOverride {
            brand: "Acme".into(),
            aliases: vec!["ciscoSystems".into()],
            enterprise_numbers: vec![8072],
            ..VendorOverride::default()
        }])
        .unwrap_or_else(|e| panic!("{e}"));
        let (k, b) = brands(o);
        assert_eq!(b.enterprise(&k, 8072), Maker::Override("Acme".into()));
        assert!(matches!(b.enterprise(&k, 9), Maker::Brand { ref brand, .. } if brand == "Acme"));
        assert_eq!(b.canonical("CISCOSYSTEMS"), "Acme");
    }

    /// The hand table never contradicts the registry: every enterprise
    /// number `vendors.toml` gives a brand is registered to that brand, a
    /// former brand of it, or to an organisation no brand pattern names.
    #[test]
    fn vendor_table_numbers_agree_with_the_registry() {
        let (k, b) = brands(VendorOverrides::default());
        let mut wrong = Vec::new();
        for v in &k.vendors {
            for &e in &v.enterprises {
                if let Maker::Brand {
                    brand, how, org, ..
                } = b.enterprise(&k, e)
                    && how != "vendor-table"
                    && brand != v.name
                {
                    wrong.push(format!(
                        "{e} is {org:?} = {brand}, vendors.toml says {}",
                        v.name
                    ));
                }
                if k.stacks.iter().any(|(n, _)| *n == e) {
                    wrong.push(format!(
                        "{e} is an agent stack's number, vendors.toml gives it to {}",
                        v.name
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
