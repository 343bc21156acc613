//! The device page's SNMP tables (interfaces, addresses, ARP, FDB,
//! LLDP/CDP neighbours, ENTITY-MIB, HOST-RESOURCES, Printer-MIB, UPS):
//! typed rows in, display cells out. Headers come from the catalogue's
//! `[columns.<table>]` (the MIB object as the header's title), stored
//! enumerations from its value sections, numbers and units in the reader's
//! format, and an OID as its MIB name with the dotted OID as the cell's
//! title. Columns empty in every shown row are left out, so wide tables
//! keep to the columns the device filled in. Pure.

use super::i18n::{Labels, Names};
use crate::facts::Oid;
use crate::snmp::SnmpReport;
use crate::snmp::oids::{self, Known};
use crate::snmp::tables::{
    AddressRow, ArpRow, EntityRow, FdbRow, HostDeviceRow, InterfaceRow, NeighborRow, PrinterInfo,
    SoftwareRow, StorageRow, SupplyRow, UpsInfo,
};
use std::collections::BTreeMap;

/// Rows shown per table on the device page (the API has them all).
pub(super) const MAX_ROWS: usize = 300;

/// One table cell: its text, a title (the raw value behind a name, or the
/// dotted OID behind a MIB name), whether it is code-like (monospace), and
/// whether it is the device's own text rather than the page's (marked
/// `translate="no"`: a browser's translator leaves it alone, and the page
/// tests look for English labels only outside it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Cell {
    pub text: String,
    pub title: String,
    pub mono: bool,
    pub keep: bool,
}

impl Cell {
    /// Text the device (or the store) gave, cleaned for display.
    pub fn data(s: &str) -> Cell {
        Cell {
            text: crate::text::printable(s),
            keep: true,
            ..Cell::default()
        }
    }

    /// [`Cell::data`] in monospace: addresses, serials, identifiers.
    pub fn code(s: &str) -> Cell {
        Cell {
            mono: true,
            ..Cell::data(s)
        }
    }

    /// Text the page made in its own language: a name, a number, a time.
    pub fn shown(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            ..Cell::default()
        }
    }

    /// This cell with a title.
    pub fn with_title(self, title: impl Into<String>) -> Cell {
        Cell {
            title: title.into(),
            ..self
        }
    }

    /// A stored value by its name in `names` (the value as the title), or
    /// as it is when the catalogue has no name for it.
    pub fn named(names: &Names, raw: &str) -> Cell {
        match names.get(raw) {
            Some(name) => Cell::shown(name).with_title(raw),
            None => Cell::data(raw),
        }
    }
}

/// A column header: its text and the MIB object it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub text: String,
    pub title: &'static str,
}

/// One table as the template shows it.
#[derive(Debug)]
pub(super) struct TableView {
    /// The html id (`snmp-interfaces`).
    pub id: String,
    pub title: String,
    pub columns: Vec<Header>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows the device has (more than shown when over [`MAX_ROWS`]).
    pub total: usize,
}

/// Interface names by ifIndex, for the tables that name an interface.
type IfNames = BTreeMap<u32, String>;

/// One column of a table of `R`: its catalogue key (the row's field
/// name), the MIB object behind it, and how a row shows it.
struct Col<R> {
    key: &'static str,
    mib: Option<Known>,
    cell: fn(&R, &Labels, &IfNames) -> Cell,
}

/// Shorthand for a column.
const fn col<R>(
    key: &'static str,
    mib: Option<Known>,
    cell: fn(&R, &Labels, &IfNames) -> Cell,
) -> Col<R> {
    Col { key, mib, cell }
}

fn opt_text(v: &Option<String>) -> Cell {
    v.as_deref().map(Cell::data).unwrap_or_default()
}

fn opt_mono(v: &Option<String>) -> Cell {
    v.as_deref().map(Cell::code).unwrap_or_default()
}

fn num(l: &Labels, v: Option<impl std::fmt::Display>) -> Cell {
    Cell::shown(v.map(|n| l.num(n)).unwrap_or_default())
}

