//! What the templates see: plain strings pulled out of the read model, in
//! the page's language ([`Ctx`]): stored values by their catalogue names
//! (the raw value as the title), times and numbers in the reader's format.

use super::i18n::{Ctx, Labels};
use super::snmp_view::{self, Cell, TableView};
use crate::store::Overview;
use crate::store::read::{DeviceDetail, DeviceRow, Held};
use askama::Template;
use serde_json::Value;

/// A stored time: as the reader writes it, and as stored (RFC 3339, the
/// title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct When {
    pub shown: String,
    pub raw: String,
}

impl When {
    pub fn of(l: &Labels, raw: &str) -> When {
        When {
            shown: l.time(raw),
            raw: raw.to_string(),
        }
    }

    /// The day only (the exact time stays in the title), for lists.
    pub fn day(l: &Labels, raw: &str) -> When {
        When {
            shown: l.day(raw),
            raw: raw.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "index.html")]
pub(super) struct IndexPage {
    pub c: Ctx,
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
    /// The `sort` asked for ('' for the default, by address).
    pub sort: String,
    pub job: String,
    pub finding: String,
    /// The `since` as asked (a day or a time).
    pub since: String,
    /// The jobs the job filter offers (the configured ones, and the one
    /// asked for).
    pub jobs: Vec<String>,
    /// The finding kinds the finding filter offers.
    pub kinds: &'static [&'static str],
    /// The page's filters as a query (no `sort`, `after` or `lang`), for
    /// the column headings' sort links.
    pub filters: String,
}

/// The sort keys the list's headings offer, and whether each sorts
/// newest (descending) first on the first click.
pub(super) const SORTABLE: [(&str, bool); 7] = [
    ("ip", false),
    ("hostname", false),
    ("class", false),
    ("vendor", false),
    ("model", false),
    ("first_seen", true),
    ("last_seen", true),
];

impl IndexPage {
    /// The origins the filter offers.
    pub fn origins(&self) -> [&'static str; 3] {
        ["domestic", "foreign", "unknown"]
    }

    /// The sort in effect: (key, descending).
    fn current_sort(&self) -> (&str, bool) {
        match self.sort.as_str() {
            "" => ("ip", false),
            s => s.strip_prefix('-').map_or((s, false), |k| (k, true)),
        }
    }

    /// The heading link that sorts by `key`: the other way when the list
    /// is sorted by it already, else its first direction. Keeps the
    /// filters and the chosen language; starts at the first page.
    pub fn sort_href(&self, key: &str) -> String {
        let (now, desc) = self.current_sort();
        let first_desc = SORTABLE.iter().any(|(k, d)| *k == key && *d);
        let want_desc = if now == key { !desc } else { first_desc };
        let sort = if want_desc {
            format!("-{key}")
        } else {
            key.to_string()
        };
        let mut q = self.filters.clone();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("sort=");
        q.push_str(&sort);
        if self.c.explicit() {
            q.push_str("&lang=");
            q.push_str(self.c.param());
        }
        format!("/?{q}")
    }

    /// `▲` or `▼` after the heading the list is sorted by, else ''.
    pub fn sort_mark(&self, key: &str) -> &'static str {
        match self.current_sort() {
            (k, false) if k == key => " ▲",
            (k, true) if k == key => " ▼",
            _ => "",
        }
    }

    /// `aria-sort` of a heading.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        match self.current_sort() {
            (k, false) if k == key => "ascending",
            (k, true) if k == key => "descending",
            _ => "none",
        }
    }
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
    /// The sysName says more than the hostname's first label (the list
    /// shows it under the hostname).
    pub sys_name_differs: bool,
    pub class: String,
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub os: String,
    pub origin: String,
    pub seen_by: Vec<String>,
    pub first_seen: When,
    pub last_seen: When,
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
    pub fn from_row(l: &Labels, r: &DeviceRow) -> DeviceView {
        let id = &r.identity;
        let hostname = opt(&r.hostname);
        let sys_name = r
            .snmp
            .as_ref()
            .map(|s| opt(&s.sys_name))
            .unwrap_or_default();
        let first_label = hostname.split('.').next().unwrap_or("");
        DeviceView {
            sys_name_differs: !sys_name.is_empty() && !sys_name.eq_ignore_ascii_case(first_label),
            hostname,
            sys_name,
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
            class: text(id, "class"),
            vendor: text(id, "vendor"),
            model: text(id, "model"),
            serial: text(id, "serial"),
            os: text(id, "os"),
            origin: text(id, "vendor_origin"),
            seen_by: r
                .seen_by
                .iter()
                .map(|s| l.source.of(s).to_string())
                .collect(),
            first_seen: When::day(l, &r.first_seen),
            last_seen: When::day(l, &r.last_seen),
        }
    }
}

