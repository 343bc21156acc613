//! What the templates see: plain strings pulled out of stored JSON.

use super::i18n::Labels;
use crate::store::{DeviceRow, Overview};
use askama::Template;
use serde_json::Value;

#[derive(Template)]
#[template(path = "index.html")]
pub(super) struct IndexPage {
    pub lang_code: &'static str,
    pub lang_query: &'static str,
    pub l: &'static Labels,
    pub configured: bool,
    pub config_path: String,
    pub overview: Overview,
    pub devices: Vec<DeviceView>,
}

pub(super) struct DeviceView {
    pub id: i64,
    pub ip: String,
    pub mac: String,
    pub randomized: bool,
    pub mac_vendor: String,
    pub hostname: String,
    pub sys_name: String,
    pub class: String,
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub os: String,
    pub origin: String,
    pub seen_by: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => crate::text::printable(s),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl DeviceView {
    pub fn from_row(r: &DeviceRow) -> DeviceView {
        let d = &r.data;
        let snmp = d.get("snmp").cloned().unwrap_or(Value::Null);
        DeviceView {
            id: r.id,
            ip: text(d, "ip"),
            mac: text(d, "mac"),
            randomized: d
                .get("mac_randomized")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            mac_vendor: text(d, "mac_vendor"),
            hostname: text(d, "hostname"),
            sys_name: text(&snmp, "sys_name"),
            class: text(d, "class"),
            vendor: text(d, "vendor"),
            model: text(d, "model"),
            serial: text(d, "serial"),
            os: text(d, "os"),
            origin: text(d, "vendor_origin"),
            seen_by: d
                .get("seen_by")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            first_seen: r.first_seen.clone(),
            last_seen: r.last_seen.clone(),
        }
    }
}

/// Rows shown per table on the device page (the API has them all).
const MAX_ROWS: usize = 300;

#[derive(Template)]
#[template(path = "device.html")]
pub(super) struct DevicePage {
    pub lang_code: &'static str,
    pub lang_query: &'static str,
    pub l: &'static Labels,
    pub ip: String,
    pub identity: Vec<(&'static str, String)>,
    pub evidence: Vec<EvidenceView>,
    pub tables: Vec<TableView>,
    pub history: Vec<(String, String, String, String)>,
}

pub(super) struct EvidenceView {
    pub field: String,
    pub value: String,
    pub rule: String,
    /// ((shown name, raw OID or empty), value)
    pub facts: Vec<((String, String), String)>,
}

pub(super) struct TableView {
    pub title: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: usize,
}

/// Any JSON scalar as display text; objects and arrays compactly.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => crate::text::printable(s),
        Value::Null => String::new(),
        other => crate::text::printable(&other.to_string()),
    }
}

/// A fact's source: an OID shows as `MIB::object.index`.
fn source_name(source: &str) -> (String, String) {
    match crate::facts::Oid::parse(source) {
        Ok(oid) => (crate::snmp::names::display(&oid), oid.to_string()),
        Err(_) => (source.to_string(), String::new()),
    }
}

fn table(title: &'static str, rows: Option<&Value>) -> Option<TableView> {
    let rows = rows?.as_array()?;
    let first = rows.first()?.as_object()?;
    let columns: Vec<String> = first.keys().cloned().collect();
    let shown = rows
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            columns
                .iter()
                .map(|c| r.get(c).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Some(TableView {
        title,
        columns,
        rows: shown,
        total: rows.len(),
    })
}

impl DevicePage {
    pub fn build(
        lang_code: &'static str,
        lang_query: &'static str,
        l: &'static Labels,
        r: &DeviceRow,
        history: Vec<(String, String, String, String)>,
    ) -> DevicePage {
        let d = &r.data;
        let snmp = d.get("snmp").cloned().unwrap_or(Value::Null);
        let mut identity: Vec<(&'static str, String)> = vec![
            (l.ip, text(d, "ip")),
            (l.mac, text(d, "mac")),
            (l.mac_vendor, text(d, "mac_vendor")),
            (l.hostname, text(d, "hostname")),
            (l.class, l.value(&text(d, "class")).to_string()),
            (l.vendor, text(d, "vendor")),
            (l.model, text(d, "model")),
            (l.serial, text(d, "serial")),
            (l.os, text(d, "os")),
            (l.firmware, text(d, "firmware")),
            (l.origin, l.value(&text(d, "vendor_origin")).to_string()),
            (l.confidence, text(d, "confidence")),
            (l.first_seen, r.first_seen.clone()),
            (l.last_seen, r.last_seen.clone()),
        ];
        for key in [
            "sys_name",
            "sys_descr",
            "sys_object_id",
            "sys_location",
            "sys_contact",
            "version",
            "credential",
        ] {
            let v = text(&snmp, key);
            if !v.is_empty() {
                let label: &'static str = match key {
                    "sys_name" => "sysName",
                    "sys_descr" => "sysDescr",
                    "sys_object_id" => "sysObjectID",
                    "sys_location" => "sysLocation",
                    "sys_contact" => "sysContact",
                    "version" => "SNMP",
                    _ => "SNMP credential",
                };
                identity.push((label, v));
            }
        }
        let evidence = d
            .get("evidence")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|e| EvidenceView {
                        field: text(e, "field"),
                        value: text(e, "value"),
                        rule: text(e, "rule"),
                        facts: e
                            .get("facts")
                            .and_then(Value::as_array)
                            .map(|fs| {
                                fs.iter()
                                    .map(|f| (source_name(&text(f, "source")), text(f, "value")))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let tables = [
            (l.interfaces, "interfaces"),
            (l.entities, "entities"),
            (l.neighbors, "neighbors"),
            (l.arp_table, "arp"),
            (l.fdb_table, "fdb"),
            (l.software, "software"),
        ]
        .into_iter()
        .filter_map(|(title, key)| table(title, snmp.get(key)))
        .collect();
        DevicePage {
            lang_code,
            lang_query,
            l,
            ip: text(d, "ip"),
            identity,
            evidence,
            tables,
            history,
        }
    }
}
