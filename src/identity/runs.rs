//! One run's sightings grouped into the devices they are, before anything
//! already known is consulted: addresses that share a stand-alone strong
//! key, an engine ID corroborated by the agent's address table, or a MAC
//! that answered only for them.

use super::{Key, Mac, Sighting, is_unicast};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The sightings of one run that are one device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// Indices into the run's sightings, ascending.
    pub members: Vec<usize>,
    /// Every address, ascending.
    pub ips: Vec<IpAddr>,
    /// Every usable MAC (unicast, not shared by other addresses), ascending.
    pub macs: Vec<Mac>,
    /// MACs seen here that answered for other addresses too (not used as keys).
    pub shared_macs: Vec<Mac>,
    /// Every key, ascending.
    pub keys: Vec<Key>,
    /// The SNMP agents' own address tables.
    pub agent_addresses: Vec<IpAddr>,
    /// The SNMP agents' interface MACs.
    pub agent_macs: Vec<Mac>,
    /// Why the members are one device.
    pub links: Vec<Link>,
}

/// Why two sightings of one run were joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// One address (or `-` for a sighting without one).
    pub a: String,
    /// The other.
    pub b: String,
    /// The fact that joined them.
    pub why: String,
}

impl Group {
    /// The MAC seen at `ip` among the members, if any (the lowest, should
    /// a run have seen two).
    pub fn mac_at(&self, sightings: &[Sighting], ip: IpAddr) -> Option<Mac> {
        self.members
            .iter()
            .filter_map(|&i| sightings.get(i))
            .filter(|s| s.ip == Some(ip))
            .filter_map(|s| s.mac)
            .min()
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Join; the smaller root survives. True when they were apart.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi] = lo;
        true
    }
}

fn label(s: &Sighting) -> String {
    s.ip.map_or_else(|| "-".to_string(), |ip| ip.to_string())
}

