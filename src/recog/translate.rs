//! Recog's patterns are Ruby (Onigmo) regular expressions; this writes
//! each in the `regex` crate's syntax with the same meaning where the
//! crate can express it.
//!
//! | Ruby | here |
//! |---|---|
//! | `^` `$` match at every line (always) | `(?m)` in front of every pattern |
//! | flag `MULTILINE` (Recog's `REG_MULTILINE`, `REG_DOT_NEWLINE`) and inline `(?m)`: `.` matches a newline | `(?s)` |
//! | `\h`, `\H` (hex digit) | `[0-9A-Fa-f]`, `[^0-9A-Fa-f]` |
//! | `\Z` (end, or before a final newline) | `\n?\z` |
//! | `\e`, `\0` | `\x1B`, `\x00` |
//! | `\/`, `\'`, ... (escaped punctuation the crate does not know as meta) | the character |
//! | `{` that does not start a repetition | `\{` |
//! | `{,n}` | `{0,n}` |
//! | `.` (one character) | one UTF-8 character, or one byte that is not UTF-8 (the crate's ASCII `.` is one byte) |
//! | `(?>...)` (atomic group) | `(?:...)` (may match where Ruby backtracks out; none of the databases used rely on it) |
//!
//! Look-around and back-references have no equivalent; such a pattern
//! fails to compile and its fingerprint never matches (the example test
//! lists them).

/// Ruby's `.`: one character of UTF-8 text, or one byte that is not
/// UTF-8 (binary banners).
const ANY: &str = r"(?:(?u:.)|(?-u:[\x80-\xFF]))";

/// Characters the `regex` crate treats as meta and accepts escaped.
const META: &str = r"\.+*?()|[]{}^$#&-~";

/// The pattern to compile: Recog's `flags` letters (`i`, `s`), Ruby's
/// always-multiline anchors, and the rewrites in the module table.
pub(super) fn translate(pattern: &str, flags: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    out.push_str("(?m");
    for f in ['i', 's'] {
        if flags.contains(f) {
            out.push(f);
        }
    }
    out.push(')');
    let chars: Vec<char> = pattern.chars().collect();
    let mut class_depth = 0usize;
    let mut i = 0usize;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                let Some(n) = next else {
                    out.push('\\');
                    break;
                };
                i += 2;
                match n {
                    'h' if class_depth > 0 => out.push_str("0-9A-Fa-f"),
                    'h' => out.push_str("[0-9A-Fa-f]"),
                    'H' if class_depth == 0 => out.push_str("[^0-9A-Fa-f]"),
                    'Z' if class_depth == 0 => out.push_str(r"\n?\z"),
                    'e' => out.push_str(r"\x1B"),
                    '0' if !chars.get(i).is_some_and(char::is_ascii_digit) => out.push_str(r"\x00"),
                    ' ' => out.push_str(r"\x20"),
                    n if n.is_ascii_punctuation() && !META.contains(n) => out.push(n),
                    n => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A `]` or `^]` right after the opening is a literal.
                if next == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '(' if class_depth == 0 && next == Some('?') => {
                i += 2;
                out.push_str("(?");
                inline_flags(&chars, &mut i, &mut out);
                continue;
            }
            '{' if class_depth == 0 => {
                let rest: String = chars.iter().skip(i + 1).take(24).collect();
                match repetition(&rest) {
                    Some((text, used)) => {
                        out.push_str(&text);
                        i += used + 1;
                        continue;
                    }
                    None => out.push_str(r"\{"),
                }
            }
            '}' if class_depth == 0 => out.push_str(r"\}"),
            '.' if class_depth == 0 => out.push_str(ANY),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// After `(?`: Ruby's `m` is the crate's `s`; `>` (atomic) becomes a
/// plain group. Anything else is copied as it is.
fn inline_flags(chars: &[char], i: &mut usize, out: &mut String) {
    if chars.get(*i) == Some(&'>') {
        out.push(':');
        *i += 1;
        return;
    }
    let start = *i;
    let mut j = start;
    while chars
        .get(j)
        .is_some_and(|c| matches!(c, 'i' | 'm' | 'x' | '-'))
    {
        j += 1;
    }
    if j > start && matches!(chars.get(j), Some(&')') | Some(&':')) {
        for &c in chars.get(start..j).unwrap_or_default() {
            out.push(if c == 'm' { 's' } else { c });
        }
        *i = j;
    }
}

/// `rest` (the text after a `{`) as the rest of a repetition, and how many
/// characters it used: `3}`, `2,}`, `1,4}`, `,4}` (Ruby's `{0,4}`).
fn repetition(rest: &str) -> Option<(String, usize)> {
    let end = rest.find('}')?;
    let body = rest.get(..end)?;
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(lo) || !hi.is_none_or(digits) || (lo.is_empty() && hi.is_none_or(str::is_empty)) {
        return None;
    }
    let lo = if lo.is_empty() { "0" } else { lo };
    let text = match hi {
        Some(hi) => format!("{{{lo},{hi}}}"),
        None => format!("{{{lo}}}"),
    };
    Some((text, end + 1))
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn ruby_syntax_becomes_the_crates() {
        let cases = [
            (r"^foo$", "", r"(?m)^foo$"),
            (r"^foo", "i", r"(?mi)^foo"),
            (r"a\.b[.]", "is", r"(?mis)a\.b[.]"),
            (r"(?m)^a*b", "", r"(?m)(?s)^a*b"),
            (r"(?mi:x)", "", r"(?m)(?si:x)"),
            (
                r"^\h+:[\h:]+\Z",
                "",
                r"(?m)^[0-9A-Fa-f]+:[0-9A-Fa-f:]+\n?\z",
            ),
            (r"a\/b\'c", "", r"(?m)a/b'c"),
            (r"x{2}y{1,}z{,3}", "", r"(?m)x{2}y{1,}z{0,3}"),
            (r"{foo}", "", r"(?m)\{foo\}"),
            (r"[]a]", "", r"(?m)[\]a]"),
            (r"[^]a]", "", r"(?m)[^\]a]"),
            (r"(?>ab)", "", r"(?m)(?:ab)"),
            (r"\e\0", "", r"(?m)\x1B\x00"),
            (r"\.\(\d", "", r"(?m)\.\(\d"),
        ];
        for (ruby, flags, want) in cases {
            assert_eq!(translate(ruby, flags), want, "{ruby}");
        }
    }
}
