//! SQLite history: numbered migrations (`PRAGMA user_version`), WAL.
//!
//! The record (primary, never touched by a rebuild): runs (`scans`),
//! subjects and their observations collapsed by change ([`record`]), the
//! latest volatile values, the credential that answered at each address.
//! Derived from it ([`derive`]): devices with their addresses, MACs, keys
//! and identity log, fingerprints, and the summary columns the page reads
//! ([`read`]). `pandian rebuild` regenerates the derived tables with the
//! same result, ids included.
//!
//! A run's sightings are written in batches as they come ([`Store::record`]),
//! then the run is closed and taken into the derived tables in one
//! transaction ([`Store::finish_run`]); a run that was written but not
//! taken in (a stop in between) is taken in at the next open with an engine
//! ([`Store::ensure_derived`]).

pub mod alerts;
pub mod assets;
mod audit;
pub mod changes;
pub mod derive;
mod device_snmp;
pub mod evidence;
pub mod findings;
mod legacy;
pub mod metrics;
pub mod origin;
pub mod pool;
pub mod read;
pub mod record;
pub mod reports;
pub mod snmp;
pub mod tally;
pub mod writer;

pub use derive::{Applied, DeriveOptions};
pub use pool::ReadPool;
pub use read::{DeviceQuery, DeviceRow, Overview, Page, ScanRow};

use crate::fingerprint::Engine;
use crate::record::Seen;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Schema steps, in order; entry N takes the schema from version N to N+1.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("migrations/0001_init.sql")),
    ("0002_snmp", include_str!("migrations/0002_snmp.sql")),
    ("0003_spine", include_str!("migrations/0003_spine.sql")),
    ("0004_audit", include_str!("migrations/0004_audit.sql")),
    ("0005_api", include_str!("migrations/0005_api.sql")),
    ("0006_reads", include_str!("migrations/0006_reads.sql")),
    ("0007_sizes", include_str!("migrations/0007_sizes.sql")),
];

/// `PRAGMA application_id` of a Pandian database ("PAND"). Files written
/// before it was set (schema versions 1 to 3) are recognised by their
/// tables instead.
pub const APPLICATION_ID: i32 = 0x5041_4e44;

/// The last schema version written without an application id.
const LAST_UNMARKED_VERSION: i64 = 3;

/// How the database file is created when it does not exist yet.
#[derive(Debug, Clone, Default)]
pub struct FileAccess {
    /// A group whose members may read it: the file is then created 0640
    /// and given to that group. None: 0600, the owner only.
    pub group: Option<String>,
}

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
    /// The database file could not be created.
    #[error("database {path}: cannot create the file: {source}")]
    Create {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is some other program's SQLite database (or not one at all):
    /// refused before anything in it is changed.
    #[error(
        "database {path} is not a Pandian database ({what}); nothing in it was changed. Point store.path at a new file or at a Pandian database"
    )]
    Foreign {
        /// The database file.
        path: PathBuf,
        /// What was found, e.g. "tables: users, orders".
        what: String,
    },
    /// The file or its directory could be changed by another user.
    #[error("database {path}: {message}")]
    Unsafe {
        /// The database file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A schema step failed (the message is SQLite's, without the SQL).
    #[error(
        "database {path}: upgrading the schema ({step}) failed: {message}; the file is left at the version before that step"
    )]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// The migration's name.
        step: &'static str,
        /// SQLite's message.
        message: String,
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
    /// The counts cache of the read pool this store came from.
    tally: Option<std::sync::Arc<tally::TallyCache>>,
    /// The decoded-report cache of the read pool this store came from.
    reports: Option<std::sync::Arc<reports::ReportCache>>,
}

/// The schema version this build creates.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

impl StoreError {
    /// The message without the database's path, for places that show it to
    /// whoever asks (the page, the API's scan list).
    pub fn without_path(&self) -> String {
        let path = match self {
            StoreError::Sqlite { path, .. }
            | StoreError::Dir { path, .. }
            | StoreError::Create { path, .. }
            | StoreError::TooNew { path, .. }
            | StoreError::Foreign { path, .. }
            | StoreError::Unsafe { path, .. }
            | StoreError::Migrate { path, .. }
            | StoreError::Corrupt { path, .. } => path,
        };
        let text = self.to_string();
        let shown = path.display().to_string();
        if shown.is_empty() {
            text
        } else {
            text.replace(&format!("database {shown}"), "the database")
                .replace(&shown, "(the database file)")
        }
    }
}

