//! The approved-asset register: what the organisation says it owns, read
//! from a CSV or XLSX file into typed, validated rows ([`read`]), and
//! matched to the devices Pandian found ([`matching`]).
//!
//! A register is read whole or not at all: the first bad cell stops the
//! read with the file, the line (the spreadsheet's row number) and the
//! column (its header as written), so an import never stores half a file.
//!
//! Columns, in any order, by English name (any case, `Asset Tag` as well as
//! `asset_tag`) or Chinese name; only `asset_tag` (资产编号) is required:
//!
//! | column | 中文 | stored as |
//! |---|---|---|
//! | `asset_tag` | 资产编号 | text, unique in the file |
//! | `owner` | 责任人 | text |
//! | `department` | 部门 | text |
//! | `location` | 位置 | text |
//! | `serial` | 序列号 | text |
//! | `mac` | MAC地址 | `aa:bb:cc:dd:ee:ff` (from `AA-BB-..`, `aabb.ccdd.eeff`, `aabbccddeeff`, `a:b:..`) |
//! | `ip` | IP地址 | an IPv4 or IPv6 address, canonical form |
//! | `hostname` | 主机名 | text |
//! | `vendor` | 厂商 | text |
//! | `model` | 型号 | text |
//! | `purchase_date` | 购置日期 | `YYYY-MM-DD` (from `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY年M月D日` or a spreadsheet date cell) |
//! | `warranty_end` | 保修截止 | as `purchase_date` |
//! | `notes` | 备注 | text (may span lines) |
//!
//! The header row is the first non-blank row, after at most three title
//! rows of one cell each (`2026年资产台账`) when a later row names
//! `asset_tag`. Cells are trimmed; an empty cell is no value. Text is kept exactly as
//! written: a cell starting with `=`, `+`, `-` or `@` is text like any
//! other, and an XLSX formula is kept as its formula text (`=A1+1`), never
//! evaluated and never replaced by the value a spreadsheet cached for it.
//! Whoever writes the register out again as CSV or XLSX neutralises such
//! cells there.
//!
//! Pure: bytes in, rows out; no files, no clock, no database.

mod cell;
mod csv;
pub mod matching;
mod xlsx;

pub use matching::{DeviceKeys, Match, Matching, Method};

/// The largest register read, in bytes (an XLSX file counts compressed).
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// The most assets one register may hold.
pub const MAX_ROWS: usize = 200_000;
/// Longest `notes` cell, in characters.
pub const MAX_NOTES_CHARS: usize = 4096;
/// Longest other cell, in characters.
pub const MAX_CELL_CHARS: usize = 256;
/// Title rows (one filled cell each) allowed above the header row.
const TITLE_ROWS: usize = 3;

/// One column of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// The asset's tag: the register's key.
    AssetTag,
    /// Who is responsible for it.
    Owner,
    /// Its department.
    Department,
    /// Where it is.
    Location,
    /// The manufacturer's serial number.
    Serial,
    /// A MAC address.
    Mac,
    /// An IP address.
    Ip,
    /// Host name (short or fully qualified).
    Hostname,
    /// Manufacturer.
    Vendor,
    /// Model.
    Model,
    /// When it was bought.
    PurchaseDate,
    /// When its warranty or support ends.
    WarrantyEnd,
    /// Free text.
    Notes,
}

impl Column {
    /// Every column, in the register's usual order.
    pub const ALL: [Column; 13] = [
        Column::AssetTag,
        Column::Owner,
        Column::Department,
        Column::Location,
        Column::Serial,
        Column::Mac,
        Column::Ip,
        Column::Hostname,
        Column::Vendor,
        Column::Model,
        Column::PurchaseDate,
        Column::WarrantyEnd,
        Column::Notes,
    ];

