//! The audit evidence package: one zip holding, in Chinese and English,
//! the inventory, the register and how each asset matched a device, the
//! findings, the origin report (CSV, XLSX, JSON), every scan run with its
//! parameters and coverage, a README saying what each file is, and a
//! `MANIFEST` with the SHA-256 of every other file (`sha256sum -c
//! MANIFEST` checks it). Every CSV is formula-safe ([`super::csv`]).
//!
//! Pure: the rows come in ([`crate::store`] reads them as of the end of
//! the chosen UTC day), the zip's bytes go out; the caller writes them.

use super::csv;
use super::origin::{self, Origin, OriginReport};
use super::xlsx::{self, Sheet};
use serde::Serialize;
use std::io::Write;

/// A live device, as the inventory lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InventoryRow {
    /// Device id.
    pub id: i64,
    /// Main address.
    pub ip: Option<String>,
    /// Every address it holds now.
    pub addresses: Vec<String>,
    /// Main MAC.
    pub mac: Option<String>,
    /// The MAC block's organisation.
    pub mac_vendor: Option<String>,
    /// Reverse-DNS name.
    pub hostname: Option<String>,
    /// SNMP sysName.
    pub sys_name: Option<String>,
    /// Class.
    pub class: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// OS.
    pub os: Option<String>,
    /// Firmware.
    pub firmware: Option<String>,
    /// `domestic`, `foreign` or None.
    pub vendor_origin: Option<String>,
    /// How sure the identification is (0-1).
    pub confidence: Option<f64>,
    /// Which probes saw it.
    pub seen_by: String,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// The asset it matched, if any.
    pub asset_tag: Option<String>,
}

/// An asset of the register, with the device it matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssetRow {
    /// The asset's columns in register order (asset_tag, owner, department,
    /// location, serial, mac, ip, hostname, vendor, model, purchase_date,
    /// warranty_end, notes).
    pub fields: Vec<Option<String>>,
    /// The matched device.
    pub device_id: Option<i64>,
    /// How (`serial`, `mac`, `hostname`, `ip`).
    pub method: Option<String>,
    /// How sure (0-1).
    pub confidence: Option<f64>,
    /// What matched.
    pub evidence: Option<String>,
}

/// The register's columns, as `assets` stores them, with their headers.
pub const ASSET_COLUMNS: &[(&str, &str)] = &[
    ("asset_tag", "资产编号 / Asset tag"),
    ("owner", "责任人 / Owner"),
    ("department", "部门 / Department"),
    ("location", "位置 / Location"),
    ("serial", "序列号 / Serial"),
    ("mac", "MAC地址 / MAC"),
    ("ip", "IP地址 / IP"),
    ("hostname", "主机名 / Hostname"),
    ("vendor", "厂商 / Vendor"),
    ("model", "型号 / Model"),
    ("purchase_date", "购置日期 / Purchase date"),
    ("warranty_end", "保修截止 / Warranty end"),
    ("notes", "备注 / Notes"),
];

/// One import of the register.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportRow {
    /// Import id.
    pub id: i64,
    /// When.
    pub time: String,
    /// The file imported.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Assets added, updated, unchanged.
    pub added: i64,
    /// Updated.
    pub updated: i64,
    /// Unchanged.
    pub unchanged: i64,
}

/// A finding, in the state it was in at the package's cutoff.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FindingRow {
    /// Finding id.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// info, low, medium, high.
    pub severity: String,
    /// open, acknowledged or resolved, as of the cutoff.
    pub state: String,
    /// The device.
    pub device_id: Option<i64>,
    /// The asset.
    pub asset_tag: Option<String>,
    /// Address.
    pub ip: Option<String>,
    /// MAC.
    pub mac: Option<String>,
    /// One line, English.
    pub summary: String,
    /// The observations behind it (JSON list, as stored).
    pub evidence: String,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
    /// When it resolved, if by the cutoff.
    pub resolved_at: Option<String>,
    /// The acknowledgement (reason, by, time), if made by the cutoff.
    pub ack: Option<(String, String, String)>,
}

