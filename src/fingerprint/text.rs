//! Small text helpers shared by the engine.

/// Trim and drop values that are placeholders rather than facts: empty,
/// `0`, `N/A`, `unknown`, `<private>`, all one character, `XXXX`,
/// `123456789`, and similar.
pub(super) fn usable(s: &str) -> Option<&str> {
    let t = s.trim().trim_matches('\0').trim();
    if t.is_empty() || t.len() > 256 {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    const JUNK: &[&str] = &[
        "n/a",
        "na",
        "none",
        "null",
        "unknown",
        "not available",
        "not specified",
        "default string",
        "to be filled by o.e.m.",
        "system serial number",
        "serial",
        "<serial>",
        "<private>",
        "private",
        "123456789",
        "1234567890",
        "0123456789",
        "-",
        "--",
        "unavailable",
        "not supported",
        "invalid",
        "chassis",
        "stack",
        "vcstack",
        "power unit",
        "network element",
        "default",
        "none specified",
        "generic",
    ];
    if JUNK.contains(&lower.as_str())
        || lower.starts_with("<private")
        || (lower.len() >= 6 && "1234567890".starts_with(&lower))
    {
        return None;
    }
    let mut chars = t.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | ':'));
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return None;
        }
    } else {
        return None;
    }
    if t.chars().any(char::is_control) {
        return None;
    }
    Some(t)
}

/// Shorten text for evidence (at most 200 characters).
pub(super) fn short(s: &str) -> String {
    if s.len() <= 200 {
        return s.to_string();
    }
    let mut out: String = s.chars().take(200).collect();
    out.push('…');
    out
}

/// Lowercase alphanumerics only, for comparing names.
pub(super) fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A registry organisation name made presentable: parenthesised remarks,
/// legal suffixes and trailing punctuation removed ("Foo Networks, Inc."
/// becomes "Foo Networks").
pub(super) fn clean_org(name: &str) -> String {
    let mut s = name.split(" (").next().unwrap_or(name).trim().to_string();
    const SUFFIXES: &[&str] = &[
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "s.a",
        "sa",
        "b.v",
        "bv",
        "ab",
        "a/s",
        "as",
        "oy",
        "plc",
        "pty",
        "s.p.a",
        "spa",
        "sas",
        "n.v",
        "nv",
        "kg",
        "gmbh & co",
        "s.r.o",
        "sro",
        "s.r.l",
        "srl",
        "kk",
    ];
    loop {
        let trimmed = s.trim_end_matches([' ', ',', '.']);
        let lower = trimmed.to_ascii_lowercase();
        let cut = SUFFIXES.iter().find_map(|suf| {
            lower
                .strip_suffix(suf)
                .filter(|rest| rest.ends_with([' ', ',', '.']))
                .map(str::len)
        });
        match cut {
            Some(n) => s = trimmed.get(..n).unwrap_or(trimmed).to_string(),
            None => {
                s = trimmed.to_string();
                break;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_rejects_placeholders() {
        for junk in [
            "",
            " ",
            "0",
            "000000",
            "N/A",
            "<private>",
            "XXXXXXXX",
            "123456789",
            "--",
        ] {
            assert_eq!(usable(junk), None, "{junk:?}");
        }
        assert_eq!(usable(" FOC1234X0AB \0"), Some("FOC1234X0AB"));
    }

    #[test]
    fn clean_org_drops_legal_suffixes() {
        assert_eq!(clean_org("Foo Networks, Inc."), "Foo Networks");
        assert_eq!(clean_org("Bar Co., Ltd."), "Bar");
        assert_eq!(clean_org("IBM (https://w3.ibm.com/standards )"), "IBM");
        assert_eq!(
            clean_org("Gude Analog- und Digitalsysteme GmbH"),
            "Gude Analog- und Digitalsysteme"
        );
    }
}
