//! The read model: what the page and the API show, from the derived
//! tables' typed columns. Lists filter, sort and page in SQL (keyset
//! paging: a cursor names the last row shown, so page N costs what page 1
//! costs); a device's SNMP tables are decoded from the record only when
//! that device is asked for.

use super::derive::ip_key;
use super::{Store, StoreError};
use crate::snmp::SnmpReport;
use ipnetwork::IpNetwork;
use rusqlite::{OptionalExtension, params_from_iter, types::Value as Sql};
use serde::Serialize;
use std::fmt::Write as _;

/// One run, as listed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScanRow {
    /// Run id.
    pub id: i64,
    /// The job it belongs to.
    pub job: String,
    /// `running`, `done`, `failed`, `interrupted`.
    pub status: String,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339), None while running.
    pub finished_at: Option<String>,
    /// What was swept.
    pub targets: String,
    /// How many addresses were swept.
    pub addresses: i64,
    /// How many addresses the exclusions left out.
    pub excluded: Option<i64>,
    /// How many addresses answered.
    pub hosts_up: Option<i64>,
    /// How many devices those addresses are.
    pub devices: Option<i64>,
    /// How many answered SNMP.
    pub snmp_ok: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Packets its probes sent (recorded from schema version 5 on).
    pub packets: Option<i64>,
    /// Probes that failed or could not run (recorded from schema version 5 on).
    pub probe_errors: Option<i64>,
}

/// Counts for the overview.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Overview {
    /// The latest run, if any.
    pub last_scan: Option<ScanRow>,
    /// The latest run that finished.
    pub last_done: Option<ScanRow>,
    /// Devices ever seen.
    pub devices: i64,
    /// Devices seen by the latest finished run.
    pub devices_last_scan: i64,
    /// Devices per class (unknown as "unknown").
    pub by_class: Vec<(String, i64)>,
    /// Devices per origin.
    pub by_origin: Vec<(String, i64)>,
}

/// One address or MAC of a device, with its history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Held {
    /// The address (`ip`) or MAC (`mac`).
    #[serde(skip)]
    pub value: String,
    /// First time seen (RFC 3339).
    pub first_seen: String,
    /// Last time seen.
    pub last_seen: String,
    /// Still this device's.
    pub active: bool,
}

/// One device as listed: the summary columns, its addresses and MACs, and
/// the fingerprint's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceRow {
    /// Store id.
    pub id: i64,
    /// Primary address.
    pub ip: Option<String>,
    /// Every address.
    pub addresses: Vec<Held>,
    /// Primary MAC.
    pub mac: Option<String>,
    /// Every MAC.
    pub macs: Vec<Held>,
    /// The MAC's registry organisation.
    pub mac_vendor: Option<String>,
    /// The MAC is locally administered.
    pub mac_randomized: bool,
    /// Probes that saw it in its latest run.
    pub seen_by: Vec<String>,
    /// The router whose ARP table gave its MAC.
    pub seen_via: Option<String>,
    /// Reverse-DNS name.
    pub hostname: Option<String>,
    /// SNMP system group, when an agent answered.
    pub snmp: Option<SnmpSummary>,
    /// The fingerprint (class ... evidence) as stored.
    pub identity: serde_json::Value,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
}

/// The SNMP part of a listed device.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SnmpSummary {
    /// `1`, `2c`, `3`.
    pub version: Option<String>,
    /// The credential's name.
    pub credential: Option<String>,
    /// sysDescr.
    pub sys_descr: Option<String>,
    /// sysObjectID.
    pub sys_object_id: Option<String>,
    /// sysName.
    pub sys_name: Option<String>,
    /// sysContact.
    pub sys_contact: Option<String>,
    /// sysLocation.
    pub sys_location: Option<String>,
}

