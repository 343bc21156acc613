//! Findings made by real runs through the store (begin, record, finish).

use super::*;
use crate::audit::{AckTarget, ConfigAck, Policy, SubnetPolicy};
use crate::facts::{Oid, SnmpFacts, Value};
use crate::fingerprint::Engine;
use crate::inventory::Source;
use crate::record::{Seen, SnmpSeen};
use crate::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use std::path::PathBuf;
use std::sync::Arc;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-findings-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("p.db")
}

fn host(ip: &str, mac: [u8; 6]) -> Seen {
    Seen {
        ip: Some(ip.parse().unwrap()),
        mac: Some(mac),
        sources: vec![Source::Arp],
        ..Seen::default()
    }
}

fn o(s: &str) -> Oid {
    Oid::parse(s).unwrap()
}

fn text(f: &mut SnmpFacts, oid: &str, v: &str) {
    f.insert(o(oid), Value::OctetString(v.as_bytes().to_vec()));
}

/// A switch answering SNMP v2c with `credential`: the system group of a
/// Cisco Catalyst, ports 1..=8 (ifIndex 10001..), a forwarding table
/// (`fdb`: bridge port and MAC), and LLDP neighbours on `lldp_ports`.
fn switch(
    ip: &str,
    mac: [u8; 6],
    credential: &str,
    fdb: &[(u32, [u8; 6])],
    lldp_ports: &[u32],
) -> Seen {
    let mut f = SnmpFacts::new();
    text(
        &mut f,
        "1.3.6.1.2.1.1.1.0",
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4",
    );
    f.insert(
        o("1.3.6.1.2.1.1.2.0"),
        Value::ObjectId(o("1.3.6.1.4.1.9.1.1208")),
    );
    text(&mut f, "1.3.6.1.2.1.1.5.0", "access-sw1");
    for port in 1..=8u32 {
        let ifindex = 10_000 + port;
        f.insert(
            o(&format!("1.3.6.1.2.1.17.1.4.1.2.{port}")),
            Value::Integer(i64::from(ifindex)),
        );
        text(
            &mut f,
            &format!("1.3.6.1.2.1.31.1.1.1.1.{ifindex}"),
            &format!("Gi1/0/{port}"),
        );
    }
    for (port, m) in fdb {
        let arcs = m
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(".");
        f.insert(
            o(&format!("1.3.6.1.2.1.17.4.3.1.2.{arcs}")),
            Value::Integer(i64::from(*port)),
        );
        f.insert(
            o(&format!("1.3.6.1.2.1.17.4.3.1.3.{arcs}")),
            Value::Integer(3),
        );
    }
    for (i, port) in lldp_ports.iter().enumerate() {
        let idx = format!("0.{}.{}", 10_000 + port, i + 1);
        text(
            &mut f,
            &format!("1.0.8802.1.1.2.1.4.1.1.9.{idx}"),
            "core-sw",
        );
        text(
            &mut f,
            &format!("1.0.8802.1.1.2.1.4.1.1.7.{idx}"),
            "Te1/1/1",
        );
    }
    let mut s = host(ip, mac);
    s.sources.push(Source::Snmp);
    s.snmp = Some(SnmpSeen {
        version: "2c".into(),
        credential: credential.into(),
        facts: f,
        walked_at: None,
    });
    s
}

struct Lab {
    store: Store,
    engine: Engine,
    opts: DeriveOptions,
}

impl Lab {
    fn new(name: &str, policy: Policy) -> Lab {
        Lab {
            store: Store::open(&temp_db(name)).unwrap(),
            engine: Engine::builtin().unwrap(),
            opts: DeriveOptions {
                policy: Arc::new(policy),
                ..DeriveOptions::default()
            },
        }
    }

    fn run(&mut self, time: &str, seen: &[Seen]) -> i64 {
        let id = self
            .store
            .begin_run(&RunStart {
                job: "default",
                started_at: time,
                targets: "198.18.1.0/24",
                exclude: "",
                addresses: 254,
                excluded: 0,
                rate: 100,
                credentials: vec!["office".into()],
            })
            .unwrap();
        self.store.record(id, seen).unwrap();
        self.store
            .finish_run(
                id,
                &RunEnd {
                    status: RunStatus::Done,
                    error: None,
                    finished_at: time.to_string(),
                    answered: seen.len(),
                    snmp_ok: seen.iter().filter(|s| s.snmp.is_some()).count(),
                },
                &self.engine,
                &self.opts,
            )
            .unwrap();
        id
    }

    fn all(&self) -> Vec<FindingRow> {
        let mut v = self
            .store
            .findings(&FindingQuery {
                limit: 1000,
                ..FindingQuery::default()
            })
            .unwrap()
            .items;
        v.reverse();
        v
    }

