//! Facts: what was observed about one device, as plain values.
//!
//! Pure: no I/O. The sweep turns replies into these types; the fingerprint
//! engine, the store and the recording parsers (`.snmprec`, `snmpwalk -On`)
//! all speak them, so a device seen live and a device read from a recording
//! look the same to everything downstream.

mod oid;
mod value;

pub use oid::{Oid, OidParseError};
pub use value::Value;

use std::collections::BTreeMap;

/// SNMP values of one device, keyed by full OID (instance included), in
/// lexicographic OID order as an agent would walk them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnmpFacts {
    values: BTreeMap<Oid, Value>,
}

impl SnmpFacts {
    /// An empty set of facts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one value; a later value for the same OID replaces the earlier.
    pub fn insert(&mut self, oid: Oid, value: Value) {
        self.values.insert(oid, value);
    }

    /// The value at exactly `oid`.
    pub fn get(&self, oid: &Oid) -> Option<&Value> {
        self.values.get(oid)
    }

    /// The value at `oid`, given as dotted text (no leading dot needed).
    pub fn get_str(&self, oid: &str) -> Option<&Value> {
        Oid::parse(oid).ok().and_then(|o| self.values.get(&o))
    }

    /// Every (OID, value) below `prefix` (the prefix itself excluded), in order.
    pub fn subtree<'a>(
        &'a self,
        prefix: &'a Oid,
    ) -> impl Iterator<Item = (&'a Oid, &'a Value)> + 'a {
        self.values
            .range(prefix.clone()..)
            .skip_while(move |(o, _)| *o == prefix)
            .take_while(move |(o, _)| o.starts_with(prefix))
    }

    /// The first (OID, value) at or after `oid` in walk order, as a
    /// GETNEXT-style walk would find it (`oid` itself included).
    pub fn first_from(&self, oid: &Oid) -> Option<(&Oid, &Value)> {
        self.values.range(oid.clone()..).next()
    }

    /// All values, in OID order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.values.iter()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Facts from (OID, value) pairs in any order; when an OID repeats, the
/// later value wins (as with [`SnmpFacts::insert`]). Built in one pass
/// into full tree nodes: the way to load a large recording.
impl FromIterator<(Oid, Value)> for SnmpFacts {
    fn from_iter<I: IntoIterator<Item = (Oid, Value)>>(iter: I) -> Self {
        SnmpFacts {
            values: iter.into_iter().collect(),
        }
    }
}

/// sysDescr.0 and sysObjectID.0, the two values every agent answers.
pub const SYS_DESCR: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 1, 0];
/// sysObjectID.0.
pub const SYS_OBJECT_ID: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 2, 0];

/// Everything known about one device, for the fingerprint engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceFacts {
    /// SNMP values read from the device (live or from a recording).
    pub snmp: SnmpFacts,
    /// The device's MAC address, when seen (ARP, or the agent's own tables).
    pub mac: Option<[u8; 6]>,
    /// Reverse-DNS name, when looked up.
    pub hostname: Option<String>,
}

impl DeviceFacts {
    /// A device known only by its sysDescr and/or sysObjectID (a Recog
    /// example, a minimal recording); an unparsable OID is left out.
    pub fn from_system(descr: Option<&str>, object: Option<&str>) -> DeviceFacts {
        let mut snmp = SnmpFacts::new();
        if let Some(d) = descr {
            snmp.insert(
                Oid::from_arcs(SYS_DESCR),
                Value::OctetString(d.as_bytes().to_vec()),
            );
        }
        if let Some(o) = object.and_then(|o| Oid::parse(o).ok()) {
            snmp.insert(Oid::from_arcs(SYS_OBJECT_ID), Value::ObjectId(o));
        }
        DeviceFacts {
            snmp,
            ..DeviceFacts::default()
        }
    }
}
