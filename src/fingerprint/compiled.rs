//! Proposals from the knowledge compiled from vendors' MIBs
//! ([`crate::registry::mib`]): the vendor identity objects a device fills
//! (serial, model, firmware), its sysObjectID's product registration and
//! its chassis' entPhysicalVendorType registration.

use super::text::{short, usable};
use super::vote::{Field, Proposal, weight};
use super::words::is_version_like;
use super::{Fact, fact};
use crate::facts::{Oid, SnmpFacts, Value};
use crate::registry::mib::{self, Object, Role};

/// ENTITY-MIB entPhysicalVendorType column.
const ENT_VENDOR_TYPE: [u32; 12] = [1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 3];

/// How many rows of a column are looked at for its first usable value.
const MAX_ROWS: usize = 16;

fn object_weight(o: &Object) -> u32 {
    match o.rank {
        3 => weight::COMPILED_OBJECT,
        2 => weight::COMPILED_OBJECT - 10,
        1 => weight::COMPILED_OBJECT - 20,
        _ => weight::COMPILED_OBJECT - 25,
    }
}

/// Whether `text` can be the value of a `role` object.
fn plausible(role: Role, text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    match role {
        Role::Serial => {
            text.len() >= 4
                && text.len() <= 64
                && !(digits == text.len() && text.len() <= 5)
                && !text.contains(char::is_whitespace)
        }
        Role::Model => {
            text.len() >= 2
                && text.len() <= 64
                && text.chars().any(|c| c.is_ascii_alphabetic())
                && !is_version_like(text)
        }
        Role::Firmware => digits > 0 && text.len() <= 64,
        Role::Hardware => false,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::OctetString(_) => v.as_text().or_else(|| v.as_lossy_text()),
        _ => None,
    }
}

/// Where an identity object is read in a walk, its OID parsed once.
#[derive(Debug, Clone)]
enum At {
    /// The scalar (read at `.0`, or at itself) or the column.
    Exact(Oid),
    /// The same column under sibling product subtrees: `prefix`, any one
    /// arc, then `suffix`.
    Siblings { prefix: Oid, suffix: Vec<u32> },
}

/// An identity object and where to read it.
#[derive(Debug, Clone)]
struct Located {
    object: Object,
    at: At,
}

fn located(object: Object) -> Option<Located> {
    let at = match object.oid.split_once(".*.") {
        Some((prefix, suffix)) => At::Siblings {
            prefix: Oid::parse(prefix).ok()?,
            suffix: suffix.split('.').filter_map(|a| a.parse().ok()).collect(),
        },
        None => At::Exact(Oid::parse(object.oid).ok()?),
    };
    Some(Located { object, at })
}

/// Enterprises whose parsed objects are kept (the table is static, so
/// this bounds only memory).
const MAX_CACHED: usize = 65_536;

/// The identity objects of enterprise `e`, parsed on first use and kept:
/// the compiled table is part of the binary, so they never change.
fn vendor_objects(e: u32) -> std::sync::Arc<[Located]> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<u32, Arc<[Located]>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&e).cloned()) {
        return hit;
    }
    let parsed: Arc<[Located]> = mib::objects_of(e).into_iter().filter_map(located).collect();
    if let Ok(mut c) = cache.lock()
        && c.len() < MAX_CACHED
    {
        c.insert(e, parsed.clone());
    }
    parsed
}

/// The standard modules' identity objects, parsed once.
fn standard_objects() -> &'static [Located] {
    static LIST: std::sync::OnceLock<Vec<Located>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        mib::standard_objects()
            .iter()
            .copied()
            .filter_map(located)
            .collect()
    })
}

