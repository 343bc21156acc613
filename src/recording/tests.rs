use super::*;
use crate::facts::{Oid, Value};
use proptest::prelude::*;

fn get<'a>(r: &'a Recording, oid: &str) -> Option<&'a Value> {
    r.facts.get_str(oid)
}

#[test]
fn snmprec_tags_table() {
    let text = b"# comment\n\n\
1.3.6.1.2.1.1.1.0|4|Linux box|with pipe\n\
1.3.6.1.2.1.1.2.0|6|.1.3.6.1.4.1.8072.3.2.10\n\
1.3.6.1.2.1.1.3.0|67|12345\n\
1.3.6.1.2.1.1.4.0|4x|6869\n\
1.3.6.1.2.1.1.5.0|4e|a\\x07\\tb\n\
1.3.6.1.2.1.1.6.0|5|\n\
1.3.6.1.2.1.1.7.0|2|-72\n\
1.3.6.1.2.1.4.20.1.1.10.0.0.1|64|10.0.0.1\n\
1.3.6.1.2.1.4.20.1.1.10.0.0.2|64x|0a000002\n\
1.3.6.1.2.1.4.20.1.1.10.0.0.3|64e|\\xc0\\xa8\\x00\\x01\n\
1.3.6.1.2.1.2.2.1.10.1|65|4294967295\n\
1.3.6.1.2.1.2.2.1.5.1|66|100\n\
1.3.6.1.2.1.31.1.1.1.6.1|70|18446744073709551615\n\
1.3.6.1.4.1.2021.10.1.6.1|68x|0900\n";
    let r = parse(text);
    assert_eq!(r.format, Format::Snmprec);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.1.0"),
        Some(&Value::OctetString(b"Linux box|with pipe".to_vec()))
    );
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.2.0").and_then(Value::as_oid),
        Oid::parse("1.3.6.1.4.1.8072.3.2.10").ok().as_ref()
    );
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.4.0"),
        Some(&Value::OctetString(b"hi".to_vec()))
    );
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.5.0"),
        Some(&Value::OctetString(b"a\x07\tb".to_vec()))
    );
    assert_eq!(get(&r, "1.3.6.1.2.1.1.7.0"), Some(&Value::Integer(-72)));
    assert_eq!(
        get(&r, "1.3.6.1.2.1.4.20.1.1.10.0.0.3"),
        Some(&Value::IpAddress([192, 168, 0, 1]))
    );
    assert_eq!(
        get(&r, "1.3.6.1.2.1.31.1.1.1.6.1"),
        Some(&Value::Counter64(u64::MAX))
    );
    assert_eq!(r.facts.len(), 14);
}

#[test]
fn snmprec_bad_lines_are_reported_not_fatal() {
    let text = b"1.3.6.1.2.1.4.20.1.2.10.xx.xx.100|2|13\n\
1.3.6.1.2.1.1.1.0|4\n\
1.3.6.1.2.1.17.1.1.0|4x|<private>\n\
1.3.6.1.2.1.1.7.0|2|<private>\n\
1.3.6.1.2.1.1.8.0|4x|abc\n\
1.3.6.1.2.1.1.9.0|99|odd\n\
1.3.6.1.2.1.1.1.0|4|\xff\xfebinary\n";
    let r = parse(text);
    let lines: Vec<usize> = r.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![1, 2, 4, 5, 6]);
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.1.0"),
        Some(&Value::OctetString(b"\xff\xfebinary".to_vec()))
    );
    assert!(get(&r, "1.3.6.1.2.1.17.1.1.0").is_some());
}

#[test]
fn snmpwalk_types_table() {
    let text = b".1.3.6.1.2.1.1.1.0 = STRING: \"Cisco IOS Software,\nline two \\\"q\\\"\"\n\
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9.1.516\n\
.1.3.6.1.2.1.1.3.0 = Timeticks: (12345) 0:02:03.45\n\
.1.3.6.1.2.1.1.4.0 = \"\"\n\
.1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1B 21 0A\n0B 0C \n\
.1.3.6.1.2.1.2.2.1.8.1 = INTEGER: up(1)\n\
.1.3.6.1.2.1.2.2.1.5.1 = Gauge32: 1000000000\n\
.1.3.6.1.2.1.4.20.1.1.10.0.0.1 = IpAddress: 10.0.0.1\n\
.1.3.6.1.2.1.1.9.0 = No Such Object available on this agent at this OID\n\
.1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 77\n";
    let r = parse(text);
    assert_eq!(r.format, Format::Snmpwalk);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.1.0")
            .and_then(Value::as_text)
            .as_deref(),
        Some("Cisco IOS Software,\nline two \"q\"")
    );
    assert_eq!(get(&r, "1.3.6.1.2.1.1.3.0"), Some(&Value::TimeTicks(12345)));
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.4.0"),
        Some(&Value::OctetString(vec![]))
    );
    assert_eq!(
        get(&r, "1.3.6.1.2.1.2.2.1.6.1"),
        Some(&Value::OctetString(vec![0, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]))
    );
    assert_eq!(get(&r, "1.3.6.1.2.1.2.2.1.8.1"), Some(&Value::Integer(1)));
    assert_eq!(get(&r, "1.3.6.1.2.1.1.9.0"), Some(&Value::NoSuchObject));
    assert_eq!(r.facts.len(), 10);
}

