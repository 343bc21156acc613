//! SNMP values as snmprec text (`OID|TAG|VALUE`, strings hex so no byte can
//! break a line; read back by [`crate::recording::parse`]), and which values
//! change at every look.

use crate::facts::{Oid, SnmpFacts, Value};
use std::fmt::Write as _;

/// Facts as snmprec lines. Exceptions (noSuchObject...) are left out.
pub fn facts_to_snmprec(f: &SnmpFacts) -> String {
    let mut out = String::with_capacity(f.len() * 40);
    for (oid, v) in f.iter() {
        let hex = |b: &[u8]| {
            let mut s = String::with_capacity(b.len() * 2);
            for x in b {
                let _ = write!(s, "{x:02x}");
            }
            s
        };
        let (tag, value) = match v {
            Value::Integer(i) => ("2", i.to_string()),
            Value::OctetString(b) => ("4x", hex(b)),
            Value::Null => ("5", String::new()),
            Value::ObjectId(o) => ("6", o.to_string()),
            Value::IpAddress(a) => ("64", std::net::Ipv4Addr::from(*a).to_string()),
            Value::Counter32(n) => ("65", n.to_string()),
            Value::Gauge32(n) => ("66", n.to_string()),
            Value::TimeTicks(n) => ("67", n.to_string()),
            Value::Opaque(b) => ("68x", hex(b)),
            Value::Counter64(n) => ("70", n.to_string()),
            Value::NoSuchObject => continue,
        };
        let _ = writeln!(out, "{oid}|{tag}|{value}");
    }
    out
}

/// Columns and scalars whose value moves between two looks at an unchanged
/// device: load, usage, levels, clocks and battery readings. (Counters and
/// time ticks are recognised by their type.)
const VOLATILE: &[&[u32]] = &[
    // HOST-RESOURCES-MIB hrSystem: uptime, date, users, processes.
    &[1, 3, 6, 1, 2, 1, 25, 1],
    // hrStorageUsed, hrStorageAllocationFailures.
    &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 6],
    &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 7],
    // hrDeviceErrors, hrProcessorLoad.
    &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 6],
    &[1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2],
    // hrSWRun / hrSWRunPerf: running processes.
    &[1, 3, 6, 1, 2, 1, 25, 4],
    &[1, 3, 6, 1, 2, 1, 25, 5],
    // UPS-MIB upsBattery, upsInput, upsOutput readings.
    &[1, 3, 6, 1, 2, 1, 33, 1, 2],
    &[1, 3, 6, 1, 2, 1, 33, 1, 3],
    &[1, 3, 6, 1, 2, 1, 33, 1, 4],
    // Printer-MIB prtMarkerSuppliesLevel.
    &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9],
    // IF-MIB ifLastChange (ticks anyway), ifInOctets.. ifOutQLen (counters).
    &[1, 3, 6, 1, 2, 1, 2, 2, 1, 9],
    // SNMPv2-MIB snmp group (counters) and sysUpTime.
    &[1, 3, 6, 1, 2, 1, 11],
    &[1, 3, 6, 1, 2, 1, 1, 3],
    // SNMP-FRAMEWORK-MIB snmpEngineBoots, snmpEngineTime.
    &[1, 3, 6, 1, 6, 3, 10, 2, 1, 2],
    &[1, 3, 6, 1, 6, 3, 10, 2, 1, 3],
];

/// Whether a value changes at every look and so is kept latest-only.
pub fn is_volatile(oid: &Oid, v: &Value) -> bool {
    matches!(
        v,
        Value::Counter32(_) | Value::Counter64(_) | Value::TimeTicks(_)
    ) || VOLATILE.iter().any(|p| oid.arcs().starts_with(p))
}