impl FindingRow {
    /// The state as of `cutoff` from the stored row: resolved only when it
    /// resolved by then; an open one with an acknowledgement is
    /// `acknowledged`.
    pub fn state_at(
        stored: &str,
        resolved_at: Option<&str>,
        acked: bool,
        cutoff: &str,
    ) -> (&'static str, bool) {
        let resolved = stored == "resolved" && resolved_at.is_some_and(|t| t <= cutoff);
        match (resolved, acked) {
            (true, _) => ("resolved", true),
            (false, true) => ("acknowledged", false),
            (false, false) => ("open", false),
        }
    }
}

/// One scan run with its parameters and coverage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanEvidence {
    /// Run id.
    pub id: i64,
    /// Job.
    pub job: String,
    /// done, running, failed, interrupted.
    pub status: String,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// What it swept, as written.
    pub targets: String,
    /// What it left out, as written.
    pub exclude: String,
    /// Probe packets per second.
    pub rate: Option<u64>,
    /// The SNMP credentials it tried, by name (never secrets).
    pub credentials: Vec<String>,
    /// Addresses swept.
    pub scanned: i64,
    /// Addresses that answered.
    pub answered: Option<i64>,
    /// Addresses left out by the exclusions.
    pub excluded: Option<i64>,
    /// Devices those addresses are.
    pub devices: Option<i64>,
    /// Addresses where SNMP answered.
    pub snmp_ok: Option<i64>,
    /// Why it failed or stopped early.
    pub error: Option<String>,
}

impl ScanEvidence {
    /// Addresses swept that did not answer (None until the run finished).
    pub fn unreachable(&self) -> Option<i64> {
        self.answered.map(|a| (self.scanned - a).max(0))
    }
}

/// Everything the package holds.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// The UTC day it describes (`YYYY-MM-DD`).
    pub date: String,
    /// The end of that day (`YYYY-MM-DDT23:59:59Z`).
    pub cutoff: String,
    /// Live devices first seen by the cutoff.
    pub inventory: Vec<InventoryRow>,
    /// The register (assets imported by the cutoff).
    pub assets: Vec<AssetRow>,
    /// The register's imports by the cutoff.
    pub imports: Vec<ImportRow>,
    /// Findings first seen by the cutoff.
    pub findings: Vec<FindingRow>,
    /// Runs started by the cutoff.
    pub scans: Vec<ScanEvidence>,
    /// The origin report as of the cutoff.
    pub origin: OriginReport,
}

