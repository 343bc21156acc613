use super::matching::match_devices;
use super::*;

fn csv(text: &str) -> Result<Register, RegisterError> {
    read("reg.csv", text.as_bytes())
}

#[test]
fn assets_mac_notations_normalise() {
    let cases: &[(&str, Option<&str>)] = &[
        ("00:1B:54:0a:0b:0c", Some("00:1b:54:0a:0b:0c")),
        ("00-1b-54-0A-0B-0C", Some("00:1b:54:0a:0b:0c")),
        ("001b.540a.0b0c", Some("00:1b:54:0a:0b:0c")),
        ("001B540A0B0C", Some("00:1b:54:0a:0b:0c")),
        ("0:1b:54:a:b:c", Some("00:1b:54:0a:0b:0c")),
        (" 00:1b:54:0a:0b:0c ", Some("00:1b:54:0a:0b:0c")),
        ("00:1b:54:0a:0b", None),
        ("00:1b:54:0a:0b:0c:0d", None),
        ("00:1b:54:0a:0b:0g", None),
        ("001:b5:40:a0:b0:c", None),
        ("00:1b-54:0a:0b:0c", None),
        ("001b.540a.0b0", None),
        ("001b540a0b0", None),
        ("00:00:00:00:00:00", None),
        ("ff:ff:ff:ff:ff:ff", None),
        ("+0:1b:54:0a:0b:0c", None),
        ("", None),
        ("设备:1b:54:0a:0b:0c", None),
    ];
    for (input, want) in cases {
        assert_eq!(cell::mac(input).as_deref(), *want, "{input:?}");
    }
}

#[test]
fn assets_dates_read_common_forms() {
    let cases: &[(&str, Option<&str>)] = &[
        ("2024-03-05", Some("2024-03-05")),
        ("2024/03/05", Some("2024-03-05")),
        ("2024/3/5", Some("2024-03-05")),
        ("2024年3月5日", Some("2024-03-05")),
        ("2024-03-05T00:00:00", Some("2024-03-05")),
        ("2024-02-29", Some("2024-02-29")),
        ("2023-02-29", None),
        ("2024-13-01", None),
        ("24-03-05", None),
        ("05/03/2024", None),
        ("2024-03-05 extra", None),
        ("2024-3", None),
        ("+2024-03-05", None),
        ("0999-01-01", None),
        ("2024年3月5", None),
    ];
    for (input, want) in cases {
        assert_eq!(cell::date(input).as_deref(), *want, "{input:?}");
    }
}

#[test]
fn assets_headers_in_any_order_language_and_case() {
    let cases: &[(&str, Option<Column>)] = &[
        ("asset_tag", Some(Column::AssetTag)),
        (" Asset Tag ", Some(Column::AssetTag)),
        ("ASSET-TAG", Some(Column::AssetTag)),
        ("资产编号", Some(Column::AssetTag)),
        ("MAC地址", Some(Column::Mac)),
        ("mac地址", Some(Column::Mac)),
        ("IP地址", Some(Column::Ip)),
        ("保修截止", Some(Column::WarrantyEnd)),
        ("Warranty_End", Some(Column::WarrantyEnd)),
        ("备注", Some(Column::Notes)),
        ("serial_number", None),
        ("资产", None),
    ];
    for (h, want) in cases {
        assert_eq!(Column::from_header(h), *want, "{h:?}");
    }
}

#[test]
fn assets_csv_reads_chinese_register_with_bom_and_quotes() {
    let text = "\u{feff}资产编号, 责任人 ,部门,MAC地址,IP地址,购置日期,保修截止,备注,序列号\r\n\
                ZC-0001,张三,信息中心,00-1B-54-0A-0B-0C,198.51.100.7,2023/6/1,2026-06-01,\"核心交换机,\r\n二楼机房\",FOC1234X0AB\r\n\
                \r\n\
                ZC-0002,李四,财务部,,,,,=HYPERLINK(\"http://x\"),\r\n";
    let reg = csv(text).unwrap();
    assert_eq!(reg.format, Format::Csv);
    assert_eq!(reg.columns.len(), 9);
    assert_eq!(reg.assets.len(), 2);
    let a = &reg.assets[0];
    assert_eq!(a.asset_tag, "ZC-0001");
    assert_eq!(a.owner.as_deref(), Some("张三"));
    assert_eq!(a.mac.as_deref(), Some("00:1b:54:0a:0b:0c"));
    assert_eq!(a.purchase_date.as_deref(), Some("2023-06-01"));
    assert_eq!(a.notes.as_deref(), Some("核心交换机,\r\n二楼机房"));
    assert_eq!(a.serial.as_deref(), Some("FOC1234X0AB"));
    let b = &reg.assets[1];
    assert_eq!(b.mac, None);
    assert_eq!(
        b.notes.as_deref(),
        Some("=HYPERLINK(\"http://x\")"),
        "formula-like text is kept as text"
    );
}