/// An error page (404, 400) in the reader's language.
#[derive(Template)]
#[template(path = "error.html")]
pub(super) struct ErrorPage {
    pub c: Ctx,
    /// The HTTP status, shown in the heading.
    pub status: u16,
    /// The html id of the message (`not-found`, `bad-request`).
    pub id: &'static str,
    pub message: String,
    /// What exactly was wrong, or empty: the reason on English pages (the
    /// store's reasons are English), else what the reader asked for.
    pub detail: String,
    /// The reason, as the detail's title on other pages.
    pub detail_title: String,
}

/// One row of the identity table: label, the MIB object behind it (title),
/// and the value.
pub(super) struct KvRow {
    pub label: String,
    pub title: &'static str,
    pub value: Cell,
}

/// One address or MAC the device held.
pub(super) struct HeldView {
    pub kind: String,
    pub value: String,
    pub first: When,
    pub last: When,
    pub active: bool,
}

pub(super) struct EvidenceView {
    pub field: Cell,
    pub value: String,
    pub rule: String,
    /// (source, value): an OID as its MIB name with the OID as the title.
    pub facts: Vec<(Cell, Cell)>,
}

pub(super) struct LogView {
    pub time: When,
    pub kind: Cell,
    pub other: String,
    pub strength: Cell,
    pub facts: String,
}

pub(super) struct KeyView {
    pub kind: Cell,
    pub value: String,
    pub first: When,
    pub last: When,
}

pub(super) struct HistoryView {
    pub first: When,
    pub last: When,
    pub source: Cell,
    pub key: Cell,
    pub value: Cell,
}

pub(super) struct AnnouncedView {
    pub source: Cell,
    pub key: Cell,
    pub value: String,
    pub last: When,
}

#[derive(Template)]
#[template(path = "device.html")]
pub(super) struct DevicePage {
    pub c: Ctx,
    pub id: i64,
    pub ip: String,
    pub identity: Vec<KvRow>,
    pub held: Vec<HeldView>,
    pub evidence: Vec<EvidenceView>,
    pub tables: Vec<TableView>,
    pub identity_log: Vec<LogView>,
    pub keys: Vec<KeyView>,
    pub history: Vec<HistoryView>,
    /// What it announced, newest first, each fact once.
    pub announced: Vec<AnnouncedView>,
    /// The asset it was matched to.
    pub asset: Option<super::device_view::AssetSection>,
    /// Whether a register is imported (so "not in it" means something).
    pub register_known: bool,
    /// Its findings, newest first (at most [`DEVICE_FINDINGS`]).
    pub findings: Vec<super::findings_page::FindingView>,
    /// Its findings page.
    pub findings_href: String,
    /// What changed when, newest first.
    pub timeline: Vec<super::device_view::TimelineView>,
}

/// Findings shown on a device's page (its findings page has them all).
pub(super) const DEVICE_FINDINGS: u32 = 20;

/// What a device's page shows beside its detail: the register's match,
/// its findings, its observation rows (for the timeline).
#[derive(Debug, Default)]
pub(super) struct DeviceExtras {
    pub asset: Option<crate::store::assets::AssetRow>,
    pub register_known: bool,
    pub findings: Vec<crate::store::findings::FindingRow>,
    pub values: Vec<crate::store::changes::ObservedValue>,
}

/// A fact's source: an OID shows as `MIB::object.index` (the OID as the
/// title), anything else as it is.
fn source_name(source: &str) -> Cell {
    match crate::facts::Oid::parse(source) {
        Ok(_) => snmp_view::oid_cell(source),
        Err(_) => Cell::code(source),
    }
}

/// A fact's value: one that is an OID (a sysObjectID, a vendor type) as
/// its MIB name with the OID as the title; anything else as it is.
fn fact_value(v: &str) -> Cell {
    // Under iso.org.dod.internet or iso.std.iso8802 (IEEE's LLDP tree).
    let looks_like_oid = crate::facts::Oid::parse(v)
        .is_ok_and(|o| matches!(o.arcs(), [1, 3, 6, 1, _, ..] | [1, 0, 8802, _, ..]));
    if looks_like_oid {
        snmp_view::oid_cell(v)
    } else {
        Cell::data(v)
    }
}

