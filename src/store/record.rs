//! Writing the record: a run's sightings as observation rows, collapsed by
//! change (a tuple seen again in the job's next run moves its row's
//! `last_run`; anything else starts a row), the latest volatile values, and
//! the credential that answered at each address.
//!
//! Functions take a `&Connection` so they run inside the caller's
//! transaction.

use crate::record::{self, Seen, Tuple};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// The id of job `name`, made on first use.
pub fn job_id(conn: &Connection, name: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached("INSERT INTO jobs (name) VALUES (?1) ON CONFLICT(name) DO NOTHING")?
        .execute(params![name])?;
    conn.prepare_cached("SELECT id FROM jobs WHERE name = ?1")?
        .query_row(params![name], |r| r.get(0))
}

/// The subject for (`ip`, `mac`), made on first use.
pub fn subject_id(conn: &Connection, ip: &str, mac: &str) -> rusqlite::Result<i64> {
    if let Some(id) = conn
        .prepare_cached("SELECT id FROM subjects WHERE ip = ?1 AND mac = ?2")?
        .query_row(params![ip, mac], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO subjects (ip, mac) VALUES (?1, ?2)")?
        .execute(params![ip, mac])?;
    Ok(conn.last_insert_rowid())
}

/// The run of the same job before `run_id` (whose rows a sighting extends).
pub fn previous_run(conn: &Connection, run_id: i64) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT MAX(p.id) FROM scans p JOIN scans r ON r.id = ?1 WHERE p.job = r.job AND p.id < r.id",
    )?
    .query_row(params![run_id], |r| r.get(0))
}

/// Append what run `run_id` of job `job_id` saw (at `time`, the run's one
/// timestamp) to the record. Writing the same sighting twice in one run
/// changes nothing the second time.
pub fn write(
    conn: &Connection,
    run_id: i64,
    job_id: i64,
    time: &str,
    seen: &[Seen],
) -> rusqlite::Result<()> {
    let prev = previous_run(conn, run_id)?.unwrap_or(run_id);
    for s in seen {
        let (ip, mac) = record::subject(s);
        if ip.is_empty() && mac.is_empty() {
            continue;
        }
        let subject = subject_id(conn, &ip, &mac)?;
        let (tuples, volatile) = record::encode(s);
        let mut open: HashMap<Tuple, (i64, i64)> = HashMap::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT id, source, key, value, last_run FROM observations
                 WHERE subject_id = ?1 AND job_id = ?2 AND last_run IN (?3, ?4)",
            )?;
            let rows = stmt.query_map(params![subject, job_id, prev, run_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Tuple {
                        source: r.get(1)?,
                        key: r.get(2)?,
                        value: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (id, t, last) = row?;
                open.insert(t, (id, last));
            }
        }
        for t in &tuples {
            match open.get(t) {
                Some(&(_, last)) if last == run_id => {}
                Some(&(id, _)) => {
                    conn.prepare_cached(
                        "UPDATE observations SET last_run = ?2, last_seen = ?3 WHERE id = ?1",
                    )?
                    .execute(params![id, run_id, time])?;
                }
                None => {
                    conn.prepare_cached(
                        "INSERT INTO observations (subject_id, job_id, source, key, value, first_run, last_run, first_seen, last_seen, size, lines)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7, ?8, ?9)",
                    )?
                    .execute(params![
                        subject,
                        job_id,
                        t.source,
                        t.key,
                        t.value,
                        run_id,
                        time,
                        t.value.len() as i64,
                        line_count(&t.value) as i64
                    ])?;
                }
            }
        }
        for t in &volatile {
            conn.prepare_cached(
                "INSERT INTO latest_values (subject_id, source, key, value, run_id, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(subject_id, source, key) DO UPDATE SET value = excluded.value,
                     run_id = excluded.run_id, time = excluded.time",
            )?
            .execute(params![subject, t.source, t.key, t.value, run_id, time])?;
        }
        if let (Some(snmp), Some(addr)) = (&s.snmp, s.ip)
            && !snmp.credential.is_empty()
        {
            conn.prepare_cached(
                    "INSERT INTO credential_memory (ip, credential, version, last_success) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(ip) DO UPDATE SET credential = excluded.credential,
                         version = excluded.version, last_success = excluded.last_success",
                )?
                .execute(params![addr.to_string(), snmp.credential, snmp.version, time])?;
        }
    }
    Ok(())
}

/// The tuples of one subject that run `run_id` of job `job_id` saw, sorted,
/// and whether any of them was new in that run.
pub fn tuples_at(
    conn: &Connection,
    subject: i64,
    job_id: i64,
    run_id: i64,
) -> rusqlite::Result<(Vec<Tuple>, bool)> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, key, value, first_run FROM observations INDEXED BY observations_chain
         WHERE subject_id = ?1 AND job_id = ?2 AND last_run >= ?3 AND first_run <= ?3
         ORDER BY source, key, value",
    )?;
    let rows = stmt.query_map(params![subject, job_id, run_id], |r| {
        Ok((
            Tuple {
                source: r.get(0)?,
                key: r.get(1)?,
                value: r.get(2)?,
            },
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    let mut changed = false;
    for row in rows {
        let (t, first) = row?;
        changed |= first == run_id;
        out.push(t);
    }
    Ok((out, changed))
}

/// The credential name that last worked, per address.
pub fn preferred_credentials(
    conn: &Connection,
) -> rusqlite::Result<HashMap<std::net::IpAddr, String>> {
    let mut stmt = conn.prepare("SELECT ip, credential FROM credential_memory")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (ip, cred) = row?;
        if let Ok(ip) = ip.parse() {
            out.insert(ip, cred);
        }
    }
    Ok(out)
}

/// Lines in `value` as the schema counts them (`observations.lines`): its
/// newlines, plus one unless it is empty.
pub(crate) fn line_count(value: &str) -> usize {
    value.bytes().filter(|&b| b == b'\n').count() + usize::from(!value.is_empty())
}
