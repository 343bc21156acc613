//! What the templates see: plain strings pulled out of stored JSON.

use super::i18n::Labels;
use crate::store::{DeviceRow, Overview};
use askama::Template;
use serde_json::Value;

#[derive(Template)]
#[template(path = "index.html")]
pub(super) struct IndexPage {
    pub lang_code: &'static str,
    pub l: &'static Labels,
    pub configured: bool,
    pub config_path: String,
    pub overview: Overview,
    pub devices: Vec<DeviceView>,
}

pub(super) struct DeviceView {
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
