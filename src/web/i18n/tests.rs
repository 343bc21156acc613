use super::*;
use crate::snmp::tables::{
    AddressRow, ArpRow, EntityRow, FdbRow, HostDeviceRow, InterfaceRow, NeighborRow, PrinterInfo,
    SoftwareRow, StorageRow, SupplyRow, UpsInfo,
};
use std::collections::BTreeSet;

fn both() -> [&'static Labels; 2] {
    match load() {
        Ok([en, zh]) => [en, zh],
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn catalogues_parse_with_the_same_keys_and_no_empty_value() {
    check().unwrap();
    let [(en_file, en), (zh_file, zh)] = FILES;
    let (_, en_keys) = catalogue::parse(en_file, en).unwrap();
    let (_, zh_keys) = catalogue::parse(zh_file, zh).unwrap();
    let en_keys: BTreeSet<_> = en_keys.into_iter().collect();
    let zh_keys: BTreeSet<_> = zh_keys.into_iter().collect();
    assert_eq!(
        en_keys.symmetric_difference(&zh_keys).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "keys in one catalogue only"
    );
    assert!(en_keys.len() > 400, "{} keys", en_keys.len());
}

#[test]
fn a_broken_catalogue_is_a_typed_error_naming_the_key() {
    let [(_, en), _] = FILES;
    let cases = [
        // A label the templates use is missing.
        (
            en.replacen("no_findings = \"No findings.\"\n", "", 1),
            "no_findings",
        ),
        // A key no field takes.
        (
            en.replacen("title = ", "titel = \"x\"\ntitle = ", 1),
            "titel",
        ),
        // An empty value.
        (en.replacen("\"Next page →\"", "\"\"", 1), "next_page"),
        // A time pattern with a field that does not exist.
        (en.replacen("{Y}-{MM}", "{Y}-{MMM}", 1), "MMM"),
        // A fill pattern with a stray brace.
        (
            en.replacen("\"{n} values\"", "\"{n values\"", 1),
            "{n values",
        ),
        // Not text.
        (
            en.replacen("[protocol]\n", "[protocol]\nstp = 3\n", 1),
            "stp",
        ),
    ];
    for (text, key) in cases {
        assert_ne!(text, en, "the case for `{key}` changed nothing");
        let err = catalogue::parse("en.toml", &text).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains("en.toml") && shown.contains(key),
            "{key}: {shown}"
        );
    }
}

/// Values the code stores or decodes that the catalogue's value sections
/// must name (lists the code keeps as constants are read from them; the
/// others are copied from the enums and decoders they come from).
#[test]
fn every_value_the_code_knows_has_a_name_in_both_languages() {
    let sources: Vec<&str> = [
        "arp",
        "icmp",
        "snmp",
        "dns",
        "router_arp",
        "dhcp",
        "mdns",
        "ssdp",
        "netbios",
        "wsd",
        "tcp",
        "passive",
    ]
    .into_iter()
    .chain(crate::record::Source::ANNOUNCING.iter().map(|s| s.as_str()))
    .collect();
    let entity_classes: Vec<&str> = (0..=20)
        .filter_map(crate::snmp::tables::entity_class_name)
        .collect();
    assert!(entity_classes.len() >= 14, "{entity_classes:?}");
    let classes: Vec<&str> = crate::fingerprint::CLASSES
        .iter()
        .copied()
        .chain(["unknown"])
        .collect();
    let match_methods: Vec<&str> = crate::assets::matching::Method::ALL
        .iter()
        .map(|m| m.as_str())
        .collect();
    for l in both() {
        let sections: [(&str, &Names, &[&str]); 23] = [
            ("probe_name", &l.probe_name, &crate::job::PROBE_NAMES),
            ("class_name", &l.class_name, &classes),
            (
                "origin_name",
                &l.origin_name,
                &["domestic", "foreign", "unknown"],
            ),
            (
                "scan_status",
                &l.scan_status,
                &["done", "running", "failed", "interrupted"],
            ),
            (
                "identity_event",
                &l.identity_event,
                &["new", "merge", "split", "join"],
            ),
            (
                "strength",
                &l.strength,
                &["strong", "mac", "weak_pair", "name", "address", "new"],
            ),
            (
                "key_kind",
                &l.key_kind,
                &[
                    "serial",
                    "chassis_mac",
                    "engine_id",
                    "sys_name",
                    "hostname",
                    "mdns_name",
                    "dhcp_client_id",
                    "dhcp_hostname",
                    "agent_ip",
                    "agent_mac",
                ],
            ),
            ("source", &l.source, &sources),
            (
                "fingerprint_field",
                &l.fingerprint_field,
                &[
                    "class",
                    "vendor",
                    "model",
                    "serial",
                    "os",
                    "firmware",
                    "vendor_origin",
                    "stack",
                ],
            ),
            (
                "fact_key",
                &l.fact_key,
                &[
                    "reply",
                    "via",
                    "ptr",
                    "offer",
                    "version",
                    "credential",
                    "walked_at",
                ],
            ),
            ("finding_kind", &l.finding_kind, crate::audit::KINDS),
            ("severity_name", &l.severity_name, crate::audit::SEVERITIES),
            (
                "finding_state",
                &l.finding_state,
                &["open", "acknowledged", "resolved"],
            ),
            ("match_method", &l.match_method, &match_methods),
            (
                "timeline_event",
                &l.timeline_event,
                &crate::web::timeline::EVENT_NAMES,
            ),
            (
                "if_status",
                &l.if_status,
                &[
                    "up",
                    "down",
                    "testing",
                    "unknown",
                    "dormant",
                    "not_present",
                    "lower_layer_down",
                ],
            ),
            ("entity_class", &l.entity_class, &entity_classes),
            (
                "storage_kind",
                &l.storage_kind,
                &[
                    "other",
                    "ram",
                    "virtual_memory",
                    "fixed_disk",
                    "removable_disk",
                    "floppy_disk",
                    "compact_disc",
                    "ram_disk",
                    "flash_memory",
                    "network_disk",
                ],
            ),
            (
                "host_device_kind",
                &l.host_device_kind,
                &[
                    "processor",
                    "network",
                    "printer",
                    "disk_storage",
                    "video",
                    "audio",
                    "coprocessor",
                    "keyboard",
                    "modem",
                    "parallel_port",
                    "pointing",
                    "serial_port",
                    "tape",
                    "clock",
                    "volatile_memory",
                    "non_volatile_memory",
                    "other",
                    "unknown",
                ],
            ),
            (
                "host_device_status",
                &l.host_device_status,
                &["unknown", "running", "warning", "testing", "down"],
            ),
            (
                "arp_type",
                &l.arp_type,
                &["other", "invalid", "dynamic", "static", "local"],
            ),
            (
                "fdb_status",
                &l.fdb_status,
                &["other", "invalid", "learned", "self", "mgmt"],
            ),
            (
                "battery_status",
                &l.battery_status,
                &["unknown", "normal", "low", "depleted", "fault"],
            ),
        ];
        for (section, names, values) in sections {
            for v in values {
                assert!(
                    names.get(v).is_some(),
                    "{}: [{section}] has no `{v}`",
                    l.language_name
                );
            }
        }
        for kind in crate::audit::KINDS {
            let line = l.finding_summary.get(*kind);
            assert_eq!(
                line.map(Fill::fields),
                Some(vec!["subject".to_string()]),
                "{}: [finding_summary] {kind}",
                l.language_name
            );
        }
        assert!(l.protocol.get("lldp").is_some() && l.protocol.get("cdp").is_some());
    }
}

#[test]
fn chinese_names_are_chinese() {
    let [en, zh] = both();
    for (section, en_names, zh_names) in [
        ("class_name", &en.class_name, &zh.class_name),
        ("finding_kind", &en.finding_kind, &zh.finding_kind),
        ("severity_name", &en.severity_name, &zh.severity_name),
        ("finding_state", &en.finding_state, &zh.finding_state),
        ("match_method", &en.match_method, &zh.match_method),
        ("entity_class", &en.entity_class, &zh.entity_class),
        ("if_status", &en.if_status, &zh.if_status),
    ] {
        for k in en_names.keys() {
            let name = zh_names.of(k);
            assert!(!name.is_ascii(), "[{section}] {k} = {name:?} in zh-CN.toml");
        }
    }
    for (key, en_v, zh_v) in [
        ("title", &en.title, &zh.title),
        ("no_such_page", &en.no_such_page, &zh.no_such_page),
    ] {
        assert_ne!(en_v, zh_v, "{key}");
    }
}

#[test]
fn fill_patterns_use_their_fields() {
    for l in both() {
        let f = &l.format;
        for (key, fill, want) in [
            ("one_value", &l.one_value, &["n"][..]),
            ("many_values", &l.many_values, &["n"]),
            ("more_rows", &l.more_rows, &["n"]),
            ("format.percent", &f.percent, &["n"]),
            ("format.minutes", &f.minutes, &["n"]),
            ("format.duration", &f.duration, &["d", "h", "m"]),
            ("format.quantity", &f.quantity, &["n", "unit"]),
            ("format.seconds", &f.seconds, &["n"]),
            ("format.min_sec", &f.min_sec, &["m", "s"]),
            ("rate_value", &l.rate_value, &["n"]),
            ("answered_of", &l.answered_of, &["n"]),
        ] {
            let mut got = fill.fields();
            got.sort();
            let mut want: Vec<String> = want.iter().map(ToString::to_string).collect();
            want.sort();
            assert_eq!(got, want, "{}: {key}", l.language_name);
        }
    }
}

/// Each SNMP table's columns are exactly its row type's fields, and the
/// catalogue names each of them (and nothing else).
#[test]
fn every_snmp_table_column_is_a_row_field_with_a_header_in_both_languages() {
    let ip: std::net::IpAddr = "198.51.100.1".parse().unwrap();
    let fields = |v: serde_json::Value| -> Vec<String> {
        v.as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "supplies")
            .cloned()
            .collect()
    };
    let rows = [
        (
            "interfaces",
            serde_json::to_value(InterfaceRow::default()).unwrap(),
        ),
        (
            "addresses",
            serde_json::to_value(AddressRow {
                ip,
                prefix_length: None,
                if_index: None,
            })
            .unwrap(),
        ),
        (
            "arp",
            serde_json::to_value(ArpRow {
                ip,
                mac: String::new(),
                if_index: None,
                entry_type: None,
            })
            .unwrap(),
        ),
        (
            "fdb",
            serde_json::to_value(FdbRow {
                mac: String::new(),
                vlan: None,
                bridge_port: 1,
                if_index: None,
                port_name: None,
                status: None,
            })
            .unwrap(),
        ),
        (
            "neighbors",
            serde_json::to_value(NeighborRow::default()).unwrap(),
        ),
        (
            "entities",
            serde_json::to_value(EntityRow::default()).unwrap(),
        ),
        (
            "storage",
            serde_json::to_value(StorageRow {
                index: 1,
                kind: None,
                description: None,
                size_bytes: None,
                used_bytes: None,
            })
            .unwrap(),
        ),
        (
            "host_devices",
            serde_json::to_value(HostDeviceRow {
                index: 1,
                kind: None,
                description: None,
                status: None,
                load_percent: None,
            })
            .unwrap(),
        ),
        (
            "software",
            serde_json::to_value(SoftwareRow {
                index: 1,
                name: String::new(),
            })
            .unwrap(),
        ),
        (
            "printer",
            serde_json::to_value(PrinterInfo::default()).unwrap(),
        ),
        (
            "supplies",
            serde_json::to_value(SupplyRow {
                description: None,
                supply_type: None,
                max_capacity: None,
                level: None,
                percent: None,
            })
            .unwrap(),
        ),
        ("ups", serde_json::to_value(UpsInfo::default()).unwrap()),
    ];
    let columns = crate::web::snmp_view::column_keys();
    assert_eq!(columns.len(), rows.len());
    for ((table, keys), (row_table, row)) in columns.iter().zip(rows) {
        assert_eq!(*table, row_table);
        let mut shown: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let mut fields = fields(row);
        shown.sort();
        fields.sort();
        assert_eq!(shown, fields, "{table}: columns and row fields differ");
        for l in both() {
            let c = &l.columns;
            let headers = match *table {
                "interfaces" => &c.interfaces,
                "addresses" => &c.addresses,
                "arp" => &c.arp,
                "fdb" => &c.fdb,
                "neighbors" => &c.neighbors,
                "entities" => &c.entities,
                "storage" => &c.storage,
                "host_devices" => &c.host_devices,
                "software" => &c.software,
                "printer" => &c.printer,
                "supplies" => &c.supplies,
                "ups" => &c.ups,
                other => panic!("no headers for {other}"),
            };
            let named: Vec<String> = headers.keys().map(ToString::to_string).collect();
            assert_eq!(
                named, shown,
                "{}: [columns.{table}] names other columns than the page shows",
                l.language_name
            );
        }
    }
}

