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

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take()
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
