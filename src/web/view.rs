//! What the templates see: plain strings pulled out of the read model.

use super::i18n::Labels;
use crate::store::Overview;
use crate::store::read::{DeviceDetail, DeviceRow, Held};
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
    pub q: String,
    pub class: String,
    pub origin: String,
    pub subnet: String,
    /// This is not the first page.
    pub paged: bool,
    /// A filter is on.
    pub filtered: bool,
    /// Query string of the next page, if any.
    pub next_link: Option<String>,
    /// Findings open and not acknowledged.
    pub findings_open: i64,
    /// "Findings" in the page's language.
    pub findings_label: &'static str,
}

pub(super) struct DeviceView {
    pub id: i64,
    pub ip: String,
    pub more_addresses: usize,
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

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(crate::text::printable).unwrap_or_default()
}

impl DeviceView {
    pub fn from_row(r: &DeviceRow) -> DeviceView {
        let id = &r.identity;
        DeviceView {
            id: r.id,
            ip: opt(&r.ip),
            more_addresses: r
                .addresses
                .iter()
                .filter(|a| a.active)
                .count()
                .saturating_sub(1),
            mac: opt(&r.mac),
            randomized: r.mac_randomized,
            mac_vendor: opt(&r.mac_vendor),
            hostname: opt(&r.hostname),
            sys_name: r
                .snmp
                .as_ref()
                .map(|s| opt(&s.sys_name))
                .unwrap_or_default(),
            class: text(id, "class"),
            vendor: text(id, "vendor"),
            model: text(id, "model"),
            serial: text(id, "serial"),
            os: text(id, "os"),
            origin: text(id, "vendor_origin"),
            seen_by: r.seen_by.clone(),
            first_seen: r.first_seen.clone(),
            last_seen: r.last_seen.clone(),
        }
    }
}

/// Rows shown per table on the device page (the API has them all).
const MAX_ROWS: usize = 300;

#[derive(Template)]
#[template(path = "not_found.html")]
pub(super) struct NotFoundPage {
    pub lang_code: &'static str,
    pub lang_query: &'static str,
    pub l: &'static Labels,
    pub message: &'static str,
}

#[derive(Template)]
#[template(path = "device.html")]
pub(super) struct DevicePage {
    pub lang_code: &'static str,
    pub lang_query: &'static str,
    pub l: &'static Labels,
    pub id: i64,
    pub ip: String,
    pub identity: Vec<(&'static str, String)>,
    /// (kind: ip/mac, value, first seen, last seen, active)
    pub held: Vec<(&'static str, String, String, String, bool)>,
    pub evidence: Vec<EvidenceView>,
    pub tables: Vec<TableView>,
    /// (time, kind, other device, strength, facts)
    pub identity_log: Vec<(String, String, String, String, String)>,
    /// (kind, value, first seen, last seen)
    pub keys: Vec<(String, String, String, String)>,
    /// (first seen, last seen, source, key, value)
    pub history: Vec<(String, String, String, String, String)>,
    /// What it announced: (source, key, value, last seen), newest first,
    /// each fact once.
    pub announced: Vec<(String, String, String, String)>,
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

fn held(kind: &'static str, list: &[Held]) -> Vec<(&'static str, String, String, String, bool)> {
    list.iter()
        .map(|h| {
            (
                kind,
                crate::text::printable(&h.value),
                h.first_seen.clone(),
                h.last_seen.clone(),
                h.active,
            )
        })
        .collect()
}

impl DevicePage {
    pub fn build(
        lang_code: &'static str,
        lang_query: &'static str,
        l: &'static Labels,
        d: &DeviceDetail,
    ) -> DevicePage {
        let r = &d.row;
        let id = &r.identity;
        let snmp = d
            .snmp
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(Value::Null);
        let mut identity: Vec<(&'static str, String)> = vec![
            (l.ip, opt(&r.ip)),
            (l.mac, opt(&r.mac)),
            (l.mac_vendor, opt(&r.mac_vendor)),
            (l.hostname, opt(&r.hostname)),
            (l.class, l.value(&text(id, "class")).to_string()),
            (l.vendor, text(id, "vendor")),
            (l.model, text(id, "model")),
            (l.serial, text(id, "serial")),
            (l.os, text(id, "os")),
            (l.firmware, text(id, "firmware")),
            (l.origin, l.value(&text(id, "vendor_origin")).to_string()),
            (l.confidence, text(id, "confidence")),
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
        let evidence = id
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
        let mut all_held = held("IP", &r.addresses);
        all_held.extend(held("MAC", &r.macs));
        DevicePage {
            lang_code,
            lang_query,
            l,
            id: r.id,
            ip: opt(&r.ip),
            identity,
            held: all_held,
            evidence,
            tables,
            identity_log: d
                .identity_log
                .iter()
                .map(|e| {
                    (
                        e.time.clone(),
                        l.value(&e.kind).to_string(),
                        e.other_device.map(|o| o.to_string()).unwrap_or_default(),
                        e.strength.clone(),
                        crate::text::printable(&e.facts.join("; ")),
                    )
                })
                .collect(),
            keys: d
                .keys
                .iter()
                .map(|(k, v, f, la)| (k.clone(), crate::text::printable(v), f.clone(), la.clone()))
                .collect(),
            announced: announced_of(&d.history),
            history: d
                .history
                .iter()
                .map(|(f, la, s, k, v)| {
                    let shown = match v.parse::<usize>() {
                        Ok(1) if k.starts_with("snmp:") => format!("1 {}", l.one_value),
                        Ok(n) if k.starts_with("snmp:") => format!("{n} {}", l.many_values),
                        _ => crate::text::printable(v),
                    };
                    (f.clone(), la.clone(), s.clone(), k.clone(), shown)
                })
                .collect(),
        }
    }
}

/// The announced facts among a device's record rows (newest first, each
/// `(source, key, value)` once).
pub(super) fn announced_of(
    history: &[(String, String, String, String, String)],
) -> Vec<(String, String, String, String)> {
    let mut seen = std::collections::HashSet::new();
    history
        .iter()
        .filter(|(_, _, s, _, _)| crate::record::Source::announcing(s).is_some())
        .filter(|(_, _, s, k, v)| seen.insert((s.clone(), k.clone(), v.clone())))
        .map(|(_, last, s, k, v)| {
            (
                s.clone(),
                k.clone(),
                crate::text::printable(v),
                last.clone(),
            )
        })
        .collect()
}