impl DeviceRow {
    /// The API's device object (the same keys `pandian scan` prints).
    pub fn to_json(&self) -> serde_json::Value {
        let held = |list: &[Held], key: &str| -> serde_json::Value {
            list.iter()
                .map(|h| {
                    serde_json::json!({
                        key: h.value, "first_seen": h.first_seen,
                        "last_seen": h.last_seen, "active": h.active,
                    })
                })
                .collect()
        };
        let mut v = serde_json::json!({
            "id": self.id,
            "ip": self.ip,
            "addresses": held(&self.addresses, "ip"),
            "mac": self.mac,
            "macs": held(&self.macs, "mac"),
            "mac_vendor": self.mac_vendor,
            "mac_randomized": self.mac_randomized,
            "seen_by": self.seen_by,
            "seen_via": self.seen_via,
            "rtt_ms": null,
            "hostname": self.hostname,
            "snmp": self.snmp,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        });
        if let (Some(obj), Some(id)) = (v.as_object_mut(), self.identity.as_object()) {
            for (k, val) in id {
                obj.insert(k.clone(), val.clone());
            }
        }
        v
    }
}

/// What one device page needs beyond its row.
#[derive(Debug, Clone)]
pub struct DeviceDetail {
    /// The row.
    pub row: DeviceRow,
    /// SNMP as last read, tables decoded, raw facts not kept (None: no
    /// agent answered).
    pub snmp: Option<std::sync::Arc<SnmpReport>>,
    /// Identity decisions about it, newest first.
    pub identity_log: Vec<IdentityEvent>,
    /// Its identity keys: (kind, value, first seen, last seen).
    pub keys: Vec<(String, String, String, String)>,
    /// Recent record rows of its subjects, newest first: (first seen, last
    /// seen, source, key, value), an SNMP subtree's value being how many
    /// values it holds.
    pub history: Vec<(String, String, String, String, String)>,
}

/// One decision about who a device is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdentityEvent {
    /// When (the run's time).
    pub time: String,
    /// `new`, `merge`, `split` or `join`.
    pub kind: String,
    /// The other device of a merge (merged in) or split (split from).
    pub other_device: Option<i64>,
    /// How strong the tie was: `strong`, `mac`, `weak_pair`, `name`, `address`, `new`.
    pub strength: String,
    /// The facts that decided it.
    pub facts: Vec<String>,
}

/// How to sort a device list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// By primary address.
    Ip,
    /// By last time seen.
    LastSeen,
    /// By first time seen.
    FirstSeen,
    /// By vendor.
    Vendor,
    /// By class.
    Class,
    /// By model.
    Model,
    /// By host name.
    Hostname,
}

impl SortKey {
    fn column(self) -> &'static str {
        match self {
            SortKey::Ip => "ip_key",
            SortKey::LastSeen => "last_seen",
            SortKey::FirstSeen => "first_seen",
            SortKey::Vendor => "vendor",
            SortKey::Class => "class",
            SortKey::Model => "model",
            SortKey::Hostname => "hostname",
        }
    }
}

/// Why a list query is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// An unknown sort key.
    #[error(
        "sort `{0}` is not one of ip, last_seen, first_seen, vendor, class, model, hostname (prefix - for descending)"
    )]
    Sort(String),
    /// A cursor this server did not hand out.
    #[error("cursor `after` is not one this server gave")]
    Cursor,
    /// A subnet that is not a CIDR block.
    #[error("subnet `{0}` is not a CIDR block (198.51.100.0/24)")]
    Subnet(String),
    /// An origin that is not domestic, foreign or unknown.
    #[error("origin `{0}` is not one of domestic, foreign, unknown")]
    Origin(String),
    /// A time that is not `YYYY-MM-DDTHH:MM:SSZ`.
    #[error(
        "since `{0}` is not a UTC time such as 2026-01-31T08:00:00Z or a day such as 2026-01-31"
    )]
    Since(String),
    /// A finding kind that does not exist.
    #[error("finding `{0}` is not `any` or a finding kind (see /api/v1/findings)")]
    Finding(String),
    /// A job name no job could have.
    #[error("job `{0}` is not a job name (letters, digits, -, _, .)")]
    Job(String),
}