    /// The English header, which is also the database column's name.
    pub fn name(self) -> &'static str {
        match self {
            Column::AssetTag => "asset_tag",
            Column::Owner => "owner",
            Column::Department => "department",
            Column::Location => "location",
            Column::Serial => "serial",
            Column::Mac => "mac",
            Column::Ip => "ip",
            Column::Hostname => "hostname",
            Column::Vendor => "vendor",
            Column::Model => "model",
            Column::PurchaseDate => "purchase_date",
            Column::WarrantyEnd => "warranty_end",
            Column::Notes => "notes",
        }
    }

    /// The Chinese header.
    pub fn chinese(self) -> &'static str {
        match self {
            Column::AssetTag => "资产编号",
            Column::Owner => "责任人",
            Column::Department => "部门",
            Column::Location => "位置",
            Column::Serial => "序列号",
            Column::Mac => "MAC地址",
            Column::Ip => "IP地址",
            Column::Hostname => "主机名",
            Column::Vendor => "厂商",
            Column::Model => "型号",
            Column::PurchaseDate => "购置日期",
            Column::WarrantyEnd => "保修截止",
            Column::Notes => "备注",
        }
    }

    /// The column a header names: trimmed, English in any case with spaces
    /// or hyphens for underscores, Chinese as written (`MAC`/`IP` in any
    /// case). None for a header the register does not have.
    pub fn from_header(header: &str) -> Option<Column> {
        let h = header.trim();
        let english: String = h
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Column::ALL.into_iter().find(|c| {
            c.name() == english || c.chinese() == h || c.chinese().to_lowercase() == english
        })
    }

    /// Whether a cell of this column may hold line breaks and tabs.
    fn multiline(self) -> bool {
        self == Column::Notes
    }

    /// The longest cell, in characters.
    fn max_chars(self) -> usize {
        match self {
            Column::Notes => MAX_NOTES_CHARS,
            Column::AssetTag => 64,
            _ => MAX_CELL_CHARS,
        }
    }
}

/// One asset, validated. Empty cells are None.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asset {
    /// The key.
    pub asset_tag: String,
    /// Who is responsible.
    pub owner: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Serial number, as written.
    pub serial: Option<String>,
    /// `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    /// Canonical address text.
    pub ip: Option<String>,
    /// Host name, as written.
    pub hostname: Option<String>,
    /// Manufacturer.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// `YYYY-MM-DD`.
    pub purchase_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub warranty_end: Option<String>,
    /// Free text.
    pub notes: Option<String>,
}

impl Asset {
    /// The value of `column` (the tag for [`Column::AssetTag`]).
    pub fn get(&self, column: Column) -> Option<&str> {
        match column {
            Column::AssetTag => Some(self.asset_tag.as_str()),
            other => self.slot(other).as_deref(),
        }
    }

    fn slot(&self, column: Column) -> &Option<String> {
        match column {
            Column::Owner => &self.owner,
            Column::Department => &self.department,
            Column::Location => &self.location,
            Column::Serial => &self.serial,
            Column::Mac => &self.mac,
            Column::Ip => &self.ip,
            Column::Hostname => &self.hostname,
            Column::Vendor => &self.vendor,
            Column::Model => &self.model,
            Column::PurchaseDate => &self.purchase_date,
            Column::WarrantyEnd => &self.warranty_end,
            Column::Notes | Column::AssetTag => &self.notes,
        }
    }

    fn set(&mut self, column: Column, value: Option<String>) {
        let slot = match column {
            Column::AssetTag => {
                self.asset_tag = value.unwrap_or_default();
                return;
            }
            Column::Owner => &mut self.owner,
            Column::Department => &mut self.department,
            Column::Location => &mut self.location,
            Column::Serial => &mut self.serial,
            Column::Mac => &mut self.mac,
            Column::Ip => &mut self.ip,
            Column::Hostname => &mut self.hostname,
            Column::Vendor => &mut self.vendor,
            Column::Model => &mut self.model,
            Column::PurchaseDate => &mut self.purchase_date,
            Column::WarrantyEnd => &mut self.warranty_end,
            Column::Notes => &mut self.notes,
        };
        *slot = value;
    }
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 comma-separated values, UTF-8.
    Csv,
    /// An Office Open XML workbook (its first sheet).
    Xlsx,
}

impl Format {
    /// `csv` or `xlsx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// A register read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// What the file was.
    pub format: Format,
    /// The columns the file has, in its order. An import changes only
    /// these: a column left out of the file leaves stored values alone.
    pub columns: Vec<Column>,
    /// The assets, in the file's order.
    pub assets: Vec<Asset>,
}

