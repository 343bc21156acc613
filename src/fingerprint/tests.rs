use super::rules::{Knowledge, RULE_FILES};
use super::*;
use crate::facts::{DeviceFacts, Oid, Value};

fn device(descr: Option<&str>, object: Option<&str>) -> DeviceFacts {
    DeviceFacts::from_system(descr, object)
}

fn engine() -> Engine {
    match Engine::builtin() {
        Ok(e) => e,
        Err(e) => panic!("builtin rules do not load: {e}"),
    }
}

#[test]
fn builtin_rules_load() {
    assert!(engine().rule_count() > 10);
}

/// The facts of a rule example: its sysDescr, sysObjectID, installed
/// package and present OIDs.
fn example_facts(ex: &super::rules::RawExample) -> DeviceFacts {
    let mut facts = device(ex.descr.as_deref(), ex.object.as_deref());
    if let Some(name) = &ex.software {
        facts.snmp.insert(
            Oid::from_arcs([1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2, 1]),
            Value::OctetString(name.as_bytes().to_vec()),
        );
    }
    for h in &ex.has {
        match Oid::parse(h) {
            Ok(o) => facts
                .snmp
                .insert(o.child(1), Value::OctetString(b"example".to_vec())),
            Err(e) => panic!("example has {h:?}: {e}"),
        }
    }
    facts
}