/// Each bad file: the line and column the message must name.
#[test]
fn assets_bad_rows_name_file_line_and_column() {
    let cases: &[(&str, &str, usize, Option<&str>)] = &[
        (
            "mac",
            "asset_tag,mac\nA1,00:1b:54:0a:0b:0c\nA2,00:1b:54:0a:0b\n",
            3,
            Some("mac"),
        ),
        (
            "ip",
            "asset_tag,IP地址\nA1,198.51.100.300\n",
            2,
            Some("IP地址"),
        ),
        (
            "date",
            "asset_tag,purchase_date\nA1,2024-03-05\nA2,yesterday\n",
            3,
            Some("purchase_date"),
        ),
        (
            "duplicate",
            "asset_tag,owner\nA1,x\nA2,y\nA1,z\n",
            4,
            Some("asset_tag"),
        ),
        (
            "no tag",
            "asset_tag,owner\nA1,x\n,y\n",
            3,
            Some("asset_tag"),
        ),
        (
            "too long",
            &format!("asset_tag,owner\nA1,{}\n", "长".repeat(257)),
            2,
            Some("owner"),
        ),
        (
            "control",
            "asset_tag,owner\nA1,x\u{202e}y\n",
            2,
            Some("owner"),
        ),
        (
            "multi-line cell then bad",
            "asset_tag,notes,ip\nA1,\"a\nb\nc\",1.2.3\n",
            2,
            Some("ip"),
        ),
        (
            "after multi-line cell",
            "asset_tag,notes,ip\nA1,\"a\nb\",\nA2,,x\n",
            4,
            Some("ip"),
        ),
        ("unknown header", "asset_tag,colour\nA1,red\n", 1, None),
        ("duplicate header", "asset_tag,serial,序列号\n", 1, None),
        ("no tag column", "owner,serial\nx,y\n", 1, None),
        ("extra cells", "asset_tag,owner\nA1,x,y\n", 2, None),
        (
            "value under no header",
            "asset_tag,,owner\nA1,x,y\n",
            2,
            None,
        ),
    ];
    for (what, text, line, column) in cases {
        let err = csv(text).expect_err(what);
        let shown = err.to_string();
        assert!(shown.starts_with("reg.csv line "), "{what}: {shown}");
        assert!(shown.contains("nothing was imported"), "{what}: {shown}");
        match (&err, column) {
            (
                RegisterError::Cell {
                    line: l, column: c, ..
                },
                Some(col),
            ) => {
                assert_eq!((l, c.as_str()), (line, *col), "{what}: {shown}");
            }
            (RegisterError::Row { line: l, .. }, None) => assert_eq!(l, line, "{what}: {shown}"),
            _ => panic!("{what}: unexpected {err:?}"),
        }
    }
    let err = csv("asset_tag,colour\nA1,red\n").unwrap_err().to_string();
    assert!(
        err.contains("`colour`") && err.contains("资产编号"),
        "{err}"
    );
}

