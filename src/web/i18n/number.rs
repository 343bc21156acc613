//! Numbers as a locale writes them: digit groups and a decimal fraction.
//! Pure; the separators come from the page's catalogue.

/// `digits` with `sep` between groups of three (`65000` → `65,000`), when
/// it is a plain integer (an optional `-` and ASCII digits); any other text
/// as it is.
pub fn group(digits: &str, sep: &str) -> String {
    let (sign, body) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::with_capacity(digits.len() + body.len() / 3 * sep.len());
    out.push_str(sign);
    for (i, c) in body.chars().enumerate() {
        if i > 0 && (body.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// `n / size` with at most `places` decimals (truncated, trailing zeros
/// dropped), the whole part grouped: `decimal(2_500, 1_000, 2, ",", ".")` is
/// `2.5`. A `size` of 0 counts as 1.
pub fn decimal(n: u64, size: u64, places: u32, sep: &str, point: &str) -> String {
    let size = size.max(1);
    let whole = group(&(n / size).to_string(), sep);
    let scale = 10u128.pow(places.min(6));
    let frac = u128::from(n % size) * scale / u128::from(size);
    if frac == 0 {
        return whole;
    }
    let digits = format!("{frac:0width$}", width = places.min(6) as usize);
    format!("{whole}{point}{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_table() {
        let cases = [
            ("0", ",", "0"),
            ("999", ",", "999"),
            ("1000", ",", "1,000"),
            ("65000", ",", "65,000"),
            ("1234567", ",", "1,234,567"),
            ("-1234567", ",", "-1,234,567"),
            ("18446744073709551615", ",", "18,446,744,073,709,551,615"),
            ("1234567", " ", "1 234 567"),
            ("12.5", ",", "12.5"),
            ("-", ",", "-"),
            ("", ",", ""),
            ("1e9", ",", "1e9"),
            ("１２３４", ",", "１２３４"),
        ];
        for (n, sep, want) in cases {
            assert_eq!(group(n, sep), want, "{n:?}");
        }
    }

    #[test]
    fn decimal_table() {
        let cases = [
            (0, 1, 2, "0"),
            (1_000_000_000, 1_000_000_000, 2, "1"),
            (2_500_000_000, 1_000_000_000, 2, "2.5"),
            (4_294_967_295, 1_000_000_000, 2, "4.29"),
            (1_536, 1_024, 1, "1.5"),
            (65_000_000, 1, 2, "65,000,000"),
            (u64::MAX, 1, 2, "18,446,744,073,709,551,615"),
            (u64::MAX, 1 << 40, 2, "16,777,215.99"),
            (7, 0, 2, "7"),
            (1, 3, 9, "0.333333"),
        ];
        for (n, size, places, want) in cases {
            assert_eq!(decimal(n, size, places, ",", "."), want, "{n} / {size}");
        }
    }
}
