//! SNMP values, independent of any client library or recording format.

use super::Oid;

/// One SNMP value. Strings stay bytes: agents send any encoding (GB2312,
/// Latin-1, binary MACs), so decoding is the reader's choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// INTEGER / Integer32.
    Integer(i64),
    /// OCTET STRING.
    OctetString(Vec<u8>),
    /// OBJECT IDENTIFIER.
    ObjectId(Oid),
    /// IpAddress.
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks (hundredths of a second).
    TimeTicks(u32),
    /// Opaque.
    Opaque(Vec<u8>),
    /// Counter64.
    Counter64(u64),
    /// NULL.
    Null,
    /// noSuchObject, noSuchInstance or endOfMibView.
    NoSuchObject,
}

impl Value {
    /// The value as text when it is an OCTET STRING of printable UTF-8
    /// (trailing NULs and surrounding whitespace removed); None otherwise.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::OctetString(b) => {
                let trimmed = trim_nuls(b);
                let s = std::str::from_utf8(trimmed).ok()?;
                Some(s.trim().to_string())
            }
            _ => None,
        }
    }

    /// The value as text, replacing bytes that are not UTF-8 (lossy).
    pub fn as_lossy_text(&self) -> Option<String> {
        match self {
            Value::OctetString(b) | Value::Opaque(b) => {
                Some(String::from_utf8_lossy(trim_nuls(b)).trim().to_string())
            }
            _ => None,
        }
    }

    /// The value as an OID.
    pub fn as_oid(&self) -> Option<&Oid> {
        match self {
            Value::ObjectId(o) => Some(o),
            _ => None,
        }
    }

    /// The value as an unsigned or signed integer, whichever kind it is.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Integer(i) => Some(i),
            Value::Counter32(n) | Value::Gauge32(n) | Value::TimeTicks(n) => Some(i64::from(n)),
            Value::Counter64(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// Raw bytes of a string-like value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::OctetString(b) | Value::Opaque(b) => Some(b),
            _ => None,
        }
    }
}

fn trim_nuls(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &b[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_nuls_and_rejects_binary() {
        assert_eq!(
            Value::OctetString(b"abc\0\0".to_vec()).as_text().as_deref(),
            Some("abc")
        );
        assert_eq!(Value::OctetString(vec![0xff, 0xfe]).as_text(), None);
        assert_eq!(
            Value::OctetString(vec![b'a', 0xff])
                .as_lossy_text()
                .as_deref(),
            Some("a\u{fffd}")
        );
        assert_eq!(Value::Integer(3).as_text(), None);
    }
}
