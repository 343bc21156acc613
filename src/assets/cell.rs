//! One cell of the register, validated for its column: MACs normalised to
//! `aa:bb:cc:dd:ee:ff`, addresses parsed, dates to `YYYY-MM-DD`, text
//! bounded and free of characters that hide what it says. Pure.

use super::{Column, Raw};
use core::net::IpAddr;

/// `value` of `column`, validated; None for an empty cell. The error says
/// what is wrong and what to write instead.
pub(super) fn validate(column: Column, raw: &Raw) -> Result<Option<String>, String> {
    let text = match raw {
        Raw::Empty => return Ok(None),
        Raw::Error(e) => {
            return Err(format!(
                "the cell holds the spreadsheet error {}; fix the formula or type the value",
                shown(e)
            ));
        }
        Raw::Date(y, m, d) => match column {
            Column::PurchaseDate | Column::WarrantyEnd => {
                return date_parts(i32::from(*y), u32::from(*m), u32::from(*d))
                    .map(Some)
                    .ok_or_else(|| format!("{y:04}-{m:02}-{d:02} is not a date in the calendar"));
            }
            // A date typed into a text column: the text a reader sees.
            _ => format!("{y:04}-{m:02}-{d:02}"),
        },
        Raw::Number(n) => match column {
            Column::PurchaseDate | Column::WarrantyEnd => {
                return Err(format!(
                    "{} is a number, not a date; format the cell as a date or write YYYY-MM-DD",
                    number_text(*n)
                ));
            }
            _ => number_text(*n),
        },
        Raw::Text(t) => t.clone(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let chars = text.chars().count();
    if chars > column.max_chars() {
        return Err(format!(
            "{chars} characters; a {} cell holds at most {}",
            column.name(),
            column.max_chars()
        ));
    }
    if let Some(c) = text.chars().find(|&c| {
        crate::text::is_unsafe(c) && !(column.multiline() && matches!(c, '\n' | '\r' | '\t'))
    }) {
        return Err(format!(
            "it contains the invisible or control character U+{:04X}; remove it (often pasted along with the text)",
            u32::from(c)
        ));
    }
    match column {
        Column::Mac => mac(text).map(Some).ok_or_else(|| {
            format!(
                "`{}` is not a MAC address; write it as aa:bb:cc:dd:ee:ff (aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff and aabbccddeeff are read too)",
                shown(text)
            )
        }),
        Column::Ip => text
            .parse::<IpAddr>()
            .map(|ip| Some(ip.to_string()))
            .map_err(|_| {
                format!(
                    "`{}` is not an IP address; write one address such as 198.51.100.7 or 2001:db8::7",
                    shown(text)
                )
            }),
        Column::PurchaseDate | Column::WarrantyEnd => date(text).map(Some).ok_or_else(|| {
            format!(
                "`{}` is not a date; write YYYY-MM-DD (YYYY/MM/DD and YYYY年M月D日 are read too)",
                shown(text)
            )
        }),
        Column::Hostname if text.chars().any(char::is_whitespace) => Err(format!(
            "`{}` is not a host name: it contains a space",
            shown(text)
        )),
        _ => Ok(Some(text.to_string())),
    }
}

/// A number as text: integral values without a fraction (a serial typed
/// as a number is `12345`, not `12345.0`).
fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// A value shown in a message: at most 64 characters, control characters
/// escaped.
pub(super) fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(64)
        .flat_map(|c| {
            if crate::text::is_unsafe(c) {
                format!("\\u{{{:x}}}", u32::from(c))
                    .chars()
                    .collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if text.chars().count() > 64 {
        out.push('…');
    }
    out
}

/// A MAC in any common notation as `aa:bb:cc:dd:ee:ff`: six groups of one
/// or two hex digits split by `:` or `-`, three groups of four split by
/// `.`, or twelve digits. The all-zero and broadcast addresses are refused:
/// they name no device.
pub(super) fn mac(text: &str) -> Option<String> {
    let t = text.trim();
    let mut octets = [0u8; 6];
    let hex = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(s, 16).ok())
            .flatten()
    };
    if t.contains(':') || t.contains('-') {
        let sep = if t.contains(':') { ':' } else { '-' };
        let parts: Vec<&str> = t.split(sep).collect();
        if parts.len() != 6 {
            return None;
        }
        for (slot, p) in octets.iter_mut().zip(&parts) {
            if p.len() > 2 {
                return None;
            }
            *slot = u8::try_from(hex(p)?).ok()?;
        }
    } else if t.contains('.') {
        let parts: Vec<&str> = t.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
            return None;
        }
        for (i, p) in parts.iter().enumerate() {
            let v = hex(p)?;
            octets[i * 2] = u8::try_from(v >> 8).ok()?;
            octets[i * 2 + 1] = u8::try_from(v & 0xff).ok()?;
        }
    } else {
        if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        for (i, slot) in octets.iter_mut().enumerate() {
            *slot = u8::try_from(hex(t.get(i * 2..i * 2 + 2)?)?).ok()?;
        }
    }
    if octets == [0; 6] || octets == [0xff; 6] {
        return None;
    }
    Some(
        octets
            .iter()
            .map(|o| format!("{o:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// A date as `YYYY-MM-DD`, from `YYYY-MM-DD`, `YYYY/MM/DD` (months and
/// days may have one digit), `YYYY年M月D日`, or an ISO date-time whose
/// date is taken (`2024-03-05T00:00:00`, as some spreadsheets store dates).
pub(super) fn date(text: &str) -> Option<String> {
    let t = text.trim();
    let t = match t.split_once('T') {
        Some((d, time))
            if time
                .bytes()
                .all(|b| b.is_ascii_digit() || b":.Z+-".contains(&b)) =>
        {
            d
        }
        _ => t,
    };
    let parts: Vec<&str> = if let Some(rest) = t.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        vec![y, m, d]
    } else if t.contains('-') {
        t.split('-').collect()
    } else {
        t.split('/').collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    date_parts(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `YYYY-MM-DD` for a real calendar date in years 1900 to 9999.
fn date_parts(y: i32, m: u32, d: u32) -> Option<String> {
    if !(1900..=9999).contains(&y) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y, m, d).map(|date| date.format("%Y-%m-%d").to_string())
}
