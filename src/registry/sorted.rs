//! Sorted tab-separated tables embedded as text and searched in place.
//!
//! Each table is one `&'static str`: an optional header of `#` comment
//! lines, then one record per line, sorted by its first field. Lookups
//! binary-search the bytes directly (as `look(1)` does on a sorted file):
//! no map is built, nothing is parsed before the first lookup, and a lookup
//! costs about log2(lines) short comparisons.

use std::cmp::Ordering;

/// A sorted table: its text and how its keys compare.
#[derive(Clone, Copy)]
pub struct Table {
    /// The records (header lines first, then sorted data lines).
    data: &'static str,
    /// Byte offset of the first data line (after the header).
    start: usize,
}

impl Table {
    /// A table over `data`, whose lines (after any `#` header lines) are
    /// sorted by their first tab-separated field.
    pub const fn new(data: &'static str) -> Table {
        let bytes = data.as_bytes();
        let mut start = 0;
        // Skip header lines starting with '#'.
        while start < bytes.len() && bytes[start] == b'#' {
            while start < bytes.len() && bytes[start] != b'\n' {
                start += 1;
            }
            if start < bytes.len() {
                start += 1;
            }
        }
        Table { data, start }
    }

    /// The header comment lines, each without the leading `# `.
    pub fn header(&self) -> impl Iterator<Item = &'static str> {
        let head = self.data.get(..self.start).unwrap_or_default();
        head.lines()
            .filter_map(|l| l.strip_prefix('#'))
            .map(str::trim)
    }

    /// The data lines, in order.
    pub fn lines(&self) -> impl Iterator<Item = &'static str> {
        self.data.get(self.start..).unwrap_or_default().lines()
    }

    /// The line that starts at or after byte `at` (the start of the line
    /// containing `at` is skipped unless `at` is a line start), with its
    /// start offset.
    fn line_from(&self, at: usize) -> Option<(usize, &'static str)> {
        let bytes = self.data.as_bytes();
        let mut s = at.max(self.start);
        if s > self.start && bytes.get(s - 1) != Some(&b'\n') {
            s = bytes
                .get(s..)
                .and_then(|r| r.iter().position(|&b| b == b'\n'))
                .map_or(bytes.len(), |p| s + p + 1);
        }
        if s >= bytes.len() {
            return None;
        }
        let rest = self.data.get(s..)?;
        let end = rest
            .as_bytes()
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(rest.len());
        Some((s, rest.get(..end)?))
    }

    /// The byte offset of the first data line whose key is not less than
    /// the target, as `cmp(key)` says (`Less` means the line's key sorts
    /// before the target).
    fn lower_bound(&self, cmp: &impl Fn(&str) -> Ordering) -> usize {
        let (mut lo, mut hi) = (self.start, self.data.len());
        // Invariant: every line starting before `lo` is Less; the first line
        // starting at or after `hi` (if any) is not Less.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.line_from(mid) {
                Some((s, line)) if s < hi => {
                    if cmp(key_of(line)) == Ordering::Less {
                        lo = s + line.len() + 1;
                    } else {
                        hi = mid;
                    }
                }
                _ => hi = mid,
            }
        }
        lo
    }

    /// The line whose first field `cmp` calls `Equal`, if any.
    pub fn find_by(&self, cmp: impl Fn(&str) -> Ordering) -> Option<&'static str> {
        let at = self.lower_bound(&cmp);
        let (_, line) = self.line_from(at)?;
        (cmp(key_of(line)) == Ordering::Equal).then_some(line)
    }

    /// The line whose first field is exactly `key` (byte-wise sorted table).
    pub fn find(&self, key: &str) -> Option<&'static str> {
        self.find_by(|k| k.as_bytes().cmp(key.as_bytes()))
    }

    /// Every line whose first field starts with `prefix` (byte-wise sorted
    /// table), in order.
    pub fn with_prefix<'p>(&self, prefix: &'p str) -> impl Iterator<Item = &'static str> + 'p {
        // Keys that start with `prefix` sort at or after it, and form one run.
        let start = self.lower_bound(&|k: &str| k.as_bytes().cmp(prefix.as_bytes()));
        self.data
            .get(start..)
            .unwrap_or_default()
            .lines()
            .take_while(move |l| key_of(l).starts_with(prefix))
    }
}

