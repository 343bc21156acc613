//! Device strings are hostile: they may hold control characters, terminal
//! escapes, bidirectional overrides, invalid UTF-8 or megabytes of junk.
//! These helpers turn SNMP values into bounded, printable text through the
//! one sanitiser every network string goes through ([`crate::text::clean`]).
//! Pure. HTML escaping is the page's job (askama escapes on output).

use crate::facts::Value;
pub use crate::text::clean;

/// Longest sysDescr kept in a report (characters).
pub const MAX_DESCR_CHARS: usize = 1024;
/// Longest other string kept in a report (characters).
pub const MAX_FIELD_CHARS: usize = 255;

/// Text of a string-like value, cleaned and bounded; None for other types,
/// for empty strings and for NUL-only strings.
pub fn value_text(v: &Value, max_chars: usize) -> Option<String> {
    let s = v.as_lossy_text()?;
    let s = clean(&s, max_chars);
    (!s.is_empty()).then_some(s)
}

/// Format 6 bytes as `aa:bb:cc:dd:ee:ff`; None unless exactly 6 bytes.
pub fn mac_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 6 {
        return None;
    }
    Some(
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// A MAC from a value: a 6-byte OCTET STRING, or a string already written
/// as hex with `:`/`-`/`.`/space separators (some agents do that).
pub fn value_mac(v: &Value) -> Option<String> {
    let b = v.as_bytes()?;
    if let Some(m) = mac_text(b) {
        return Some(m);
    }
    let s = std::str::from_utf8(b).ok()?;
    let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let seps = s
        .chars()
        .filter(|c| !c.is_ascii_hexdigit())
        .all(|c| matches!(c, ':' | '-' | '.' | ' '));
    if hex.len() != 12 || !seps {
        return None;
    }
    let mut out = [0u8; 6];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    mac_text(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mac_forms() {
        assert_eq!(
            mac_text(&[0, 0x1b, 0x21, 1, 2, 0xff]).as_deref(),
            Some("00:1b:21:01:02:ff")
        );
        assert_eq!(mac_text(&[1, 2, 3]), None);
        let v = Value::OctetString(b"00-1B-21-01-02-FF".to_vec());
        assert_eq!(value_mac(&v).as_deref(), Some("00:1b:21:01:02:ff"));
        assert_eq!(
            value_mac(&Value::OctetString(b"hello world!".to_vec())),
            None
        );
        assert_eq!(value_mac(&Value::Integer(5)), None);
    }

    proptest! {
        #[test]
        fn value_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let v = Value::OctetString(bytes);
            if let Some(s) = value_text(&v, MAX_FIELD_CHARS) {
                prop_assert!(s.chars().count() <= MAX_FIELD_CHARS);
                prop_assert!(!s.chars().any(crate::text::is_unsafe));
            }
        }
    }
}
