use super::*;
use ipnetwork::IpNetwork;

const NOW: &str = "2026-12-01T12:00:00Z";
const NOW_UNIX: i64 = 1_796_126_400;

fn cx(policy: &Policy, register: bool) -> Context<'_> {
    Context {
        policy,
        now_unix: NOW_UNIX,
        now: NOW,
        register_loaded: register,
    }
}

fn device() -> DeviceView {
    DeviceView {
        id: 7,
        ip: Some("198.18.1.20".parse().unwrap()),
        mac: Some("00:1b:21:aa:bb:cc".into()),
        vendor: Some("Intel".into()),
        class: Some("workstation".into()),
        origin: Some("foreign".into()),
        first_seen: "2026-11-01T00:00:00Z".into(),
        first_unix: NOW_UNIX - 30 * 86_400,
        last_seen: NOW.into(),
        present: true,
        baseline: true,
        ..DeviceView::default()
    }
}

fn kinds(c: &[Condition]) -> Vec<&'static str> {
    c.iter().map(|c| c.kind).collect()
}

fn subnet(net: &str) -> SubnetPolicy {
    SubnetPolicy {
        subnet: net.parse::<IpNetwork>().unwrap(),
        allow_vendors: vec![],
        deny_vendors: vec![],
        allow_classes: vec![],
        require_origin: None,
        require_snmp_v3: false,
    }
}

#[test]
fn audit_device_conditions_table() {
    let mut default_cred = Policy::default();
    default_cred.default_credentials.insert("office".into());
    let mut domestic = Policy::default();
    domestic.subnets.push(SubnetPolicy {
        require_origin: Some("domestic".into()),
        ..subnet("198.18.1.0/24")
    });
    let mut vendors = Policy::default();
    vendors.subnets.push(SubnetPolicy {
        allow_vendors: vec!["huawei".into(), "H3C".into()],
        allow_classes: vec!["switch".into(), "router".into()],
        require_snmp_v3: true,
        ..subnet("198.18.0.0/16")
    });
    let mut deny = Policy::default();
    deny.subnets.push(SubnetPolicy {
        deny_vendors: vec!["INTEL".into()],
        ..subnet("198.18.1.0/24")
    });
    // Another subnet's rule never applies.
    let mut elsewhere = Policy::default();
    elsewhere.subnets.push(SubnetPolicy {
        deny_vendors: vec!["Intel".into()],
        require_origin: Some("domestic".into()),
        ..subnet("203.0.113.0/24")
    });
    let base = Policy::default();

    type Case<'a> = (&'a str, &'a Policy, bool, DeviceView, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        (
            "known device, no register: nothing",
            &base,
            false,
            device(),
            vec![],
        ),
        (
            "register loaded, no match",
            &base,
            true,
            device(),
            vec!["unregistered"],
        ),
        (
            "register loaded, matched",
            &base,
            true,
            DeviceView {
                asset_tag: Some("A-1".into()),
                ..device()
            },
            vec![],
        ),
        (
            "absent: nothing holds",
            &base,
            true,
            DeviceView {
                present: false,
                mac_randomized: true,
                ..device()
            },
            vec![],
        ),
        (
            "new since the baseline",
            &base,
            false,
            DeviceView {
                baseline: false,
                first_unix: NOW_UNIX - 3600,
                ..device()
            },
            vec!["new_device"],
        ),
        (
            "new but past the window",
            &base,
            false,
            DeviceView {
                baseline: false,
                first_unix: NOW_UNIX - 8 * 86_400,
                ..device()
            },
            vec![],
        ),
        (
            "in the first run: baseline, not new",
            &base,
            false,
            DeviceView {
                first_unix: NOW_UNIX - 3600,
                ..device()
            },
            vec![],
        ),
        (
            "randomised MAC",
            &base,
            false,
            DeviceView {
                mac_randomized: true,
                mac: Some("da:a1:19:00:00:01".into()),
                ..device()
            },
            vec!["randomized_mac"],
        ),
        (
            "switch by its MAC, no SNMP",
            &base,
            false,
            DeviceView {
                class: Some("switch".into()),
                ..device()
            },
            vec!["unmanaged_switch"],
        ),
        (
            "managed switch",
            &base,
            false,
            DeviceView {
                class: Some("switch".into()),
                snmp_version: Some("3".into()),
                ..device()
            },
            vec![],
        ),
        (
            "default community",
            &default_cred,
            false,
            DeviceView {
                snmp_version: Some("2c".into()),
                snmp_credential: Some("office".into()),
                ..device()
            },
            vec!["default_community"],
        ),
        (
            "other community",
            &default_cred,
            false,
            DeviceView {
                snmp_version: Some("2c".into()),
                snmp_credential: Some("branch".into()),
                ..device()
            },
            vec![],
        ),
        (
            "foreign where domestic is required",
            &domestic,
            false,
            device(),
            vec!["policy_origin"],
        ),
        (
            "unknown origin where domestic is required",
            &domestic,
            false,
            DeviceView {
                origin: None,
                ..device()
            },
            vec!["policy_origin"],
        ),
        (
            "domestic where domestic is required",
            &domestic,
            false,
            DeviceView {
                origin: Some("domestic".into()),
                ..device()
            },
            vec![],
        ),
        (
            "vendor and class outside the allow lists, v2c where v3 is required",
            &vendors,
            false,
            DeviceView {
                snmp_version: Some("2c".into()),
                snmp_credential: Some("x".into()),
                ..device()
            },
            vec!["policy_vendor", "policy_class", "snmp_v3_required"],
        ),
        (
            "allowed vendor (case-insensitive) and class, v3",
            &vendors,
            false,
            DeviceView {
                vendor: Some("Huawei".into()),
                class: Some("switch".into()),
                snmp_version: Some("3".into()),
                ..device()
            },
            vec![],
        ),
        (
            "unknown vendor fails an allow list",
            &vendors,
            false,
            DeviceView {
                vendor: None,
                class: Some("router".into()),
                ..device()
            },
            vec!["policy_vendor"],
        ),
        (
            "denied vendor",
            &deny,
            false,
            device(),
            vec!["policy_vendor"],
        ),
        (
            "rules of another subnet",
            &elsewhere,
            false,
            device(),
            vec![],
        ),
    ];
    for (name, policy, register, d, want) in cases {
        let got = device_conditions(&d, &cx(policy, register));
        assert_eq!(kinds(&got), want, "{name}");
        for c in &got {
            assert_eq!(c.key, format!("{}:device:7", c.kind), "{name}");
            assert!(!c.evidence.is_empty(), "{name}: {} has no evidence", c.kind);
            assert!(SEVERITIES.contains(&c.severity));
            assert!(KINDS.contains(&c.kind));
        }
    }
}