/// The first tab-separated field of a line.
pub fn key_of(line: &str) -> &str {
    match line.as_bytes().iter().position(|&b| b == b'\t') {
        Some(p) => line.get(..p).unwrap_or(line),
        None => line,
    }
}

/// The `n`th (0-based) tab-separated field of a line.
pub fn field(line: &str, n: usize) -> Option<&str> {
    line.split('\t').nth(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str =
        "# a header\n# second\n1.3\tx\n1.3.6\ty\n1.3.6.1\tz\n1.3.6.1.2\tw\n1.3.7\tv\n2\tu\n";

    #[test]
    fn sorted_table_finds_every_key_and_no_other() {
        let t = Table::new(DATA);
        for line in t.lines() {
            assert_eq!(t.find(key_of(line)), Some(line));
        }
        for missing in ["", "0", "1", "1.3.5", "1.3.6.1.1", "1.4", "3", "1.3.7.0"] {
            assert_eq!(t.find(missing), None, "{missing}");
        }
        assert_eq!(t.header().collect::<Vec<_>>(), ["a header", "second"]);
    }

    #[test]
    fn sorted_table_lists_a_prefix_range() {
        let t = Table::new(DATA);
        let got: Vec<&str> = t.with_prefix("1.3.6").map(key_of).collect();
        assert_eq!(got, ["1.3.6", "1.3.6.1", "1.3.6.1.2"]);
        assert_eq!(t.with_prefix("1.3.6.").count(), 2);
        assert_eq!(t.with_prefix("9").count(), 0);
        assert_eq!(t.with_prefix("").count(), 6);
    }

    #[test]
    fn sorted_table_numeric_keys() {
        let t = Table::new("# n\n1\ta\n9\tb\n10\tc\n200\td\n");
        let find = |n: u32| {
            t.find_by(|k| k.parse::<u32>().unwrap_or(u32::MAX).cmp(&n))
                .and_then(|l| field(l, 1))
        };
        assert_eq!(find(9), Some("b"));
        assert_eq!(find(200), Some("d"));
        assert_eq!(find(1), Some("a"));
        assert_eq!(find(11), None);
    }

    #[test]
    fn sorted_table_empty_and_header_only() {
        assert_eq!(Table::new("").find("x"), None);
        assert_eq!(Table::new("# only\n").find("x"), None);
        assert_eq!(Table::new("# only\n").lines().count(), 0);
        assert_eq!(Table::new("a\n").find("a"), Some("a"));
        assert_eq!(Table::new("a").find("a"), Some("a"));
    }

    proptest::proptest! {
        #[test]
        fn sorted_table_agrees_with_a_linear_scan(
            mut keys in proptest::collection::vec("[0-9.]{0,8}", 0..40),
            probe in "[0-9.]{0,8}",
        ) {
            keys.retain(|k| !k.is_empty());
            keys.sort();
            keys.dedup();
            let text: String = keys.iter().map(|k| format!("{k}\tv\n")).collect();
            let text: &'static str = Box::leak(text.into_boxed_str());
            let t = Table::new(text);
            let want = keys.iter().find(|k| **k == probe).map(|k| format!("{k}\tv"));
            proptest::prop_assert_eq!(t.find(&probe).map(str::to_string), want);
            let want: Vec<&String> = keys.iter().filter(|k| k.starts_with(&probe)).collect();
            let got: Vec<&str> = t.with_prefix(&probe).map(key_of).collect();
            proptest::prop_assert_eq!(got.len(), want.len());
        }
    }
}
