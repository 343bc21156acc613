//! Device strings are hostile: they may hold control characters, terminal
//! escapes, bidirectional overrides, invalid UTF-8 or megabytes of junk.
//! These helpers turn them into bounded, printable text that stays data.
//! Pure. HTML escaping is the page's job (askama escapes on output).

use crate::facts::Value;

/// Longest sysDescr kept in a report (characters).
pub const MAX_DESCR_CHARS: usize = 1024;
/// Longest other string kept in a report (characters).
pub const MAX_FIELD_CHARS: usize = 255;

/// Whether a character would let a string act instead of being shown:
/// C0/C1 controls, DEL, bidirectional embeddings/overrides/isolates, zero-width
/// joiners and the BOM, line/paragraph separators.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}'
        )
}

/// Make `raw` printable: unsafe characters become spaces, runs of whitespace
/// collapse to one space, ends are trimmed, and the result is cut to
/// `max_chars` characters (with `…` marking the cut).
pub fn clean(raw: &str, max_chars: usize) -> String {
    let mut words = String::with_capacity(raw.len().min(max_chars.saturating_mul(4) + 8));
    let mut count = 0usize;
    for word in raw
        .split(|c: char| c.is_whitespace() || is_unsafe(c))
        .filter(|w| !w.is_empty())
    {
        if !words.is_empty() {
            words.push(' ');
            count += 1;
        }
        words.push_str(word);
        count += word.chars().count();
        if count > max_chars {
            break;
        }
    }
    if count <= max_chars {
        return words;
    }
    let mut out: String = words.chars().take(max_chars.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

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
    fn clean_table() {
        let cases = [
            (
                "Cisco IOS\r\nTechnical Support",
                "Cisco IOS Technical Support",
            ),
            ("  a\tb  ", "a b"),
            ("\x1b[31mred\x1b[0m", "[31mred [0m"),
            ("evil\u{202E}txt.exe", "evil txt.exe"),
            ("<script>", "<script>"),
            ("", ""),
            ("\0\0\0", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw, 100), want, "{raw:?}");
        }
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(clean("ab cdef", 3), "ab…");
        assert_eq!(clean("abc", 3), "abc");
    }

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
        fn clean_is_bounded_and_printable(raw in any::<String>(), max in 1usize..300) {
            let s = clean(&raw, max);
            prop_assert!(s.chars().count() <= max);
            prop_assert!(!s.chars().any(is_unsafe));
            prop_assert!(!s.starts_with(' ') && !s.ends_with(' '));
        }

        #[test]
        fn value_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let v = Value::OctetString(bytes);
            if let Some(s) = value_text(&v, MAX_FIELD_CHARS) {
                prop_assert!(s.chars().count() <= MAX_FIELD_CHARS);
            }
        }
    }
}