/// Why a date or a package was refused.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Not a calendar date.
    #[error("date {0:?} is not a date in the form YYYY-MM-DD (UTC), e.g. 2026-12-01")]
    BadDate(String),
    /// The XLSX writer refused.
    #[error(transparent)]
    Xlsx(#[from] xlsx::XlsxWriteError),
    /// The zip writer refused.
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Serialising JSON failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing into the in-memory zip failed.
    #[error("writing the zip: {0}")]
    Io(#[from] std::io::Error),
}

/// The end of UTC day `date` (`YYYY-MM-DD`) as RFC 3339, checking it is a
/// real calendar date.
pub fn cutoff_of(date: &str) -> Result<String, EvidenceError> {
    let bad = || EvidenceError::BadDate(date.chars().take(40).collect());
    if date.len() != 10 || !date.is_ascii() {
        return Err(bad());
    }
    let end = format!("{date}T23:59:59Z");
    let secs = crate::timefmt::parse(&end).ok_or_else(bad)?;
    // 2026-02-31 parses as a day count; only a real date round-trips.
    if crate::timefmt::rfc3339(secs) != end {
        return Err(bad());
    }
    Ok(end)
}

/// The UTC day of an RFC 3339 time.
pub fn day_of(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn origin_zh(v: Option<&str>) -> &'static str {
    Origin::from_stored(v).zh()
}

/// The inventory as a table (header first).
pub fn inventory_table(rows: &[InventoryRow]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "设备编号 / Device",
            "IP 地址 / IP",
            "全部地址 / All addresses",
            "MAC 地址 / MAC",
            "MAC 厂商 / MAC vendor",
            "主机名 / Hostname",
            "sysName",
            "资产类别 / Category",
            "类型 / Class",
            "类型（中文）/ Class (zh)",
            "厂商 / Vendor",
            "型号 / Model",
            "序列号 / Serial",
            "操作系统 / OS",
            "固件 / Firmware",
            "产地 / Origin",
            "产地（中文）/ Origin (zh)",
            "置信度 / Confidence",
            "发现方式 / Seen by",
            "首次发现 / First seen",
            "最近发现 / Last seen",
            "资产编号 / Asset tag",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect::<Vec<_>>(),
    ];
    for d in rows {
        let class = d.class.as_deref().unwrap_or("");
        out.push(vec![
            d.id.to_string(),
            opt(&d.ip),
            d.addresses.join(" "),
            opt(&d.mac),
            opt(&d.mac_vendor),
            opt(&d.hostname),
            opt(&d.sys_name),
            origin::category(class).zh.to_string(),
            class.to_string(),
            origin::class_zh(class).to_string(),
            opt(&d.vendor),
            opt(&d.model),
            opt(&d.serial),
            opt(&d.os),
            opt(&d.firmware),
            Origin::from_stored(d.vendor_origin.as_deref())
                .as_str()
                .to_string(),
            origin_zh(d.vendor_origin.as_deref()).to_string(),
            d.confidence.map(|c| format!("{c:.2}")).unwrap_or_default(),
            d.seen_by.clone(),
            d.first_seen.clone(),
            d.last_seen.clone(),
            opt(&d.asset_tag),
        ]);
    }
    out
}

/// The register with its matches (header first).
pub fn register_table(rows: &[AssetRow]) -> Vec<Vec<String>> {
    let mut header: Vec<String> = ASSET_COLUMNS
        .iter()
        .map(|(_, h)| (*h).to_string())
        .collect();
    header.extend(
        [
            "匹配状态 / Matched",
            "设备编号 / Device",
            "匹配方式 / Method",
            "置信度 / Confidence",
            "匹配依据 / Evidence",
        ]
        .iter()
        .map(|s| (*s).to_string()),
    );
    let mut out = vec![header];
    for a in rows {
        let mut r: Vec<String> = (0..ASSET_COLUMNS.len())
            .map(|i| a.fields.get(i).cloned().flatten().unwrap_or_default())
            .collect();
        r.push(
            if a.device_id.is_some() {
                "已匹配 / matched"
            } else {
                "未匹配 / unmatched"
            }
            .to_string(),
        );
        r.push(a.device_id.map(|d| d.to_string()).unwrap_or_default());
        r.push(opt(&a.method));
        r.push(a.confidence.map(|c| format!("{c:.2}")).unwrap_or_default());
        r.push(opt(&a.evidence));
        out.push(r);
    }
    out
}

/// The register's imports (header first).
pub fn imports_table(rows: &[ImportRow]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "导入编号 / Import",
            "时间 / Time (UTC)",
            "文件 / File",
            "SHA-256",
            "新增 / Added",
            "更新 / Updated",
            "未变 / Unchanged",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect::<Vec<_>>(),
    ];
    for i in rows {
        out.push(vec![
            i.id.to_string(),
            i.time.clone(),
            i.file.clone(),
            i.sha256.clone(),
            i.added.to_string(),
            i.updated.to_string(),
            i.unchanged.to_string(),
        ]);
    }
    out
}

fn state_zh(state: &str) -> &'static str {
    match state {
        "open" => "未处理",
        "acknowledged" => "已确认",
        "resolved" => "已解决",
        _ => "",
    }
}