#[test]
fn assets_files_that_are_not_registers_are_refused() {
    for (name, bytes) in [
        ("empty.csv", &b""[..]),
        ("blank.csv", b"\n\n ,\n"),
        ("fake.xlsx", b"asset_tag\nA1\n"),
        ("old.xls", b"\xd0\xcf\x11\xe0"),
        ("broken.csv", b"PK\x03\x04not a zip at all"),
    ] {
        let err = read(name, bytes).unwrap_err();
        assert!(matches!(err, RegisterError::File { .. }), "{name}: {err:?}");
        assert!(err.to_string().starts_with(name), "{err}");
    }
    let err = read("gbk.csv", b"asset_tag,owner\nA1,\xd5\xc5\xc8\xfd\n").unwrap_err();
    assert!(
        matches!(err, RegisterError::Row { line: 2, .. }) && err.to_string().contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn assets_title_rows_above_the_header_are_skipped() {
    let reg = csv("2026年资产台账,,\n,,\n资产编号,责任人,部门\nZC-1,张三,\n").unwrap();
    assert_eq!(reg.assets.len(), 1);
    assert_eq!(reg.assets[0].owner.as_deref(), Some("张三"));
    // A row of several cells is no title: its headers are checked.
    let err = csv("title,more\nasset_tag,owner\nZC-1,x\n").unwrap_err();
    assert!(matches!(err, RegisterError::Row { line: 1, .. }), "{err}");
    // More than three title rows: the first is taken as the header.
    let err = csv("a\nb\nc\nd\nasset_tag\nZC-1\n").unwrap_err();
    assert!(matches!(err, RegisterError::Row { line: 1, .. }), "{err}");
}

#[test]
fn assets_header_only_register_is_empty_not_an_error() {
    let reg = csv("asset_tag,owner\n").unwrap();
    assert!(reg.assets.is_empty());
    assert_eq!(reg.columns, vec![Column::AssetTag, Column::Owner]);
}

fn asset(tag: &str) -> Asset {
    Asset {
        asset_tag: tag.into(),
        ..Asset::default()
    }
}

fn device(id: i64) -> DeviceKeys {
    DeviceKeys {
        id,
        ..DeviceKeys::default()
    }
}

#[test]
fn assets_match_by_strongest_key_one_to_one() {
    let assets = vec![
        Asset {
            serial: Some(" foc1234x0ab ".into()),
            ip: Some("198.51.100.9".into()),
            ..asset("A-serial")
        },
        Asset {
            mac: Some("00:1b:54:00:00:02".into()),
            ..asset("B-mac")
        },
        Asset {
            hostname: Some("PC-01".into()),
            ..asset("C-host")
        },
        Asset {
            hostname: Some("db.corp.example".into()),
            ..asset("D-fqdn")
        },
        Asset {
            ip: Some("198.51.100.9".into()),
            ..asset("E-ip")
        },
        Asset {
            hostname: Some("web.a.example".into()),
            ..asset("F-other-domain")
        },
        asset("G-nothing"),
    ];
    let devices = vec![
        DeviceKeys {
            serials: vec!["FOC1234X0AB".into()],
            ips: vec!["198.51.100.1".into()],
            ..device(1)
        },
        DeviceKeys {
            macs: vec!["00:1b:54:00:00:01".into(), "00:1b:54:00:00:02".into()],
            ..device(2)
        },
        DeviceKeys {
            hostnames: vec!["pc-01.corp.example".into()],
            ..device(3)
        },
        DeviceKeys {
            hostnames: vec!["DB".into()],
            ..device(4)
        },
        DeviceKeys {
            ips: vec!["198.51.100.9".into()],
            ..device(5)
        },
        DeviceKeys {
            hostnames: vec!["web.b.example".into()],
            ..device(6)
        },
    ];
    let m = match_devices(&assets, &devices);
    let got: Vec<(&str, i64, &str, f64, &str)> = m
        .matches
        .iter()
        .map(|x| {
            (
                x.asset_tag.as_str(),
                x.device_id,
                x.method.as_str(),
                x.confidence,
                x.evidence.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("A-serial", 1, "serial", 1.0, "serial FOC1234X0AB"),
            ("B-mac", 2, "mac", 0.9, "mac 00:1b:54:00:00:02"),
            (
                "C-host",
                3,
                "hostname",
                0.7,
                "hostname pc-01 = pc-01.corp.example"
            ),
            (
                "D-fqdn",
                4,
                "hostname",
                0.7,
                "hostname db.corp.example = db"
            ),
            ("E-ip", 5, "ip", 0.5, "ip 198.51.100.9"),
        ]
    );
    assert_eq!(m.unmatched_assets, vec!["F-other-domain", "G-nothing"]);
    assert_eq!(m.unmatched_devices, vec![6]);
}

#[test]
fn assets_match_stronger_wins_and_ties_are_deterministic() {
    // Device 1 shares an IP with asset A and a serial with asset B: B wins
    // it, and A is left unmatched rather than taking another device.
    let assets = vec![
        Asset {
            ip: Some("198.51.100.7".into()),
            ..asset("A")
        },
        Asset {
            serial: Some("SN1".into()),
            ..asset("B")
        },
    ];
    let devices = vec![DeviceKeys {
        serials: vec!["sn1".into()],
        ips: vec!["198.51.100.7".into()],
        ..device(1)
    }];
    let m = match_devices(&assets, &devices);
    assert_eq!(m.matches.len(), 1);
    assert_eq!(
        (m.matches[0].asset_tag.as_str(), m.matches[0].method),
        ("B", Method::Serial)
    );
    assert_eq!(m.unmatched_assets, vec!["A"]);

    // Two devices answer the same address (an IP conflict): the lower id
    // wins, whatever order they come in.
    let assets = vec![Asset {
        ip: Some("198.51.100.7".into()),
        ..asset("A")
    }];
    let d = |id| DeviceKeys {
        ips: vec!["198.51.100.7".into()],
        ..device(id)
    };
    for order in [vec![d(9), d(4)], vec![d(4), d(9)]] {
        let m = match_devices(&assets, &order);
        assert_eq!(m.matches[0].device_id, 4);
        assert_eq!(m.unmatched_devices, vec![9]);
    }
}

/// The pure module imports no I/O.
#[test]
fn assets_module_is_pure() {
    let sources: &[(&str, &str)] = &[
        ("assets/mod.rs", include_str!("mod.rs")),
        ("assets/cell.rs", include_str!("cell.rs")),
        ("assets/csv.rs", include_str!("csv.rs")),
        ("assets/xlsx.rs", include_str!("xlsx.rs")),
        ("assets/matching.rs", include_str!("matching.rs")),
    ];
    for (file, text) in sources {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for b in [
                "tokio",
                "std::fs",
                "std::net",
                "rusqlite",
                "axum",
                "std::process",
            ] {
                assert!(!code.contains(b), "{file}:{}: mentions {b}: {line}", n + 1);
            }
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn cell_text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[ -~]{0,20}",
            "\\PC{0,12}",
            Just("\"a,b\"".to_string()),
            Just("00:1b:54:0a:0b:0c".to_string()),
            Just("2024/3/5".to_string()),
            Just("198.51.100.7".to_string()),
            Just("=1+1".to_string()),
            Just("\u{feff}".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn assets_read_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read("x.csv", &bytes);
            let _ = read("x.xlsx", &bytes);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend_from_slice(&bytes);
            let _ = read("x", &zipped);
        }

        #[test]
        fn assets_read_never_panics_on_csv_like_text(
            header in proptest::collection::vec(prop_oneof![
                Just("asset_tag".to_string()), Just("mac".to_string()), Just("备注".to_string()),
                Just("ip".to_string()), Just("warranty_end".to_string()), cell_text()], 0..6),
            rows in proptest::collection::vec(proptest::collection::vec(cell_text(), 0..7), 0..6),
            sep in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        ) {
            let mut text = header.join(",");
            for r in &rows {
                text.push_str(sep);
                text.push_str(&r.join(","));
            }
            if let Ok(reg) = read("x.csv", text.as_bytes()) {
                // What was read is what was validated.
                for a in &reg.assets {
                    prop_assert!(!a.asset_tag.is_empty());
                    if let Some(m) = &a.mac {
                        prop_assert_eq!(cell::mac(m), Some(m.clone()));
                    }
                }
            }
        }

        #[test]
        fn assets_mac_normal_form_is_a_fixed_point(octets in proptest::array::uniform6(any::<u8>()), style in 0usize..4) {
            let [a, b, c, d, e, f] = octets;
            let text = match style {
                0 => format!("{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{f:02X}"),
                1 => format!("{a:02x}-{b:02x}-{c:02x}-{d:02x}-{e:02x}-{f:02x}"),
                2 => format!("{a:02x}{b:02x}.{c:02x}{d:02x}.{e:02x}{f:02x}"),
                _ => format!("{a:x}:{b:x}:{c:x}:{d:x}:{e:x}:{f:x}"),
            };
            let want = (octets != [0; 6] && octets != [0xff; 6])
                .then(|| format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}"));
            prop_assert_eq!(cell::mac(&text), want.clone());
            if let Some(w) = want {
                prop_assert_eq!(cell::mac(&w), Some(w.clone()));
            }
        }
    }
}

/// A minimal XLSX workbook written here (stored, not deflated): one sheet
/// whose rows are raw `<c>` cell elements; style 1 is a date format.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    use std::io::Write;
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, cells) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">{}</row>", i + 1, cells.concat()));
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="资产" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/styles.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in parts {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn s(r: &str, text: &str) -> String {
    format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

#[test]
fn assets_xlsx_reads_strings_dates_numbers_and_keeps_formulas_as_text() {
    let header = [
        s("A1", "资产编号"),
        s("B1", "购置日期"),
        s("C1", "序列号"),
        s("D1", "备注"),
        s("E1", "保修截止"),
    ];
    let row = [
        s("A2", "ZC-1"),
        "<c r=\"B2\" s=\"1\"><v>45356</v></c>".to_string(),
        "<c r=\"C2\"><v>123456789</v></c>".to_string(),
        "<c r=\"D2\"><f>SUM(1,2)</f><v>3</v></c>".to_string(),
        s("E2", "2027/1/31"),
    ];
    // Row 3 left out: a gap in the sheet; row 4's number is what is shown.
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let r: Vec<&str> = row.iter().map(String::as_str).collect();
    let blank: &[&str] = &[];
    let c4 = s("A4", "ZC-2");
    let bytes = workbook(&[&h, &r, blank, &[c4.as_str()]]);
    let reg = read("r.xlsx", &bytes).unwrap();
    assert_eq!(reg.format, Format::Xlsx);
    assert_eq!(reg.assets.len(), 2);
    let a = &reg.assets[0];
    assert_eq!(a.purchase_date.as_deref(), Some("2024-03-05"));
    assert_eq!(a.serial.as_deref(), Some("123456789"));
    assert_eq!(
        a.notes.as_deref(),
        Some("=SUM(1,2)"),
        "the formula, not its cached 3"
    );
    assert_eq!(a.warranty_end.as_deref(), Some("2027-01-31"));

    // A number in a date column, a bad date, a value far to the right.
    let cases: &[(&str, &str, usize)] = &[
        ("<c r=\"B2\"><v>45356</v></c>", "a number, not a date", 2),
        (
            "<c r=\"B2\" t=\"inlineStr\"><is><t>2024-02-30</t></is></c>",
            "not a date",
            2,
        ),
        (
            "<c r=\"XFD2\" t=\"inlineStr\"><is><t>x</t></is></c>",
            "past column 64",
            2,
        ),
        (
            "<c r=\"B2\" t=\"e\"><v>#N/A</v></c>",
            "spreadsheet error",
            2,
        ),
    ];
    for (cell, want, line) in cases {
        let a2 = s("A2", "ZC-1");
        let bytes = workbook(&[&h, &[a2.as_str(), cell]]);
        let err = read("bad.xlsx", &bytes).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(want) && text.starts_with(&format!("bad.xlsx line {line}")),
            "{cell}: {text}"
        );
    }
}

mod fuzz_xlsx {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// A valid workbook with a few bytes changed never panics the reader.
        #[test]
        fn assets_xlsx_mutated_never_panics(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let h = [s("A1", "asset_tag"), s("B1", "mac")];
            let r = [s("A2", "ZC-1"), s("B2", "00:1b:54:00:00:01")];
            let hv: Vec<&str> = h.iter().map(String::as_str).collect();
            let rv: Vec<&str> = r.iter().map(String::as_str).collect();
            let mut bytes = workbook(&[&hv, &rv]);
            for (at, b) in flips {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            if let Some(c) = cut {
                bytes.truncate(c.index(bytes.len()));
            }
            let _ = read("m.xlsx", &bytes);
        }
    }
}
