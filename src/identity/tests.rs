use super::*;
use proptest::prelude::*;

const H: i64 = 3600;
const NOW: i64 = 1_800_000_000;
const WINDOW: i64 = 24 * H;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn mac(last: u8) -> Mac {
    [0x00, 0x1b, 0x54, 0, 0, last]
}

fn random_mac(last: u8) -> Mac {
    [0xda, 0xa1, 0x19, 0, 0, last]
}

fn serial(s: &str) -> Key {
    Key::Serial {
        enterprise: 9,
        serial: s.into(),
    }
}

fn seen(addr: &str, m: Option<Mac>, keys: Vec<Key>) -> Sighting {
    Sighting {
        ip: Some(ip(addr)),
        mac: m,
        keys,
        ..Sighting::default()
    }
}

fn device(id: i64, addrs: &[(&str, Option<Mac>)], macs: &[Mac], keys: Vec<Key>) -> KnownDevice {
    KnownDevice {
        id,
        keys,
        agent_addresses: Vec::new(),
        agent_macs: Vec::new(),
        addresses: addrs
            .iter()
            .map(|(a, m)| KnownAddress {
                ip: ip(a),
                mac: *m,
                last_seen: NOW - H,
                active: true,
            })
            .collect(),
        macs: macs
            .iter()
            .map(|m| KnownMac {
                mac: *m,
                last_seen: NOW - H,
                active: true,
            })
            .collect(),
    }
}

fn known(devices: Vec<KnownDevice>) -> Known {
    Known {
        devices: devices.into_iter().map(|d| (d.id, d)).collect(),
    }
}

fn run(sightings: &[Sighting], k: &Known) -> (Vec<Group>, Plan) {
    let groups = group(sightings);
    let plan = resolve(&groups, sightings, k, NOW, WINDOW);
    (groups, plan)
}

fn targets(plan: &Plan) -> Vec<(Target, Strength)> {
    plan.assignments
        .iter()
        .map(|a| (a.target, a.strength))
        .collect()
}

#[test]
fn identity_router_two_addresses_one_engine_id_is_one_group() {
    let engine = Key::EngineId("80001f8803001b54000001".into());
    let mut a = seen("198.18.0.254", Some(mac(1)), vec![engine.clone()]);
    a.agent_addresses = vec![ip("198.18.0.254"), ip("198.18.1.254")];
    let b = seen("198.18.1.254", None, vec![engine.clone()]);
    let groups = group(&[b.clone(), a.clone()]);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].ips, vec![ip("198.18.0.254"), ip("198.18.1.254")]);
    assert!(groups[0].links[0].why.contains("address table"));

    // The router's other interface answering nothing but ICMP, with a MAC
    // its agent lists: the same device.
    let mut r = a.clone();
    r.agent_macs = vec![mac(1), mac(2)];
    let quiet = seen("198.18.1.254", Some(mac(2)), vec![]);
    let stranger = seen("198.18.1.254", Some(mac(3)), vec![]);
    assert_eq!(group(&[r.clone(), quiet]).len(), 1);
    assert_eq!(
        group(&[r, stranger]).len(),
        2,
        "another MAC at that address is another device"
    );

    // The same engine ID without the address table: cloned agents, two devices.
    let mut c = a.clone();
    c.agent_addresses.clear();
    assert_eq!(group(&[b, c]).len(), 2);
}

