//! The origin report (信创): devices by origin (domestic, foreign,
//! unknown) overall, by asset-register category, by class and by vendor,
//! with counts and percentages; the trend over past runs; the
//! unknown-origin devices with the evidence behind them, so someone can
//! resolve them. Pure: counted rows in ([`crate::store`] reads them), a
//! report out, as JSON ([`OriginReport::to_json`]) and as bilingual tables
//! ([`OriginReport::summary_table`] and friends) for CSV and XLSX.
//!
//! Two domestic ratios, named apart everywhere: `of_all` divides by every
//! device (unknowns in the denominator: the cautious figure), `of_known`
//! divides by the devices whose origin is known (unknowns left out).

use serde::Serialize;
use serde_json::json;

/// An origin as counted: what `devices.vendor_origin` says, anything but
/// `domestic` and `foreign` being unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A mainland-Chinese vendor.
    Domestic,
    /// Any other vendor.
    Foreign,
    /// Not known (no vendor, or no registry places it).
    Unknown,
}

impl Origin {
    /// From a stored `vendor_origin`.
    pub fn from_stored(v: Option<&str>) -> Origin {
        match v {
            Some("domestic") => Origin::Domestic,
            Some("foreign") => Origin::Foreign,
            _ => Origin::Unknown,
        }
    }

    /// As stored in `origin_snapshots`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Domestic => "domestic",
            Origin::Foreign => "foreign",
            Origin::Unknown => "unknown",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Origin::Domestic => "国产",
            Origin::Foreign => "国外",
            Origin::Unknown => "未知",
        }
    }
}

/// The category a Chinese asset register files a class under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// As registers write it (网络设备, 服务器 ...).
    pub zh: &'static str,
    /// In English.
    pub en: &'static str,
}

/// A Pandian class (one of [`crate::fingerprint::CLASSES`]) as asset
/// registers name it: the register's category and the class's own
/// Chinese name. None for a class this table does not know (a test
/// checks every class is here).
pub fn class_names(class: &str) -> Option<(Category, &'static str)> {
    const NET: Category = Category {
        zh: "网络设备",
        en: "Network equipment",
    };
    const SEC: Category = Category {
        zh: "安全设备",
        en: "Security equipment",
    };
    const SRV: Category = Category {
        zh: "服务器",
        en: "Servers",
    };
    const STO: Category = Category {
        zh: "存储设备",
        en: "Storage equipment",
    };
    const TERM: Category = Category {
        zh: "终端设备",
        en: "End-user devices",
    };
    const PRN: Category = Category {
        zh: "打印设备",
        en: "Printing equipment",
    };
    const CAM: Category = Category {
        zh: "视频监控设备",
        en: "Video surveillance equipment",
    };
    const PWR: Category = Category {
        zh: "不间断电源/动力设备",
        en: "UPS and power equipment",
    };
    const OTHER: Category = Category {
        zh: "其他设备",
        en: "Other equipment",
    };
    Some(match class {
        "switch" => (NET, "交换机"),
        "router" => (NET, "路由器"),
        "wireless" => (NET, "无线网络设备"),
        "load-balancer" => (NET, "负载均衡设备"),
        "firewall" => (SEC, "防火墙"),
        "server" => (SRV, "服务器"),
        "storage" => (STO, "存储设备"),
        "workstation" => (TERM, "计算机终端"),
        "phone" => (TERM, "IP 电话"),
        "printer" => (PRN, "打印机"),
        "camera" => (CAM, "网络摄像机"),
        "ups" => (PWR, "不间断电源"),
        "pdu" => (PWR, "配电单元"),
        "environment" => (PWR, "动力环境监控设备"),
        "media" => (TERM, "影音终端设备"),
        "other" => (OTHER, "其他设备"),
        _ => return None,
    })
}

/// The category of devices whose class is not known.
pub const UNCLASSIFIED: Category = Category {
    zh: "未识别类型",
    en: "Class not identified",
};

/// A class's register category, [`UNCLASSIFIED`] for '' and unknown ones.
pub fn category(class: &str) -> Category {
    class_names(class).map_or(UNCLASSIFIED, |(c, _)| c)
}

