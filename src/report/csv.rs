//! CSV as spreadsheets read it: RFC 4180 (comma-separated, CRLF line ends,
//! a field quoted when it holds a comma, quote, CR or LF, quotes doubled),
//! UTF-8 with a byte-order mark so Excel opens Chinese text correctly, and
//! formula-safe: a cell starting with `=`, `+`, `-`, `@`, tab or CR is
//! prefixed with an apostrophe, so no spreadsheet runs it as a formula.
//! Pure: rows in, bytes out.

/// The UTF-8 byte-order mark Excel needs to read a CSV as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a spreadsheet could take `cell` for a formula (or a DDE call):
/// it starts with `=`, `+`, `-`, `@`, a tab or a carriage return.
pub fn is_formula_like(cell: &str) -> bool {
    matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// `cell` as it is safe to give a spreadsheet: formula-like text gets a
/// leading apostrophe (shown by spreadsheets as text, the apostrophe
/// visible), anything else is unchanged.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One field, neutralised and quoted as RFC 4180 asks.
fn field(out: &mut String, cell: &str) {
    let cell = neutralise(cell);
    if cell.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&cell);
    }
}

/// A whole file: the byte-order mark, then each row on its own CRLF line.
pub fn write<R, C>(rows: R) -> Vec<u8>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut text = String::new();
    for row in rows {
        for (i, cell) in row.into_iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            field(&mut text, cell.as_ref());
        }
        text.push_str("\r\n");
    }
    let mut out = Vec::with_capacity(BOM.len() + text.len());
    out.extend_from_slice(BOM);
    out.extend_from_slice(text.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(cell: &str) -> String {
        let bytes = write([[cell]]);
        let text = String::from_utf8(bytes[BOM.len()..].to_vec()).unwrap_or_default();
        text.strip_suffix("\r\n").unwrap_or(&text).to_string()
    }

    #[test]
    fn csv_cell_table() {
        let cases = [
            ("plain", "plain"),
            ("", ""),
            ("华为技术有限公司", "华为技术有限公司"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("=1+2,3", "\"'=1+2,3\""),
            ("+41", "'+41"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("<script>alert(1)</script>", "<script>alert(1)</script>"),
            ("a=b", "a=b"),
            (" =x", " =x"),
        ];
        for (cell, want) in cases {
            assert_eq!(one(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn csv_file_has_bom_and_crlf_rows() {
        let bytes = write(vec![vec!["资产", "b"], vec!["1", "2"]]);
        assert!(bytes.starts_with(BOM));
        assert_eq!(&bytes[BOM.len()..], "资产,b\r\n1,2\r\n".as_bytes());
        assert_eq!(write(Vec::<Vec<String>>::new()), BOM);
    }

    /// Reads back what [`write`] wrote (RFC 4180), for the round trip.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut cell = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut cell)),
                (false, '\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => cell.push(c),
            }
        }
        rows
    }

    proptest! {
        #[test]
        fn csv_round_trips_and_never_starts_a_formula(
            rows in proptest::collection::vec(
                proptest::collection::vec("[=+\\-@\t\r\n,\"a-z华 ]{0,8}", 1..5), 0..5)
        ) {
            let bytes = write(&rows.iter().map(|r| r.iter().map(String::as_str).collect::<Vec<_>>()).collect::<Vec<_>>());
            prop_assert!(bytes.starts_with(BOM));
            let text = std::str::from_utf8(&bytes[BOM.len()..]).unwrap_or_default();
            let back = parse(text);
            prop_assert_eq!(back.len(), rows.len());
            for (got, want) in back.iter().zip(&rows) {
                prop_assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(want) {
                    prop_assert!(!is_formula_like(g), "{:?}", g);
                    if is_formula_like(w) {
                        prop_assert_eq!(g, &format!("'{w}"));
                    } else {
                        prop_assert_eq!(g, w);
                    }
                }
            }
        }
    }
}