    fn holding(&self, kind: &str) -> Vec<FindingRow> {
        self.all()
            .into_iter()
            .filter(|f| f.kind == kind && f.state != "resolved")
            .collect()
    }

    fn events(&self) -> Vec<(i64, String)> {
        let mut stmt = self
            .store
            .connection()
            .prepare("SELECT finding_id, event FROM finding_events ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

const PC: [u8; 6] = [0x00, 0x1b, 0x21, 0x00, 0x00, 0x10];
const PRINTER: [u8; 6] = [0x00, 0x1b, 0x21, 0x00, 0x00, 0x11];
// Locally administered: the second-lowest bit of the first byte.
const PHONE: [u8; 6] = [0xda, 0xa1, 0x19, 0x00, 0x00, 0x12];

#[test]
fn findings_open_while_a_condition_holds_and_resolve_when_it_clears() {
    let mut lab = Lab::new("lifecycle", Policy::default());
    // The first run is the starting inventory: nothing is new.
    lab.run(
        "2026-12-01T08:00:00Z",
        &[host("198.18.1.10", PC), host("198.18.1.11", PRINTER)],
    );
    assert!(lab.holding("new_device").is_empty());
    assert!(lab.holding("randomized_mac").is_empty());

    // A phone with a randomised MAC joins.
    lab.run(
        "2026-12-01T09:00:00Z",
        &[
            host("198.18.1.10", PC),
            host("198.18.1.11", PRINTER),
            host("198.18.1.12", PHONE),
        ],
    );
    let new = lab.holding("new_device");
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].ip.as_deref(), Some("198.18.1.12"));
    assert_eq!(new[0].state, "open");
    let random = lab.holding("randomized_mac");
    assert_eq!(random.len(), 1);
    assert_eq!(random[0].mac.as_deref(), Some("da:a1:19:00:00:12"));
    assert!(
        random[0]
            .evidence
            .iter()
            .any(|e| e.source == "arp" && e.value.contains("da:a1:19"))
    );

    // Seen again: the same findings, last_seen moved, no new rows.
    lab.run(
        "2026-12-01T10:00:00Z",
        &[
            host("198.18.1.10", PC),
            host("198.18.1.11", PRINTER),
            host("198.18.1.12", PHONE),
        ],
    );
    let again = lab.holding("new_device");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, new[0].id);
    assert_eq!(again[0].last_seen, "2026-12-01T10:00:00Z");
    assert_eq!(again[0].first_seen, "2026-12-01T09:00:00Z");

    // Gone: both resolve, kept as history.
    lab.run(
        "2026-12-01T11:00:00Z",
        &[host("198.18.1.10", PC), host("198.18.1.11", PRINTER)],
    );
    assert!(lab.holding("new_device").is_empty());
    assert!(lab.holding("randomized_mac").is_empty());
    let all = lab.all();
    let resolved: Vec<&FindingRow> = all.iter().filter(|f| f.state == "resolved").collect();
    assert_eq!(resolved.len(), 2);
    assert!(
        resolved
            .iter()
            .all(|f| f.resolved_at.as_deref() == Some("2026-12-01T11:00:00Z"))
    );
    let events = lab.events();
    assert_eq!(
        events.iter().filter(|(_, e)| e == "opened").count(),
        2,
        "{events:?}"
    );
    assert_eq!(events.iter().filter(|(_, e)| e == "resolved").count(), 2);

    // Back again: a new occurrence, the old one stays resolved.
    lab.run(
        "2026-12-01T12:00:00Z",
        &[host("198.18.1.10", PC), host("198.18.1.12", PHONE)],
    );
    let back = lab.holding("randomized_mac");
    assert_eq!(back.len(), 1);
    assert_ne!(back[0].id, random[0].id);
    // The printer was not seen this time but nothing held on it.
    assert_eq!(
        lab.all()
            .iter()
            .filter(|f| f.kind == "randomized_mac")
            .count(),
        2
    );
}

#[test]
fn findings_hold_devices_to_the_policy_and_the_credentials() {
    let mut policy = Policy::default();
    policy.default_credentials.insert("office".into());
    policy.subnets.push(SubnetPolicy {
        subnet: "198.18.1.0/24".parse().unwrap(),
        allow_vendors: vec![],
        deny_vendors: vec![],
        allow_classes: vec![],
        require_origin: Some("domestic".into()),
        require_snmp_v3: true,
    });
    let mut lab = Lab::new("policy", policy);
    lab.run(
        "2026-12-01T08:00:00Z",
        &[switch(
            "198.18.1.2",
            [0x00, 0x1e, 0x14, 0, 0, 1],
            "office",
            &[],
            &[],
        )],
    );
    let kinds: Vec<String> = lab
        .all()
        .into_iter()
        .filter(|f| f.state == "open")
        .map(|f| f.kind)
        .collect();
    for want in ["policy_origin", "default_community", "snmp_v3_required"] {
        assert!(
            kinds.iter().any(|k| k == want),
            "{want} missing from {kinds:?}"
        );
    }
    let origin = &lab.holding("policy_origin")[0];
    assert!(origin.summary.contains("foreign"), "{}", origin.summary);
    // The evidence cites the fingerprint's source for the origin and the rule.
    assert!(
        origin
            .evidence
            .iter()
            .any(|e| e.source.starts_with("fingerprint")),
        "{:?}",
        origin.evidence
    );
    assert!(origin.evidence.iter().any(|e| e.source == "policy"));
    let dc = &lab.holding("default_community")[0];
    assert!(dc.evidence.iter().any(|e| e.value.contains("office")));
}