/// Findings (header first).
pub fn findings_table(rows: &[FindingRow]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "编号 / Finding",
            "类别 / Kind",
            "严重程度 / Severity",
            "状态 / State",
            "状态（中文）/ State (zh)",
            "设备编号 / Device",
            "资产编号 / Asset tag",
            "IP 地址 / IP",
            "MAC 地址 / MAC",
            "摘要 / Summary",
            "首次发现 / First seen",
            "最近发现 / Last seen",
            "解决时间 / Resolved",
            "确认原因 / Ack reason",
            "确认人 / Acked by",
            "确认时间 / Acked at",
            "依据 / Evidence (JSON)",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect::<Vec<_>>(),
    ];
    for f in rows {
        let (reason, by, time) = f.ack.clone().unwrap_or_default();
        out.push(vec![
            f.id.to_string(),
            f.kind.clone(),
            f.severity.clone(),
            f.state.clone(),
            state_zh(&f.state).to_string(),
            f.device_id.map(|d| d.to_string()).unwrap_or_default(),
            opt(&f.asset_tag),
            opt(&f.ip),
            opt(&f.mac),
            f.summary.clone(),
            f.first_seen.clone(),
            f.last_seen.clone(),
            opt(&f.resolved_at),
            reason,
            by,
            time,
            f.evidence.clone(),
        ]);
    }
    out
}

/// Scan runs with parameters and coverage (header first).
pub fn scans_table(rows: &[ScanEvidence]) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "扫描编号 / Run",
            "任务 / Job",
            "状态 / Status",
            "开始 / Started (UTC)",
            "结束 / Finished (UTC)",
            "扫描范围 / Targets",
            "排除 / Exclude",
            "速率（包/秒）/ Rate (packets/s)",
            "凭据名称 / Credentials (names)",
            "扫描地址数 / Addresses scanned",
            "应答 / Answered",
            "无应答 / Unreachable",
            "排除地址数 / Excluded",
            "设备数 / Devices",
            "SNMP 应答 / SNMP answered",
            "错误 / Error",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect::<Vec<_>>(),
    ];
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for s in rows {
        out.push(vec![
            s.id.to_string(),
            s.job.clone(),
            s.status.clone(),
            s.started_at.clone(),
            opt(&s.finished_at),
            s.targets.clone(),
            s.exclude.clone(),
            s.rate.map(|r| r.to_string()).unwrap_or_default(),
            s.credentials.join(" "),
            s.scanned.to_string(),
            n(s.answered),
            n(s.unreachable()),
            n(s.excluded),
            n(s.devices),
            n(s.snmp_ok),
            opt(&s.error),
        ]);
    }
    out
}

/// The origin report's workbook: summary, trend, unknowns, notes.
pub fn origin_xlsx(r: &OriginReport) -> Result<Vec<u8>, xlsx::XlsxWriteError> {
    let (summary, trend, unknown, notes) = (
        r.summary_table(),
        r.trend_table(),
        r.unknown_table(),
        r.notes_table(),
    );
    xlsx::workbook(&[
        Sheet {
            name: "汇总 Summary",
            rows: &summary,
            numeric: &[3, 4, 5, 6, 7, 8, 9, 10, 11],
        },
        Sheet {
            name: "趋势 Trend",
            rows: &trend,
            numeric: &[0, 3, 4, 5, 6, 7, 8],
        },
        Sheet {
            name: "未知产地 Unknown origin",
            rows: &unknown,
            numeric: &[0],
        },
        Sheet {
            name: "说明 Notes",
            rows: &notes,
            numeric: &[],
        },
    ])
}