fn named(names: &Names, v: &Option<String>) -> Cell {
    v.as_deref()
        .map(|raw| Cell::named(names, raw))
        .unwrap_or_default()
}

fn yes_no(l: &Labels, v: Option<bool>) -> Cell {
    Cell::shown(v.map(|b| l.yes_no(b).to_string()).unwrap_or_default())
}

fn percent(l: &Labels, v: Option<i64>) -> Cell {
    Cell::shown(v.map(|n| l.percent(n)).unwrap_or_default())
}

/// An interface by ifIndex: its name (the index as the title) when the
/// device listed it, else the index.
fn interface(l: &Labels, names: &IfNames, index: Option<u32>) -> Cell {
    match index {
        None => Cell::default(),
        Some(i) => match names.get(&i) {
            Some(name) => Cell::code(name).with_title(format!("ifIndex {i}")),
            None => Cell::shown(l.num(i)),
        },
    }
}

/// An OID as its MIB name (`MODULE::object.instance`), the dotted OID as
/// the title; the text as it is when it is not an OID or has no name.
pub(super) fn oid_cell(text: &str) -> Cell {
    let Ok(oid) = Oid::parse(text) else {
        return Cell::code(text);
    };
    let dotted = oid.to_string();
    match oid_name(&oid) {
        Some(name) => Cell::code(&name).with_title(dotted),
        None => Cell::code(&dotted),
    }
}

/// The most specific MIB name of `oid` Pandian knows: the objects it polls
/// and their modules ([`crate::snmp::names`]) or the compiled vendor MIBs
/// ([`crate::registry::mib`]), whichever names more of it.
pub(super) fn oid_name(oid: &Oid) -> Option<String> {
    let polled = crate::snmp::names::lookup(oid).map(|(_, rest)| rest.len());
    let compiled = crate::registry::mib::name(oid).map(|(_, _, rest)| rest.len());
    match (polled, compiled) {
        (Some(p), Some(c)) if c < p => crate::registry::mib::display(oid),
        (Some(_), _) => Some(crate::snmp::names::display(oid)),
        (None, Some(_)) => crate::registry::mib::display(oid),
        (None, None) => None,
    }
}

const INTERFACES: &[Col<InterfaceRow>] = &[
    col("index", None, |r, l, _| Cell::shown(l.num(r.index))),
    col("name", Some(oids::IF_NAME), |r, _, _| opt_mono(&r.name)),
    col("description", Some(oids::IF_DESCR), |r, _, _| {
        opt_text(&r.description)
    }),
    col("alias", Some(oids::IF_ALIAS), |r, _, _| opt_text(&r.alias)),
    col("if_type", Some(oids::IF_TYPE), |r, l, _| match r.if_type {
        None => Cell::default(),
        Some(n) => {
            let key = n.to_string();
            let title = format!("IANAifType {n}");
            Cell::shown(l.if_type.get(&key).unwrap_or(&key)).with_title(title)
        }
    }),
    col("mac", Some(oids::IF_PHYS_ADDRESS), |r, _, _| {
        opt_mono(&r.mac)
    }),
    col("speed_bps", Some(oids::IF_HIGH_SPEED), |r, l, _| {
        Cell::shown(r.speed_bps.map(|b| l.speed(b)).unwrap_or_default())
    }),
    col("mtu", Some(oids::IF_MTU), |r, l, _| num(l, r.mtu)),
    col("admin_status", Some(oids::IF_ADMIN_STATUS), |r, l, _| {
        named(&l.if_status, &r.admin_status)
    }),
    col("oper_status", Some(oids::IF_OPER_STATUS), |r, l, _| {
        named(&l.if_status, &r.oper_status)
    }),
    col(
        "connector_present",
        Some(oids::IF_CONNECTOR_PRESENT),
        |r, l, _| yes_no(l, r.connector_present),
    ),
];

