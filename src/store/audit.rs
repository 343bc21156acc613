//! What is derived after every run is taken in, in this order: which device
//! each approved asset is, the origin snapshot of the run, then the
//! findings (which read the matches). Runs in the caller's transaction.

use super::DeriveOptions;
use rusqlite::Connection;

/// Derive the audit tables for run `run_id` (already taken into devices).
pub fn after_run(conn: &Connection, run_id: i64, opts: &DeriveOptions) -> rusqlite::Result<()> {
    super::assets::rematch(conn)?;
    super::origin::snapshot(conn, run_id)?;
    super::findings::evaluate(conn, run_id, opts)?;
    Ok(())
}
