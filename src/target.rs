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
    /// A target that names no unicast host: the limited broadcast address,
    /// multicast, the reserved block or "this network" (0.0.0.0/8).
    #[error(
        "target `{target}` {what}; Pandian probes unicast hosts only: remove it from the targets"
    )]
    NotUnicast {
        /// The target as written.
        target: String,
        /// What it is, e.g. "is a multicast address (224.0.0.0/4)".
        what: &'static str,
    },
    /// A single address that is the network or broadcast address of a
    /// CIDR block also given as a target.
    #[error(
        "target `{addr}` is the {which} address of {net}, also a target; a subnet's network and broadcast addresses name no host: remove it"
    )]
    SubnetEdge {
        /// The address.
        addr: Ipv4Addr,
        /// "network" or "broadcast".
        which: &'static str,
        /// The block.
        net: Ipv4Network,
    },
}

/// Blocks that hold no unicast host, with what to call them, in the order
/// they are checked (the limited broadcast address first: it is also
/// inside 240.0.0.0/4).
const NOT_UNICAST: [(u32, u32, &str); 4] = [
    (
        0xffff_ffff,
        0xffff_ffff,
        "is the limited broadcast address (255.255.255.255)",
    ),
    (
        0x0000_0000,
        0x00ff_ffff,
        "is in 0.0.0.0/8 (\"this network\"; 0.0.0.0 means any address)",
    ),
    (0xe000_0000, 0xefff_ffff, "is multicast (224.0.0.0/4)"),
    (
        0xf000_0000,
        0xffff_fffe,
        "is in the reserved block 240.0.0.0/4",
    ),
];

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
    /// Inclusive bounds of the addresses this target names as a scan
    /// target: a CIDR block of /30 or shorter without its network and
    /// broadcast addresses.
    fn bounds(&self) -> (u32, u32) {
        match *self {
            Target::Net(n) if n.prefix() < 31 => {
                (u32::from(n.network()) + 1, u32::from(n.broadcast()) - 1)
            }
            _ => self.whole(),
        }
    }

    /// Inclusive bounds of everything the target names, a block's network
    /// and broadcast addresses included (how exclusions match).
    fn whole(&self) -> (u32, u32) {
        match *self {
            Target::Addr(a) => (a.into(), a.into()),
            Target::Range(a, b) => (a.into(), b.into()),
            Target::Net(n) => (n.network().into(), n.broadcast().into()),
        }
    }

    /// Whether `addr` is named by this target (exclusions match whole blocks,
    /// network and broadcast addresses included).
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let (lo, hi) = self.whole();
        (lo..=hi).contains(&u32::from(addr))
    }

    /// Refuse a target that names no unicast host.
    fn check_unicast(&self) -> Result<(), TargetError> {
        let (lo, hi) = self.whole();
        match NOT_UNICAST.iter().find(|(a, b, _)| lo <= *b && *a <= hi) {
            Some((_, _, what)) => Err(TargetError::NotUnicast {
                target: self.to_string(),
                what,
            }),
            None => Ok(()),
        }
    }
}

/// A set of IPv4 addresses kept as sorted, disjoint, non-adjacent
/// inclusive ranges: membership is a binary search, difference a merge, so
/// costs grow with the number of ranges, not addresses times exclusions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSet {
    ranges: Vec<(u32, u32)>,
}

