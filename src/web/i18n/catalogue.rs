//! One language's page text, read from its message catalogue
//! (`en.toml`, `zh-CN.toml` beside this file) into typed structs: a label
//! the templates use is a field (askama checks it at compile time), a
//! field the catalogue lacks or a key it has that no field takes is a
//! parse error, and an empty value is refused. Display names of stored
//! values (classes, statuses, SNMP enumerations, table headers) are
//! [`Names`] maps: a value they lack shows as it is, and the tests check
//! every value the code knows has a name in both languages. Pure.

use super::number;
use crate::timefmt::Pattern;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Why a catalogue could not be used. The catalogues are built into the
/// binary and checked by `cargo test --lib web::i18n`, so this is a build
/// defect: the daemon refuses to start rather than show blank labels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "page text catalogue src/web/i18n/{file}: {detail}; this build is broken: fix the file (`cargo test --lib web::i18n` says what is wrong) and rebuild"
)]
pub struct CatalogueError {
    /// The catalogue's file name.
    pub file: &'static str,
    /// What is wrong, with the line where the TOML parser knows it.
    pub detail: String,
}

/// Display names of stored values, by value: `switch` → `交换机`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Names(BTreeMap<String, String>);

impl Names {
    /// The name of `v`; `v` itself when the catalogue has none (a value
    /// newer than the catalogue still shows, never a blank).
    pub fn of<'a>(&'a self, v: &'a str) -> &'a str {
        self.0.get(v).map_or(v, String::as_str)
    }

    /// The name of `v`, if the catalogue has one.
    pub fn get(&self, v: &str) -> Option<&str> {
        self.0.get(v).map(String::as_str)
    }

    /// The values named.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Text with `{name}` fields filled in at render time: `{n} values`.
/// `{{` and `}}` are literal braces.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct Fill(String);

impl TryFrom<String> for Fill {
    type Error = String;

    fn try_from(text: String) -> Result<Fill, String> {
        Fill::fields_of(&text)?;
        Ok(Fill(text))
    }
}

impl Fill {
    /// The field names in `text`, in order; an error for an unbalanced brace.
    fn fields_of(text: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                            _ => return Err(format!("unbalanced or bad field in `{text}`")),
                        }
                    }
                    out.push(name);
                }
                '}' => return Err(format!("lone `}}` in `{text}`")),
                _ => {}
            }
        }
        Ok(out)
    }

    /// The field names this text uses (for the catalogue tests).
    pub fn fields(&self) -> Vec<String> {
        Fill::fields_of(&self.0).unwrap_or_default()
    }

    /// The text with each `{name}` replaced by its value (a field not in
    /// `args` is left out).
    pub fn fill(&self, args: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(self.0.len() + 16);
        let mut chars = self.0.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '{' => {
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    if let Some((_, v)) = args.iter().find(|(k, _)| *k == name) {
                        out.push_str(v);
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    /// [`Fill::fill`] with the one field `n`.
    pub fn n(&self, n: &str) -> String {
        self.fill(&[("n", n)])
    }
}

/// How this language writes times, numbers and durations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    /// A UTC time (see [`Pattern`]).
    pub datetime: Pattern,
    /// A UTC day, where a list has no room for the time.
    pub date: Pattern,
    /// Between groups of three digits: `65,000`.
    pub thousands: String,
    /// Before the fraction: `2.5`.
    pub decimal: String,
    /// A percentage: `{n}%`.
    pub percent: Fill,
    /// A duration: `{d}`, `{h}`, `{m}` (days, hours, minutes).
    pub duration: Fill,
    /// Minutes: `{n} min`.
    pub minutes: Fill,
    /// Seconds: `{n} s`.
    pub seconds: Fill,
    /// Minutes and seconds: `{m} min {s} s`.
    pub min_sec: Fill,
    /// A value with its unit: `{n} {unit}`.
    pub quantity: Fill,
}

/// Unit symbols.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Units {
    /// Bits per second, and its decimal multiples.
    pub bit_s: String,
    /// 10³ bit/s.
    pub kbit_s: String,
    /// 10⁶ bit/s.
    pub mbit_s: String,
    /// 10⁹ bit/s.
    pub gbit_s: String,
    /// 10¹² bit/s.
    pub tbit_s: String,
    /// Bytes, and their binary multiples.
    pub byte: String,
    /// 2¹⁰ bytes.
    pub kib: String,
    /// 2²⁰ bytes.
    pub mib: String,
    /// 2³⁰ bytes.
    pub gib: String,
    /// 2⁴⁰ bytes.
    pub tib: String,
}

