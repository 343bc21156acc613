//! Live devices by class, origin and vendor, and open findings by severity
//! (acknowledged or not): the counts behind the overview, the dashboard and
//! `/metrics`. Each is one walk of a covering index (schema version 6),
//! about 25 ms over 65,000 devices; the read pool keeps the last tally
//! until the database changes ([`TallyCache`]: `PRAGMA data_version` of a
//! connection of its own), so a page read under load costs a lookup, not
//! a walk of every device.

use super::{Store, StoreError};
use rusqlite::Connection;
use std::sync::Mutex;

/// The counts, as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Live devices per class (`unknown` when none), by name.
    pub by_class: Vec<(String, i64)>,
    /// Live devices per origin (`unknown` when none), by name.
    pub by_origin: Vec<(String, i64)>,
    /// Live devices per vendor (`unknown` when none), most first, then by name.
    pub by_vendor: Vec<(String, i64)>,
    /// Open findings per severity that has any, by name.
    pub findings_open: Vec<(String, i64)>,
    /// Open findings not acknowledged, per severity that has any, by name.
    pub findings_unacknowledged: Vec<(String, i64)>,
}

impl Tally {
    /// Live devices.
    pub fn devices(&self) -> i64 {
        self.by_class.iter().map(|(_, n)| n).sum()
    }
}

/// `(value or NULL, count)` rows as (name, count) by name, NULL counted as
/// `unknown` (together with a value that is literally `unknown`, as
/// `COALESCE(col, 'unknown')` would).
fn named(rows: Vec<(Option<String>, i64)>) -> Vec<(String, i64)> {
    let mut out: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (k, n) in rows {
        *out.entry(k.unwrap_or_else(|| "unknown".to_string()))
            .or_default() += n;
    }
    out.into_iter().collect()
}

/// Most first, then by name.
pub(crate) fn by_count(mut rows: Vec<(String, i64)>) -> Vec<(String, i64)> {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Live devices per value of `col`. Grouped by the bare column, so it
/// walks the column's index in order (a `COALESCE` in the GROUP BY made
/// SQLite sort every device).
pub(crate) fn live_sql(col: &str) -> String {
    format!("SELECT {col}, COUNT(*) FROM devices WHERE merged_into IS NULL GROUP BY {col}")
}

/// Open findings per severity: all, and those not acknowledged.
pub(crate) const FINDINGS_SQL: &str = "SELECT f.severity, COUNT(*), SUM(NOT EXISTS
        (SELECT 1 FROM finding_acks a WHERE a.key = f.key AND a.first_run = f.first_run))
     FROM findings f WHERE f.state = 'open' GROUP BY f.severity";

/// Read the counts.
pub(crate) fn read(conn: &Connection) -> rusqlite::Result<Tally> {
    let live = |col: &str| -> rusqlite::Result<Vec<(String, i64)>> {
        let mut stmt = conn.prepare_cached(&live_sql(col))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(named(rows.collect::<Result<_, _>>()?))
    };
    let mut stmt = conn.prepare_cached(FINDINGS_SQL)?;
    let findings: Vec<(String, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Tally {
        by_class: live("class")?,
        by_origin: live("vendor_origin")?,
        by_vendor: by_count(live("vendor")?),
        findings_open: findings.iter().map(|(s, n, _)| (s.clone(), *n)).collect(),
        findings_unacknowledged: findings
            .iter()
            .filter(|(_, _, u)| *u > 0)
            .map(|(s, _, u)| (s.clone(), *u))
            .collect(),
    })
}

/// The last tally and the `PRAGMA data_version` it was read at, on a
/// read-only connection of its own (data_version is a property of one
/// connection: it changes when any other commits).
struct Kept {
    store: Store,
    version: Option<i64>,
    tally: Tally,
}

/// A tally shared by the connections of one read pool, read again only
/// after the database changed. One reader at a time checks the version
/// (and reads the counts when it moved); readers that come meanwhile take
/// the tally last read rather than wait (a read is tens of milliseconds
/// over 65,000 devices, and the writer commits every few seconds while a
/// scan runs). A reader that finds nobody checking always gets the counts
/// of the database as it is.
pub struct TallyCache {
    path: std::path::PathBuf,
    kept: Mutex<Option<Kept>>,
    /// The tally last read, for readers that come while it is read again.
    published: Mutex<Option<std::sync::Arc<Tally>>>,
}

impl TallyCache {
    /// A cache over the database at `path` (opened on first use).
    pub fn new(path: &std::path::Path) -> TallyCache {
        TallyCache {
            path: path.to_path_buf(),
            kept: Mutex::new(None),
            published: Mutex::new(None),
        }
    }