/// A class's Chinese name ('' and classes not listed: 未识别).
pub fn class_zh(class: &str) -> &'static str {
    class_names(class).map_or("未识别", |(_, zh)| zh)
}

/// Live devices with one origin, class and vendor, as the store counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// Their origin.
    pub origin: Origin,
    /// Their class ('' when unknown).
    pub class: String,
    /// Their vendor ('' when unknown).
    pub vendor: String,
    /// How many.
    pub devices: u64,
}

/// One run's snapshot, summed over class and vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// The run.
    pub run_id: i64,
    /// Its timestamp (RFC 3339).
    pub time: String,
    /// Its job.
    pub job: String,
    /// Domestic devices it saw.
    pub domestic: u64,
    /// Foreign devices it saw.
    pub foreign: u64,
    /// Devices of unknown origin it saw.
    pub unknown: u64,
}

/// One piece of evidence about a device's vendor or origin, from its
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginEvidence {
    /// `vendor` or `vendor_origin`.
    pub field: String,
    /// The value given.
    pub value: String,
    /// The source (a rule, a registry).
    pub rule: String,
    /// The facts it looked at, as `source: value`.
    pub facts: Vec<String>,
}

/// A live device whose origin is unknown, with what is known about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownDevice {
    /// Device id (the page's `/devices/ID`).
    pub id: i64,
    /// Its address.
    pub ip: Option<String>,
    /// Its MAC.
    pub mac: Option<String>,
    /// The MAC block's registered organisation.
    pub mac_vendor: Option<String>,
    /// Reverse-DNS name.
    pub hostname: Option<String>,
    /// SNMP sysName.
    pub sys_name: Option<String>,
    /// SNMP sysObjectID.
    pub sys_object_id: Option<String>,
    /// SNMP sysDescr.
    pub sys_descr: Option<String>,
    /// Class, when known.
    pub class: Option<String>,
    /// Vendor, when known.
    pub vendor: Option<String>,
    /// When it was last seen.
    pub last_seen: String,
    /// The fingerprint's vendor and origin evidence.
    pub evidence: Vec<OriginEvidence>,
}