/// The first usable value of `l` in the walk, with its OID.
fn value_of(snmp: &SnmpFacts, l: &Located) -> Option<(Oid, String)> {
    let o = &l.object;
    let ok = |oid: &Oid, v: &Value| -> Option<(Oid, String)> {
        let t = text_of(v)?;
        let t = usable(&t)?;
        plausible(o.role, t).then(|| (oid.clone(), t.to_string()))
    };
    match &l.at {
        At::Siblings { prefix, suffix } => {
            snmp.subtree(prefix).take(20_000).find_map(|(oid, v)| {
                let rest = oid.suffix_after(prefix)?;
                let after = rest.get(1..)?;
                let tail = after.strip_prefix(suffix.as_slice())?;
                let shape_ok = if o.column {
                    !tail.is_empty()
                } else {
                    tail == [0]
                };
                if shape_ok { ok(oid, v) } else { None }
            })
        }
        At::Exact(base) if o.column => snmp
            .subtree(base)
            .take(MAX_ROWS)
            .find_map(|(oid, v)| ok(oid, v)),
        At::Exact(base) => {
            // Scalars are read at `.0`; some agents answer at the object itself.
            let scalar = base.child(0);
            snmp.get(&scalar)
                .and_then(|v| ok(&scalar, v))
                .or_else(|| snmp.get(base).and_then(|v| ok(base, v)))
        }
    }
}

/// Proposals from the identity objects of enterprises `numbers` (and of
/// the standard modules) that the walk fills: per field, the best-ranked
/// object with a usable value (a scalar before a column, then OID order).
pub(super) fn objects(snmp: &SnmpFacts, numbers: &[u32], out: &mut Vec<Proposal>) {
    let mut best: [Option<(Object, Oid, String)>; 3] = [None, None, None];
    let slot = |role: Role| match role {
        Role::Serial => Some(0),
        Role::Model => Some(1),
        Role::Firmware => Some(2),
        Role::Hardware => None,
    };
    let vendor: Vec<std::sync::Arc<[Located]>> =
        numbers.iter().map(|&e| vendor_objects(e)).collect();
    for l in vendor
        .iter()
        .flat_map(|v| v.iter())
        .chain(standard_objects().iter())
    {
        let o = &l.object;
        let Some(i) = slot(o.role) else { continue };
        let Some(b) = best.get_mut(i) else { continue };
        let better = b
            .as_ref()
            .is_none_or(|(p, ..)| (o.rank, !o.column) > (p.rank, !p.column));
        if better && let Some((oid, text)) = value_of(snmp, l) {
            *b = Some((*o, oid, text));
        }
    }
    for (field, b) in [Field::Serial, Field::Model, Field::Firmware]
        .into_iter()
        .zip(best)
    {
        if let Some((o, oid, text)) = b {
            let mut f = fact(&oid, &text);
            f.name = Some(format!("{}::{}", o.module, o.name));
            out.push(
                Proposal::new(field, text, object_weight(&o), "compiled-object")
                    .with_facts(vec![f]),
            );
        }
    }
}

/// Whether a product identifier can be a model name: it names a numbered
/// product, not a family or a placeholder.
fn model_like(id: &str) -> bool {
    id.len() >= 3
        && id.chars().any(|c| c.is_ascii_digit())
        && id.chars().any(|c| c.is_ascii_alphabetic())
        && !id.to_ascii_lowercase().contains("unknown")
}

/// The class a product identifier's words name (`...Switch`, `...AP...`).
pub(super) fn class_word(id: &str) -> Option<&'static str> {
    let words: Vec<String> = camel_words(id);
    let has = |w: &str| words.iter().any(|x| x == w);
    if has("switch") || has("catalyst") {
        Some("switch")
    } else if has("router") {
        Some("router")
    } else if has("firewall") || has("fw") || has("asa") {
        Some("firewall")
    } else if has("ap") || has("wlc") || has("wireless") || has("aironet") || has("wlan") {
        Some("wireless")
    } else if has("ups") {
        Some("ups")
    } else if has("pdu") {
        Some("pdu")
    } else if has("printer") {
        Some("printer")
    } else if has("camera") || has("nvr") {
        Some("camera")
    } else if has("phone") {
        Some("phone")
    } else {
        None
    }
}

/// `ciscoAIR1142APSwitch` -> `cisco`, `air`, `1142`, `ap`, `switch`.
fn camel_words(id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            None => false,
            Some(p) => {
                !c.is_ascii_alphanumeric()
                    || !p.is_ascii_alphanumeric()
                    || (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_digit() != c.is_ascii_digit())
                    || (p.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
        };
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur).to_ascii_lowercase());
        }
        if c.is_ascii_alphanumeric() {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur.to_ascii_lowercase());
    }
    out
}