#[test]
fn audit_policy_evidence_cites_the_fingerprint_rule() {
    let mut p = Policy::default();
    p.subnets.push(SubnetPolicy {
        deny_vendors: vec!["Hikvision".into()],
        ..subnet("198.18.1.0/24")
    });
    let d = DeviceView {
        vendor: Some("Hikvision".into()),
        fingerprint: vec![(
            "vendor".into(),
            "Hikvision".into(),
            "enterprise-number".into(),
        )],
        ..device()
    };
    let got = device_conditions(&d, &cx(&p, false));
    let c = got.iter().find(|c| c.kind == "policy_vendor").unwrap();
    assert!(
        c.evidence
            .iter()
            .any(|e| e.source == "fingerprint enterprise-number" && e.value == "Hikvision")
    );
    assert!(c.evidence.iter().any(|e| e.source == "policy"));
}

fn port(macs: &[&str]) -> PortView {
    PortView {
        switch_id: 3,
        switch_ip: Some("198.18.1.2".into()),
        port: "Gi1/0/5".into(),
        macs: macs
            .iter()
            .map(|m| PortMac {
                mac: m.to_string(),
                vlan: Some(10),
            })
            .collect(),
        seen: NOW.into(),
        ..PortView::default()
    }
}

#[test]
fn audit_unmanaged_switch_needs_several_macs_on_an_access_port() {
    let p = Policy::default();
    let cx = cx(&p, false);
    let three = [
        "00:00:5e:00:53:01",
        "00:00:5e:00:53:02",
        "00:00:5e:00:53:03",
    ];
    let c = port_condition(&port(&three), &cx).expect("three MACs on an access port");
    assert_eq!(c.key, "unmanaged_switch:port:3:Gi1/0/5");
    assert_eq!(
        c.evidence.iter().filter(|e| e.key == "fdb Gi1/0/5").count(),
        3
    );
    assert!(c.summary.contains("score 0.50"), "{}", c.summary);
    // Two MACs (a phone and its PC) are not a switch.
    assert!(port_condition(&port(&three[..2]), &cx).is_none());
    // The same MAC twice (two VLANs) counts once.
    let dup = [three[0], three[0], three[1]];
    assert!(port_condition(&port(&dup), &cx).is_none());
    // A trunk: an LLDP neighbour, or a managed switch's MAC behind it.
    let mut trunk = port(&three);
    trunk.neighbor = Some("core-sw Gi0/1".into());
    assert!(port_condition(&trunk, &cx).is_none());
    let mut uplink = port(&three);
    uplink.managed.push(three[0].into());
    assert!(port_condition(&uplink, &cx).is_none());
    // A MAC classed switch behind it raises the score.
    let mut sw = port(&three);
    sw.switch_like.push(three[1].into());
    let c = port_condition(&sw, &cx).unwrap();
    assert!(c.summary.contains("score 0.80"), "{}", c.summary);
}