/// Why a device's origin is unknown: what Pandian lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownWhy<'a> {
    /// No vendor: the agent's sysObjectID names none Pandian knows.
    Oid(&'a str),
    /// No vendor: the MAC block is no known brand's and no agent answered.
    Mac(&'a str),
    /// No vendor, no MAC, no agent.
    Nothing,
    /// A vendor no registry places.
    Vendor(&'a str),
}

impl UnknownWhy<'_> {
    /// Its name (the page's catalogues key their sentences by it).
    pub fn key(self) -> &'static str {
        match self {
            UnknownWhy::Oid(_) => "oid",
            UnknownWhy::Mac(_) => "mac",
            UnknownWhy::Nothing => "nothing",
            UnknownWhy::Vendor(_) => "vendor",
        }
    }

    /// The config lines that would place the device (a `[[vendor]]`
    /// entry; '' when config cannot help). Config syntax: the same in
    /// every language.
    pub fn config_hint(self) -> String {
        match self {
            UnknownWhy::Oid(oid) => {
                let pen = oid
                    .trim_start_matches('.')
                    .strip_prefix("1.3.6.1.4.1.")
                    .and_then(|rest| rest.split('.').next())
                    .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                match pen {
                    Some(n) => format!("[[vendor]]\nbrand = \"…\"\nenterprise_numbers = [{n}]"),
                    None => "[[vendor]]\nbrand = \"…\"\nenterprise_numbers = […]".to_string(),
                }
            }
            UnknownWhy::Mac(mac) => {
                let oui: String = mac.split([':', '-']).take(3).collect::<Vec<_>>().join(":");
                format!("[[vendor]]\nbrand = \"…\"\nouis = [\"{oui}\"]")
            }
            UnknownWhy::Nothing => String::new(),
            UnknownWhy::Vendor(v) => format!(
                "[[vendor]]\nbrand = \"{}\"\norigin = \"domestic\"  # or \"foreign\"",
                v.replace(['"', '\\'], "")
            ),
        }
    }

    /// Every key, for the catalogues' completeness test.
    pub const KEYS: [&'static str; 4] = ["oid", "mac", "nothing", "vendor"];
}

impl UnknownDevice {
    /// What is missing that would place it.
    pub fn why(&self) -> UnknownWhy<'_> {
        match (&self.vendor, &self.sys_object_id, &self.mac) {
            (Some(v), _, _) => UnknownWhy::Vendor(v),
            (None, Some(oid), _) => UnknownWhy::Oid(oid),
            (None, None, Some(mac)) => UnknownWhy::Mac(mac),
            (None, None, None) => UnknownWhy::Nothing,
        }
    }

    /// Why the origin is unknown, in English and Chinese, and what would
    /// resolve it (the exports' bilingual column).
    pub fn reason(&self) -> (String, String) {
        match (&self.vendor, &self.sys_object_id, &self.mac) {
            (None, Some(oid), _) => (
                format!(
                    "no vendor identified: the SNMP agent's sysObjectID {oid} names no vendor Pandian knows; add its enterprise number to a [[vendor]] entry (enterprise_numbers)"
                ),
                format!("未识别出厂商：SNMP 的 sysObjectID {oid} 不对应已知厂商；请在 [[vendor]] 的 enterprise_numbers 中登记"),
            ),
            (None, None, Some(mac)) => (
                format!(
                    "no vendor identified: the MAC block of {mac} is not registered to a known brand and no SNMP agent answered; give the device SNMP access or add its MAC block to a [[vendor]] entry (ouis)"
                ),
                format!("未识别出厂商：MAC {mac} 的地址段未对应已知厂商，且无 SNMP 应答；请为该设备开通 SNMP，或在 [[vendor]] 的 ouis 中登记"),
            ),
            (None, None, None) => (
                "no vendor identified: no MAC address known (the device is not on a segment Pandian sweeps with ARP) and no SNMP agent answered; give the device SNMP access or scan its segment directly"
                    .to_string(),
                "未识别出厂商：不知道其 MAC 地址（不在以 ARP 扫描的网段上），且无 SNMP 应答；请为该设备开通 SNMP，或直接扫描其所在网段".to_string(),
            ),
            (Some(v), _, _) => (
                format!(
                    "vendor {v} is not placed by any registry; set its origin in a [[vendor]] entry (brand = \"{v}\", origin = \"domestic\" or \"foreign\")"
                ),
                format!("厂商 {v} 的产地无法从登记信息确定；请在 [[vendor]] 中设置其 origin"),
            ),
        }
    }
}

/// Counts of the three origins in one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    /// Domestic.
    pub domestic: u64,
    /// Foreign.
    pub foreign: u64,
    /// Unknown.
    pub unknown: u64,
}

/// `part` of `whole` in percent, rounded to one decimal (half up, in
/// integers so the figures add up as printed); None when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    Some(tenths as f64 / 10.0)
}

/// A percentage as tables print it (`41.7`), '' when undefined.
pub fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(String::new, |p| format!("{p:.1}"))
}

impl Split {
    fn add(&mut self, origin: Origin, n: u64) {
        let slot = match origin {
            Origin::Domestic => &mut self.domestic,
            Origin::Foreign => &mut self.foreign,
            Origin::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add(n);
    }

    /// Every device in the group.
    pub fn total(&self) -> u64 {
        self.domestic
            .saturating_add(self.foreign)
            .saturating_add(self.unknown)
    }

    /// The count of `o`.
    pub fn count(&self, o: Origin) -> u64 {
        match o {
            Origin::Domestic => self.domestic,
            Origin::Foreign => self.foreign,
            Origin::Unknown => self.unknown,
        }
    }

    /// Domestic ÷ every device (unknowns in the denominator), in percent.
    pub fn domestic_of_all(&self) -> Option<f64> {
        percent(self.domestic, self.total())
    }

    /// Domestic ÷ (domestic + foreign) (unknowns left out), in percent.
    pub fn domestic_of_known(&self) -> Option<f64> {
        percent(self.domestic, self.domestic.saturating_add(self.foreign))
    }

    /// `{"devices", "domestic": {"count", "percent"}, ..., "domestic_ratio"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let total = self.total();
        let one =
            |o: Origin| json!({ "count": self.count(o), "percent": percent(self.count(o), total) });
        json!({
            "devices": total,
            "domestic": one(Origin::Domestic),
            "foreign": one(Origin::Foreign),
            "unknown": one(Origin::Unknown),
            "domestic_ratio": {
                "of_all": self.domestic_of_all(),
                "of_known": self.domestic_of_known(),
            },
        })
    }
}

