// Tests read their own tables: a failure there is the test's failure.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::wire::tcpip;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_generated_line_parses() {
    let (sigs, errors) = parse(table::RESPONSE);
    assert!(errors.is_empty(), "{errors:?}");
    let lines = table::RESPONSE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count();
    assert_eq!(sigs.len(), lines);
    assert_eq!(response_table().len(), lines);
    // p0f 3.09b's [tcp:response]: 101 signatures under 17 labels.
    assert_eq!(lines, 101);
    assert!(table::RESPONSE.starts_with("# p0f [tcp:response] signatures from Debian package p0f"));
    // Every label is an OS (no userland tool) and names a family.
    assert!(
        sigs.iter()
            .all(|s| !s.label.is_tool() && !s.label.name.is_empty())
    );
}

#[test]
fn table_lines_read_as_p0f_reads_sigs() {
    let s = parse_line(
        1,
        "452\ts:unix:FreeBSD:9.x\t*\t64\t0\t*\t65535\t6\tmss,nop,ws,sok,eol+1\tdf,id+\t0",
    )
    .unwrap();
    assert_eq!(s.line, 452);
    assert_eq!(s.label.to_string(), "s:unix:FreeBSD:9.x");
    assert_eq!((s.ver, s.ittl, s.bad_ttl, s.olen), (None, 64, false, 0));
    assert_eq!(
        (s.mss, s.window, s.wscale),
        (None, Window::Exact(65535), Some(6))
    );
    assert_eq!(
        (s.layout.as_slice(), s.eol_pad),
        (&[2u8, 1, 3, 4, 0][..], 1)
    );
    assert_eq!(s.quirks, quirk::DF | quirk::NZ_ID);
    assert_eq!(s.payload, Some(false));
    let s = parse_line(1, "9\tg:win:Windows:\t4\t128-\t0\t1460\tmss*4\t*\t?30\t\t+").unwrap();
    assert!(s.label.generic && s.bad_ttl);
    assert_eq!(s.label.flavor, "");
    assert_eq!(
        (s.window, s.wscale, s.layout),
        (Window::Mss(4), None, vec![30])
    );
    assert_eq!((s.quirks, s.payload), (0, Some(true)));
    assert_eq!(
        parse_line(1, "9\ts:a:b:c\t*\t64+3\t0\t*\t%8\t*\t\t\t*")
            .unwrap()
            .ittl,
        67
    );
}

#[test]
fn bad_table_lines_are_typed_errors() {
    let ok = [
        "1",
        "s:unix:Linux:3.x",
        "*",
        "64",
        "0",
        "*",
        "mss*10",
        "0",
        "mss",
        "df",
        "0",
    ];
    let cases: &[(usize, &str, &str)] = &[
        (0, "x", "line"),
        (1, "q:unix:Linux:3.x", "label"),
        (1, "s:unix", "label"),
        (2, "5", "ver"),
        (3, "0", "ittl"),
        (3, "250+10", "ittl"),
        (4, "256", "olen"),
        (5, "-1", "mss"),
        (6, "mss*0", "wsize"),
        (6, "mss*1001", "wsize"),
        (6, "%1", "wsize"),
        (6, "65536", "wsize"),
        (7, "x", "scale"),
        (8, "mss,eol+1,nop", "olayout"),
        (8, "mss,foo", "olayout"),
        (9, "df,bogus", "quirks"),
        (10, "1", "pclass"),
    ];
    for (col, value, field) in cases {
        let mut cols = ok;
        cols[*col] = value;
        let err = parse_line(7, &cols.join("\t")).unwrap_err();
        assert!(
            matches!(&err, TableError::Field { row: 7, field: f, .. } if f == field),
            "{col} {value}: {err}"
        );
    }
    // IPv6 signatures carry no IPv4 quirks, and the reverse.
    let mut cols = ok;
    cols[2] = "6";
    assert!(parse_line(1, &cols.join("\t")).is_err());
    cols[2] = "4";
    cols[9] = "flow";
    assert!(parse_line(1, &cols.join("\t")).is_err());
    assert_eq!(
        parse_line(3, "1\ts:a:b:c"),
        Err(TableError::Columns { row: 3, got: 2 })
    );
}