#[test]
fn identity_proxy_arp_mac_never_joins_addresses() {
    let shared = mac(9);
    let s = [
        seen("198.18.1.20", Some(shared), vec![]),
        seen("198.18.1.21", Some(shared), vec![]),
        seen("198.18.1.254", Some(shared), vec![]),
    ];
    let (groups, plan) = run(&s, &Known::default());
    assert_eq!(groups.len(), 3);
    assert!(
        groups
            .iter()
            .all(|g| g.macs.is_empty() && g.shared_macs == [shared])
    );
    assert!(
        targets(&plan)
            .iter()
            .all(|t| *t == (Target::New, Strength::New))
    );

    // Next run: each address stays its own device, by address (MAC agrees).
    let k = known(vec![
        device(1, &[("198.18.1.20", Some(shared))], &[shared], vec![]),
        device(2, &[("198.18.1.21", Some(shared))], &[shared], vec![]),
        device(3, &[("198.18.1.254", Some(shared))], &[shared], vec![]),
    ]);
    let (_, plan) = run(&s, &k);
    assert_eq!(
        targets(&plan),
        vec![
            (Target::Existing(1), Strength::Address),
            (Target::Existing(2), Strength::Address),
            (Target::Existing(3), Strength::Address),
        ]
    );
    assert!(plan.merges.is_empty());
}

#[test]
fn identity_decision_table() {
    struct Case {
        name: &'static str,
        sighting: Sighting,
        known: Vec<KnownDevice>,
        want: (Target, Strength),
    }
    let cases = vec![
        Case {
            name: "nothing known: new",
            sighting: seen("198.51.100.7", Some(mac(1)), vec![]),
            known: vec![],
            want: (Target::New, Strength::New),
        },
        Case {
            name: "moved to another address: the MAC keeps it",
            sighting: seen("198.51.100.9", Some(mac(1)), vec![]),
            known: vec![device(
                4,
                &[("198.51.100.7", Some(mac(1)))],
                &[mac(1)],
                vec![],
            )],
            want: (Target::Existing(4), Strength::Mac),
        },
        Case {
            name: "serial beats MAC",
            sighting: seen("198.51.100.7", Some(mac(2)), vec![serial("FOC1")]),
            known: vec![
                device(
                    1,
                    &[("198.51.100.7", Some(mac(1)))],
                    &[mac(1)],
                    vec![serial("FOC1")],
                ),
                device(
                    2,
                    &[("198.51.100.8", Some(mac(2)))],
                    &[mac(2)],
                    vec![serial("FOC2")],
                ),
            ],
            want: (Target::Existing(1), Strength::Strong),
        },
        Case {
            name: "address held by another MAC: a new device",
            sighting: seen("198.51.100.7", Some(mac(3)), vec![]),
            known: vec![device(
                1,
                &[("198.51.100.7", Some(mac(1)))],
                &[mac(1)],
                vec![],
            )],
            want: (Target::New, Strength::New),
        },
        Case {
            name: "address known without a MAC gains one",
            sighting: seen("198.51.100.7", Some(mac(3)), vec![]),
            known: vec![device(1, &[("198.51.100.7", None)], &[], vec![])],
            want: (Target::Existing(1), Strength::Address),
        },
        Case {
            name: "address alone, outside the window: new",
            sighting: seen("198.51.100.7", None, vec![]),
            known: vec![KnownDevice {
                addresses: vec![KnownAddress {
                    ip: ip("198.51.100.7"),
                    mac: None,
                    last_seen: NOW - 3 * WINDOW,
                    active: true,
                }],
                ..device(1, &[], &[], vec![])
            }],
            want: (Target::New, Strength::New),
        },
        Case {
            name: "a serial that conflicts rules out the MAC's device",
            sighting: seen("198.51.100.7", Some(mac(1)), vec![serial("NEW9")]),
            known: vec![device(
                1,
                &[("198.51.100.7", Some(mac(1)))],
                &[mac(1)],
                vec![serial("OLD1")],
            )],
            want: (Target::New, Strength::New),
        },
        Case {
            name: "private MAC changed, host name and DHCP client id agree",
            sighting: seen(
                "198.51.100.50",
                Some(random_mac(2)),
                vec![
                    Key::Hostname("pat-phone".into()),
                    Key::DhcpClientId("01aa".into()),
                ],
            ),
            known: vec![device(
                7,
                &[("198.51.100.50", Some(random_mac(1)))],
                &[random_mac(1)],
                vec![
                    Key::Hostname("pat-phone".into()),
                    Key::DhcpClientId("01aa".into()),
                ],
            )],
            want: (Target::Existing(7), Strength::WeakPair),
        },
        Case {
            name: "private MAC changed, only the host name agrees: new",
            sighting: seen(
                "198.51.100.50",
                Some(random_mac(2)),
                vec![Key::Hostname("pat-phone".into())],
            ),
            known: vec![device(
                7,
                &[("198.51.100.50", Some(random_mac(1)))],
                &[random_mac(1)],
                vec![Key::Hostname("pat-phone".into())],
            )],
            want: (Target::New, Strength::New),
        },
        Case {
            name: "the same private MAC continues its device",
            sighting: seen("198.51.100.51", Some(random_mac(1)), vec![]),
            known: vec![device(
                7,
                &[("198.51.100.50", Some(random_mac(1)))],
                &[random_mac(1)],
                vec![],
            )],
            want: (Target::Existing(7), Strength::Mac),
        },
    ];
    for c in cases {
        let (_, plan) = run(std::slice::from_ref(&c.sighting), &known(c.known));
        assert_eq!(targets(&plan), vec![c.want], "{}", c.name);
    }
}