/// SQLite's message for `e` without the statement text (rusqlite's input
/// errors include the whole SQL, which is noise and may be long).
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::SqliteFailure(code, Some(msg)) => format!("{msg} ({:?})", code.code),
        other => other.to_string(),
    }
}

/// Schema step `i` (0-based: `MIGRATIONS[i]`), inside `tx`.
fn apply_step(tx: &rusqlite::Transaction<'_>, i: usize, sql: &str) -> rusqlite::Result<()> {
    tx.execute_batch(sql)?;
    if i + 1 == 3 {
        // Versions 1 and 2 kept devices, not a record: their tables are
        // converted by the record's writer, which writes the schema of
        // the last step, so at the last step (in its transaction: a file
        // left between the two by a crash still converts on the next open).
        tx.execute(
            "INSERT INTO store_state (key, value) VALUES ('legacy', 'to convert')",
            [],
        )?;
    }
    if i + 1 == MIGRATIONS.len()
        && tx
            .query_row("SELECT 1 FROM store_state WHERE key = 'legacy'", [], |_| {
                Ok(())
            })
            .optional()?
            .is_some()
    {
        legacy::convert(tx)?;
        tx.execute("DELETE FROM store_state WHERE key = 'legacy'", [])?;
    }
    tx.pragma_update(None, "user_version", (i + 1) as i64)
}

/// The user tables of a database at schema version `v`, as the
/// migrations make them (run on an empty in-memory database).
fn tables_of_version(v: i64) -> rusqlite::Result<std::collections::BTreeSet<String>> {
    let mut conn = Connection::open_in_memory()?;
    for (i, (_, sql)) in MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(v).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        apply_step(&tx, i, sql)?;
        tx.commit()?;
    }
    user_tables(&conn)
}

/// The tables of `conn` other than SQLite's own.
fn user_tables(conn: &Connection) -> rusqlite::Result<std::collections::BTreeSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