/// A device list query (the API's and the page's parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceQuery {
    /// Rows per page (1..=1000).
    pub limit: u32,
    /// Continue after this cursor.
    pub after: Option<String>,
    /// Sort key and direction.
    pub sort: SortKey,
    /// Descending.
    pub descending: bool,
    /// Free text over address, MAC, host name, sysName, vendor, model, serial.
    pub q: Option<String>,
    /// Class, exact.
    pub class: Option<String>,
    /// Vendor, case-insensitive exact (`unknown`: no vendor identified).
    pub vendor: Option<String>,
    /// `domestic`, `foreign` or `unknown`.
    pub origin: Option<String>,
    /// Devices with an address in this block.
    pub subnet: Option<IpNetwork>,
    /// Devices a run of this job saw.
    pub job: Option<String>,
    /// Devices with an open finding of this kind (`any`: of any kind).
    pub finding: Option<String>,
    /// Devices last seen at or after this time (RFC 3339, as stored).
    pub since: Option<String>,
    /// Each row's `identity` as the summary columns only (class, vendor,
    /// model, serial, os, firmware, vendor_origin, confidence), not the
    /// fingerprint with its evidence: what a list page shows, read without
    /// decoding every row's evidence.
    pub summary: bool,
}

impl Default for DeviceQuery {
    fn default() -> Self {
        DeviceQuery {
            limit: 100,
            after: None,
            sort: SortKey::Ip,
            descending: false,
            q: None,
            class: None,
            vendor: None,
            origin: None,
            subnet: None,
            job: None,
            finding: None,
            since: None,
            summary: false,
        }
    }
}

impl DeviceQuery {
    /// Parse `sort` (`ip`, `-last_seen` ...).
    pub fn set_sort(&mut self, text: &str) -> Result<(), QueryError> {
        let (desc, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        self.sort = match name {
            "ip" => SortKey::Ip,
            "last_seen" => SortKey::LastSeen,
            "first_seen" => SortKey::FirstSeen,
            "vendor" => SortKey::Vendor,
            "class" => SortKey::Class,
            "model" => SortKey::Model,
            "hostname" => SortKey::Hostname,
            _ => return Err(QueryError::Sort(text.chars().take(40).collect())),
        };
        self.descending = desc;
        Ok(())
    }

    /// Parse `subnet`.
    pub fn set_subnet(&mut self, text: &str) -> Result<(), QueryError> {
        self.subnet = Some(
            text.parse()
                .map_err(|_| QueryError::Subnet(text.chars().take(60).collect()))?,
        );
        Ok(())
    }

    /// Parse `since`: a UTC time (`2026-01-31T08:00:00Z`) or a day
    /// (`2026-01-31`, from its start in UTC), as a date field sends it.
    pub fn set_since(&mut self, text: &str) -> Result<(), QueryError> {
        let secs = crate::timefmt::parse(text)
            .or_else(|| crate::timefmt::parse_date(text).map(|days| days * 86_400))
            .ok_or_else(|| QueryError::Since(text.chars().take(40).collect()))?;
        self.since = Some(crate::timefmt::rfc3339(secs));
        Ok(())
    }

    /// Parse `finding` (a kind of [`crate::audit::KINDS`], or `any`).
    pub fn set_finding(&mut self, text: &str) -> Result<(), QueryError> {
        if text != "any" && !crate::audit::KINDS.contains(&text) {
            return Err(QueryError::Finding(text.chars().take(40).collect()));
        }
        self.finding = Some(text.to_string());
        Ok(())
    }

    /// Parse `job`.
    pub fn set_job(&mut self, text: &str) -> Result<(), QueryError> {
        if !crate::job::valid_name(text) {
            return Err(QueryError::Job(text.chars().take(40).collect()));
        }
        self.job = Some(text.to_string());
        Ok(())
    }

    /// Whether any filter (not paging or sorting) is set.
    pub fn filtered(&self) -> bool {
        self.q.is_some()
            || self.class.is_some()
            || self.vendor.is_some()
            || self.origin.is_some()
            || self.subnet.is_some()
            || self.job.is_some()
            || self.finding.is_some()
            || self.since.is_some()
    }

    /// Parse `origin`.
    pub fn set_origin(&mut self, text: &str) -> Result<(), QueryError> {
        match text {
            "domestic" | "foreign" | "unknown" => {
                self.origin = Some(text.to_string());
                Ok(())
            }
            _ => Err(QueryError::Origin(text.chars().take(40).collect())),
        }
    }
}

/// One page of a list and the cursor for the next.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Give this as `after` for the next page; None on the last.
    pub next: Option<String>,
}

