//! XLSX workbooks from tables (rust_xlsxwriter, in memory). Every text
//! cell is written as a string, never a formula; text a spreadsheet would
//! take for a formula (see [`super::csv::is_formula_like`]) is kept as it
//! is and marked with Excel's quote prefix, so editing the cell cannot
//! turn it into one either. Counts are numbers in the columns a sheet
//! names. Pure: tables in, bytes out.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The longest text a cell holds (Excel's limit, in UTF-16 units).
const MAX_CELL: usize = 32_767;

/// One worksheet.
#[derive(Debug, Clone)]
pub struct Sheet<'a> {
    /// Its name (at most 31 characters, none of `[]:*?/\`).
    pub name: &'a str,
    /// Rows, the first being the header (bold, frozen).
    pub rows: &'a [Vec<String>],
    /// Columns whose cells are written as numbers when they parse as one
    /// (an empty cell stays empty).
    pub numeric: &'a [usize],
}

/// Why a workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum XlsxWriteError {
    /// The writer refused (a name, a size limit).
    #[error("writing the XLSX workbook: {0}")]
    Writer(#[from] XlsxError),
    /// A table is wider or longer than a worksheet can be.
    #[error("sheet {0}: more rows or columns than a worksheet holds")]
    TooLarge(String),
}

/// `text` cut to what one cell can hold, at a character boundary.
fn fit(text: &str) -> &str {
    if text.encode_utf16().count() <= MAX_CELL {
        return text;
    }
    let mut units = 0;
    for (i, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > MAX_CELL {
            return text.get(..i).unwrap_or_default();
        }
    }
    text
}

/// A workbook holding `sheets`, as the bytes of an .xlsx file.
pub fn workbook(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, XlsxWriteError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_text_wrap();
    let quoted = Format::new().set_quote_prefix();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name)?;
        let too_large = || XlsxWriteError::TooLarge(sheet.name.to_string());
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r).map_err(|_| too_large())?;
            if r >= 1_048_576 {
                return Err(too_large());
            }
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c)
                    .ok()
                    .filter(|c| *c < 16_384)
                    .ok_or_else(too_large)?;
                if cell.is_empty() {
                    continue;
                }
                let number = (r > 0 && sheet.numeric.contains(&usize::from(c)))
                    .then(|| cell.parse::<f64>().ok().filter(|n| n.is_finite()))
                    .flatten();
                match number {
                    Some(n) => ws.write_number(r, c, n)?,
                    None if r == 0 => ws.write_string_with_format(r, c, fit(cell), &header)?,
                    None if super::csv::is_formula_like(cell) => {
                        ws.write_string_with_format(r, c, fit(cell), &quoted)?
                    }
                    None => ws.write_string(r, c, fit(cell))?,
                };
            }
        }
        if let Some(first) = sheet.rows.first() {
            for c in 0..first.len().min(64) {
                let c = u16::try_from(c).unwrap_or(0);
                ws.set_column_width(
                    c,
                    if sheet.numeric.contains(&usize::from(c)) {
                        12
                    } else {
                        22
                    },
                )?;
            }
            ws.set_freeze_panes(1, 0)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlsx_cell_text_is_cut_at_excels_limit_on_a_char_boundary() {
        assert_eq!(fit("华为"), "华为");
        let long = "华".repeat(MAX_CELL + 5);
        assert_eq!(fit(&long).chars().count(), MAX_CELL);
        let emoji = "😀".repeat(MAX_CELL);
        assert_eq!(fit(&emoji).encode_utf16().count(), MAX_CELL - 1);
    }

    #[test]
    fn xlsx_workbook_is_a_zip_with_the_sheets() {
        let rows = vec![
            vec!["名称 / Name".to_string(), "设备数 / Devices".to_string()],
            vec!["=cmd|' /C calc'!A0".to_string(), "3".to_string()],
        ];
        let bytes = workbook(&[Sheet {
            name: "汇总 Summary",
            rows: &rows,
            numeric: &[1],
        }])
        .unwrap_or_default();
        assert!(bytes.starts_with(b"PK\x03\x04"), "a zip container");
        let bad = workbook(&[Sheet {
            name: "a/b",
            rows: &rows,
            numeric: &[],
        }]);
        assert!(bad.is_err(), "sheet names with / are refused");
    }
}
