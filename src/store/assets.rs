//! The approved-asset register in the database: imports (upserts keyed by
//! asset tag, each with an `asset_imports` row, one transaction), the
//! matches of assets to live devices (`asset_matches`, derived: rewritten
//! by [`rematch`] after every run and every import), and what the API and
//! the evidence package read.
//!
//! `assets` and `asset_imports` are primary: a rebuild never touches them;
//! `asset_matches` is derived and comes back the same from the same
//! devices.

use super::read::Page;
use super::{Store, StoreError};
use crate::assets::matching::{DeviceKeys, match_devices};
use crate::assets::{Asset, Column, Register};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// The columns of `assets` that come from a register, in [`Column::ALL`]'s order.
const ASSET_COLUMNS: &str = "asset_tag, owner, department, location, serial, mac, ip, hostname, vendor, model, purchase_date, warranty_end, notes";

/// What an import changed (or, in a dry run, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportPlan {
    /// New asset tags, in the file's order.
    pub added: Vec<String>,
    /// Tags whose stored values change, each with the columns that do.
    pub updated: Vec<(String, Vec<&'static str>)>,
    /// Tags already stored exactly so.
    pub unchanged: usize,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Its `asset_imports` row.
    pub import_id: i64,
    /// What changed.
    pub plan: ImportPlan,
    /// Assets matched to a device after it.
    pub matched: usize,
}

/// One asset with its match, as the API and the evidence package show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssetRow {
    /// The register's fields.
    #[serde(flatten)]
    pub asset: AssetFields,
    /// When the tag was first imported (RFC 3339).
    pub first_imported: String,
    /// When its row last changed.
    pub updated_at: String,
    /// Which device it is, if any.
    #[serde(rename = "match")]
    pub matched: Option<AssetMatch>,
}

/// The register's fields of one asset, serialised by their column names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssetFields {
    /// Tag.
    pub asset_tag: String,
    /// Owner.
    pub owner: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// MAC.
    pub mac: Option<String>,
    /// IP.
    pub ip: Option<String>,
    /// Host name.
    pub hostname: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// `YYYY-MM-DD`.
    pub purchase_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub warranty_end: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// How an asset was matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AssetMatch {
    /// The device.
    pub device_id: i64,
    /// `serial`, `mac`, `hostname` or `ip`.
    pub method: String,
    /// 0 to 1 (see `assets::matching`).
    pub confidence: f64,
    /// What matched.
    pub evidence: String,
}

/// The register's counts (the register page's cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegisterCounts {
    /// Assets in the register.
    pub assets: u64,
    /// Assets a device matched.
    pub matched: u64,
    /// Live devices no asset matched.
    pub unmatched_devices: u64,
}

/// A live device no asset matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnmatchedDevice {
    /// Device id.
    pub id: i64,
    /// Primary address.
    pub ip: Option<String>,
    /// Primary MAC.
    pub mac: Option<String>,
    /// Host name.
    pub hostname: Option<String>,
    /// Class.
    pub class: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// Last seen (RFC 3339).
    pub last_seen: Option<String>,
}

/// Which assets a page lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssetFilter {
    /// Every asset.
    #[default]
    All,
    /// Assets with a device.
    Matched,
    /// Assets no device matched.
    Unmatched,
}

/// The SHA-256 of a register file, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn asset_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Asset> {
    Ok(Asset {
        asset_tag: r.get(0)?,
        owner: r.get(1)?,
        department: r.get(2)?,
        location: r.get(3)?,
        serial: r.get(4)?,
        mac: r.get(5)?,
        ip: r.get(6)?,
        hostname: r.get(7)?,
        vendor: r.get(8)?,
        model: r.get(9)?,
        purchase_date: r.get(10)?,
        warranty_end: r.get(11)?,
        notes: r.get(12)?,
    })
}

fn stored(conn: &Connection) -> rusqlite::Result<HashMap<String, Asset>> {
    let mut stmt = conn.prepare(&format!("SELECT {ASSET_COLUMNS} FROM assets"))?;
    let rows = stmt.query_map([], asset_from_row)?;
    rows.map(|r| r.map(|a| (a.asset_tag.clone(), a))).collect()
}

/// What importing `register` into `conn` would change (reads only).
pub fn plan(conn: &Connection, register: &Register) -> rusqlite::Result<ImportPlan> {
    let have = stored(conn)?;
    let mut out = ImportPlan::default();
    for a in &register.assets {
        match have.get(&a.asset_tag) {
            None => out.added.push(a.asset_tag.clone()),
            Some(old) => {
                let changed: Vec<&'static str> = register
                    .columns
                    .iter()
                    .filter(|c| **c != Column::AssetTag && old.get(**c) != a.get(**c))
                    .map(|c| c.name())
                    .collect();
                if changed.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.updated.push((a.asset_tag.clone(), changed));
                }
            }
        }
    }
    Ok(out)
}

