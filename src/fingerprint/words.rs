//! Words of free text (sysDescr): model-like words, version strings.

use super::pattern::Set;

/// A model-like word of sysDescr: letters and digits mixed ("DGS-3120-24TC",
/// "CN5164", "Vigor165"), not a version, architecture or the vendor's name.
pub(super) fn model_token<'d>(
    descr: &'d str,
    vendor: Option<&str>,
    vendors: &Set,
) -> Option<&'d str> {
    const GENERIC_OS: &[&str] = &[
        "Linux",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Hardware:",
        "SunOS",
        "Darwin",
        "Windows",
        "DragonFly",
    ];
    if GENERIC_OS.iter().any(|p| descr.starts_with(p)) {
        return None;
    }
    const STOP: &[&str] = &[
        "x86_64",
        "i386",
        "i486",
        "i586",
        "i686",
        "amd64",
        "arm64",
        "aarch64",
        "armv4l",
        "armv5tel",
        "armv5tejl",
        "armv6l",
        "armv7l",
        "mips64",
        "ppc64",
        "SNMPv1",
        "SNMPv2",
        "SNMPv2c",
        "SNMPv3",
        "IPv4",
        "IPv6",
        "10/100",
        "10/100/1000",
        "L2",
        "L3",
        "2G",
        "3G",
        "4G",
        "5G",
        "4G/LTE",
        "802",
        "1G",
        "10G",
        "40G",
        "100G",
        "25G",
        "V2",
        "V3",
        "PoE",
        "PoE+",
        "MIB2",
        "MIB-2",
        "Y2K",
        "x64",
        "x86",
        "win32",
        "P2P",
        "1x",
        "2x",
    ];
    let vendor_sq = vendor.map(super::text::squash).unwrap_or_default();
    let versions = version_words(descr);
    let mut prev = "";
    descr
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '"' | '\'' | '=')
        })
        // Pieces of a version string ("15.0(1)EX3" gives "EX3") are not models.
        .filter(|t| {
            let at = (t.as_ptr() as usize).saturating_sub(descr.as_ptr() as usize);
            !versions.iter().any(|r| r.contains(&at))
        })
        .map(|t| t.trim_matches(|c: char| matches!(c, ':' | '.' | '-' | '/' | '!' | '*' | '#')))
        .filter(|t| {
            // Skip the value after a serial-number or part-number label.
            let after_label = matches!(
                prev.to_ascii_lowercase().trim_end_matches(':'),
                "sn" | "s/n" | "serial" | "p/c" | "pn" | "hr" | "mb" | "pf" | "build" | "md" | "id"
            );
            if !t.is_empty() {
                prev = t;
            }
            !after_label && (3..=40).contains(&t.len()) && !t.contains(':')
        })
        .find(|t| {
            let letters = t.chars().filter(char::is_ascii_alphabetic).count();
            let digits = t.chars().filter(char::is_ascii_digit).count();
            letters >= 1
                && digits >= 1
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '+' | '_'))
                && !STOP.iter().any(|s| s.eq_ignore_ascii_case(t))
                && !is_version_like(t)
                && (vendor_sq.is_empty() || super::text::squash(t) != vendor_sq)
                && !vendors.is_match(t)
                && !t.contains("K9")
                && !(t.starts_with("fc") && t.len() <= 4)
                && !t.ends_with("-M")
                && !is_hex_literal(t)
        })
}

/// Byte ranges of the words that follow "Version", "Ver", "Release" or
/// "Rel" in `descr` (the version strings themselves).
fn version_words(descr: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut after_label = false;
    let mut at = 0;
    for word in descr.split_inclusive(char::is_whitespace) {
        let w = word.trim_end();
        let bare = w.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')'));
        if after_label && !w.is_empty() {
            out.push(at..at + w.len());
            after_label = false;
        } else if matches!(
            bare.to_ascii_lowercase().as_str(),
            "version" | "ver" | "release" | "rel"
        ) {
            after_label = true;
        }
        at += word.len();
    }
    out
}