#[test]
fn audit_ip_conflicts_need_two_macs_for_one_address() {
    let p = Policy::default();
    let cx = cx(&p, false);
    let a = |ip: &str, mac: &str, dev: i64| AddressAnswer {
        ip: ip.parse().unwrap(),
        mac: mac.into(),
        source: "arp".into(),
        device_id: Some(dev),
    };
    let got = ip_conflicts(
        &[
            a("198.18.1.5", "00:00:5e:00:53:01", 1),
            a("198.18.1.5", "00:00:5e:00:53:02", 2),
            a("198.18.1.6", "00:00:5e:00:53:03", 3),
            a("198.18.1.6", "00:00:5e:00:53:03", 3),
        ],
        &cx,
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key, "ip_conflict:ip:198.18.1.5");
    assert_eq!(got[0].evidence.len(), 2);
}

#[test]
fn audit_asset_missing_and_warranty_stages() {
    let p = Policy::default();
    let cx = cx(&p, true);
    let today = NOW_UNIX / 86_400;
    let asset = |end: Option<i64>, device: Option<i64>| AssetView {
        tag: "ZC-001".into(),
        warranty_end_day: end.map(|d| today + d),
        warranty_end: end.map(|_| "2027-01-01".into()),
        device: device.map(|ago| (5, "2026-11-30T00:00:00Z".into(), NOW_UNIX - ago)),
        imported: ("2026-11-01T00:00:00Z".into(), NOW_UNIX - 30 * 86_400),
        ip: None,
        mac: None,
    };
    let keys = |a: &AssetView| -> Vec<String> {
        asset_conditions(a, &cx)
            .into_iter()
            .map(|c| c.key)
            .collect()
    };
    assert!(keys(&asset(None, Some(3600))).is_empty());
    assert_eq!(
        keys(&asset(None, Some(8 * 86_400))),
        vec!["asset_missing:asset:ZC-001"]
    );
    // Never matched, imported a month ago.
    assert_eq!(keys(&asset(None, None)), vec!["asset_missing:asset:ZC-001"]);
    let stages = [
        (200, None),
        (90, Some("90")),
        (31, Some("90")),
        (30, Some("30")),
        (8, Some("30")),
        (7, Some("7")),
        (0, Some("7")),
        (-1, Some("ended")),
    ];
    for (days, stage) in stages {
        let got = keys(&asset(Some(days), Some(0)));
        let want: Vec<String> = stage
            .map(|s| format!("warranty:asset:ZC-001:{s}"))
            .into_iter()
            .collect();
        assert_eq!(got, want, "{days} days left");
    }
}

#[test]
fn audit_mac_moves_last_their_window_and_rogue_dhcp_spares_approved_servers() {
    let p = Policy {
        dhcp_servers: vec!["198.18.1.1".parse().unwrap()],
        ..Policy::default()
    };
    let cx = cx(&p, false);
    let m = |ago: i64| MacMove {
        mac: "00:00:5e:00:53:09".into(),
        device_id: Some(4),
        to: "198.18.1.2 Gi1/0/7".into(),
        from: "198.18.1.2 Gi1/0/5".into(),
        moved_at: NOW.into(),
        moved_unix: NOW_UNIX - ago,
    };
    assert!(mac_moved(&m(3600), &cx).is_some());
    assert!(mac_moved(&m(8 * 86_400), &cx).is_none());
    let offer = |server: &str| DhcpOffer {
        server: server.parse().unwrap(),
        router: Some("198.18.1.1".into()),
        dns: None,
        offered: Some("198.18.1.100".into()),
        device_id: None,
        seen: NOW.into(),
    };
    let got = rogue_dhcp(&[offer("198.18.1.1"), offer("198.18.1.66")], &cx);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key, "rogue_dhcp:server:198.18.1.66");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn audit_never_panics_on_hostile_text(vendor in ".{0,64}", class in ".{0,16}", mac in ".{0,32}", port in ".{0,64}") {
            let mut p = Policy::default();
            p.subnets.push(SubnetPolicy { allow_vendors: vec![vendor.clone()], allow_classes: vec![class.clone()], ..subnet("0.0.0.0/0") });
            let d = DeviceView { vendor: Some(vendor.clone()), class: Some(class.clone()), mac: Some(mac.clone()), mac_randomized: true, ..device() };
            let _ = device_conditions(&d, &cx(&p, true));
            let pv = PortView { port: port.clone(), macs: vec![PortMac { mac: mac.clone(), vlan: None }; 5], ..PortView::default() };
            let _ = port_condition(&pv, &cx(&p, true));
        }
    }
}
