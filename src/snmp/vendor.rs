//! Vendor subtrees read at Full depth for the fingerprint engine: where
//! vendors keep model names, serial numbers and firmware versions outside
//! ENTITY-MIB. Each walk is capped (500 rows) so a vendor's huge tables
//! cannot eat a device's budget. Names are the compiled MIB tables' names
//! for each OID (`registry::mib`, from netdisco-mibs; an OID below the
//! named object shows its arcs after the name), checked by
//! `tests/snmp_oids.rs`.

use super::oids::Known;

/// Vendor identity subtrees, walked in this order.
pub const VENDOR_SUBTREES: &[Known] = &[
    Known {
        name: "OLD-CISCO-CHASSIS-MIB::chassis",
        oid: "1.3.6.1.4.1.9.3.6",
    },
    Known {
        name: "JUNIPER-MIB::jnxBoxAnatomy",
        oid: "1.3.6.1.4.1.2636.3.1",
    },
    Known {
        name: "HUAWEI-ENTITY-EXTENT-MIB::hwRUModuleInfoTable",
        oid: "1.3.6.1.4.1.2011.5.25.31.1.1.2",
    },
    Known {
        name: "PowerNet-MIB::upsIdent",
        oid: "1.3.6.1.4.1.318.1.1.1.1",
    },
    Known {
        name: "PowerNet-MIB::upsBattery",
        oid: "1.3.6.1.4.1.318.1.1.1.2",
    },
    Known {
        name: "PowerNet-MIB::rPDUIdent",
        oid: "1.3.6.1.4.1.318.1.1.12.1",
    },
    Known {
        name: "PowerNet-MIB::rPDU2IdentEntry",
        oid: "1.3.6.1.4.1.318.1.1.26.2.1",
    },
    Known {
        name: "PowerNet-MIB::atsIdent",
        oid: "1.3.6.1.4.1.318.1.1.8.1",
    },
    Known {
        name: "PowerNet-MIB::experimental.2",
        oid: "1.3.6.1.4.1.318.1.4.2",
    },
    Known {
        name: "IDRAC-MIB-SMIv2::systemInfoGroup",
        oid: "1.3.6.1.4.1.674.10892.5.1.3",
    },
    Known {
        name: "MIB-Dell-10892::chassisInformationTableEntry",
        oid: "1.3.6.1.4.1.674.10892.1.300.10.1",
    },
    Known {
        name: "CPQSINFO-MIB::cpqSiComponent",
        oid: "1.3.6.1.4.1.232.2.2",
    },
    Known {
        name: "HP-ICF-OID::hpSystem.9.4.2.1.1.3",
        oid: "1.3.6.1.4.1.11.2.3.9.4.2.1.1.3",
    },
    Known {
        name: "FORTINET-CORE-MIB::fnSystem",
        oid: "1.3.6.1.4.1.12356.100.1.1",
    },
    Known {
        name: "PAN-COMMON-MIB::panSys",
        oid: "1.3.6.1.4.1.25461.2.1.2.1",
    },
    Known {
        name: "MIKROTIK-MIB::mtxrSystem",
        oid: "1.3.6.1.4.1.14988.1.1.7",
    },
    Known {
        name: "SNMPv2-SMI::enterprises.6574.1.5",
        oid: "1.3.6.1.4.1.6574.1.5", // not in the compiled MIBs
    },
    Known {
        name: "NETAPP-MIB::product",
        oid: "1.3.6.1.4.1.789.1.1",
    },
    Known {
        name: "SNMPv2-SMI::enterprises.39165.1",
        oid: "1.3.6.1.4.1.39165.1", // not in the compiled MIBs
    },
    Known {
        name: "HH3C-ENTITY-EXT-MIB::hh3cEntityExtStateEntry",
        oid: "1.3.6.1.4.1.25506.2.6.1.1.1.1",
    },
    Known {
        name: "RUCKUS-ZD-SYSTEM-MIB::ruckusZDSystemInfo",
        oid: "1.3.6.1.4.1.25053.1.2.1.1.1.1",
    },
    Known {
        name: "UBNT-UniFi-MIB::unifiApSystem",
        oid: "1.3.6.1.4.1.41112.1.6.3",
    },
];

/// Where the fingerprint engine looks for model, serial and firmware
/// (`src/fingerprint/rules/locations.toml`, its `oid = "..."` entries), so a
/// Full-depth probe reads exactly what the engine consumes. Parsed leniently:
/// any `oid = "<dotted>"` on a line counts; duplicates removed; sorted.
pub fn fingerprint_locations() -> Vec<crate::facts::Oid> {
    const TEXT: &str = include_str!("../fingerprint/rules/locations.toml");
    let mut out: Vec<crate::facts::Oid> = TEXT
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let rest = &l[l.find("oid")? + 3..];
            let rest = rest
                .trim_start()
                .strip_prefix('=')?
                .trim_start()
                .strip_prefix('"')?;
            let end = rest.find('"')?;
            crate::facts::Oid::parse(&rest[..end]).ok()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_locations_are_read() {
        let l = fingerprint_locations();
        assert!(l.len() >= 20, "only {} locations parsed", l.len());
        assert!(l.iter().all(|o| o.arcs().len() >= 4));
    }
}