/// SYN+ACKs captured in a lab namespace (Linux 6.18, socat listening on
/// port 80, tcpdump -x), and what p0f 3.09b itself (Debian's binary, `p0f
/// -r` on the same capture with its own p0f.fp) printed for each.
const CAPTURES: &[(&str, &str, Option<&str>, bool, &str)] = &[
    (
        "Linux 6.18 as installed",
        "4500003c00004000 40066e8bc612a00a c612a0010050d392 d1540f4297755156 a012fe88cc5f0000 020405b40402080a f4c6b8116537d08f 0103030a",
        None,
        false,
        "4:64+0:0:1460:mss*45,10:mss,sok,ts,nop,ws:df:0",
    ),
    (
        "Linux 6.18, route initrwnd 10 (the initial window Linux 3.0-4.18 used)",
        "4500003c00004000 40066e8bc612a00a c612a0010050c29a e0f3bb1ae6366bf0 a0123890cc5f0000 020405b40402080a 2d80d0feedee80f1 0103030a",
        Some("s:unix:Linux:3.x"),
        false,
        "4:64+0:0:1460:mss*10,10:mss,sok,ts,nop,ws:df:0",
    ),
    (
        "the same, ip_default_ttl=128, tcp_timestamps=0, tcp_window_scaling=0",
        "4500003000004000 80062e97c612a00a c612a0010050c2a2 ebcb6086e5ec0895 70123908cc530000 020405b401010402",
        Some("s:unix:Linux:3.x"),
        true,
        "4:128+0:0:1460:mss*10,0:mss,nop,nop,sok:df:0",
    ),
    (
        "Linux 6.18, ip_default_ttl=128, tcp_timestamps=0, tcp_window_scaling=0",
        "4500003000004000 80062e97c612a00a c612a0010050c2aa dc8b95c4d7ef026f 7012faf0cc530000 020405b401010402",
        None,
        false,
        "4:128+0:0:1460:mss*44,0:mss,nop,nop,sok:df:0",
    ),
];

#[test]
fn lab_syn_acks_get_the_label_p0f_gives_them() {
    for (what, bytes, label, fuzzy, raw) in CAPTURES {
        let seg = tcpip::decode(&hex(bytes)).unwrap();
        assert!(seg.is_syn_ack(), "{what}");
        let o = Observed::of(&seg);
        assert_eq!(raw_signature(&o, true, None), *raw, "{what}");
        let m = identify_syn_ack(&o, Some(1460));
        assert_eq!(
            m.map(|m| m.sig.label.to_string()).as_deref(),
            *label,
            "{what}"
        );
        assert_eq!(m.map(|m| m.fuzzy), label.map(|_| *fuzzy), "{what}");
        // p0f printed `dist = 0` for each.
        assert!(m.is_none_or(|m| m.dist == 0), "{what}");
    }
}

/// The SYN+ACK of p0f's README (section 1's sample output): `os = Linux
/// 3.x`, `dist = 0`, `raw_sig = 4:64+0:0:1460:mss*10,0:mss,nop,nop,sok:df:0`.
#[test]
fn readme_syn_ack_is_linux_3() {
    let o = Observed {
        ttl: 64,
        olen: 0,
        mss: 1460,
        window: 14600,
        wscale: 0,
        layout: vec![kind::MSS, kind::NOP, kind::NOP, kind::SOK],
        eol_pad: 0,
        quirks: quirk::DF,
        ts1: 0,
        payload: false,
        headers: 48,
    };
    assert_eq!(
        raw_signature(&o, true, None),
        "4:64+0:0:1460:mss*10,0:mss,nop,nop,sok:df:0"
    );
    let m = identify_syn_ack(&o, None).unwrap();
    assert_eq!(m.sig.label.to_string(), "s:unix:Linux:3.x");
    assert_eq!((m.fuzzy, m.dist), (false, 0));
    // A hop further, still exact; id+ added is not a tolerated difference.
    let far = Observed {
        ttl: 50,
        ..o.clone()
    };
    assert_eq!(identify_syn_ack(&far, None).unwrap().dist, 14);
    let with_id = Observed {
        quirks: quirk::DF | quirk::NZ_ID,
        ..o.clone()
    };
    assert!(identify_syn_ack(&with_id, None).is_none());
    // DF gone: fuzzy, as p0f allows.
    let no_df = Observed {
        quirks: quirk::ZERO_ID,
        ..o
    };
    assert!(identify_syn_ack(&no_df, None).unwrap().fuzzy);
}

