//! The API's lists as tables for spreadsheets: `?format=csv` and
//! `?format=xlsx` on `/api/v1/devices`, `/api/v1/findings` and
//! `/api/v1/scans`. The header row is the JSON's field names; a list
//! inside a field (addresses, probes) is one cell, space-separated. The
//! encoding is the origin report's ([`crate::report::csv`]: formula-safe,
//! RFC 4180, BOM; [`crate::report::xlsx`]: string cells, quote prefix).
//! Pure: rows in, bytes out.

use crate::report::{csv, xlsx};
use crate::store::ScanRow;
use crate::store::findings::FindingRow;
use crate::store::read::DeviceRow;

/// The most rows one export holds; past it the download says it was cut
/// (header [`TRUNCATED`]).
pub const MAX_ROWS: usize = 100_000;

/// The response header set on an export cut at [`MAX_ROWS`].
pub const TRUNCATED: &str = "x-pandian-truncated";

/// How a list is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The JSON envelope (`items`, `next`), one page.
    Json,
    /// Every matching row as CSV.
    Csv,
    /// Every matching row as one XLSX sheet.
    Xlsx,
}

impl Format {
    /// `format=` as given (absent: JSON).
    pub fn parse(text: Option<&str>) -> Result<Format, String> {
        match text {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            Some(other) => Err(format!(
                "format `{}` is not one of json, csv, xlsx",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// A table: its sheet name, rows (the header first) and numeric columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Sheet and file name.
    pub name: &'static str,
    /// Header, then one row per item.
    pub rows: Vec<Vec<String>>,
    /// Columns written as numbers in XLSX.
    pub numeric: &'static [usize],
}

impl Table {
    /// The bytes of `format` (CSV or XLSX; JSON is not a table).
    pub fn encode(&self, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Xlsx => xlsx::workbook(&[xlsx::Sheet {
                name: self.name,
                rows: &self.rows,
                numeric: self.numeric,
            }])
            .map_err(|e| e.to_string()),
            _ => Ok(csv::write(&self.rows)),
        }
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_string()).collect()
}

/// Device columns: the JSON's summary fields.
pub const DEVICE_COLUMNS: &[&str] = &[
    "id",
    "ip",
    "addresses",
    "mac",
    "mac_vendor",
    "mac_randomized",
    "hostname",
    "class",
    "vendor",
    "model",
    "serial",
    "os",
    "firmware",
    "vendor_origin",
    "confidence",
    "sys_name",
    "sys_location",
    "seen_by",
    "first_seen",
    "last_seen",
];

/// The device list as a table.
pub fn devices(rows: &[DeviceRow]) -> Table {
    let mut out = vec![header(DEVICE_COLUMNS)];
    for d in rows {
        let id = |k: &str| -> String {
            match d.identity.get(k) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            }
        };
        let snmp = |f: fn(&crate::store::read::SnmpSummary) -> &Option<String>| {
            d.snmp.as_ref().map(|s| opt(f(s))).unwrap_or_default()
        };
        out.push(vec![
            d.id.to_string(),
            opt(&d.ip),
            d.addresses
                .iter()
                .filter(|a| a.active)
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            opt(&d.mac),
            opt(&d.mac_vendor),
            d.mac_randomized.to_string(),
            opt(&d.hostname),
            id("class"),
            id("vendor"),
            id("model"),
            id("serial"),
            id("os"),
            id("firmware"),
            id("vendor_origin"),
            id("confidence"),
            snmp(|s| &s.sys_name),
            snmp(|s| &s.sys_location),
            d.seen_by.join(" "),
            d.first_seen.clone(),
            d.last_seen.clone(),
        ]);
    }
    Table {
        name: "devices",
        rows: out,
        numeric: &[0, 14],
    }
}

/// Finding columns.
pub const FINDING_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "severity",
    "state",
    "device_id",
    "ip",
    "mac",
    "asset_tag",
    "summary",
    "first_seen",
    "last_seen",
    "resolved_at",
    "ack_by",
    "ack_reason",
];

/// The finding list as a table.
pub fn findings(rows: &[FindingRow]) -> Table {
    let mut out = vec![header(FINDING_COLUMNS)];
    for f in rows {
        out.push(vec![
            f.id.to_string(),
            f.kind.clone(),
            f.severity.clone(),
            f.state.clone(),
            num(f.device_id),
            opt(&f.ip),
            opt(&f.mac),
            opt(&f.asset_tag),
            f.summary.clone(),
            f.first_seen.clone(),
            f.last_seen.clone(),
            opt(&f.resolved_at),
            f.ack.as_ref().map(|a| a.by.clone()).unwrap_or_default(),
            f.ack.as_ref().map(|a| a.reason.clone()).unwrap_or_default(),
        ]);
    }
    Table {
        name: "findings",
        rows: out,
        numeric: &[0, 4],
    }
}

/// Run columns.
pub const SCAN_COLUMNS: &[&str] = &[
    "id",
    "job",
    "status",
    "started_at",
    "finished_at",
    "targets",
    "addresses",
    "excluded",
    "hosts_up",
    "devices",
    "snmp_ok",
    "packets",
    "probe_errors",
    "error",
];

/// The run list as a table.
pub fn scans(rows: &[ScanRow]) -> Table {
    let mut out = vec![header(SCAN_COLUMNS)];
    for s in rows {
        out.push(vec![
            s.id.to_string(),
            s.job.clone(),
            s.status.clone(),
            s.started_at.clone(),
            opt(&s.finished_at),
            s.targets.clone(),
            s.addresses.to_string(),
            num(s.excluded),
            num(s.hosts_up),
            num(s.devices),
            num(s.snmp_ok),
            num(s.packets),
            num(s.probe_errors),
            opt(&s.error),
        ]);
    }
    Table {
        name: "scans",
        rows: out,
        numeric: &[0, 6, 7, 8, 9, 10, 11, 12],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_format_table() {
        for (text, want) in [
            (None, Ok(Format::Json)),
            (Some("json"), Ok(Format::Json)),
            (Some("csv"), Ok(Format::Csv)),
            (Some("xlsx"), Ok(Format::Xlsx)),
        ] {
            assert_eq!(Format::parse(text), want, "{text:?}");
        }
        let err = Format::parse(Some("<b>pdf")).unwrap_err();
        assert!(err.contains("json, csv, xlsx"), "{err}");
    }

    #[test]
    fn export_tables_have_a_header_and_one_row_per_item_with_formulas_defused() {
        let scan = ScanRow {
            id: 7,
            job: "core".into(),
            status: "failed".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: None,
            targets: "198.51.100.0/24".into(),
            addresses: 254,
            excluded: Some(0),
            hosts_up: None,
            devices: None,
            snmp_ok: None,
            error: Some("=HYPERLINK(\"http://x\")".into()),
            packets: Some(512),
            probe_errors: Some(1),
        };
        let t = scans(&[scan]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].len(), SCAN_COLUMNS.len());
        assert_eq!(t.rows[1].len(), SCAN_COLUMNS.len());
        for c in t.numeric {
            assert!(
                t.rows[1][*c].is_empty() || t.rows[1][*c].parse::<f64>().is_ok(),
                "column {c} is numeric"
            );
        }
        let csv = String::from_utf8(t.encode(Format::Csv).unwrap()).unwrap();
        assert!(
            csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"),
            "{csv}"
        );
        let xlsx = t.encode(Format::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK\x03\x04"));
        assert_eq!(devices(&[]).rows, vec![header(DEVICE_COLUMNS)]);
        assert_eq!(findings(&[]).rows, vec![header(FINDING_COLUMNS)]);
    }
}
