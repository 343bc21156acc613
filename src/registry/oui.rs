//! IEEE MAC address block registry: MA-L (24-bit), MA-M (28-bit) and MA-S
//! (36-bit) assignments, looked up longest prefix first, with the country
//! of each organisation's registered address.

use super::sorted::{Table, field};

static DATA: Table = Table::new(include_str!("data/oui.tsv"));

/// One assignment: the organisation and the country of its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The organisation as the registry spells it.
    pub organisation: &'static str,
    /// ISO 3166 alpha-2 code of the registered address, when it has one.
    pub country: Option<&'static str>,
}

fn hex(mac: [u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02X}")).collect()
}

/// The assignment covering `mac`, longest prefix first (MA-S, then MA-M,
/// then MA-L). Locally administered (e.g. randomised) addresses have no
/// owner: None.
pub fn assignment(mac: [u8; 6]) -> Option<Assignment> {
    if is_locally_administered(mac) {
        return None;
    }
    let h = hex(mac);
    [9usize, 7, 6].into_iter().find_map(|len| {
        let line = DATA.find(h.get(..len)?)?;
        let organisation = field(line, 1).map(str::trim).filter(|n| !n.is_empty())?;
        let country = field(line, 2).filter(|c| c.len() == 2);
        Some(Assignment {
            organisation,
            country,
        })
    })
}

/// The organisation the IEEE assigned `mac`'s block to, as the registry
/// spells it.
pub fn lookup(mac: [u8; 6]) -> Option<&'static str> {
    assignment(mac).map(|a| a.organisation)
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
    DATA.lines().count()
}

/// Every assignment's organisation and country, in prefix order.
pub fn organisations() -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
    DATA.lines().filter_map(|l| {
        let name = field(l, 1)?;
        Some((name, field(l, 2).filter(|c| c.len() == 2)))
    })
}

/// The data file's provenance line.
pub fn source() -> &'static str {
    DATA.header().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oui_lookup_ma_l() {
        assert_eq!(lookup([0, 0, 0, 1, 2, 3]), Some("XEROX CORPORATION"));
        assert_eq!(
            assignment([0, 0, 0, 1, 2, 3]).and_then(|a| a.country),
            Some("US")
        );
        assert!(len() > 40_000);
        assert!(source().contains("ieee-data"));
    }

    #[test]
    fn oui_lookup_prefers_longest_prefix() {
        // Find an MA-S block in the data and check it wins over its MA-L parent.
        let line = DATA
            .lines()
            .find(|l| field(l, 0).is_some_and(|h| h.len() == 9));
        let Some((hex, name)) = line.and_then(|l| Some((field(l, 0)?, field(l, 1)?))) else {
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

    #[test]
    fn oui_file_is_sorted() {
        let mut prev = "";
        for line in DATA.lines() {
            let k = field(line, 0).unwrap_or_default();
            assert!(k > prev, "{k} after {prev}");
            prev = k;
        }
    }
}