/// A cursor: the sort value and id of the last row, hex-encoded so it is
/// opaque and URL-safe.
fn encode_cursor(value: &Sql, id: i64) -> String {
    let v = match value {
        Sql::Null => serde_json::Value::Null,
        Sql::Integer(i) => serde_json::json!({ "i": i }),
        Sql::Real(f) => serde_json::json!({ "r": f }),
        Sql::Text(t) => serde_json::json!({ "t": t }),
        Sql::Blob(b) => {
            serde_json::json!({ "b": b.iter().map(|x| format!("{x:02x}")).collect::<String>() })
        }
    };
    let text = serde_json::json!([v, id]).to_string();
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.as_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn decode_cursor(text: &str) -> Result<(Sql, i64), QueryError> {
    if text.len() > 4096 || !text.len().is_multiple_of(2) {
        return Err(QueryError::Cursor);
    }
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<_>>()
        .ok_or(QueryError::Cursor)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| QueryError::Cursor)?;
    let id = v
        .get(1)
        .and_then(serde_json::Value::as_i64)
        .ok_or(QueryError::Cursor)?;
    let value = match v.get(0) {
        Some(serde_json::Value::Null) => Sql::Null,
        Some(o) => {
            if let Some(i) = o.get("i").and_then(serde_json::Value::as_i64) {
                Sql::Integer(i)
            } else if let Some(r) = o.get("r").and_then(serde_json::Value::as_f64) {
                Sql::Real(r)
            } else if let Some(t) = o.get("t").and_then(serde_json::Value::as_str) {
                Sql::Text(t.to_string())
            } else if let Some(b) = o.get("b").and_then(serde_json::Value::as_str) {
                let bytes: Option<Vec<u8>> = (0..b.len())
                    .step_by(2)
                    .map(|i| b.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                    .collect();
                Sql::Blob(bytes.ok_or(QueryError::Cursor)?)
            } else {
                return Err(QueryError::Cursor);
            }
        }
        None => return Err(QueryError::Cursor),
    };
    Ok((value, id))
}

/// Columns: id, started_at, finished_at, targets, addresses, hosts_up,
/// snmp_ok, status, error, job, devices, excluded, packets, probe_errors.
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
        job: r.get(9)?,
        devices: r.get(10)?,
        excluded: r.get(11)?,
        packets: r.get(12)?,
        probe_errors: r.get(13)?,
    })
}

const SCAN_COLUMNS: &str = "SELECT id, started_at, finished_at, targets, addresses, hosts_up, snmp_ok, status, error, job, devices, excluded,
    CAST(json_extract(params, '$.packets') AS INTEGER), CAST(json_extract(params, '$.probe_errors') AS INTEGER) FROM scans";

const DEVICE_COLUMNS: &str = "d.id, d.ip, d.mac, d.mac_vendor, d.mac_randomized, d.seen_by, d.seen_via, d.hostname,
    d.snmp_version, d.snmp_credential, d.sys_descr, d.sys_object_id, d.sys_name, d.sys_contact, d.sys_location,
    d.first_seen, d.last_seen, f.identity";

/// [`DEVICE_COLUMNS`] without the fingerprint join ([`DeviceQuery::summary`]):
/// column 17 is empty, and the identity is made of [`SUMMARY_IDENTITY`],
/// read after the sort column.
const SUMMARY_COLUMNS: &str = "d.id, d.ip, d.mac, d.mac_vendor, d.mac_randomized, d.seen_by, d.seen_via, d.hostname,
    d.snmp_version, d.snmp_credential, d.sys_descr, d.sys_object_id, d.sys_name, d.sys_contact, d.sys_location,
    d.first_seen, d.last_seen, NULL";

