//! What a device's page needs beyond [`Store::device`]: the observation
//! rows its timeline compares (each row is one value held over a span of
//! runs, so a second row of the same source and key is a change).

use super::{Store, StoreError};

/// Rows read for one device's timeline, newest first.
pub const MAX_ROWS: u32 = 400;
/// Values longer than this are not read (a big table's change is told by
/// its size, not line by line).
pub const MAX_VALUE: i64 = 16 * 1024;

/// One observation row: when its value was first seen, by what, of what;
/// the value when it is at most [`MAX_VALUE`] bytes, with its line count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedValue {
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// The source (`snmp`, `dns`, `mdns` ...).
    pub source: String,
    /// The key (`snmp:<oid>` for an SNMP subtree).
    pub key: String,
    /// The value, unless it is long.
    pub value: Option<String>,
    /// How many lines it holds (an SNMP subtree: how many values).
    pub lines: u64,
}

impl Store {
    /// The observation rows of device `id`'s subjects while they were its,
    /// newest first, at most [`MAX_ROWS`].
    pub fn device_values(&self, id: i64) -> Result<Vec<ObservedValue>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT o.first_seen, o.source, o.key,
                        CASE WHEN o.size <= ?2 THEN o.value END, o.lines
                   FROM observations o
                   JOIN device_subjects ds ON ds.subject_id = o.subject_id AND ds.device_id = ?1
                  WHERE o.first_run <= ds.last_run AND o.last_run >= ds.first_run
                  ORDER BY o.first_run DESC, o.id DESC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![id, MAX_VALUE, MAX_ROWS], |r| {
                Ok(ObservedValue {
                    first_seen: r.get(0)?,
                    source: r.get(1)?,
                    key: r.get(2)?,
                    value: r.get(3)?,
                    lines: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}
