//! A subject's SNMP as a device page shows it: its latest record and
//! volatile values read and decoded into a report, or the report the read
//! pool kept ([`super::reports`]) while neither changed.

use super::reports::{Stamp, SubjectSnmp};
use super::{Store, StoreError};
use crate::facts::SnmpFacts;
use crate::record::{self, SnmpSeen, Tuple};
use crate::snmp::SnmpReport;
use std::sync::Arc;

impl Store {
    /// Subject `sid`'s SNMP, decoded from its latest record and volatile
    /// values (None: no agent answered there), or as kept by the read
    /// pool's cache when neither changed since.
    pub(super) fn subject_snmp(
        &self,
        sid: i64,
        ip: &str,
        mac: &str,
    ) -> Result<Option<SubjectSnmp>, StoreError> {
        let stamp = match &self.reports {
            Some(cache) => {
                let stamp = self.subject_stamp(sid)?;
                if let Some(hit) = cache.get(sid, stamp) {
                    return Ok(Some(hit));
                }
                Some((cache, stamp))
            }
            None => None,
        };
        let Some((seen, bytes)) = self.subject_record(sid, ip, mac)? else {
            return Ok(None);
        };
        let tables_here = seen.walked_at.is_none();
        let mut report = SnmpReport::from_facts(seen.facts);
        // The tables are decoded; the raw values are not shown.
        report.facts = Default::default();
        report.version = seen.version;
        report.credential = seen.credential;
        let value = SubjectSnmp {
            report: Arc::new(report),
            tables_here,
        };
        if let Some((cache, stamp)) = stamp {
            cache.put(sid, stamp, value.clone(), bytes);
        }
        Ok(Some(value))
    }

    /// Device `id`'s SNMP record as stored: every value of the latest walk
    /// with the latest volatile values, from the subject the page shows
    /// (None: no agent answered for it). Nothing here is kept or dropped,
    /// so what a walk read can be checked value for value after the store.
    pub fn snmp_record(&self, id: i64) -> Result<Option<SnmpFacts>, StoreError> {
        self.device_snmp_with(id, |sid, ip, mac| {
            Ok(self.subject_record(sid, ip, mac)?.map(|(seen, _)| {
                let tables_here = seen.walked_at.is_none();
                (seen.facts, tables_here)
            }))
        })
    }

    /// Device `id`'s SNMP for its page ([`Store::subject_snmp`] of the
    /// subject chosen as in [`Store::device_snmp_with`]).
    pub(super) fn device_snmp(&self, id: i64) -> Result<Option<Arc<SnmpReport>>, StoreError> {
        self.device_snmp_with(id, |sid, ip, mac| {
            Ok(self
                .subject_snmp(sid, ip, mac)?
                .map(|s| (s.report, s.tables_here)))
        })
    }

    /// What `read` gives for the subject whose record holds device `id`'s
    /// tables, or else for its most recently seen subject with SNMP.
    /// `read` returns the value and whether the tables were read there.
    fn device_snmp_with<T>(
        &self,
        id: i64,
        mut read: impl FnMut(i64, &str, &str) -> Result<Option<(T, bool)>, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut found = None;
        for (sid, ip, mac) in self.device_subjects(id)? {
            let Some((value, tables_here)) = read(sid, &ip, &mac)? else {
                continue;
            };
            if tables_here {
                return Ok(Some(value));
            }
            found.get_or_insert(value);
        }
        Ok(found)
    }

    /// Device `id`'s subjects, the most recently seen first.
    fn device_subjects(&self, id: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT s.id, s.ip, s.mac FROM device_subjects ds JOIN subjects s ON s.id = ds.subject_id
                 WHERE ds.device_id = ?1 GROUP BY s.id ORDER BY MAX(ds.last_run) DESC, s.id",
            )
            .map_err(|e| self.err(e))?;
        let found = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?;
        found.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Subject `sid`'s latest record decoded with its volatile values, and
    /// the bytes of SNMP value it took (None: no SNMP there).
    fn subject_record(
        &self,
        sid: i64,
        ip: &str,
        mac: &str,
    ) -> Result<Option<(SnmpSeen, usize)>, StoreError> {
        let latest = self.latest_tuples(sid)?;
        let volatile = self.volatile_tuples(sid)?;
        let bytes: usize = latest
            .iter()
            .chain(&volatile)
            .filter(|t| t.source == "snmp")
            .map(|t| t.value.len())
            .sum();
        Ok(record::decode(ip, mac, &latest, &volatile)
            .snmp
            .map(|seen| (seen, bytes)))
    }

    /// What subject `sid`'s decoded SNMP depends on ([`Stamp`]).
    fn subject_stamp(&self, sid: i64) -> Result<Stamp, StoreError> {
        self.connection()
            .prepare_cached(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM observations WHERE subject_id = ?1),
                        (SELECT COUNT(*) FROM observations WHERE subject_id = ?1),
                        (SELECT COALESCE(MAX(run_id), 0) FROM latest_values WHERE subject_id = ?1),
                        (SELECT COUNT(*) FROM latest_values WHERE subject_id = ?1)",
            )
            .and_then(|mut stmt| {
                stmt.query_row([sid], |r| {
                    Ok(Stamp {
                        rows_max: r.get(0)?,
                        rows: r.get(1)?,
                        volatile_run: r.get(2)?,
                        volatile: r.get(3)?,
                    })
                })
            })
            .map_err(|e| self.err(e))
    }

    /// The latest row of every (job, source, key) chain of one subject.
    fn latest_tuples(&self, subject: i64) -> Result<Vec<Tuple>, StoreError> {
        self.subject_tuples(
            "SELECT source, key, value FROM observations o WHERE subject_id = ?1 AND last_run = (
                SELECT MAX(last_run) FROM observations p WHERE p.subject_id = o.subject_id
                  AND p.job_id = o.job_id AND p.source = o.source AND p.key = o.key)
             ORDER BY source, key, value",
            subject,
        )
    }

    /// The latest volatile values of one subject.
    fn volatile_tuples(&self, subject: i64) -> Result<Vec<Tuple>, StoreError> {
        self.subject_tuples(
            "SELECT source, key, value FROM latest_values WHERE subject_id = ?1",
            subject,
        )
    }

    /// The (source, key, value) rows `sql` selects for subject `?1`.
    fn subject_tuples(&self, sql: &str, subject: i64) -> Result<Vec<Tuple>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare_cached(sql)
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([subject], |r| {
                Ok(Tuple {
                    source: r.get(0)?,
                    key: r.get(1)?,
                    value: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}