/// The sha256 of the newest import, if any.
pub fn latest_sha256(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT sha256 FROM asset_imports ORDER BY id DESC LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}

/// Import `register` (read from `file`, whose bytes hash to `sha256`) at
/// `now`, in the caller's transaction: tags not stored yet are added,
/// stored tags get the file's values for the columns the file has (a
/// column left out of the file keeps its stored values), other stored
/// assets stay. Then the matches are made again.
pub fn import(
    conn: &Connection,
    register: &Register,
    file: &str,
    sha256: &str,
    now: &str,
) -> rusqlite::Result<ImportSummary> {
    let plan = plan(conn, register)?;
    conn.execute(
        "INSERT INTO asset_imports (time, file, sha256, added, updated, unchanged) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            now,
            file,
            sha256,
            plan.added.len() as i64,
            plan.updated.len() as i64,
            plan.unchanged as i64
        ],
    )?;
    let import_id = conn.last_insert_rowid();
    let updated: std::collections::HashSet<&str> =
        plan.updated.iter().map(|(t, _)| t.as_str()).collect();
    let added: std::collections::HashSet<&str> = plan.added.iter().map(String::as_str).collect();
    let mut insert = conn.prepare(&format!(
        "INSERT INTO assets ({ASSET_COLUMNS}, import_id, first_imported, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)"
    ))?;
    for a in &register.assets {
        if added.contains(a.asset_tag.as_str()) {
            let values: Vec<rusqlite::types::Value> = Column::ALL
                .iter()
                .map(|c| text_or_null(a.get(*c)))
                .chain([
                    rusqlite::types::Value::Integer(import_id),
                    rusqlite::types::Value::Text(now.to_string()),
                ])
                .collect();
            insert.execute(rusqlite::params_from_iter(values))?;
        } else if updated.contains(a.asset_tag.as_str()) {
            let sets: Vec<String> = register
                .columns
                .iter()
                .filter(|c| **c != Column::AssetTag)
                .enumerate()
                .map(|(i, c)| format!("{} = ?{}", c.name(), i + 4))
                .collect();
            let sql = format!(
                "UPDATE assets SET import_id = ?2, updated_at = ?3{}{} WHERE asset_tag = ?1",
                if sets.is_empty() { "" } else { ", " },
                sets.join(", ")
            );
            let values: Vec<rusqlite::types::Value> = [
                rusqlite::types::Value::Text(a.asset_tag.clone()),
                rusqlite::types::Value::Integer(import_id),
                rusqlite::types::Value::Text(now.to_string()),
            ]
            .into_iter()
            .chain(
                register
                    .columns
                    .iter()
                    .filter(|c| **c != Column::AssetTag)
                    .map(|c| text_or_null(a.get(*c))),
            )
            .collect();
            // The same statement for every row of one file.
            conn.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(values))?;
        }
    }
    let matched = rematch(conn)?;
    Ok(ImportSummary {
        import_id,
        plan,
        matched,
    })
}

fn text_or_null(v: Option<&str>) -> rusqlite::types::Value {
    match v {
        Some(t) => rusqlite::types::Value::Text(t.to_string()),
        None => rusqlite::types::Value::Null,
    }
}