const ADDRESSES: &[Col<AddressRow>] = &[
    col("ip", None, |r, _, _| Cell::code(&r.ip.to_string())),
    col(
        "prefix_length",
        Some(oids::IP_AD_ENT_NET_MASK),
        |r, l, _| num(l, r.prefix_length),
    ),
    col("if_index", Some(oids::IP_ADDRESS_IF_INDEX), |r, l, n| {
        interface(l, n, r.if_index)
    }),
];

const ARP: &[Col<ArpRow>] = &[
    col("ip", None, |r, _, _| Cell::code(&r.ip.to_string())),
    col(
        "mac",
        Some(oids::IP_NET_TO_PHYSICAL_PHYS_ADDRESS),
        |r, _, _| Cell::code(&r.mac),
    ),
    col("if_index", None, |r, l, n| interface(l, n, r.if_index)),
    col(
        "entry_type",
        Some(oids::IP_NET_TO_PHYSICAL_TYPE),
        |r, l, _| named(&l.arp_type, &r.entry_type),
    ),
];

const FDB: &[Col<FdbRow>] = &[
    col("mac", None, |r, _, _| Cell::code(&r.mac)),
    col("vlan", Some(oids::DOT1Q_VLAN_FDB_ID), |r, l, _| {
        num(l, r.vlan)
    }),
    col("bridge_port", Some(oids::DOT1Q_TP_FDB_PORT), |r, l, _| {
        Cell::shown(l.num(r.bridge_port))
    }),
    col(
        "if_index",
        Some(oids::DOT1D_BASE_PORT_IF_INDEX),
        |r, l, _| num(l, r.if_index),
    ),
    col("port_name", Some(oids::IF_NAME), |r, _, _| {
        opt_mono(&r.port_name)
    }),
    col("status", Some(oids::DOT1Q_TP_FDB_STATUS), |r, l, _| {
        named(&l.fdb_status, &r.status)
    }),
];

const NEIGHBORS: &[Col<NeighborRow>] = &[
    col("protocol", None, |r, l, _| {
        named(&l.protocol, &Some(r.protocol.clone()))
    }),
    col("local_port", Some(oids::LLDP_LOC_PORT_ID), |r, _, _| {
        opt_mono(&r.local_port)
    }),
    col("local_if_index", None, |r, l, _| num(l, r.local_if_index)),
    col(
        "remote_chassis_id",
        Some(oids::LLDP_REM_CHASSIS_ID),
        |r, _, _| opt_mono(&r.remote_chassis_id),
    ),
    col("remote_port", Some(oids::LLDP_REM_PORT_ID), |r, _, _| {
        opt_mono(&r.remote_port)
    }),
    col(
        "remote_port_description",
        Some(oids::LLDP_REM_PORT_DESC),
        |r, _, _| opt_text(&r.remote_port_description),
    ),
    col("remote_name", Some(oids::LLDP_REM_SYS_NAME), |r, _, _| {
        opt_text(&r.remote_name)
    }),
    col(
        "remote_description",
        Some(oids::LLDP_REM_SYS_DESC),
        |r, _, _| opt_text(&r.remote_description),
    ),
    col(
        "remote_platform",
        Some(oids::CDP_CACHE_PLATFORM),
        |r, _, _| opt_text(&r.remote_platform),
    ),
    col("remote_address", None, |r, _, _| {
        Cell::code(&r.remote_address.map(|a| a.to_string()).unwrap_or_default())
    }),
];