#[test]
fn identity_strong_key_merges_two_known_devices() {
    // One walk shows the chassis serial of device 3 and the bridge MAC of device 5.
    let bridge = Key::ChassisMac(mac(0x50));
    let s = [seen(
        "198.51.100.7",
        Some(mac(1)),
        vec![serial("FOC1"), bridge.clone()],
    )];
    let k = known(vec![
        device(
            5,
            &[("198.51.100.8", Some(mac(2)))],
            &[mac(2)],
            vec![bridge],
        ),
        device(
            3,
            &[("198.51.100.7", Some(mac(1)))],
            &[mac(1)],
            vec![serial("FOC1")],
        ),
    ]);
    let (_, plan) = run(&s, &k);
    assert_eq!(plan.merges.len(), 1);
    assert_eq!((plan.merges[0].into, plan.merges[0].from), (3, 5));
    assert_eq!(
        targets(&plan),
        vec![(Target::Existing(3), Strength::Strong)]
    );
}

#[test]
fn identity_mac_joins_keyless_history_to_the_device_with_keys() {
    // Device 2 was seen by ARP only; now SNMP answers there with a serial
    // that device 1 (seen at another address) has.
    let s = [seen("198.51.100.8", Some(mac(2)), vec![serial("FOC1")])];
    let k = known(vec![
        device(
            1,
            &[("198.51.100.7", Some(mac(1)))],
            &[mac(1)],
            vec![serial("FOC1")],
        ),
        device(2, &[("198.51.100.8", Some(mac(2)))], &[mac(2)], vec![]),
    ]);
    let (_, plan) = run(&s, &k);
    assert_eq!(plan.merges.len(), 1, "{plan:?}");
    assert_eq!(
        (
            plan.merges[0].into,
            plan.merges[0].from,
            plan.merges[0].strength
        ),
        (1, 2, Strength::Mac)
    );
    // A random MAC never merges.
    let s = [seen(
        "198.51.100.8",
        Some(random_mac(2)),
        vec![serial("FOC1")],
    )];
    let k = known(vec![
        device(
            1,
            &[("198.51.100.7", Some(mac(1)))],
            &[mac(1)],
            vec![serial("FOC1")],
        ),
        device(
            2,
            &[("198.51.100.8", Some(random_mac(2)))],
            &[random_mac(2)],
            vec![],
        ),
    ]);
    assert!(run(&s, &k).1.merges.is_empty());
}

