//! Knowledge compiled from vendors' MIB modules (the netdisco-mibs
//! collection) by `scripts/update-mib-tables`: product registrations,
//! vendor objects that hold a device's identity text, and `MODULE::name`
//! for the objects Pandian reads or names.
//!
//! The tables are sorted text embedded in the binary and searched in place
//! ([`super::sorted`]); nothing is built at start-up. Each data file's
//! header names the collection's version and the tarball's SHA-256;
//! `src/registry/data/mib-inputs.tsv` lists every MIB file the tables
//! derive from with its hash.

use std::sync::OnceLock;

use super::sorted::{Table, field, key_of};
use crate::facts::Oid;

static PRODUCTS: Table = Table::new(include_str!("data/mib-products.tsv"));
static OBJECTS: Table = Table::new(include_str!("data/mib-objects.tsv"));
static NAMES: Table = Table::new(include_str!("data/mib-names.tsv"));
static MODULES: &str = include_str!("data/mib-modules.tsv");

/// Module names by index (the line number in `mib-modules.tsv`).
fn modules() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| MODULES.lines().filter(|l| !l.starts_with('#')).collect())
}

/// `oid` below 1.3.6.1.4.1 as the products table writes it (`9.1.516`).
fn relative(oid: &Oid) -> Option<String> {
    match oid.arcs() {
        [1, 3, 6, 1, 4, 1, rest @ ..] if !rest.is_empty() => Some(
            rest.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("."),
        ),
        _ => None,
    }
}

fn module(index: Option<&str>) -> &'static str {
    index
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| modules().get(i).copied())
        .unwrap_or("?")
}

/// A product registration: an OID a vendor assigned to one product (a
/// sysObjectID value) or one kind of part (an entPhysicalVendorType value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// The MIB module that registers it.
    pub module: &'static str,
    /// The registration's name, e.g. `ciscoWSC2960X48TSL`.
    pub name: &'static str,
    /// The product identifier: the name without its list's naming
    /// convention (`WSC2960X48TSL`, from `cisco...` siblings).
    pub product: &'static str,
}

/// The registration of exactly `oid`.
pub fn product(oid: &Oid) -> Option<Product> {
    let line = PRODUCTS.find(&relative(oid)?)?;
    let name = field(line, 2)?;
    let strip = field(line, 3)
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let product = name.get(strip..).filter(|p| !p.is_empty()).unwrap_or(name);
    Some(Product {
        module: module(field(line, 1)),
        name,
        product,
    })
}

/// What a vendor identity object holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A serial number (or service tag).
    Serial,
    /// A model, product or platform name, or a part number.
    Model,
    /// A firmware or software version.
    Firmware,
    /// A hardware revision.
    Hardware,
}

/// A vendor object holding identity text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// Dotted OID of the scalar or column (no `.0`, no row index); a `*` arc
    /// stands for any arc: the same column under sibling product subtrees.
    pub oid: &'static str,
    /// Defining module.
    pub module: &'static str,
    /// Object name.
    pub name: &'static str,
    /// What it holds.
    pub role: Role,
    /// A table column (true) or a scalar.
    pub column: bool,
    /// 0-3: how plainly the name says it describes the device itself.
    pub rank: u8,
}

fn object(line: &'static str) -> Option<Object> {
    let mut f = line.split('\t');
    let (oid, module_index, name, role, shape, rank) = (
        f.next()?,
        f.next(),
        f.next()?,
        f.next()?,
        f.next()?,
        f.next()?,
    );
    let role = match role {
        "serial" => Role::Serial,
        "model" => Role::Model,
        "firmware" => Role::Firmware,
        "hardware" => Role::Hardware,
        _ => return None,
    };
    Some(Object {
        oid,
        module: module(module_index),
        name,
        role,
        column: shape == "column",
        rank: rank.parse().ok()?,
    })
}

/// The identity objects registered under enterprise `number`
/// (`1.3.6.1.4.1.number`), in OID text order.
pub fn objects_of(number: u32) -> Vec<Object> {
    let prefix = format!("1.3.6.1.4.1.{number}.");
    OBJECTS.with_prefix(&prefix).filter_map(object).collect()
}