/// Recog-style self-test: every example's fields win the vote, and the
/// rule itself is among the winning proposals.
#[test]
fn fingerprint_rule_examples_win_the_vote() {
    let e = engine();
    let k = match Knowledge::builtin() {
        Ok(k) => k,
        Err(err) => panic!("{err}"),
    };
    let mut failures = Vec::new();
    for rule in &k.rules {
        for (n, ex) in rule.examples.iter().enumerate() {
            let id = e.identify(&example_facts(ex));
            let mut check = |field: &str, want: &Option<String>, got: &Option<String>| {
                if want.is_some() && want != got {
                    failures.push(format!(
                        "{}:{} rule `{}` example {}: {field} is {got:?}, expected {want:?}",
                        rule.file,
                        rule.line,
                        rule.id,
                        n + 1
                    ));
                }
            };
            check("class", &ex.class, &id.class);
            check("vendor", &ex.vendor, &id.vendor);
            check("model", &ex.model, &id.model);
            check("os", &ex.os, &id.os);
            check("serial", &ex.serial, &id.serial);
            // The rule itself must be among the winners.
            if !id.evidence.iter().any(|ev| ev.rule == rule.id) {
                failures.push(format!(
                    "{}:{} rule `{}` example {}: its proposals lost ({:?})",
                    rule.file,
                    rule.line,
                    rule.id,
                    n + 1,
                    id.evidence
                        .iter()
                        .map(|e| format!("{}={}:{}", e.field, e.value, e.rule))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every rule carries at least one example.
#[test]
fn fingerprint_every_rule_has_an_example() {
    let k = match Knowledge::builtin() {
        Ok(k) => k,
        Err(err) => panic!("{err}"),
    };
    let missing: Vec<String> = k
        .rules
        .iter()
        .filter(|r| r.examples.is_empty())
        .map(|r| format!("{}:{} {}", r.file, r.line, r.id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} rules without examples:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The OS table's examples give the OS they name.
#[test]
fn os_table_examples_give_their_os() {
    let e = engine();
    let k = match Knowledge::builtin() {
        Ok(k) => k,
        Err(err) => panic!("{err}"),
    };
    let mut failures = Vec::new();
    for entry in &k.os {
        for ex in &entry.examples {
            let id = e.identify(&device(ex.descr.as_deref(), ex.object.as_deref()));
            if id.os.as_deref() != Some(ex.os.as_str()) {
                failures.push(format!(
                    "os.toml:{} {}: got {:?}, expected {:?}",
                    entry.line, entry.name, id.os, ex.os
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The error loading one extra rule file `name` with `text`, as a string.
fn load_error(name: &'static str, text: &'static str) -> String {
    Knowledge::load(
        super::rules::VENDORS,
        super::rules::LOCATIONS,
        &[(name, text)],
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default()
}

#[test]
fn bad_rule_is_reported_with_file_and_line() {
    let err = load_error(
        "bad.toml",
        "[[rule]]\nid = \"x\"\ndescr = '(unclosed'\nclass = \"switch\"\n",
    );
    assert!(err.starts_with("bad.toml:3: rule `x`: bad regex"), "{err}");
    let err = load_error("u.toml", "[[rule]]\nid = \"x\"\nclas = \"switch\"\n");
    assert!(err.starts_with("u.toml:3:"), "{err}");
    let err = load_error(
        "c.toml",
        "[[rule]]\nid = \"x\"\nobject = [\"1.3.6\"]\nclass = \"toaster\"\n",
    );
    assert!(err.contains("c.toml:4") && err.contains("toaster"), "{err}");
    let err = load_error("s.toml", "[[rule]]\nid = \"x\"\nsoftware = '(oops'\n");
    assert!(err.starts_with("s.toml:3: rule `x`: bad regex"), "{err}");
    let err = load_error("e.toml", "[[rule]]\nid = \"x\"\nclass = \"switch\"\n");
    assert!(
        err.contains("at least one of descr, object, has or software"),
        "{err}"
    );
    assert!(!RULE_FILES.is_empty());
}

#[test]
fn enterprise_number_gives_vendor_and_origin() {
    let id = engine().identify(&device(None, Some("1.3.6.1.4.1.2011.2.23.999")));
    assert_eq!(id.vendor.as_deref(), Some("Huawei"));
    assert_eq!(id.vendor_origin.as_deref(), Some("domestic"));
    assert!(
        id.evidence
            .iter()
            .any(|e| e.field == "vendor" && e.rule.starts_with("enterprise-number"))
    );
    let id = engine().identify(&device(None, Some("1.3.6.1.4.1.9.1.516")));
    assert_eq!(id.vendor.as_deref(), Some("Cisco"));
    assert_eq!(id.vendor_origin.as_deref(), Some("foreign"));
}

#[test]
fn unlisted_enterprise_falls_back_to_registry_name() {
    // 42 = Sun Microsystems is listed; pick a number we do not list.
    let id = engine().identify(&device(None, Some("1.3.6.1.4.1.3.1"))); // not in the compiled MIBs
    assert_eq!(id.vendor.as_deref(), Some("Carnegie Mellon"));
    // No registry records its country: unknown, never foreign by default,
    // and the evidence says why.
    assert_eq!(id.vendor_origin, None);
    assert!(
        id.evidence.iter().any(|e| e.field == "vendor_origin"
            && e.value == "unknown"
            && e.rule == "origin-unknown"),
        "{:?}",
        id.evidence
    );
    // A registered legal form only foreign companies use decides it.
    let id = engine().identify(&device(None, Some("1.3.6.1.4.1.21695.1"))); // not in the compiled MIBs
    assert_eq!(id.vendor_origin.as_deref(), Some("foreign"));
    // The IEEE registry's country for an organisation it knows.
    let id = engine().identify(&device(None, Some("1.3.6.1.4.1.2011.2.23.1")));
    assert!(
        id.evidence
            .iter()
            .any(|e| e.field == "vendor_origin" && e.rule == "ieee-country")
    );
}

#[test]
fn mac_only_device_gets_vendor_from_oui() {
    let mut facts = DeviceFacts {
        mac: Some([0x00, 0x00, 0x0c, 0x12, 0x34, 0x56]), // Cisco's first block
        ..DeviceFacts::default()
    };
    let id = engine().identify(&facts);
    assert_eq!(id.vendor.as_deref(), Some("Cisco"));
    assert!(id.confidence > 0.0 && id.confidence < 0.8);
    facts.mac = Some([0xda, 0xa1, 0x19, 0, 0, 0]); // randomised
    assert_eq!(engine().identify(&facts).vendor, None);
}

#[test]
fn entity_chassis_gives_model_and_serial() {
    let mut f = device(Some("Some switch"), Some("1.3.6.1.4.1.9.1.1"));
    let ent = |col: u32, idx: u32| Oid::from_arcs([1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, col, idx]);
    f.snmp.insert(ent(5, 1), Value::Integer(3));
    f.snmp.insert(ent(5, 2), Value::Integer(9));
    f.snmp
        .insert(ent(13, 1), Value::OctetString(b"WS-C2960X-48TS-L".to_vec()));
    f.snmp
        .insert(ent(11, 1), Value::OctetString(b"FOC1234X0AB".to_vec()));
    f.snmp
        .insert(ent(11, 2), Value::OctetString(b"MODULE".to_vec()));
    let id = engine().identify(&f);
    assert_eq!(id.model.as_deref(), Some("WS-C2960X-48TS-L"));
    assert_eq!(id.serial.as_deref(), Some("FOC1234X0AB"));
}

fn text(s: &str) -> Value {
    Value::OctetString(s.as_bytes().to_vec())
}

#[test]
fn installed_package_names_the_appliance() {
    let linux = "Linux gw 2.6.32-754.24.3.el6.x86_64 #1 SMP Thu Nov 14 15:35:16 UTC 2019 x86_64";
    let sw = |i: u32| Oid::from_arcs([1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2, i]);
    let mut f = device(Some(linux), Some("1.3.6.1.4.1.8072.3.2.10"));
    f.snmp.insert(sw(1), text("bash-4.1.2-48.el6"));
    f.snmp.insert(sw(7), text("openssl-1.0.1e-58.el6"));
    // Plain Linux: a server, no vendor from the packages.
    let id = engine().identify(&f);
    assert_eq!(id.class.as_deref(), Some("server"));
    assert_eq!(id.vendor, None);
    f.snmp
        .insert(sw(9), text("mobileiron-sentry-jdk-1.8.0_232-1"));
    let id = engine().identify(&f);
    assert_eq!(id.vendor.as_deref(), Some("MobileIron"));
    assert_eq!(id.model.as_deref(), Some("Sentry"));
    // The evidence names the package and where it was read.
    let ev = id.evidence.iter().find(|e| e.field == "vendor");
    assert!(
        ev.is_some_and(|e| e.rule == "mobileiron-sentry"
            && e.facts
                .iter()
                .any(|f| f.source == "1.3.6.1.2.1.25.6.3.1.2.9"
                    && f.value.starts_with("mobileiron-sentry"))),
        "{ev:?}"
    );
}

#[test]
fn axis_serial_is_its_mac() {
    let descr = " ; AXIS P1375; Network Camera; 10.1.0; Sep 22 2020 12:38; 795; 1; ";
    let phys = |i: u32| Oid::from_arcs([1, 3, 6, 1, 2, 1, 2, 2, 1, 6, i]);
    let mut f = device(Some(descr), Some("1.3.6.1.4.1.368.1.1")); // not in the compiled MIBs
    // Loopback (empty) and a multicast-looking address are skipped.
    f.snmp.insert(phys(1), Value::OctetString(Vec::new()));
    f.snmp
        .insert(phys(2), Value::OctetString(vec![1, 0, 0x5e, 0, 0, 1]));
    f.snmp.insert(
        phys(3),
        Value::OctetString(vec![0xb8, 0xa4, 0x4f, 0x02, 0xfe, 0x01]),
    );
    let id = engine().identify(&f);
    assert_eq!(id.serial.as_deref(), Some("B8A44F02FE01"));
    // Without IF-MIB, the MAC the scanner saw.
    let mut f = device(Some(descr), Some("1.3.6.1.4.1.368.1.1")); // not in the compiled MIBs
    f.mac = Some([0xac, 0xcc, 0x8e, 0xac, 0x27, 0xc7]);
    assert_eq!(
        engine().identify(&f).serial.as_deref(),
        Some("ACCC8EAC27C7")
    );
    // Other vendors' MACs are not serial numbers.
    let mut f = device(Some("Linux a 5.4.0 #1"), None);
    f.mac = Some([0x00, 0x00, 0x0c, 0xac, 0x27, 0xc7]);
    assert_eq!(engine().identify(&f).serial, None);
}

#[test]
fn aix_machine_id_is_its_serial_unless_unset() {
    let aix = |id: &str| {
        format!(
            "IBM PowerPC CHRP Computer\nMachine Type: 0x0800004c Processor id: {id}\n\
             Base Operating System Runtime AIX version: 06.01.0009.0100"
        )
    };
    let f = device(
        Some(&aix("00FB98004C00")),
        Some("1.3.6.1.4.1.2.3.1.2.1.1.3"),
    );
    assert_eq!(
        engine().identify(&f).serial.as_deref(),
        Some("00FB98004C00")
    );
    let f = device(
        Some(&aix("000000000000")),
        Some("1.3.6.1.4.1.2.3.1.2.1.1.3"),
    );
    assert_eq!(engine().identify(&f).serial, None);
}

#[test]
fn version_pieces_and_quotes_do_not_fool_the_rules() {
    // A quoted sysDescr is read as the text inside the quotes.
    let quoted = "\"Cisco IOS Software [IOSXE], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.15.1, RELEASE SOFTWARE (fc4)\"";
    let id = engine().identify(&device(Some(quoted), Some("1.3.6.1.4.1.9.1.2494")));
    assert_eq!(id.os.as_deref(), Some("IOS XE 17.15.1"));
    assert_eq!(id.class.as_deref(), Some("switch"));
    // "15.1(4)M10" is a version: "M10" is not a model.
    let ios = "Cisco IOS Software, 3800 Software (C3825-ADVENTERPRISEK9-M), Version 15.1(4)M10, RELEASE SOFTWARE (fc2)";
    let id = engine().identify(&device(Some(ios), Some("1.3.6.1.4.1.9.1.543")));
    assert_ne!(id.model.as_deref(), Some("M10"));
    assert_eq!(id.os.as_deref(), Some("IOS 15.1(4)M10"));
}

#[test]
fn empty_facts_give_empty_identity() {
    let id = engine().identify(&DeviceFacts::default());
    assert_eq!(id.vendor, None);
    assert_eq!(id.class, None);
    assert_eq!(id.confidence, 0.0);
}

#[test]
fn identity_serializes_to_json() {
    let id = engine().identify(&device(Some("Linux a 5.4.0 #1"), None));
    let json = serde_json::to_string(&id).unwrap_or_default();
    assert!(json.contains("\"class\":\"server\""), "{json}");
}

/// Pure modules import no I/O: no tokio, std::fs, std::net, rusqlite, axum.
#[test]
fn pure_modules_import_no_io() {
    let sources: &[(&str, &str)] = &[
        ("fingerprint/mod.rs", include_str!("mod.rs")),
        ("fingerprint/engine.rs", include_str!("engine.rs")),
        ("fingerprint/rules.rs", include_str!("rules.rs")),
        ("fingerprint/entity.rs", include_str!("entity.rs")),
        ("fingerprint/text.rs", include_str!("text.rs")),
        ("recording/mod.rs", include_str!("../recording/mod.rs")),
        (
            "recording/snmprec.rs",
            include_str!("../recording/snmprec.rs"),
        ),
        (
            "recording/snmpwalk.rs",
            include_str!("../recording/snmpwalk.rs"),
        ),
        ("registry/mod.rs", include_str!("../registry/mod.rs")),
        ("registry/oui.rs", include_str!("../registry/oui.rs")),
        (
            "registry/enterprise.rs",
            include_str!("../registry/enterprise.rs"),
        ),
    ];
    let banned = [
        "tokio",
        "std::fs",
        "std::net",
        "rusqlite",
        "axum",
        "std::process",
    ];
    for (file, text) in sources {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for b in banned {
                assert!(
                    !code.contains(b),
                    "{file}:{}: pure module mentions {b}: {line}",
                    n + 1
                );
            }
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// One engine for all cases: loading the rules takes a while.
    fn shared() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(engine)
    }

    /// Text that looks like sysDescr: words the rules and the model-word
    /// finder care about, glued with odd separators and any Unicode.
    fn descr_text() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            Just("Cisco IOS Software".to_string()),
            Just("Version".to_string()),
            Just("Release".to_string()),
            Just("Processor id:".to_string()),
            Just("PID:".to_string()),
            Just("\"".to_string()),
            Just("0x0800004c".to_string()),
            Just("15.0(1)EX3".to_string()),
            Just("Linux".to_string()),
            "[A-Za-z0-9()\\-_./:;,\\[\\]]{1,12}",
            any::<String>(),
        ];
        proptest::collection::vec(word, 0..12).prop_map(|w| w.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever a device says about itself, identify returns.
        #[test]
        fn identify_never_panics(
            descr in descr_text(),
            object in proptest::option::of("1\\.3\\.6\\.1\\.4\\.1(\\.[0-9]{1,6}){0,6}"),
            package in any::<String>(),
            phys in proptest::collection::vec(any::<u8>(), 0..9),
            mac in proptest::option::of(any::<[u8; 6]>()),
        ) {
            let mut f = device(Some(&descr), object.as_deref());
            f.snmp.insert(
                Oid::from_arcs([1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2, 1]),
                Value::OctetString(package.into_bytes()),
            );
            f.snmp.insert(
                Oid::from_arcs([1, 3, 6, 1, 2, 1, 2, 2, 1, 6, 1]),
                Value::OctetString(phys),
            );
            f.mac = mac;
            let id = shared().identify(&f);
            prop_assert!((0.0..=1.0).contains(&id.confidence));
        }
    }
}

/// Every OID a rule or a location reads, and every compiled identity
/// object, is among (or below) the wanted objects the collector fetches.
#[test]
fn wanted_objects_cover_everything_the_knowledge_reads() {
    let e = engine();
    let wanted = e.wanted_objects();
    let covered = |o: &Oid| wanted.iter().any(|w| o.starts_with(w));
    let k = match Knowledge::builtin() {
        Ok(k) => k,
        Err(err) => panic!("{err}"),
    };
    let mut missing = Vec::new();
    for r in &k.rules {
        missing.extend(
            r.has
                .iter()
                .filter(|o| !covered(o))
                .map(|o| format!("rule {}: {o}", r.id)),
        );
    }
    for l in &k.locations {
        if let super::rules::LocationSource::Oid(o) = &l.source
            && !covered(o)
        {
            missing.push(format!("{}: {o}", l.id));
        }
    }
    for o in crate::registry::mib::objects() {
        let text = o.oid.replace(".*", "");
        let oid = Oid::parse(o.oid.split(".*").next().unwrap_or(&text)).unwrap_or_default();
        if !covered(&oid) {
            missing.push(format!("compiled {}::{}: {}", o.module, o.name, o.oid));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // Sorted, and no entry below another.
    for pair in wanted.windows(2) {
        assert!(
            pair[0] < pair[1] && !pair[1].starts_with(&pair[0]),
            "{pair:?}"
        );
    }
    assert_eq!(super::wanted_objects(), wanted.as_slice());
}

/// The user's vendor table renames, claims numbers and decides origin.
#[test]
fn vendor_overrides_come_first() {
    let table = VendorOverrides::new(vec![VendorOverride {
        brand: "Acme Routers".into(),
        aliases: vec!["Carnegie Mellon".into()],
        enterprise_numbers: vec![99998],
        ouis: vec!["02:00:00".into()],
        origin: Some("domestic".into()),
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    let e = engine().with_overrides(table);
    let id = e.identify(&device(None, Some("1.3.6.1.4.1.99998.1.2"))); // not in the compiled MIBs
    assert_eq!(id.vendor.as_deref(), Some("Acme Routers"));
    assert_eq!(id.vendor_origin.as_deref(), Some("domestic"));
    // An alias renames what the registry says.
    let id = e.identify(&device(None, Some("1.3.6.1.4.1.3.1"))); // not in the compiled MIBs
    assert_eq!(id.vendor.as_deref(), Some("Acme Routers"));
    // The shipped table still applies to brands the user did not name.
    let id = e.identify(&device(
        Some("Lenovo ThinkSystem"),
        Some("1.3.6.1.4.1.19046.1"),
    ));
    assert_eq!(id.vendor_origin.as_deref(), Some("domestic"));
}

/// Proposals from outside SNMP join the vote with their weights.
#[test]
fn external_proposals_vote() {
    let e = engine();
    let facts = device(None, Some("1.3.6.1.4.1.9.1.516"));
    let mdns = Proposal::new(super::Field::Class, "printer", 95, "mdns")
        .with_facts(vec![Fact::note("mdns", "_ipp._tcp")]);
    let bogus = Proposal::new(super::Field::Class, "toaster", 100, "mdns");
    let id = e.identify_with(&facts, &[mdns, bogus]);
    assert_eq!(id.class.as_deref(), Some("printer"));
    let ev = id.evidence.iter().find(|x| x.field == "class");
    assert!(
        ev.is_some_and(|x| x.rule == "mdns" && x.weight == 95),
        "{ev:?}"
    );
}

/// Evidence lists the overruled proposals with the winner.
#[test]
fn evidence_lists_overruled_proposals() {
    // A Dell server: the vendor's default class (switch) loses to the
    // generic OS and HOST-RESOURCES.
    let mut f = device(
        Some("Linux r740 5.14.0-362.el9.x86_64 #1 SMP x86_64"),
        Some("1.3.6.1.4.1.674.10892.2"),
    );
    f.snmp.insert(
        Oid::from_arcs([1, 3, 6, 1, 2, 1, 25, 4, 2, 1, 2, 1]),
        Value::OctetString(b"systemd".to_vec()),
    );
    f.snmp.insert(
        Oid::from_arcs([1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 3, 1]),
        Value::OctetString(b"/".to_vec()),
    );
    let id = engine().identify(&f);
    assert_eq!(id.class.as_deref(), Some("server"));
    let first = id.evidence.iter().find(|x| x.field == "class");
    assert!(
        first.is_some_and(|x| x
            .overruled
            .iter()
            .any(|o| o.value == "switch" && o.rule == "vendor-default-class")),
        "{first:?}"
    );
}

#[test]
fn randomised_mac_never_gets_a_vendor_from_the_registry() {
    // 02:60:8C is in the IEEE registry (3COM, an old block with the U/L bit
    // set); a randomised MAC may begin with it and must still name nobody.
    let m = [0x02, 0x60, 0x8c, 0x12, 0x34, 0x56];
    assert!(crate::identity::is_randomized(m));
    let line = include_str!("../registry/data/oui.tsv")
        .lines()
        .find(|l| l.starts_with("02608C"));
    assert!(line.is_some_and(|l| l.contains("3COM")), "{line:?}");
    assert_eq!(crate::registry::oui::assignment(m), None);
    let facts = DeviceFacts {
        mac: Some(m),
        ..DeviceFacts::default()
    };
    let id = engine().identify(&facts);
    assert_eq!(id.vendor, None, "{id:?}");
    let json = format!("{id:?}");
    assert!(!json.contains("mac-oui"), "no MAC registry vote: {json}");
}
