//! IEEE MAC address block registry: MA-L (24-bit), MA-M (28-bit) and MA-S
//! (36-bit) assignments, looked up longest prefix first.

use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("data/oui.tsv");

/// Assignments keyed by (prefix length in bits, prefix value).
struct Table {
    by_prefix: HashMap<(u8, u64), &'static str>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_prefix = HashMap::with_capacity(48_000);
        for line in DATA.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((hex, name)) = line.split_once('\t') else {
                continue;
            };
            let bits = match hex.len() {
                6 => 24,
                7 => 28,
                9 => 36,
                _ => continue,
            };
            let (Ok(value), name) = (u64::from_str_radix(hex, 16), name.trim()) else {
                continue;
            };
            if !name.is_empty() {
                by_prefix.insert((bits, value), name);
            }
        }
        Table { by_prefix }
    })
}

fn mac_u64(mac: [u8; 6]) -> u64 {
    mac.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// The organisation the IEEE assigned `mac`'s block to, longest prefix
/// first (MA-S, then MA-M, then MA-L), as the registry spells it.
/// Locally administered (e.g. randomised) addresses have no owner: None.
pub fn lookup(mac: [u8; 6]) -> Option<&'static str> {
    if is_locally_administered(mac) {
        return None;
    }
    let m = mac_u64(mac);
    let t = table();
    [36u8, 28, 24].into_iter().find_map(|bits| {
        t.by_prefix
            .get(&(bits, m >> (48 - u32::from(bits))))
            .copied()
    })
}

/// Whether the U/L bit is set: the address was assigned locally, as
/// phones and laptops do when they randomise their MAC per network.
pub fn is_locally_administered(mac: [u8; 6]) -> bool {
    mac[0] & 0x02 != 0
}

/// Whether the I/G bit is set (a multicast or broadcast address).
pub fn is_multicast(mac: [u8; 6]) -> bool {
    mac[0] & 0x01 != 0
}

/// How many assignments the embedded registry holds.
pub fn len() -> usize {
    table().by_prefix.len()
}

/// The data file's provenance line.
pub fn source() -> &'static str {
    super::header(DATA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oui_lookup_ma_l() {
        assert_eq!(lookup([0, 0, 0, 1, 2, 3]), Some("XEROX CORPORATION"));
        assert!(len() > 40_000);
        assert!(source().contains("ieee-data"));
    }

    #[test]
    fn oui_lookup_prefers_longest_prefix() {
        // Find an MA-S block in the data and check it wins over its MA-L parent.
        let line = DATA
            .lines()
            .find(|l| l.split_once('\t').is_some_and(|(h, _)| h.len() == 9))
            .and_then(|l| l.split_once('\t'));
        let Some((hex, name)) = line else {
            panic!("no MA-S rows in data");
        };
        let v = u64::from_str_radix(hex, 16).unwrap_or_default() << 12;
        let b = v.to_be_bytes();
        let mac = [b[2], b[3], b[4], b[5], b[6], b[7]];
        assert_eq!(lookup(mac), Some(name));
    }

    #[test]
    fn oui_locally_administered() {
        assert!(is_locally_administered([0x02, 0, 0, 0, 0, 0]));
        assert!(is_locally_administered([0xda, 0xa1, 0x19, 0, 0, 0]));
        assert!(!is_locally_administered([0x00, 0x1b, 0x21, 0, 0, 0]));
        assert_eq!(lookup([0xda, 0xa1, 0x19, 0, 0, 0]), None);
        assert!(is_multicast([0x01, 0, 0x5e, 0, 0, 1]));
    }
}