#[test]
fn identity_two_groups_on_one_device_split_the_weaker() {
    // Device 1 had two addresses; now each answers with its own MAC, with
    // no key tying them: the address match leaves, as a new device.
    let s = [
        seen("198.51.100.7", Some(mac(1)), vec![]),
        seen("198.51.100.8", Some(mac(9)), vec![]),
    ];
    let k = known(vec![device(
        1,
        &[("198.51.100.7", Some(mac(1))), ("198.51.100.8", None)],
        &[mac(1)],
        vec![],
    )]);
    let (_, plan) = run(&s, &k);
    assert_eq!(
        targets(&plan),
        vec![
            (Target::Existing(1), Strength::Mac),
            (Target::New, Strength::New)
        ]
    );
    assert_eq!(plan.splits.len(), 1);
    assert_eq!((plan.splits[0].from, plan.splits[0].group), (1, 1));
}

#[test]
fn identity_keys_round_trip_and_placeholders() {
    let keys = [
        serial("FOC1234X0AB"),
        Key::ChassisMac(mac(7)),
        Key::EngineId("80001f88".into()),
        Key::SysName("core-sw1".into()),
        Key::Hostname("core-sw1.example.test".into()),
        Key::MdnsName("printer.local".into()),
        Key::DhcpClientId("01001b54000007".into()),
    ];
    for k in keys {
        assert_eq!(Key::parse(k.kind(), &k.value()), Some(k.clone()), "{k}");
    }
    assert_eq!(Key::parse("nope", "x"), None);
    for p in [
        "",
        "0",
        "N/A",
        "000000",
        "123456789",
        "xx",
        "To be filled by O.E.M.",
    ] {
        assert!(keys::is_placeholder_serial(p), "{p}");
    }
    for s in ["FOC1234X0AB", "CN0123", "2102351234"] {
        assert!(!keys::is_placeholder_serial(s), "{s}");
    }
    assert_eq!(
        keys::name_key("Core-SW1.Example.Test."),
        Some("core-sw1.example.test".into())
    );
    assert_eq!(keys::name_key("localhost"), None);
    assert_eq!(keys::name_key("198.51.100.7"), None);
}

#[test]
fn identity_snmp_keys_from_facts() {
    use crate::facts::{Oid, SnmpFacts, Value};
    let mut f = SnmpFacts::new();
    let o = |s: &str| Oid::parse(s).unwrap();
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    f.insert(
        o("1.3.6.1.2.1.1.2.0"),
        Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
    );
    f.insert(o("1.3.6.1.2.1.1.5.0"), text("Core-SW1"));
    f.insert(o("1.3.6.1.2.1.47.1.1.1.1.5.1"), Value::Integer(3));
    f.insert(o("1.3.6.1.2.1.47.1.1.1.1.11.1"), text("FOC1234X0AB"));
    f.insert(o("1.3.6.1.2.1.47.1.1.1.1.5.2"), Value::Integer(9));
    f.insert(o("1.3.6.1.2.1.47.1.1.1.1.11.2"), text("MODULE-SERIAL"));
    f.insert(
        o("1.3.6.1.2.1.17.1.1.0"),
        Value::OctetString(mac(0x50).to_vec()),
    );
    f.insert(
        o("1.3.6.1.6.3.10.2.1.1.0"),
        Value::OctetString(vec![0x80, 0, 0, 9, 3, 1, 2]),
    );
    f.insert(o("1.3.6.1.2.1.4.20.1.2.198.51.100.7"), Value::Integer(1));
    f.insert(o("1.3.6.1.2.1.4.20.1.2.127.0.0.1"), Value::Integer(2));
    let k = snmp_keys(&f);
    assert_eq!(
        k.keys,
        vec![
            serial("FOC1234X0AB"),
            Key::ChassisMac(mac(0x50)),
            Key::EngineId("80000009030102".into()),
            Key::SysName("core-sw1".into()),
        ]
    );
    assert_eq!(k.addresses, vec![ip("198.51.100.7")]);
}