    /// The tally of the database as it is now, or, while another reader
    /// is checking it, as it was at that reader's last check.
    pub fn get(&self) -> Result<Tally, StoreError> {
        match self.kept.try_lock() {
            Ok(guard) => self.refresh(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => self.refresh(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {
                let last = self
                    .published
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                match last {
                    Some(t) => Ok((*t).clone()),
                    // Nothing read yet: wait for the first read.
                    None => self.refresh(self.kept.lock().unwrap_or_else(|e| e.into_inner())),
                }
            }
        }
    }

    fn refresh(
        &self,
        mut guard: std::sync::MutexGuard<'_, Option<Kept>>,
    ) -> Result<Tally, StoreError> {
        if guard.is_none() {
            *guard = Some(Kept {
                store: Store::open_read_only(&self.path)?,
                version: None,
                tally: Tally::default(),
            });
        }
        let Some(kept) = guard.as_mut() else {
            return Err(StoreError::Sqlite {
                path: self.path.clone(),
                source: rusqlite::Error::InvalidQuery,
            });
        };
        let store = &kept.store;
        // The version and the counts from one read transaction: the tally
        // is exactly that version's.
        let result = (|| -> rusqlite::Result<Option<(i64, Tally)>> {
            let conn = store.connection();
            conn.execute_batch("BEGIN")?;
            let inner = (|| -> rusqlite::Result<Option<(i64, Tally)>> {
                let v: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
                if kept.version == Some(v) {
                    return Ok(None);
                }
                Ok(Some((v, read(conn)?)))
            })();
            let end = conn.execute_batch("COMMIT");
            let out = inner?;
            end?;
            Ok(out)
        })();
        match result {
            Ok(Some((v, tally))) => {
                kept.version = Some(v);
                *self.published.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(std::sync::Arc::new(tally.clone()));
                kept.tally = tally;
            }
            Ok(None) => {}
            Err(e) => {
                // Start afresh next time (a new connection, a new read).
                let err = store.err(e);
                *guard = None;
                return Err(err);
            }
        }
        Ok(kept.tally.clone())
    }
}

impl Store {
    /// The counts: from the pool's cache when this store came from one,
    /// else read now.
    pub fn tally(&self) -> Result<Tally, StoreError> {
        match &self.tally {
            Some(cache) => cache.get(),
            None => read(self.connection()).map_err(|e| self.err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::pool::ReadPool;

    #[test]
    fn tally_cache_reads_again_after_another_connection_commits() {
        let dir = std::env::temp_dir().join(format!("pandian-tally-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("t.db");
        let writer = Store::open(&path).unwrap();
        let pool = ReadPool::new(&path, 2);
        let a = pool.get().unwrap();
        assert_eq!(a.tally().unwrap().devices(), 0);
        let add = |class: Option<&str>| {
            writer
                .connection()
                .execute(
                    "INSERT INTO devices (first_seen, last_seen, first_run, last_run, class)
                     VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1, 1, ?1)",
                    [class],
                )
                .unwrap();
        };
        add(Some("switch"));
        add(None);
        // Another lease of the same pool sees the commit through the shared cache.
        let b = pool.get().unwrap();
        let t = b.tally().unwrap();
        assert_eq!(t.devices(), 2);
        assert_eq!(
            t.by_class,
            vec![("switch".to_string(), 1), ("unknown".to_string(), 1)]
        );
        assert_eq!(a.tally().unwrap(), t, "the same cache for every lease");
        assert_eq!(a.overview().unwrap().devices, 2);
        writer
            .connection()
            .execute("UPDATE devices SET merged_into = 1 WHERE id = 2", [])
            .unwrap();
        assert_eq!(a.tally().unwrap().devices(), 1);
        // Unchanged database: the kept tally, equal to a fresh read.
        assert_eq!(a.tally().unwrap(), read(writer.connection()).unwrap());
        // While one reader checks, another takes the last tally at once.
        let cache = TallyCache::new(&path);
        assert_eq!(cache.get().unwrap().devices(), 1);
        add(Some("router"));
        {
            let _checking = cache.kept.lock().unwrap();
            assert_eq!(cache.get().unwrap().devices(), 1, "the last tally");
        }
        assert_eq!(cache.get().unwrap().devices(), 2, "read again");
        drop((a, b));
        drop(pool);
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tally_counts_null_as_unknown_with_a_literal_unknown() {
        let rows = vec![
            (None, 3),
            (Some("switch".to_string()), 2),
            (Some("unknown".to_string()), 1),
            (Some("Printer".to_string()), 4),
        ];
        assert_eq!(
            named(rows),
            vec![
                ("Printer".to_string(), 4),
                ("switch".to_string(), 2),
                ("unknown".to_string(), 4)
            ]
        );
        assert_eq!(
            by_count(vec![("b".into(), 1), ("a".into(), 1), ("c".into(), 5)]),
            vec![("c".into(), 5), ("a".into(), 1), ("b".into(), 1)]
        );
    }
}
