//! What `/metrics` counts: live devices by class, origin and vendor, open
//! findings by severity (the [`Store::tally`], cached by the read pool),
//! and each job's latest finished run. Pure reads; the web formats them.

use super::{ScanRow, Store, StoreError};
use serde::Serialize;

/// The most vendors counted by name; the rest are counted together.
pub const MAX_VENDORS: usize = 100;

/// The counts behind `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Live devices per class (`unknown` when none).
    pub by_class: Vec<(String, i64)>,
    /// Live devices per origin (`unknown` when none).
    pub by_origin: Vec<(String, i64)>,
    /// Live devices per vendor, the [`MAX_VENDORS`] most common (`unknown`
    /// when none); the rest are summed in `other_vendors`.
    pub by_vendor: Vec<(String, i64)>,
    /// Live devices whose vendor is not among `by_vendor`.
    pub other_vendors: i64,
    /// Open findings (acknowledged or not) per severity, every severity listed.
    pub findings_open: Vec<(String, i64)>,
    /// Open findings not acknowledged, per severity, every severity listed.
    pub findings_unacknowledged: Vec<(String, i64)>,
}

impl Store {
    /// The device and finding counts for `/metrics`.
    pub fn metric_counts(&self) -> Result<Counts, StoreError> {
        let tally = self.tally()?;
        let mut by_vendor = tally.by_vendor;
        let other_vendors = by_vendor.iter().skip(MAX_VENDORS).map(|(_, n)| n).sum();
        by_vendor.truncate(MAX_VENDORS);
        by_vendor.sort();
        let per_severity = |rows: &[(String, i64)]| -> Vec<(String, i64)> {
            crate::audit::SEVERITIES
                .iter()
                .map(|s| {
                    let n = rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
                    ((*s).to_string(), n)
                })
                .collect()
        };
        Ok(Counts {
            by_class: tally.by_class,
            by_origin: tally.by_origin,
            by_vendor,
            other_vendors,
            findings_open: per_severity(&tally.findings_open),
            findings_unacknowledged: per_severity(&tally.findings_unacknowledged),
        })
    }

    /// The jobs that ever ran, by name.
    pub fn run_jobs(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT DISTINCT job FROM scans ORDER BY job")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

/// How long a run took, in seconds (None while it runs, or when a time
/// does not parse).
pub fn duration_seconds(run: &ScanRow) -> Option<i64> {
    let start = crate::timefmt::parse(&run.started_at)?;
    let end = crate::timefmt::parse(run.finished_at.as_deref()?)?;
    Some((end - start).max(0))
}