impl AddrSet {
    /// The union of inclusive ranges (empty ones, `lo > hi`, are ignored).
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> AddrSet {
        let mut v: Vec<(u32, u32)> = ranges.into_iter().filter(|(lo, hi)| lo <= hi).collect();
        v.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match merged.last_mut() {
                Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        AddrSet { ranges: merged }
    }

    /// The addresses `targets` name as scan targets.
    pub fn of_targets(targets: &[Target]) -> AddrSet {
        AddrSet::from_ranges(targets.iter().map(Target::bounds))
    }

    /// Everything `exclude` names, blocks whole.
    pub fn of_exclusions(exclude: &[Target]) -> AddrSet {
        AddrSet::from_ranges(exclude.iter().map(Target::whole))
    }

    /// Whether `addr` is in the set.
    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let a = u32::from(addr);
        let i = self.ranges.partition_point(|&(_, hi)| hi < a);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= a)
    }

    /// How many addresses.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|(lo, hi)| u64::from(hi - lo) + 1)
            .sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The ranges, sorted, disjoint and non-adjacent.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// The addresses in `self` and not in `other`.
    pub fn minus(&self, other: &AddrSet) -> AddrSet {
        let mut out = Vec::with_capacity(self.ranges.len());
        let mut cut = other.ranges.iter().peekable();
        for &(lo, hi) in &self.ranges {
            let mut start = u64::from(lo);
            let end = u64::from(hi);
            // Skip exclusions wholly before this range.
            while cut.peek().is_some_and(|&&(_, xh)| u64::from(xh) < start) {
                cut.next();
            }
            let mut ahead = cut.clone();
            while let Some(&&(xl, xh)) = ahead.peek() {
                let (xl, xh) = (u64::from(xl), u64::from(xh));
                if xl > end {
                    break;
                }
                if xl > start {
                    out.push((start, xl - 1));
                }
                start = start.max(xh + 1);
                if xh >= end {
                    break;
                }
                ahead.next();
            }
            if start <= end {
                out.push((start, end));
            }
        }
        AddrSet {
            ranges: out
                .into_iter()
                .filter_map(|(a, b)| Some((u32::try_from(a).ok()?, u32::try_from(b).ok()?)))
                .collect(),
        }
    }

    /// The addresses, in order.
    pub fn iter(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.ranges
            .iter()
            .flat_map(|&(lo, hi)| (lo..=hi).map(Ipv4Addr::from))
    }
}

/// Refuse targets that name no unicast host: the limited broadcast address,
/// multicast, 240.0.0.0/4, 0.0.0.0/8, and a single address that is the
/// network or broadcast address of a CIDR block also given.
pub fn check_targets(targets: &[Target]) -> Result<(), TargetError> {
    for t in targets {
        t.check_unicast()?;
    }
    for t in targets {
        let Target::Addr(a) = *t else { continue };
        for other in targets {
            let Target::Net(n) = *other else { continue };
            if n.prefix() >= 31 || !n.contains(a) {
                continue;
            }
            let which = if a == n.network() {
                "network"
            } else if a == n.broadcast() {
                "broadcast"
            } else {
                continue;
            };
            return Err(TargetError::SubnetEdge {
                addr: a,
                which,
                net: n,
            });
        }
    }
    Ok(())
}