const ENTITIES: &[Col<EntityRow>] = &[
    col("index", None, |r, l, _| Cell::shown(l.num(r.index))),
    col("class", Some(oids::ENT_PHYSICAL_CLASS), |r, l, _| {
        named(&l.entity_class, &r.class)
    }),
    col("description", Some(oids::ENT_PHYSICAL_DESCR), |r, _, _| {
        opt_text(&r.description)
    }),
    col("name", Some(oids::ENT_PHYSICAL_NAME), |r, _, _| {
        opt_text(&r.name)
    }),
    col("model", Some(oids::ENT_PHYSICAL_MODEL_NAME), |r, _, _| {
        opt_text(&r.model)
    }),
    col("serial", Some(oids::ENT_PHYSICAL_SERIAL_NUM), |r, _, _| {
        opt_mono(&r.serial)
    }),
    col(
        "manufacturer",
        Some(oids::ENT_PHYSICAL_MFG_NAME),
        |r, _, _| opt_text(&r.manufacturer),
    ),
    col(
        "hardware_revision",
        Some(oids::ENT_PHYSICAL_HARDWARE_REV),
        |r, _, _| opt_text(&r.hardware_revision),
    ),
    col(
        "firmware_revision",
        Some(oids::ENT_PHYSICAL_FIRMWARE_REV),
        |r, _, _| opt_text(&r.firmware_revision),
    ),
    col(
        "software_revision",
        Some(oids::ENT_PHYSICAL_SOFTWARE_REV),
        |r, _, _| opt_text(&r.software_revision),
    ),
    col("alias", Some(oids::ENT_PHYSICAL_ALIAS), |r, _, _| {
        opt_text(&r.alias)
    }),
    col("asset_id", Some(oids::ENT_PHYSICAL_ASSET_ID), |r, _, _| {
        opt_text(&r.asset_id)
    }),
    col(
        "contained_in",
        Some(oids::ENT_PHYSICAL_CONTAINED_IN),
        |r, l, _| num(l, r.contained_in),
    ),
    col(
        "position",
        Some(oids::ENT_PHYSICAL_PARENT_REL_POS),
        |r, l, _| num(l, r.position),
    ),
    col(
        "vendor_type",
        Some(oids::ENT_PHYSICAL_VENDOR_TYPE),
        |r, _, _| r.vendor_type.as_deref().map(oid_cell).unwrap_or_default(),
    ),
    col(
        "field_replaceable",
        Some(oids::ENT_PHYSICAL_IS_FRU),
        |r, l, _| yes_no(l, r.field_replaceable),
    ),
];

const STORAGE: &[Col<StorageRow>] = &[
    col("index", None, |r, l, _| Cell::shown(l.num(r.index))),
    col("kind", Some(oids::HR_STORAGE_TYPE), |r, l, _| {
        named(&l.storage_kind, &r.kind)
    }),
    col("description", Some(oids::HR_STORAGE_DESCR), |r, _, _| {
        opt_text(&r.description)
    }),
    col("size_bytes", Some(oids::HR_STORAGE_SIZE), |r, l, _| {
        Cell::shown(r.size_bytes.map(|b| l.bytes(b)).unwrap_or_default())
    }),
    col("used_bytes", Some(oids::HR_STORAGE_USED), |r, l, _| {
        Cell::shown(r.used_bytes.map(|b| l.bytes(b)).unwrap_or_default())
    }),
];

const HOST_DEVICES: &[Col<HostDeviceRow>] = &[
    col("index", None, |r, l, _| Cell::shown(l.num(r.index))),
    col("kind", Some(oids::HR_DEVICE_TYPE), |r, l, _| {
        named(&l.host_device_kind, &r.kind)
    }),
    col("description", Some(oids::HR_DEVICE_DESCR), |r, _, _| {
        opt_text(&r.description)
    }),
    col("status", Some(oids::HR_DEVICE_STATUS), |r, l, _| {
        named(&l.host_device_status, &r.status)
    }),
    col("load_percent", Some(oids::HR_PROCESSOR_LOAD), |r, l, _| {
        percent(l, r.load_percent)
    }),
];

const SOFTWARE: &[Col<SoftwareRow>] = &[
    col("index", None, |r, l, _| Cell::shown(l.num(r.index))),
    col("name", Some(oids::HR_SW_INSTALLED_NAME), |r, _, _| {
        Cell::code(&r.name)
    }),
];