#[test]
fn snmpwalk_unterminated_string_is_reported() {
    let r = parse(b".1.3.6.1.2.1.1.1.0 = STRING: \"open\nstill open");
    assert_eq!(r.problems.len(), 1);
    assert!(matches!(
        r.problems.first().map(|p| &p.error),
        Some(LineError::Unterminated)
    ));
}

#[test]
fn huge_value_is_cut_and_reported() {
    let mut text = b"1.3.6.1.2.1.1.1.0|4|".to_vec();
    text.extend(std::iter::repeat_n(b'a', MAX_VALUE_LEN + 10));
    let r = parse(&text);
    assert_eq!(r.problems.len(), 1);
    assert_eq!(
        get(&r, "1.3.6.1.2.1.1.1.0")
            .and_then(Value::as_bytes)
            .map(<[u8]>::len),
        Some(MAX_VALUE_LEN)
    );
}

fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
    let oid = prop::collection::vec(0u32..2000, 0..12).prop_map(|arcs| {
        arcs.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    });
    let tag = prop::sample::select(vec![
        "2", "4", "4x", "4e", "5", "6", "64", "64x", "64e", "65", "66", "67", "68x", "70", "40",
        "4xx", "", "zz",
    ]);
    let value = prop::collection::vec(any::<u8>(), 0..40);
    let walk_type = prop::sample::select(vec![
        "STRING: \"",
        "STRING: ",
        "Hex-STRING: ",
        "INTEGER: ",
        "OID: ",
        "Timeticks: (",
        "IpAddress: ",
        "Counter64: ",
        "",
        "\"",
    ]);
    prop_oneof![
        (oid.clone(), tag, value.clone()).prop_map(|(o, t, v)| {
            let mut l = format!("{o}|{t}|").into_bytes();
            l.extend(v);
            l
        }),
        (oid, walk_type, value.clone()).prop_map(|(o, t, v)| {
            let mut l = format!(".{o} = {t}").into_bytes();
            l.extend(v);
            l
        }),
        value,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let r = parse(&bytes);
        prop_assert!(r.facts.len() <= bytes.len());
    }

    #[test]
    fn parse_never_panics_on_plausible_lines(lines in prop::collection::vec(line_strategy(), 0..20)) {
        let text = lines.join(&b'\n');
        let r = parse(&text);
        let line_count = text.split(|&b| b == b'\n').count();
        for p in &r.problems {
            prop_assert!(p.line >= 1 && p.line <= line_count);
        }
    }

    #[test]
    fn snmprec_string_round_trips(s in "[ -{}~]{0,60}") {
        let text = format!("1.3.6.1.2.1.1.1.0|4|{s}");
        let r = parse(text.as_bytes());
        prop_assert_eq!(r.facts.get_str("1.3.6.1.2.1.1.1.0"), Some(&Value::OctetString(s.into_bytes())));
    }

    #[test]
    fn snmprec_hex_round_trips(b in prop::collection::vec(any::<u8>(), 0..60)) {
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let text = format!("1.3.6.1.2.1.1.1.0|4x|{hex}");
        let r = parse(text.as_bytes());
        prop_assert_eq!(r.facts.get_str("1.3.6.1.2.1.1.1.0"), Some(&Value::OctetString(b)));
    }
}

proptest::proptest! {
    /// Read from a stream, a recording gives exactly what its bytes give.
    #[test]
    fn parse_reader_matches_parse(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                "1\\.3\\.6\\.1\\.[0-9]{1,3}\\.[0-9]{1,2}\\|(2|4|4x|65)\\|[0-9a-f]{0,12}",
                "# [a-z ]{0,10}",
                "[ -~]{0,30}",
                "",
            ],
            0..40,
        ),
        crlf in proptest::bool::ANY,
        final_newline in proptest::bool::ANY,
    ) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let mut text = lines.join(sep);
        if final_newline {
            text.push_str(sep);
        }
        let bytes = text.into_bytes();
        let want = parse(&bytes);
        // A small buffer: lines cross buffer boundaries.
        let got = parse_reader(std::io::BufReader::with_capacity(7, &bytes[..]), bytes.len() as u64).unwrap();
        proptest::prop_assert_eq!(got.format, want.format);
        proptest::prop_assert_eq!(&got.facts, &want.facts);
        proptest::prop_assert_eq!(got.problems, want.problems);
        proptest::prop_assert_eq!(got.problem_count, want.problem_count);
    }
}

#[test]
fn parse_reader_reads_snmpwalk_output_whole() {
    let text = b".1.3.6.1.2.1.1.1.0 = STRING: \"two\nlines\"\n.1.3.6.1.2.1.1.5.0 = STRING: sw1\n";
    let got = parse_reader(&text[..], 0).unwrap();
    assert_eq!(got, parse(text));
    assert_eq!(got.format, Format::Snmpwalk);
    assert_eq!(got.facts.len(), 2);
}
