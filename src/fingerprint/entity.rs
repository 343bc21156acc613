//! ENTITY-MIB (RFC 6933) entPhysicalTable: the chassis (or stack) entry's
//! model name, serial number, description and software revision.

use crate::facts::{Oid, SnmpFacts, Value};

/// entPhysicalEntry, 1.3.6.1.2.1.47.1.1.1.1.
pub(super) const ENTRY: [u32; 11] = [1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1];

/// Columns of entPhysicalEntry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Descr = 2,
    ContainedIn = 4,
    Class = 5,
    FirmwareRev = 9,
    SoftwareRev = 10,
    SerialNum = 11,
    MfgName = 12,
    ModelName = 13,
}

/// entPhysicalClass values worth reading, best first: chassis(3), stack(11).
const CLASS_RANK: [i64; 2] = [3, 11];

/// The OID of `column` for row `index`.
pub(super) fn oid(column: Column, index: u32) -> Oid {
    let mut arcs = ENTRY.to_vec();
    arcs.push(column as u32);
    arcs.push(index);
    Oid::from_arcs(arcs)
}

/// Row indices of chassis-like entities, best first: chassis before stack,
/// lowest index first. Rows whose class is not recorded are not included.
pub(super) fn chassis_rows(snmp: &SnmpFacts) -> Vec<u32> {
    let class_col = Oid::from_arcs([&ENTRY[..], &[Column::Class as u32]].concat());
    let mut rows: Vec<(usize, u32)> = snmp
        .subtree(&class_col)
        .filter_map(|(o, v)| {
            let idx = match o.suffix_after(&class_col)? {
                [i] => *i,
                _ => return None,
            };
            let rank = CLASS_RANK.iter().position(|c| Some(*c) == v.as_i64())?;
            Some((rank, idx))
        })
        .collect();
    rows.sort_unstable();
    let mut out: Vec<u32> = rows.into_iter().map(|(_, i)| i).collect();
    // Agents that do not fill entPhysicalClass (or fill it with no chassis):
    // fall back to every row, lowest index first.
    if out.is_empty() {
        let model_col = Oid::from_arcs([&ENTRY[..], &[Column::SerialNum as u32]].concat());
        let descr_col = Oid::from_arcs([&ENTRY[..], &[Column::ModelName as u32]].concat());
        let text_col = Oid::from_arcs([&ENTRY[..], &[Column::Descr as u32]].concat());
        let mut all: Vec<u32> = snmp
            .subtree(&model_col)
            .chain(snmp.subtree(&descr_col))
            .chain(snmp.subtree(&text_col))
            .filter_map(|(o, _)| match o.arcs().get(ENTRY.len() + 1..) {
                Some([i]) => Some(*i),
                _ => None,
            })
            .collect();
        all.sort_unstable();
        all.dedup();
        out = all;
    }
    out
}

/// The rows directly inside the first chassis-like row whose
/// entPhysicalClass is one of `classes` (chassis 3, container 5, module 9,
/// stack 11): a stack's units, a chassis' main board. Lowest index first.
/// For agents that keep the device's serial and model on such a row, not
/// on the chassis or stack itself.
pub(super) fn unit_rows(snmp: &SnmpFacts, chassis: &[u32], classes: &[i64]) -> Vec<u32> {
    let Some(&top) = chassis.first() else {
        return Vec::new();
    };
    let contained = Oid::from_arcs([&ENTRY[..], &[Column::ContainedIn as u32]].concat());
    let mut out: Vec<u32> = snmp
        .subtree(&contained)
        .take(20_000)
        .filter_map(|(o, v)| {
            let idx = match o.suffix_after(&contained)? {
                [i] => *i,
                _ => return None,
            };
            let parent = u32::try_from(v.as_i64()?).ok()?;
            let class = snmp.get(&oid(Column::Class, idx)).and_then(Value::as_i64)?;
            (parent == top && classes.contains(&class)).then_some(idx)
        })
        .collect();
    out.sort_unstable();
    out
}

/// The first usable value of `column` among the chassis rows, with its OID.
pub(super) fn chassis_value<'a>(
    snmp: &'a SnmpFacts,
    rows: &[u32],
    column: Column,
) -> Option<(Oid, &'a Value)> {
    rows.iter().find_map(|&i| {
        let o = oid(column, i);
        let v = snmp.get(&o)?;
        let t = v.as_lossy_text()?;
        super::text::usable(&t)?;
        Some((o, v))
    })
}