const PRINTER: &[Col<PrinterInfo>] = &[
    col(
        "serial",
        Some(oids::PRT_GENERAL_SERIAL_NUMBER),
        |r, _, _| opt_mono(&r.serial),
    ),
    col("name", Some(oids::PRT_GENERAL_PRINTER_NAME), |r, _, _| {
        opt_text(&r.name)
    }),
    col(
        "page_count",
        Some(oids::PRT_MARKER_LIFE_COUNT),
        |r, l, _| num(l, r.page_count),
    ),
];

const SUPPLIES: &[Col<SupplyRow>] = &[
    col(
        "description",
        Some(oids::PRT_MARKER_SUPPLIES_DESCRIPTION),
        |r, _, _| opt_text(&r.description),
    ),
    col(
        "supply_type",
        Some(oids::PRT_MARKER_SUPPLIES_TYPE),
        |r, l, _| match r.supply_type {
            None => Cell::default(),
            Some(n) => {
                let key = n.to_string();
                Cell::shown(l.supply_type.get(&key).unwrap_or(&key)).with_title(key.clone())
            }
        },
    ),
    col(
        "max_capacity",
        Some(oids::PRT_MARKER_SUPPLIES_MAX_CAPACITY),
        |r, l, _| num(l, r.max_capacity),
    ),
    col("level", Some(oids::PRT_MARKER_SUPPLIES_LEVEL), |r, l, _| {
        num(l, r.level)
    }),
    col("percent", None, |r, l, _| percent(l, r.percent)),
];

const UPS: &[Col<UpsInfo>] = &[
    col(
        "manufacturer",
        Some(oids::UPS_IDENT_MANUFACTURER),
        |r, _, _| opt_text(&r.manufacturer),
    ),
    col("model", Some(oids::UPS_IDENT_MODEL), |r, _, _| {
        opt_text(&r.model)
    }),
    col("serial", None, |r, _, _| opt_mono(&r.serial)),
    col(
        "firmware",
        Some(oids::UPS_IDENT_UPS_SOFTWARE_VERSION),
        |r, _, _| opt_text(&r.firmware),
    ),
    col("name", Some(oids::UPS_IDENT_NAME), |r, _, _| {
        opt_text(&r.name)
    }),
    col(
        "battery_status",
        Some(oids::UPS_BATTERY_STATUS),
        |r, l, _| named(&l.battery_status, &r.battery_status),
    ),
    col("charge_percent", None, |r, l, _| {
        percent(l, r.charge_percent)
    }),
    col(
        "runtime_minutes",
        Some(oids::UPS_ESTIMATED_MINUTES_REMAINING),
        |r, l, _| {
            Cell::shown(
                r.runtime_minutes
                    .map(|m| l.format.minutes.n(&l.num(m)))
                    .unwrap_or_default(),
            )
        },
    ),
    col("manufactured", None, |r, _, _| opt_text(&r.manufactured)),
    col("battery_replaced", None, |r, _, _| {
        opt_text(&r.battery_replaced)
    }),
    col("battery_needs_replacing", None, |r, l, _| {
        yes_no(l, r.battery_needs_replacing)
    }),
];

/// Every table's catalogue section and its column keys, in page order
/// (for the catalogue tests).
#[cfg(test)]
pub(super) fn column_keys() -> Vec<(&'static str, Vec<&'static str>)> {
    fn keys<R>(cols: &[Col<R>]) -> Vec<&'static str> {
        cols.iter().map(|c| c.key).collect()
    }
    vec![
        ("interfaces", keys(INTERFACES)),
        ("addresses", keys(ADDRESSES)),
        ("arp", keys(ARP)),
        ("fdb", keys(FDB)),
        ("neighbors", keys(NEIGHBORS)),
        ("entities", keys(ENTITIES)),
        ("storage", keys(STORAGE)),
        ("host_devices", keys(HOST_DEVICES)),
        ("software", keys(SOFTWARE)),
        ("printer", keys(PRINTER)),
        ("supplies", keys(SUPPLIES)),
        ("ups", keys(UPS)),
    ]
}