/// The identity's summary fields, as the devices table keeps them, from
/// column 19 on.
const SUMMARY_IDENTITY: [&str; 8] = [
    "class",
    "vendor",
    "model",
    "serial",
    "os",
    "firmware",
    "vendor_origin",
    "confidence",
];

/// A device list row of [`SUMMARY_COLUMNS`]: its identity built from the
/// summary fields (as the fingerprint's JSON names them; NULL as null).
fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    let mut row = device_from_row(r)?;
    let mut identity = serde_json::Map::new();
    for (i, name) in SUMMARY_IDENTITY.iter().enumerate() {
        let v = match r.get::<_, Sql>(19 + i)? {
            Sql::Text(t) => serde_json::Value::String(t),
            Sql::Integer(n) => n.into(),
            Sql::Real(x) => x.into(),
            Sql::Null | Sql::Blob(_) => serde_json::Value::Null,
        };
        identity.insert((*name).to_string(), v);
    }
    row.identity = serde_json::Value::Object(identity);
    Ok(row)
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    let identity: Option<String> = r.get(17)?;
    let version: Option<String> = r.get(8)?;
    let snmp = version.map(|v| SnmpSummary {
        version: Some(v),
        credential: r.get(9).ok().flatten(),
        sys_descr: r.get(10).ok().flatten(),
        sys_object_id: r.get(11).ok().flatten(),
        sys_name: r.get(12).ok().flatten(),
        sys_contact: r.get(13).ok().flatten(),
        sys_location: r.get(14).ok().flatten(),
    });
    let seen_by: String = r.get(5)?;
    Ok(DeviceRow {
        id: r.get(0)?,
        ip: r.get(1)?,
        addresses: Vec::new(),
        mac: r.get(2)?,
        macs: Vec::new(),
        mac_vendor: r.get(3)?,
        mac_randomized: r.get(4)?,
        seen_by: seen_by
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        seen_via: r.get(6)?,
        hostname: r.get(7)?,
        snmp,
        identity: identity
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null),
        first_seen: r.get(15)?,
        last_seen: r.get(16)?,
    })
}

impl Store {
    fn scan_row(&self, sql: &str) -> Result<Option<ScanRow>, StoreError> {
        self.connection()
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row([], scan_from_row).optional())
            .map_err(|e| self.err(e))
    }

    /// Counts (the [`Store::tally`]) and the latest runs.
    pub fn overview(&self) -> Result<Overview, StoreError> {
        let last_scan = self.scan_row(&format!("{SCAN_COLUMNS} ORDER BY id DESC LIMIT 1"))?;
        let last_done = self.scan_row(&format!(
            "{SCAN_COLUMNS} WHERE status = 'done' ORDER BY id DESC LIMIT 1"
        ))?;
        let devices_last_scan = last_done.as_ref().and_then(|s| s.devices).unwrap_or(0);
        let tally = self.tally()?;
        Ok(Overview {
            last_scan,
            last_done,
            devices: tally.devices(),
            devices_last_scan,
            by_class: super::tally::by_count(tally.by_class),
            by_origin: super::tally::by_count(tally.by_origin),
        })
    }

    /// One page of devices.
    pub fn devices(
        &self,
        q: &DeviceQuery,
    ) -> Result<Result<Page<DeviceRow>, QueryError>, StoreError> {
        let (sql, args, limit) = match device_select(q) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let conn = self.connection();
        // The same filters give the same text: prepared once per connection.
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let from_row = if q.summary {
            summary_from_row
        } else {
            device_from_row
        };
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((from_row(r)?, r.get::<_, Sql>(18)?))
            })
            .map_err(|e| self.err(e))?;
        let mut items: Vec<(DeviceRow, Sql)> =
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|(d, v)| encode_cursor(v, d.id))
        } else {
            None
        };
        let mut out: Vec<DeviceRow> = items.into_iter().map(|(d, _)| d).collect();
        self.fill_held(&mut out)?;
        Ok(Ok(Page { items: out, next }))
    }

    /// SQLite's plan for the device list `q` asks for (`EXPLAIN QUERY
    /// PLAN`, one line per step): what the tests and benches check.
    pub fn device_plan(
        &self,
        q: &DeviceQuery,
    ) -> Result<Result<Vec<String>, QueryError>, StoreError> {
        let (sql, args, _) = match device_select(q) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        self.plan(&sql, &args).map(Ok)
    }

    /// `EXPLAIN QUERY PLAN` of `sql` with `args`, one line per step.
    pub(crate) fn plan(&self, sql: &str, args: &[Sql]) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(3))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// A device's identity decisions, newest first: those naming it as either