fn m(n: u8) -> [u8; 6] {
    [0x00, 0x1b, 0x21, 0x10, 0x00, n]
}

#[test]
fn findings_see_an_unmanaged_switch_behind_an_access_port_not_a_trunk() {
    let mut lab = Lab::new("fdb", Policy::default());
    // Port 5: three desks' MACs, no neighbour. Port 1: the uplink, ten
    // MACs and an LLDP neighbour. Port 3: a PC and its phone.
    let mut fdb: Vec<(u32, [u8; 6])> = (1..=3).map(|i| (5, m(i))).collect();
    fdb.extend((20..30).map(|i| (1, m(i))));
    fdb.extend([(3, m(40)), (3, m(41))]);
    let sw = |fdb: &[(u32, [u8; 6])]| {
        switch("198.18.1.2", [0x00, 0x1e, 0x14, 0, 0, 1], "lab", fdb, &[1])
    };
    lab.run("2026-12-01T08:00:00Z", &[sw(&fdb)]);
    let found = lab.holding("unmanaged_switch");
    let ports: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(ports.len(), 1, "{ports:?}");
    assert!(ports[0].ends_with(":Gi1/0/5"), "{ports:?}");
    let f = &found[0];
    assert_eq!(
        f.evidence.iter().filter(|e| e.key == "fdb Gi1/0/5").count(),
        3
    );
    assert!(f.evidence.iter().any(|e| e.value == "no neighbour"));

    // A desk's MAC moves to port 7; the hub on port 5 shrinks to two.
    let mut moved: Vec<(u32, [u8; 6])> = vec![(5, m(1)), (5, m(2)), (7, m(3))];
    moved.extend((20..30).map(|i| (1, m(i))));
    lab.run("2026-12-01T09:00:00Z", &[sw(&moved)]);
    assert!(
        lab.holding("unmanaged_switch").is_empty(),
        "two MACs are not a switch"
    );
    let mv = lab.holding("mac_moved");
    assert_eq!(mv.len(), 1, "{mv:?}");
    assert_eq!(mv[0].mac.as_deref(), Some("00:1b:21:10:00:03"));
    assert!(mv[0].summary.contains("Gi1/0/5") && mv[0].summary.contains("Gi1/0/7"));
    // Uplink MACs never "move" (they are on a trunk).
    assert!(mv.iter().all(|f| !f.summary.contains("Gi1/0/1 ")));
}

#[test]
fn findings_acknowledged_by_the_cli_and_the_config_survive_a_rebuild() {
    let key_ack = ConfigAck {
        target: AckTarget::Key("randomized_mac:device:3".into()),
        reason: "the lab phone".into(),
        by: "ops".into(),
    };
    let mut policy = Policy::default();
    policy.acks.push(key_ack);
    let mut lab = Lab::new("acks", policy);
    lab.run("2026-12-01T08:00:00Z", &[host("198.18.1.10", PC)]);
    lab.run(
        "2026-12-01T09:00:00Z",
        &[
            host("198.18.1.10", PC),
            host("198.18.1.11", PRINTER),
            host("198.18.1.12", PHONE),
        ],
    );
    let new = lab.holding("new_device");
    assert_eq!(new.len(), 2);
    let printer = new
        .iter()
        .find(|f| f.ip.as_deref() == Some("198.18.1.11"))
        .unwrap();
    let acked = lab
        .store
        .acknowledge_finding(
            printer.id,
            "bought by facilities",
            "alice",
            "2026-12-01T09:30:00Z",
        )
        .unwrap();
    assert_eq!(acked.state, "acknowledged");
    assert_eq!(acked.ack.as_ref().unwrap().by, "alice");
    let random = &lab.holding("randomized_mac")[0];
    assert_eq!(
        random.key, "randomized_mac:device:3",
        "the device ids are the test's premise"
    );
    assert_eq!(random.state, "acknowledged");
    assert_eq!(random.ack.as_ref().unwrap().by, "ops (config)");
    assert!(matches!(
        lab.store.acknowledge_finding(9999, "x", "alice", "t"),
        Err(AckError::NoSuchFinding(9999))
    ));
    assert!(matches!(
        lab.store
            .acknowledge_finding(printer.id, "  ", "alice", "t"),
        Err(AckError::NoReason)
    ));

    let filtered = lab
        .store
        .findings(&FindingQuery {
            state: Some("acknowledged".into()),
            ..FindingQuery::default()
        })
        .unwrap();
    assert_eq!(filtered.items.len(), 2);
    let open_only = lab
        .store
        .findings(&FindingQuery {
            state: Some("open".into()),
            ..FindingQuery::default()
        })
        .unwrap();
    assert!(open_only.items.iter().all(|f| f.ack.is_none()));

    // Rebuilt: the same findings, ids and acknowledgements.
    let before = lab.all();
    let opts = lab.opts.clone();
    lab.store.rebuild(&lab.engine, &opts).unwrap();
    let after = lab.all();
    assert_eq!(before, after);
    let cursor: i64 = lab
        .store
        .connection()
        .query_row("SELECT last_event_id FROM alert_state", [], |r| r.get(0))
        .unwrap();
    let newest: i64 = lab
        .store
        .connection()
        .query_row("SELECT MAX(id) FROM finding_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        cursor, newest,
        "a rebuild's history is not news for the alerts"
    );
}

