//! Hand-written locations (`locations.toml`): where vendors keep model,
//! serial and firmware. In file order, the first location with a usable
//! value proposes it for its field; its weight says what kind of place it
//! is (a vendor's identity object, ENTITY-MIB's chassis row, a word of
//! text).

use super::Fact;
use super::entity::{self, Column};
use super::rules::{Field, Knowledge, LocationSource};
use super::text::{short, usable};
use super::vote::{Proposal, weight};
use super::words::{model_pair, model_token};
use crate::facts::{DeviceFacts, Oid, SnmpFacts, Value};
use crate::registry;

/// What the locations need to know about the device so far.
pub(super) struct Known<'a> {
    pub vendor: Option<&'a str>,
    pub class: Option<&'a str>,
    pub descr: Option<&'a str>,
    /// Private enterprises with values in the walk.
    pub present: &'a [u32],
    /// A serial another source already proposed (a model word equal to it
    /// is not a model).
    pub serial: Option<&'a str>,
    /// ENTITY-MIB's chassis-like rows (see `entity::chassis_rows`).
    pub chassis: &'a [u32],
}

/// IF-MIB ifPhysAddress.
const IF_PHYS_ADDRESS: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 6];
/// SNMPv2-MIB sysDescr.0.
const SYS_DESCR: [u32; 9] = crate::facts::SYS_DESCR;

/// The proposals of the first usable location of each field in `fields`.
pub(super) fn propose(
    k: &Knowledge,
    brands: &super::pattern::Set,
    facts: &DeviceFacts,
    known: &Known<'_>,
    fields: &[Field],
    out: &mut Vec<Proposal>,
) {
    let snmp = &facts.snmp;
    let rows = known.chassis;
    let mut done: Vec<Field> = Vec::new();
    for loc in &k.locations {
        if !fields.contains(&loc.field) || done.contains(&loc.field) {
            continue;
        }
        if let Some(v) = &loc.vendor
            && known.vendor != Some(v.as_str())
        {
            continue;
        }
        if !loc.classes.is_empty()
            && !known
                .class
                .is_some_and(|c| loc.classes.iter().any(|x| x == c))
        {
            continue;
        }
        if let LocationSource::Oid(o) = &loc.source
            && o.enterprise().is_some_and(|e| !known.present.contains(&e))
        {
            continue;
        }
        let (found, w) = match &loc.source {
            LocationSource::DescrModelToken => (
                known
                    .descr
                    .and_then(|d| model_token(d, known.vendor, brands).or_else(|| model_pair(d)))
                    .filter(|t| known.serial != Some(*t))
                    .map(|t| (Oid::from_arcs(SYS_DESCR).to_string(), t.to_string())),
                weight::DESCR_WORD,
            ),
            LocationSource::Oid(o) => {
                let text_part = loc.extract.is_some();
                let w = if text_part {
                    weight::MIB_PRESENCE
                } else {
                    weight::LOCATION
                };
                (
                    first_usable(snmp, o, !text_part).map(|(o, t)| (o.to_string(), t)),
                    w,
                )
            }
            LocationSource::InterfaceMac => (own_mac(facts), weight::LOCATION),
            LocationSource::EntityChassisDescr => (
                entity::chassis_value(snmp, rows, Column::Descr)
                    .and_then(|(o, v)| Some((o.to_string(), v.as_lossy_text()?))),
                weight::MIB_PRESENCE,
            ),
            LocationSource::EntityChassis => {
                let col = match loc.field {
                    Field::Model => Column::ModelName,
                    Field::Serial => Column::SerialNum,
                    Field::Firmware => Column::SoftwareRev,
                    Field::Os => Column::FirmwareRev,
                };
                let text = |(o, v): (Oid, &Value)| Some((o.to_string(), v.as_lossy_text()?));
                match entity::chassis_value(snmp, rows, col).and_then(text) {
                    Some(found) => (Some(found), weight::ENTITY),
                    // A stack's unit or a chassis' board holding what the
                    // chassis row leaves empty.
                    // A module's model names the module, not the device:
                    // only a unit or container row gives a model.
                    None => {
                        let classes: &[i64] = if loc.field == Field::Model {
                            &[3, 5, 11]
                        } else {
                            &[3, 5, 9, 11]
                        };
                        (
                            entity::chassis_value(
                                snmp,
                                &entity::unit_rows(snmp, rows, classes),
                                col,
                            )
                            .and_then(text),
                            weight::ENTITY - 10,
                        )
                    }
                }
            }
        };
        let Some((source, text)) = found else {
            continue;
        };
        let value = match &loc.extract {
            Some(re) => match re.captures(&text).and_then(|c| c.name("v")) {
                Some(m) => m.trim().to_string(),
                None => continue,
            },
            None => text.clone(),
        };
        let Some(value) = usable(&value) else {
            continue;
        };
        if loc.field == Field::Model
            && super::words::is_version_like(value)
            && loc.extract.is_none()
        {
            continue;
        }
        done.push(loc.field);
        let f = Fact {
            source,
            value: short(&text),
            name: None,
        };
        out.push(Proposal::new(loc.field.vote(), value, w, loc.id.clone()).with_facts(vec![f]));
    }
}

/// The first usable value at `oid` (a scalar) or under it (a column). With
/// `whole` false the value is text a pattern will take a part of
/// (multi-line sysDescr, an inventory dump), so only emptiness is checked
/// here and the part is checked by the caller.
pub(super) fn first_usable(snmp: &SnmpFacts, oid: &Oid, whole: bool) -> Option<(Oid, String)> {
    let text_of = |v: &Value| -> Option<String> {
        let t = match v {
            Value::OctetString(_) => v.as_text().or_else(|| v.as_lossy_text())?,
            Value::Integer(_) | Value::Gauge32(_) => v.as_i64()?.to_string(),
            _ => return None,
        };
        if whole {
            usable(&t).map(str::to_string)
        } else {
            (!t.trim().is_empty()).then_some(t)
        }
    };
    if let Some(v) = snmp.get(oid) {
        return text_of(v).map(|t| (oid.clone(), t));
    }
    snmp.subtree(oid)
        .take(64)
        .find_map(|(o, v)| text_of(v).map(|t| (o.clone(), t)))
}

/// The device's own MAC address as 12 upper-case hex digits (the form
/// makers print as a serial number): the lowest-numbered interface's
/// ifPhysAddress that is a real unicast address, else the MAC the
/// scanner saw.
fn own_mac(facts: &DeviceFacts) -> Option<(String, String)> {
    let hex = |m: &[u8]| m.iter().map(|b| format!("{b:02X}")).collect::<String>();
    let real = |m: &[u8]| {
        <[u8; 6]>::try_from(m).is_ok_and(|a| a != [0; 6] && !registry::oui::is_multicast(a))
    };
    let phys = Oid::from_arcs(IF_PHYS_ADDRESS);
    let from_if = facts
        .snmp
        .subtree(&phys)
        .take(4096)
        .find_map(|(o, v)| match v {
            Value::OctetString(m) if real(m) => Some((o.to_string(), hex(m))),
            _ => None,
        });
    from_if.or_else(|| {
        let m = facts.mac?;
        real(&m).then(|| ("mac".to_string(), hex(&m)))
    })
}
