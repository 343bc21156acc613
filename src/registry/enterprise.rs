//! IANA private enterprise numbers (the `N` in `1.3.6.1.4.1.N`).

use super::sorted::{Table, field};

static DATA: Table = Table::new(include_str!("data/enterprises.tsv"));

/// The organisation registered for enterprise `number`, as IANA spells it
/// (e.g. 9 → `ciscoSystems`, 2011 → `HUAWEI Technology Co.,Ltd`).
pub fn lookup(number: u32) -> Option<&'static str> {
    // The file is in numeric order; a line that does not parse sorts last.
    let line = DATA.find_by(|k| k.parse::<u32>().unwrap_or(u32::MAX).cmp(&number))?;
    field(line, 1).map(str::trim).filter(|n| !n.is_empty())
}

/// How many numbers the embedded registry holds.
pub fn len() -> usize {
    DATA.lines().count()
}

/// The data file's provenance line.
pub fn source() -> &'static str {
    DATA.header().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_lookup_known_numbers() {
        assert_eq!(lookup(9), Some("ciscoSystems"));
        assert!(lookup(2011).is_some_and(|n| n.to_ascii_uppercase().contains("HUAWEI")));
        assert!(lookup(25506).is_some_and(|n| n.to_ascii_uppercase().contains("H3C")));
        assert_eq!(lookup(u32::MAX), None);
        assert!(len() > 50_000);
        assert!(source().contains("libwireshark-data"));
    }

    #[test]
    fn enterprise_file_is_in_numeric_order() {
        let mut prev = None;
        for line in DATA.lines() {
            let n: u32 = field(line, 0)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("bad line {line:?}"));
            assert!(prev < Some(n), "{n} after {prev:?}");
            assert_eq!(
                lookup(n).is_some(),
                field(line, 1).is_some_and(|s| !s.trim().is_empty())
            );
            prev = Some(n);
        }
    }
}