fn arb_sighting() -> impl Strategy<Value = Sighting> {
    (
        0u8..6,
        proptest::option::of(0u8..4),
        proptest::bool::ANY,
        proptest::collection::vec(0u8..5, 0..3),
    )
        .prop_map(|(host, m, random, keys)| Sighting {
            ip: Some(IpAddr::from([198, 51, 100, host])),
            mac: m.map(|x| if random { random_mac(x) } else { mac(x) }),
            mac_via_router: false,
            keys: keys
                .into_iter()
                .map(|k| match k {
                    0 => serial("S1"),
                    1 => serial("S2"),
                    2 => Key::ChassisMac(mac(0x70)),
                    3 => Key::Hostname("h".into()),
                    _ => Key::DhcpClientId("01".into()),
                })
                .collect(),
            agent_addresses: Vec::new(),
            agent_macs: Vec::new(),
        })
}

fn arb_known() -> impl Strategy<Value = Known> {
    proptest::collection::vec(
        (
            0u8..6,
            proptest::option::of(0u8..4),
            proptest::collection::vec(0u8..5, 0..2),
        ),
        0..4,
    )
    .prop_map(|devs| {
        known(
            devs.into_iter()
                .enumerate()
                .map(|(i, (host, m, keys))| {
                    let addr = format!("198.51.100.{host}");
                    let mm: Vec<Mac> = m.map(mac).into_iter().collect();
                    device(
                        i64::try_from(i).unwrap_or(0) + 1,
                        &[(addr.as_str(), m.map(mac))],
                        &mm,
                        keys.into_iter()
                            .map(|k| match k {
                                0 => serial("S1"),
                                1 => serial("S2"),
                                2 => Key::ChassisMac(mac(0x70)),
                                3 => Key::Hostname("h".into()),
                                _ => Key::DhcpClientId("01".into()),
                            })
                            .collect(),
                    )
                })
                .collect(),
        )
    })
}

proptest! {
    /// The order sightings arrive in never changes who is who.
    #[test]
    fn identity_is_independent_of_sighting_order(
        sightings in proptest::collection::vec(arb_sighting(), 0..8),
        k in arb_known(),
        seed in 0usize..1000,
    ) {
        let (g1, p1) = run(&sightings, &k);
        let mut shuffled = sightings.clone();
        let n = shuffled.len();
        if n > 1 {
            shuffled.rotate_left(seed % n);
            shuffled.swap(0, (seed / 7) % n);
        }
        let (g2, p2) = run(&shuffled, &k);
        let view = |g: &[Group], p: &Plan| -> Vec<(Vec<IpAddr>, Target, Strength)> {
            p.assignments.iter().map(|a| (g[a.group].ips.clone(), a.target, a.strength)).collect()
        };
        prop_assert_eq!(view(&g1, &p1), view(&g2, &p2));
        prop_assert_eq!(p1.merges, p2.merges);
    }

    /// Every group gets exactly one decision; merges go to the older id;
    /// no device is claimed twice except by strong keys.
    #[test]
    fn identity_plan_is_consistent(
        sightings in proptest::collection::vec(arb_sighting(), 0..8),
        k in arb_known(),
    ) {
        let (groups, plan) = run(&sightings, &k);
        prop_assert_eq!(plan.assignments.len(), groups.len());
        for m in &plan.merges {
            prop_assert!(m.into < m.from);
        }
        let mut claimed: std::collections::BTreeMap<i64, Vec<Strength>> = Default::default();
        for a in &plan.assignments {
            if let Target::Existing(id) = a.target {
                claimed.entry(id).or_default().push(a.strength);
            }
        }
        for (_, s) in claimed {
            prop_assert!(s.len() == 1 || s.iter().all(|x| *x == Strength::Strong));
        }
    }
}

fn phone(id: i64, m: Mac, keys: Vec<Key>) -> KnownDevice {
    device(id, &[("198.18.140.70", Some(m))], &[m], keys)
}

