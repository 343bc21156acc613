//! A device's timeline: what changed when, newest first. Pure: the
//! device's addresses and MACs, identity decisions, observation rows and
//! findings in, events out.
//!
//! The record keeps one row per value held over a span of runs, so a
//! second row of the same source and key is a change. Two rows of one
//! SNMP subtree (snmprec lines `oid|type|value`) are compared line by line
//! and the objects that changed are named; a subtree too long to read is
//! told by its size. Values that do not differ (the same thing seen by two
//! jobs) are no change.

use crate::store::changes::ObservedValue;
use crate::store::findings::FindingRow;
use crate::store::read::{Held, IdentityEvent};
use std::collections::{BTreeMap, HashMap};

/// Objects named per changed subtree; the rest are counted.
pub const MAX_OBJECTS: usize = 4;
/// Events kept, newest first.
pub const MAX_EVENTS: usize = 200;
/// The names the catalogues give events (`[timeline_event]`); identity
/// decisions are named by `[identity_event]`.
pub const EVENT_NAMES: [&str; 6] = [
    "first_seen",
    "new_ip",
    "new_mac",
    "changed",
    "finding_opened",
    "finding_resolved",
];

/// One object of a changed value: before and after (None: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    /// The OID (SNMP) or '' (a plain value).
    pub oid: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// First seen at all.
    FirstSeen,
    /// A new address (`ip`) or MAC (`mac`) was first seen on it.
    NewHeld { kind: &'static str, value: String },
    /// A value changed: the objects that did, and how many more.
    Changed {
        source: String,
        key: String,
        objects: Vec<ObjectChange>,
        more: usize,
        /// Sizes when the values were too long to compare (lines before, after).
        sizes: Option<(u64, u64)>,
    },
    /// An identity decision other than its creation (merge, split, join).
    Identity { kind: String, other: Option<i64> },
    /// A finding was raised.
    FindingOpened { id: i64, kind: String },
    /// A finding was resolved.
    FindingResolved { id: i64, kind: String },
}

/// One entry: when (RFC 3339) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub time: String,
    pub event: Event,
}

/// snmprec lines as `oid -> type|value`.
fn lines(value: &str) -> BTreeMap<&str, &str> {
    value
        .lines()
        .filter_map(|l| l.split_once('|'))
        .filter(|(oid, _)| crate::facts::Oid::parse(oid).is_ok())
        .collect()
}