/// The report.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginReport {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// The state it describes: devices first seen up to this time (None:
    /// every live device).
    pub as_of: Option<String>,
    /// Every live device.
    pub overall: Split,
    /// By register category, in the order of most devices first.
    pub by_category: Vec<(Category, Split)>,
    /// By class ('' when unknown), most devices first.
    pub by_class: Vec<(String, Split)>,
    /// By vendor ('' when unknown), most devices first.
    pub by_vendor: Vec<(String, Split)>,
    /// Past runs, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Unknown-origin devices (at most the store's bound).
    pub unknowns: Vec<UnknownDevice>,
    /// How many unknown-origin devices there are in all.
    pub unknown_total: u64,
}

/// What the two ratios mean, in both languages (in every export).
pub const RATIO_NOTE_EN: &str = "Domestic % of all = domestic / all devices (unknown origin counted in the denominator). Domestic % of known = domestic / (domestic + foreign) (unknown origin left out).";
/// [`RATIO_NOTE_EN`] in Chinese.
pub const RATIO_NOTE_ZH: &str = "国产率（含未知）= 国产设备数 / 全部设备数（产地未知的设备计入分母）；国产率（不含未知）= 国产设备数 / （国产 + 国外）设备数（产地未知的设备不计入分母）。";

/// Most devices first; on a tie the unknown ('') group last, then by name.
fn sorted(map: std::collections::BTreeMap<String, Split>) -> Vec<(String, Split)> {
    let mut v: Vec<(String, Split)> = map.into_iter().collect();
    v.sort_by(|(a, x), (b, y)| {
        y.total()
            .cmp(&x.total())
            .then(a.is_empty().cmp(&b.is_empty()))
            .then(a.cmp(b))
    });
    v
}

/// Every header the summary table has, Chinese and English in one cell.
pub const SUMMARY_HEADER: &[&str] = &[
    "维度 / Dimension",
    "名称 / Name",
    "中文名称 / Name (zh)",
    "设备数 / Devices",
    "国产 / Domestic",
    "国外 / Foreign",
    "未知 / Unknown",
    "国产占比% / Domestic %",
    "国外占比% / Foreign %",
    "未知占比% / Unknown %",
    "国产率%（含未知）/ Domestic % of all (unknowns in denominator)",
    "国产率%（不含未知）/ Domestic % of known (unknowns left out)",
];

/// The trend table's headers.
pub const TREND_HEADER: &[&str] = &[
    "扫描编号 / Run",
    "时间 / Time (UTC)",
    "任务 / Job",
    "设备数 / Devices",
    "国产 / Domestic",
    "国外 / Foreign",
    "未知 / Unknown",
    "国产率%（含未知）/ Domestic % of all",
    "国产率%（不含未知）/ Domestic % of known",
];

/// The unknown-origin table's headers.
pub const UNKNOWN_HEADER: &[&str] = &[
    "设备编号 / Device",
    "IP 地址 / IP",
    "MAC 地址 / MAC",
    "MAC 厂商 / MAC vendor",
    "主机名 / Hostname",
    "sysName",
    "sysObjectID",
    "sysDescr",
    "类型 / Class",
    "厂商 / Vendor",
    "最近发现 / Last seen",
    "原因 / Why unknown",
    "原因（中文）/ Why unknown (zh)",
    "依据 / Evidence",
];