/// The identity objects of standard modules (outside the enterprises
/// tree: UPS-MIB, Printer-MIB, IEEE 802.11...), in OID text order.
pub fn standard_objects() -> &'static [Object] {
    static LIST: OnceLock<Vec<Object>> = OnceLock::new();
    LIST.get_or_init(|| {
        OBJECTS
            .lines()
            .filter(|l| !key_of(l).starts_with("1.3.6.1.4.1."))
            .filter_map(object)
            .collect()
    })
}

/// Every identity object, in OID text order.
pub fn objects() -> impl Iterator<Item = Object> {
    OBJECTS.lines().filter_map(object)
}

/// The MIB name of the longest known prefix of `oid`: (module, object
/// name, the arcs after it). Searches the named objects, the identity
/// objects and the product registrations.
pub fn name(oid: &Oid) -> Option<(&'static str, &'static str, &[u32])> {
    let arcs = oid.arcs();
    let mut text = oid.to_string();
    for len in (1..=arcs.len()).rev() {
        let hit = NAMES
            .find(&text)
            .or_else(|| OBJECTS.find(&text))
            .or_else(|| {
                text.strip_prefix("1.3.6.1.4.1.")
                    .and_then(|rel| PRODUCTS.find(rel))
            });
        if let Some(line) = hit {
            let rest = arcs.get(len..).unwrap_or_default();
            return Some((module(field(line, 1)), field(line, 2)?, rest));
        }
        match text.rfind('.') {
            Some(dot) => text.truncate(dot),
            None => break,
        }
    }
    None
}

/// `MODULE::name.instance` for `oid` when its object is known, else None.
pub fn display(oid: &Oid) -> Option<String> {
    let (module, name, rest) = name(oid)?;
    let mut out = format!("{module}::{name}");
    for a in rest {
        out.push('.');
        out.push_str(&a.to_string());
    }
    Some(out)
}

/// The exact OID of `MODULE::name` in the names table, for checks.
pub fn oid_of(module_name: &str, object: &str) -> Option<&'static str> {
    NAMES
        .lines()
        .chain(OBJECTS.lines())
        .find(|l| field(l, 2) == Some(object) && module(field(l, 1)) == module_name)
        .map(key_of)
}

/// The header line of the compiled tables (collection version, hash).
pub fn source() -> &'static str {
    NAMES.header().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Oid {
        Oid::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn mib_tables_are_sorted_and_well_formed() {
        for (what, t, fields) in [
            ("products", &PRODUCTS, 4),
            ("objects", &OBJECTS, 6),
            ("names", &NAMES, 3),
        ] {
            let mut prev = "";
            let mut n = 0;
            for line in t.lines() {
                let k = key_of(line);
                assert!(k > prev, "{what}: {k} not after {prev}");
                assert_eq!(line.split('\t').count(), fields, "{what}: {line}");
                assert!(module(field(line, 1)) != "?", "{what}: {line}");
                prev = k;
                n += 1;
            }
            assert!(n > 100, "{what}: only {n} rows");
        }
        assert!(source().contains("netdisco-mibs"));
    }

    #[test]
    fn mib_product_registrations_name_products() {
        let p = product(&oid("1.3.6.1.4.1.9.1.516")).unwrap_or_else(|| panic!("no 9.1.516"));
        assert_eq!(p.module, "CISCO-PRODUCTS-MIB");
        assert_eq!(p.name, "catalyst37xxStack");
        assert!(product(&oid("1.3.6.1.4.1.9.1")).is_none());
    }

    #[test]
    fn mib_names_longest_prefix() {
        assert_eq!(
            display(&oid("1.3.6.1.2.1.1.1.0")).as_deref(),
            Some("SNMPv2-MIB::sysDescr.0")
        );
        assert_eq!(
            display(&oid("1.3.6.1.2.1.47.1.1.1.1.11.1001")).as_deref(),
            Some("ENTITY-MIB::entPhysicalSerialNum.1001")
        );
        assert_eq!(display(&oid("1.2.3.4")), None);
    }

    #[test]
    fn mib_identity_objects_have_roles() {
        let serials = objects().filter(|o| o.role == Role::Serial).count();
        let models = objects().filter(|o| o.role == Role::Model).count();
        assert!(
            serials > 50 && models > 50,
            "{serials} serials, {models} models"
        );
        assert!(objects_of(2636).iter().any(|o| o.name == "jnxBoxSerialNo"));
    }
}