impl Store {
    /// Open (creating if needed) and migrate. A new file is created 0600.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, &FileAccess::default())
    }

    /// [`Store::open`], creating a new file as `access` says. Before
    /// anything is written: the file and its directory must belong to this
    /// user or root (a root daemon never works in a file another user could
    /// swap), a symlink is refused (`SQLITE_OPEN_NOFOLLOW`), and a database
    /// that is neither empty nor Pandian's is refused untouched.
    pub fn open_with(path: &Path, access: &FileAccess) -> Result<Store, StoreError> {
        let unsafe_path = |message: String| StoreError::Unsafe {
            path: path.to_path_buf(),
            message,
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: path.to_path_buf(),
            source,
        })?;
        crate::files::check_owner(dir).map_err(|e| unsafe_path(e.to_string()))?;
        create_file(path, access)?;
        for (suffix, what) in [
            ("", "database"),
            ("-wal", "WAL"),
            ("-shm", "shared-memory"),
            ("-journal", "journal"),
        ] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            let Ok(meta) = std::fs::symlink_metadata(&file) else {
                continue;
            };
            if !meta.is_file() {
                return Err(unsafe_path(format!(
                    "{} (its {what} file) is {}, not a regular file; Pandian never follows links for its database: give the real path or remove it",
                    file.display(),
                    if meta.file_type().is_symlink() {
                        "a symlink"
                    } else {
                        "something else"
                    }
                )));
            }
            crate::files::check_owner(&file).map_err(|e| unsafe_path(e.to_string()))?;
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            tally: None,
            reports: None,
        };
        store.setup()?;
        Ok(store)
    }

    /// Open read-only (for the web page), without migrating.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            tally: None,
            reports: None,
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| store.err(e))?;
        // A page cache of 512 KiB, not SQLite's 2 MB: the web server keeps
        // up to ten of these connections, and the file's pages are in the
        // kernel's cache anyway. In the web_load bench, 1,000 device pages
        // in turn filled ten 2 MB caches and took the daemon over 100 MB.
        store
            .conn
            .pragma_update(None, "cache_size", -512)
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
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.err(e))?;
        // Only reads until the file is known to be empty or Pandian's.
        self.check_is_pandian()?;
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| self.err(e))?;
        self.migrate()
    }

    /// Refuse a database that is neither empty nor Pandian's: marked with
    /// our application id, or (versions written before the mark) holding
    /// exactly the tables that version has.
    fn check_is_pandian(&self) -> Result<(), StoreError> {
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let version = self.version()?;
        let tables = user_tables(&self.conn).map_err(|e| self.err(e))?;
        let foreign = |what: String| StoreError::Foreign {
            path: self.path.clone(),
            what,
        };
        let listed = |t: &std::collections::BTreeSet<String>| {
            let mut names: Vec<&str> = t.iter().map(String::as_str).take(8).collect();
            if t.len() > 8 {
                names.push("...");
            }
            names.join(", ")
        };
        match app {
            APPLICATION_ID => Ok(()),
            0 if version == 0 && tables.is_empty() => Ok(()),
            0 if (1..=LAST_UNMARKED_VERSION).contains(&version)
                && tables_of_version(version).is_ok_and(|t| t == tables) =>
            {
                Ok(())
            }
            0 if tables.is_empty() => Err(foreign(format!(
                "it has no tables but user_version {version}"
            ))),
            0 => Err(foreign(format!("tables: {}", listed(&tables)))),
            other => Err(foreign(format!(
                "it belongs to another application: application_id {other:#010x}"
            ))),
        }
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
        for (i, (step, sql)) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            let path = self.path.clone();
            let failed = |e: rusqlite::Error| StoreError::Migrate {
                path: path.clone(),
                step,
                message: sqlite_message(&e),
            };
            let tx = self.conn.transaction().map_err(failed)?;
            apply_step(&tx, i, sql).map_err(failed)?;
            tx.commit().map_err(failed)?;
        }
        if found == 0 {
            // A new file has nothing derived that could be stale: the
            // migrations' "rebuild after upgrade" mark would otherwise make
            // the first daemon start re-derive every run recorded so far.
            self.conn
                .execute(
                    "UPDATE store_state SET value = 'current' WHERE key = 'derived'",
                    [],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Record that a run of `job` started; returns its id. `started_at` is
    /// the run's one timestamp: every row the run writes carries it.
    pub fn begin_run(&mut self, start: &RunStart<'_>) -> Result<i64, StoreError> {
        let params_json = serde_json::json!({
            "exclude": start.exclude,
            "rate": start.rate,
            "credentials": start.credentials,
        })
        .to_string();
        self.conn
            .execute(
                "INSERT INTO scans (started_at, targets, addresses, job, excluded, params) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    start.started_at,
                    start.targets,
                    start.addresses as i64,
                    start.job,
                    start.excluded as i64,
                    params_json
                ],
            )
            .map_err(|e| self.err(e))?;
        let id = self.conn.last_insert_rowid();
        record::job_id(&self.conn, start.job).map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Write a batch of what run `run_id` saw, in one transaction.
    pub fn record(&mut self, run_id: i64, seen: &[Seen]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        let (job, time): (String, String) = tx
            .query_row(
                "SELECT job, started_at FROM scans WHERE id = ?1",
                params![run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(e)?;
        let job_id = record::job_id(&tx, &job).map_err(e)?;
        record::write(&tx, run_id, job_id, &time, seen).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Close run `run_id` (as `end.status`: done, or interrupted when a stop
    /// cut it short) and take what it recorded into the derived tables, in
    /// one transaction: either the run counts, with its devices, or it
    /// stays open (and is taken in at the next start).
    pub fn finish_run(
        &mut self,
        run_id: i64,
        end: &RunEnd,
        engine: &Engine,
        opts: &DeriveOptions,
    ) -> Result<Applied, StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "UPDATE scans SET finished_at = ?2, status = ?5, hosts_up = ?3, snmp_ok = ?4, error = ?6 WHERE id = ?1",
            params![
                run_id,
                end.finished_at,
                end.answered as i64,
                end.snmp_ok as i64,
                end.status.as_str(),
                end.error
            ],
        )
        .map_err(e)?;
        let applied = derive::apply(&tx, run_id, engine, opts).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(applied)
    }

    /// Mark a run failed or interrupted, keeping what it was and what it
    /// recorded (taken into the derived tables with the next
    /// [`Store::ensure_derived`]).
    pub fn end_run_without_results(
        &mut self,
        run_id: i64,
        finished_at: &str,
        status: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE scans SET finished_at = ?2, status = ?3, error = ?4 WHERE id = ?1",
                params![run_id, finished_at, status, error],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Bring the derived tables up to date: rebuild them when the schema
    /// changed under them (a migration), then take in runs written but not
    /// taken in yet. Returns how many runs were applied.
    pub fn ensure_derived(
        &mut self,
        engine: &Engine,
        opts: &DeriveOptions,
    ) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let stale: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM store_state WHERE key = 'derived' AND value != 'current')",
                [],
                |r| r.get(0),
            )
            .map_err(e)?;
        if stale {
            return self.rebuild(engine, opts);
        }
        let tx = self.conn.transaction().map_err(e)?;
        let mut n = 0;
        for run in derive::pending(&tx).map_err(e)? {
            derive::apply(&tx, run, engine, opts).map_err(e)?;
            n += 1;
        }
        tx.commit().map_err(e)?;
        Ok(n)
    }

    /// Regenerate every derived table from the record, in one transaction
    /// (an interrupted rebuild leaves the previous tables). Returns how many
    /// runs were replayed.
    pub fn rebuild(&mut self, engine: &Engine, opts: &DeriveOptions) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        let n = derive::rebuild(&tx, engine, opts).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(n)
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
        record::preferred_credentials(&self.conn).map_err(|e| self.err(e))
    }

    /// Delete record rows that were superseded before `cutoff` (RFC 3339):
    /// for every chain of one subject, job, source and key, rows that ended
    /// before the cutoff and have a newer row after them. The latest known
    /// value of everything stays, so the derived tables keep every device.
    /// Returns how many rows went.
    pub fn prune(&mut self, cutoff: &str) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "DELETE FROM observations WHERE last_seen < ?1 AND EXISTS (
                    SELECT 1 FROM observations n WHERE n.subject_id = observations.subject_id
                      AND n.job_id = observations.job_id AND n.source = observations.source
                      AND n.key = observations.key AND n.first_run > observations.last_run)",
                params![cutoff],
            )
            .map_err(|e| self.err(e))
    }

    /// The raw connection, for modules that own their own tables.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How a run that recorded something ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// It swept everything.
    Done,
    /// A stop cut it short; what it saw counts.
    Interrupted,
}