/// side (each side has its index, see read_plan_tests.rs).
pub(crate) const IDENTITY_LOG: &str =
    "SELECT time, kind, other_id, strength, facts FROM identity_events
     WHERE device_id = ?1 OR other_id = ?1 ORDER BY id DESC LIMIT 200";

/// The device list query `q` asks for: SQL, its arguments and the page
/// size (the query asks one row more, to tell whether a next page exists).
/// Each page walks the partial index of its sort key (schema version 5
/// keeps `devices_merged` from offering itself for `merged_into IS NULL`).
fn device_select(q: &DeviceQuery) -> Result<(String, Vec<Sql>, u32), QueryError> {
    let col = q.sort.column();
    let mut sql = if q.summary {
        let identity: Vec<String> = SUMMARY_IDENTITY.iter().map(|c| format!("d.{c}")).collect();
        format!(
            "SELECT {SUMMARY_COLUMNS}, d.{col}, {} FROM devices d WHERE d.merged_into IS NULL",
            identity.join(", ")
        )
    } else {
        format!(
            "SELECT {DEVICE_COLUMNS}, d.{col} FROM devices d LEFT JOIN fingerprints f ON f.device_id = d.id WHERE d.merged_into IS NULL"
        )
    };
    let mut args: Vec<Sql> = Vec::new();
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped: String = text
            .to_lowercase()
            .chars()
            .take(200)
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        sql.push_str(" AND d.search LIKE ? ESCAPE '\\'");
        args.push(Sql::Text(format!("%{escaped}%")));
    }
    if let Some(c) = &q.class {
        if c == "unknown" {
            sql.push_str(" AND d.class IS NULL");
        } else {
            sql.push_str(" AND d.class = ?");
            args.push(Sql::Text(c.clone()));
        }
    }
    if let Some(v) = &q.vendor {
        if v == "unknown" {
            // As for class: the devices no vendor was identified for.
            sql.push_str(" AND d.vendor IS NULL");
        } else {
            // NOCASE folds ASCII case as lower() does, and can use its index.
            sql.push_str(" AND d.vendor = ? COLLATE NOCASE");
            args.push(Sql::Text(v.clone()));
        }
    }
    if let Some(o) = &q.origin {
        if o == "unknown" {
            sql.push_str(" AND d.vendor_origin IS NULL");
        } else {
            sql.push_str(" AND d.vendor_origin = ?");
            args.push(Sql::Text(o.clone()));
        }
    }
    if let Some(net) = &q.subnet {
        sql.push_str(
                " AND d.id IN (SELECT a.device_id FROM device_addresses a WHERE a.ip_key BETWEEN ? AND ?)",
            );
        args.push(Sql::Blob(ip_key(net.network())));
        args.push(Sql::Blob(ip_key(net.broadcast())));
    }
    if let Some(job) = &q.job {
        // A subject's observations by the job, while it was this device;
        // CROSS JOIN keeps the device's few subjects outside (SQLite would
        // otherwise walk every observation of the job for each device).
        sql.push_str(
                " AND EXISTS (SELECT 1 FROM device_subjects ds CROSS JOIN observations o
                    ON o.subject_id = ds.subject_id AND o.job_id = (SELECT j.id FROM jobs j WHERE j.name = ?)
                    AND o.first_run <= ds.last_run AND o.last_run >= ds.first_run
                  WHERE ds.device_id = d.id)",
            );
        args.push(Sql::Text(job.clone()));
    }
    // A device's own few findings (`+` keeps SQLite from walking every
    // open finding of the kind for each device instead).
    match q.finding.as_deref() {
        None => {}
        Some("any") => sql.push_str(
            " AND EXISTS (SELECT 1 FROM findings fi WHERE fi.device_id = d.id AND +fi.state = 'open')",
        ),
        Some(kind) => {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM findings fi WHERE fi.device_id = d.id AND +fi.state = 'open' AND +fi.kind = ?)",
            );
            args.push(Sql::Text(kind.to_string()));
        }
    }
    if let Some(since) = &q.since {
        sql.push_str(" AND d.last_seen >= ?");
        args.push(Sql::Text(since.clone()));
    }
    let (op, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(c) = &q.after {
        let (value, id) = decode_cursor(c)?;
        // NULLs sort first ascending: (NULL, id) then values.
        match value {
            Sql::Null if !q.descending => {
                let _ = write!(sql, " AND (d.{col} IS NOT NULL OR d.id {op} ?)");
                args.push(Sql::Integer(id));
            }
            Sql::Null => {
                let _ = write!(sql, " AND d.{col} IS NULL AND d.id {op} ?");
                args.push(Sql::Integer(id));
            }
            v if !q.descending => {
                let _ = write!(sql, " AND (d.{col} > ? OR (d.{col} = ? AND d.id > ?))");
                args.extend([v.clone(), v, Sql::Integer(id)]);
            }
            v => {
                let _ = write!(
                    sql,
                    " AND (d.{col} < ? OR d.{col} IS NULL OR (d.{col} = ? AND d.id < ?))"
                );
                args.extend([v.clone(), v, Sql::Integer(id)]);
            }
        }
    }
    let limit = q.limit.clamp(1, 1000);
    let _ = write!(
        sql,
        " ORDER BY d.{col} {dir}, d.id {dir} LIMIT {}",
        limit + 1
    );
    Ok((sql, args, limit))
}

