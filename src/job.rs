//! Jobs: what one scheduled sweep scans, with which probes and
//! credentials, how fast and how often. The config's `[[job]]` tables (and
//! the flat `[scan]` section, which is the job named `default`) validate
//! into [`Job`]s; `pandian scan` and the daemon run them through the same
//! pipeline. Pure: no I/O.

use crate::schedule::Schedule;
use crate::snmp::Credential;
use crate::target::Target;
use std::time::Duration;

/// Which probes a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probes {
    /// ARP on attached subnets.
    pub arp: bool,
    /// ICMP echo.
    pub icmp: bool,
    /// SNMP on live hosts (when credentials are given).
    pub snmp: bool,
    /// Reverse DNS on live hosts.
    pub dns: bool,
    /// mDNS / DNS-SD, unicast to each live host (UDP 5353).
    pub mdns: bool,
    /// SSDP M-SEARCH unicast to each live host (UDP 1900), and its UPnP
    /// description when the answer points at the same host.
    pub ssdp: bool,
    /// NetBIOS node status to each live host (UDP 137).
    pub netbios: bool,
    /// WS-Discovery probe unicast to each live host (UDP 3702).
    pub wsd: bool,
    /// A small, bounded set of TCP ports per live host: banners, HTTP(S)
    /// headers and titles, TLS certificates, PJL, IPP, RTSP.
    pub banners: bool,
    /// Segment-wide probes (on each attached segment: a DHCP DISCOVER
    /// broadcast, and an mDNS / DNS-SD query, an SSDP M-SEARCH and a
    /// WS-Discovery Probe to their multicast groups): every host on the
    /// segment hears them, so they are off unless a job sets
    /// `segment_probes = true`, and never sent on a segment where the job
    /// excludes addresses. The multicast queries go whatever `mdns`,
    /// `ssdp` and `wsd` say (those are the unicast probes); only answers
    /// from the job's targets are kept.
    pub segment: bool,
}

impl Default for Probes {
    fn default() -> Self {
        Probes {
            arp: true,
            icmp: true,
            snmp: true,
            dns: true,
            mdns: true,
            ssdp: true,
            netbios: true,
            wsd: true,
            banners: true,
            segment: false,
        }
    }
}

/// How much SNMP reads from each device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// The system group only (sysDescr, sysObjectID, sysName, ...).
    System,
    /// The system group and every inventory table.
    #[default]
    Full,
}

/// The probe names a config or `--probes` may list.
pub const PROBE_NAMES: [&str; 9] = [
    "arp", "icmp", "snmp", "dns", "mdns", "ssdp", "netbios", "wsd", "banners",
];

impl Probes {
    /// No probe at all (the start of a list).
    pub fn none() -> Probes {
        Probes {
            arp: false,
            icmp: false,
            snmp: false,
            dns: false,
            mdns: false,
            ssdp: false,
            netbios: false,
            wsd: false,
            banners: false,
            segment: false,
        }
    }

    /// Turn on the probe `name`; false when there is no such probe.
    pub fn enable(&mut self, name: &str) -> bool {
        match name.trim() {
            "arp" => self.arp = true,
            "icmp" => self.icmp = true,
            "snmp" => self.snmp = true,
            "dns" => self.dns = true,
            "mdns" => self.mdns = true,
            "ssdp" => self.ssdp = true,
            "netbios" => self.netbios = true,
            "wsd" => self.wsd = true,
            "banners" => self.banners = true,
            _ => return false,
        }
        true
    }

    /// The names of the probes turned on, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        let on = [
            self.arp,
            self.icmp,
            self.snmp,
            self.dns,
            self.mdns,
            self.ssdp,
            self.netbios,
            self.wsd,
            self.banners,
        ];
        PROBE_NAMES
            .iter()
            .zip(on)
            .filter_map(|(n, on)| on.then_some(*n))
            .collect()
    }

    /// Whether a probe that asks each live host what it is (mDNS, SSDP,
    /// NetBIOS, WS-Discovery, banners) is on.
    pub fn asks_hosts(&self) -> bool {
        self.mdns || self.ssdp || self.netbios || self.wsd || self.banners
    }

    /// Whether a liveness probe (ARP or ICMP) is on: without one nothing
    /// is ever found alive.
    pub fn finds_hosts(&self) -> bool {
        self.arp || self.icmp
    }
}

