//! SQLite history: numbered migrations (`PRAGMA user_version`), WAL, one
//! transaction per scan. Scans, the latest view of each device, and an
//! append-only observation log.

mod read;
pub mod snmp;

pub use read::{DeviceRow, Overview, ScanRow};

use crate::identity::{self, Candidates, Match};
use crate::inventory::Device;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Schema steps, in order; entry N takes the schema from version N to N+1.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    ("0002_snmp", include_str!("migrations/0002_snmp.sql")),
];

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused (full disk, corrupt file, locked...).
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The directory for the database could not be made.
    #[error("database {path}: cannot create its directory: {source}")]
    Dir {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was written by a newer Pandian.
    #[error(
        "database {path} has schema version {found}; this Pandian knows up to {known}. Upgrade Pandian or use another file"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// Stored JSON that is not JSON (should never happen; reported, not panicked).
    #[error("database {path}: corrupt device record {id}: {message}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Device id.
        id: i64,
        /// serde's message.
        message: String,
    },
}

/// An open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The schema version this build creates.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

impl Store {
    /// Open (creating if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.setup()?;
        Ok(store)
    }

    /// Open read-only (for the web page), without migrating.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| store.err(e))?;
        Ok(store)
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn setup(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.err(e))?;
        self.migrate()
    }

    /// The schema version of the open file.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.version()?;
        let known = schema_version();
        if found > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        for (i, (_, sql)) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            let tx = self.conn.transaction().map_err(|e| StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            tx.execute_batch(sql).map_err(|e| StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| StoreError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
            tx.commit().map_err(|e| StoreError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
        }
        Ok(())
    }

    /// Record that a scan started; returns its id.
    pub fn begin_scan(
        &mut self,
        started_at: &str,
        targets: &str,
        addresses: usize,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO scans (started_at, targets, addresses) VALUES (?1, ?2, ?3)",
                params![started_at, targets, addresses as i64],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Mark a scan failed or interrupted, keeping what it was.
    pub fn end_scan_without_results(
        &mut self,
        scan_id: i64,
        finished_at: &str,
        status: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE scans SET finished_at = ?2, status = ?3, error = ?4 WHERE id = ?1",
                params![scan_id, finished_at, status, error],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Store a finished scan's devices and close it, all in one transaction:
    /// either everything from this scan is stored or nothing is.
    pub fn finish_scan(
        &mut self,
        scan_id: i64,
        finished_at: &str,
        devices: &[Device],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        let mut snmp_ok = 0i64;
        for d in devices {
            if d.snmp.is_some() {
                snmp_ok += 1;
            }
            let device_id = upsert_device(&tx, scan_id, finished_at, d).map_err(e)?;
            if let Some(report) = &d.snmp {
                snmp::save_report(&tx, device_id, scan_id, finished_at, d.ip, report).map_err(e)?;
            }
            let mut ins = tx
                .prepare_cached("INSERT INTO observations (scan_id, device_id, time, source, key, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(e)?;
            for (source, key, value) in d.observations() {
                ins.execute(params![scan_id, device_id, finished_at, source, key, value])
                    .map_err(e)?;
            }
        }
        tx.execute(
            "UPDATE scans SET finished_at = ?2, status = 'done', hosts_up = ?3, snmp_ok = ?4 WHERE id = ?1",
            params![scan_id, finished_at, devices.len() as i64, snmp_ok],
        )
        .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Interrupt scans left `running` by a crash or kill (called at start).
    pub fn close_stale_scans(&mut self, now: &str) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE scans SET status = 'interrupted', finished_at = ?1, error = 'Pandian stopped during this scan' WHERE status = 'running'",
                params![now],
            )
            .map_err(|e| self.err(e))
    }

    /// The credential that last worked for each address.
    pub fn preferred_credentials(
        &self,
    ) -> Result<std::collections::HashMap<std::net::IpAddr, String>, StoreError> {
        snmp::preferred_credentials(&self.conn).map_err(|e| self.err(e))
    }

    /// The raw connection, for modules that own their own tables.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn upsert_device(
    tx: &rusqlite::Transaction<'_>,
    scan_id: i64,
    now: &str,
    d: &Device,
) -> Result<i64, rusqlite::Error> {
    let serial = d
        .identity
        .serial
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    let one = |sql: &str, key: &str| -> Result<Option<i64>, rusqlite::Error> {
        tx.query_row(sql, params![key], |r| r.get(0)).optional()
    };
    let by_serial = match serial {
        Some(s) => one(
            "SELECT id FROM devices WHERE serial = ?1 ORDER BY last_seen DESC LIMIT 1",
            s,
        )?,
        None => None,
    };
    let by_mac = match d.mac.as_deref() {
        Some(m) => one(
            "SELECT id FROM devices WHERE mac = ?1 ORDER BY last_seen DESC LIMIT 1",
            m,
        )?,
        None => None,
    };
    let by_ip = tx
        .query_row(
            "SELECT id, mac FROM devices WHERE ip = ?1 ORDER BY last_seen DESC LIMIT 1",
            params![d.ip.to_string()],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
        )
        .optional()?;
    let decision = identity::decide(
        &Candidates {
            by_serial,
            by_mac,
            by_ip,
        },
        d.mac.as_deref(),
    );
    let json = serde_json::to_string(d)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let id = &d.identity;
    let credential = d.snmp.as_ref().map(|s| s.credential.as_str());
    let existing = match decision {
        Match::Existing(device_id) => Some(device_id),
        Match::New => None,
    };
    // One statement for both cases: a new row (id NULL) keeps first_seen =
    // now; an existing one keeps its first_seen, MAC, serial and credential
    // unless this sighting brings them.
    tx.query_row(
        "INSERT INTO devices (id, ip, mac, serial, hostname, class, vendor, model, os, vendor_origin, snmp_credential,
            first_seen, last_seen, last_scan_id, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14)
         ON CONFLICT(id) DO UPDATE SET ip = excluded.ip, mac = COALESCE(excluded.mac, mac),
            serial = COALESCE(excluded.serial, serial), hostname = excluded.hostname, class = excluded.class,
            vendor = excluded.vendor, model = excluded.model, os = excluded.os, vendor_origin = excluded.vendor_origin,
            snmp_credential = COALESCE(excluded.snmp_credential, snmp_credential), last_seen = excluded.last_seen,
            last_scan_id = excluded.last_scan_id, data = excluded.data
         RETURNING id",
        params![
            existing,
            d.ip.to_string(),
            d.mac,
            serial,
            d.hostname,
            id.class,
            id.vendor,
            id.model,
            id.os,
            id.vendor_origin,
            credential,
            now,
            scan_id,
            json
        ],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Identity;
    use crate::inventory::Source;

    fn temp_db(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pandian-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested").join("p.db")
    }

    fn device(ip: &str, mac: Option<&str>, serial: Option<&str>) -> Device {
        Device {
            ip: ip.parse().unwrap(),
            mac: mac.map(String::from),
            mac_vendor: None,
            mac_randomized: false,
            seen_by: vec![Source::Arp],
            rtt_ms: Some(0.2),
            hostname: None,
            seen_via: None,
            snmp: None,
            identity: Identity {
                serial: serial.map(String::from),
                ..Identity::default()
            },
        }
    }

    #[test]
    fn store_migrates_new_file_and_reopens() {
        let path = temp_db("migrate");
        let s = Store::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), schema_version());
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), schema_version());
        let mode: String = s
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn store_refuses_newer_schema() {
        let path = temp_db("newer");
        let s = Store::open(&path).unwrap();
        s.connection()
            .pragma_update(None, "user_version", schema_version() + 1)
            .unwrap();
        drop(s);
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
    }

    #[test]
    fn store_merges_sightings_and_keeps_first_seen() {
        let path = temp_db("merge");
        let mut s = Store::open(&path).unwrap();
        let a = s
            .begin_scan("2026-01-01T00:00:00Z", "198.51.100.0/24", 254)
            .unwrap();
        s.finish_scan(
            a,
            "2026-01-01T00:01:00Z",
            &[
                device("198.51.100.7", Some("00:00:0c:00:00:01"), None),
                device("198.51.100.8", None, None),
            ],
        )
        .unwrap();
        // Same MAC on a new address; the IP-only device again; a new serial.
        let b = s
            .begin_scan("2026-01-02T00:00:00Z", "198.51.100.0/24", 254)
            .unwrap();
        s.finish_scan(
            b,
            "2026-01-02T00:01:00Z",
            &[
                device("198.51.100.9", Some("00:00:0c:00:00:01"), None),
                device("198.51.100.8", None, None),
                device("198.51.100.7", Some("00:00:0c:00:00:99"), Some("FOC123")),
            ],
        )
        .unwrap();
        let rows = s.devices().unwrap();
        assert_eq!(rows.len(), 3, "{rows:?}");
        let moved = rows
            .iter()
            .find(|r| r.data["ip"] == "198.51.100.9")
            .unwrap();
        assert_eq!(moved.first_seen, "2026-01-01T00:01:00Z");
        assert_eq!(moved.last_seen, "2026-01-02T00:01:00Z");
        let o = s.overview().unwrap();
        assert_eq!(o.devices, 3);
        assert_eq!(o.last_done.unwrap().hosts_up, Some(3));
        let obs: i64 = s
            .connection()
            .query_row("SELECT COUNT(*) FROM observations", [], |r| r.get(0))
            .unwrap();
        assert!(obs >= 5);
    }

    #[test]
    fn store_failed_write_keeps_earlier_data() {
        let path = temp_db("rollback");
        let mut s = Store::open(&path).unwrap();
        let a = s.begin_scan("2026-01-01T00:00:00Z", "t", 1).unwrap();
        s.finish_scan(
            a,
            "2026-01-01T00:01:00Z",
            &[device("198.51.100.7", Some("00:00:0c:00:00:01"), None)],
        )
        .unwrap();
        let b = s.begin_scan("2026-01-02T00:00:00Z", "t", 1).unwrap();
        // A trigger makes the second scan's observation insert fail midway.
        s.connection()
            .execute_batch("CREATE TRIGGER boom BEFORE INSERT ON observations WHEN NEW.scan_id = 2 BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            .unwrap();
        let err = s
            .finish_scan(
                b,
                "2026-01-02T00:01:00Z",
                &[device("198.51.100.7", Some("00:00:0c:00:00:01"), None)],
            )
            .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let rows = s.devices().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].last_seen, "2026-01-01T00:01:00Z",
            "the failed scan changed nothing"
        );
        s.end_scan_without_results(b, "2026-01-02T00:02:00Z", "failed", &err.to_string())
            .unwrap();
        assert_eq!(s.scans(10).unwrap()[0].status, "failed");
    }

    #[test]
    fn store_closes_stale_running_scans() {
        let path = temp_db("stale");
        let mut s = Store::open(&path).unwrap();
        s.begin_scan("2026-01-01T00:00:00Z", "t", 1).unwrap();
        assert_eq!(s.close_stale_scans("2026-01-01T00:05:00Z").unwrap(), 1);
        assert_eq!(s.scans(1).unwrap()[0].status, "interrupted");
    }
}