impl Store {
    /// Addresses and MACs for a page of devices (two queries for the page).
    fn fill_held(&self, rows: &mut [DeviceRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<Sql> = rows.iter().map(|r| Sql::Integer(r.id)).collect();
        let marks = vec!["?"; ids.len()].join(",");
        for (table, col, order) in [
            ("device_addresses", "ip", "ip_key"),
            ("device_macs", "mac", "mac"),
        ] {
            let sql = format!(
                "SELECT device_id, {col}, first_seen, last_seen, active FROM {table} WHERE device_id IN ({marks}) ORDER BY device_id, active DESC, {order}"
            );
            // A full page has the same number of marks each time.
            let mut stmt = self
                .connection()
                .prepare_cached(&sql)
                .map_err(|e| self.err(e))?;
            let found = stmt
                .query_map(params_from_iter(ids.iter()), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        Held {
                            value: r.get(1)?,
                            first_seen: r.get(2)?,
                            last_seen: r.get(3)?,
                            active: r.get(4)?,
                        },
                    ))
                })
                .map_err(|e| self.err(e))?;
            for item in found {
                let (id, h) = item.map_err(|e| self.err(e))?;
                if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                    if col == "ip" {
                        row.addresses.push(h);
                    } else {
                        row.macs.push(h);
                    }
                }
            }
        }
        Ok(())
    }

    /// The device `id` now is (itself, or the device it was merged into).
    pub fn resolve_device(&self, id: i64) -> Result<Option<i64>, StoreError> {
        let mut cur = id;
        for _ in 0..64 {
            let row: Option<Option<i64>> = self
                .connection()
                .query_row(
                    "SELECT merged_into FROM devices WHERE id = ?1",
                    [cur],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            match row {
                None => return Ok(None),
                Some(None) => return Ok(Some(cur)),
                Some(Some(next)) => cur = next,
            }
        }
        Ok(None)
    }

    /// One device with its tables, identity log and recent record rows.
    pub fn device(&self, id: i64) -> Result<Option<DeviceDetail>, StoreError> {
        let conn = self.connection();
        let row = conn
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices d LEFT JOIN fingerprints f ON f.device_id = d.id WHERE d.id = ?1 AND d.merged_into IS NULL"),
                [id],
                device_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut rows = vec![row];
        self.fill_held(&mut rows)?;
        let Some(row) = rows.pop() else {
            return Ok(None);
        };
        // The latest record and volatile values of its subjects.
        let snmp = self.device_snmp(id)?;
        let identity_log = {
            let mut stmt = conn.prepare(IDENTITY_LOG).map_err(|e| self.err(e))?;
            let found = stmt
                .query_map([id], |r| {
                    let facts: String = r.get(4)?;
                    Ok(IdentityEvent {
                        time: r.get(0)?,
                        kind: r.get(1)?,
                        other_device: r.get(2)?,
                        strength: r.get(3)?,
                        facts: serde_json::from_str(&facts).unwrap_or_default(),
                    })
                })
                .map_err(|e| self.err(e))?;
            found.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        let keys = {
            let mut stmt = conn
                .prepare(
                    "SELECT kind, value, first_seen, last_seen FROM device_keys WHERE device_id = ?1 ORDER BY kind, value",
                )
                .map_err(|e| self.err(e))?;
            let found = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(|e| self.err(e))?;
            found.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        let history = {
            let mut stmt = conn
                .prepare(
                    "SELECT o.first_seen, o.last_seen, o.source, o.key, CASE WHEN o.key LIKE 'snmp:%'
                        THEN CAST(o.lines - (o.size > 0) AS TEXT) ELSE o.value END
                     FROM observations o JOIN device_subjects ds ON ds.subject_id = o.subject_id AND ds.device_id = ?1
                     WHERE o.first_run <= ds.last_run AND o.last_run >= ds.first_run
                     ORDER BY o.first_run DESC, o.id DESC LIMIT 200",
                )
                .map_err(|e| self.err(e))?;
            let found = stmt
                .query_map([id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(|e| self.err(e))?;
            found.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        Ok(Some(DeviceDetail {
            row,
            snmp,
            identity_log,
            keys,
            history,
        }))
    }

    /// A page of runs, newest first.
    pub fn scans(&self, limit: u32, after: Option<i64>) -> Result<Page<ScanRow>, StoreError> {
        self.scans_of(None, limit, after)
    }

    /// A page of runs, newest first; only job `job`'s when given.
    pub fn scans_of(
        &self,
        job: Option<&str>,
        limit: u32,
        after: Option<i64>,
    ) -> Result<Page<ScanRow>, StoreError> {
        let limit = limit.clamp(1, 1000);
        let (sql, args) = scan_select(job, limit, after);
        let mut stmt = self.connection().prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), scan_from_row)
            .map_err(|e| self.err(e))?;
        let mut items: Vec<ScanRow> = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|s| s.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

/// A page of runs (newest first, `job`'s only when given): SQL and arguments.
fn scan_select(job: Option<&str>, limit: u32, after: Option<i64>) -> (String, Vec<Sql>) {
    let mut args = vec![Sql::Integer(after.unwrap_or(i64::MAX))];
    let mut sql = format!("{SCAN_COLUMNS} WHERE id < ?");
    if let Some(j) = job {
        sql.push_str(" AND job = ?");
        args.push(Sql::Text(j.to_string()));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    args.push(Sql::Integer(i64::from(limit) + 1));
    (sql, args)
}

impl Store {
    /// The plan of [`Store::scans_of`] (see [`Store::device_plan`]).
    pub fn scan_plan(&self, job: Option<&str>) -> Result<Vec<String>, StoreError> {
        let (sql, args) = scan_select(job, 100, None);
        self.plan(&sql, &args)
    }

    /// The latest run of `job`, and its latest run that finished.
    pub fn last_runs(&self, job: &str) -> Result<(Option<ScanRow>, Option<ScanRow>), StoreError> {
        let one = |extra: &str| {
            self.connection()
                .query_row(
                    &format!("{SCAN_COLUMNS} WHERE job = ?1{extra} ORDER BY id DESC LIMIT 1"),
                    [job],
                    scan_from_row,
                )
                .optional()
                .map_err(|e| self.err(e))
        };
        Ok((one("")?, one(" AND status = 'done'")?))
    }
}

#[cfg(test)]
#[path = "read_plan_tests.rs"]
mod plan_tests;
