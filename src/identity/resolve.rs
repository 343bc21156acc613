//! One run's groups against what was known before the run: which known
//! device each group is, which known devices turn out to be one, and which
//! groups must leave a device they seemed to match.

use super::{Group, Key, Mac, Sighting, Strength, is_randomized};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// An address a known device had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAddress {
    /// The address.
    pub ip: IpAddr,
    /// The MAC last seen answering for it on this device.
    pub mac: Option<Mac>,
    /// When it was last seen (Unix seconds).
    pub last_seen: i64,
    /// Still this device's (nobody else took it since).
    pub active: bool,
}

/// A MAC a known device had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMac {
    /// The MAC.
    pub mac: Mac,
    /// When it was last seen (Unix seconds).
    pub last_seen: i64,
    /// Still this device's.
    pub active: bool,
}

/// What the store knows of one device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownDevice {
    /// Its id.
    pub id: i64,
    /// Every identity key it has shown.
    pub keys: Vec<Key>,
    /// Its SNMP agent's own addresses (corroborate an engine ID).
    pub agent_addresses: Vec<IpAddr>,
    /// Its SNMP agent's interface MACs.
    pub agent_macs: Vec<Mac>,
    /// Every address it answered at.
    pub addresses: Vec<KnownAddress>,
    /// Every MAC it answered with.
    pub macs: Vec<KnownMac>,
}

impl KnownDevice {
    fn has_strong_keys(&self) -> bool {
        self.keys.iter().any(Key::is_strong)
    }
}

/// The known devices that share anything with a run (the store loads those;
/// `pandian scan` without a database passes none).
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// By id.
    pub devices: BTreeMap<i64, KnownDevice>,
}

/// Where a group goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// This known device (after merges).
    Existing(i64),
    /// A new device.
    New,
}

/// The decision for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Index of the group.
    pub group: usize,
    /// The device.
    pub target: Target,
    /// How strongly it matched.
    pub strength: Strength,
    /// The facts that decided it.
    pub facts: Vec<String>,
}

/// Two known devices that are one: `from` joins `into` (the older id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The surviving device (the smaller id).
    pub into: i64,
    /// The device that joins it.
    pub from: i64,
    /// How strong the tie was.
    pub strength: Strength,
    /// The facts that decided it.
    pub facts: Vec<String>,
}

/// A group that matched a known device but is another device: it becomes
/// a new device, taking the addresses and MACs it brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The device it seemed to be.
    pub from: i64,
    /// Index of the group.
    pub group: usize,
    /// Why it is not that device.
    pub facts: Vec<String>,
}

/// Everything decided for one run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Merges of known devices, in the order to apply them.
    pub merges: Vec<Merge>,
    /// One per group, in group order; new devices get ids in this order.
    pub assignments: Vec<Assignment>,
    /// Groups that left a device they seemed to match (their assignment
    /// says [`Target::New`]).
    pub splits: Vec<Split>,
}

fn mac_text(m: Mac) -> String {
    crate::wire::format_mac(m)
}

/// Whether a device's keys rule out a group being it: both name chassis
/// serials of one vendor, and none in common (a stack lists several
/// chassis, so one shared serial is enough to agree). Returns an example
/// pair.
fn conflict(group: &[Key], device: &[Key]) -> Option<(Key, Key)> {
    let serials = |keys: &[Key]| -> BTreeMap<u32, Vec<Key>> {
        let mut m: BTreeMap<u32, Vec<Key>> = BTreeMap::new();
        for k in keys {
            if let Key::Serial { enterprise, .. } = k {
                m.entry(*enterprise).or_default().push(k.clone());
            }
        }
        m
    };
    let (g, d) = (serials(group), serials(device));
    for (ent, gs) in &g {
        if let Some(ds) = d.get(ent)
            && !gs.iter().any(|k| ds.contains(k))
        {
            return Some((gs[0].clone(), ds[0].clone()));
        }
    }
    None
}

