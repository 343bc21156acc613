//! The one sanitiser for text that came from the network: SNMP strings,
//! DNS names, and every protocol added later. A device may send control
//! characters, terminal escapes, bidirectional overrides, zero-width or
//! other invisible characters, or megabytes of junk; [`clean`] turns any of
//! it into bounded, single-line text that shows exactly what it says.
//!
//! Rules, in order:
//! 1. every character that is not safe to show ([`is_unsafe`]: C0/C1
//!    controls, DEL, Unicode format characters such as U+202E RIGHT-TO-LEFT
//!    OVERRIDE or U+200B ZERO WIDTH SPACE, line/paragraph separators, and
//!    fillers that render as nothing) is a word break, as is whitespace;
//! 2. words are joined by one space, with no space at either end;
//! 3. the result is cut at the caller's limit in characters, `…` marking a cut.
//!
//! HTML escaping is the templates' job (askama escapes on output). Pure.

/// Longest string kept by [`printable`] (characters).
pub const MAX_LEN: usize = 1024;

/// Whether a character would let a string act instead of being shown, or
/// hide part of it: C0/C1 controls and DEL, the Unicode format characters
/// (general category Cf: bidirectional embeddings, overrides and isolates,
/// zero-width spaces and joiners, word joiner, invisible operators, the BOM,
/// interlinear annotation, tag characters, ...), line and paragraph
/// separators, and the blank fillers and variation selectors that draw
/// nothing.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Format characters (Cf), from the Unicode Character Database.
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0001}'
                | '\u{E0020}'..='\u{E007F}'
                // Line and paragraph separators (Zl, Zp).
                | '\u{2028}'..='\u{2029}'
                // Characters that render as nothing: the combining grapheme
                // joiner, Mongolian variation selectors, Hangul fillers,
                // variation selectors.
                | '\u{034F}'
                | '\u{180B}'..='\u{180D}'
                | '\u{180F}'
                | '\u{115F}'..='\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// Make `raw` safe to show: unsafe characters and whitespace runs become
/// one space, the ends are trimmed, and the result is cut to `max_chars`
/// characters (with `…` marking the cut). See the module rules.
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

/// [`clean`] with the default limit ([`MAX_LEN`] characters): for text
/// shown on a terminal or the page.
pub fn printable(s: &str) -> String {
    clean(s, MAX_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_table() {
        let cases = [
            ("plain", "plain"),
            (
                "Cisco IOS\r\nTechnical Support",
                "Cisco IOS Technical Support",
            ),
            ("  a\tb  ", "a b"),
            ("\u{1b}[31mred\u{1b}[0m", "[31mred [0m"),
            ("bell\u{7}", "bell"),
            ("a\r\nb", "a b"),
            ("tab\there", "tab here"),
            ("北京 3楼机房", "北京 3楼机房"),
            ("<script>", "<script>"),
            ("", ""),
            ("\0\0\0", ""),
            ("\u{7f}\u{85}\u{9b}x", "x"),
            // Bidirectional overrides, embeddings and isolates.
            ("evil\u{202E}txt.exe", "evil txt.exe"),
            ("a\u{202A}b\u{202B}c\u{202C}d\u{202D}e", "a b c d e"),
            ("a\u{2066}b\u{2067}c\u{2068}d\u{2069}e", "a b c d e"),
            ("\u{200E}V1.2\u{200F}", "V1.2"),
            ("\u{061C}x", "x"),
            // Zero-width and invisible characters.
            ("Cis\u{200B}co", "Cis co"),
            ("Cis\u{200C}co\u{200D}", "Cis co"),
            ("\u{2060}IOS\u{FEFF}", "IOS"),
            ("soft\u{AD}hyphen", "soft hyphen"),
            ("x\u{2028}y\u{2029}z", "x y z"),
            ("tag\u{E0041}\u{E007F}", "tag"),
            ("\u{3164}\u{115F}\u{FFA0}", ""),
            ("a\u{FE0F}b", "a b"),
            // Non-breaking and wide spaces are whitespace: one space.
            ("a\u{A0}\u{3000}b", "a b"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw, 100), want, "{raw:?}");
            assert_eq!(printable(raw), want, "{raw:?}");
        }
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(clean("ab cdef", 3), "ab…");
        assert_eq!(clean("abc", 3), "abc");
        assert_eq!(printable(&"x".repeat(5000)).chars().count(), MAX_LEN);
    }

    /// The characters the module promises to remove, spot-checked one by one.
    #[test]
    fn every_listed_invisible_is_unsafe() {
        let listed = ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}']
            .into_iter()
            .chain(['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'])
            .chain('\u{200B}'..='\u{200F}')
            .chain(['\u{2060}', '\u{FEFF}']);
        for c in listed {
            assert!(is_unsafe(c), "U+{:04X}", u32::from(c));
        }
        for c in ['a', 'Z', '0', '-', '北', 'é', ' ', '…', '\u{FFFD}'] {
            assert!(!is_unsafe(c), "U+{:04X}", u32::from(c));
        }
    }

    /// What a hostile agent puts in its sysDescr never reaches the
    /// identity's fields or evidence (they are shown on the page and the CLI).
    #[test]
    fn fingerprint_fields_carry_no_invisible_characters() {
        let engine = crate::fingerprint::Engine::builtin().unwrap();
        let descr = "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), \
                     Version 15.0(2)SE11\u{202E}\u{200B}1fe.exe, RELEASE SOFTWARE (fc3)\u{2066}";
        let id = engine.identify(&crate::facts::DeviceFacts::from_system(
            Some(descr),
            Some("1.3.6.1.4.1.9.1.516"),
        ));
        let fields = [&id.model, &id.serial, &id.os, &id.firmware, &id.vendor];
        assert!(
            id.firmware.is_some() || id.os.is_some(),
            "the rule still matched: {id:?}"
        );
        for f in fields.into_iter().flatten() {
            assert!(!f.chars().any(is_unsafe), "{f:?}");
        }
        for e in &id.evidence {
            assert!(!e.value.chars().any(is_unsafe), "{e:?}");
            for fact in &e.facts {
                assert!(!fact.value.chars().any(is_unsafe), "{fact:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn clean_is_bounded_single_line_and_visible(raw in any::<String>(), max in 1usize..300) {
            let s = clean(&raw, max);
            prop_assert!(s.chars().count() <= max);
            prop_assert!(!s.chars().any(is_unsafe));
            prop_assert!(!s.contains("  "));
            prop_assert!(!s.chars().any(|c| c.is_whitespace() && c != ' '));
            prop_assert!(!s.starts_with(' ') && !s.ends_with(' '));
        }

        #[test]
        fn clean_is_idempotent(raw in any::<String>(), max in 1usize..300) {
            let once = clean(&raw, max);
            prop_assert_eq!(clean(&once, max), once.clone());
        }

        #[test]
        fn clean_keeps_safe_words(words in proptest::collection::vec("[a-zA-Z0-9北京]{1,8}", 0..8)) {
            let joined = words.join(" \u{202E}\u{200B} ");
            prop_assert_eq!(clean(&joined, 10_000), words.join(" "));
        }
    }
}