/// The titles of the device page's SNMP tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableTitles {
    /// IF-MIB interfaces.
    pub interfaces: String,
    /// The device's own addresses (IP-MIB).
    pub addresses: String,
    /// Its ARP cache.
    pub arp: String,
    /// Its bridge forwarding table.
    pub fdb: String,
    /// LLDP and CDP neighbours.
    pub neighbors: String,
    /// ENTITY-MIB physical entities.
    pub entities: String,
    /// HOST-RESOURCES storage.
    pub storage: String,
    /// HOST-RESOURCES devices.
    pub host_devices: String,
    /// HOST-RESOURCES installed software.
    pub software: String,
    /// Printer-MIB identity and counter.
    pub printer: String,
    /// Printer-MIB supplies.
    pub supplies: String,
    /// UPS-MIB / PowerNet.
    pub ups: String,
}

/// Column headers of each SNMP table, by the row's field name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// [`crate::snmp::tables::InterfaceRow`].
    pub interfaces: Names,
    /// [`crate::snmp::tables::AddressRow`].
    pub addresses: Names,
    /// [`crate::snmp::tables::ArpRow`].
    pub arp: Names,
    /// [`crate::snmp::tables::FdbRow`].
    pub fdb: Names,
    /// [`crate::snmp::tables::NeighborRow`].
    pub neighbors: Names,
    /// [`crate::snmp::tables::EntityRow`].
    pub entities: Names,
    /// [`crate::snmp::tables::StorageRow`].
    pub storage: Names,
    /// [`crate::snmp::tables::HostDeviceRow`].
    pub host_devices: Names,
    /// [`crate::snmp::tables::SoftwareRow`].
    pub software: Names,
    /// [`crate::snmp::tables::PrinterInfo`] (without its supplies).
    pub printer: Names,
    /// [`crate::snmp::tables::SupplyRow`].
    pub supplies: Names,
    /// [`crate::snmp::tables::UpsInfo`].
    pub ups: Names,
}

