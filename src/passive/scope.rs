//! Which senders the listener may record: addresses some job sweeps (in
//! its targets, not in its exclusions), never an excluded one. A frame that
//! names no address (a DISCOVER) is kept only on a segment where no job
//! excludes anything, and only from a MAC never seen with an address that
//! is not wanted. Pure.

use crate::job::Job;
use crate::target::{AddrSet, Target};
use ipnetwork::Ipv4Network;
use std::net::Ipv4Addr;

/// The addresses the jobs sweep, and those any of them excludes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    wanted: AddrSet,
    excluded: AddrSet,
}

impl Scope {
    /// The scope of `jobs`, with `exclude` (`scan.exclude`) never wanted.
    pub fn of_jobs(jobs: &[Job], exclude: &[Target]) -> Scope {
        let mut wanted = Vec::new();
        let mut excluded: Vec<(u32, u32)> = AddrSet::of_exclusions(exclude).ranges().to_vec();
        for j in jobs {
            let out = AddrSet::of_exclusions(&j.exclude);
            excluded.extend_from_slice(out.ranges());
            wanted.extend_from_slice(AddrSet::of_targets(&j.targets).minus(&out).ranges());
        }
        let excluded = AddrSet::from_ranges(excluded);
        Scope {
            wanted: AddrSet::from_ranges(wanted).minus(&AddrSet::of_exclusions(exclude)),
            excluded,
        }
    }

    /// Whether a frame from `ip` may be recorded.
    pub fn wants(&self, ip: Ipv4Addr) -> bool {
        self.wanted.contains(ip)
    }

    /// Whether `net` holds some job's targets (the listener opens only
    /// such interfaces).
    pub fn touches(&self, net: Ipv4Network) -> bool {
        let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
        self.wanted
            .ranges()
            .iter()
            .any(|&(a, b)| a <= hi && lo <= b)
    }

    /// Whether frames that name no address may be kept on `net`: no job
    /// excludes anything there (an excluded host's DISCOVER cannot be told
    /// from another's).
    pub fn keeps_unaddressed(&self, net: Ipv4Network) -> bool {
        let (lo, hi) = (u32::from(net.network()), u32::from(net.broadcast()));
        !self
            .excluded
            .ranges()
            .iter()
            .any(|&(a, b)| a <= hi && lo <= b)
    }

    /// Whether anything is wanted at all.
    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(targets: &str, exclude: &str) -> Job {
        let parse = |t: &str| {
            t.split_whitespace()
                .map(|x| x.parse::<Target>().unwrap())
                .collect::<Vec<_>>()
        };
        Job {
            name: "lan".into(),
            targets: parse(targets),
            exclude: parse(exclude),
            credentials: Vec::new(),
            probes: crate::job::Probes::default(),
            schedule: crate::schedule::Schedule::Every(std::time::Duration::from_secs(60)),
            jitter: None,
            rate: 100,
            probe_timeout: std::time::Duration::from_secs(1),
            snmp_depth: crate::job::Depth::Full,
        }
    }

    #[test]
    fn wanted_is_targets_minus_exclusions_of_every_job() {
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let s = Scope::of_jobs(
            &[
                job("198.18.140.0/24", "198.18.140.50"),
                job("198.18.141.10-20", ""),
            ],
            &["198.18.141.15".parse().unwrap()],
        );
        let cases = [
            ("198.18.140.7", true),
            ("198.18.140.50", false),
            ("198.18.141.12", true),
            ("198.18.141.15", false),
            ("198.18.141.30", false),
            ("198.18.142.1", false),
        ];
        for (a, want) in cases {
            assert_eq!(s.wants(ip(a)), want, "{a}");
        }
        let net = |t: &str| t.parse::<Ipv4Network>().unwrap();
        assert!(s.touches(net("198.18.140.1/24")));
        assert!(s.touches(net("198.18.141.1/24")));
        assert!(!s.touches(net("198.18.142.1/24")));
        assert!(!s.keeps_unaddressed(net("198.18.140.1/24")));
        assert!(!s.keeps_unaddressed(net("198.18.141.1/24")));
        let open = Scope::of_jobs(&[job("198.18.142.0/24", "")], &[]);
        assert!(open.keeps_unaddressed(net("198.18.142.1/24")));
    }
}
