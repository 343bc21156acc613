//! What one SNMP probe of one device found: the system group, the decoded
//! inventory tables, and the raw facts for the fingerprint engine.

use super::tables::{
    AddressRow, ArpRow, EntityRow, FdbRow, HostDeviceRow, InterfaceRow, NeighborRow, PrinterInfo,
    SoftwareRow, StorageRow, UpsInfo,
};
use super::text::{MAX_DESCR_CHARS, MAX_FIELD_CHARS, value_text};
use crate::facts::{Oid, SnmpFacts, Value};
use serde::Serialize;

/// The result of [`Collector::probe`](super::Collector::probe) for a device that answered.
#[derive(Serialize, Debug, Clone, Default)]
pub struct SnmpReport {
    /// "1", "2c" or "3": the version that answered.
    pub version: String,
    /// Name of the credential that answered (never the secret).
    pub credential: String,
    /// sysDescr, cleaned (control characters replaced, at most 1024 characters).
    pub sys_descr: Option<String>,
    /// sysObjectID, dotted.
    pub sys_object_id: Option<String>,
    /// sysName, cleaned.
    pub sys_name: Option<String>,
    /// sysUpTime in hundredths of a second.
    pub sys_uptime: Option<u32>,
    /// sysContact, cleaned.
    pub sys_contact: Option<String>,
    /// sysLocation, cleaned.
    pub sys_location: Option<String>,
    /// ENTITY-MIB physical entities: chassis, modules, PSUs, fans, transceivers.
    pub entities: Vec<EntityRow>,
    /// IF-MIB interfaces.
    pub interfaces: Vec<InterfaceRow>,
    /// The device's own IP addresses (IP-MIB).
    pub addresses: Vec<AddressRow>,
    /// The device's ARP/neighbour cache (IP-MIB ipNetToPhysical/ipNetToMedia).
    pub arp: Vec<ArpRow>,
    /// Bridge forwarding table: which MAC is behind which port (Q-BRIDGE/BRIDGE-MIB).
    pub fdb: Vec<FdbRow>,
    /// LLDP and CDP neighbours.
    pub neighbors: Vec<NeighborRow>,
    /// HOST-RESOURCES storage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<StorageRow>,
    /// HOST-RESOURCES devices (processors, printers, disks, network).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_devices: Vec<HostDeviceRow>,
    /// HOST-RESOURCES installed software (package names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub software: Vec<SoftwareRow>,
    /// HOST-RESOURCES hrMemorySize, in KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_kib: Option<u64>,
    /// Printer-MIB: serial, page counter, supplies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printer: Option<PrinterInfo>,
    /// UPS-MIB / APC PowerNet: identity and battery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ups: Option<UpsInfo>,
    /// Requests sent to the device during this probe.
    pub requests: u32,
    /// Wall time of the probe, in milliseconds.
    pub elapsed_ms: u64,
    /// Walks that ended early (row limit, non-increasing OIDs, budget,
    /// errors): `subtree: reason`. Empty when everything was read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    /// Every value read, for the fingerprint engine and the store.
    #[serde(skip)]
    pub facts: SnmpFacts,
}

impl SnmpReport {
    /// The raw SNMP values collected (the fingerprint engine's input).
    pub fn facts(&self) -> &SnmpFacts {
        &self.facts
    }

    /// Fill the `sys_*` fields from the facts' system group.
    pub(crate) fn fill_system(&mut self) {
        let get = |base: &str| -> Option<&Value> {
            let oid = Oid::parse(base).ok()?.child(0);
            self.facts.get(&oid)
        };
        self.sys_descr =
            get(super::oids::SYS_DESCR.oid).and_then(|v| value_text(v, MAX_DESCR_CHARS));
        self.sys_object_id = get(super::oids::SYS_OBJECT_ID.oid)
            .and_then(Value::as_oid)
            .map(ToString::to_string);
        self.sys_name = get(super::oids::SYS_NAME.oid).and_then(|v| value_text(v, MAX_FIELD_CHARS));
        self.sys_uptime = get(super::oids::SYS_UPTIME.oid).and_then(|v| match v {
            Value::TimeTicks(t) => Some(*t),
            other => other.as_i64().and_then(|i| u32::try_from(i).ok()),
        });
        self.sys_contact =
            get(super::oids::SYS_CONTACT.oid).and_then(|v| value_text(v, MAX_FIELD_CHARS));
        self.sys_location =
            get(super::oids::SYS_LOCATION.oid).and_then(|v| value_text(v, MAX_FIELD_CHARS));
    }

    /// Decode every inventory table from the facts (pure; used after a Full
    /// probe, and usable on facts read from a recording).
    pub fn decode_tables(&mut self) {
        let f = &self.facts;
        self.entities = super::tables::entities(f);
        self.interfaces = super::tables::interfaces(f);
        self.addresses = super::tables::addresses(f);
        self.arp = super::tables::arp(f);
        self.fdb = super::tables::fdb(f);
        self.neighbors = super::tables::neighbors(f);
        self.storage = super::tables::storage(f);
        self.host_devices = super::tables::host_devices(f);
        self.software = super::tables::software(f);
        self.memory_kib = super::tables::memory_kib(f);
        self.printer = super::tables::printer(f);
        self.ups = super::tables::ups(f);
    }

    /// A report built from facts alone (a recording, or the store): system
    /// fields and tables decoded, version and credential empty.
    pub fn from_facts(facts: SnmpFacts) -> Self {
        let mut r = SnmpReport {
            facts,
            ..SnmpReport::default()
        };
        r.fill_system();
        r.decode_tables();
        r
    }
}
