//! OID → name for display (the device page, logs): a table compiled into
//! the binary from the objects Pandian polls ([`oids::ALL`]) and the vendor
//! subtrees ([`vendor::VENDOR_SUBTREES`]), plus the registration points of
//! the MIB modules they live in. Longest prefix wins; the rest of the OID
//! is shown as the instance. Pure.

use super::{oids, vendor};
use crate::facts::Oid;
use std::sync::OnceLock;

/// Registration points of the modules and groups Pandian reads, for OIDs
/// below them that have no object of their own in the table.
const GROUPS: &[(&str, &str)] = &[
    ("SNMPv2-SMI::mib-2", "1.3.6.1.2.1"),
    ("SNMPv2-SMI::enterprises", "1.3.6.1.4.1"),
    ("IF-MIB::interfaces", "1.3.6.1.2.1.2"),
    ("IF-MIB::ifMIB", "1.3.6.1.2.1.31"),
    ("IP-MIB::ip", "1.3.6.1.2.1.4"),
    ("BRIDGE-MIB::dot1dBridge", "1.3.6.1.2.1.17"),
    ("HOST-RESOURCES-MIB::host", "1.3.6.1.2.1.25"),
    ("UPS-MIB::upsMIB", "1.3.6.1.2.1.33"),
    ("Printer-MIB::printmib", "1.3.6.1.2.1.43"),
    ("ENTITY-MIB::entityMIB", "1.3.6.1.2.1.47"),
    ("LLDP-MIB::lldpMIB", "1.0.8802.1.1.2"),
    ("CISCO-CDP-MIB::ciscoCdpMIB", "1.3.6.1.4.1.9.9.23"),
    ("PowerNet-MIB::apc", "1.3.6.1.4.1.318"),
];

fn table() -> &'static Vec<(Oid, &'static str)> {
    static TABLE: OnceLock<Vec<(Oid, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(Oid, &'static str)> = oids::ALL
            .iter()
            .chain(vendor::VENDOR_SUBTREES.iter())
            .map(|k| (k.oid, k.name))
            .chain(GROUPS.iter().map(|(n, o)| (*o, *n)))
            .filter_map(|(o, n)| Oid::parse(o).ok().map(|o| (o, n)))
            .collect();
        // Longest first, so the first prefix match is the most specific.
        t.sort_by(|a, b| {
            b.0.arcs()
                .len()
                .cmp(&a.0.arcs().len())
                .then_with(|| a.0.cmp(&b.0))
        });
        t
    })
}

/// The most specific known name for `oid` and the arcs after it.
pub fn lookup(oid: &Oid) -> Option<(&'static str, &[u32])> {
    table()
        .iter()
        .find_map(|(prefix, name)| oid.suffix_after(prefix).map(|rest| (*name, rest)))
}

/// `MODULE::object.instance` when known, else the dotted OID.
pub fn display(oid: &Oid) -> String {
    match lookup(oid) {
        Some((name, [])) => name.to_string(),
        Some((name, rest)) => {
            let inst: Vec<String> = rest.iter().map(u32::to_string).collect();
            format!("{name}.{}", inst.join("."))
        }
        None => oid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_longest_prefix_wins() {
        let o = |s: &str| Oid::parse(s).unwrap();
        assert_eq!(display(&o("1.3.6.1.2.1.2.2.1.2.5")), "IF-MIB::ifDescr.5");
        assert_eq!(display(&o("1.3.6.1.2.1.1.5.0")), "SNMPv2-MIB::sysName.0");
        assert_eq!(
            display(&o("1.3.6.1.2.1.47.1.1.1.1.11.1001")),
            "ENTITY-MIB::entPhysicalSerialNum.1001"
        );
        assert_eq!(
            display(&o("1.3.6.1.4.1.318.1.1.1.1.2.3.0")),
            "PowerNet-MIB::upsIdent.2.3.0"
        );
        assert_eq!(
            display(&o("1.3.6.1.4.1.99999.1")), // not in the compiled MIBs
            "SNMPv2-SMI::enterprises.99999.1"
        );
        assert_eq!(display(&o("1.2.3")), "1.2.3");
    }

    #[test]
    fn every_known_oid_parses_and_names_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for k in oids::ALL.iter().chain(vendor::VENDOR_SUBTREES.iter()) {
            assert!(Oid::parse(k.oid).is_ok(), "{}", k.name);
            assert!(seen.insert(k.oid), "{} listed twice", k.oid);
        }
    }
}