/// `0x0800004c`: a register or machine-type code, never a product name.
fn is_hex_literal(t: &str) -> bool {
    t.strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A product word followed by a number ("SiteBoss 572", "Netman 204") when
/// sysDescr has no mixed letter-digit word.
pub(super) fn model_pair(descr: &str) -> Option<&str> {
    const NOT_PRODUCT: &[&str] = &[
        "version",
        "release",
        "build",
        "copyright",
        "firmware",
        "software",
        "rev",
        "revision",
        "update",
        "port",
        "ports",
        "kernel",
        "linux",
        "snmp",
        "agent",
        "card",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "utc",
        "smp",
        "preempt",
        "ver",
        "v",
        "hw",
        "sw",
        "fw",
        "os",
        "id",
    ];
    let words: Vec<&str> = descr
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|w| {
        let (a, n) = (*w.first()?, *w.get(1)?);
        let ok_word = a.len() >= 3
            && a.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && a.chars().all(|c| c.is_ascii_alphabetic())
            && !NOT_PRODUCT.contains(&a.to_ascii_lowercase().as_str());
        let year = n.len() == 4 && (n.starts_with("19") || n.starts_with("20"));
        let ok_num = (2..=5).contains(&n.len()) && n.chars().all(|c| c.is_ascii_digit()) && !year;
        if !(ok_word && ok_num) {
            return None;
        }
        let start = a.as_ptr() as usize - descr.as_ptr() as usize;
        let end = n.as_ptr() as usize - descr.as_ptr() as usize + n.len();
        descr.get(start..end)
    })
}

pub(super) fn is_version_like(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_prefix("ver")
        .or_else(|| lower.strip_prefix('v'))
        .unwrap_or(&lower);
    let digit_start = body.chars().next().is_some_and(|c| c.is_ascii_digit());
    let unit = [
        "ghz", "mhz", "kva", "va", "w", "mbps", "gbps", "kb", "mb", "gb", "tb", "port", "ports",
        "bit", "mm", "v",
    ];
    let num_end = body.trim_start_matches(|c: char| c.is_ascii_digit());
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let dated = lower.split('-').any(|p| months.contains(&p));
    dated
        || (digit_start && (num_end.is_empty() || unit.contains(&num_end)))
        || lower.starts_with("build")
        || lower.starts_with("rev")
        || lower.starts_with("sn")
        || (digit_start && lower.contains('_'))
        || vrp_release(&lower)
}

/// Huawei/H3C release names, `V100R011C00SPC200`: a version, not a model.
fn vrp_release(lower: &str) -> bool {
    let b = lower.as_bytes();
    b.len() >= 8
        && b.first() == Some(&b'v')
        && b.get(1..4)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'r')
        && b.get(5..8)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// `text` without surrounding blanks and one pair of surrounding double
/// quotes (a quote at one end only is stripped too: such values are often
/// cut at the agent's length limit).
pub(super) fn unquote(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    t.trim()
}

/// The version a sysDescr states: the word after `Version`, `Ver`,
/// `Release`, `Firmware`, `FW`, `SW` or `Software` that starts with a
/// digit (or `v` and a digit), without trailing punctuation.
pub(super) fn descr_version(descr: &str) -> Option<&str> {
    let mut after_label = false;
    for word in descr.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let w = word.trim_matches(|c: char| matches!(c, '(' | ')' | '[' | ']' | '"' | '\''));
        if w.is_empty() {
            continue;
        }
        let lower = w.to_ascii_lowercase();
        let bare = lower.trim_end_matches(':');
        if after_label {
            let body = w.strip_prefix(['v', 'V']).unwrap_or(w);
            if body.chars().next().is_some_and(|c| c.is_ascii_digit())
                && body.chars().any(|c| c == '.' || c.is_ascii_alphabetic())
            {
                return Some(w.trim_end_matches(['.', ':', '-']));
            }
            after_label = matches!(bare, "version" | "ver" | "release" | "rel");
            continue;
        }
        after_label = matches!(
            bare,
            "version" | "ver" | "release" | "rel" | "firmware" | "fw" | "sw" | "software"
        );
        // `Version:5.1.2` written as one word.
        if let Some((label, rest)) = w.split_once(':')
            && matches!(
                label.to_ascii_lowercase().as_str(),
                "version" | "ver" | "firmware" | "fw"
            )
            && rest.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return Some(rest);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descr_version_after_labels() {
        assert_eq!(
            descr_version(
                "Cisco IOS Software, C3750E Software, Version 15.0(2)SE11, RELEASE SOFTWARE"
            ),
            Some("15.0(2)SE11")
        );
        assert_eq!(
            descr_version("ProCurve J9085A Switch 2610-24, revision R.11.72, ROM R.10.06"),
            None
        );
        assert_eq!(
            descr_version("FooOS firmware v2.4.1 (build 77)"),
            Some("v2.4.1")
        );
        assert_eq!(descr_version("Widget Version:5.1.2"), Some("5.1.2"));
        assert_eq!(descr_version("Linux host 5.10.0 #1 SMP"), None);
        assert_eq!(descr_version("Release notes"), None);
    }
}