impl OriginReport {
    /// Build the report from the store's counts, trend and unknowns.
    pub fn build(
        generated_at: &str,
        as_of: Option<&str>,
        counted: &[Counted],
        trend: Vec<TrendPoint>,
        unknowns: Vec<UnknownDevice>,
    ) -> OriginReport {
        use std::collections::BTreeMap;
        let mut overall = Split::default();
        let mut by_cat: BTreeMap<&'static str, (Category, Split)> = BTreeMap::new();
        let mut by_class: BTreeMap<String, Split> = BTreeMap::new();
        let mut by_vendor: BTreeMap<String, Split> = BTreeMap::new();
        for c in counted {
            overall.add(c.origin, c.devices);
            let cat = category(&c.class);
            by_cat
                .entry(cat.zh)
                .or_insert((cat, Split::default()))
                .1
                .add(c.origin, c.devices);
            by_class
                .entry(c.class.clone())
                .or_default()
                .add(c.origin, c.devices);
            by_vendor
                .entry(c.vendor.clone())
                .or_default()
                .add(c.origin, c.devices);
        }
        let mut by_category: Vec<(Category, Split)> = by_cat.into_values().collect();
        by_category.sort_by_key(|(c, s)| (std::cmp::Reverse(s.total()), c.en));
        OriginReport {
            generated_at: generated_at.to_string(),
            as_of: as_of.map(str::to_string),
            unknown_total: overall.unknown,
            overall,
            by_category,
            by_class: sorted(by_class),
            by_vendor: sorted(by_vendor),
            trend,
            unknowns,
        }
    }

