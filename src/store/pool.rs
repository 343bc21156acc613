//! Read-only connections for the web server: each request takes its own
//! (idle ones are kept for the next request, up to a bound), so a slow
//! page never makes `/healthz` wait. They share one cache of the counts
//! ([`super::tally`]), read again only after the database changed, and
//! one cache of large devices' decoded SNMP ([`super::reports`]). Writes go through the daemon's one
//! writer; with WAL, readers never block it nor each other.

use super::reports::ReportCache;
use super::tally::TallyCache;
use super::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A bounded set of idle read-only stores over one database file.
pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Store>>,
    keep: usize,
    /// The counts, shared by every connection of the pool.
    tally: Arc<TallyCache>,
    /// Decoded SNMP reports of large records, shared likewise.
    reports: Arc<ReportCache>,
}

/// A store borrowed from the pool; goes back when dropped.
pub struct Lease<'a> {
    pool: &'a ReadPool,
    store: Option<Store>,
}

impl std::ops::Deref for Lease<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        // Present from creation until drop.
        self.store
            .as_ref()
            .unwrap_or_else(|| unreachable!("a lease holds its store until dropped"))
    }
}

impl Lease<'_> {
    /// Run `f` in one read transaction: every query it makes sees the same
    /// commit (a page never mixes two runs' data), and the connection
    /// takes its WAL read lock once, not at each statement. Under a
    /// hammered device page with jobs committing every few seconds, a
    /// lock per statement (about fifteen per page) left 1% of requests
    /// waiting over a second in SQLite's read retry.
    pub fn snapshot<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        /// Ends the read transaction however `f` ends (a panic too).
        struct End<'a>(&'a rusqlite::Connection);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                if !self.0.is_autocommit() {
                    let _ = self.0.execute_batch("ROLLBACK");
                }
            }
        }
        let store: &Store = self;
        store
            .conn
            .execute_batch("BEGIN")
            .map_err(|e| store.err(e))?;
        let _end = End(&store.conn);
        f(store)
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // A connection still in a transaction would pin its snapshot: it
        // is closed, not kept.
        if let Some(store) = self.store.take()
            && store.conn.is_autocommit()
            && let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < self.pool.keep
        {
            idle.push(store);
        }
    }
}

impl ReadPool {
    /// A pool over `path` keeping at most `keep` idle connections.
    pub fn new(path: &Path, keep: usize) -> ReadPool {
        ReadPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            keep,
            tally: Arc::new(TallyCache::new(path)),
            reports: Arc::new(ReportCache::new()),
        }
    }

    /// An idle connection, or a new one.
    pub fn get(&self) -> Result<Lease<'_>, StoreError> {
        let reused = self.idle.lock().ok().and_then(|mut v| v.pop());
        let store = match reused {
            Some(s) => s,
            None => {
                let mut s = Store::open_read_only(&self.path)?;
                s.tally = Some(Arc::clone(&self.tally));
                s.reports = Some(Arc::clone(&self.reports));
                s
            }
        };
        Ok(Lease {
            pool: self,
            store: Some(store),
        })
    }

    /// Decoded reports kept, and the bytes of record they account for.
    pub fn cached_reports(&self) -> (usize, usize) {
        self.reports.size()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devices(s: &Store) -> Result<i64, StoreError> {
        s.conn
            .query_row("SELECT COUNT(*) FROM devices", [], |r| r.get(0))
            .map_err(|e| s.err(e))
    }

    #[test]
    fn a_snapshot_sees_one_commit_and_always_ends() {
        let dir = std::env::temp_dir().join(format!("pandian-pool-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("p.db");
        let writer = Store::open(&path).unwrap();
        let add = || {
            writer
                .conn
                .execute(
                    "INSERT INTO devices (first_seen, last_seen, first_run, last_run)
                     VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1, 1)",
                    [],
                )
                .unwrap();
        };
        let pool = ReadPool::new(&path, 2);
        let lease = pool.get().unwrap();
        let (before, after) = lease
            .snapshot(|s| {
                let before = devices(s)?;
                add();
                Ok((before, devices(s)?))
            })
            .unwrap();
        assert_eq!((before, after), (0, 0), "one snapshot for the whole read");
        assert!(lease.conn.is_autocommit(), "ended");
        assert_eq!(devices(&lease).unwrap(), 1, "the next read sees the commit");
        // An error inside ends it too, and so does a panic.
        let failed: Result<(), StoreError> = lease.snapshot(|s| {
            s.conn
                .execute_batch("SELECT * FROM no_such_table")
                .map_err(|e| s.err(e))
        });
        assert!(failed.is_err());
        assert!(lease.conn.is_autocommit());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = lease.snapshot(|_| -> Result<(), StoreError> { panic!("a bug in a page") });
        }));
        assert!(panicked.is_err());
        assert!(lease.conn.is_autocommit());
        drop(lease);
        add();
        let again = pool.get().unwrap();
        assert!(again.conn.is_autocommit());
        assert_eq!(devices(&again).unwrap(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