/// Signatures of p0f.fp's own table matched by observations built to
/// each signature's documented values (window forms, TTLs, quirks).
#[test]
fn window_forms_and_ttls_follow_p0f() {
    let base = Observed {
        ttl: 64,
        olen: 0,
        mss: 1460,
        window: 65535,
        wscale: 6,
        layout: vec![kind::MSS, kind::NOP, kind::WS],
        eol_pad: 0,
        quirks: quirk::DF | quirk::NZ_ID,
        ts1: 0,
        payload: false,
        headers: 52,
    };
    let label = |o: &Observed| identify_syn_ack(o, None).map(|m| m.sig.label.to_string());
    let cases: Vec<(&str, Observed, Option<&str>)> = vec![
        // *:64:0:*:65535,6:mss,nop,ws:df,id+:0
        (
            "FreeBSD 9 exact window and scale",
            base.clone(),
            Some("s:unix:FreeBSD:9.x"),
        ),
        (
            "scale 3",
            Observed {
                wscale: 3,
                ..base.clone()
            },
            Some("s:unix:FreeBSD:8.x"),
        ),
        // *:64:0:*:65535,0:mss,nop,ws:df,id+:0 (Mac OS X), in file order after FreeBSD.
        (
            "scale 0",
            Observed {
                wscale: 0,
                ..base.clone()
            },
            Some("s:unix:Mac OS X:10.x"),
        ),
        // 4:255:0:*:mss*7,0:mss:df,id+:0
        (
            "Solaris 6: mss*7, TTL 255 - 10 hops",
            Observed {
                ttl: 245,
                window: 1460 * 7,
                wscale: 0,
                layout: vec![kind::MSS],
                ..base.clone()
            },
            Some("s:unix:Solaris:6"),
        ),
        // *:128:0:*:8192,8:mss,nop,ws:df,id+:0
        (
            "Windows 7: 8192, scale 8, TTL 128 - 3 hops",
            Observed {
                ttl: 125,
                window: 8192,
                wscale: 8,
                ..base.clone()
            },
            Some("s:win:Windows:7 or 8"),
        ),
        (
            "no signature has this window",
            Observed {
                window: 12345,
                ..base.clone()
            },
            None,
        ),
    ];
    for (what, o, want) in &cases {
        assert_eq!(label(o).as_deref(), *want, "{what}");
    }
    // Over MAX_DIST hops below 64: fuzzy, and p0f's guessed distance.
    let far = Observed { ttl: 20, ..base };
    let m = identify_syn_ack(&far, None).unwrap();
    assert!(m.fuzzy);
    assert_eq!(m.dist, 12);
}

#[test]
fn generic_signatures_come_after_specific_ones() {
    let text = "1\tg:unix:Linux:\t*\t64\t0\t*\t*\t*\tmss\t\t0\n\
                2\ts:unix:Linux:3.x\t*\t64\t0\t*\tmss*10\t*\tmss\t\t0\n\
                3\ts:win:Windows:XP\t*\t128\t0\t*\t*\t*\tmss\tdf\t0\n";
    let (sigs, errors) = parse(text);
    assert!(errors.is_empty());
    let o = |window: u16, ttl: u8, quirks: u32| Observed {
        ttl,
        olen: 0,
        mss: 1460,
        window,
        wscale: 0,
        layout: vec![kind::MSS],
        eol_pad: 0,
        quirks,
        ts1: 0,
        payload: false,
        headers: 44,
    };
    let line = |o: &Observed| find(&sigs, o, None).map(|m| (m.sig.line, m.fuzzy));
    assert_eq!(line(&o(14600, 64, 0)), Some((2, false)));
    assert_eq!(line(&o(1000, 64, 0)), Some((1, false)));
    // TTL 128 is above the Linux lines: the first of them is the fuzzy
    // candidate, and p0f then skips every other signature whose quirks
    // differ (Windows, without DF).
    assert_eq!(line(&o(1000, 128, 0)), Some((1, true)));
    // With DF, Windows matches exactly.
    assert_eq!(line(&o(1000, 128, quirk::DF)), Some((3, false)));
}