/// A record key: `snmp:<OID>` as the subtree's MIB name, a known key by
/// its catalogue name; the raw key as the title.
pub(super) fn record_key(l: &Labels, key: &str) -> Cell {
    if let Some(oid) = key.strip_prefix("snmp:") {
        return snmp_view::oid_cell(oid).with_title(key);
    }
    match l.fact_key.get(key) {
        Some(name) => Cell::shown(name).with_title(key),
        None => Cell::code(key),
    }
}

/// The facts behind an identity decision (`serial 2011:1023...`), each
/// kind by its name.
fn decision_facts(l: &Labels, facts: &[String]) -> String {
    facts
        .iter()
        .map(|f| {
            let f = crate::text::printable(f);
            match f.split_once(' ') {
                Some((kind, value)) => {
                    match l.key_kind.get(kind).or_else(|| l.fact_key.get(kind)) {
                        Some(name) => format!("{name} {value}"),
                        None => f,
                    }
                }
                None => f,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn held(l: &Labels, kind: &str, list: &[Held]) -> Vec<HeldView> {
    list.iter()
        .map(|h| HeldView {
            kind: kind.to_string(),
            value: crate::text::printable(&h.value),
            first: When::of(l, &h.first_seen),
            last: When::of(l, &h.last_seen),
            active: h.active,
        })
        .collect()
}

/// The identity table: the fingerprint, then the SNMP system group.
fn identity_rows(l: &Labels, d: &DeviceDetail) -> Vec<KvRow> {
    let r = &d.row;
    let id = &r.identity;
    let plain = |label: &str, v: Cell| KvRow {
        label: label.to_string(),
        title: "",
        value: v,
    };
    let data = |v: String| Cell::data(&v);
    let confidence = id
        .get("confidence")
        .and_then(Value::as_f64)
        .filter(|c| c.is_finite() && (0.0..=1.0).contains(c))
        .map(|c| Cell::shown(l.percent(format!("{:.0}", c * 100.0))))
        .unwrap_or_default();
    let first = When::of(l, &r.first_seen);
    let last = When::of(l, &r.last_seen);
    let mut rows = vec![
        plain(&l.ip, Cell::code(&opt(&r.ip))),
        plain(&l.mac, Cell::code(&opt(&r.mac))),
        plain(&l.mac_vendor, data(opt(&r.mac_vendor))),
        plain(&l.hostname, data(opt(&r.hostname))),
        plain(&l.class, Cell::named(&l.class_name, &text(id, "class"))),
        plain(&l.vendor, data(text(id, "vendor"))),
        plain(&l.model, data(text(id, "model"))),
        plain(&l.serial, Cell::code(&text(id, "serial"))),
        plain(&l.os, data(text(id, "os"))),
        plain(&l.firmware, data(text(id, "firmware"))),
        plain(
            &l.origin,
            Cell::named(&l.origin_name, &text(id, "vendor_origin")),
        ),
        plain(&l.confidence, confidence),
        plain(
            &l.first_seen,
            Cell::shown(first.shown).with_title(first.raw),
        ),
        plain(&l.last_seen, Cell::shown(last.shown).with_title(last.raw)),
    ];
    if let Some(s) = &d.snmp {
        use crate::snmp::oids;
        let text_row = |label: &str, k: &oids::Known, v: &Option<String>| KvRow {
            label: label.to_string(),
            title: k.name,
            value: Cell::data(&opt(v)),
        };
        rows.push(text_row(&l.sys_name, &oids::SYS_NAME, &s.sys_name));
        rows.push(text_row(&l.sys_descr, &oids::SYS_DESCR, &s.sys_descr));
        rows.push(KvRow {
            label: l.sys_object_id.clone(),
            title: oids::SYS_OBJECT_ID.name,
            value: s
                .sys_object_id
                .as_deref()
                .map(snmp_view::oid_cell)
                .unwrap_or_default(),
        });
        rows.push(text_row(
            &l.sys_location,
            &oids::SYS_LOCATION,
            &s.sys_location,
        ));
        rows.push(text_row(&l.sys_contact, &oids::SYS_CONTACT, &s.sys_contact));
        rows.push(KvRow {
            label: l.sys_uptime.clone(),
            title: oids::SYS_UPTIME.name,
            value: Cell::shown(s.sys_uptime.map(|t| l.uptime(t)).unwrap_or_default()),
        });
        rows.push(KvRow {
            label: l.memory.clone(),
            title: oids::HR_MEMORY_SIZE.name,
            value: Cell::shown(
                s.memory_kib
                    .map(|k| l.bytes(k.saturating_mul(1024)))
                    .unwrap_or_default(),
            ),
        });
        rows.push(plain(&l.snmp_version, Cell::code(&s.version)));
        rows.push(plain(&l.snmp_credential, Cell::code(&s.credential)));
    }
    rows.retain(|r| !r.value.text.is_empty());
    rows
}

fn evidence_rows(l: &Labels, id: &Value) -> Vec<EvidenceView> {
    let Some(list) = id.get("evidence").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|e| {
            let field = text(e, "field");
            let value = text(e, "value");
            let value = match field.as_str() {
                "class" => l.class_name.of(&value).to_string(),
                "vendor_origin" => l.origin_name.of(&value).to_string(),
                _ => value,
            };
            EvidenceView {
                field: Cell::named(&l.fingerprint_field, &field),
                value,
                rule: text(e, "rule"),
                facts: e
                    .get("facts")
                    .and_then(Value::as_array)
                    .map(|fs| {
                        fs.iter()
                            .map(|f| {
                                (
                                    source_name(&text(f, "source")),
                                    fact_value(&text(f, "value")),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

impl DevicePage {
    pub fn build(c: Ctx, d: &DeviceDetail, x: &DeviceExtras) -> DevicePage {
        let l = c.l;
        let r = &d.row;
        let mut all_held = held(l, &l.ip, &r.addresses);
        all_held.extend(held(l, &l.mac, &r.macs));
        let held_events: Vec<(&'static str, &crate::store::read::Held)> = r
            .addresses
            .iter()
            .map(|h| ("ip", h))
            .chain(r.macs.iter().map(|h| ("mac", h)))
            .collect();
        let timeline = super::timeline::timeline(
            &r.first_seen,
            &held_events,
            &d.identity_log,
            &x.values,
            &x.findings,
        )
        .iter()
        .map(|e| super::device_view::timeline_view(&c, r.id, e))
        .collect();
        DevicePage {
            asset: x
                .asset
                .as_ref()
                .map(|a| super::device_view::AssetSection::of(l, a)),
            register_known: x.register_known,
            findings: super::device_view::findings(&c, &x.findings),
            findings_href: super::device_view::findings_href(&c, r.id, None),
            timeline,
            id: r.id,
            ip: opt(&r.ip),
            identity: identity_rows(l, d),
            held: all_held,
            evidence: evidence_rows(l, &r.identity),
            tables: d
                .snmp
                .as_ref()
                .map(|s| snmp_view::tables(s, l))
                .unwrap_or_default(),
            identity_log: d
                .identity_log
                .iter()
                .map(|e| LogView {
                    time: When::of(l, &e.time),
                    kind: Cell::named(&l.identity_event, &e.kind),
                    other: e.other_device.map(|o| o.to_string()).unwrap_or_default(),
                    strength: Cell::named(&l.strength, &e.strength),
                    facts: decision_facts(l, &e.facts),
                })
                .collect(),
            keys: d
                .keys
                .iter()
                .map(|(k, v, f, la)| KeyView {
                    kind: Cell::named(&l.key_kind, k),
                    value: crate::text::printable(v),
                    first: When::of(l, f),
                    last: When::of(l, la),
                })
                .collect(),
            announced: announced_of(&d.history)
                .into_iter()
                .map(|(s, k, v, last)| AnnouncedView {
                    source: Cell::named(&l.source, &s),
                    key: record_key(l, &k),
                    value: v,
                    last: When::of(l, &last),
                })
                .collect(),
            history: d
                .history
                .iter()
                .map(|(f, la, s, k, v)| {
                    let value = match v.parse::<usize>() {
                        Ok(n) if k.starts_with("snmp:") => Cell::shown(l.values(n)),
                        _ => Cell::data(v),
                    };
                    HistoryView {
                        first: When::of(l, f),
                        last: When::of(l, la),
                        source: Cell::named(&l.source, s),
                        key: record_key(l, k),
                        value,
                    }
                })
                .collect(),
            c,
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
