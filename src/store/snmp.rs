//! The SNMPv3 client's durable DES salt state, leased from the database
//! (table `snmp_des_salt`, migration `0002_snmp.sql`).

use rusqlite::{Connection, OptionalExtension, params};

/// Why the DES salt state could not be leased.
#[derive(Debug, thiserror::Error)]
pub enum DesSaltError {
    /// SQLite refused.
    #[error("DES salt state: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The state could not be advanced (another live Pandian on the same database?).
    #[error("DES salt state: {0}")]
    State(String),
}

/// Lease a DES salt epoch from the database: the first call installs epoch
/// 1, every later call (each start) advances it with a compare-and-set, so
/// two runs never reuse a salt. Give the result to
/// [`CollectorOptions::des_salt`](crate::snmp::CollectorOptions::des_salt).
pub fn des_salt_state(conn: &Connection) -> Result<async_snmp::DesSaltState, DesSaltError> {
    let current: Option<i64> = conn
        .query_row(
            "SELECT engine_boots FROM snmp_des_salt WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let cas = |expect: Option<i64>,
               next: &async_snmp::PersistedDesSaltState|
     -> Result<(), std::io::Error> {
        let n = i64::from(next.engine_boots());
        let changed = match expect {
            None => conn.execute(
                "INSERT OR IGNORE INTO snmp_des_salt (id, engine_boots) VALUES (1, ?1)",
                params![n],
            ),
            Some(old) => conn.execute(
                "UPDATE snmp_des_salt SET engine_boots = ?1 WHERE id = 1 AND engine_boots = ?2",
                params![n, old],
            ),
        }
        .map_err(std::io::Error::other)?;
        if changed == 1 {
            Ok(())
        } else {
            Err(std::io::Error::other(
                "the stored DES salt epoch changed underneath (another Pandian?)",
            ))
        }
    };
    let state = match current {
        None => async_snmp::DesSaltState::install(|p| cas(None, p)),
        Some(old) => {
            let prev =
                async_snmp::PersistedDesSaltState::new(u32::try_from(old).unwrap_or(u32::MAX))
                    .map_err(|e| DesSaltError::State(e.to_string()))?;
            async_snmp::DesSaltState::restart(prev, |p| cas(Some(old), p))
        }
    };
    state.map_err(|e| DesSaltError::State(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_des_salt_epoch_advances_every_start() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("migrations/0002_snmp.sql"))
            .unwrap_or_else(|_| {
                conn.execute_batch(
                    "CREATE TABLE snmp_des_salt (id INTEGER PRIMARY KEY CHECK (id = 1), engine_boots INTEGER NOT NULL);",
                )
                .unwrap()
            });
        let a = des_salt_state(&conn).unwrap().engine_boots();
        let b = des_salt_state(&conn).unwrap().engine_boots();
        let c = des_salt_state(&conn).unwrap().engine_boots();
        assert_eq!((a, b, c), (1, 2, 3));
    }
}