/// The keys of every live device (not merged into another).
fn device_keys(conn: &Connection) -> rusqlite::Result<Vec<DeviceKeys>> {
    let mut devices: Vec<DeviceKeys> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, serial, ip, mac, hostname, sys_name FROM devices WHERE merged_into IS NULL ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let mut d = DeviceKeys {
                id,
                ..DeviceKeys::default()
            };
            d.serials.extend(r.get::<_, Option<String>>(1)?);
            d.ips.extend(r.get::<_, Option<String>>(2)?);
            d.macs.extend(r.get::<_, Option<String>>(3)?);
            d.hostnames.extend(r.get::<_, Option<String>>(4)?);
            d.hostnames.extend(r.get::<_, Option<String>>(5)?);
            index.insert(id, devices.len());
            devices.push(d);
        }
    }
    let mut add =
        |sql: &str, pick: fn(&mut DeviceKeys) -> &mut Vec<String>| -> rusqlite::Result<()> {
            let mut stmt = conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let value: String = r.get(1)?;
                if let Some(d) = index.get(&id).and_then(|&i| devices.get_mut(i)) {
                    let list = pick(d);
                    if !list.contains(&value) {
                        list.push(value);
                    }
                }
            }
            Ok(())
        };
    add("SELECT device_id, mac FROM device_macs", |d| &mut d.macs)?;
    add(
        "SELECT device_id, ip FROM device_addresses WHERE active = 1",
        |d| &mut d.ips,
    )?;
    // Identity keys: a serial as ENTERPRISE:SERIAL, the chassis MAC, names.
    let mut stmt = conn.prepare(
        "SELECT device_id, kind, value FROM device_keys
          WHERE kind IN ('serial', 'chassis_mac', 'sys_name', 'hostname', 'mdns_name')",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let kind: String = r.get(1)?;
        let value: String = r.get(2)?;
        let Some(d) = index.get(&id).and_then(|&i| devices.get_mut(i)) else {
            continue;
        };
        let (list, value) = match kind.as_str() {
            "serial" => (
                &mut d.serials,
                value
                    .split_once(':')
                    .map_or(value.clone(), |(_, s)| s.to_string()),
            ),
            "chassis_mac" => (&mut d.macs, value),
            _ => (&mut d.hostnames, value),
        };
        if !list.contains(&value) {
            list.push(value);
        }
    }
    Ok(devices)
}

/// Rewrite `asset_matches` from the register and the live devices (in the
/// caller's transaction); returns how many assets matched.
pub fn rematch(conn: &Connection) -> rusqlite::Result<usize> {
    let mut assets: Vec<Asset> = stored(conn)?.into_values().collect();
    assets.sort_by(|a, b| a.asset_tag.cmp(&b.asset_tag));
    conn.execute("DELETE FROM asset_matches", [])?;
    if assets.is_empty() {
        return Ok(0);
    }
    let devices = device_keys(conn)?;
    let m = match_devices(&assets, &devices);
    let mut insert = conn.prepare(
        "INSERT INTO asset_matches (asset_tag, device_id, method, confidence, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for x in &m.matches {
        insert.execute(params![
            x.asset_tag,
            x.device_id,
            x.method.as_str(),
            x.confidence,
            x.evidence
        ])?;
    }
    Ok(m.matches.len())
}

const ROW_SQL: &str = "SELECT a.asset_tag, a.owner, a.department, a.location, a.serial, a.mac, a.ip, a.hostname, a.vendor, a.model, a.purchase_date, a.warranty_end, a.notes,
        a.first_imported, a.updated_at, m.device_id, m.method, m.confidence, m.evidence
   FROM assets a LEFT JOIN asset_matches m ON m.asset_tag = a.asset_tag";

fn asset_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AssetRow> {
    let a = asset_from_row(r)?;
    let device: Option<i64> = r.get(15)?;
    Ok(AssetRow {
        asset: AssetFields {
            asset_tag: a.asset_tag,
            owner: a.owner,
            department: a.department,
            location: a.location,
            serial: a.serial,
            mac: a.mac,
            ip: a.ip,
            hostname: a.hostname,
            vendor: a.vendor,
            model: a.model,
            purchase_date: a.purchase_date,
            warranty_end: a.warranty_end,
            notes: a.notes,
        },
        first_imported: r.get(13)?,
        updated_at: r.get(14)?,
        matched: match device {
            Some(device_id) => Some(AssetMatch {
                device_id,
                method: r.get(16)?,
                confidence: r.get(17)?,
                evidence: r.get(18)?,
            }),
            None => None,
        },
    })
}

fn filter_sql(filter: AssetFilter) -> &'static str {
    match filter {
        AssetFilter::All => "",
        AssetFilter::Matched => " AND m.device_id IS NOT NULL",
        AssetFilter::Unmatched => " AND m.device_id IS NULL",
    }
}

/// Every asset with its match, by tag (the evidence package).
pub fn all_assets(conn: &Connection, filter: AssetFilter) -> rusqlite::Result<Vec<AssetRow>> {
    let mut stmt = conn.prepare(&format!(
        "{ROW_SQL} WHERE 1 = 1{} ORDER BY a.asset_tag",
        filter_sql(filter)
    ))?;
    let rows = stmt.query_map([], asset_row)?;
    rows.collect()
}

const DEVICE_SQL: &str = "SELECT d.id, d.ip, d.mac, d.hostname, d.class, d.vendor, d.model, d.serial, d.last_seen
   FROM devices d
  WHERE d.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM asset_matches m WHERE m.device_id = d.id)";