/// One validated job. Two jobs compare equal when every setting is the
/// same; credentials compare by name and kind (a changed secret under the
/// same name is not a change this sees, and does not need to be: every
/// run takes the newest config's credentials).
#[derive(Debug, Clone)]
pub struct Job {
    /// Its name: unique in the config, kept with every run it makes.
    pub name: String,
    /// What it sweeps.
    pub targets: Vec<Target>,
    /// What it never touches: its own exclusions and the config's global ones.
    pub exclude: Vec<Target>,
    /// The credentials it tries, in the config's order.
    pub credentials: Vec<Credential>,
    /// The probes it uses.
    pub probes: Probes,
    /// When it runs.
    pub schedule: Schedule,
    /// Up to this long of random delay before each start (None: a tenth
    /// of the schedule's period, see [`Job::jitter_at`]).
    pub jitter: Option<Duration>,
    /// Packets per second, every probe together.
    pub rate: u32,
    /// The longest wait for ARP/ICMP replies.
    pub probe_timeout: Duration,
    /// How much SNMP reads from each device.
    pub snmp_depth: Depth,
}

impl PartialEq for Job {
    fn eq(&self, o: &Job) -> bool {
        let creds = |j: &Job| -> Vec<(String, String)> {
            j.credentials
                .iter()
                .map(|c| (c.name().to_string(), c.summary().to_string()))
                .collect()
        };
        self.name == o.name
            && self.targets == o.targets
            && self.exclude == o.exclude
            && creds(self) == creds(o)
            && self.probes == o.probes
            && self.schedule == o.schedule
            && self.jitter == o.jitter
            && self.rate == o.rate
            && self.probe_timeout == o.probe_timeout
            && self.snmp_depth == o.snmp_depth
    }
}

impl Job {
    /// The jitter for a start after `now`.
    pub fn jitter_at(&self, now: chrono::NaiveDateTime) -> Duration {
        self.jitter
            .unwrap_or_else(|| default_jitter(self.schedule.period(now)))
    }
}

/// Job names: letters, digits, `-`, `_`, `.`; 1 to 64 of them.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The default jitter: a tenth of the schedule's period.
pub fn default_jitter(period: Duration) -> Duration {
    period / 10
}

/// How a reload changes the set of jobs, by name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JobChanges {
    /// Jobs new in the config.
    pub added: Vec<String>,
    /// Jobs whose settings changed (they take the new ones from their next run).
    pub changed: Vec<String>,
    /// Jobs no longer in the config (they stop).
    pub removed: Vec<String>,
}

impl JobChanges {
    /// What differs between the running jobs and the new ones.
    pub fn between(running: &[Job], new: &[Job]) -> JobChanges {
        let find = |list: &[Job], name: &str| list.iter().position(|j| j.name == name);
        let mut out = JobChanges::default();
        for j in new {
            match find(running, &j.name) {
                None => out.added.push(j.name.clone()),
                Some(i) if running[i] != *j => out.changed.push(j.name.clone()),
                Some(_) => {}
            }
        }
        for j in running {
            if find(new, &j.name).is_none() {
                out.removed.push(j.name.clone());
            }
        }
        out
    }

    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_lists() {
        let mut p = Probes::none();
        assert!(p.enable("snmp") && p.enable(" arp "));
        assert!(!p.enable("telnet"));
        assert_eq!(p.names(), ["arp", "snmp"]);
        assert!(p.finds_hosts());
        let mut q = Probes::none();
        q.enable("dns");
        assert!(!q.finds_hosts());
        assert_eq!(Probes::default().names(), PROBE_NAMES);
    }

    #[test]
    fn names() {
        for (n, ok) in [
            ("default", true),
            ("core-switches_2.b", true),
            ("", false),
            ("two words", false),
            ("汉字", false),
            (&"x".repeat(65), false),
            (&"x".repeat(64), true),
        ] {
            assert_eq!(valid_name(n), ok, "{n}");
        }
    }

    fn job(name: &str, rate: u32) -> Job {
        Job {
            name: name.into(),
            targets: vec!["198.51.100.0/24".parse().unwrap()],
            exclude: vec![],
            credentials: vec![],
            probes: Probes::default(),
            schedule: Schedule::Every(Duration::from_secs(60)),
            jitter: None,
            rate,
            probe_timeout: Duration::from_secs(1),
            snmp_depth: Depth::Full,
        }
    }

    #[test]
    fn changes_by_name() {
        let running = [job("a", 10), job("b", 10), job("c", 10)];
        let new = [job("b", 20), job("c", 10), job("d", 10)];
        let c = JobChanges::between(&running, &new);
        assert_eq!(c.added, ["d"]);
        assert_eq!(c.changed, ["b"]);
        assert_eq!(c.removed, ["a"]);
        assert!(JobChanges::between(&new, &new).is_empty());
        assert_eq!(default_jitter(Duration::from_secs(900)).as_secs(), 90);
    }
}
