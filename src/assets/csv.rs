//! CSV registers: RFC 4180 (commas, double quotes, quoted cells may span
//! lines), UTF-8 with or without a byte-order mark. Each row keeps the line
//! it starts on, so messages point at what an editor shows. Pure.

use super::{Raw, RawRow, RegisterError};

/// The rows of a CSV file, header included.
pub(super) fn rows(file: &str, bytes: &[u8]) -> Result<Vec<RawRow>, RegisterError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    loop {
        let line = usize::try_from(reader.position().line()).unwrap_or(usize::MAX);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(RegisterError::Row {
                    file: file.to_string(),
                    line: e
                        .position()
                        .and_then(|p| usize::try_from(p.line()).ok())
                        .unwrap_or(line),
                    message: format!("not readable as CSV: {e}"),
                });
            }
        }
        let line = record
            .position()
            .and_then(|p| usize::try_from(p.line()).ok())
            .unwrap_or(line);
        if out.len() > super::MAX_ROWS + 1 {
            return Err(RegisterError::Row {
                file: file.to_string(),
                line,
                message: format!("more than {} assets; split the register", super::MAX_ROWS),
            });
        }
        let mut cells = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| RegisterError::Row {
                file: file.to_string(),
                line,
                message: format!(
                    "cell {} is not UTF-8 text; save the file as \"CSV UTF-8\" (Excel) or UTF-8 (other editors), or import the XLSX file instead",
                    i + 1
                ),
            })?;
            cells.push(if text.is_empty() {
                Raw::Empty
            } else {
                Raw::Text(text.to_string())
            });
        }
        out.push(RawRow { line, cells });
    }
    Ok(out)
}
