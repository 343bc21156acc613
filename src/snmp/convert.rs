//! async-snmp values into our own [`facts`](crate::facts) types, so nothing
//! downstream depends on the client library.

use crate::facts::{Oid, Value};

/// Longest OCTET STRING kept as a fact (a UDP datagram cannot carry more anyway).
pub const MAX_VALUE_BYTES: usize = 65_535;

/// Convert an OID.
pub fn oid(o: &async_snmp::Oid) -> Oid {
    Oid::from_arcs(o.arcs().to_vec())
}

/// Convert an OID back (for requests).
pub fn to_wire_oid(o: &Oid) -> async_snmp::Oid {
    async_snmp::Oid::from_slice(o.arcs())
}

fn bytes(b: &[u8]) -> Vec<u8> {
    b.get(..MAX_VALUE_BYTES).unwrap_or(b).to_vec()
}

/// Convert a value. Exceptions (noSuchObject, noSuchInstance, endOfMibView)
/// all become [`Value::NoSuchObject`]; unknown tags keep their bytes as Opaque.
pub fn value(v: &async_snmp::Value) -> Value {
    use async_snmp::Value as W;
    match v {
        W::Integer(i) => Value::Integer(i64::from(*i)),
        W::OctetString(b) | W::Nsap(b) => Value::OctetString(bytes(b)),
        W::Null => Value::Null,
        W::ObjectIdentifier(o) => Value::ObjectId(oid(o)),
        W::IpAddress(a) => Value::IpAddress(*a),
        W::Counter32(n) => Value::Counter32(*n),
        W::Gauge32(n) | W::UInteger32(n) => Value::Gauge32(*n),
        W::TimeTicks(n) => Value::TimeTicks(*n),
        W::Opaque(b) => Value::Opaque(bytes(b)),
        W::Counter64(n) => Value::Counter64(*n),
        W::NoSuchObject | W::NoSuchInstance | W::EndOfMibView => Value::NoSuchObject,
        W::Unknown { data, .. } => Value::Opaque(bytes(data)),
        _ => Value::Null,
    }
}

/// Whether a value is an SNMP exception (the end of a walk or a missing object).
pub fn is_exception(v: &async_snmp::Value) -> bool {
    matches!(
        v,
        async_snmp::Value::NoSuchObject
            | async_snmp::Value::NoSuchInstance
            | async_snmp::Value::EndOfMibView
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_snmp::Value as W;

    #[test]
    fn value_conversion_table() {
        let cases = [
            (W::Integer(-5), Value::Integer(-5)),
            (
                W::OctetString(bytes::Bytes::from_static(b"hi")),
                Value::OctetString(b"hi".to_vec()),
            ),
            (W::Null, Value::Null),
            (
                W::IpAddress([198, 18, 0, 1]),
                Value::IpAddress([198, 18, 0, 1]),
            ),
            (W::Counter32(7), Value::Counter32(7)),
            (W::Gauge32(8), Value::Gauge32(8)),
            (W::UInteger32(9), Value::Gauge32(9)),
            (W::TimeTicks(100), Value::TimeTicks(100)),
            (W::Counter64(u64::MAX), Value::Counter64(u64::MAX)),
            (W::EndOfMibView, Value::NoSuchObject),
            (
                W::ObjectIdentifier(async_snmp::Oid::from_slice(&[1, 3, 6, 1, 4, 1, 9])),
                Value::ObjectId(Oid::from_arcs(vec![1, 3, 6, 1, 4, 1, 9])),
            ),
        ];
        for (w, want) in cases {
            assert_eq!(value(&w), want, "{w:?}");
        }
        let o = Oid::parse("1.3.6.1.2.1.1.1.0").unwrap();
        assert_eq!(oid(&to_wire_oid(&o)), o);
    }
}
