//! The user's vendor table: brands, their other spellings, the enterprise
//! numbers and MAC blocks they own, and their origin. It comes first in
//! the one order names follow (user table, registries, hand tables): an
//! entry can add a brand nobody knows, give an enterprise number or OUI to
//! a brand, rename a spelling, or correct an origin.
//!
//! The config's `[[vendor]]` tables deserialize into [`VendorOverride`];
//! [`VendorOverrides::new`] validates them and
//! [`super::Engine::with_overrides`] merges them into the engine.

use serde::Deserialize;

/// One `[[vendor]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorOverride {
    /// The brand to report (e.g. `Acme Networks`).
    pub brand: String,
    /// Other spellings that mean this brand (a registry's name, an old
    /// name): any of them is reported as `brand`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// IANA private enterprise numbers this brand's agents use in
    /// sysObjectID (`1.3.6.1.4.1.N`).
    #[serde(default)]
    pub enterprise_numbers: Vec<u32>,
    /// MAC address blocks (MA-L 6, MA-M 7 or MA-S 9 hex digits; `:`, `-`
    /// and `.` are ignored): `00:1B:21`, `70B3D5123`.
    #[serde(default)]
    pub ouis: Vec<String>,
    /// `domestic` (a mainland-Chinese brand) or `foreign`; absent leaves
    /// the origin to the registries.
    pub origin: Option<String>,
}

/// Why a vendor table is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// An entry has no brand.
    #[error(
        "vendor entry {index}: `brand` is empty; give the name to report, e.g. brand = \"Acme\""
    )]
    EmptyBrand {
        /// 1-based entry number.
        index: usize,
    },
    /// An OUI is not 6, 7 or 9 hex digits.
    #[error("vendor `{brand}`: OUI {oui:?} is not 6, 7 or 9 hex digits (e.g. \"00:1B:21\")")]
    BadOui {
        /// The entry's brand.
        brand: String,
        /// The value given.
        oui: String,
    },
    /// The origin is not `domestic` or `foreign`.
    #[error("vendor `{brand}`: origin {origin:?} must be \"domestic\" or \"foreign\"")]
    BadOrigin {
        /// The entry's brand.
        brand: String,
        /// The value given.
        origin: String,
    },
    /// The shipped table does not parse.
    #[error("the shipped vendor table (rules/vendor-table.toml): {0}")]
    Shipped(String),
    /// Two entries claim the same enterprise number, OUI or name.
    #[error("vendor `{brand}`: {what} is already given to `{other}`; keep it in one entry")]
    Duplicate {
        /// The later entry's brand.
        brand: String,
        /// What is claimed twice.
        what: String,
        /// The earlier entry's brand.
        other: String,
    },
}

/// A validated vendor table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorOverrides {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    brand: String,
    names: Vec<String>,
    enterprises: Vec<u32>,
    /// Upper-case hex prefixes.
    ouis: Vec<String>,
    origin: Option<&'static str>,
}