/// What one group shares with known devices (devices whose strong keys
/// rule the group out are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// Devices sharing a strong key, with the facts.
    pub strong: BTreeMap<i64, Vec<String>>,
    /// Devices that had one of the group's MACs: (device, MAC, still
    /// active, last seen, the device has no strong keys of its own).
    pub mac: Vec<(i64, Mac, bool, i64, bool)>,
    /// Devices last seen at one of the group's addresses within the
    /// window, MACs agreeing: (device, address, last seen).
    pub address: Vec<(i64, IpAddr, i64)>,
    /// Devices sharing weak keys of two kinds or more: (device, kinds, facts).
    pub weak: Vec<(i64, usize, Vec<String>)>,
    /// For a group behind randomised MACs alone: the one known device
    /// holding the group's chosen names (each held by it alone), with the
    /// names.
    pub named: Option<(i64, Vec<String>)>,
}

/// What `g` shares with `devices` (the known devices the store found for
/// its keys, MACs and addresses; others are ignored), at `now` with a
/// `window` (seconds) for address matches.
pub fn match_group<'a>(
    g: &Group,
    sightings: &[Sighting],
    devices: impl IntoIterator<Item = &'a KnownDevice>,
    now: i64,
    window: i64,
) -> Candidates {
    let mut c = Candidates::default();
    let g_addrs: BTreeSet<IpAddr> = g
        .ips
        .iter()
        .chain(g.agent_addresses.iter())
        .copied()
        .collect();
    let weak: Vec<&Key> = g.keys.iter().filter(|k| !k.is_strong()).collect();
    let devices: Vec<&KnownDevice> = devices.into_iter().collect();
    c.named = named(g, &devices);
    for d in devices {
        if conflict(&g.keys, &d.keys).is_some() {
            continue;
        }
        for k in &g.keys {
            if !d.keys.contains(k) {
                continue;
            }
            if k.stands_alone() {
                c.strong.entry(d.id).or_default().push(k.to_string());
            } else if matches!(k, Key::EngineId(_)) {
                let overlap = d
                    .addresses
                    .iter()
                    .map(|a| a.ip)
                    .chain(d.agent_addresses.iter().copied())
                    .find(|ip| g_addrs.contains(ip));
                if let Some(ip) = overlap {
                    c.strong
                        .entry(d.id)
                        .or_default()
                        .push(format!("{k} with address {ip} in both"));
                }
            }
        }
        // An address the device's agent lists as its own, where no agent
        // answered this run, with one of its interface MACs or none.
        if !g.keys.iter().any(|k| matches!(k, Key::EngineId(_))) {
            for ip in &g.ips {
                let seen_mac = g.mac_at(sightings, *ip);
                if d.agent_addresses.contains(ip)
                    && seen_mac.is_none_or(|m| d.agent_macs.contains(&m))
                {
                    c.strong
                        .entry(d.id)
                        .or_default()
                        .push(format!("address {ip} in the device's agent's own table"));
                }
            }
        }
        for m in &g.macs {
            if let Some(km) = d.macs.iter().find(|km| km.mac == *m) {
                c.mac
                    .push((d.id, *m, km.active, km.last_seen, !d.has_strong_keys()));
            }
        }
        for ip in &g.ips {
            let seen_mac = g.mac_at(sightings, *ip);
            if let Some(a) = d.addresses.iter().find(|a| a.ip == *ip && a.active) {
                let fresh = now.saturating_sub(a.last_seen) <= window;
                let agree = match (seen_mac, a.mac) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                };
                if fresh && agree {
                    c.address.push((d.id, *ip, a.last_seen));
                }
            }
        }
        let agreeing: Vec<&Key> = weak
            .iter()
            .copied()
            .filter(|k| d.keys.contains(k))
            .collect();
        let kinds: BTreeSet<&str> = agreeing.iter().map(|k| k.kind()).collect();
        if kinds.len() >= 2 {
            c.weak.push((
                d.id,
                kinds.len(),
                agreeing.iter().map(|k| k.to_string()).collect(),
            ));
        }
    }
    for list in c.strong.values_mut() {
        list.sort();
        list.dedup();
    }
    c.mac.sort();
    c.address.sort();
    c.weak.sort();
    c
}

