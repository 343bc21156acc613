//! Scan targets: single addresses, CIDR blocks and ranges, minus exclusions.
//!
//! Pure. IPv4 only for now: ARP and ICMP sweeps are IPv4; IPv6 discovery
//! (neighbour tables, mDNS) arrives through SNMP and later signals.

use ipnetwork::Ipv4Network;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// The largest number of addresses one scan may expand to (a /12).
pub const MAX_ADDRESSES: u64 = 1 << 20;

/// One target as written by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One address.
    Addr(Ipv4Addr),
    /// A CIDR block; network and broadcast addresses are skipped below /31.
    Net(Ipv4Network),
    /// An inclusive range `first-last` (or `198.51.100.10-20`).
    Range(Ipv4Addr, Ipv4Addr),
}

/// Why text is not a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an IPv4 address, CIDR or range.
    #[error(
        "`{0}` is not a target: give an IPv4 address (198.51.100.7), a CIDR block (198.51.100.0/24) or a range (198.51.100.10-198.51.100.20)"
    )]
    Syntax(String),
    /// A range whose end is before its start.
    #[error("range `{0}` ends before it starts")]
    Backwards(String),
    /// More addresses than one scan allows.
    #[error(
        "targets expand to {0} addresses; one scan takes at most {MAX_ADDRESSES} (split it up)"
    )]
    TooMany(u64),
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        let syntax = || TargetError::Syntax(t.chars().take(80).collect());
        if t.contains('/') {
            return t
                .parse::<Ipv4Network>()
                .map(Target::Net)
                .map_err(|_| syntax());
        }
        if let Some((a, b)) = t.split_once('-') {
            let first: Ipv4Addr = a.trim().parse().map_err(|_| syntax())?;
            let b = b.trim();
            let last: Ipv4Addr = if b.contains('.') {
                b.parse().map_err(|_| syntax())?
            } else {
                let octet: u8 = b.parse().map_err(|_| syntax())?;
                let o = first.octets();
                Ipv4Addr::new(o[0], o[1], o[2], octet)
            };
            if u32::from(last) < u32::from(first) {
                return Err(TargetError::Backwards(t.to_string()));
            }
            return Ok(Target::Range(first, last));
        }
        t.parse::<Ipv4Addr>()
            .map(Target::Addr)
            .map_err(|_| syntax())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Addr(a) => write!(f, "{a}"),
            Target::Net(n) => write!(f, "{n}"),
            Target::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

impl Target {
    /// Inclusive bounds of the addresses this target names.
    fn bounds(&self) -> (u32, u32) {
        match *self {
            Target::Addr(a) => (a.into(), a.into()),
            Target::Range(a, b) => (a.into(), b.into()),
            Target::Net(n) => {
                let lo = u32::from(n.network());
                let hi = u32::from(n.broadcast());
                if n.prefix() < 31 {
                    (lo + 1, hi - 1)
                } else {
                    (lo, hi)
                }
            }
        }
    }

    /// Whether `addr` is named by this target (exclusions match whole blocks,
    /// network and broadcast addresses included).
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        match *self {
            Target::Net(n) => n.contains(addr),
            _ => {
                let (lo, hi) = self.bounds();
                (lo..=hi).contains(&u32::from(addr))
            }
        }
    }
}

/// Expand targets into a sorted, de-duplicated address list, minus exclusions.
pub fn expand(targets: &[Target], exclude: &[Target]) -> Result<Vec<Ipv4Addr>, TargetError> {
    let mut ranges: Vec<(u32, u32)> = targets
        .iter()
        .map(Target::bounds)
        .filter(|(lo, hi)| lo <= hi)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    let total: u64 = merged.iter().map(|(lo, hi)| u64::from(hi - lo) + 1).sum();
    if total > MAX_ADDRESSES {
        return Err(TargetError::TooMany(total));
    }
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for (lo, hi) in merged {
        for n in lo..=hi {
            let addr = Ipv4Addr::from(n);
            if !exclude.iter().any(|e| e.contains(addr)) {
                out.push(addr);
            }
        }
    }
    Ok(out)
}

/// Parse many targets, stopping at the first bad one.
pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Target>, TargetError> {
    texts.iter().map(|t| t.as_ref().parse()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn target_parse_table() {
        let cases = [
            ("198.51.100.7", Some(Target::Addr(ip("198.51.100.7")))),
            (
                "198.51.100.0/30",
                Some(Target::Net("198.51.100.0/30".parse().unwrap())),
            ),
            (
                "198.51.100.10-198.51.100.12",
                Some(Target::Range(ip("198.51.100.10"), ip("198.51.100.12"))),
            ),
            (
                "198.51.100.10-12",
                Some(Target::Range(ip("198.51.100.10"), ip("198.51.100.12"))),
            ),
            ("198.51.100.0/33", None),
            ("example.com", None),
            ("198.51.100.300", None),
            ("", None),
            ("<script>", None),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Target>().ok(), want, "{text}");
        }
        assert!(matches!(
            "198.51.100.9-3".parse::<Target>(),
            Err(TargetError::Backwards(_))
        ));
    }

    #[test]
    fn expand_skips_network_broadcast_and_exclusions() {
        let t = parse_all(&["198.51.100.0/29", "198.51.100.3"]).unwrap();
        let x = parse_all(&["198.51.100.4-5"]).unwrap();
        let got = expand(&t, &x).unwrap();
        assert_eq!(
            got,
            vec![
                ip("198.51.100.1"),
                ip("198.51.100.2"),
                ip("198.51.100.3"),
                ip("198.51.100.6")
            ]
        );
    }

    #[test]
    fn expand_point_to_point_keeps_both() {
        let t = parse_all(&["203.0.113.0/31", "203.0.113.9/32"]).unwrap();
        assert_eq!(expand(&t, &[]).unwrap().len(), 3);
    }

    #[test]
    fn expand_refuses_huge() {
        let t = parse_all(&["0.0.0.0/0"]).unwrap();
        assert!(matches!(expand(&t, &[]), Err(TargetError::TooMany(_))));
    }
}
