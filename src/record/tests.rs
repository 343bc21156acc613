use super::*;
use crate::announce::Announced;
use crate::facts::Value;
use proptest::prelude::*;

fn o(s: &str) -> Oid {
    Oid::parse(s).unwrap()
}

fn sample() -> Seen {
    let mut facts = SnmpFacts::new();
    facts.insert(
        o("1.3.6.1.2.1.1.1.0"),
        Value::OctetString(b"Cisco IOS".to_vec()),
    );
    facts.insert(o("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(12345));
    facts.insert(
        o("1.3.6.1.2.1.1.5.0"),
        Value::OctetString(b"core\n|sw".to_vec()),
    );
    facts.insert(
        o("1.3.6.1.2.1.2.2.1.2.1"),
        Value::OctetString(b"Gi0/1".to_vec()),
    );
    facts.insert(o("1.3.6.1.2.1.2.2.1.10.1"), Value::Counter32(99));
    facts.insert(o("1.3.6.1.2.1.25.2.3.1.6.1"), Value::Integer(4096));
    facts.insert(o("1.3.6.1.4.1.9.9.1.2.3"), Value::Gauge32(7));
    Seen {
        ip: Some("198.51.100.7".parse().unwrap()),
        mac: Some([0, 0x1b, 0x54, 0, 0, 7]),
        via: vec![],
        sources: vec![
            Source::Arp,
            Source::Icmp,
            Source::Snmp,
            Source::Dns,
            Source::Dhcp,
            Source::Mdns,
            Source::Tcp,
        ],
        rtt_ms: Some(0.25),
        hostname: Some("core-sw1.example.test".into()),
        snmp: Some(SnmpSeen {
            version: "2c".into(),
            credential: "office".into(),
            facts,
            walked_at: None,
        }),
        dhcp_offers: vec!["offered=198.51.100.120 server=198.51.100.7 mask=255.255.255.0".into()],
        announced: {
            let mut a: Vec<Announced> = [
                (Source::Mdns, "service", "_ipp._tcp"),
                (Source::Mdns, "txt:model", "J9774A"),
                (Source::Tcp, "ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2"),
                (Source::Tcp, "open", "22"),
            ]
            .iter()
            .filter_map(|(s, k, v)| Announced::new(*s, k, v))
            .collect();
            crate::announce::tidy(&mut a);
            a
        },
    }
}

#[test]
fn record_round_trips_and_keeps_volatile_values_apart() {
    let s = sample();
    let (rec, vol) = encode(&s);
    let keys: Vec<&str> = rec.iter().map(|t| t.key.as_str()).collect();
    assert!(keys.contains(&"snmp:1.3.6.1.2.1.1"), "{keys:?}");
    assert!(keys.contains(&"snmp:1.3.6.1.2.1.2.2"), "{keys:?}");
    assert!(keys.contains(&"snmp:1.3.6.1.4.1.9.9"), "{keys:?}");
    let all: String = rec.iter().map(|t| t.value.clone()).collect();
    assert!(!all.contains("1.3.6.1.2.1.1.3.0"), "uptime is volatile");
    assert!(
        !all.contains("1.3.6.1.2.1.2.2.1.10.1"),
        "counters are volatile"
    );
    assert!(
        !all.contains("1.3.6.1.2.1.25.2.3.1.6.1"),
        "storage used is volatile"
    );
    let (ip, mac) = subject(&s);
    assert_eq!(
        (ip.as_str(), mac.as_str()),
        ("198.51.100.7", "00:1b:54:00:00:07")
    );

    let back = decode(&ip, &mac, &rec, &vol);
    assert_eq!(
        back, s,
        "record plus volatile values give the sighting back"
    );
    let stable = decode(&ip, &mac, &rec, &[]);
    assert_eq!(stable.rtt_ms, None);
    let facts = &stable.snmp.as_ref().unwrap().facts;
    assert_eq!(facts.len(), 4);
    assert_eq!(
        facts.get(&o("1.3.6.1.2.1.1.5.0")),
        Some(&Value::OctetString(b"core\n|sw".to_vec())),
        "bytes survive the text encoding"
    );
}

#[test]
fn record_an_unchanged_device_encodes_the_same() {
    let a = sample();
    let mut b = sample();
    b.rtt_ms = Some(9.0);
    if let Some(s) = b.snmp.as_mut() {
        s.facts
            .insert(o("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(99_999));
        s.facts
            .insert(o("1.3.6.1.2.1.2.2.1.10.1"), Value::Counter32(12));
    }
    assert_eq!(encode(&a).0, encode(&b).0);
    assert_ne!(encode(&a).1, encode(&b).1);
}

#[test]
fn record_sighting_carries_keys() {
    let s = sample();
    let si = sighting(&s);
    assert!(
        si.keys
            .contains(&Key::Hostname("core-sw1.example.test".into()))
    );
    assert!(si.keys.iter().any(|k| matches!(k, Key::SysName(_))));
    assert!(!si.mac_via_router);
}

proptest! {
    /// Any facts survive encode then decode (volatile ones via the latest list).
    #[test]
    fn record_round_trip_any_facts(
        rows in proptest::collection::vec(
            (proptest::collection::vec(0u32..50, 1..10), proptest::collection::vec(any::<u8>(), 0..40), 0u8..4),
            0..30,
        ),
    ) {
        let mut facts = SnmpFacts::new();
        for (arcs, bytes, kind) in rows {
            let mut full = vec![1, 3, 6, 1];
            full.extend(arcs);
            let v = match kind {
                0 => Value::OctetString(bytes),
                1 => Value::Integer(i64::from(bytes.len() as u32)),
                2 => Value::Counter32(7),
                _ => Value::Gauge32(u32::from(bytes.first().copied().unwrap_or(0))),
            };
            facts.insert(Oid::from_arcs(full), v);
        }
        let s = Seen {
            ip: Some("198.51.100.9".parse().unwrap()),
            sources: vec![Source::Snmp],
            snmp: Some(SnmpSeen { version: "2c".into(), credential: "c".into(), facts: facts.clone(), walked_at: None }),
            ..Seen::default()
        };
        let (rec, vol) = encode(&s);
        let back = decode("198.51.100.9", "", &rec, &vol);
        prop_assert_eq!(back.snmp.map(|x| x.facts), Some(facts));
    }
}

#[test]
fn announced_names_become_identity_keys() {
    let a = |src, k: &str, v: &str| crate::announce::Announced::new(src, k, v).unwrap();
    let s = Seen {
        ip: Some("198.18.140.90".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 1]),
        sources: vec![Source::Passive],
        announced: vec![
            a(Source::Passive, "dhcp:hostname", "Annas-iPhone"),
            a(Source::Passive, "dhcp:client_id", "01DAA119000001"),
            a(Source::Passive, "dhcp:client_id", "not hex"),
            a(Source::Passive, "dhcp:vendor_class", "android-dhcp-13"),
            a(Source::Passive, "mdns:hostname", "Annas-iPhone.local."),
            a(Source::Mdns, "hostname", "localhost"),
        ],
        ..Seen::default()
    };
    assert_eq!(
        sighting(&s).keys,
        vec![
            Key::MdnsName("annas-iphone.local".into()),
            Key::DhcpClientId("01daa119000001".into()),
            Key::DhcpHostname("annas-iphone".into()),
        ]
    );
    // The kinds round-trip through the store's text.
    for k in sighting(&s).keys {
        assert_eq!(Key::parse(k.kind(), &k.value()), Some(k));
    }
}
