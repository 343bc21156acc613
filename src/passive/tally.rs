//! What the listener heard since the last commit, deduplicated in memory:
//! one entry per (address, MAC) with the distinct facts heard from it, at
//! most [`MAX_SUBJECTS`] entries (further senders are counted and
//! dropped until the next commit). Pure: sightings in, [`Seen`] values out.

use super::Heard;
use crate::announce::{self, Announced};
use crate::record::{Seen, Source};
use crate::target::AddrSet;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// Most distinct (address, MAC) subjects kept between two commits.
pub const MAX_SUBJECTS: usize = 4096;

/// The heard senders of one interval.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    entries: BTreeMap<(Option<Ipv4Addr>, [u8; 6]), BTreeSet<Announced>>,
    /// MACs seen with an address no job wants: their address-less frames
    /// are not theirs to keep either.
    barred: BTreeSet<[u8; 6]>,
    /// Senders dropped because the tally was full.
    dropped: u64,
    /// Bumped by every [`Tally::take`]: a capture thread's memory of frames
    /// already admitted holds for one generation.
    generation: u64,
}

impl Tally {
    /// Take one sighting (already in scope).
    pub fn add(&mut self, h: Heard) {
        let key = (h.ip, h.mac);
        if !self.entries.contains_key(&key) && self.entries.len() >= MAX_SUBJECTS {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        let facts = self.entries.entry(key).or_default();
        for f in h.facts {
            if facts.len() >= announce::MAX_PER_HOST {
                break;
            }
            facts.insert(f);
        }
    }

    /// Remember that `mac` was heard with an address no job wants.
    pub fn bar(&mut self, mac: [u8; 6]) {
        if self.barred.len() < MAX_SUBJECTS {
            self.barred.insert(mac);
        }
    }

    /// Whether `mac` was heard with an address no job wants.
    pub fn is_barred(&self, mac: [u8; 6]) -> bool {
        self.barred.contains(&mac)
    }

    /// Whether nothing was heard.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many subjects are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Which interval this is (changes at every [`Tally::take`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Senders dropped since the last [`Tally::take`] because it was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Everything heard, as sightings (source [`Source::Passive`]), and the
    /// addresses they name; the tally starts over (barred MACs stay).
    pub fn take(&mut self) -> (Vec<Seen>, AddrSet) {
        let entries = std::mem::take(&mut self.entries);
        self.dropped = 0;
        self.generation = self.generation.wrapping_add(1);
        let mut addrs = Vec::new();
        let seen = entries
            .into_iter()
            .filter(|((ip, mac), _)| ip.is_some() || !self.barred.contains(mac))
            .map(|((ip, mac), facts)| {
                if let Some(a) = ip {
                    addrs.push((u32::from(a), u32::from(a)));
                }
                let mut announced: Vec<Announced> = facts.into_iter().collect();
                announce::tidy(&mut announced);
                Seen {
                    ip: ip.map(IpAddr::V4),
                    mac: Some(mac),
                    sources: vec![Source::Passive],
                    announced,
                    ..Seen::default()
                }
            })
            .collect();
        (seen, AddrSet::from_ranges(addrs))
    }
}

/// An address set written as targets (`198.18.140.7 198.18.140.10-198.18.140.12`),
/// the way a run records what it covers.
pub fn describe(set: &AddrSet) -> String {
    set.ranges()
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                Ipv4Addr::from(lo).to_string()
            } else {
                format!("{}-{}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(ip: Option<[u8; 4]>, last: u8, facts: &[(&str, &str)]) -> Heard {
        let mac = [0x02, 0x5a, 0x11, 0, 0, last];
        Heard {
            mac,
            ip: ip.map(Ipv4Addr::from),
            from: mac,
            facts: facts
                .iter()
                .filter_map(|(k, v)| Announced::new(Source::Passive, k, v))
                .collect(),
        }
    }

    #[test]
    fn repeats_collapse_and_distinct_facts_add_up() {
        let mut t = Tally::default();
        for _ in 0..1000 {
            t.add(heard(Some([198, 18, 140, 7]), 1, &[("arp", "request")]));
        }
        t.add(heard(Some([198, 18, 140, 7]), 1, &[("arp", "reply")]));
        t.add(heard(None, 1, &[("dhcp:hostname", "lab-laptop")]));
        t.add(heard(Some([198, 18, 140, 8]), 2, &[("arp", "request")]));
        t.add(heard(Some([198, 18, 140, 9]), 3, &[("arp", "request")]));
        assert_eq!(t.len(), 4);
        let (seen, addrs) = t.take();
        assert!(t.is_empty());
        assert_eq!(seen.len(), 4);
        let first = seen
            .iter()
            .find(|s| s.mac == Some(heard(None, 1, &[]).mac) && s.ip.is_some())
            .unwrap();
        assert_eq!(first.announced.len(), 2);
        assert_eq!(first.sources, vec![Source::Passive]);
        assert_eq!(describe(&addrs), "198.18.140.7-198.18.140.9");
    }

    #[test]
    fn full_tally_drops_new_senders_and_barred_macs_lose_unaddressed_frames() {
        let mut t = Tally::default();
        for i in 0..(MAX_SUBJECTS as u32 + 10) {
            let o = (0xc612_0000u32 + i).to_be_bytes();
            t.add(heard(Some(o), 1, &[("arp", "request")]));
        }
        assert_eq!(t.len(), MAX_SUBJECTS);
        assert_eq!(t.dropped(), 10);
        let (seen, _) = t.take();
        assert_eq!(seen.len(), MAX_SUBJECTS);
        assert_eq!(t.dropped(), 0);

        t.add(heard(None, 9, &[("dhcp:hostname", "excluded-host")]));
        t.bar(heard(None, 9, &[]).mac);
        assert!(t.is_barred(heard(None, 9, &[]).mac));
        let (seen, _) = t.take();
        assert!(seen.is_empty(), "{seen:?}");
    }
}
