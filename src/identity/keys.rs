//! Identity keys from raw SNMP values, read from standard MIBs only (so
//! identity does not wait for, or depend on, the fingerprint): the chassis
//! serial (ENTITY-MIB), the printer's serial (Printer-MIB), the bridge base
//! MAC (BRIDGE-MIB), the LLDP chassis MAC, the engine ID
//! (SNMP-FRAMEWORK-MIB), sysName and the agent's own addresses (IP-MIB).

use super::{Key, Mac, is_unicast};
use crate::facts::{Oid, SnmpFacts, Value};
use crate::snmp::oids;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The keys of one SNMP agent, and its own addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnmpKeys {
    /// Serials, chassis MACs, engine ID, sysName.
    pub keys: Vec<Key>,
    /// The agent's own address table (ipAddrTable / ipAddressTable).
    pub addresses: Vec<IpAddr>,
    /// The agent's interface MACs (ifPhysAddress), ascending.
    pub macs: Vec<Mac>,
}

fn oid(k: &oids::Known) -> Option<Oid> {
    Oid::parse(k.oid).ok()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::OctetString(b) => Some(crate::snmp::text::clean(&String::from_utf8_lossy(b), 128)),
        _ => None,
    }
}

/// A serial that names nothing: empty, a placeholder, one character
/// repeated, or a counting sequence.
pub fn is_placeholder_serial(s: &str) -> bool {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if t.chars().count() < 3 {
        return true;
    }
    if [
        "n/a",
        "na",
        "none",
        "null",
        "unknown",
        "not available",
        "not specified",
        "default",
        "serial",
        "serialnumber",
        "serial number",
        "to be filled by o.e.m.",
        "system serial number",
    ]
    .contains(&lower.as_str())
    {
        return true;
    }
    let mut chars = t.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return true;
    }
    "0123456789".contains(t) || "123456789012345678901234567890".starts_with(t)
}

fn mac_of(v: &Value) -> Option<Mac> {
    let Value::OctetString(b) = v else {
        return None;
    };
    let m: Mac = b.as_slice().try_into().ok()?;
    is_unicast(m).then_some(m)
}

/// The identity keys in one agent's values.
pub fn snmp_keys(f: &SnmpFacts) -> SnmpKeys {
    let mut keys: BTreeSet<Key> = BTreeSet::new();
    let enterprise = f
        .get(&Oid::from_arcs(crate::facts::SYS_OBJECT_ID))
        .and_then(Value::as_oid)
        .and_then(Oid::enterprise)
        .unwrap_or(0);

    // Chassis serials (a stack has several chassis).
    if let (Some(class_col), Some(serial_col)) = (
        oid(&oids::ENT_PHYSICAL_CLASS),
        oid(&oids::ENT_PHYSICAL_SERIAL_NUM),
    ) {
        for (o, v) in f.subtree(&class_col) {
            if v.as_i64() != Some(3) {
                continue;
            }
            let idx = &o.arcs()[class_col.arcs().len()..];
            let mut serial_oid = serial_col.arcs().to_vec();
            serial_oid.extend_from_slice(idx);
            if let Some(s) = f.get(&Oid::from_arcs(serial_oid)).and_then(text)
                && !is_placeholder_serial(&s)
            {
                keys.insert(Key::Serial {
                    enterprise,
                    serial: s.trim().to_string(),
                });
            }
        }
    }
    // A printer's own serial (Printer-MIB, first device).
    if let Some(col) = oid(&oids::PRT_GENERAL_SERIAL_NUMBER)
        && let Some((_, v)) = f.subtree(&col).next()
        && let Some(s) = text(v).filter(|s| !is_placeholder_serial(s))
    {
        keys.insert(Key::Serial {
            enterprise,
            serial: s.trim().to_string(),
        });
    }
    // Bridge base MAC.
    if let Some(o) = oid(&oids::DOT1D_BASE_BRIDGE_ADDRESS)
        && let Some(m) = f.get(&o.child(0)).and_then(mac_of)
    {
        keys.insert(Key::ChassisMac(m));
    }
    // LLDP chassis id when its subtype says MAC (4).
    if let (Some(sub), Some(id)) = (
        oid(&oids::LLDP_LOC_CHASSIS_ID_SUBTYPE),
        oid(&oids::LLDP_LOC_CHASSIS_ID),
    ) && f.get(&sub.child(0)).and_then(Value::as_i64) == Some(4)
        && let Some(m) = f.get(&id.child(0)).and_then(mac_of)
    {
        keys.insert(Key::ChassisMac(m));
    }
    // Engine ID: at least 5 bytes (RFC 3411 says 5 to 32), not all zero.
    if let Some(o) = oid(&oids::SNMP_ENGINE_ID)
        && let Some(Value::OctetString(b)) = f.get(&o.child(0))
        && (5..=32).contains(&b.len())
        && b.iter().any(|x| *x != 0)
    {
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        keys.insert(Key::EngineId(hex));
    }
    if let Some(o) = oid(&oids::SYS_NAME)
        && let Some(name) = f.get(&o.child(0)).and_then(text).and_then(|s| name_key(&s))
    {
        keys.insert(Key::SysName(name));
    }
    let mut macs: Vec<Mac> = Vec::new();
    if let Some(col) = oid(&oids::IF_PHYS_ADDRESS) {
        macs = f.subtree(&col).filter_map(|(_, v)| mac_of(v)).collect();
        macs.sort();
        macs.dedup();
    }
    let addresses = crate::snmp::tables::addresses(f)
        .into_iter()
        .map(|a| a.ip)
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .collect();
    SnmpKeys {
        keys: keys.into_iter().collect(),
        addresses,
        macs,
    }
}

/// A name as a weak key: lowercased, trailing dot dropped; None for names
/// that say nothing (empty, `localhost`, an address written as a name).
pub fn name_key(raw: &str) -> Option<String> {
    let n = raw.trim().trim_end_matches('.').to_lowercase();
    let generic = [
        "",
        "localhost",
        "localhost.localdomain",
        "(none)",
        "none",
        "unknown",
        "default",
        "switch",
        "router",
    ];
    if generic.contains(&n.as_str()) || n.parse::<IpAddr>().is_ok() || n.chars().count() > 255 {
        return None;
    }
    Some(n)
}
