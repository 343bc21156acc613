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
///
/// Two layouts behind one interface: a tree while values arrive one by one
/// (a live walk visits subtrees in any order), and a sorted vector when all
/// values are known at once ([`FromIterator`]: a recording), which costs no
/// tree nodes and no second copy while it is built. Inserting into the
/// sorted form keeps it sorted when the OID goes last, and otherwise turns
/// it into a tree.
#[derive(Clone, Default)]
pub struct SnmpFacts {
    values: Layout,
}

#[derive(Clone)]
enum Layout {
    Tree(BTreeMap<Oid, Value>),
    /// Strictly increasing OIDs.
    Sorted(Vec<(Oid, Value)>),
}

impl Default for Layout {
    fn default() -> Self {
        Layout::Tree(BTreeMap::new())
    }
}

/// Entries from some point on, in OID order, whatever the layout.
enum Entries<'a> {
    Tree(std::collections::btree_map::Range<'a, Oid, Value>),
    Sorted(std::slice::Iter<'a, (Oid, Value)>),
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a Oid, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Tree(r) => r.next(),
            Entries::Sorted(s) => s.next().map(|(o, v)| (o, v)),
        }
    }
}

impl SnmpFacts {
    /// An empty set of facts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record one value; a later value for the same OID replaces the earlier.
    pub fn insert(&mut self, oid: Oid, value: Value) {
        match &mut self.values {
            Layout::Tree(t) => {
                t.insert(oid, value);
            }
            Layout::Sorted(v) => match v.binary_search_by(|(o, _)| o.cmp(&oid)) {
                Ok(i) => {
                    if let Some(slot) = v.get_mut(i) {
                        slot.1 = value;
                    }
                }
                Err(i) if i == v.len() => v.push((oid, value)),
                Err(_) => {
                    let mut t: BTreeMap<Oid, Value> = std::mem::take(v).into_iter().collect();
                    t.insert(oid, value);
                    self.values = Layout::Tree(t);
                }
            },
        }
    }

    /// The value at exactly `oid`.
    pub fn get(&self, oid: &Oid) -> Option<&Value> {
        match &self.values {
            Layout::Tree(t) => t.get(oid),
            Layout::Sorted(v) => v
                .binary_search_by(|(o, _)| o.cmp(oid))
                .ok()
                .and_then(|i| v.get(i))
                .map(|(_, val)| val),
        }
    }

    /// The value at `oid`, given as dotted text (no leading dot needed).
    pub fn get_str(&self, oid: &str) -> Option<&Value> {
        Oid::parse(oid).ok().and_then(|o| self.get(&o))
    }

    /// Entries at or after `oid`, in order.
    fn entries_at<'a>(&'a self, oid: &Oid) -> Entries<'a> {
        match &self.values {
            Layout::Tree(t) => Entries::Tree(t.range(oid.clone()..)),
            Layout::Sorted(v) => {
                let start = v.partition_point(|(o, _)| o < oid);
                Entries::Sorted(v.get(start..).unwrap_or_default().iter())
            }
        }
    }

    /// Every (OID, value) below `prefix` (the prefix itself excluded), in order.
    pub fn subtree<'a>(
        &'a self,
        prefix: &'a Oid,
    ) -> impl Iterator<Item = (&'a Oid, &'a Value)> + 'a {
        self.entries_at(prefix)
            .skip_while(move |(o, _)| *o == prefix)
            .take_while(move |(o, _)| o.starts_with(prefix))
    }

    /// The first (OID, value) at or after `oid` in walk order, as a
    /// GETNEXT-style walk would find it (`oid` itself included).
    pub fn first_from(&self, oid: &Oid) -> Option<(&Oid, &Value)> {
        self.entries_at(oid).next()
    }

    /// All values, in OID order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        match &self.values {
            Layout::Tree(t) => Entries::Tree(t.range::<Oid, _>(..)),
            Layout::Sorted(v) => Entries::Sorted(v.iter()),
        }
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        match &self.values {
            Layout::Tree(t) => t.len(),
            Layout::Sorted(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for SnmpFacts {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for SnmpFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Facts from (OID, value) pairs in any order; when an OID repeats, the
/// later value wins (as with [`SnmpFacts::insert`]). Sorted in place (no
/// work when they come in walk order, as recordings do), so a large
/// recording costs its values and nothing more.
impl FromIterator<(Oid, Value)> for SnmpFacts {
    fn from_iter<I: IntoIterator<Item = (Oid, Value)>>(iter: I) -> Self {
        let mut v: Vec<(Oid, Value)> = iter.into_iter().collect();
        if !v.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable, so equal OIDs stay in arrival order for the dedup.
            v.sort_by(|a, b| a.0.cmp(&b.0));
            // Keep the later of two equal OIDs: move its value into the
            // slot that stays, then drop the other.
            v.dedup_by(|later, kept| {
                if later.0 == kept.0 {
                    std::mem::swap(&mut later.1, &mut kept.1);
                    true
                } else {
                    false
                }
            });
        }
        SnmpFacts {
            values: Layout::Sorted(v),
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn oid(arcs: &[u32]) -> Oid {
        Oid::from_arcs(arcs.to_vec())
    }

    proptest! {
        /// Built at once or value by value, facts answer every question
        /// the same way (the tree is the model).
        #[test]
        fn sorted_and_tree_layouts_agree(
            pairs in proptest::collection::vec(
                (proptest::collection::vec(0u32..4, 1..5), any::<i64>()),
                0..60,
            ),
            extra in proptest::collection::vec((proptest::collection::vec(0u32..4, 1..5), any::<i64>()), 0..5),
            probes in proptest::collection::vec(proptest::collection::vec(0u32..4, 0..5), 0..20),
        ) {
            let mut tree = SnmpFacts::new();
            for (a, n) in &pairs {
                tree.insert(oid(a), Value::Integer(*n));
            }
            let mut built: SnmpFacts = pairs
                .iter()
                .map(|(a, n)| (oid(a), Value::Integer(*n)))
                .collect();
            prop_assert_eq!(&built, &tree);
            for (a, n) in &extra {
                tree.insert(oid(a), Value::Integer(*n));
                built.insert(oid(a), Value::Integer(*n));
            }
            prop_assert_eq!(built.len(), tree.len());
            prop_assert_eq!(built.iter().collect::<Vec<_>>(), tree.iter().collect::<Vec<_>>());
            for p in &probes {
                let p = oid(p);
                prop_assert_eq!(built.get(&p), tree.get(&p));
                prop_assert_eq!(built.first_from(&p), tree.first_from(&p));
                prop_assert_eq!(
                    built.subtree(&p).collect::<Vec<_>>(),
                    tree.subtree(&p).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn built_facts_keep_the_later_of_two_values() {
        let f: SnmpFacts = [
            (oid(&[1, 3]), Value::Integer(1)),
            (oid(&[1, 2]), Value::Integer(2)),
            (oid(&[1, 3]), Value::Integer(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(f.len(), 2);
        assert_eq!(f.get(&oid(&[1, 3])), Some(&Value::Integer(3)));
        // Appending in order stays sorted; inserting before the end works too.
        let mut f = f;
        f.insert(oid(&[1, 4]), Value::Integer(4));
        f.insert(oid(&[1, 1]), Value::Integer(0));
        let arcs: Vec<u32> = f.iter().map(|(o, _)| o.arcs()[1]).collect();
        assert_eq!(arcs, [1, 2, 3, 4]);
    }
}
