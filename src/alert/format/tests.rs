use super::*;
use proptest::prelude::*;

fn alert() -> Alert {
    Alert {
        event_id: 12,
        event: EventKind::Opened,
        time: "2026-12-01T20:00:00Z".into(),
        finding_id: 7,
        kind: "unregistered".into(),
        severity: Severity::High,
        state: "open".into(),
        device_id: Some(3),
        ip: Some("198.51.100.7".into()),
        mac: Some("00:1b:54:10:00:0a".into()),
        summary: "198.51.100.7 (Cisco) is not in the register".into(),
        evidence: r#"[{"source": "arp", "key": "mac", "value": "00:1b:54:10:00:0a", "seen": "2026-12-01T20:00:00Z"}]"#.into(),
        first_seen: "2026-12-01T20:00:00Z".into(),
        last_seen: "2026-12-01T20:00:00Z".into(),
    }
}

/// A parsed RFC 5424 message (what a strict receiver sees).
#[derive(Debug)]
struct Parsed {
    pri: u16,
    timestamp: String,
    hostname: String,
    app: String,
    procid: String,
    msgid: String,
    sd_id: String,
    params: Vec<(String, String)>,
    msg: String,
}

fn printusascii(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| (33..=126).contains(&b)) {
        return Err(format!("not 1*{max}PRINTUSASCII: {s:?}"));
    }
    Ok(())
}

/// Parse per RFC 5424 §6 (one SD-ELEMENT), unescaping PARAM-VALUEs per
/// §6.3.3; any deviation is an error.
fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let rest = text.strip_prefix('<').ok_or("no PRI")?;
    let (pri, rest) = rest.split_once('>').ok_or("PRI not closed")?;
    if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad PRI {pri}"));
    }
    let pri: u16 = pri.parse().map_err(|_| "PRI")?;
    if pri > 191 {
        return Err("PRI > 191".into());
    }
    let rest = rest.strip_prefix("1 ").ok_or("VERSION")?;
    let mut it = rest.splitn(6, ' ');
    let mut next = || it.next().ok_or("short header").map(str::to_string);
    let (timestamp, hostname, app, procid, msgid) = (next()?, next()?, next()?, next()?, next()?);
    let rest = next()?;
    printusascii(&timestamp, 64)?;
    printusascii(&hostname, 255)?;
    printusascii(&app, 48)?;
    printusascii(&procid, 128)?;
    printusascii(&msgid, 32)?;
    let rest = rest.strip_prefix('[').ok_or("no SD-ELEMENT")?;
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let mut name = String::new();
    while i < chars.len() && chars[i] != ' ' && chars[i] != ']' {
        name.push(chars[i]);
        i += 1;
    }
    printusascii(&name, 32)?;
    if name.contains(['=', '"']) {
        return Err("SD-ID has = or \"".into());
    }
    let mut params = Vec::new();
    loop {
        match chars.get(i) {
            Some(']') => {
                i += 1;
                break;
            }
            Some(' ') => i += 1,
            _ => return Err(format!("bad SD at {i}")),
        }
        let mut pname = String::new();
        while i < chars.len() && chars[i] != '=' {
            pname.push(chars[i]);
            i += 1;
        }
        printusascii(&pname, 32)?;
        if pname.contains([' ', ']', '"']) {
            return Err(format!("bad PARAM-NAME {pname}"));
        }
        if chars.get(i) != Some(&'=') || chars.get(i + 1) != Some(&'"') {
            return Err("no =\"".into());
        }
        i += 2;
        let mut value = String::new();
        loop {
            match chars.get(i) {
                None => return Err("PARAM-VALUE not closed".into()),
                Some('\\') => {
                    match chars.get(i + 1) {
                        Some(c @ ('"' | '\\' | ']')) => value.push(*c),
                        // §6.3.3: any other backslash is kept; we never write one.
                        _ => return Err("a lone backslash".into()),
                    }
                    i += 2;
                }
                Some('"') => {
                    i += 1;
                    break;
                }
                Some(']') => return Err("unescaped ]".into()),
                Some(c) => {
                    value.push(*c);
                    i += 1;
                }
            }
        }
        params.push((pname, value));
    }
    let msg: String = chars[i..].iter().collect();
    let msg = msg.strip_prefix(' ').ok_or("no SP before MSG")?;
    let msg = msg.strip_prefix('\u{feff}').ok_or("MSG without BOM")?;
    Ok(Parsed {
        pri,
        timestamp,
        hostname,
        app,
        procid,
        msgid,
        sd_id: name,
        params,
        msg: msg.to_string(),
    })
}