/// Why a register was refused. Every variant names the file; nothing of it
/// was imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// A cell that is not a valid value for its column.
    #[error("{file} line {line}, column `{column}`: {message}; nothing was imported")]
    Cell {
        /// The file, as given.
        file: String,
        /// 1-based line (CSV) or row (XLSX).
        line: usize,
        /// The column's header, as written in the file.
        column: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// A row or header that is wrong as a whole.
    #[error("{file} line {line}: {message}; nothing was imported")]
    Row {
        /// The file, as given.
        file: String,
        /// 1-based line (CSV) or row (XLSX).
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file is not a register Pandian can read at all.
    #[error("{file}: {message}; nothing was imported")]
    File {
        /// The file, as given.
        file: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// A cell as a reader found it, before validation.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    /// Nothing there.
    Empty,
    /// Text (CSV cells, XLSX strings, formulas as `=...`).
    Text(String),
    /// An XLSX number.
    Number(f64),
    /// An XLSX date cell: year, month, day.
    Date(u16, u8, u8),
    /// An XLSX error value (`#N/A`...).
    Error(String),
}

/// One row as a reader found it: its line or row number and its cells.
#[derive(Debug, Clone)]
struct RawRow {
    line: usize,
    cells: Vec<Raw>,
}

impl RawRow {
    /// How many cells hold something.
    fn filled(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| match c {
                Raw::Empty => false,
                Raw::Text(t) => !t.trim().is_empty(),
                _ => true,
            })
            .count()
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| match c {
            Raw::Empty => true,
            Raw::Text(t) => t.trim().is_empty(),
            _ => false,
        })
    }
}

/// Read a register, telling CSV from XLSX by content (an XLSX file is a
/// zip archive); `file` names it in messages and, when its extension is
/// `.xlsx` or `.csv`, must agree with the content.
pub fn read(file: &str, bytes: &[u8]) -> Result<Register, RegisterError> {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let lower = file.to_ascii_lowercase();
    let fail = |message: String| RegisterError::File {
        file: file.to_string(),
        message,
    };
    if lower.ends_with(".xlsx") && !zip {
        return Err(fail(
            "named .xlsx but it is not an XLSX workbook (not a zip archive); save it from the spreadsheet as \"Excel Workbook (.xlsx)\"".into(),
        ));
    }
    if lower.ends_with(".xls") {
        return Err(fail(
            "an old Excel .xls file; save it as .xlsx or as CSV (UTF-8)".into(),
        ));
    }
    if zip {
        read_xlsx(file, bytes)
    } else {
        read_csv(file, bytes)
    }
}

/// Read a CSV register (UTF-8, a BOM allowed, RFC 4180 quoting).
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Register, RegisterError> {
    let rows = csv::rows(file, bytes)?;
    build(file, Format::Csv, rows)
}

/// Read the first worksheet of an XLSX register.
pub fn read_xlsx(file: &str, bytes: &[u8]) -> Result<Register, RegisterError> {
    let rows = xlsx::rows(file, bytes)?;
    build(file, Format::Xlsx, rows)
}

