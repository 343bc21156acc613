//! What the alerts read and write: finding events with their findings
//! after the `alert_state` cursor, and the cursor itself. The cursor only
//! moves forward, so a rebuild (which sets it to the newest event) is never
//! undone by a sender that finished an older batch.

use crate::alert::{Alert, EventKind, Severity};
use rusqlite::{Connection, params};

/// The id of the last event every destination accepted or gave up on.
pub fn cursor(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE((SELECT last_event_id FROM alert_state WHERE id = 1), 0)",
        [],
        |r| r.get(0),
    )
}

/// Move the cursor forward to `to` (never back). Returns whether it moved.
pub fn advance(conn: &Connection, to: i64) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE alert_state SET last_event_id = ?1 WHERE id = 1 AND last_event_id < ?1",
        params![to],
    )?;
    Ok(n > 0)
}

/// Up to `limit` events with id greater than `after`, oldest first, each
/// with its finding. An event whose finding row is missing is skipped
/// (the join); a severity or event the schema does not know is read as
/// high / opened so that it is sent rather than lost.
pub fn events_after(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.event, e.time, f.id, f.kind, f.severity, f.state, f.device_id,
                f.ip, f.mac, f.summary, f.evidence, f.first_seen, f.last_seen
           FROM finding_events e JOIN findings f ON f.id = e.finding_id
          WHERE e.id > ?1 ORDER BY e.id LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![after, limit], |r| {
        let event: String = r.get(1)?;
        let severity: String = r.get(5)?;
        Ok(Alert {
            event_id: r.get(0)?,
            event: if event == "resolved" {
                EventKind::Resolved
            } else {
                EventKind::Opened
            },
            time: r.get(2)?,
            finding_id: r.get(3)?,
            kind: r.get(4)?,
            severity: Severity::parse(&severity).unwrap_or(Severity::High),
            state: r.get(6)?,
            device_id: r.get(7)?,
            ip: r.get(8)?,
            mac: r.get(9)?,
            summary: r.get(10)?,
            evidence: r.get(11)?,
            first_seen: r.get(12)?,
            last_seen: r.get(13)?,
        })
    })?;
    rows.collect()
}

/// The newest event id (0 when there is none).
pub fn newest_event(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM finding_events", [], |r| {
        r.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Test setup: findings and their events written with plain SQL, the
    /// way the findings code fills them (it is not on this branch yet).
    pub(crate) fn insert_finding(conn: &Connection, id: i64, kind: &str, severity: &str) {
        conn.execute(
            "INSERT INTO findings (id, key, kind, severity, state, device_id, ip, mac, summary, evidence, first_seen, last_seen, first_run, last_run)
             VALUES (?1, ?2, ?3, ?4, 'open', NULL, '198.51.100.7', '00:1b:54:10:00:0a', 'a summary', '[]', '2026-12-01T20:00:00Z', '2026-12-01T20:00:00Z', 1, 1)",
            params![id, format!("{kind}:{id}"), kind, severity],
        )
        .unwrap();
    }

    fn insert_event(conn: &Connection, id: i64, finding: i64, event: &str) {
        conn.execute(
            "INSERT INTO finding_events (id, finding_id, run_id, time, event) VALUES (?1, ?2, 1, '2026-12-01T20:00:00Z', ?3)",
            params![id, finding, event],
        )
        .unwrap();
    }

    #[test]
    fn alert_events_after_the_cursor_in_order_and_the_cursor_only_moves_forward() {
        let dir = crate::files::create_private_dir(&std::env::temp_dir(), "pandian-alerts-store")
            .unwrap();
        let store = Store::open(&dir.join("t.db")).unwrap();
        let conn = store.connection();
        insert_finding(conn, 1, "unregistered", "high");
        insert_finding(conn, 2, "randomized_mac", "low");
        insert_event(conn, 1, 1, "opened");
        insert_event(conn, 2, 2, "opened");
        insert_event(conn, 3, 1, "resolved");
        assert_eq!(cursor(conn).unwrap(), 0);
        let all = events_after(conn, 0, 10).unwrap();
        let ids: Vec<(i64, EventKind, i64)> = all
            .iter()
            .map(|a| (a.event_id, a.event, a.finding_id))
            .collect();
        assert_eq!(
            ids,
            [
                (1, EventKind::Opened, 1),
                (2, EventKind::Opened, 2),
                (3, EventKind::Resolved, 1)
            ]
        );
        assert_eq!(all[1].severity, Severity::Low);
        assert_eq!(all[0].ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(events_after(conn, 1, 1).unwrap()[0].event_id, 2, "limit");
        assert!(advance(conn, 2).unwrap());
        assert_eq!(cursor(conn).unwrap(), 2);
        assert!(!advance(conn, 1).unwrap(), "never back");
        assert_eq!(cursor(conn).unwrap(), 2);
        assert_eq!(
            events_after(conn, cursor(conn).unwrap(), 10).unwrap().len(),
            1
        );
        assert_eq!(newest_event(conn).unwrap(), 3);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
