//! Which stored device a fresh sighting belongs to. Pure.
//!
//! Serial beats MAC, MAC beats IP; an IP alone matches only when the MACs
//! do not contradict each other (DHCP hands addresses around).

/// What the store found for a sighting's keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// A device with the same (non-empty) serial number.
    pub by_serial: Option<i64>,
    /// A device with the same MAC.
    pub by_mac: Option<i64>,
    /// A device last seen at the same IP, with its MAC if it has one.
    pub by_ip: Option<(i64, Option<String>)>,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Update this device.
    Existing(i64),
    /// Create a new one.
    New,
}

/// Decide for a sighting that has `mac` (if any).
pub fn decide(c: &Candidates, mac: Option<&str>) -> Match {
    if let Some(id) = c.by_serial.or(c.by_mac) {
        return Match::Existing(id);
    }
    match (&c.by_ip, mac) {
        (Some((id, None)), _) | (Some((id, Some(_))), None) => Match::Existing(*id),
        (Some((id, Some(stored))), Some(seen)) if stored.eq_ignore_ascii_case(seen) => {
            Match::Existing(*id)
        }
        _ => Match::New,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_decision_table() {
        let m = |s: &str| Some(s.to_string());
        let cases = [
            (
                Candidates {
                    by_serial: Some(1),
                    by_mac: Some(2),
                    by_ip: Some((3, None)),
                },
                Some("aa"),
                Match::Existing(1),
            ),
            (
                Candidates {
                    by_serial: None,
                    by_mac: Some(2),
                    by_ip: Some((3, m("bb"))),
                },
                Some("aa"),
                Match::Existing(2),
            ),
            (
                Candidates {
                    by_ip: Some((3, None)),
                    ..Default::default()
                },
                Some("aa"),
                Match::Existing(3),
            ),
            (
                Candidates {
                    by_ip: Some((3, m("aa"))),
                    ..Default::default()
                },
                None,
                Match::Existing(3),
            ),
            (
                Candidates {
                    by_ip: Some((3, m("bb"))),
                    ..Default::default()
                },
                Some("aa"),
                Match::New,
            ),
            (Candidates::default(), Some("aa"), Match::New),
            (Candidates::default(), None, Match::New),
        ];
        for (c, mac, want) in cases {
            assert_eq!(decide(&c, mac), want, "{c:?} {mac:?}");
        }
    }

    #[test]
    fn identity_merges_by_serial_when_mac_changes() {
        let c = Candidates {
            by_serial: Some(7),
            by_mac: None,
            by_ip: None,
        };
        assert_eq!(decide(&c, Some("02:00:00:00:00:01")), Match::Existing(7));
    }
}
