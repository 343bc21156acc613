//! Making device-supplied text safe to show in a terminal or a log: control
//! characters (ESC, BEL, CR, ...) become visible escapes, length is bounded.
//! HTML escaping is the templates' job (auto-escaping). Pure.

/// Longest string we keep from a device.
pub const MAX_LEN: usize = 1024;

/// Replace control characters with `\u{..}`-style escapes and cut at
/// [`MAX_LEN`] characters.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_LEN));
    for (i, c) in s.chars().enumerate() {
        if i >= MAX_LEN {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_table() {
        let cases = [
            ("plain", "plain"),
            ("\u{1b}[31mred", "\\x1b[31mred"),
            ("bell\u{7}", "bell\\x07"),
            ("a\r\nb", "a\\x0d\\x0ab"),
            ("tab\there", "tab here"),
            ("北京", "北京"),
        ];
        for (input, want) in cases {
            assert_eq!(printable(input), want);
        }
        assert_eq!(printable(&"x".repeat(5000)).chars().count(), MAX_LEN + 1);
    }
}
