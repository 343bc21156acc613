//! XLSX registers: the first worksheet, through calamine. Rows keep the
//! sheet's row numbers (what the spreadsheet shows); date cells arrive as
//! dates; a formula cell arrives as its formula text (`=...`), never as the
//! value a spreadsheet cached for it. Before anything is unpacked, the
//! archive's declared sizes are checked, so a small file that inflates to
//! gigabytes is refused instead of read. Pure (reads from memory).

use super::{Raw, RawRow, RegisterError};
use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

/// The most an XLSX register may inflate to, all parts together.
const MAX_UNPACKED_BYTES: u128 = 256 << 20;
/// Columns read; a value further right is an error.
const MAX_COLUMNS: u32 = 64;
/// Non-empty cells read, all rows together.
const MAX_CELLS: usize = super::MAX_ROWS * 16;

/// The rows of the first worksheet, header included.
pub(super) fn rows(file: &str, bytes: &[u8]) -> Result<Vec<RawRow>, RegisterError> {
    let fail = |message: String| RegisterError::File {
        file: file.to_string(),
        message,
    };
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        fail(format!(
            "not a readable XLSX workbook ({e}); save it again from the spreadsheet as .xlsx"
        ))
    })?;
    match archive.decompressed_size() {
        Some(n) if n <= MAX_UNPACKED_BYTES => {}
        _ => {
            return Err(fail(format!(
                "the workbook unpacks to more than {} MiB; a register is far smaller (keep the register alone on its first sheet)",
                MAX_UNPACKED_BYTES >> 20
            )));
        }
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        fail(format!(
            "not a readable XLSX workbook ({e}); save it again from the spreadsheet as .xlsx"
        ))
    })?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(fail("the workbook has no worksheet".into()));
    };
    let unreadable = |e: calamine::XlsxError| {
        fail(format!(
            "worksheet `{}` is not readable ({e}); save it again from the spreadsheet as .xlsx",
            super::cell::shown(&sheet)
        ))
    };
    // Cells one at a time (a sheet's used range may be sparse and vast:
    // never laid out as a grid), by row, each with its formula if any.
    let mut by_row: BTreeMap<u32, Vec<(u32, Raw)>> = BTreeMap::new();
    let mut cells_read = 0usize;
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    while let Some(cell) = reader.next_cell_with_formula().map_err(unreadable)? {
        let (row, col) = cell.pos;
        let value = match cell.formula.as_deref().filter(|f| !f.is_empty()) {
            Some(f) => Raw::Text(format!("={f}")),
            None => raw(&cell.value),
        };
        if matches!(value, Raw::Empty) {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(RegisterError::Row {
                file: file.to_string(),
                line: row as usize + 1,
                message: format!(
                    "a value in column {} (past column {MAX_COLUMNS}); a register has {} columns: clear the cells to the right",
                    col as usize + 1,
                    super::Column::ALL.len()
                ),
            });
        }
        cells_read += 1;
        if by_row.len() > super::MAX_ROWS + 1 || cells_read > MAX_CELLS {
            return Err(RegisterError::Row {
                file: file.to_string(),
                line: row as usize + 1,
                message: format!("more than {} assets; split the register", super::MAX_ROWS),
            });
        }
        by_row.entry(row).or_default().push((col, value));
    }
    Ok(by_row
        .into_iter()
        .map(|(row, mut cells)| {
            cells.sort_by_key(|(c, _)| *c);
            let width = cells.last().map_or(0, |(c, _)| *c as usize + 1);
            let mut line = vec![Raw::Empty; width];
            for (c, v) in cells {
                if let Some(slot) = line.get_mut(c as usize) {
                    *slot = v;
                }
            }
            RawRow {
                line: row as usize + 1,
                cells: line,
            }
        })
        .collect())
}

/// A calamine value as a raw cell.
fn raw(value: &DataRef<'_>) -> Raw {
    match value {
        DataRef::Empty => Raw::Empty,
        DataRef::String(s) => Raw::Text(s.clone()),
        DataRef::SharedString(s) => Raw::Text((*s).to_string()),
        DataRef::Int(n) => Raw::Text(n.to_string()),
        DataRef::Float(f) => Raw::Number(*f),
        DataRef::Bool(b) => Raw::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(d) if d.is_datetime() && d.as_f64().is_finite() && d.as_f64() >= 1.0 => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            Raw::Date(y, m, day)
        }
        DataRef::DateTime(d) => Raw::Number(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Raw::Text(s.clone()),
        DataRef::Error(e) => Raw::Error(e.to_string()),
    }
}