/// Group one run's sightings into devices. The result is sorted by each
/// group's lowest address, so the same sightings in any order give the
/// same groups.
pub fn group(sightings: &[Sighting]) -> Vec<Group> {
    let n = sightings.len();
    let mut uf = UnionFind::new(n);
    let mut links: Vec<(usize, usize, String)> = Vec::new();

    // Which addresses each MAC answered for.
    let mut mac_ips: BTreeMap<Mac, BTreeSet<IpAddr>> = BTreeMap::new();
    for s in sightings {
        if let (Some(m), Some(ip)) = (s.mac, s.ip)
            && is_unicast(m)
        {
            mac_ips.entry(m).or_default().insert(ip);
        }
    }
    let shared: BTreeSet<Mac> = mac_ips
        .iter()
        .filter(|(_, ips)| ips.len() > 1)
        .map(|(m, _)| *m)
        .collect();

    // Index sightings by key, MAC and address (in input order, then sorted
    // joins make the result independent of that order).
    let mut by_key: BTreeMap<&Key, Vec<usize>> = BTreeMap::new();
    let mut by_mac: BTreeMap<Mac, Vec<usize>> = BTreeMap::new();
    let mut by_ip: BTreeMap<IpAddr, Vec<usize>> = BTreeMap::new();
    for (i, s) in sightings.iter().enumerate() {
        for k in &s.keys {
            by_key.entry(k).or_default().push(i);
        }
        if let Some(m) = s.mac.filter(|m| is_unicast(*m) && !shared.contains(m)) {
            by_mac.entry(m).or_default().push(i);
        }
        if let Some(ip) = s.ip {
            by_ip.entry(ip).or_default().push(i);
        }
    }
    for (key, idx) in &by_key {
        if key.stands_alone() {
            for w in idx.windows(2) {
                if uf.union(w[0], w[1]) {
                    links.push((w[0], w[1], key.to_string()));
                }
            }
        }
    }
    // An engine ID joins two addresses when one agent's own address table
    // lists the other's address (linear in the table sizes: cloned agents
    // may share one engine ID by the thousand).
    for (key, idx) in &by_key {
        if !matches!(key, Key::EngineId(_)) {
            continue;
        }
        let at: BTreeMap<IpAddr, usize> = idx
            .iter()
            .filter_map(|&i| sightings[i].ip.map(|ip| (ip, i)))
            .collect();
        for &i in idx {
            for listed in &sightings[i].agent_addresses {
                if let Some(&j) = at.get(listed)
                    && uf.union(i, j)
                {
                    links.push((i, j, format!("{key} and the agent's address table")));
                }
            }
        }
    }
    // An address an agent lists as its own, where no agent of its own
    // answered, seen with one of the agent's interface MACs (or none): the
    // agent's device (a router's other interface).
    for (i, s) in sightings.iter().enumerate() {
        if s.agent_addresses.is_empty() {
            continue;
        }
        for listed in &s.agent_addresses {
            for &j in by_ip.get(listed).into_iter().flatten() {
                let other = &sightings[j];
                let silent = !other.keys.iter().any(|k| matches!(k, Key::EngineId(_)));
                let mac_ok = other.mac.is_none_or(|m| s.agent_macs.contains(&m));
                if i != j && silent && mac_ok && uf.union(i, j) {
                    let why = match other.mac {
                        Some(m) => format!(
                            "address {listed} in the agent's own table, mac {} one of its interfaces",
                            crate::wire::format_mac(m)
                        ),
                        None => format!("address {listed} in the agent's own table"),
                    };
                    links.push((i, j, why));
                }
            }
        }
    }
    for (m, idx) in &by_mac {
        for w in idx.windows(2) {
            if uf.union(w[0], w[1]) {
                links.push((w[0], w[1], format!("mac {}", crate::wire::format_mac(*m))));
            }
        }
    }
    for (ip, idx) in &by_ip {
        for w in idx.windows(2) {
            if uf.union(w[0], w[1]) {
                links.push((w[0], w[1], format!("address {ip}")));
            }
        }
    }
    // A MAC shared by several addresses joins two of them only when a weak
    // key agrees too (one host with two addresses on one interface).
    let mut shared_weak: BTreeMap<(Mac, &Key), Vec<usize>> = BTreeMap::new();
    for (i, s) in sightings.iter().enumerate() {
        if let Some(m) = s.mac.filter(|m| shared.contains(m)) {
            for k in s.keys.iter().filter(|k| !k.is_strong()) {
                shared_weak.entry((m, k)).or_default().push(i);
            }
        }
    }
    for ((m, k), idx) in &shared_weak {
        for w in idx.windows(2) {
            if uf.union(w[0], w[1]) {
                links.push((
                    w[0],
                    w[1],
                    format!("mac {} and {k}", crate::wire::format_mac(*m)),
                ));
            }
        }
    }

    let mut groups: BTreeMap<usize, Group> = BTreeMap::new();
    for (i, s) in sightings.iter().enumerate() {
        let root = uf.find(i);
        let g = groups.entry(root).or_default();
        g.members.push(i);
        if let Some(ip) = s.ip {
            g.ips.push(ip);
        }
        if let Some(m) = s.mac.filter(|m| is_unicast(*m)) {
            if shared.contains(&m) {
                g.shared_macs.push(m);
            } else {
                g.macs.push(m);
            }
        }
        g.keys.extend(s.keys.iter().cloned());
        g.agent_addresses.extend(s.agent_addresses.iter().copied());
        g.agent_macs.extend(s.agent_macs.iter().copied());
    }
    for (i, j, why) in links {
        let root = uf.find(i);
        if let Some(g) = groups.get_mut(&root) {
            g.links.push(Link {
                a: label(&sightings[i]),
                b: label(&sightings[j]),
                why,
            });
        }
    }
    let mut out: Vec<Group> = groups
        .into_values()
        .map(|mut g| {
            g.ips.sort();
            g.ips.dedup();
            g.macs.sort();
            g.macs.dedup();
            g.shared_macs.sort();
            g.shared_macs.dedup();
            g.keys.sort();
            g.keys.dedup();
            g.agent_addresses.sort();
            g.agent_addresses.dedup();
            g.agent_macs.sort();
            g.agent_macs.dedup();
            g.links
                .sort_by(|x, y| (&x.a, &x.b, &x.why).cmp(&(&y.a, &y.b, &y.why)));
            g
        })
        .collect();
    out.sort_by(|x, y| {
        (x.ips.first(), x.macs.first(), x.keys.first()).cmp(&(
            y.ips.first(),
            y.macs.first(),
            y.keys.first(),
        ))
    });
    out
}