/// Every label of every page, in one language. Field names are the
/// catalogue's keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // Each field is documented by its value in en.toml.
pub struct Labels {
    /// This language's name in itself, for the switch on the other
    /// language's pages.
    pub language_name: String,
    pub language_switch: String,
    pub title: String,
    pub inventory: String,
    pub overview: String,
    pub last_scan: String,
    pub never_scanned: String,
    pub status: String,
    pub started: String,
    pub finished: String,
    pub targets: String,
    pub addresses: String,
    pub hosts_up: String,
    pub snmp_ok: String,
    pub devices_known: String,
    pub devices_last: String,
    pub findings: String,
    pub devices: String,
    pub device: String,
    pub ip: String,
    pub mac: String,
    pub mac_vendor: String,
    pub hostname: String,
    pub sys_name: String,
    pub class: String,
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub os: String,
    pub firmware: String,
    pub origin: String,
    pub confidence: String,
    pub seen_by: String,
    pub first_seen: String,
    pub last_seen: String,
    pub not_configured: String,
    pub not_configured_hint: String,
    pub no_devices: String,
    pub randomized: String,
    pub search: String,
    pub subnet: String,
    pub apply: String,
    pub filtered: String,
    pub any: String,
    pub next_page: String,
    pub first_page: String,
    pub reports: String,
    pub origin_report: String,
    pub evidence_package: String,
    pub evidence_date: String,
    pub api: String,
    pub identity: String,
    pub sys_descr: String,
    pub sys_object_id: String,
    pub sys_location: String,
    pub sys_contact: String,
    pub sys_uptime: String,
    pub snmp_version: String,
    pub snmp_credential: String,
    pub memory: String,
    pub held: String,
    pub kind: String,
    pub value_col: String,
    pub active: String,
    pub inactive: String,
    pub evidence: String,
    pub field: String,
    pub rule: String,
    pub facts: String,
    pub announced: String,
    pub identity_log: String,
    pub time: String,
    pub other_device: String,
    pub tie: String,
    pub keys: String,
    pub history: String,
    pub yes: String,
    pub no: String,
    pub one_value: Fill,
    pub many_values: Fill,
    pub more_rows: Fill,
    pub state: String,
    pub severity: String,
    pub summary: String,
    pub finding_evidence: String,
    pub no_findings: String,
    pub acknowledged_by: String,
    pub resolved_at: String,
    pub dashboard: String,
    pub jobs: String,
    pub job: String,
    pub devices_by_class: String,
    pub devices_by_origin: String,
    pub top_vendors: String,
    pub open_by_severity: String,
    pub other_vendors: String,
    pub nothing_yet: String,
    pub last_run: String,
    pub next_run: String,
    pub duration: String,
    pub schedule: String,
    pub probes: String,
    pub packets: String,
    pub probe_errors: String,
    pub error: String,
    pub no_jobs: String,
    pub no_runs: String,
    pub not_planned: String,
    pub recent_runs: String,
    pub all_jobs: String,
    pub excluded: String,
    pub rate: String,
    pub rate_value: Fill,
    pub answered_of: Fill,
    pub not_configured_now: String,
    pub not_found: String,
    pub no_such_page: String,
    pub bad_query: String,
    pub unavailable: String,
    pub sort_by_column: String,
    pub sorted_by: String,
    pub seen_since: String,
    pub open_finding: String,
    pub any_finding: String,
    pub clear_filters: String,
    pub origin_page: String,
    pub report_generated: String,
    pub share: String,
    pub domestic_of_all: String,
    pub domestic_of_known: String,
    pub ratio_note: String,
    pub all_devices: String,
    pub by_category: String,
    pub by_class: String,
    pub by_vendor: String,
    pub category: String,
    pub origin_trend: String,
    pub run: String,
    pub unknown_devices: String,
    pub why_unknown: String,
    pub shown_of: Fill,
    pub downloads: String,
    pub unidentified: String,
    pub register: String,
    pub asset_tag: String,
    pub owner: String,
    pub department: String,
    pub asset_location: String,
    pub warranty_end: String,
    pub matched_device: String,
    pub match_by: String,
    pub not_matched: String,
    pub register_all: String,
    pub register_unmatched: String,
    pub register_shadow: String,
    pub assets: String,
    pub matched: String,
    pub no_register: String,
    pub no_assets: String,
    pub no_shadow: String,
    pub timeline: String,
    pub not_in_register: String,
    pub device_findings: String,
    pub more_changes: Fill,
    pub size_changed: Fill,
    pub format: Format,
    pub unit: Units,
    pub table: TableTitles,
    pub columns: Columns,
    pub class_name: Names,
    pub origin_name: Names,
    pub scan_status: Names,
    pub identity_event: Names,
    pub strength: Names,
    pub key_kind: Names,
    pub source: Names,
    pub fingerprint_field: Names,
    /// A job's probes by their config names.
    pub probe_name: Names,
    pub fact_key: Names,
    pub finding_kind: Names,
    /// A finding's line by kind, `{subject}` filled in.
    pub finding_summary: BTreeMap<String, Fill>,
    /// Why a device's origin is unknown, by
    /// [`crate::report::origin::UnknownWhy::key`], its value filled in.
    pub unknown_reason: BTreeMap<String, Fill>,
    pub severity_name: Names,
    pub finding_state: Names,
    /// How an asset was matched to a device ([`crate::assets::Method`]).
    pub match_method: Names,
    /// A device timeline's events ([`crate::web::timeline::Event`]).
    pub timeline_event: Names,
    pub if_status: Names,
    pub if_type: Names,
    pub entity_class: Names,
    pub storage_kind: Names,
    pub host_device_kind: Names,
    pub host_device_status: Names,
    pub arp_type: Names,
    pub fdb_status: Names,
    pub protocol: Names,
    pub battery_status: Names,
    pub supply_type: Names,
}

impl Labels {
    /// An RFC 3339 time in this language's format (other text as it is).
    pub fn time(&self, rfc3339: &str) -> String {
        self.format.datetime.rewrite(rfc3339)
    }

    /// The day of an RFC 3339 time in this language's format (other text
    /// as it is).
    pub fn day(&self, rfc3339: &str) -> String {
        self.format.date.rewrite(rfc3339)
    }

    /// A whole number with this language's digit grouping: `65,000`.
    /// Anything that is not a plain integer is shown as it is.
    pub fn num(&self, n: impl std::fmt::Display) -> String {
        number::group(&n.to_string(), &self.format.thousands)
    }