/// Proposals from the registrations of the sysObjectID and of the
/// chassis' entPhysicalVendorType: a model when the identifier names a
/// numbered product, a class when its words name one.
pub(super) fn registrations(
    snmp: &SnmpFacts,
    object: Option<&Oid>,
    rows: &[u32],
    out: &mut Vec<Proposal>,
) {
    let sys_object_id = Oid::from_arcs(crate::facts::SYS_OBJECT_ID);
    let mut seen: Vec<(&'static str, Oid, Oid)> = Vec::new();
    if let Some(o) = object {
        seen.push(("product-registration", sys_object_id, o.clone()));
    }
    let vt = Oid::from_arcs(ENT_VENDOR_TYPE);
    if let Some(row) = rows.first()
        && let Some(Value::ObjectId(t)) = snmp.get(&vt.child(*row))
    {
        seen.push(("entity-vendor-type", vt.child(*row), t.clone()));
    }
    for (source, at, oid) in seen {
        let Some(p) = mib::product(&oid) else {
            continue;
        };
        let mut f = Fact {
            source: at.to_string(),
            value: short(&oid.to_string()),
            name: None,
        };
        f.name = Some(format!("{}::{}", p.module, p.name));
        let w = if source == "product-registration" {
            weight::PRODUCT_REGISTRATION
        } else {
            weight::ENTITY_MFG
        };
        if model_like(p.product) {
            out.push(Proposal::new(Field::Model, p.product, w, source).with_facts(vec![f.clone()]));
        }
        if let Some(c) = class_word(p.name) {
            out.push(
                Proposal::new(
                    Field::Class,
                    c,
                    weight::ENTITY_MFG,
                    format!("{source}-words"),
                )
                .with_facts(vec![f]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_camel_words_and_class_words() {
        assert_eq!(
            camel_words("ciscoAIR1142APSwitch"),
            ["cisco", "air", "1142", "ap", "switch"]
        );
        assert_eq!(
            camel_words("jnxProductNameEX4200"),
            ["jnx", "product", "name", "ex", "4200"]
        );
        assert_eq!(class_word("ciscoCat9200LFixedSwitchStack"), Some("switch"));
        assert_eq!(class_word("sonicwallFw"), Some("firewall"));
        assert_eq!(class_word("dellN2024PSwitch"), Some("switch"));
        assert_eq!(class_word("ar1220"), None);
    }

    #[test]
    fn compiled_plausible_values() {
        assert!(plausible(Role::Serial, "FOC1234X0AB"));
        assert!(!plausible(Role::Serial, "0003"));
        assert!(!plausible(Role::Serial, "two words"));
        assert!(plausible(Role::Model, "EX4200-48T"));
        assert!(!plausible(Role::Model, "10.10"));
        assert!(!plausible(Role::Firmware, "unknown"));
        assert!(model_like("WSC2960X48TSL"));
        assert!(!model_like("GatewayServer"));
    }

    #[test]
    fn compiled_objects_propose_from_the_walk() {
        // jnxBoxSerialNo (JUNIPER-MIB) is a compiled serial scalar.
        let Some(o) = mib::objects_of(2636)
            .into_iter()
            .find(|o| o.name == "jnxBoxSerialNo")
        else {
            panic!("jnxBoxSerialNo not compiled");
        };
        let mut snmp = SnmpFacts::new();
        let oid = Oid::parse(o.oid).unwrap_or_default().child(0);
        snmp.insert(oid, Value::OctetString(b"AB1234567890".to_vec()));
        let mut out = Vec::new();
        objects(&snmp, &[2636], &mut out);
        assert!(
            out.iter()
                .any(|p| p.field == Field::Serial && p.value == "AB1234567890"),
            "{out:?}"
        );
        let mut out = Vec::new();
        objects(&snmp, &[9], &mut out);
        assert!(out.is_empty());
    }
}