#[test]
fn identity_same_mdns_name_with_a_new_random_mac_continues_the_device() {
    let name = Key::MdnsName("annas-iphone.local".into());
    let k = known(vec![
        phone(1, random_mac(1), vec![name.clone()]),
        device(2, &[("198.18.140.71", Some(mac(2)))], &[mac(2)], vec![]),
    ]);
    // A new private MAC, at another address: the name alone continues it.
    let s = [seen(
        "198.18.140.90",
        Some(random_mac(2)),
        vec![name.clone()],
    )];
    let (_, plan) = run(&s, &k);
    assert_eq!(targets(&plan), vec![(Target::Existing(1), Strength::Name)]);
    let facts = &plan.assignments[0].facts;
    assert!(
        facts.contains(&"mdns_name annas-iphone.local".to_string()),
        "{facts:?}"
    );
    assert!(
        facts.iter().any(|f| f.starts_with("randomised mac")),
        "{facts:?}"
    );
    assert!(plan.merges.is_empty());

    // The same holds for a DHCP client id or host name.
    for key in [
        Key::DhcpClientId("ff00112233".into()),
        Key::DhcpHostname("annas-iphone".into()),
    ] {
        let k = known(vec![phone(1, random_mac(1), vec![key.clone()])]);
        let s = [seen(
            "198.18.140.91",
            Some(random_mac(3)),
            vec![key.clone()],
        )];
        assert_eq!(
            targets(&run(&s, &k).1),
            vec![(Target::Existing(1), Strength::Name)],
            "{key}"
        );
    }
}

#[test]
fn identity_two_different_names_with_random_macs_stay_two_devices() {
    let a = Key::MdnsName("annas-iphone.local".into());
    let b = Key::MdnsName("bens-iphone.local".into());
    let k = known(vec![phone(1, random_mac(1), vec![a.clone()])]);
    let s = [
        seen("198.18.140.90", Some(random_mac(2)), vec![b.clone()]),
        seen("198.18.140.91", Some(random_mac(3)), vec![]),
    ];
    let (groups, plan) = run(&s, &k);
    assert_eq!(groups.len(), 2);
    assert_eq!(
        targets(&plan),
        vec![(Target::New, Strength::New), (Target::New, Strength::New)]
    );
    // Two new private MACs in one run, two names: two devices.
    let s = [
        seen("198.18.140.92", Some(random_mac(4)), vec![a.clone()]),
        seen("198.18.140.93", Some(random_mac(5)), vec![b.clone()]),
    ];
    let (groups, plan) = run(&s, &Known::default());
    assert_eq!(groups.len(), 2);
    assert!(targets(&plan).iter().all(|t| t.0 == Target::New));
}

#[test]
fn identity_a_chosen_name_alone_needs_a_random_mac_and_one_holder() {
    let name = Key::DhcpHostname("iphone".into());
    // A new burnt-in MAC with a known name: another NIC, not continued.
    let k = known(vec![phone(1, random_mac(1), vec![name.clone()])]);
    let s = [seen("198.18.140.90", Some(mac(9)), vec![name.clone()])];
    assert_eq!(targets(&run(&s, &k).1), vec![(Target::New, Strength::New)]);
    // Two devices called `iphone`: nobody's match.
    let k = known(vec![
        phone(1, random_mac(1), vec![name.clone()]),
        phone(2, random_mac(2), vec![name.clone()]),
    ]);
    let s = [seen(
        "198.18.140.90",
        Some(random_mac(3)),
        vec![name.clone()],
    )];
    assert_eq!(targets(&run(&s, &k).1), vec![(Target::New, Strength::New)]);
    // Two names pointing at two devices: nobody's match.
    let other = Key::MdnsName("annas-iphone.local".into());
    let k = known(vec![
        phone(1, random_mac(1), vec![name.clone()]),
        phone(2, random_mac(2), vec![other.clone()]),
    ]);
    let s = [seen(
        "198.18.140.90",
        Some(random_mac(3)),
        vec![name, other],
    )];
    assert_eq!(targets(&run(&s, &k).1), vec![(Target::New, Strength::New)]);
}