    /// The API's JSON (`GET /api/v1/report/origin`).
    pub fn to_json(&self) -> serde_json::Value {
        let row = |extra: serde_json::Value, s: &Split| {
            let mut v = s.to_json();
            if let (Some(obj), serde_json::Value::Object(add)) = (v.as_object_mut(), extra) {
                for (k, x) in add {
                    obj.insert(k, x);
                }
            }
            v
        };
        json!({
            "generated_at": self.generated_at,
            "as_of": self.as_of,
            "ratio_note": { "en": RATIO_NOTE_EN, "zh": RATIO_NOTE_ZH },
            "overall": self.overall.to_json(),
            "by_origin": {
                "domestic": { "count": self.overall.domestic, "percent": percent(self.overall.domestic, self.overall.total()) },
                "foreign": { "count": self.overall.foreign, "percent": percent(self.overall.foreign, self.overall.total()) },
                "unknown": { "count": self.overall.unknown, "percent": percent(self.overall.unknown, self.overall.total()) },
            },
            "by_category": self.by_category.iter().map(|(c, s)| row(json!({"category_zh": c.zh, "category_en": c.en}), s)).collect::<Vec<_>>(),
            "by_class": self.by_class.iter().map(|(class, s)| {
                let cat = category(class);
                row(json!({
                    "class": if class.is_empty() { None } else { Some(class) },
                    "class_zh": class_zh(class),
                    "category_zh": cat.zh,
                    "category_en": cat.en,
                }), s)
            }).collect::<Vec<_>>(),
            "by_vendor": self.by_vendor.iter().map(|(v, s)| row(json!({"vendor": if v.is_empty() { None } else { Some(v) }}), s)).collect::<Vec<_>>(),
            "trend": self.trend.iter().map(|t| {
                let s = Split { domestic: t.domestic, foreign: t.foreign, unknown: t.unknown };
                row(json!({"run_id": t.run_id, "time": t.time, "job": t.job}), &s)
            }).collect::<Vec<_>>(),
            "unknowns": {
                "total": self.unknown_total,
                "listed": self.unknowns.len(),
                "items": self.unknowns.iter().map(|u| {
                    let (en, zh) = u.reason();
                    let mut v = serde_json::to_value(u).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("reason".into(), json!({"en": en, "zh": zh}));
                    }
                    v
                }).collect::<Vec<_>>(),
            },
        })
    }

    fn split_cells(s: &Split) -> Vec<String> {
        let total = s.total();
        vec![
            total.to_string(),
            s.domestic.to_string(),
            s.foreign.to_string(),
            s.unknown.to_string(),
            percent_text(percent(s.domestic, total)),
            percent_text(percent(s.foreign, total)),
            percent_text(percent(s.unknown, total)),
            percent_text(s.domestic_of_all()),
            percent_text(s.domestic_of_known()),
        ]
    }

    /// The summary as one table (header first): the whole, each register
    /// category, each class, each vendor.
    pub fn summary_table(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> =
            vec![SUMMARY_HEADER.iter().map(|h| (*h).to_string()).collect()];
        let mut push = |dim: &str, name: &str, zh: &str, s: &Split| {
            let mut r = vec![dim.to_string(), name.to_string(), zh.to_string()];
            r.extend(Self::split_cells(s));
            rows.push(r);
        };
        push("合计 / Total", "all devices", "全部设备", &self.overall);
        for (c, s) in &self.by_category {
            push("资产类别 / Category", c.en, c.zh, s);
        }
        for (class, s) in &self.by_class {
            let name = if class.is_empty() { "unknown" } else { class };
            push("设备类型 / Class", name, class_zh(class), s);
        }
        for (v, s) in &self.by_vendor {
            let (name, zh) = if v.is_empty() {
                ("unknown", "未识别厂商")
            } else {
                (v.as_str(), v.as_str())
            };
            push("厂商 / Vendor", name, zh, s);
        }
        rows
    }

    /// The trend as a table (header first), oldest run first.
    pub fn trend_table(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> =
            vec![TREND_HEADER.iter().map(|h| (*h).to_string()).collect()];
        for t in &self.trend {
            let s = Split {
                domestic: t.domestic,
                foreign: t.foreign,
                unknown: t.unknown,
            };
            rows.push(vec![
                t.run_id.to_string(),
                t.time.clone(),
                t.job.clone(),
                s.total().to_string(),
                t.domestic.to_string(),
                t.foreign.to_string(),
                t.unknown.to_string(),
                percent_text(s.domestic_of_all()),
                percent_text(s.domestic_of_known()),
            ]);
        }
        rows
    }

    /// The unknown-origin devices as a table (header first).
    pub fn unknown_table(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> =
            vec![UNKNOWN_HEADER.iter().map(|h| (*h).to_string()).collect()];
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        for u in &self.unknowns {
            let (en, zh) = u.reason();
            let evidence: Vec<String> = u
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{} = {} ({}{}{})",
                        e.field,
                        e.value,
                        e.rule,
                        if e.facts.is_empty() { "" } else { ": " },
                        e.facts.join("; ")
                    )
                })
                .collect();
            rows.push(vec![
                u.id.to_string(),
                s(&u.ip),
                s(&u.mac),
                s(&u.mac_vendor),
                s(&u.hostname),
                s(&u.sys_name),
                s(&u.sys_object_id),
                s(&u.sys_descr),
                u.class.clone().unwrap_or_default(),
                s(&u.vendor),
                u.last_seen.clone(),
                en,
                zh,
                evidence.join("\n"),
            ]);
        }
        rows
    }

    /// What the report is and what its ratios mean, a row per line
    /// (Chinese, English).
    pub fn notes_table(&self) -> Vec<Vec<String>> {
        let mut rows = vec![
            vec!["说明 / Note".to_string(), String::new()],
            vec![
                "生成时间 / Generated (UTC)".into(),
                self.generated_at.clone(),
            ],
            vec![
                "截至 / As of (UTC)".into(),
                self.as_of
                    .clone()
                    .unwrap_or_else(|| "全部在用设备 / every live device".into()),
            ],
            vec!["国产率 / Domestic ratio".into(), RATIO_NOTE_ZH.into()],
            vec![String::new(), RATIO_NOTE_EN.into()],
        ];
        if self.unknowns.len() as u64 != self.unknown_total {
            rows.push(vec![
                "未知产地 / Unknown origin".into(),
                format!(
                    "列出 {} 台，共 {} 台 / {} listed of {}",
                    self.unknowns.len(),
                    self.unknown_total,
                    self.unknowns.len(),
                    self.unknown_total
                ),
            ]);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(origin: Origin, class: &str, vendor: &str, devices: u64) -> Counted {
        Counted {
            origin,
            class: class.into(),
            vendor: vendor.into(),
            devices,
        }
    }

    #[test]
    fn origin_report_names_every_class_as_registers_do() {
        for class in crate::fingerprint::CLASSES {
            let (cat, zh) = class_names(class).unwrap_or_else(|| panic!("{class} not mapped"));
            assert!(!cat.zh.is_empty() && !cat.en.is_empty() && !zh.is_empty());
            assert!(
                zh.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                "{class}: {zh}"
            );
        }
        let table = [
            ("switch", "网络设备"),
            ("router", "网络设备"),
            ("firewall", "安全设备"),
            ("server", "服务器"),
            ("workstation", "终端设备"),
            ("printer", "打印设备"),
            ("camera", "视频监控设备"),
            ("ups", "不间断电源/动力设备"),
            ("", "未识别类型"),
            ("toaster", "未识别类型"),
        ];
        for (class, want) in table {
            assert_eq!(category(class).zh, want, "{class}");
        }
    }

    #[test]
    fn origin_percentages_round_half_up_and_state_both_ratios() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(5, 5), Some(100.0));
        let s = Split {
            domestic: 2,
            foreign: 1,
            unknown: 1,
        };
        assert_eq!(s.domestic_of_all(), Some(50.0));
        assert_eq!(s.domestic_of_known(), Some(66.7));
        let only_unknown = Split {
            unknown: 3,
            ..Split::default()
        };
        assert_eq!(only_unknown.domestic_of_all(), Some(0.0));
        assert_eq!(only_unknown.domestic_of_known(), None);
    }

    #[test]
    fn origin_report_groups_by_category_class_and_vendor() {
        let counted = [
            c(Origin::Domestic, "switch", "Huawei", 3),
            c(Origin::Domestic, "router", "Huawei", 1),
            c(Origin::Foreign, "switch", "Cisco", 2),
            c(Origin::Unknown, "", "", 2),
        ];
        let r = OriginReport::build("2026-12-01T00:00:00Z", None, &counted, vec![], vec![]);
        assert_eq!(r.overall.total(), 8);
        assert_eq!(r.unknown_total, 2);
        assert_eq!(r.by_category[0].0.zh, "网络设备");
        assert_eq!(
            r.by_category[0].1,
            Split {
                domestic: 4,
                foreign: 2,
                unknown: 0
            }
        );
        assert_eq!(r.by_class[0].0, "switch");
        assert_eq!(r.by_class[0].1.total(), 5);
        assert_eq!(r.by_vendor[0].0, "Huawei");
        let j = r.to_json();
        assert_eq!(j["by_origin"]["domestic"]["count"], 4);
        assert_eq!(j["by_origin"]["domestic"]["percent"], 50.0);
        assert_eq!(j["overall"]["domestic_ratio"]["of_all"], 50.0);
        assert_eq!(j["overall"]["domestic_ratio"]["of_known"], 66.7);
        assert_eq!(j["by_class"][0]["category_zh"], "网络设备");
        assert_eq!(j["by_class"][0]["domestic"]["count"], 3);
        assert_eq!(j["by_vendor"][1]["vendor"], "Cisco");
        assert_eq!(j["by_vendor"][1]["foreign"]["percent"], 100.0);
        let rows = r.summary_table();
        assert_eq!(rows[0].len(), SUMMARY_HEADER.len());
        assert!(rows.iter().all(|row| row.len() == SUMMARY_HEADER.len()));
        assert_eq!(rows[1][3], "8");
        assert_eq!(rows[1][10], "50.0");
        assert_eq!(rows[1][11], "66.7");
    }

    #[test]
    fn unknown_devices_say_why_and_what_to_do() {
        let u = UnknownDevice {
            id: 7,
            ip: Some("198.51.100.9".into()),
            mac: None,
            mac_vendor: None,
            hostname: None,
            sys_name: None,
            sys_object_id: None,
            sys_descr: None,
            class: None,
            vendor: None,
            last_seen: "2026-12-01T00:00:00Z".into(),
            evidence: vec![],
        };
        assert!(u.reason().0.contains("no MAC address known") && u.reason().1.contains("厂商"));
        let with_mac = UnknownDevice {
            mac: Some("02:00:00:00:00:01".into()),
            ..u.clone()
        };
        assert!(with_mac.reason().0.contains("ouis"));
        let with_agent = UnknownDevice {
            sys_object_id: Some("1.3.6.1.4.1.99999.1".into()), // not in the compiled MIBs
            ..with_mac.clone()
        };
        assert!(with_agent.reason().0.contains("enterprise_numbers"));
        let named = UnknownDevice {
            vendor: Some("Carnegie Mellon".into()),
            ..u.clone()
        };
        assert!(named.reason().0.contains("Carnegie Mellon"));
        let r = OriginReport::build("t", None, &[c(Origin::Unknown, "", "", 2)], vec![], vec![u]);
        assert_eq!(r.unknown_table().len(), 2);
        assert!(
            r.notes_table()
                .iter()
                .any(|row| row[1].contains("1 listed of 2"))
        );
    }
}