#[test]
fn findings_page_and_refuse_bad_filters() {
    let mut lab = Lab::new("paging", Policy::default());
    lab.run("2026-12-01T08:00:00Z", &[host("198.18.1.10", PC)]);
    let phones: Vec<Seen> = (0..5u8)
        .map(|i| host(&format!("198.18.1.{}", 50 + i), [0xda, 0, 0, 0, 1, i]))
        .collect();
    lab.run("2026-12-01T09:00:00Z", &phones);
    let mut seen = Vec::new();
    let mut after = None;
    for _ in 0..20 {
        let page = lab
            .store
            .findings(&FindingQuery {
                limit: 3,
                after: after.clone(),
                kind: Some("randomized_mac".into()),
                ..FindingQuery::default()
            })
            .unwrap();
        seen.extend(page.items.iter().map(|f| f.id));
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats");
    for bad in [
        FindingQuery {
            kind: Some("nope".into()),
            ..FindingQuery::default()
        },
        FindingQuery {
            state: Some("closed".into()),
            ..FindingQuery::default()
        },
        FindingQuery {
            severity: Some("critical".into()),
            ..FindingQuery::default()
        },
        FindingQuery {
            after: Some("x'; DROP TABLE findings".into()),
            ..FindingQuery::default()
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
}

#[test]
fn findings_follow_an_imported_register_at_once() {
    let mut lab = Lab::new("register", Policy::default());
    lab.run(
        "2026-12-01T08:00:00Z",
        &[host("198.18.1.10", PC), host("198.18.1.11", PRINTER)],
    );
    assert!(
        lab.holding("unregistered").is_empty(),
        "no register, no finding"
    );
    let csv = "资产编号,MAC地址,保修截止,责任人\nZC-001,00-1B-21-00-00-10,2027-06-30,张三\nZC-002,,2026-11-30,李四\n";
    let register = crate::assets::read("台账.csv", csv.as_bytes()).unwrap();
    lab.store
        .import_assets(&register, "台账.csv", "sha", "2026-12-01T08:30:00Z", false)
        .unwrap()
        .unwrap();
    let opts = lab.opts.clone();
    lab.store.reevaluate_findings(&opts).unwrap().unwrap();
    let unregistered = lab.holding("unregistered");
    assert_eq!(unregistered.len(), 1, "{unregistered:?}");
    assert_eq!(unregistered[0].ip.as_deref(), Some("198.18.1.11"));
    let warranty = lab.holding("warranty");
    assert_eq!(warranty.len(), 1, "{warranty:?}");
    assert_eq!(warranty[0].key, "warranty:asset:ZC-002:ended");
    assert_eq!(warranty[0].asset_tag.as_deref(), Some("ZC-002"));
    // Evaluating again changes nothing.
    let again = lab.store.reevaluate_findings(&opts).unwrap().unwrap();
    assert_eq!((again.opened, again.resolved), (0, 0));
    // The printer registered too: its finding resolves at once.
    let csv = "资产编号,MAC地址\nZC-003,00:1b:21:00:00:11\n";
    let register = crate::assets::read("台账2.csv", csv.as_bytes()).unwrap();
    lab.store
        .import_assets(
            &register,
            "台账2.csv",
            "sha2",
            "2026-12-01T08:40:00Z",
            false,
        )
        .unwrap()
        .unwrap();
    lab.store.reevaluate_findings(&opts).unwrap().unwrap();
    assert!(lab.holding("unregistered").is_empty());
}