/// The one known device a group behind randomised MACs alone continues by
/// the names it chose (mDNS name, DHCP client id, DHCP host name): each
/// such name the group shares must be held by exactly one device, and all
/// by the same one.
fn named(g: &Group, devices: &[&KnownDevice]) -> Option<(i64, Vec<String>)> {
    if g.macs.is_empty() || !g.macs.iter().all(|m| is_randomized(*m)) {
        return None;
    }
    let mut found: Option<i64> = None;
    let mut facts = Vec::new();
    for k in g.keys.iter().filter(|k| k.is_chosen_name()) {
        let holders: Vec<i64> = devices
            .iter()
            .filter(|d| d.keys.contains(k) && conflict(&g.keys, &d.keys).is_none())
            .map(|d| d.id)
            .collect();
        match holders.as_slice() {
            [] => {}
            [id] if found.is_none_or(|f| f == *id) => {
                found = Some(*id);
                facts.push(k.to_string());
            }
            // Held by several devices, or pointing at two: no match.
            _ => return None,
        }
    }
    let id = found?;
    let macs: Vec<String> = g.macs.iter().map(|m| mac_text(*m)).collect();
    facts.push(format!("randomised mac {}", macs.join(", ")));
    Some((id, facts))
}

/// Union-find over device ids; the smaller id survives.
#[derive(Default)]
struct Devices {
    parent: BTreeMap<i64, i64>,
}

impl Devices {
    fn find(&mut self, x: i64) -> i64 {
        let mut r = x;
        while let Some(&p) = self.parent.get(&r) {
            if p == r {
                break;
            }
            r = p;
        }
        self.parent.insert(x, r);
        r
    }

    /// Join two devices; returns (into, from) when they were apart.
    fn union(&mut self, a: i64, b: i64) -> Option<(i64, i64)> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return None;
        }
        let (into, from) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent.insert(from, into);
        Some((into, from))
    }
}

/// Decide a whole run: `groups` (from [`super::group`] over `sightings`)
/// against `known`, at `now` (Unix seconds), with addresses matching only
/// when last seen within `window` seconds. Indexes `known` by key, MAC and
/// address so each group meets only the devices it shares something with.
pub fn resolve(
    groups: &[Group],
    sightings: &[Sighting],
    known: &Known,
    now: i64,
    window: i64,
) -> Plan {
    let mut by_key: BTreeMap<&Key, Vec<i64>> = BTreeMap::new();
    let mut by_mac: BTreeMap<Mac, Vec<i64>> = BTreeMap::new();
    let mut by_ip: BTreeMap<IpAddr, Vec<i64>> = BTreeMap::new();
    for d in known.devices.values() {
        for k in &d.keys {
            by_key.entry(k).or_default().push(d.id);
        }
        for m in &d.macs {
            by_mac.entry(m.mac).or_default().push(d.id);
        }
        for a in d
            .addresses
            .iter()
            .map(|a| a.ip)
            .chain(d.agent_addresses.iter().copied())
        {
            by_ip.entry(a).or_default().push(d.id);
        }
    }
    let cands: Vec<Candidates> = groups
        .iter()
        .map(|g| {
            let mut ids: BTreeSet<i64> = BTreeSet::new();
            for k in &g.keys {
                ids.extend(by_key.get(k).into_iter().flatten());
            }
            for m in &g.macs {
                ids.extend(by_mac.get(m).into_iter().flatten());
            }
            for ip in &g.ips {
                ids.extend(by_ip.get(ip).into_iter().flatten());
            }
            let devices = ids.iter().filter_map(|id| known.devices.get(id));
            match_group(g, sightings, devices, now, window)
        })
        .collect();
    decide(groups, &cands)
}