#[test]
fn lang_pick_table() {
    let cases = [
        (Some("zh"), None, Lang::Zh),
        (Some("zh-CN"), None, Lang::Zh),
        (Some("EN"), Some("zh-CN"), Lang::En),
        (Some("en"), Some("zh-CN"), Lang::En),
        (None, Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
        (None, Some("en-US,en;q=0.9,zh;q=0.5"), Lang::En),
        (Some("fr"), Some("zh"), Lang::Zh),
        (Some("fr"), None, Lang::En),
        (None, None, Lang::En),
    ];
    for (q, a, want) in cases {
        assert_eq!(Lang::pick(q, a), want, "{q:?} {a:?}");
    }
}

#[test]
fn switch_keeps_the_query_and_sets_lang_last() {
    let cases = [
        (None, Lang::Zh, "?lang=zh"),
        (Some(""), Lang::En, "?lang=en"),
        (Some("lang=zh"), Lang::En, "?lang=en"),
        (
            Some("q=huawei&class=switch&lang=en&after=5"),
            Lang::Zh,
            "?q=huawei&class=switch&after=5&lang=zh",
        ),
        (
            Some("lang=zh&lang=en&q=a%20b"),
            Lang::En,
            "?q=a%20b&lang=en",
        ),
        (Some("%6Cang=zh&q=x"), Lang::En, "?q=x&lang=en"),
        (Some("language=x&&q"), Lang::Zh, "?language=x&q&lang=zh"),
    ];
    for (raw, to, want) in cases {
        assert_eq!(switch_href(raw, to), want, "{raw:?}");
    }
    let long = "q=x&".repeat(100);
    let href = switch_href(Some(&long), Lang::Zh);
    assert!(href.ends_with("&lang=zh") && href.matches("q=x").count() == MAX_PARTS);
    let huge = format!("q={}", "x".repeat(5000));
    assert_eq!(switch_href(Some(&huge), Lang::Zh), "?lang=zh");
}

#[test]
fn ctx_keeps_an_explicit_choice_on_links() {
    let c = Ctx::new(Some("zh"), None, Some("lang=zh&q=x")).unwrap();
    assert_eq!(
        (c.lang, c.query, c.switch_href.as_str(), c.switch_label),
        (Lang::Zh, "?lang=zh", "?q=x&lang=en", "English")
    );
    let c = Ctx::new(None, Some("zh-CN"), None).unwrap();
    assert_eq!((c.lang, c.query, c.switch_label), (Lang::Zh, "", "English"));
    assert!(!c.explicit());
    let c = Ctx::new(Some("en"), Some("zh-CN"), Some("lang=en")).unwrap();
    assert_eq!(
        (c.lang, c.query, c.switch_label),
        (Lang::En, "?lang=en", "中文")
    );
}

#[test]
fn times_numbers_and_units_in_each_language() {
    let [en, zh] = both();
    let cases: [(&str, String, String); 13] = [
        (
            "time",
            en.time("2026-12-02T03:44:10Z"),
            zh.time("2026-12-02T03:44:10Z"),
        ),
        ("not a time", en.time("soon"), zh.time("soon")),
        ("num", en.num(65_000), zh.num(65_000)),
        ("num small", en.num(7u8), zh.num(7u8)),
        ("speed", en.speed(1_000_000_000), zh.speed(1_000_000_000)),
        (
            "speed odd",
            en.speed(2_500_000_000),
            zh.speed(2_500_000_000),
        ),
        ("speed slow", en.speed(10_000), zh.speed(10_000)),
        (
            "bytes",
            en.bytes(1_536 * 1_048_576),
            zh.bytes(1_536 * 1_048_576),
        ),
        ("bytes few", en.bytes(512), zh.bytes(512)),
        ("uptime", en.uptime(123_456_789), zh.uptime(123_456_789)),
        ("values", en.values(1), zh.values(12_345)),
        ("percent", en.percent(85), zh.percent(85)),
        (
            "day",
            en.day("2026-12-02T03:44:10Z"),
            zh.day("2026-12-02T03:44:10Z"),
        ),
    ];
    let want = [
        ("2026-12-02 03:44 UTC", "2026年12月2日 03:44 UTC"),
        ("soon", "soon"),
        ("65,000", "65,000"),
        ("7", "7"),
        ("1 Gbit/s", "1 Gbit/s"),
        ("2.5 Gbit/s", "2.5 Gbit/s"),
        ("10 kbit/s", "10 kbit/s"),
        ("1.5 GiB", "1.5 GiB"),
        ("512 B", "512 字节"),
        ("14 d 6 h 56 min", "14 天 6 小时 56 分"),
        ("1 value", "12,345 个值"),
        ("85%", "85%"),
        ("2026-12-02", "2026年12月2日"),
    ];
    for ((what, got_en, got_zh), (want_en, want_zh)) in cases.into_iter().zip(want) {
        assert_eq!(
            (got_en.as_str(), got_zh.as_str()),
            (want_en, want_zh),
            "{what}"
        );
    }
    for (secs, want_en, want_zh) in [
        (0, "0 s", "0 秒"),
        (-5, "0 s", "0 秒"),
        (59, "59 s", "59 秒"),
        (60, "1 min 0 s", "1 分 0 秒"),
        (185, "3 min 5 s", "3 分 5 秒"),
        (3_600, "0 d 1 h 0 min", "0 天 1 小时 0 分"),
        (90_061, "1 d 1 h 1 min", "1 天 1 小时 1 分"),
    ] {
        assert_eq!(
            (en.run_duration(secs), zh.run_duration(secs)),
            (want_en.to_string(), want_zh.to_string()),
            "{secs}"
        );
    }
    assert_eq!(en.speed(0), "0 bit/s");
    assert_eq!(en.values(0), "0 values");
}
