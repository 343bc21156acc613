//! Printer-MIB: the printer's serial, name, page count and supplies.

use super::{column, first_in, int, text};
use crate::facts::SnmpFacts;
use crate::snmp::oids;
use crate::snmp::text::{MAX_FIELD_CHARS, value_text};
use serde::Serialize;

/// Printer identity and counters.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct PrinterInfo {
    /// prtGeneralSerialNumber (first printer).
    pub serial: Option<String>,
    /// prtGeneralPrinterName.
    pub name: Option<String>,
    /// prtMarkerLifeCount (first marker): pages or impressions printed.
    pub page_count: Option<i64>,
    /// Toner, ink, drums and the like.
    pub supplies: Vec<SupplyRow>,
}

/// One prtMarkerSuppliesEntry.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct SupplyRow {
    /// prtMarkerSuppliesDescription.
    pub description: Option<String>,
    /// PrtMarkerSuppliesTypeTC number (3 = toner, 9 = opc drum, ...).
    pub supply_type: Option<i64>,
    /// Max capacity (-1 unlimited, -2 unknown).
    pub max_capacity: Option<i64>,
    /// Current level (-1 unlimited, -2 unknown, -3 some remaining).
    pub level: Option<i64>,
    /// level / max × 100 when both are positive.
    pub percent: Option<i64>,
}

/// Decode the Printer-MIB bits inventory needs; None when the device has none.
pub fn printer(f: &SnmpFacts) -> Option<PrinterInfo> {
    let serial =
        first_in(f, &oids::PRT_GENERAL_SERIAL_NUMBER).and_then(|v| value_text(&v, MAX_FIELD_CHARS));
    let name =
        first_in(f, &oids::PRT_GENERAL_PRINTER_NAME).and_then(|v| value_text(&v, MAX_FIELD_CHARS));
    let page_count = first_in(f, &oids::PRT_MARKER_LIFE_COUNT).and_then(|v| v.as_i64());
    let descr = column(f, &oids::PRT_MARKER_SUPPLIES_DESCRIPTION);
    let typ = column(f, &oids::PRT_MARKER_SUPPLIES_TYPE);
    let max = column(f, &oids::PRT_MARKER_SUPPLIES_MAX_CAPACITY);
    let level = column(f, &oids::PRT_MARKER_SUPPLIES_LEVEL);
    let supplies: Vec<SupplyRow> = descr
        .keys()
        .chain(level.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|idx| {
            let m = int(&max, idx);
            let l = int(&level, idx);
            SupplyRow {
                description: text(&descr, idx, MAX_FIELD_CHARS),
                supply_type: int(&typ, idx),
                max_capacity: m,
                level: l,
                percent: match (l, m) {
                    (Some(l), Some(m)) if l >= 0 && m > 0 => {
                        Some((l.saturating_mul(100) / m).min(100))
                    }
                    _ => None,
                },
            }
        })
        .collect();
    if serial.is_none() && name.is_none() && page_count.is_none() && supplies.is_empty() {
        return None;
    }
    Some(PrinterInfo {
        serial,
        name,
        page_count,
        supplies,
    })
}