    /// A speed in bits per second: `1 Gbit/s`, `2.5 Gbit/s`.
    pub fn speed(&self, bps: u64) -> String {
        let u = &self.unit;
        let units = [
            (1_000_000_000_000, u.tbit_s.as_str()),
            (1_000_000_000, u.gbit_s.as_str()),
            (1_000_000, u.mbit_s.as_str()),
            (1_000, u.kbit_s.as_str()),
            (1, u.bit_s.as_str()),
        ];
        self.scaled(bps, &units)
    }

    /// A size in bytes: `512 MiB`, `1.5 GiB`.
    pub fn bytes(&self, n: u64) -> String {
        let u = &self.unit;
        let units = [
            (1 << 40, u.tib.as_str()),
            (1 << 30, u.gib.as_str()),
            (1 << 20, u.mib.as_str()),
            (1 << 10, u.kib.as_str()),
            (1, u.byte.as_str()),
        ];
        self.scaled(n, &units)
    }

    fn scaled(&self, n: u64, units: &[(u64, &str)]) -> String {
        let (size, unit) = units
            .iter()
            .copied()
            .find(|(size, _)| n >= *size)
            .unwrap_or((1, units.last().map_or("", |u| u.1)));
        let shown = number::decimal(n, size, 2, &self.format.thousands, &self.format.decimal);
        self.format
            .quantity
            .fill(&[("n", shown.as_str()), ("unit", unit)])
    }

    /// A percentage: `85%`.
    pub fn percent(&self, n: impl std::fmt::Display) -> String {
        self.format.percent.n(&n.to_string())
    }

    /// A duration in hundredths of a second (sysUpTime) as days, hours and
    /// minutes.
    pub fn uptime(&self, ticks: u32) -> String {
        let mins = u64::from(ticks) / 6_000;
        let (d, h, m) = (mins / 1440, mins % 1440 / 60, mins % 60);
        self.format.duration.fill(&[
            ("d", &self.num(d)),
            ("h", &h.to_string()),
            ("m", &m.to_string()),
        ])
    }

    /// How long a run took, from its seconds: `42 s`, `3 min 5 s`, and
    /// from an hour on as days, hours and minutes.
    pub fn run_duration(&self, secs: i64) -> String {
        let secs = u64::try_from(secs).unwrap_or(0);
        if secs < 60 {
            self.format.seconds.n(&secs.to_string())
        } else if secs < 3600 {
            self.format.min_sec.fill(&[
                ("m", &(secs / 60).to_string()),
                ("s", &(secs % 60).to_string()),
            ])
        } else {
            let mins = secs / 60;
            self.format.duration.fill(&[
                ("d", &self.num(mins / 1440)),
                ("h", &(mins % 1440 / 60).to_string()),
                ("m", &(mins % 60).to_string()),
            ])
        }
    }

    /// "1 value" or "N values".
    pub fn values(&self, n: usize) -> String {
        if n == 1 {
            self.one_value.n("1")
        } else {
            self.many_values.n(&self.num(n))
        }
    }

    /// `yes` or `no`.
    pub fn yes_no(&self, b: bool) -> &str {
        if b { &self.yes } else { &self.no }
    }
}

/// Read one catalogue: typed (every field present, no unknown key, each
/// pattern valid), then every value checked non-empty. Returns the labels
/// and the catalogue's keys, dotted (`columns.interfaces.speed_bps`).
pub(super) fn parse(
    file: &'static str,
    text: &str,
) -> Result<(Labels, Vec<String>), CatalogueError> {
    let err = |detail: String| CatalogueError { file, detail };
    let labels: Labels = toml::from_str(text).map_err(|e| err(e.to_string().trim().to_string()))?;
    let table: toml::Table = toml::from_str(text).map_err(|e| err(e.to_string()))?;
    let mut keys = Vec::new();
    walk(&table, "", &mut keys).map_err(err)?;
    Ok((labels, keys))
}

/// Collect the dotted keys under `t`; an error for an empty or non-text value.
fn walk(t: &toml::Table, prefix: &str, out: &mut Vec<String>) -> Result<(), String> {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => walk(inner, &key, out)?,
            toml::Value::String(s) if s.is_empty() => {
                return Err(format!("`{key}` is empty; give it its text"));
            }
            toml::Value::String(_) => out.push(key),
            _ => return Err(format!("`{key}` is not text; quote it")),
        }
    }
    Ok(())
}
