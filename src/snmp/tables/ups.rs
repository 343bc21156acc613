//! UPS-MIB and APC PowerNet-MIB: a UPS's identity and battery state.

use super::oid;
use crate::facts::{SnmpFacts, Value};
use crate::snmp::oids;
use crate::snmp::text::{MAX_FIELD_CHARS, value_text};
use serde::Serialize;

/// UPS identity and battery state (UPS-MIB, APC PowerNet-MIB).
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct UpsInfo {
    /// upsIdentManufacturer, or "APC" for PowerNet.
    pub manufacturer: Option<String>,
    /// upsIdentModel / upsBasicIdentModel.
    pub model: Option<String>,
    /// upsAdvIdentSerialNumber (APC).
    pub serial: Option<String>,
    /// upsIdentUPSSoftwareVersion / upsAdvIdentFirmwareRevision.
    pub firmware: Option<String>,
    /// upsIdentName / upsBasicIdentName.
    pub name: Option<String>,
    /// unknown, normal, low, depleted.
    pub battery_status: Option<String>,
    /// Percent charge.
    pub charge_percent: Option<i64>,
    /// Estimated minutes of runtime.
    pub runtime_minutes: Option<i64>,
    /// upsAdvIdentDateOfManufacture (APC), as written by the device.
    pub manufactured: Option<String>,
    /// upsBasicBatteryLastReplaceDate (APC), as written by the device.
    pub battery_replaced: Option<String>,
    /// upsAdvBatteryReplaceIndicator (APC): true when the battery needs replacing.
    pub battery_needs_replacing: Option<bool>,
}

/// APC PowerNet-MIB upsBasicIdentModel and friends (1.3.6.1.4.1.318.1.1.1).
pub mod apc {
    /// upsBasicIdentModel.
    pub const MODEL: &str = "1.3.6.1.4.1.318.1.1.1.1.1.1.0";
    /// upsBasicIdentName.
    pub const NAME: &str = "1.3.6.1.4.1.318.1.1.1.1.1.2.0";
    /// upsAdvIdentFirmwareRevision.
    pub const FIRMWARE: &str = "1.3.6.1.4.1.318.1.1.1.1.2.1.0";
    /// upsAdvIdentDateOfManufacture.
    pub const MANUFACTURED: &str = "1.3.6.1.4.1.318.1.1.1.1.2.2.0";
    /// upsAdvIdentSerialNumber.
    pub const SERIAL: &str = "1.3.6.1.4.1.318.1.1.1.1.2.3.0";
    /// upsBasicBatteryStatus.
    pub const BATTERY_STATUS: &str = "1.3.6.1.4.1.318.1.1.1.2.1.1.0";
    /// upsBasicBatteryLastReplaceDate.
    pub const BATTERY_REPLACED: &str = "1.3.6.1.4.1.318.1.1.1.2.1.3.0";
    /// upsAdvBatteryCapacity.
    pub const CHARGE: &str = "1.3.6.1.4.1.318.1.1.1.2.2.1.0";
    /// upsAdvBatteryRunTimeRemaining (TimeTicks).
    pub const RUNTIME: &str = "1.3.6.1.4.1.318.1.1.1.2.2.3.0";
    /// upsAdvBatteryReplaceIndicator.
    pub const REPLACE_INDICATOR: &str = "1.3.6.1.4.1.318.1.1.1.2.2.4.0";
}

/// Decode UPS-MIB and APC PowerNet identity/battery; None when neither is present.
pub fn ups(f: &SnmpFacts) -> Option<UpsInfo> {
    let scalar = |k: &oids::Known| f.get(&oid(k).child(0));
    let s = |o: &str| f.get_str(o);
    let t = |v: Option<&Value>| v.and_then(|v| value_text(v, MAX_FIELD_CHARS));
    let mut u = UpsInfo {
        manufacturer: t(scalar(&oids::UPS_IDENT_MANUFACTURER)),
        model: t(scalar(&oids::UPS_IDENT_MODEL)),
        firmware: t(scalar(&oids::UPS_IDENT_UPS_SOFTWARE_VERSION)),
        name: t(scalar(&oids::UPS_IDENT_NAME)),
        battery_status: scalar(&oids::UPS_BATTERY_STATUS)
            .and_then(Value::as_i64)
            .and_then(|n| {
                Some(match n {
                    1 => "unknown",
                    2 => "normal",
                    3 => "low",
                    4 => "depleted",
                    _ => return None,
                })
            })
            .map(str::to_string),
        charge_percent: scalar(&oids::UPS_ESTIMATED_CHARGE_REMAINING).and_then(Value::as_i64),
        runtime_minutes: scalar(&oids::UPS_ESTIMATED_MINUTES_REMAINING).and_then(Value::as_i64),
        ..UpsInfo::default()
    };
    let apc_model = t(s(apc::MODEL));
    let apc_serial = t(s(apc::SERIAL));
    if apc_model.is_some() || apc_serial.is_some() {
        u.manufacturer = u.manufacturer.or_else(|| Some("APC".into()));
        u.model = u.model.or(apc_model);
        u.serial = apc_serial;
        u.name = u.name.or_else(|| t(s(apc::NAME)));
        u.firmware = u.firmware.or_else(|| t(s(apc::FIRMWARE)));
        u.manufactured = t(s(apc::MANUFACTURED));
        u.battery_replaced = t(s(apc::BATTERY_REPLACED));
        // upsBasicBatteryStatus: 1 unknown, 2 batteryNormal, 3 batteryLow, 4 batteryInFaultCondition.
        u.battery_status = u.battery_status.or_else(|| {
            s(apc::BATTERY_STATUS)
                .and_then(Value::as_i64)
                .and_then(|n| {
                    Some(
                        match n {
                            1 => "unknown",
                            2 => "normal",
                            3 => "low",
                            4 => "fault",
                            _ => return None,
                        }
                        .to_string(),
                    )
                })
        });
        u.charge_percent = u
            .charge_percent
            .or_else(|| s(apc::CHARGE).and_then(Value::as_i64));
        u.runtime_minutes = u.runtime_minutes.or_else(|| match s(apc::RUNTIME) {
            Some(Value::TimeTicks(t)) => Some(i64::from(*t) / 6000),
            _ => None,
        });
        // upsAdvBatteryReplaceIndicator: 1 noBatteryNeedsReplacing, 2 batteryNeedsReplacing.
        u.battery_needs_replacing =
            s(apc::REPLACE_INDICATOR)
                .and_then(Value::as_i64)
                .and_then(|n| match n {
                    1 => Some(false),
                    2 => Some(true),
                    _ => None,
                });
    }
    let empty = UpsInfo::default();
    (u != empty).then_some(u)
}