/// An snmprec `TAG|VALUE` as a reader wants it: a hex string (`4x`,
/// `68x`) as its text when that is UTF-8 with no control characters, else
/// `0x` and the hex; other tags as written.
fn shown_value(tag_value: &str) -> String {
    let (tag, value) = tag_value.split_once('|').unwrap_or(("", tag_value));
    if !tag.ends_with('x') {
        return value.to_string();
    }
    let bytes: Option<Vec<u8>> = (0..value.len())
        .step_by(2)
        .map(|i| {
            value
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    match bytes.map(String::from_utf8) {
        Some(Ok(text)) if !text.chars().any(char::is_control) => text,
        _ if value.is_empty() => String::new(),
        _ => format!("0x{value}"),
    }
}

/// The objects that differ between two SNMP subtree values.
fn snmp_diff(before: &str, after: &str) -> Vec<ObjectChange> {
    let (b, a) = (lines(before), lines(after));
    let shown = |v: Option<&&str>| v.map(|tv| shown_value(tv));
    let mut oids: Vec<&str> = b.keys().chain(a.keys()).copied().collect();
    oids.sort_by(|x, y| {
        crate::facts::Oid::parse(x)
            .ok()
            .cmp(&crate::facts::Oid::parse(y).ok())
            .then(x.cmp(y))
    });
    oids.dedup();
    oids.into_iter()
        .filter(|o| b.get(o) != a.get(o))
        .map(|o| ObjectChange {
            oid: o.to_string(),
            before: shown(b.get(o)),
            after: shown(a.get(o)),
        })
        .collect()
}

/// The change from `before` to `after` of one source and key, or None
/// when nothing differs.
fn change(before: &ObservedValue, after: &ObservedValue) -> Option<Event> {
    let (source, key) = (after.source.clone(), after.key.clone());
    match (&before.value, &after.value) {
        (Some(b), Some(a)) if b == a => None,
        (Some(b), Some(a)) if key.starts_with("snmp:") => {
            let mut objects = snmp_diff(b, a);
            if objects.is_empty() {
                return None;
            }
            let more = objects.len().saturating_sub(MAX_OBJECTS);
            objects.truncate(MAX_OBJECTS);
            Some(Event::Changed {
                source,
                key,
                objects,
                more,
                sizes: None,
            })
        }
        (Some(b), Some(a)) => Some(Event::Changed {
            source,
            key,
            objects: vec![ObjectChange {
                oid: String::new(),
                before: Some(b.clone()),
                after: Some(a.clone()),
            }],
            more: 0,
            sizes: None,
        }),
        // Too long to read: its size says that it changed.
        _ => Some(Event::Changed {
            source,
            key,
            objects: Vec::new(),
            more: 0,
            sizes: Some((before.lines, after.lines)),
        }),
    }
}

/// The timeline, newest first, at most [`MAX_EVENTS`]. `values` are the
/// device's observation rows in any order.
pub fn timeline(
    first_seen: &str,
    held: &[(&'static str, &Held)],
    identity_log: &[IdentityEvent],
    values: &[ObservedValue],
    findings: &[FindingRow],
) -> Vec<Entry> {
    let mut out = vec![Entry {
        time: first_seen.to_string(),
        event: Event::FirstSeen,
    }];
    // An address or MAC it had from the start is not news.
    for (kind, h) in held {
        if h.first_seen.as_str() > first_seen {
            out.push(Entry {
                time: h.first_seen.clone(),
                event: Event::NewHeld {
                    kind,
                    value: crate::text::printable(&h.value),
                },
            });
        }
    }
    for e in identity_log.iter().filter(|e| e.kind != "new") {
        out.push(Entry {
            time: e.time.clone(),
            event: Event::Identity {
                kind: e.kind.clone(),
                other: e.other_device,
            },
        });
    }
    let mut chains: HashMap<(&str, &str), Vec<&ObservedValue>> = HashMap::new();
    for v in values {
        chains.entry((&v.source, &v.key)).or_default().push(v);
    }
    for chain in chains.values_mut() {
        chain.sort_by(|a, b| a.first_seen.cmp(&b.first_seen));
        for pair in chain.windows(2) {
            if let Some(event) = change(pair[0], pair[1]) {
                out.push(Entry {
                    time: pair[1].first_seen.clone(),
                    event,
                });
            }
        }
    }
    for f in findings {
        out.push(Entry {
            time: f.first_seen.clone(),
            event: Event::FindingOpened {
                id: f.id,
                kind: f.kind.clone(),
            },
        });
        if let Some(r) = &f.resolved_at {
            out.push(Entry {
                time: r.clone(),
                event: Event::FindingResolved {
                    id: f.id,
                    kind: f.kind.clone(),
                },
            });
        }
    }
    // Newest first; at one time, in the order above (stable).
    out.sort_by(|a, b| b.time.cmp(&a.time));
    out.truncate(MAX_EVENTS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(first: &str, source: &str, key: &str, value: Option<&str>) -> ObservedValue {
        ObservedValue {
            first_seen: first.into(),
            source: source.into(),
            key: key.into(),
            value: value.map(str::to_string),
            lines: value.map_or(9000, |v| v.lines().count() as u64),
        }
    }

    fn held(value: &str, first: &str) -> Held {
        Held {
            value: value.into(),
            first_seen: first.into(),
            last_seen: first.into(),
            active: true,
        }
    }

    const T0: &str = "2026-01-01T00:00:00Z";
    const T1: &str = "2026-01-02T00:00:00Z";
    const T2: &str = "2026-01-03T00:00:00Z";

    #[test]
    fn snmp_subtrees_name_the_objects_that_changed() {
        let before = "1.3.6.1.2.1.1.1.0|4|VRP V200R019\n1.3.6.1.2.1.1.5.0|4|core-sw1\n1.3.6.1.2.1.1.6.0|4|room 1";
        let after = "1.3.6.1.2.1.1.1.0|4|VRP V200R020\n1.3.6.1.2.1.1.5.0|4|core-sw1\n1.3.6.1.2.1.1.4.0|4|noc";
        let got = snmp_diff(before, after);
        assert_eq!(
            got,
            vec![
                ObjectChange {
                    oid: "1.3.6.1.2.1.1.1.0".into(),
                    before: Some("VRP V200R019".into()),
                    after: Some("VRP V200R020".into()),
                },
                ObjectChange {
                    oid: "1.3.6.1.2.1.1.4.0".into(),
                    before: None,
                    after: Some("noc".into()),
                },
                ObjectChange {
                    oid: "1.3.6.1.2.1.1.6.0".into(),
                    before: Some("room 1".into()),
                    after: None,
                },
            ]
        );
        // Numeric order of arcs, not text order: .10 after .9.
        let got = snmp_diff("", "1.3.6.1.2.1.2.2.1.10.1|2|5\n1.3.6.1.2.1.2.2.1.9.1|2|4");
        assert_eq!(got[0].oid, "1.3.6.1.2.1.2.2.1.9.1");
        // Hex strings read as text when they are text.
        let got = snmp_diff(
            "1.3.6.1.2.1.1.5.0|4x|636f72652d737731",
            "1.3.6.1.2.1.1.5.0|4x|00ff",
        );
        assert_eq!(got[0].before.as_deref(), Some("core-sw1"));
        assert_eq!(got[0].after.as_deref(), Some("0x00ff"));
        assert_eq!(shown_value("4x|zz"), "0xzz");
        assert_eq!(shown_value("4x|"), "");
        assert_eq!(shown_value("2|42"), "42");
        // Lines that are not snmprec are ignored, never a panic.
        assert!(snmp_diff("garbage\n|\n", "garbage").is_empty());
    }

    #[test]
    fn each_source_and_key_is_compared_with_its_previous_value() {
        let sys = "snmp:1.3.6.1.2.1.1";
        let values = vec![
            v(T2, "dns", "ptr", Some("new-name.example.net")),
            v(T0, "dns", "ptr", Some("old-name.example.net")),
            v(T0, "snmp", sys, Some("1.3.6.1.2.1.1.1.0|4|A")),
            v(T1, "snmp", sys, Some("1.3.6.1.2.1.1.1.0|4|B")),
            // The same value again (another job): no change.
            v(T2, "snmp", sys, Some("1.3.6.1.2.1.1.1.0|4|B")),
            // Too long to read: told by size.
            v(T0, "snmp", "snmp:1.3.6.1.2.1.2.2", None),
            v(T1, "snmp", "snmp:1.3.6.1.2.1.2.2", None),
            // Seen once: nothing to compare.
            v(T1, "mdns", "service", Some("_ipp._tcp")),
        ];
        let got = timeline(T0, &[], &[], &values, &[]);
        let kinds: Vec<(&str, String)> = got
            .iter()
            .map(|e| {
                let what = match &e.event {
                    Event::Changed { key, sizes, .. } => format!("{key} {sizes:?}"),
                    other => format!("{other:?}"),
                };
                (e.time.as_str(), what)
            })
            .collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert_eq!(kinds[0], (T2, "ptr None".to_string()));
        assert!(kinds.contains(&(T1, format!("{sys} None"))), "{kinds:?}");
        assert!(
            kinds.contains(&(T1, "snmp:1.3.6.1.2.1.2.2 Some((9000, 9000))".to_string())),
            "{kinds:?}"
        );
        assert_eq!(kinds[3], (T0, "FirstSeen".to_string()));
        let Event::Changed { objects, .. } = &got[0].event else {
            panic!("{got:?}")
        };
        assert_eq!(objects[0].before.as_deref(), Some("old-name.example.net"));
        assert_eq!(objects[0].after.as_deref(), Some("new-name.example.net"));
    }

    #[test]
    fn new_addresses_identity_decisions_and_findings_are_events() {
        let a0 = held("198.51.100.7", T0);
        let a1 = held("198.51.100.70", T1);
        let m1 = held("00:1b:54:00:00:02", T2);
        let log = vec![
            IdentityEvent {
                time: T0.into(),
                kind: "new".into(),
                other_device: None,
                strength: "new".into(),
                facts: vec![],
            },
            IdentityEvent {
                time: T2.into(),
                kind: "merge".into(),
                other_device: Some(9),
                strength: "strong".into(),
                facts: vec![],
            },
        ];
        let got = timeline(
            T0,
            &[("ip", &a0), ("ip", &a1), ("mac", &m1)],
            &log,
            &[],
            &[],
        );
        let events: Vec<&Event> = got.iter().map(|e| &e.event).collect();
        assert_eq!(
            events,
            vec![
                &Event::NewHeld {
                    kind: "mac",
                    value: "00:1b:54:00:00:02".into()
                },
                &Event::Identity {
                    kind: "merge".into(),
                    other: Some(9)
                },
                &Event::NewHeld {
                    kind: "ip",
                    value: "198.51.100.70".into()
                },
                &Event::FirstSeen,
            ]
        );
    }

    #[test]
    fn many_changes_are_cut_to_the_newest() {
        let values: Vec<ObservedValue> = (0..(MAX_EVENTS as u32 + 50))
            .map(|i| {
                v(
                    &format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60),
                    "dns",
                    "ptr",
                    Some(&format!("name-{i}")),
                )
            })
            .collect();
        let got = timeline(T0, &[], &[], &values, &[]);
        assert_eq!(got.len(), MAX_EVENTS);
        assert!(got.windows(2).all(|w| w[0].time >= w[1].time));
    }
}