/// Decide a whole run from each group's [`Candidates`] (one per group, in
/// group order): merges first, then each group's best match, then groups
/// that must leave a device another group of the run is.
pub fn decide(groups: &[Group], cands: &[Candidates]) -> Plan {
    // 1. Merges: devices sharing a strong key with one group are one; a
    //    device with no strong keys of its own whose (non-random) MAC the
    //    group brings joins them too (its history was this device before
    //    it answered SNMP).
    let mut uf = Devices::default();
    let mut merges = Vec::new();
    for c in cands {
        let strong: Vec<i64> = c.strong.keys().copied().collect();
        if let Some((&first, rest)) = strong.split_first() {
            for &other in rest {
                if let Some((into, from)) = uf.union(first, other) {
                    let mut facts: Vec<String> = c.strong.get(&first).cloned().unwrap_or_default();
                    facts.extend(c.strong.get(&other).cloned().unwrap_or_default());
                    facts.sort();
                    facts.dedup();
                    merges.push(Merge {
                        into,
                        from,
                        strength: Strength::Strong,
                        facts,
                    });
                }
            }
            for &(dev, mac, _, _, keyless) in &c.mac {
                if keyless
                    && !is_randomized(mac)
                    && !strong.contains(&dev)
                    && let Some((into, from)) = uf.union(first, dev)
                {
                    let mut facts = vec![format!("mac {}", mac_text(mac))];
                    facts.extend(c.strong.get(&first).cloned().unwrap_or_default());
                    merges.push(Merge {
                        into,
                        from,
                        strength: Strength::Mac,
                        facts,
                    });
                }
            }
        }
    }

    // 2. Each group's best match, through the merges.
    let mut assignments: Vec<Assignment> = Vec::with_capacity(groups.len());
    for (i, c) in cands.iter().enumerate() {
        let chosen: Option<(i64, Strength, Vec<String>)> =
            if let Some((&id, facts)) = c.strong.iter().next() {
                Some((uf.find(id), Strength::Strong, facts.clone()))
            } else if let Some(&(id, mac, _, _, _)) = c
                .mac
                .iter()
                .min_by_key(|&&(id, _, active, seen, _)| (!active, -seen, id))
            {
                Some((
                    uf.find(id),
                    Strength::Mac,
                    vec![format!("mac {}", mac_text(mac))],
                ))
            } else if let Some((id, _, facts)) = c
                .weak
                .iter()
                .min_by_key(|(id, n, _)| (std::cmp::Reverse(*n), *id))
            {
                Some((uf.find(*id), Strength::WeakPair, facts.clone()))
            } else if let Some((id, facts)) = &c.named {
                Some((uf.find(*id), Strength::Name, facts.clone()))
            } else {
                c.address
                    .iter()
                    .min_by_key(|&&(id, _, seen)| (-seen, id))
                    .map(|&(id, ip, _)| {
                        (
                            uf.find(id),
                            Strength::Address,
                            vec![format!("address {ip}, last seen within the window")],
                        )
                    })
            };
        assignments.push(match chosen {
            Some((id, strength, facts)) => Assignment {
                group: i,
                target: Target::Existing(id),
                strength,
                facts,
            },
            None => Assignment {
                group: i,
                target: Target::New,
                strength: Strength::New,
                facts: Vec::new(),
            },
        });
    }

    // 3. Several groups on one device: groups tied to it by strong keys are
    //    all it (a router's addresses); otherwise the best-tied group keeps
    //    it (ties: the lowest address, i.e. the first group) and the others
    //    leave it as new devices.
    let mut by_device: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for a in &assignments {
        if let Target::Existing(id) = a.target {
            by_device.entry(id).or_default().push(a.group);
        }
    }
    let mut splits = Vec::new();
    for (id, gs) in by_device {
        if gs.len() < 2 {
            continue;
        }
        let any_strong = gs
            .iter()
            .any(|&g| assignments[g].strength == Strength::Strong);
        let keeper = gs
            .iter()
            .copied()
            .min_by_key(|&g| (assignments[g].strength, g))
            .unwrap_or(gs[0]);
        for &g in &gs {
            let stays = if any_strong {
                assignments[g].strength == Strength::Strong
            } else {
                g == keeper
            };
            if stays {
                continue;
            }
            let why = format!(
                "matched device {id} by {} ({}), but device {id} was seen at {} in the same run",
                assignments[g].strength.as_str(),
                assignments[g].facts.join(", "),
                groups[keeper]
                    .ips
                    .first()
                    .map_or_else(|| "another sighting".to_string(), ToString::to_string),
            );
            splits.push(Split {
                from: id,
                group: g,
                facts: vec![why],
            });
            assignments[g].target = Target::New;
            assignments[g].strength = Strength::New;
        }
    }
    Plan {
        merges,
        assignments,
        splits,
    }
}
