//! UTC timestamps as RFC 3339 text (`2026-11-23T15:41:00Z`), the form the
//! store and the API use, and as a reader's locale writes them
//! ([`Pattern`]: `2026-11-23 15:41 UTC`, `2026年11月23日 15:41 UTC`). Pure:
//! callers pass the time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A SystemTime as RFC 3339 (times before 1970 clamp to the epoch).
pub fn system(t: SystemTime) -> String {
    rfc3339(
        t.duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs()
            .try_into()
            .unwrap_or(i64::MAX / 2),
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` (as [`rfc3339`] writes it) to seconds since the
/// Unix epoch; None for anything else.
pub fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `YYYY-MM-DD` to days since 1970-01-01; None for anything else (or a
/// day the month does not have).
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = text.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // 2026-02-30 would land in March: refuse it.
    let (cy, cm, cd) = civil_from_days(days);
    (cy == y && i64::from(cm) == m && i64::from(cd) == d).then_some(days)
}

/// How a locale writes a UTC time: literal text with fields in braces —
/// `{Y}` year, `{MM}`/`{M}` month with/without a leading zero, `{DD}`/`{D}`
/// day, `{hh}` hour, `{mm}` minute, `{ss}` second (always two digits).
/// `{{` and `}}` are literal braces. Parsed once (the page's catalogues
/// hold one each), rendered per timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Year,
    Month2,
    Month,
    Day2,
    Day,
    Hour,
    Minute,
    Second,
}

/// Why a [`Pattern`] could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A field name that is not one of Y, MM, M, DD, D, hh, mm, ss.
    #[error(
        "unknown field `{{{0}}}` in time pattern; use {{Y}} {{MM}} {{M}} {{DD}} {{D}} {{hh}} {{mm}} {{ss}}"
    )]
    UnknownField(String),
    /// A `{` without its `}`, or a lone `}`.
    #[error("unbalanced brace in time pattern `{0}`; write a literal brace as {{{{ or }}}}")]
    Brace(String),
}

impl Pattern {
    /// Read a pattern such as `{Y}-{MM}-{DD} {hh}:{mm} UTC`.
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err(PatternError::Brace(text.to_string())),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if name.len() < 8 => name.push(c),
                            _ => return Err(PatternError::Brace(text.to_string())),
                        }
                    }
                    let field = match name.as_str() {
                        "Y" => Piece::Year,
                        "MM" => Piece::Month2,
                        "M" => Piece::Month,
                        "DD" => Piece::Day2,
                        "D" => Piece::Day,
                        "hh" => Piece::Hour,
                        "mm" => Piece::Minute,
                        "ss" => Piece::Second,
                        _ => return Err(PatternError::UnknownField(name)),
                    };
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(field);
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Pattern { pieces })
    }

    /// Seconds since the Unix epoch (UTC) written in this pattern.
    pub fn render(&self, unix_secs: i64) -> String {
        let days = unix_secs.div_euclid(86_400);
        let secs = unix_secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Year => out.push_str(&format!("{y:04}")),
                Piece::Month2 => out.push_str(&format!("{m:02}")),
                Piece::Month => out.push_str(&m.to_string()),
                Piece::Day2 => out.push_str(&format!("{d:02}")),
                Piece::Day => out.push_str(&d.to_string()),
                Piece::Hour => out.push_str(&format!("{:02}", secs / 3600)),
                Piece::Minute => out.push_str(&format!("{:02}", secs % 3600 / 60)),
                Piece::Second => out.push_str(&format!("{:02}", secs % 60)),
            }
        }
        out
    }

    /// An RFC 3339 timestamp (as the store writes it) in this pattern;
    /// any other text as it is.
    pub fn rewrite(&self, rfc3339: &str) -> String {
        parse(rfc3339).map_or_else(|| rfc3339.to_string(), |s| self.render(s))
    }
}

impl TryFrom<String> for Pattern {
    type Error = PatternError;

    fn try_from(text: String) -> Result<Pattern, PatternError> {
        Pattern::parse(&text)
    }
}

/// (year, month, day) to days since 1970-01-01 (the inverse of
/// [`civil_from_days`]).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_table() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_448_460, "2026-11-23T15:41:00Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(rfc3339(secs), want, "{secs}");
            assert_eq!(parse(want), Some(secs), "{want}");
        }
        for bad in [
            "",
            "2026-11-23 15:41:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-23T15:41:00+08:00",
            "x026-11-23T15:41:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pattern_renders_each_locale_table() {
        let iso = Pattern::parse("{Y}-{MM}-{DD} {hh}:{mm} UTC").unwrap();
        let zh = Pattern::parse("{Y}年{M}月{D}日 {hh}:{mm} UTC").unwrap();
        let cases = [
            (0, "1970-01-01 00:00 UTC", "1970年1月1日 00:00 UTC"),
            (
                1_796_183_040,
                "2026-12-02 03:44 UTC",
                "2026年12月2日 03:44 UTC",
            ),
            (
                951_782_400,
                "2000-02-29 00:00 UTC",
                "2000年2月29日 00:00 UTC",
            ),
            (
                4_102_444_799,
                "2099-12-31 23:59 UTC",
                "2099年12月31日 23:59 UTC",
            ),
        ];
        for (secs, en, cn) in cases {
            assert_eq!(iso.render(secs), en, "{secs}");
            assert_eq!(zh.render(secs), cn, "{secs}");
            assert_eq!(iso.rewrite(&rfc3339(secs)), en);
        }
        let exact = Pattern::parse("{{{hh}:{mm}:{ss}}}").unwrap();
        assert_eq!(exact.render(3_723), "{01:02:03}");
        assert_eq!(iso.rewrite("not a time"), "not a time");
        assert_eq!(iso.rewrite(""), "");
    }

    #[test]
    fn pattern_refuses_unknown_fields_and_stray_braces() {
        for (bad, unknown) in [
            ("{Y}-{MMM}", true),
            ("{year}", true),
            ("{}", true),
            ("{Y", false),
            ("Y}", false),
            ("{Y}-{MM", false),
            ("{abcdefghijk}", false),
        ] {
            let err = Pattern::parse(bad).unwrap_err();
            assert_eq!(
                matches!(err, PatternError::UnknownField(_)),
                unknown,
                "{bad}: {err}"
            );
        }
    }
}