/// The header row (the first non-blank one) names the columns; each row
/// after it is an asset.
fn build(file: &str, format: Format, rows: Vec<RawRow>) -> Result<Register, RegisterError> {
    let mut rows: Vec<RawRow> = rows.into_iter().filter(|r| !r.is_blank()).collect();
    // Registers often open with a title (one cell, e.g. "2026年资产台账"):
    // such rows before the header row (the one naming asset_tag) are skipped.
    if let Some(at) = rows.iter().take(TITLE_ROWS + 1).position(|r| {
        r.cells
            .iter()
            .any(|c| matches!(c, Raw::Text(t) if Column::from_header(t.trim_start_matches('\u{feff}')) == Some(Column::AssetTag)))
    }) && rows.iter().take(at).all(|r| r.filled() == 1)
    {
        rows.drain(..at);
    }
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(RegisterError::File {
            file: file.to_string(),
            message:
                "it is empty; the first row must name the columns (asset_tag or 资产编号 at least)"
                    .into(),
        });
    };
    let row_err = |line: usize, message: String| RegisterError::Row {
        file: file.to_string(),
        line,
        message,
    };
    // Each position: its column and its header as written; None for an
    // empty header (allowed only over an empty column).
    let mut layout: Vec<Option<(Column, String)>> = Vec::with_capacity(header.cells.len());
    for (i, cell) in header.cells.iter().enumerate() {
        let text = match cell {
            Raw::Empty => String::new(),
            Raw::Text(t) => t.trim().trim_start_matches('\u{feff}').trim().to_string(),
            Raw::Number(n) => n.to_string(),
            Raw::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
            Raw::Error(e) => e.clone(),
        };
        if text.is_empty() {
            layout.push(None);
            continue;
        }
        let Some(column) = Column::from_header(&text) else {
            return Err(row_err(
                header.line,
                format!(
                    "column {} has the header `{}`, which is not a register column; use one of: {}",
                    i + 1,
                    cell::shown(&text),
                    Column::ALL
                        .iter()
                        .map(|c| format!("{} ({})", c.name(), c.chinese()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if let Some((_, earlier)) = layout.iter().flatten().find(|(c, _)| *c == column) {
            return Err(row_err(
                header.line,
                format!(
                    "the headers `{earlier}` and `{text}` both name the column {}; keep one",
                    column.name()
                ),
            ));
        }
        layout.push(Some((column, text)));
    }
    if !layout.iter().flatten().any(|(c, _)| *c == Column::AssetTag) {
        return Err(row_err(
            header.line,
            "no asset_tag (资产编号) column; every asset needs its tag".into(),
        ));
    }
    let columns: Vec<Column> = layout.iter().flatten().map(|(c, _)| *c).collect();
    let tag_header = layout
        .iter()
        .flatten()
        .find(|(c, _)| *c == Column::AssetTag)
        .map(|(_, h)| h.clone())
        .unwrap_or_default();
    let mut assets = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in rows {
        if assets.len() >= MAX_ROWS {
            return Err(row_err(
                row.line,
                format!("more than {MAX_ROWS} assets; split the register"),
            ));
        }
        let extra = row.cells.get(layout.len()..).unwrap_or_default();
        if extra
            .iter()
            .any(|c| !matches!(c, Raw::Empty) && !matches!(c, Raw::Text(t) if t.trim().is_empty()))
        {
            return Err(row_err(
                row.line,
                format!(
                    "{} cells but the header names {} columns; remove the extra cells or name their column",
                    row.cells.len(),
                    layout.len()
                ),
            ));
        }
        let mut asset = Asset::default();
        for (i, slot) in layout.iter().enumerate() {
            let raw = row.cells.get(i).unwrap_or(&Raw::Empty);
            let Some((column, header_text)) = slot else {
                if !matches!(raw, Raw::Empty) && !matches!(raw, Raw::Text(t) if t.trim().is_empty())
                {
                    return Err(row_err(
                        row.line,
                        format!(
                            "column {} has a value but no header; name the column or clear it",
                            i + 1
                        ),
                    ));
                }
                continue;
            };
            let value = cell::validate(*column, raw).map_err(|message| RegisterError::Cell {
                file: file.to_string(),
                line: row.line,
                column: header_text.clone(),
                message,
            })?;
            asset.set(*column, value);
        }
        if asset.asset_tag.is_empty() {
            return Err(RegisterError::Cell {
                file: file.to_string(),
                line: row.line,
                column: tag_header.clone(),
                message: "no asset tag; every asset needs one".into(),
            });
        }
        if let Some(first) = seen.get(&asset.asset_tag) {
            return Err(RegisterError::Cell {
                file: file.to_string(),
                line: row.line,
                column: tag_header.clone(),
                message: format!(
                    "the asset tag `{}` is already on line {first}; each tag once per file",
                    cell::shown(&asset.asset_tag)
                ),
            });
        }
        seen.insert(asset.asset_tag.clone(), row.line);
        assets.push(asset);
    }
    Ok(Register {
        format,
        columns,
        assets,
    })
}

#[cfg(test)]
mod tests;