/// The README (Chinese, then English).
fn readme(e: &Evidence) -> String {
    format!(
        "盘点（Pandian）审计证据包\n\
         ========================\n\
         日期（UTC）：{date}；内容为截至 {cutoff} 的状态。生成时间：{generated}。\n\n\
         inventory.csv           设备清单：截止时间前首次发现、目前在用的设备\n\
         register-match.csv      资产登记表及每项资产与设备的匹配（方式、置信度、依据）\n\
         register-imports.csv    资产登记表的导入记录\n\
         findings.csv            发现的问题（截止时的状态、确认记录、依据）\n\
         origin.csv              信创产地统计（合计、资产类别、设备类型、厂商）\n\
         origin-trend.csv        各次扫描的产地统计趋势\n\
         origin-unknowns.csv     产地未知的设备及其依据\n\
         origin.xlsx             以上产地统计的 Excel 工作簿\n\
         origin.json             以上产地统计的 JSON\n\
         scans.csv / scans.json  每次扫描的参数与覆盖范围（扫描、应答、无应答、排除的地址数）\n\
         MANIFEST                其余每个文件的 SHA-256（可用 sha256sum -c MANIFEST 校验）\n\n\
         {ratio_zh}\n\
         设备的识别结果（类型、厂商、产地等）为生成时的最新识别结果；所选日期决定包含哪些设备、扫描与问题。\n\
         CSV 为 UTF-8（带 BOM）；以 = + - @ 制表符或回车开头的单元格前加了单引号，以免被当作公式执行。\n\n\
         Pandian audit evidence package\n\
         ==============================\n\
         Date (UTC): {date}; the state as of {cutoff}. Generated: {generated}.\n\n\
         inventory.csv           live devices first seen by the cutoff\n\
         register-match.csv      the approved register and how each asset matched a device (method, confidence, evidence)\n\
         register-imports.csv    the register's imports\n\
         findings.csv            findings first seen by the cutoff, in their state then, with acknowledgements and evidence\n\
         origin.csv              the origin (Xinchuang) report: total, register category, class, vendor\n\
         origin-trend.csv        the origin counts of every run up to the cutoff\n\
         origin-unknowns.csv     devices of unknown origin, with the evidence\n\
         origin.xlsx             the origin report as an Excel workbook\n\
         origin.json             the origin report as JSON\n\
         scans.csv / scans.json  every run started by the cutoff: parameters and coverage (addresses scanned, answered, unreachable, excluded)\n\
         MANIFEST                the SHA-256 of every other file (check with sha256sum -c MANIFEST)\n\n\
         {ratio_en}\n\
         Device identification (class, vendor, origin...) is the latest at generation time; the date selects which devices, runs and findings are included.\n\
         CSV files are UTF-8 with a BOM; cells starting with = + - @ tab or CR carry a leading apostrophe so no spreadsheet runs them as formulas.\n",
        date = e.date,
        cutoff = e.cutoff,
        generated = e.generated_at,
        ratio_zh = origin::RATIO_NOTE_ZH,
        ratio_en = origin::RATIO_NOTE_EN,
    )
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files of the package, in order, without the manifest.
pub fn files(e: &Evidence) -> Result<Vec<(&'static str, Vec<u8>)>, EvidenceError> {
    let scans_json = serde_json::to_vec_pretty(&e.scans)?;
    let origin_json = serde_json::to_vec_pretty(&e.origin.to_json())?;
    Ok(vec![
        ("README.txt", readme(e).into_bytes()),
        ("inventory.csv", csv::write(inventory_table(&e.inventory))),
        ("register-match.csv", csv::write(register_table(&e.assets))),
        (
            "register-imports.csv",
            csv::write(imports_table(&e.imports)),
        ),
        ("findings.csv", csv::write(findings_table(&e.findings))),
        ("origin.csv", csv::write(e.origin.summary_table())),
        ("origin-trend.csv", csv::write(e.origin.trend_table())),
        ("origin-unknowns.csv", csv::write(e.origin.unknown_table())),
        ("origin.xlsx", origin_xlsx(&e.origin)?),
        ("origin.json", origin_json),
        ("scans.csv", csv::write(scans_table(&e.scans))),
        ("scans.json", scans_json),
    ])
}

/// `MANIFEST`: one `SHA256  NAME` line per file (`sha256sum` format).
pub fn manifest(files: &[(&str, Vec<u8>)]) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect()
}

