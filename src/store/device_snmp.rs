//! A subject's SNMP as a device page shows it: its latest record and
//! volatile values read and decoded into a report, or the report the read
//! pool kept ([`super::reports`]) while neither changed.

use super::reports::{Stamp, SubjectSnmp};
use super::{Store, StoreError};
use crate::record::{self, Tuple};
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
        let latest = self.latest_tuples(sid)?;
        let volatile = self.volatile_tuples(sid)?;
        let bytes: usize = latest
            .iter()
            .chain(&volatile)
            .filter(|t| t.source == "snmp")
            .map(|t| t.value.len())
            .sum();
        let Some(seen) = record::decode(ip, mac, &latest, &volatile).snmp else {
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
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT source, key, value FROM observations o WHERE subject_id = ?1 AND last_run = (
                    SELECT MAX(last_run) FROM observations p WHERE p.subject_id = o.subject_id
                      AND p.job_id = o.job_id AND p.source = o.source AND p.key = o.key)
                 ORDER BY source, key, value",
            )
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

    fn volatile_tuples(&self, subject: i64) -> Result<Vec<Tuple>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT source, key, value FROM latest_values WHERE subject_id = ?1")
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