impl RunStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Done => "done",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// What a run is, as it starts.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    /// The job's name (`default` for the flat `[scan]` section and `pandian scan`).
    pub job: &'a str,
    /// The run's one timestamp (RFC 3339).
    pub started_at: &'a str,
    /// What it sweeps, as written.
    pub targets: &'a str,
    /// What it leaves out, as written.
    pub exclude: &'a str,
    /// How many addresses it sweeps.
    pub addresses: usize,
    /// How many addresses the exclusions took out.
    pub excluded: usize,
    /// Probe packets per second.
    pub rate: u32,
    /// The credentials it tries, by name.
    pub credentials: Vec<String>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// `done`, or `interrupted` when a stop cut it short.
    pub status: RunStatus,
    /// Why it ended early, if it did.
    pub error: Option<String>,
    /// When (RFC 3339).
    pub finished_at: String,
    /// Addresses that answered.
    pub answered: usize,
    /// Addresses where SNMP answered.
    pub snmp_ok: usize,
}

/// Create the database file when it is missing: exclusively, never through
/// a symlink, mode 0600 (0640 and the group's when `access` names one).
/// An existing file is left as it is, with a warning when every user may
/// read it.
fn create_file(path: &Path, access: &FileAccess) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let unsafe_path = |message: String| StoreError::Unsafe {
        path: path.to_path_buf(),
        message,
    };
    let gid = match &access.group {
        None => None,
        Some(name) => match nix::unistd::Group::from_name(name) {
            Ok(Some(g)) => Some(g.gid.as_raw()),
            Ok(None) => {
                return Err(unsafe_path(format!(
                    "store.group `{name}` is not a group on this machine; create it (groupadd {name}) or leave the key out"
                )));
            }
            Err(e) => return Err(unsafe_path(format!("store.group `{name}`: {e}"))),
        },
    };
    let mode = if gid.is_some() { 0o640 } else { 0o600 };
    match crate::files::create_new(path, mode) {
        Ok(file) => file
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .and_then(|()| std::os::unix::fs::fchown(&file, None, gid))
            .map_err(|source| StoreError::Create {
                path: path.to_path_buf(),
                source,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if let Ok(meta) = std::fs::symlink_metadata(path)
                && meta.is_file()
                && meta.permissions().mode() & 0o004 != 0
            {
                tracing::warn!(
                    "database {}: readable by every user (mode {:o}); run `chmod 600 {}`",
                    path.display(),
                    meta.permissions().mode() & 0o777,
                    path.display()
                );
            }
            Ok(())
        }
        Err(source) => Err(StoreError::Create {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests;