/// A zip timestamp from an RFC 3339 time (the epoch's earliest zip date
/// when it does not parse).
fn zip_time(time: &str) -> zip::DateTime {
    let num = |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<u16>().ok());
    let parts = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    );
    if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = parts
        && let (Ok(mo), Ok(d), Ok(h), Ok(mi), Ok(s)) = (
            u8::try_from(mo),
            u8::try_from(d),
            u8::try_from(h),
            u8::try_from(mi),
            u8::try_from(s),
        )
        && let Ok(t) = zip::DateTime::from_date_and_time(y, mo, d, h, mi, s)
    {
        return t;
    }
    zip::DateTime::default()
}

/// The whole package as the bytes of a zip file (deflate).
pub fn package(e: &Evidence) -> Result<Vec<u8>, EvidenceError> {
    let files = files(e)?;
    let manifest = manifest(&files);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(&e.generated_at))
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .chain(std::iter::once(("MANIFEST", manifest.as_bytes())))
    {
        zip.start_file(name, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_date_must_be_a_calendar_day() {
        assert_eq!(
            cutoff_of("2026-12-01").ok().as_deref(),
            Some("2026-12-01T23:59:59Z")
        );
        assert_eq!(
            cutoff_of("2024-02-29").ok().as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        for bad in [
            "2026-02-31",
            "2025-02-29",
            "2026-13-01",
            "26-12-01",
            "2026-12-1",
            "",
            "2026-12-01T00",
            "２０２６-12-01",
        ] {
            let e = cutoff_of(bad);
            assert!(e.is_err(), "{bad}");
        }
        let msg = cutoff_of("yesterday")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("YYYY-MM-DD"), "{msg}");
    }

    #[test]
    fn finding_state_is_taken_as_of_the_cutoff() {
        let cut = "2026-12-01T23:59:59Z";
        let table = [
            ("open", None, false, "open"),
            ("open", None, true, "acknowledged"),
            ("resolved", Some("2026-12-01T10:00:00Z"), false, "resolved"),
            ("resolved", Some("2026-12-01T10:00:00Z"), true, "resolved"),
            // Resolved after the cutoff: still open then.
            ("resolved", Some("2026-12-02T00:00:00Z"), false, "open"),
            (
                "resolved",
                Some("2026-12-02T00:00:00Z"),
                true,
                "acknowledged",
            ),
        ];
        for (stored, at, acked, want) in table {
            assert_eq!(
                FindingRow::state_at(stored, at, acked, cut).0,
                want,
                "{stored} {at:?} {acked}"
            );
        }
    }

    #[test]
    fn scan_coverage_counts_unreachable() {
        let s = ScanEvidence {
            scanned: 254,
            answered: Some(4),
            ..ScanEvidence::default()
        };
        assert_eq!(s.unreachable(), Some(250));
        let running = ScanEvidence {
            scanned: 254,
            ..ScanEvidence::default()
        };
        assert_eq!(running.unreachable(), None);
    }

    #[test]
    fn report_modules_import_no_io() {
        let sources = [
            ("report/mod.rs", include_str!("mod.rs")),
            ("report/csv.rs", include_str!("csv.rs")),
            ("report/origin.rs", include_str!("origin.rs")),
            ("report/xlsx.rs", include_str!("xlsx.rs")),
            ("report/evidence.rs", include_str!("evidence.rs")),
        ];
        let banned = [
            "tokio",
            "std::fs",
            "std::net",
            "rusqlite",
            "axum",
            "std::process",
        ];
        for (file, text) in sources {
            // This test's own list of names is not an import.
            let code = text
                .split("fn report_modules_import_no_io")
                .next()
                .unwrap_or(text);
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                for b in banned {
                    assert!(
                        !line.contains(b),
                        "{file}:{}: pure module mentions {b}",
                        n + 1
                    );
                }
            }
        }
    }
}