/// The catalogue's headers of table `section`.
fn headers_of<'a>(l: &'a Labels, section: &str) -> Option<&'a Names> {
    let c = &l.columns;
    Some(match section {
        "interfaces" => &c.interfaces,
        "addresses" => &c.addresses,
        "arp" => &c.arp,
        "fdb" => &c.fdb,
        "neighbors" => &c.neighbors,
        "entities" => &c.entities,
        "storage" => &c.storage,
        "host_devices" => &c.host_devices,
        "software" => &c.software,
        "printer" => &c.printer,
        "supplies" => &c.supplies,
        "ups" => &c.ups,
        _ => return None,
    })
}

/// A table of `rows` (None when there are none), its columns in
/// `cols` order less those empty in every shown row.
fn build<R>(
    section: &'static str,
    title: &str,
    cols: &[Col<R>],
    rows: &[R],
    l: &Labels,
    ifnames: &IfNames,
) -> Option<TableView> {
    if rows.is_empty() {
        return None;
    }
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .take(MAX_ROWS)
        .map(|r| cols.iter().map(|c| (c.cell)(r, l, ifnames)).collect())
        .collect();
    let keep: Vec<bool> = (0..cols.len())
        .map(|i| {
            cells
                .iter()
                .any(|row| row.get(i).is_some_and(|c| !c.text.is_empty()))
        })
        .collect();
    let headers = headers_of(l, section);
    let columns = cols
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| Header {
            text: headers.map_or(c.key, |h| h.of(c.key)).to_string(),
            title: c.mib.map_or("", |k| k.name),
        })
        .collect();
    let total = rows.len();
    let rows = cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c)
                .collect()
        })
        .collect();
    Some(TableView {
        id: format!("snmp-{}", section.replace('_', "-")),
        title: title.to_string(),
        columns,
        rows,
        total,
    })
}

/// Every SNMP table the report holds, in page order, in `l`'s language.
pub(super) fn tables(r: &SnmpReport, l: &Labels) -> Vec<TableView> {
    let ifnames: IfNames = r
        .interfaces
        .iter()
        .filter_map(|i| {
            let name = i.name.as_deref().or(i.description.as_deref())?;
            Some((i.index, crate::text::printable(name)))
        })
        .collect();
    let t = &l.table;
    let one = |x: &Option<PrinterInfo>| x.iter().cloned().collect::<Vec<_>>();
    let printer = one(&r.printer);
    let supplies: Vec<SupplyRow> = printer
        .iter()
        .flat_map(|p| p.supplies.iter().cloned())
        .collect();
    let ups: Vec<UpsInfo> = r.ups.iter().cloned().collect();
    [
        build(
            "interfaces",
            &t.interfaces,
            INTERFACES,
            &r.interfaces,
            l,
            &ifnames,
        ),
        build(
            "addresses",
            &t.addresses,
            ADDRESSES,
            &r.addresses,
            l,
            &ifnames,
        ),
        build("arp", &t.arp, ARP, &r.arp, l, &ifnames),
        build("fdb", &t.fdb, FDB, &r.fdb, l, &ifnames),
        build(
            "neighbors",
            &t.neighbors,
            NEIGHBORS,
            &r.neighbors,
            l,
            &ifnames,
        ),
        build("entities", &t.entities, ENTITIES, &r.entities, l, &ifnames),
        build("storage", &t.storage, STORAGE, &r.storage, l, &ifnames),
        build(
            "host_devices",
            &t.host_devices,
            HOST_DEVICES,
            &r.host_devices,
            l,
            &ifnames,
        ),
        build("software", &t.software, SOFTWARE, &r.software, l, &ifnames),
        build("printer", &t.printer, PRINTER, &printer, l, &ifnames),
        build("supplies", &t.supplies, SUPPLIES, &supplies, l, &ifnames),
        build("ups", &t.ups, UPS, &ups, l, &ifnames),
    ]
    .into_iter()
    .flatten()
    .collect()
}