fn unmatched_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UnmatchedDevice> {
    Ok(UnmatchedDevice {
        id: r.get(0)?,
        ip: r.get(1)?,
        mac: r.get(2)?,
        hostname: r.get(3)?,
        class: r.get(4)?,
        vendor: r.get(5)?,
        model: r.get(6)?,
        serial: r.get(7)?,
        last_seen: r.get(8)?,
    })
}

/// Every live device no asset matched, by id (the evidence package).
pub fn all_unmatched_devices(conn: &Connection) -> rusqlite::Result<Vec<UnmatchedDevice>> {
    let mut stmt = conn.prepare(&format!("{DEVICE_SQL} ORDER BY d.id"))?;
    let rows = stmt.query_map([], unmatched_row)?;
    rows.collect()
}

/// A tag as a cursor: hex of its bytes (opaque, safe in a query string).
fn tag_cursor(tag: &str) -> String {
    tag.bytes().map(|b| format!("{b:02x}")).collect()
}

fn tag_from_cursor(text: &str) -> Option<String> {
    if !text.len().is_multiple_of(2) || text.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes?).ok()
}

impl Store {
    /// What importing `register` would change; writes nothing.
    pub fn plan_assets(&self, register: &Register) -> Result<ImportPlan, StoreError> {
        plan(self.connection(), register).map_err(|e| self.err(e))
    }

    /// Import `register` in one transaction (the import row, every asset,
    /// the new matches): all of it or, on any error, none of it. With
    /// `only_if_changed`, a file whose hash equals the newest import's is
    /// not imported again (None).
    pub fn import_assets(
        &mut self,
        register: &Register,
        file: &str,
        sha256: &str,
        now: &str,
        only_if_changed: bool,
    ) -> Result<Option<ImportSummary>, StoreError> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(e)?;
        if only_if_changed && latest_sha256(&tx).map_err(e)?.as_deref() == Some(sha256) {
            return Ok(None);
        }
        let summary = import(&tx, register, file, sha256, now).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(Some(summary))
    }

    /// A page of assets with their matches, by tag; `after` is the cursor
    /// from the previous page. Ok(Err) for a cursor this server did not give.
    pub fn assets(
        &self,
        filter: AssetFilter,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Result<Page<AssetRow>, super::read::QueryError>, StoreError> {
        let limit = limit.clamp(1, 1000);
        let after = match after {
            None => String::new(),
            Some(c) => match tag_from_cursor(c) {
                Some(t) => t,
                None => return Ok(Err(super::read::QueryError::Cursor)),
            },
        };
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "{ROW_SQL} WHERE a.asset_tag > ?1{} ORDER BY a.asset_tag LIMIT ?2",
                filter_sql(filter)
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after, limit + 1], asset_row)
            .map_err(|e| self.err(e))?;
        let mut items: Vec<AssetRow> = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|a| tag_cursor(&a.asset.asset_tag))
        } else {
            None
        };
        Ok(Ok(Page { items, next }))
    }

    /// The asset device `id` was matched to, if any.
    pub fn asset_of_device(&self, id: i64) -> Result<Option<AssetRow>, StoreError> {
        self.connection()
            .query_row(
                &format!("{ROW_SQL} WHERE m.device_id = ?1"),
                [id],
                asset_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Whether any asset register was imported.
    pub fn has_register(&self) -> Result<bool, StoreError> {
        self.connection()
            .query_row("SELECT EXISTS (SELECT 1 FROM assets)", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// How many assets the register holds, how many a device matched, and
    /// how many live devices no asset matched.
    pub fn register_counts(&self) -> Result<RegisterCounts, StoreError> {
        let conn = self.connection();
        let count = |sql: &str| -> Result<u64, StoreError> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(|e| self.err(e))
        };
        Ok(RegisterCounts {
            assets: count("SELECT count(*) FROM assets")?,
            matched: count("SELECT count(*) FROM asset_matches")?,
            unmatched_devices: count(&format!("SELECT count(*) FROM ({DEVICE_SQL})"))?,
        })
    }

    /// A page of live devices no asset matched, by id; `after` is the id
    /// from the previous page's cursor.
    pub fn unmatched_devices(
        &self,
        limit: u32,
        after: Option<i64>,
    ) -> Result<Page<UnmatchedDevice>, StoreError> {
        let limit = limit.clamp(1, 1000);
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "{DEVICE_SQL} AND d.id > ?1 ORDER BY d.id LIMIT ?2"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after.unwrap_or(0), limit + 1], unmatched_row)
            .map_err(|e| self.err(e))?;
        let mut items: Vec<UnmatchedDevice> =
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|d| d.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

#[cfg(test)]
#[path = "assets_tests.rs"]
mod tests;