/// Expand targets into a sorted, de-duplicated address list, minus
/// exclusions. Targets that name no unicast host are refused
/// ([`check_targets`]); so is more than [`MAX_ADDRESSES`] addresses.
pub fn expand(targets: &[Target], exclude: &[Target]) -> Result<Vec<Ipv4Addr>, TargetError> {
    let wanted = AddrSet::of_targets(targets);
    let total = wanted.len();
    if total > MAX_ADDRESSES {
        return Err(TargetError::TooMany(total));
    }
    check_targets(targets)?;
    let left = wanted.minus(&AddrSet::of_exclusions(exclude));
    let mut out = Vec::with_capacity(usize::try_from(left.len()).unwrap_or(0));
    out.extend(left.iter());
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
    fn targets_naming_no_unicast_host_are_refused() {
        let refused = [
            ("255.255.255.255", "limited broadcast"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("224.0.0.0/24", "multicast"),
            ("223.255.255.250-224.0.0.3", "multicast"),
            ("0.0.0.0", "0.0.0.0/8"),
            ("0.1.2.3", "0.0.0.0/8"),
            ("240.0.0.7", "reserved"),
            ("250.0.0.0/24", "reserved"),
        ];
        for (text, want) in refused {
            let t = parse_all(&[text]).unwrap();
            let err = expand(&t, &[]).unwrap_err();
            assert!(
                matches!(err, TargetError::NotUnicast { .. }),
                "{text}: {err}"
            );
            assert!(err.to_string().contains(want), "{text}: {err}");
            assert!(err.to_string().contains(text), "{text}: {err}");
        }
        // Only targets are checked: excluding multicast is harmless.
        let t = parse_all(&["198.51.100.0/30"]).unwrap();
        let x = parse_all(&["224.0.0.0/4", "255.255.255.255"]).unwrap();
        assert_eq!(expand(&t, &x).unwrap().len(), 2);
        for ok in [
            "223.255.255.254",
            "1.0.0.1",
            "198.51.100.255",
            "203.0.113.0/31",
        ] {
            assert!(expand(&parse_all(&[ok]).unwrap(), &[]).is_ok(), "{ok}");
        }
    }

    #[test]
    fn a_named_subnets_network_and_broadcast_are_refused_as_single_targets() {
        for (edge, which) in [("198.51.100.255", "broadcast"), ("198.51.100.0", "network")] {
            let t = parse_all(&["198.51.100.0/24", edge]).unwrap();
            let err = expand(&t, &[]).unwrap_err().to_string();
            assert!(
                err.contains(edge) && err.contains(which) && err.contains("198.51.100.0/24"),
                "{err}"
            );
        }
        // A /31 or /32 has no network or broadcast address to skip.
        let t = parse_all(&["203.0.113.0/31", "203.0.113.1"]).unwrap();
        assert_eq!(expand(&t, &[]).unwrap().len(), 2);
        // CIDR expansion (/30 and shorter) leaves both out by itself.
        let got = expand(&parse_all(&["198.51.100.0/30"]).unwrap(), &[]).unwrap();
        assert_eq!(got, vec![ip("198.51.100.1"), ip("198.51.100.2")]);
    }

    #[test]
    fn addr_set_table() {
        let set = |r: &[(u32, u32)]| AddrSet::from_ranges(r.iter().copied());
        // Merging: overlapping, adjacent, nested, unsorted, empty ranges.
        assert_eq!(
            set(&[(5, 9), (1, 3), (4, 4), (20, 30), (22, 25), (9, 1)]).ranges(),
            &[(1, 9), (20, 30)]
        );
        assert_eq!(set(&[(0, u32::MAX), (7, 8)]).len(), 1 << 32);
        type Ranges = &'static [(u32, u32)];
        let cases: [(Ranges, Ranges, Ranges); 8] = [
            (&[(10, 20)], &[], &[(10, 20)]),
            (&[(10, 20)], &[(10, 20)], &[]),
            (&[(10, 20)], &[(0, 9), (21, 30)], &[(10, 20)]),
            (
                &[(10, 20)],
                &[(12, 12), (15, 16)],
                &[(10, 11), (13, 14), (17, 20)],
            ),
            (&[(10, 20), (30, 40)], &[(15, 35)], &[(10, 14), (36, 40)]),
            (
                &[(10, 20), (30, 40)],
                &[(0, 10), (40, 50)],
                &[(11, 20), (30, 39)],
            ),
            (
                &[(0, u32::MAX)],
                &[(0, 0), (u32::MAX, u32::MAX)],
                &[(1, u32::MAX - 1)],
            ),
            (&[(1, 1), (3, 3), (5, 5)], &[(2, 4)], &[(1, 1), (5, 5)]),
        ];
        for (a, b, want) in cases {
            assert_eq!(set(a).minus(&set(b)).ranges(), want, "{a:?} - {b:?}");
        }
        let s = set(&[(10, 20), (30, 40)]);
        for (a, inside) in [
            (9, false),
            (10, true),
            (20, true),
            (21, false),
            (29, false),
            (30, true),
            (40, true),
            (41, false),
        ] {
            assert_eq!(s.contains(Ipv4Addr::from(a)), inside, "{a}");
        }
        assert!(!AddrSet::default().contains(Ipv4Addr::from(0)));
    }

    #[test]
    fn expand_with_many_single_exclusions_matches_the_model() {
        // A /16 minus every 7th address, as single-address exclusions.
        let t = parse_all(&["198.18.0.0/16"]).unwrap();
        let x: Vec<Target> = (0u32..65_536)
            .step_by(7)
            .map(|n| Target::Addr(Ipv4Addr::from(0xc612_0000 + n)))
            .collect();
        let got = expand(&t, &x).unwrap();
        let want: Vec<Ipv4Addr> = (1u32..65_535)
            .filter(|n| n % 7 != 0)
            .map(|n| Ipv4Addr::from(0xc612_0000 + n))
            .collect();
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// The interval set against a naive model: a small universe of
        /// addresses, every target and exclusion checked one by one.
        #[test]
        fn addr_set_matches_naive_model(
            a in proptest::collection::vec((0u32..200, 0u32..40), 0..12),
            b in proptest::collection::vec((0u32..200, 0u32..40), 0..12),
        ) {
            let to_ranges = |v: &[(u32, u32)]| -> Vec<(u32, u32)> {
                v.iter().map(|&(lo, w)| (lo, lo + w)).collect()
            };
            let (ra, rb) = (to_ranges(&a), to_ranges(&b));
            let inside = |r: &[(u32, u32)], n: u32| r.iter().any(|&(lo, hi)| lo <= n && n <= hi);
            let sa = AddrSet::from_ranges(ra.iter().copied());
            let sb = AddrSet::from_ranges(rb.iter().copied());
            let diff = sa.minus(&sb);
            let mut model = Vec::new();
            for n in 0..260u32 {
                proptest::prop_assert_eq!(sa.contains(Ipv4Addr::from(n)), inside(&ra, n));
                let want = inside(&ra, n) && !inside(&rb, n);
                proptest::prop_assert_eq!(diff.contains(Ipv4Addr::from(n)), want);
                if want {
                    model.push(Ipv4Addr::from(n));
                }
            }
            proptest::prop_assert_eq!(diff.iter().collect::<Vec<_>>(), model.clone());
            proptest::prop_assert_eq!(diff.len(), model.len() as u64);
            // Sorted, disjoint, non-adjacent.
            for w in diff.ranges().windows(2) {
                proptest::prop_assert!(u64::from(w[0].1) + 1 < u64::from(w[1].0));
            }
        }

        /// expand against the old definition: every address of the
        /// targets' bounds that no exclusion contains.
        #[test]
        fn expand_matches_naive_model(
            t in proptest::collection::vec((0u32..64, 0u8..4, 24u8..33), 1..5),
            x in proptest::collection::vec((0u32..64, 0u8..4, 24u8..33), 0..6),
        ) {
            let mk = |v: &[(u32, u8, u8)]| -> Vec<Target> {
                v.iter()
                    .map(|&(n, kind, p)| {
                        let a = Ipv4Addr::from(0xc633_6400 + n);
                        match kind {
                            0 => Target::Addr(a),
                            1 => Target::Range(a, Ipv4Addr::from(0xc633_6400 + n + u32::from(p) % 9)),
                            _ => Target::Net(Ipv4Network::new(a, p).unwrap()),
                        }
                    })
                    .collect()
            };
            let (targets, exclude) = (mk(&t), mk(&x));
            let Ok(got) = expand(&targets, &exclude) else {
                // Only a named subnet's own edge may be refused here.
                proptest::prop_assert!(check_targets(&targets).is_err());
                return Ok(());
            };
            let mut want: Vec<Ipv4Addr> = targets
                .iter()
                .flat_map(|t| {
                    let (lo, hi) = t.bounds();
                    (lo..=hi).map(Ipv4Addr::from).collect::<Vec<_>>()
                })
                .filter(|a| !exclude.iter().any(|e| e.contains(*a)))
                .collect();
            want.sort_unstable();
            want.dedup();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn expand_refuses_huge() {
        let t = parse_all(&["0.0.0.0/0"]).unwrap();
        assert!(matches!(expand(&t, &[]), Err(TargetError::TooMany(_))));
    }
}