fn param<'a>(p: &'a Parsed, name: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn syslog_message_has_every_rfc5424_part() {
    let bytes = rfc5424(&alert(), Facility::LOCAL0, "pandian-1.example.test");
    let p = parse(&bytes).unwrap();
    assert_eq!(
        p.pri,
        16 * 8 + 3,
        "local0, error for an opened high finding"
    );
    assert_eq!(p.timestamp, "2026-12-01T20:00:00Z");
    assert_eq!(p.hostname, "pandian-1.example.test");
    assert_eq!((p.app.as_str(), p.procid.as_str()), ("pandian", "-"));
    assert_eq!(p.msgid, "unregistered");
    assert_eq!(p.sd_id, "pandian@32473");
    for (k, v) in [
        ("event", "opened"),
        ("event_id", "12"),
        ("finding_id", "7"),
        ("kind", "unregistered"),
        ("severity", "high"),
        ("state", "open"),
        ("device_id", "3"),
        ("ip", "198.51.100.7"),
        ("mac", "00:1b:54:10:00:0a"),
        ("first_seen", "2026-12-01T20:00:00Z"),
    ] {
        assert_eq!(param(&p, k), Some(v), "{k}: {p:?}");
    }
    let ev: serde_json::Value = serde_json::from_str(param(&p, "evidence").unwrap()).unwrap();
    assert_eq!(ev[0]["source"], "arp");
    assert_eq!(p.msg, "198.51.100.7 (Cisco) is not in the register");
}

#[test]
fn syslog_priority_follows_facility_and_severity() {
    let cases = [
        (EventKind::Opened, Severity::High, "local0", 131),
        (EventKind::Opened, Severity::Medium, "local0", 132),
        (EventKind::Opened, Severity::Low, "daemon", 29),
        (EventKind::Opened, Severity::Info, "local7", 190),
        (EventKind::Resolved, Severity::High, "local0", 134),
        (EventKind::Opened, Severity::High, "0", 3),
        (EventKind::Opened, Severity::High, "23", 187),
    ];
    for (event, severity, facility, pri) in cases {
        let a = Alert {
            event,
            severity,
            ..alert()
        };
        let f = Facility::parse(facility).unwrap();
        let p = parse(&rfc5424(&a, f, "h")).unwrap();
        assert_eq!(p.pri, pri, "{event:?} {severity:?} {facility}");
    }
    for bad in ["24", "local8", "", "-1", "kernel"] {
        assert_eq!(Facility::parse(bad), None, "{bad}");
    }
}

#[test]
fn syslog_hostile_strings_are_escaped_and_made_visible() {
    let a = Alert {
        kind: "new device\n<13>1 forged".into(),
        state: "open]\"".into(),
        ip: Some("198.51.100.7\"] [x y=\"z".into()),
        mac: Some("back\\slash".into()),
        summary: "line one\nline two\r\u{0}\u{1b}[31m\u{85}\u{2028}end".into(),
        evidence: "not json ] \" \\ \n".into(),
        time: "yesterday".into(),
        ..alert()
    };
    let bytes = rfc5424(&a, Facility::LOCAL0, "host name\n");
    assert!(!bytes.contains(&b'\n') && !bytes.contains(&b'\r') && !bytes.contains(&0));
    let p = parse(&bytes).unwrap();
    assert_eq!(p.timestamp, "-", "an unusable time is the NILVALUE");
    assert_eq!(p.hostname, "host_name_");
    assert_eq!(p.msgid, "new_device_<13>1_forged");
    assert_eq!(param(&p, "kind"), Some("new device\u{240a}<13>1 forged"));
    assert_eq!(param(&p, "state"), Some("open]\""));
    assert_eq!(param(&p, "ip"), Some("198.51.100.7\"] [x y=\"z"));
    assert_eq!(param(&p, "mac"), Some("back\\slash"));
    assert_eq!(param(&p, "evidence"), Some("not json ] \" \\ \u{240a}"));
    assert_eq!(
        p.msg,
        "line one\u{240a}line two\u{240d}\u{2400}\u{241b}[31m\u{fffd}\u{fffd}end"
    );
    assert_eq!(p.params.len(), 12, "no forged parameter: {p:?}");
}

#[test]
fn syslog_huge_evidence_and_summary_are_cut_to_the_bound() {
    let items: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"source":"snmp","key":"k{i}","value":"]]]\"\"\\","seen":"x"}}"#))
        .collect();
    let a = Alert {
        evidence: format!("[{}]", items.join(",")),
        summary: "设备".repeat(10_000),
        ..alert()
    };
    let bytes = rfc5424(&a, Facility::LOCAL0, &"h".repeat(1000));
    assert!(bytes.len() <= MAX_SYSLOG_BYTES, "{}", bytes.len());
    let p = parse(&bytes).unwrap();
    assert_eq!(p.hostname.len(), 255);
    assert!(
        p.msg.ends_with('…') && p.msg.starts_with("设备"),
        "{}",
        p.msg
    );
    let ev = param(&p, "evidence").unwrap();
    assert!(ev.ends_with('…') && ev.starts_with("[{"), "{ev}");
    assert!(
        bytes.len() > MAX_SYSLOG_BYTES - 16,
        "the room is used: {}",
        bytes.len()
    );
}

