//! Read side of the store: what the web page and API show.

use super::{Store, StoreError};
use rusqlite::OptionalExtension;
use serde::Serialize;

/// One scan, as listed on the page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScanRow {
    /// Scan id.
    pub id: i64,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339), None while running.
    pub finished_at: Option<String>,
    /// What was swept.
    pub targets: String,
    /// How many addresses.
    pub addresses: i64,
    /// How many answered.
    pub hosts_up: Option<i64>,
    /// How many answered SNMP.
    pub snmp_ok: Option<i64>,
    /// running, done, failed, interrupted.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// Counts for the overview.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Overview {
    /// The latest scan, if any.
    pub last_scan: Option<ScanRow>,
    /// The latest scan that finished.
    pub last_done: Option<ScanRow>,
    /// Devices ever seen.
    pub devices: i64,
    /// Devices seen by the latest finished scan.
    pub devices_last_scan: i64,
    /// Devices per class (unknown as "unknown").
    pub by_class: Vec<(String, i64)>,
    /// Devices per origin.
    pub by_origin: Vec<(String, i64)>,
}

/// One device for the page: the stored sighting plus first/last seen.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    /// Store id.
    pub id: i64,
    /// First time seen.
    pub first_seen: String,
    /// Last time seen.
    pub last_seen: String,
    /// The latest sighting, as JSON (the scan's device object).
    pub data: serde_json::Value,
}

/// Columns: id, started_at, finished_at, targets, addresses, hosts_up,
/// snmp_ok, status, error.
fn scan_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanRow> {
    Ok(ScanRow {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        targets: r.get(3)?,
        addresses: r.get(4)?,
        hosts_up: r.get(5)?,
        snmp_ok: r.get(6)?,
        status: r.get(7)?,
        error: r.get(8)?,
    })
}

const SCAN_COLUMNS: &str = "SELECT id, started_at, finished_at, targets, addresses, hosts_up, snmp_ok, status, error FROM scans";

impl Store {
    fn scan_row(&self, sql: &str) -> Result<Option<ScanRow>, StoreError> {
        self.connection()
            .query_row(sql, [], scan_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Counts and the latest scans.
    pub fn overview(&self) -> Result<Overview, StoreError> {
        let last_scan = self.scan_row(&format!("{SCAN_COLUMNS} ORDER BY id DESC LIMIT 1"))?;
        let last_done = self.scan_row(&format!(
            "{SCAN_COLUMNS} WHERE status = 'done' ORDER BY id DESC LIMIT 1"
        ))?;
        let count = |sql: &str| -> Result<i64, StoreError> {
            self.connection()
                .query_row(sql, [], |r| r.get(0))
                .map_err(|e| self.err(e))
        };
        let devices = count("SELECT COUNT(*) FROM devices")?;
        let devices_last_scan = match &last_done {
            Some(s) => self
                .connection()
                .query_row(
                    "SELECT COUNT(*) FROM devices WHERE last_scan_id = ?1",
                    [s.id],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?,
            None => 0,
        };
        let group = |col: &str| -> Result<Vec<(String, i64)>, StoreError> {
            let sql = format!(
                "SELECT COALESCE({col}, 'unknown'), COUNT(*) FROM devices GROUP BY 1 ORDER BY 2 DESC, 1"
            );
            let mut stmt = self.connection().prepare(&sql).map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
        };
        Ok(Overview {
            last_scan,
            last_done,
            devices,
            devices_last_scan,
            by_class: group("class")?,
            by_origin: group("vendor_origin")?,
        })
    }

    /// Every device, most recently seen first, then by address.
    pub fn devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT id, first_seen, last_seen, data FROM devices ORDER BY last_scan_id DESC, ip")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, first_seen, last_seen, data) = row.map_err(|e| self.err(e))?;
            let data = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                id,
                message: e.to_string(),
            })?;
            out.push(DeviceRow {
                id,
                first_seen,
                last_seen,
                data,
            });
        }
        Ok(out)
    }

    /// One device.
    pub fn device(&self, id: i64) -> Result<Option<DeviceRow>, StoreError> {
        let row = self
            .connection()
            .query_row(
                "SELECT id, first_seen, last_seen, data FROM devices WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, first_seen, last_seen, data)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            id,
            message: e.to_string(),
        })?;
        Ok(Some(DeviceRow {
            id,
            first_seen,
            last_seen,
            data,
        }))
    }

    /// A device's most recent observations, newest first: (time, source, key, value).
    pub fn observations(
        &self,
        device_id: i64,
        limit: u32,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT time, source, key, value FROM observations WHERE device_id = ?1 ORDER BY id DESC LIMIT ?2")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![device_id, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Recent scans, newest first.
    pub fn scans(&self, limit: u32) -> Result<Vec<ScanRow>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!("{SCAN_COLUMNS} ORDER BY id DESC LIMIT ?1"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([limit], scan_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}