#[test]
fn the_window_multiple_is_found_in_p0fs_order() {
    let o = |window: u16, mss: u16, ts1: u32| Observed {
        ttl: 64,
        olen: 0,
        mss,
        window,
        wscale: 0,
        layout: vec![],
        eol_pad: 0,
        quirks: 0,
        ts1,
        payload: false,
        headers: 60,
    };
    let cases = [
        (o(14600, 1460, 0), None, Some((10, false))),
        // 1448 (1500 - 40 - 12) is tried whatever the MSS.
        (o(65160, 1460, 0), None, Some((45, false))),
        // MSS - 12 only with timestamps.
        (o(13880, 1400, 0), None, None),
        (o(13880, 1400, 1), None, Some((10, false))),
        // 1460 on a 1400-byte MSS: a 1500 MTU assumed.
        (o(14600, 1400, 0), None, Some((10, false))),
        (o(14400, 1400, 0), None, Some((10, true))),
        (o(3000, 1400, 0), None, Some((2, true))),
        (o(5360, 1200, 0), Some(1340), Some((4, false))),
        (o(0, 1460, 0), None, None),
        (o(1460, 99, 0), None, None),
    ];
    for (obs, syn, want) in cases {
        assert_eq!(multiple(&obs, syn), want, "{obs:?} {syn:?}");
    }
    assert_eq!(
        multiple(&o(4001, 1000, 0), Some(12)),
        None,
        "a peer MSS of 12 gives no zero divisor"
    );
}

#[test]
fn guessed_distance_rounds_up_to_a_plausible_initial_ttl() {
    for (ttl, d) in [
        (0u8, 32u8),
        (32, 0),
        (33, 31),
        (64, 0),
        (65, 63),
        (128, 0),
        (129, 126),
        (255, 0),
    ] {
        assert_eq!(guess_dist(ttl), d, "{ttl}");
    }
}

#[test]
fn labels_parse_and_print() {
    let l = Label::parse("s:unix:Mac OS X:10.x").unwrap();
    assert_eq!(
        (l.generic, l.class, l.name, l.flavor),
        (false, "unix", "Mac OS X", "10.x")
    );
    assert_eq!(l.to_string(), "s:unix:Mac OS X:10.x");
    for bad in [
        "",
        "s",
        "s:unix",
        "x:unix:Linux:3.x",
        "s::Linux:3.x",
        "s:unix::3.x",
    ] {
        assert!(Label::parse(bad).is_none(), "{bad}");
    }
}

proptest! {
    #[test]
    fn arbitrary_packets_never_panic_the_matcher(b in proptest::collection::vec(any::<u8>(), 0..140)) {
        if let Ok(seg) = tcpip::decode(&b) {
            let o = Observed::of(&seg);
            let _ = identify_syn_ack(&o, Some(1460));
            let _ = raw_signature(&o, seg.is_syn_ack(), None);
        }
    }

    #[test]
    fn arbitrary_observations_never_panic(
        ttl in any::<u8>(), mss in any::<u16>(), window in any::<u16>(), wscale in any::<u8>(),
        layout in proptest::collection::vec(any::<u8>(), 0..30), quirks in any::<u32>(),
        ts1 in any::<u32>(), syn in proptest::option::of(any::<u16>()), headers in any::<u16>(),
    ) {
        let o = Observed { ttl, olen: 0, mss, window, wscale, layout, eol_pad: 0, quirks, ts1, payload: false, headers };
        let _ = identify_syn_ack(&o, syn);
        let _ = raw_signature(&o, true, syn);
    }

    #[test]
    fn arbitrary_table_lines_are_errors_not_panics(line in "[ -~\t]{0,120}") {
        let _ = parse_line(1, &line);
        let _ = Label::parse(&line);
    }
}

/// The module and its decoder import no I/O.
#[test]
fn p0f_imports_no_io() {
    let sources = [
        ("p0f/mod.rs", include_str!("mod.rs")),
        ("p0f/table.rs", include_str!("table.rs")),
        ("wire/tcpip.rs", include_str!("../wire/tcpip.rs")),
    ];
    for (file, text) in sources {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for b in [
                "tokio",
                "std::fs",
                "std::process",
                "socket2",
                "UdpSocket",
                "TcpStream",
            ] {
                assert!(!code.contains(b), "{file}:{}: mentions {b}", n + 1);
            }
        }
    }
}
