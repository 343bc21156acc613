//! IANA private enterprise numbers (the `N` in `1.3.6.1.4.1.N`).

use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("data/enterprises.tsv");

fn table() -> &'static HashMap<u32, &'static str> {
    static TABLE: OnceLock<HashMap<u32, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::with_capacity(65_536);
        for line in DATA.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((num, name)) = line.split_once('\t') else {
                continue;
            };
            let (Ok(n), name) = (num.parse::<u32>(), name.trim()) else {
                continue;
            };
            if !name.is_empty() {
                map.insert(n, name);
            }
        }
        map
    })
}

/// The organisation registered for enterprise `number`, as IANA spells it
/// (e.g. 9 → `ciscoSystems`, 2011 → `HUAWEI Technology Co.,Ltd`).
pub fn lookup(number: u32) -> Option<&'static str> {
    table().get(&number).copied()
}

/// How many numbers the embedded registry holds.
pub fn len() -> usize {
    table().len()
}

/// The data file's provenance line.
pub fn source() -> &'static str {
    super::header(DATA)
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
}
