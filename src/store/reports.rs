//! Decoded SNMP reports of subjects, kept by the read pool between page
//! views. A device page shows its SNMP tables decoded from the record;
//! for a switch whose forwarding table is thousands of values, decoding
//! is most of the page's cost (milliseconds), paid again at every view.
//!
//! Each entry is stamped with what the decoded tuples depend on: the
//! subject's observation rows (a changed value is a new row; pruning
//! deletes rows) and its volatile values (rewritten in place, each with
//! the run that wrote it). A lookup whose stamp differs is a miss, so a
//! page never shows a report older than its record. Only large records
//! are kept (small ones decode in microseconds), within a byte budget,
//! least recently used first out; one record is kept only
//! when it is at most a quarter of the budget.

use crate::snmp::SnmpReport;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Records smaller than this (in bytes of their SNMP tuples) are decoded
/// at every view.
pub const MIN_BYTES: usize = 16 * 1024;
/// The cache's budget, in bytes of the records its reports came from. A
/// decoded report takes about four times its record (a 46-byte
/// forwarding-table line becomes a 96-byte row and three small strings),
/// so this is about 8 MiB of memory at most.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// What a subject's decoded SNMP depends on: the largest id and the count
/// of its observation rows, and the latest run and the count of its
/// volatile values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub rows_max: i64,
    pub rows: i64,
    pub volatile_run: i64,
    pub volatile: i64,
}

/// One subject's SNMP as its page uses it (cheap to clone: the report is
/// shared).
#[derive(Debug, Clone)]
pub struct SubjectSnmp {
    /// System group and tables, decoded (raw facts not kept).
    pub report: Arc<SnmpReport>,
    /// Whether this subject holds the tables (it was walked itself, not
    /// only named by another address of the same agent).
    pub tables_here: bool,
}

struct Entry {
    stamp: Stamp,
    value: SubjectSnmp,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<i64, Entry>,
    bytes: usize,
    clock: u64,
}

/// Reports by subject id, shared by the connections of one read pool.
#[derive(Default)]
pub struct ReportCache {
    inner: Mutex<Inner>,
}

impl ReportCache {
    /// An empty cache.
    pub fn new() -> ReportCache {
        ReportCache::default()
    }

    /// The report kept for `subject` when it was decoded at `stamp`.
    pub fn get(&self, subject: i64, stamp: Stamp) -> Option<SubjectSnmp> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let e = inner.entries.get_mut(&subject)?;
        if e.stamp != stamp {
            return None;
        }
        e.used = now;
        Some(e.value.clone())
    }

    /// Keep `value`, decoded from `bytes` of record at `stamp`, when the
    /// record is large enough to be worth it; the least recently used
    /// entries make room.
    pub fn put(&self, subject: i64, stamp: Stamp, value: SubjectSnmp, bytes: usize) {
        if !(MIN_BYTES..=MAX_BYTES / 4).contains(&bytes) {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = inner.entries.remove(&subject) {
            inner.bytes -= old.bytes;
        }
        while inner.bytes + bytes > MAX_BYTES {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.bytes += bytes;
        inner.entries.insert(
            subject,
            Entry {
                stamp,
                value,
                bytes,
                used,
            },
        );
    }

    /// Entries and the bytes they account for.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: i64) -> Stamp {
        Stamp {
            rows_max: n,
            rows: 3,
            volatile_run: 7,
            volatile: 1,
        }
    }

    fn value(name: &str) -> SubjectSnmp {
        SubjectSnmp {
            report: Arc::new(SnmpReport {
                sys_name: Some(name.into()),
                ..SnmpReport::default()
            }),
            tables_here: true,
        }
    }

    fn name(v: Option<SubjectSnmp>) -> Option<String> {
        v.and_then(|v| v.report.sys_name.clone())
    }

    #[test]
    fn a_changed_stamp_misses() {
        let c = ReportCache::new();
        c.put(1, stamp(10), value("a"), MIN_BYTES);
        assert_eq!(name(c.get(1, stamp(10))), Some("a".into()));
        for other in [
            Stamp {
                rows: 4,
                ..stamp(10)
            },
            Stamp {
                volatile_run: 8,
                ..stamp(10)
            },
            Stamp {
                volatile: 2,
                ..stamp(10)
            },
            stamp(11),
        ] {
            assert_eq!(name(c.get(1, other)), None, "{other:?}");
        }
        assert_eq!(name(c.get(2, stamp(10))), None, "another subject");
        // Decoded again at the new stamp: replaced, counted once.
        c.put(1, stamp(11), value("b"), MIN_BYTES);
        assert_eq!(name(c.get(1, stamp(11))), Some("b".into()));
        assert_eq!(c.size(), (1, MIN_BYTES));
    }

    #[test]
    fn small_and_huge_records_are_not_kept() {
        let c = ReportCache::new();
        c.put(1, stamp(1), value("small"), MIN_BYTES - 1);
        c.put(2, stamp(1), value("huge"), MAX_BYTES / 4 + 1);
        assert_eq!(c.size(), (0, 0));
    }

    #[test]
    fn the_least_recently_used_go_first_within_the_budget() {
        let c = ReportCache::new();
        let each = MAX_BYTES / 4;
        for id in 1..=4 {
            c.put(id, stamp(1), value(&id.to_string()), each);
        }
        assert_eq!(c.size(), (4, MAX_BYTES));
        // 1 is read, so 2 is now the least recently used.
        assert!(c.get(1, stamp(1)).is_some());
        c.put(5, stamp(1), value("5"), each);
        assert_eq!(c.size(), (4, MAX_BYTES));
        assert!(c.get(2, stamp(1)).is_none());
        for id in [1, 3, 4, 5] {
            assert_eq!(name(c.get(id, stamp(1))), Some(id.to_string()));
        }
    }
}