/// Lower-case letters and digits only: how names are compared.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl VendorOverrides {
    /// Validate `entries` (in the config's order).
    pub fn new(entries: Vec<VendorOverride>) -> Result<VendorOverrides, OverrideError> {
        let mut out: Vec<Entry> = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            let brand = e.brand.trim().to_string();
            if brand.is_empty() {
                return Err(OverrideError::EmptyBrand { index: i + 1 });
            }
            let origin = match e.origin.as_deref().map(str::trim) {
                None => None,
                Some("domestic") => Some("domestic"),
                Some("foreign") => Some("foreign"),
                Some(other) => {
                    return Err(OverrideError::BadOrigin {
                        brand,
                        origin: other.to_string(),
                    });
                }
            };
            let mut ouis = Vec::new();
            for o in &e.ouis {
                let hex: String = o
                    .chars()
                    .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
                    .map(|c| c.to_ascii_uppercase())
                    .collect();
                if !matches!(hex.len(), 6 | 7 | 9) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(OverrideError::BadOui {
                        brand,
                        oui: o.clone(),
                    });
                }
                ouis.push(hex);
            }
            let mut names: Vec<String> = std::iter::once(brand.as_str())
                .chain(e.aliases.iter().map(String::as_str))
                .map(squash)
                .filter(|n| !n.is_empty())
                .collect();
            names.dedup();
            for prev in &out {
                let clash = |what: String| OverrideError::Duplicate {
                    brand: brand.clone(),
                    what,
                    other: prev.brand.clone(),
                };
                if let Some(n) = e
                    .enterprise_numbers
                    .iter()
                    .find(|n| prev.enterprises.contains(n))
                {
                    return Err(clash(format!("enterprise number {n}")));
                }
                if let Some(o) = ouis.iter().find(|o| prev.ouis.contains(o)) {
                    return Err(clash(format!("OUI {o}")));
                }
                if let Some(n) = names.iter().find(|n| prev.names.contains(n)) {
                    return Err(clash(format!("the name {n:?}")));
                }
            }
            out.push(Entry {
                brand,
                names,
                enterprises: e.enterprise_numbers,
                ouis,
                origin,
            });
        }
        Ok(VendorOverrides { entries: out })
    }

    /// The shipped vendor table (`rules/vendor-table.toml`), validated.
    pub fn shipped() -> Result<VendorOverrides, OverrideError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            vendor: Vec<VendorOverride>,
        }
        const TEXT: &str = include_str!("rules/vendor-table.toml");
        let file: File =
            toml::from_str(TEXT).map_err(|e| OverrideError::Shipped(e.message().to_string()))?;
        VendorOverrides::new(file.vendor)
    }

    /// This table (the user's) first, then the entries of `base` that claim
    /// nothing this table claims (brand, alias, enterprise number, OUI).
    pub fn over(mut self, base: &VendorOverrides) -> VendorOverrides {
        let claimed = |e: &Entry, mine: &[Entry]| {
            mine.iter().any(|m| {
                m.names.iter().any(|n| e.names.contains(n))
                    || m.enterprises.iter().any(|n| e.enterprises.contains(n))
                    || m.ouis.iter().any(|o| e.ouis.contains(o))
            })
        };
        let extra: Vec<Entry> = base
            .entries
            .iter()
            .filter(|e| !claimed(e, &self.entries))
            .cloned()
            .collect();
        self.entries.extend(extra);
        self
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The brand owning enterprise `number`.
    pub fn by_enterprise(&self, number: u32) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.enterprises.contains(&number))
            .map(|e| e.brand.as_str())
    }

    /// The brand owning the block `mac` is in (longest prefix first).
    pub fn by_mac(&self, mac: [u8; 6]) -> Option<&str> {
        if self.entries.iter().all(|e| e.ouis.is_empty()) {
            return None;
        }
        let hex: String = mac.iter().map(|b| format!("{b:02X}")).collect();
        [9usize, 7, 6].into_iter().find_map(|len| {
            let p = hex.get(..len)?;
            self.entries
                .iter()
                .find(|e| e.ouis.iter().any(|o| o == p))
                .map(|e| e.brand.as_str())
        })
    }

    /// The brand `name` is (its brand name or one of its aliases).
    pub fn by_name(&self, name: &str) -> Option<&str> {
        if self.entries.is_empty() {
            return None;
        }
        let n = squash(name);
        if n.is_empty() {
            return None;
        }
        self.entries
            .iter()
            .find(|e| e.names.contains(&n))
            .map(|e| e.brand.as_str())
    }

    /// The origin the table gives `brand` (by brand name or alias).
    pub fn origin(&self, brand: &str) -> Option<&'static str> {
        if self.entries.is_empty() {
            return None;
        }
        let n = squash(brand);
        self.entries
            .iter()
            .find(|e| e.names.contains(&n))
            .and_then(|e| e.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(brand: &str) -> VendorOverride {
        VendorOverride {
            brand: brand.into(),
            ..VendorOverride::default()
        }
    }

    #[test]
    fn overrides_parse_from_config_toml() {
        #[derive(Deserialize)]
        struct Cfg {
            vendor: Vec<VendorOverride>,
        }
        let cfg: Cfg = toml::from_str(
            r#"
[[vendor]]
brand = "Acme Networks"
aliases = ["ACME Corp", "Acme Networks Ltd"]
enterprise_numbers = [99998]
ouis = ["00:1B:21", "70B3D5123"]
origin = "domestic"
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let o = VendorOverrides::new(cfg.vendor).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.by_enterprise(99998), Some("Acme Networks"));
        assert_eq!(o.by_mac([0x00, 0x1b, 0x21, 1, 2, 3]), Some("Acme Networks"));
        assert_eq!(
            o.by_mac([0x70, 0xb3, 0xd5, 0x12, 0x34, 5]),
            Some("Acme Networks")
        );
        assert_eq!(o.by_mac([0x70, 0xb3, 0xd5, 0x12, 0x44, 5]), None);
        assert_eq!(o.by_name("acme corp."), Some("Acme Networks"));
        assert_eq!(o.origin("ACME CORP"), Some("domestic"));
        assert_eq!(o.by_name("Other"), None);
        let bad: Result<Cfg, _> = toml::from_str("[[vendor]]\nbrand = \"x\"\nbrnad = 1\n");
        assert!(bad.is_err());
    }

    #[test]
    fn overrides_user_entries_come_before_the_shipped_table() {
        let shipped = VendorOverrides::shipped().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shipped.origin("Lenovo"), Some("domestic"));
        let mut mine = entry("Lenovo");
        mine.origin = Some("foreign".into());
        let merged = VendorOverrides::new(vec![mine, entry("Acme")])
            .unwrap_or_else(|e| panic!("{e}"))
            .over(&shipped);
        assert_eq!(merged.origin("Lenovo"), Some("foreign"));
        assert_eq!(merged.origin("FS.com"), Some("domestic"));
        assert_eq!(merged.by_name("acme"), Some("Acme"));
    }

    #[test]
    fn overrides_reject_bad_entries_with_a_reason() {
        let e = VendorOverrides::new(vec![entry(" ")])
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("brand")));
        let mut v = entry("A");
        v.ouis = vec!["00:1B".into()];
        let e = VendorOverrides::new(vec![v]).err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("6, 7 or 9 hex digits")));
        let mut v = entry("A");
        v.origin = Some("mars".into());
        assert!(VendorOverrides::new(vec![v]).is_err());
        let mut a = entry("A");
        a.enterprise_numbers = vec![5];
        let mut b = entry("B");
        b.enterprise_numbers = vec![5];
        let e = VendorOverrides::new(vec![a, b])
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("enterprise number 5") && m.contains("`A`")));
        let mut b = entry("B");
        b.aliases = vec!["a".into()];
        assert!(VendorOverrides::new(vec![entry("A"), b]).is_err());
    }
}