#[test]
fn octet_counting_frame_counts_bytes() {
    let msg = rfc5424(
        &Alert {
            summary: "设备 ünïcode".into(),
            ..alert()
        },
        Facility::LOCAL0,
        "h",
    );
    let framed = octet_framed(&msg);
    let text = std::str::from_utf8(&framed).unwrap();
    let (len, rest) = text.split_once(' ').unwrap();
    assert_eq!(len.parse::<usize>().unwrap(), rest.len());
    assert_eq!(rest.as_bytes(), msg.as_slice());
}

#[test]
fn webhook_body_is_the_documented_json() {
    let body = webhook_body(&alert(), "pandian-1");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["source"], "pandian");
    assert_eq!(v["host"], "pandian-1");
    assert_eq!(v["event_id"], 12);
    assert_eq!(v["event"], "opened");
    assert_eq!(v["time"], "2026-12-01T20:00:00Z");
    let f = &v["finding"];
    assert_eq!(f["id"], 7);
    assert_eq!(f["kind"], "unregistered");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["state"], "open");
    assert_eq!(f["device_id"], 3);
    assert_eq!(f["ip"], "198.51.100.7");
    assert_eq!(f["evidence"][0]["key"], "mac");
    assert!(f.get("evidence_truncated").is_none());
    let none = Alert {
        device_id: None,
        ip: None,
        mac: None,
        evidence: "{broken".into(),
        ..alert()
    };
    let v: serde_json::Value = serde_json::from_slice(&webhook_body(&none, "h")).unwrap();
    assert!(v["finding"]["device_id"].is_null() && v["finding"]["ip"].is_null());
    assert_eq!(v["finding"]["evidence"], "{broken", "kept as a string");
}

#[test]
fn webhook_huge_evidence_keeps_the_first_items_and_says_how_many() {
    let items: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"source":"snmp","key":"k{i}","value":"\u0001\n\"","seen":"x"}}"#))
        .collect();
    let a = Alert {
        evidence: format!("[{}]", items.join(",")),
        summary: "\u{1}".repeat(100_000),
        ..alert()
    };
    let body = webhook_body(&a, "h");
    assert!(body.len() <= MAX_WEBHOOK_BYTES, "{}", body.len());
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["finding"]["evidence_truncated"], 20_000);
    let kept = v["finding"]["evidence"].as_array().unwrap();
    assert!(kept.len() > 100 && kept.len() < 20_000, "{}", kept.len());
    assert_eq!(kept[0]["key"], "k0");
    let summary = v["finding"]["summary"].as_str().unwrap();
    assert!(summary.starts_with('\u{2401}') && summary.ends_with('…'));
}

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\]\"\\\\\n\r\t\u{0}\u{1b}\u{7f}\u{85}\u{2028}\u{feff} a=设]{0,40}",
        proptest::collection::vec("[\\]\"\\\\\n a设\u{0}]{0,8}", 0..400).prop_map(|v| v.concat()),
    ]
}

fn arb_alert() -> impl Strategy<Value = Alert> {
    (
        (
            any::<i64>(),
            any::<bool>(),
            hostile_string(),
            any::<i64>(),
            hostile_string(),
            0usize..4,
        ),
        (
            hostile_string(),
            proptest::option::of(any::<i64>()),
            proptest::option::of(hostile_string()),
        ),
        (
            proptest::option::of(hostile_string()),
            hostile_string(),
            hostile_string(),
            hostile_string(),
            hostile_string(),
        ),
    )
        .prop_map(
            |(
                (event_id, opened, time, finding_id, kind, sev),
                (state, device_id, ip),
                (mac, summary, evidence, first_seen, last_seen),
            )| Alert {
                event_id,
                event: if opened {
                    EventKind::Opened
                } else {
                    EventKind::Resolved
                },
                time,
                finding_id,
                kind,
                severity: Severity::ALL[sev],
                state,
                device_id,
                ip,
                mac,
                summary,
                evidence,
                first_seen,
                last_seen,
            },
        )
}

proptest! {
    #[test]
    fn syslog_never_panics_and_always_parses(a in arb_alert(), host in hostile_string(), f in 0u8..24) {
        let facility = Facility::parse(&f.to_string()).unwrap();
        let bytes = rfc5424(&a, facility, &host);
        prop_assert!(bytes.len() <= MAX_SYSLOG_BYTES);
        let p = parse(&bytes).map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;
        prop_assert_eq!(p.pri, u16::from(f) * 8 + u16::from(syslog_severity(&a)));
        prop_assert!(!p.msg.chars().any(char::is_control));
        let id = a.event_id.to_string();
        prop_assert_eq!(param(&p, "event_id"), Some(id.as_str()));
        let framed = octet_framed(&bytes);
        let prefix = format!("{} ", bytes.len());
        prop_assert!(framed.starts_with(prefix.as_bytes()));
    }

    #[test]
    fn webhook_never_panics_and_is_bounded_json(a in arb_alert(), host in hostile_string()) {
        let body = webhook_body(&a, &host);
        prop_assert!(body.len() <= MAX_WEBHOOK_BYTES);
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(v["event_id"].as_i64(), Some(a.event_id));
    }
}
