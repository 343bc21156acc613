//! Table decoders: [`SnmpFacts`] in, typed rows out. Pure. Every value is
//! checked before use (agents send wrong types, short indexes, junk), strings
//! are cleaned and bounded, and a row missing its key columns is dropped
//! rather than guessed.

use super::oids;
use super::text::{MAX_DESCR_CHARS, MAX_FIELD_CHARS, mac_text, value_mac, value_text};
use crate::facts::{Oid, SnmpFacts, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod printer;
mod ups;
pub use printer::{PrinterInfo, SupplyRow, printer};
pub use ups::{UpsInfo, apc, ups};

/// Most rows decoded per table (the walks are bounded too; this bounds the report).
pub const MAX_ROWS: usize = 50_000;

fn oid(k: &oids::Known) -> Oid {
    // The constants are checked by a unit test; an unparsable one yields an
    // empty prefix, which matches nothing useful rather than panicking.
    Oid::parse(k.oid).unwrap_or_default()
}

/// Values of one column, keyed by row index (the arcs after the column OID).
fn column(f: &SnmpFacts, col: &oids::Known) -> BTreeMap<Vec<u32>, Value> {
    let prefix = oid(col);
    f.subtree(&prefix)
        .filter_map(|(o, v)| Some((o.suffix_after(&prefix)?.to_vec(), v.clone())))
        .take(MAX_ROWS)
        .collect()
}

fn text(col: &BTreeMap<Vec<u32>, Value>, idx: &[u32], max: usize) -> Option<String> {
    col.get(idx).and_then(|v| value_text(v, max))
}

fn int(col: &BTreeMap<Vec<u32>, Value>, idx: &[u32]) -> Option<i64> {
    col.get(idx).and_then(Value::as_i64)
}

fn ipv4_from_arcs(arcs: &[u32]) -> Option<Ipv4Addr> {
    match arcs {
        [a, b, c, d] => Some(Ipv4Addr::new(
            u8::try_from(*a).ok()?,
            u8::try_from(*b).ok()?,
            u8::try_from(*c).ok()?,
            u8::try_from(*d).ok()?,
        )),
        _ => None,
    }
}

fn bytes_from_arcs(arcs: &[u32]) -> Option<Vec<u8>> {
    arcs.iter().map(|a| u8::try_from(*a).ok()).collect()
}

/// An InetAddress given as (type, length-prefixed bytes) in an index:
/// returns the address and the arcs after it.
fn inet_from_index(arcs: &[u32]) -> Option<(IpAddr, &[u32])> {
    let (&kind, rest) = arcs.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::try_from(len).ok()?;
    let addr = rest.get(..len)?;
    let tail = rest.get(len..)?;
    Some((ip_from_bytes(kind, &bytes_from_arcs(addr)?)?, tail))
}

/// InetAddressType 1 = ipv4, 2 = ipv6, 3 = ipv4z, 4 = ipv6z (zone index dropped).
fn ip_from_bytes(kind: u32, b: &[u8]) -> Option<IpAddr> {
    match (kind, b.len()) {
        (1, 4) | (3, 8) => {
            let a: [u8; 4] = b.get(..4)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        (2, 16) | (4, 20) => {
            let a: [u8; 16] = b.get(..16)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

fn mask_prefix(v: &Value) -> Option<u8> {
    let m = match v {
        Value::IpAddress(a) => u32::from_be_bytes(*a),
        _ => return None,
    };
    let ones = m.leading_ones();
    // A valid netmask is contiguous ones.
    (m.checked_shl(ones).unwrap_or(0) == 0).then(|| u8::try_from(ones).unwrap_or(32))
}

/// The first value under `col`.
fn first_in(f: &SnmpFacts, col: &oids::Known) -> Option<Value> {
    f.subtree(&oid(col)).map(|(_, v)| v.clone()).next()
}

// ----------------------------------------------------------------- ENTITY-MIB

/// One ENTITY-MIB entPhysicalEntry.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct EntityRow {
    /// entPhysicalIndex.
    pub index: u32,
    /// Class: other, unknown, chassis, backplane, container, power_supply,
    /// fan, sensor, module, port, stack, cpu, energy_object, battery, storage_drive.
    pub class: Option<String>,
    /// entPhysicalDescr.
    pub description: Option<String>,
    /// entPhysicalName.
    pub name: Option<String>,
    /// entPhysicalModelName.
    pub model: Option<String>,
    /// entPhysicalSerialNum.
    pub serial: Option<String>,
    /// entPhysicalMfgName.
    pub manufacturer: Option<String>,
    /// entPhysicalHardwareRev.
    pub hardware_revision: Option<String>,
    /// entPhysicalFirmwareRev.
    pub firmware_revision: Option<String>,
    /// entPhysicalSoftwareRev.
    pub software_revision: Option<String>,
    /// entPhysicalAlias.
    pub alias: Option<String>,
    /// entPhysicalAssetID.
    pub asset_id: Option<String>,
    /// entPhysicalContainedIn (0 = top level).
    pub contained_in: Option<u32>,
    /// entPhysicalParentRelPos.
    pub position: Option<i64>,
    /// entPhysicalVendorType, dotted.
    pub vendor_type: Option<String>,
    /// entPhysicalIsFRU.
    pub field_replaceable: Option<bool>,
}

/// PhysicalClass names (ENTITY-MIB, RFC 6933).
pub fn entity_class_name(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "other",
        2 => "unknown",
        3 => "chassis",
        4 => "backplane",
        5 => "container",
        6 => "power_supply",
        7 => "fan",
        8 => "sensor",
        9 => "module",
        10 => "port",
        11 => "stack",
        12 => "cpu",
        13 => "energy_object",
        14 => "battery",
        15 => "storage_drive",
        _ => return None,
    })
}

fn truth(v: i64) -> Option<bool> {
    match v {
        1 => Some(true),
        2 => Some(false),
        _ => None,
    }
}

/// Decode entPhysicalTable.
pub fn entities(f: &SnmpFacts) -> Vec<EntityRow> {
    let descr = column(f, &oids::ENT_PHYSICAL_DESCR);
    let vendor = column(f, &oids::ENT_PHYSICAL_VENDOR_TYPE);
    let contained = column(f, &oids::ENT_PHYSICAL_CONTAINED_IN);
    let class = column(f, &oids::ENT_PHYSICAL_CLASS);
    let pos = column(f, &oids::ENT_PHYSICAL_PARENT_REL_POS);
    let name = column(f, &oids::ENT_PHYSICAL_NAME);
    let hw = column(f, &oids::ENT_PHYSICAL_HARDWARE_REV);
    let fw = column(f, &oids::ENT_PHYSICAL_FIRMWARE_REV);
    let sw = column(f, &oids::ENT_PHYSICAL_SOFTWARE_REV);
    let serial = column(f, &oids::ENT_PHYSICAL_SERIAL_NUM);
    let mfg = column(f, &oids::ENT_PHYSICAL_MFG_NAME);
    let model = column(f, &oids::ENT_PHYSICAL_MODEL_NAME);
    let alias = column(f, &oids::ENT_PHYSICAL_ALIAS);
    let asset = column(f, &oids::ENT_PHYSICAL_ASSET_ID);
    let fru = column(f, &oids::ENT_PHYSICAL_IS_FRU);
    let mut keys: Vec<&Vec<u32>> = descr
        .keys()
        .chain(class.keys())
        .chain(name.keys())
        .chain(model.keys())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|idx| {
            let [index] = idx.as_slice() else { return None };
            Some(EntityRow {
                index: *index,
                class: int(&class, idx)
                    .and_then(entity_class_name)
                    .map(str::to_string),
                description: text(&descr, idx, MAX_FIELD_CHARS),
                name: text(&name, idx, MAX_FIELD_CHARS),
                model: text(&model, idx, MAX_FIELD_CHARS),
                serial: text(&serial, idx, MAX_FIELD_CHARS),
                manufacturer: text(&mfg, idx, MAX_FIELD_CHARS),
                hardware_revision: text(&hw, idx, MAX_FIELD_CHARS),
                firmware_revision: text(&fw, idx, MAX_FIELD_CHARS),
                software_revision: text(&sw, idx, MAX_FIELD_CHARS),
                alias: text(&alias, idx, MAX_FIELD_CHARS),
                asset_id: text(&asset, idx, MAX_FIELD_CHARS),
                contained_in: int(&contained, idx).and_then(|n| u32::try_from(n).ok()),
                position: int(&pos, idx),
                vendor_type: vendor
                    .get(idx)
                    .and_then(Value::as_oid)
                    .filter(|o| !o.is_empty() && o.arcs() != [0, 0])
                    .map(ToString::to_string),
                field_replaceable: int(&fru, idx).and_then(truth),
            })
        })
        .collect()
}

// -------------------------------------------------------------------- IF-MIB

/// One interface (ifTable joined with ifXTable).
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceRow {
    /// ifIndex.
    pub index: u32,
    /// ifName (short name such as `Gi1/0/1`), else None.
    pub name: Option<String>,
    /// ifDescr.
    pub description: Option<String>,
    /// ifAlias (the operator's label).
    pub alias: Option<String>,
    /// IANAifType number (6 = ethernetCsmacd, 24 = softwareLoopback, ...).
    pub if_type: Option<i64>,
    /// ifPhysAddress as aa:bb:cc:dd:ee:ff (None when not a MAC).
    pub mac: Option<String>,
    /// Speed in bits per second (ifHighSpeed × 10⁶ when set, else ifSpeed).
    pub speed_bps: Option<u64>,
    /// ifMtu.
    pub mtu: Option<i64>,
    /// up, down, testing.
    pub admin_status: Option<String>,
    /// up, down, testing, unknown, dormant, not_present, lower_layer_down.
    pub oper_status: Option<String>,
    /// ifConnectorPresent.
    pub connector_present: Option<bool>,
}

fn if_status(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "up",
        2 => "down",
        3 => "testing",
        4 => "unknown",
        5 => "dormant",
        6 => "not_present",
        7 => "lower_layer_down",
        _ => return None,
    })
}

/// Decode ifTable + ifXTable.
pub fn interfaces(f: &SnmpFacts) -> Vec<InterfaceRow> {
    let descr = column(f, &oids::IF_DESCR);
    let typ = column(f, &oids::IF_TYPE);
    let mtu = column(f, &oids::IF_MTU);
    let speed = column(f, &oids::IF_SPEED);
    let phys = column(f, &oids::IF_PHYS_ADDRESS);
    let admin = column(f, &oids::IF_ADMIN_STATUS);
    let oper = column(f, &oids::IF_OPER_STATUS);
    let name = column(f, &oids::IF_NAME);
    let high = column(f, &oids::IF_HIGH_SPEED);
    let conn = column(f, &oids::IF_CONNECTOR_PRESENT);
    let alias = column(f, &oids::IF_ALIAS);
    let mut keys: Vec<&Vec<u32>> = descr.keys().chain(typ.keys()).chain(name.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|idx| {
            let [index] = idx.as_slice() else { return None };
            let hs = int(&high, idx)
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n > 0);
            let s = int(&speed, idx).and_then(|n| u64::try_from(n).ok());
            Some(InterfaceRow {
                index: *index,
                name: text(&name, idx, MAX_FIELD_CHARS),
                description: text(&descr, idx, MAX_FIELD_CHARS),
                alias: text(&alias, idx, MAX_FIELD_CHARS),
                if_type: int(&typ, idx),
                mac: phys.get(idx).and_then(Value::as_bytes).and_then(mac_text),
                speed_bps: match (hs, s) {
                    (Some(h), Some(s)) if s < u64::from(u32::MAX) && h <= 4_294 => Some(s),
                    (Some(h), _) => h.checked_mul(1_000_000),
                    (None, s) => s,
                },
                mtu: int(&mtu, idx),
                admin_status: int(&admin, idx).and_then(if_status).map(str::to_string),
                oper_status: int(&oper, idx).and_then(if_status).map(str::to_string),
                connector_present: int(&conn, idx).and_then(truth),
            })
        })
        .collect()
}

// ------------------------------------------------------------------ IP-MIB

/// One of the device's own addresses.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct AddressRow {
    /// The address.
    pub ip: IpAddr,
    /// Prefix length, when known.
    pub prefix_length: Option<u8>,
    /// ifIndex of the interface holding it.
    pub if_index: Option<u32>,
}

/// Decode ipAddrTable (IPv4) and ipAddressTable (IPv4 and IPv6), merged.
pub fn addresses(f: &SnmpFacts) -> Vec<AddressRow> {
    let mut out: BTreeMap<IpAddr, AddressRow> = BTreeMap::new();
    let ifx = column(f, &oids::IP_AD_ENT_IF_INDEX);
    let mask = column(f, &oids::IP_AD_ENT_NET_MASK);
    for (idx, v) in &ifx {
        let Some(ip) = ipv4_from_arcs(idx) else {
            continue;
        };
        out.insert(
            IpAddr::V4(ip),
            AddressRow {
                ip: IpAddr::V4(ip),
                prefix_length: mask.get(idx).and_then(mask_prefix),
                if_index: v.as_i64().and_then(|n| u32::try_from(n).ok()),
            },
        );
    }
    let ifx = column(f, &oids::IP_ADDRESS_IF_INDEX);
    let typ = column(f, &oids::IP_ADDRESS_TYPE);
    let prefix = column(f, &oids::IP_ADDRESS_PREFIX);
    for (idx, v) in &ifx {
        let Some((ip, [])) = inet_from_index(idx) else {
            continue;
        };
        // ipAddressType: 1 unicast, 2 anycast, 3 broadcast. Skip broadcast.
        if int(&typ, idx) == Some(3) {
            continue;
        }
        // ipAddressPrefix points at ipAddressPrefixOrigin.<ifIndex>.<type>.<len>.<addr...>.<prefixlen>
        let plen = prefix
            .get(idx)
            .and_then(Value::as_oid)
            .and_then(|o| o.arcs().last().copied())
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n <= 128);
        let row = out.entry(ip).or_insert(AddressRow {
            ip,
            prefix_length: None,
            if_index: None,
        });
        row.if_index = row
            .if_index
            .or_else(|| v.as_i64().and_then(|n| u32::try_from(n).ok()));
        row.prefix_length = row.prefix_length.or(plen);
    }
    out.into_values().collect()
}

/// One ARP / neighbour-cache entry of the device.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ArpRow {
    /// The neighbour's address.
    pub ip: IpAddr,
    /// Its MAC.
    pub mac: String,
    /// ifIndex where it was learned.
    pub if_index: Option<u32>,
    /// other, invalid, dynamic, static, local.
    pub entry_type: Option<String>,
}

fn arp_type(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "other",
        2 => "invalid",
        3 => "dynamic",
        4 => "static",
        5 => "local",
        _ => return None,
    })
}

/// Decode ipNetToPhysicalTable and ipNetToMediaTable, merged (invalid entries dropped).
pub fn arp(f: &SnmpFacts) -> Vec<ArpRow> {
    let mut out: BTreeMap<(IpAddr, Option<u32>), ArpRow> = BTreeMap::new();
    let phys = column(f, &oids::IP_NET_TO_PHYSICAL_PHYS_ADDRESS);
    let typ = column(f, &oids::IP_NET_TO_PHYSICAL_TYPE);
    for (idx, v) in &phys {
        let Some((&ifindex, rest)) = idx.split_first() else {
            continue;
        };
        let Some((ip, [])) = inet_from_index(rest) else {
            continue;
        };
        let Some(mac) = value_mac(v) else { continue };
        let t = int(&typ, idx);
        if t == Some(2) {
            continue;
        }
        out.insert(
            (ip, Some(ifindex)),
            ArpRow {
                ip,
                mac,
                if_index: Some(ifindex),
                entry_type: t.and_then(arp_type).map(str::to_string),
            },
        );
    }
    let phys = column(f, &oids::IP_NET_TO_MEDIA_PHYS_ADDRESS);
    let typ = column(f, &oids::IP_NET_TO_MEDIA_TYPE);
    for (idx, v) in &phys {
        let Some((&ifindex, rest)) = idx.split_first() else {
            continue;
        };
        let Some(ip) = ipv4_from_arcs(rest) else {
            continue;
        };
        let Some(mac) = value_mac(v) else { continue };
        // ipNetToMediaType: 1 other, 2 invalid, 3 dynamic, 4 static.
        let t = int(&typ, idx);
        if t == Some(2) {
            continue;
        }
        out.entry((IpAddr::V4(ip), Some(ifindex)))
            .or_insert(ArpRow {
                ip: IpAddr::V4(ip),
                mac,
                if_index: Some(ifindex),
                entry_type: t.and_then(arp_type).map(str::to_string),
            });
    }
    out.into_values().collect()
}

// ------------------------------------------------------- BRIDGE / Q-BRIDGE

/// One forwarding-database entry: a MAC seen behind a bridge port.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct FdbRow {
    /// The MAC address learned.
    pub mac: String,
    /// VLAN id (Q-BRIDGE, when the FDB id maps to one), else None.
    pub vlan: Option<u32>,
    /// Bridge port number.
    pub bridge_port: u32,
    /// ifIndex of that port (dot1dBasePortIfIndex), when known.
    pub if_index: Option<u32>,
    /// ifName/ifDescr of that port, when known.
    pub port_name: Option<String>,
    /// other, invalid, learned, self, mgmt.
    pub status: Option<String>,
}

fn fdb_status(n: i64) -> Option<&'static str> {
    Some(match n {
        1 => "other",
        2 => "invalid",
        3 => "learned",
        4 => "self",
        5 => "mgmt",
        _ => return None,
    })
}

/// Decode dot1qTpFdbTable (preferred) and dot1dTpFdbTable, mapping bridge
/// ports to interfaces.
pub fn fdb(f: &SnmpFacts) -> Vec<FdbRow> {
    let port_if: BTreeMap<Vec<u32>, Value> = column(f, &oids::DOT1D_BASE_PORT_IF_INDEX);
    let if_name = column(f, &oids::IF_NAME);
    let if_descr = column(f, &oids::IF_DESCR);
    let vlan_of_fdb = column(f, &oids::DOT1Q_VLAN_FDB_ID);
    // dot1qVlanFdbId index: TimeMark.VlanIndex -> FdbId. Invert: fdb id -> vlan.
    let mut fdb_vlan: BTreeMap<i64, u32> = BTreeMap::new();
    for (idx, v) in &vlan_of_fdb {
        if let ([_, vlan], Some(fid)) = (idx.as_slice(), v.as_i64()) {
            fdb_vlan.entry(fid).or_insert(*vlan);
        }
    }
    let port_info = |port: u32| -> (Option<u32>, Option<String>) {
        let ifi = port_if
            .get(&vec![port])
            .and_then(Value::as_i64)
            .and_then(|n| u32::try_from(n).ok());
        let name = ifi.and_then(|i| {
            text(&if_name, &[i], MAX_FIELD_CHARS).or_else(|| text(&if_descr, &[i], MAX_FIELD_CHARS))
        });
        (ifi, name)
    };
    let mut out: BTreeMap<(Option<u32>, String, u32), FdbRow> = BTreeMap::new();
    let qport = column(f, &oids::DOT1Q_TP_FDB_PORT);
    let qstatus = column(f, &oids::DOT1Q_TP_FDB_STATUS);
    for (idx, v) in &qport {
        let Some((&fid, mac)) = idx.split_first() else {
            continue;
        };
        let Some(mac) = bytes_from_arcs(mac).as_deref().and_then(mac_text) else {
            continue;
        };
        let Some(port) = v.as_i64().and_then(|n| u32::try_from(n).ok()) else {
            continue;
        };
        let status = int(&qstatus, idx);
        if port == 0 || status == Some(2) {
            continue;
        }
        let vlan = fdb_vlan
            .get(&i64::from(fid))
            .copied()
            .or(Some(fid))
            .filter(|v| (1..=4094).contains(v));
        let (if_index, port_name) = port_info(port);
        out.insert(
            (vlan, mac.clone(), port),
            FdbRow {
                mac,
                vlan,
                bridge_port: port,
                if_index,
                port_name,
                status: status.and_then(fdb_status).map(str::to_string),
            },
        );
    }
    if out.is_empty() {
        let dport = column(f, &oids::DOT1D_TP_FDB_PORT);
        let dstatus = column(f, &oids::DOT1D_TP_FDB_STATUS);
        for (idx, v) in &dport {
            let Some(mac) = bytes_from_arcs(idx).as_deref().and_then(mac_text) else {
                continue;
            };
            let Some(port) = v.as_i64().and_then(|n| u32::try_from(n).ok()) else {
                continue;
            };
            let status = int(&dstatus, idx);
            if port == 0 || status == Some(2) {
                continue;
            }
            let (if_index, port_name) = port_info(port);
            out.insert(
                (None, mac.clone(), port),
                FdbRow {
                    mac,
                    vlan: None,
                    bridge_port: port,
                    if_index,
                    port_name,
                    status: status.and_then(fdb_status).map(str::to_string),
                },
            );
        }
    }
    out.into_values().collect()
}

// ------------------------------------------------------------ LLDP and CDP

/// One neighbour seen by LLDP or CDP.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct NeighborRow {
    /// "lldp" or "cdp".
    pub protocol: String,
    /// Our port (ifName/ifDescr, or the LLDP local port id).
    pub local_port: Option<String>,
    /// Our ifIndex (CDP; LLDP when the local port number is an ifIndex).
    pub local_if_index: Option<u32>,
    /// The neighbour's chassis id (a MAC as aa:bb:.., else text) or CDP device id.
    pub remote_chassis_id: Option<String>,
    /// The neighbour's port id.
    pub remote_port: Option<String>,
    /// The neighbour's port description (LLDP).
    pub remote_port_description: Option<String>,
    /// The neighbour's system name.
    pub remote_name: Option<String>,
    /// The neighbour's system description (LLDP) or software version (CDP).
    pub remote_description: Option<String>,
    /// The neighbour's platform (CDP).
    pub remote_platform: Option<String>,
    /// The neighbour's management address.
    pub remote_address: Option<IpAddr>,
}

/// LLDP chassis/port id: a MAC when the subtype says so (chassis 4, port 3)
/// or the bytes are 6 non-printable ones; else text.
fn lldp_id(v: Option<&Value>, subtype: Option<i64>, mac_subtype: i64) -> Option<String> {
    let v = v?;
    let b = v.as_bytes()?;
    let looks_binary = b.len() == 6 && value_text(v, 64).is_none_or(|t| t.chars().count() != 6);
    if (subtype == Some(mac_subtype) || looks_binary)
        && let Some(m) = mac_text(b)
    {
        return Some(m);
    }
    // networkAddress (chassis subtype 5, port subtype 4): an IANA address
    // family byte, then the address.
    if subtype == Some(mac_subtype + 1)
        && let Some((&fam, rest)) = b.split_first()
        && let Some(ip) = ip_from_bytes(u32::from(fam), rest)
    {
        return Some(ip.to_string());
    }
    value_text(v, MAX_FIELD_CHARS)
}

/// Decode lldpRemTable (+ management addresses, local port names) and cdpCacheTable.
pub fn neighbors(f: &SnmpFacts) -> Vec<NeighborRow> {
    let mut out = Vec::new();
    let if_name = column(f, &oids::IF_NAME);
    let if_descr = column(f, &oids::IF_DESCR);
    let local_name = |ifindex: u32| {
        text(&if_name, &[ifindex], MAX_FIELD_CHARS)
            .or_else(|| text(&if_descr, &[ifindex], MAX_FIELD_CHARS))
    };

    let ch_sub = column(f, &oids::LLDP_REM_CHASSIS_ID_SUBTYPE);
    let ch = column(f, &oids::LLDP_REM_CHASSIS_ID);
    let port_sub = column(f, &oids::LLDP_REM_PORT_ID_SUBTYPE);
    let port = column(f, &oids::LLDP_REM_PORT_ID);
    let port_desc = column(f, &oids::LLDP_REM_PORT_DESC);
    let sys_name = column(f, &oids::LLDP_REM_SYS_NAME);
    let sys_desc = column(f, &oids::LLDP_REM_SYS_DESC);
    let loc_port_id = column(f, &oids::LLDP_LOC_PORT_ID);
    let loc_port_desc = column(f, &oids::LLDP_LOC_PORT_DESC);
    // Management addresses: index timeMark.localPort.remIndex.addrSubtype.addr...
    let man = column(f, &oids::LLDP_REM_MAN_ADDR_IF_SUBTYPE);
    let mut man_addr: BTreeMap<Vec<u32>, IpAddr> = BTreeMap::new();
    for idx in man.keys() {
        let (Some(key), Some(rest)) = (idx.get(..3), idx.get(3..)) else {
            continue;
        };
        // Subtype is an IANA address family (1 ipv4, 2 ipv6), then a length-prefixed address.
        if let Some((ip, [])) = inet_from_index(rest) {
            man_addr.entry(key.to_vec()).or_insert(ip);
        }
    }
    let mut keys: Vec<&Vec<u32>> = ch
        .keys()
        .chain(sys_name.keys())
        .chain(port.keys())
        .collect();
    keys.sort();
    keys.dedup();
    for idx in keys {
        let [_, local_port, _] = idx.as_slice() else {
            continue;
        };
        let lp = [*local_port];
        out.push(NeighborRow {
            protocol: "lldp".into(),
            local_port: text(&loc_port_desc, &lp, MAX_FIELD_CHARS)
                .or_else(|| text(&loc_port_id, &lp, MAX_FIELD_CHARS))
                .or_else(|| local_name(*local_port)),
            local_if_index: if if_name.contains_key(&lp[..]) || if_descr.contains_key(&lp[..]) {
                Some(*local_port)
            } else {
                None
            },
            remote_chassis_id: lldp_id(ch.get(idx), int(&ch_sub, idx), 4),
            remote_port: lldp_id(port.get(idx), int(&port_sub, idx), 3),
            remote_port_description: text(&port_desc, idx, MAX_FIELD_CHARS),
            remote_name: text(&sys_name, idx, MAX_FIELD_CHARS),
            remote_description: text(&sys_desc, idx, MAX_DESCR_CHARS),
            remote_platform: None,
            remote_address: man_addr.get(idx.as_slice()).copied(),
        });
    }

    let addr_type = column(f, &oids::CDP_CACHE_ADDRESS_TYPE);
    let addr = column(f, &oids::CDP_CACHE_ADDRESS);
    let version = column(f, &oids::CDP_CACHE_VERSION);
    let dev = column(f, &oids::CDP_CACHE_DEVICE_ID);
    let dport = column(f, &oids::CDP_CACHE_DEVICE_PORT);
    let platform = column(f, &oids::CDP_CACHE_PLATFORM);
    for (idx, v) in &dev {
        let [ifindex, _] = idx.as_slice() else {
            continue;
        };
        // cdpCacheAddressType 1 = ip (4 bytes).
        let remote_address = match (
            int(&addr_type, idx),
            addr.get(idx).and_then(Value::as_bytes),
        ) {
            (Some(1) | None, Some(b)) if b.len() == 4 => ip_from_bytes(1, b),
            (Some(20), Some(b)) if b.len() == 16 => ip_from_bytes(2, b),
            _ => None,
        };
        out.push(NeighborRow {
            protocol: "cdp".into(),
            local_port: local_name(*ifindex),
            local_if_index: Some(*ifindex),
            remote_chassis_id: value_text(v, MAX_FIELD_CHARS)
                .or_else(|| v.as_bytes().and_then(mac_text)),
            remote_port: text(&dport, idx, MAX_FIELD_CHARS),
            remote_port_description: None,
            remote_name: value_text(v, MAX_FIELD_CHARS),
            remote_description: text(&version, idx, MAX_DESCR_CHARS),
            remote_platform: text(&platform, idx, MAX_FIELD_CHARS),
            remote_address,
        });
    }
    out
}

// ------------------------------------------------------- HOST-RESOURCES

/// One installed package (hrSWInstalledEntry).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct SoftwareRow {
    /// hrSWInstalledIndex.
    pub index: u32,
    /// hrSWInstalledName, cleaned: package name and version as the OS's
    /// package manager reports them ("openssl_3.0.11-1~deb12u2_amd64").
    pub name: String,
}

/// Decode hrSWInstalledName, in index order.
pub fn software(f: &SnmpFacts) -> Vec<SoftwareRow> {
    column(f, &oids::HR_SW_INSTALLED_NAME)
        .into_iter()
        .filter_map(|(idx, v)| {
            let [index] = idx.as_slice() else { return None };
            Some(SoftwareRow {
                index: *index,
                name: value_text(&v, MAX_FIELD_CHARS)?,
            })
        })
        .collect()
}

/// One hrStorageEntry.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct StorageRow {
    /// hrStorageIndex.
    pub index: u32,
    /// ram, virtual_memory, fixed_disk, removable_disk, floppy_disk, compact_disc,
    /// ram_disk, flash_memory, network_disk, other.
    pub kind: Option<String>,
    /// hrStorageDescr.
    pub description: Option<String>,
    /// Size in bytes.
    pub size_bytes: Option<u64>,
    /// Used bytes.
    pub used_bytes: Option<u64>,
}

/// One hrDeviceEntry.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct HostDeviceRow {
    /// hrDeviceIndex.
    pub index: u32,
    /// processor, network, printer, disk_storage, video, audio, coprocessor,
    /// keyboard, modem, parallel_port, pointing, serial_port, tape, clock,
    /// volatile_memory, non_volatile_memory, other, unknown.
    pub kind: Option<String>,
    /// hrDeviceDescr.
    pub description: Option<String>,
    /// unknown, running, warning, testing, down.
    pub status: Option<String>,
    /// hrProcessorLoad (processors only), percent over the last minute.
    pub load_percent: Option<i64>,
}

fn hr_type_last_arc(v: Option<&Value>, base: &[u32]) -> Option<u32> {
    let o = v?.as_oid()?;
    match o.arcs().strip_prefix(base)? {
        [n] => Some(*n),
        _ => None,
    }
}

/// Decode hrStorageTable.
pub fn storage(f: &SnmpFacts) -> Vec<StorageRow> {
    let typ = column(f, &oids::HR_STORAGE_TYPE);
    let descr = column(f, &oids::HR_STORAGE_DESCR);
    let unit = column(f, &oids::HR_STORAGE_ALLOCATION_UNITS);
    let size = column(f, &oids::HR_STORAGE_SIZE);
    let used = column(f, &oids::HR_STORAGE_USED);
    // hrStorageTypes.
    const BASE: [u32; 9] = [1, 3, 6, 1, 2, 1, 25, 2, 1];
    descr
        .keys()
        .filter_map(|idx| {
            let [index] = idx.as_slice() else { return None };
            let u = int(&unit, idx)
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(1);
            // hrStorageSize is Integer32; some agents wrap negative past 2^31 units.
            let scaled = |n: i64| u64::try_from(n).ok().map(|n| n.saturating_mul(u));
            Some(StorageRow {
                index: *index,
                kind: hr_type_last_arc(typ.get(idx), &BASE)
                    .and_then(|n| {
                        Some(match n {
                            1 => "other",
                            2 => "ram",
                            3 => "virtual_memory",
                            4 => "fixed_disk",
                            5 => "removable_disk",
                            6 => "floppy_disk",
                            7 => "compact_disc",
                            8 => "ram_disk",
                            9 => "flash_memory",
                            10 => "network_disk",
                            _ => return None,
                        })
                    })
                    .map(str::to_string),
                description: text(&descr, idx, MAX_FIELD_CHARS),
                size_bytes: int(&size, idx).and_then(scaled),
                used_bytes: int(&used, idx).and_then(scaled),
            })
        })
        .collect()
}

/// Decode hrDeviceTable joined with hrProcessorLoad.
pub fn host_devices(f: &SnmpFacts) -> Vec<HostDeviceRow> {
    let typ = column(f, &oids::HR_DEVICE_TYPE);
    let descr = column(f, &oids::HR_DEVICE_DESCR);
    let status = column(f, &oids::HR_DEVICE_STATUS);
    let load = column(f, &oids::HR_PROCESSOR_LOAD);
    // hrDeviceTypes.
    const BASE: [u32; 9] = [1, 3, 6, 1, 2, 1, 25, 3, 1];
    let mut keys: Vec<&Vec<u32>> = descr.keys().chain(typ.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|idx| {
            let [index] = idx.as_slice() else { return None };
            Some(HostDeviceRow {
                index: *index,
                kind: hr_type_last_arc(typ.get(idx), &BASE)
                    .and_then(|n| {
                        Some(match n {
                            1 => "other",
                            2 => "unknown",
                            3 => "processor",
                            4 => "network",
                            5 => "printer",
                            6 => "disk_storage",
                            10 => "video",
                            11 => "audio",
                            12 => "coprocessor",
                            13 => "keyboard",
                            14 => "modem",
                            15 => "parallel_port",
                            16 => "pointing",
                            17 => "serial_port",
                            18 => "tape",
                            19 => "clock",
                            20 => "volatile_memory",
                            21 => "non_volatile_memory",
                            _ => return None,
                        })
                    })
                    .map(str::to_string),
                description: text(&descr, idx, MAX_FIELD_CHARS),
                status: int(&status, idx)
                    .and_then(|n| {
                        Some(match n {
                            1 => "unknown",
                            2 => "running",
                            3 => "warning",
                            4 => "testing",
                            5 => "down",
                            _ => return None,
                        })
                    })
                    .map(str::to_string),
                load_percent: int(&load, idx),
            })
        })
        .collect()
}

/// hrMemorySize.0 in KiB.
pub fn memory_kib(f: &SnmpFacts) -> Option<u64> {
    f.get(&oid(&oids::HR_MEMORY_SIZE).child(0))
        .and_then(Value::as_i64)
        .and_then(|n| u64::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(rows: &[(&str, Value)]) -> SnmpFacts {
        let mut f = SnmpFacts::new();
        for (o, v) in rows {
            f.insert(Oid::parse(o).unwrap(), v.clone());
        }
        f
    }
    fn s(t: &str) -> Value {
        Value::OctetString(t.as_bytes().to_vec())
    }

    #[test]
    fn tables_entities_and_interfaces() {
        let f = facts(&[
            ("1.3.6.1.2.1.47.1.1.1.1.2.1", s("Chassis\r\nrev A")),
            (
                "1.3.6.1.2.1.47.1.1.1.1.3.1",
                Value::ObjectId(Oid::parse("1.3.6.1.4.1.9.12.3.1.3.516").unwrap()),
            ),
            ("1.3.6.1.2.1.47.1.1.1.1.4.1", Value::Integer(0)),
            ("1.3.6.1.2.1.47.1.1.1.1.5.1", Value::Integer(3)),
            ("1.3.6.1.2.1.47.1.1.1.1.11.1", s("FOC1234X0AB")),
            ("1.3.6.1.2.1.47.1.1.1.1.13.1", s("WS-C3750E-24TD")),
            ("1.3.6.1.2.1.47.1.1.1.1.16.1", Value::Integer(2)),
            ("1.3.6.1.2.1.47.1.1.1.1.5.2", Value::Integer(6)),
            ("1.3.6.1.2.1.47.1.1.1.1.5.3.9", Value::Integer(6)), // bad index: dropped
            ("1.3.6.1.2.1.2.2.1.2.1", s("GigabitEthernet1/0/1")),
            ("1.3.6.1.2.1.2.2.1.3.1", Value::Integer(6)),
            ("1.3.6.1.2.1.2.2.1.5.1", Value::Gauge32(u32::MAX)),
            (
                "1.3.6.1.2.1.2.2.1.6.1",
                Value::OctetString(vec![0, 0x1b, 0x54, 1, 2, 3]),
            ),
            ("1.3.6.1.2.1.2.2.1.7.1", Value::Integer(1)),
            ("1.3.6.1.2.1.2.2.1.8.1", Value::Integer(7)),
            ("1.3.6.1.2.1.31.1.1.1.1.1", s("Gi1/0/1")),
            ("1.3.6.1.2.1.31.1.1.1.15.1", Value::Gauge32(10_000)),
            ("1.3.6.1.2.1.31.1.1.1.18.1", s("uplink <core>")),
        ]);
        let e = entities(&f);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].class.as_deref(), Some("chassis"));
        assert_eq!(e[0].description.as_deref(), Some("Chassis rev A"));
        assert_eq!(e[0].serial.as_deref(), Some("FOC1234X0AB"));
        assert_eq!(e[0].field_replaceable, Some(false));
        assert_eq!(
            e[0].vendor_type.as_deref(),
            Some("1.3.6.1.4.1.9.12.3.1.3.516")
        );
        assert_eq!(e[1].class.as_deref(), Some("power_supply"));
        let i = interfaces(&f);
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].name.as_deref(), Some("Gi1/0/1"));
        assert_eq!(i[0].mac.as_deref(), Some("00:1b:54:01:02:03"));
        assert_eq!(i[0].speed_bps, Some(10_000_000_000));
        assert_eq!(i[0].oper_status.as_deref(), Some("lower_layer_down"));
        assert_eq!(i[0].alias.as_deref(), Some("uplink <core>"));
    }

    #[test]
    fn tables_addresses_arp_fdb() {
        let f = facts(&[
            ("1.3.6.1.2.1.4.20.1.2.198.51.100.7", Value::Integer(3)),
            (
                "1.3.6.1.2.1.4.20.1.3.198.51.100.7",
                Value::IpAddress([255, 255, 255, 0]),
            ),
            // ipAddressIfIndex.ipv6(2).16.<addr>
            (
                "1.3.6.1.2.1.4.34.1.3.2.16.32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1",
                Value::Integer(3),
            ),
            (
                "1.3.6.1.2.1.4.34.1.5.2.16.32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1",
                Value::ObjectId(
                    Oid::parse(
                        "1.3.6.1.2.1.4.32.1.5.3.2.16.32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.0.64",
                    )
                    .unwrap(),
                ),
            ),
            (
                "1.3.6.1.2.1.4.22.1.2.3.198.51.100.20",
                Value::OctetString(vec![0xa0, 0xd3, 0xc1, 0, 0, 1]),
            ),
            ("1.3.6.1.2.1.4.22.1.4.3.198.51.100.20", Value::Integer(3)),
            (
                "1.3.6.1.2.1.4.22.1.2.3.198.51.100.21",
                Value::OctetString(vec![0xa0, 0xd3, 0xc1, 0, 0, 2]),
            ),
            ("1.3.6.1.2.1.4.22.1.4.3.198.51.100.21", Value::Integer(2)), // invalid: dropped
            (
                "1.3.6.1.2.1.4.22.1.2.3.198.51.100",
                Value::OctetString(vec![1; 6]),
            ), // short index: dropped
            ("1.3.6.1.2.1.17.1.4.1.2.5", Value::Integer(3)),
            ("1.3.6.1.2.1.31.1.1.1.1.3", s("Gi0/5")),
            ("1.3.6.1.2.1.17.7.1.4.2.1.3.0.20", Value::Gauge32(7)),
            (
                "1.3.6.1.2.1.17.7.1.2.2.1.2.7.0.27.84.1.2.3",
                Value::Integer(5),
            ),
            (
                "1.3.6.1.2.1.17.7.1.2.2.1.3.7.0.27.84.1.2.3",
                Value::Integer(3),
            ),
            (
                "1.3.6.1.2.1.17.7.1.2.2.1.2.7.0.27.84.1.2.300",
                Value::Integer(5),
            ), // arc > 255: dropped
        ]);
        let a = addresses(&f);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].ip.to_string(), "198.51.100.7");
        assert_eq!(a[0].prefix_length, Some(24));
        assert_eq!(a[1].ip.to_string(), "2001:db8::1");
        assert_eq!(a[1].prefix_length, Some(64));
        let arp = arp(&f);
        assert_eq!(arp.len(), 1);
        assert_eq!(arp[0].mac, "a0:d3:c1:00:00:01");
        assert_eq!(arp[0].entry_type.as_deref(), Some("dynamic"));
        let fdb = fdb(&f);
        assert_eq!(fdb.len(), 1);
        assert_eq!(fdb[0].vlan, Some(20));
        assert_eq!(fdb[0].mac, "00:1b:54:01:02:03");
        assert_eq!(fdb[0].port_name.as_deref(), Some("Gi0/5"));
        assert_eq!(fdb[0].status.as_deref(), Some("learned"));
    }

    #[test]
    fn tables_lldp_and_cdp_neighbors() {
        let f = facts(&[
            ("1.0.8802.1.1.2.1.3.7.1.3.12", s("Gi1/0/12")),
            ("1.0.8802.1.1.2.1.4.1.1.4.0.12.1", Value::Integer(4)),
            (
                "1.0.8802.1.1.2.1.4.1.1.5.0.12.1",
                Value::OctetString(vec![0, 0xe0, 0xfc, 1, 2, 3]),
            ),
            ("1.0.8802.1.1.2.1.4.1.1.6.0.12.1", Value::Integer(5)),
            ("1.0.8802.1.1.2.1.4.1.1.7.0.12.1", s("GE0/0/1")),
            ("1.0.8802.1.1.2.1.4.1.1.9.0.12.1", s("access-sw2")),
            (
                "1.0.8802.1.1.2.1.4.2.1.3.0.12.1.1.4.198.51.100.2",
                Value::Integer(2),
            ),
            ("1.3.6.1.4.1.9.9.23.1.2.1.1.3.3.1", Value::Integer(1)),
            (
                "1.3.6.1.4.1.9.9.23.1.2.1.1.4.3.1",
                Value::OctetString(vec![198, 51, 100, 3]),
            ),
            (
                "1.3.6.1.4.1.9.9.23.1.2.1.1.6.3.1",
                s("core-sw1.example.test"),
            ),
            (
                "1.3.6.1.4.1.9.9.23.1.2.1.1.7.3.1",
                s("TenGigabitEthernet1/1/1"),
            ),
            ("1.3.6.1.4.1.9.9.23.1.2.1.1.8.3.1", s("cisco WS-C3850-24T")),
        ]);
        let n = neighbors(&f);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].protocol, "lldp");
        assert_eq!(n[0].local_port.as_deref(), Some("Gi1/0/12"));
        assert_eq!(n[0].remote_chassis_id.as_deref(), Some("00:e0:fc:01:02:03"));
        assert_eq!(n[0].remote_port.as_deref(), Some("GE0/0/1"));
        assert_eq!(
            n[0].remote_address.map(|a| a.to_string()).as_deref(),
            Some("198.51.100.2")
        );
        assert_eq!(n[1].protocol, "cdp");
        assert_eq!(n[1].remote_platform.as_deref(), Some("cisco WS-C3850-24T"));
        assert_eq!(
            n[1].remote_address.map(|a| a.to_string()).as_deref(),
            Some("198.51.100.3")
        );
    }

    #[test]
    fn tables_printer_and_ups() {
        let f = facts(&[
            ("1.3.6.1.2.1.43.5.1.1.17.1", s("CNB1234567")),
            ("1.3.6.1.2.1.43.10.2.1.4.1.1", Value::Counter32(123_456)),
            ("1.3.6.1.2.1.43.11.1.1.6.1.1", s("Black Toner")),
            ("1.3.6.1.2.1.43.11.1.1.8.1.1", Value::Integer(200)),
            ("1.3.6.1.2.1.43.11.1.1.9.1.1", Value::Integer(50)),
            ("1.3.6.1.4.1.318.1.1.1.1.1.1.0", s("Smart-UPS 750")),
            ("1.3.6.1.4.1.318.1.1.1.1.2.3.0", s("AS1234567890")),
            ("1.3.6.1.4.1.318.1.1.1.2.2.3.0", Value::TimeTicks(438_000)),
            ("1.3.6.1.4.1.318.1.1.1.2.2.4.0", Value::Integer(2)),
        ]);
        let p = printer(&f).unwrap();
        assert_eq!(p.serial.as_deref(), Some("CNB1234567"));
        assert_eq!(p.page_count, Some(123_456));
        assert_eq!(p.supplies[0].percent, Some(25));
        let u = ups(&f).unwrap();
        assert_eq!(u.manufacturer.as_deref(), Some("APC"));
        assert_eq!(u.serial.as_deref(), Some("AS1234567890"));
        assert_eq!(u.runtime_minutes, Some(73));
        assert_eq!(u.battery_needs_replacing, Some(true));
        assert!(printer(&SnmpFacts::new()).is_none() && ups(&SnmpFacts::new()).is_none());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::Integer),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::OctetString),
            proptest::collection::vec(any::<u32>(), 0..12)
                .prop_map(|a| Value::ObjectId(Oid::from_arcs(a))),
            any::<[u8; 4]>().prop_map(Value::IpAddress),
            any::<u32>().prop_map(Value::Counter32),
            any::<u32>().prop_map(Value::Gauge32),
            any::<u32>().prop_map(Value::TimeTicks),
            any::<u64>().prop_map(Value::Counter64),
            Just(Value::Null),
            Just(Value::NoSuchObject),
        ]
    }

    proptest! {
        /// Any values under any polled column, with any (short, long, huge-arc)
        /// index: every decoder returns without panicking and keeps strings bounded.
        #[test]
        fn tables_decoders_survive_hostile_facts(
            rows in proptest::collection::vec(
                (0usize..oids::ALL.len(), proptest::collection::vec(any::<u32>(), 0..20), arb_value()),
                0..120,
            ),
            small in proptest::collection::vec((0usize..oids::ALL.len(), proptest::collection::vec(0u32..300, 0..24), arb_value()), 0..120),
        ) {
            let mut f = SnmpFacts::new();
            for (k, idx, v) in rows.into_iter().chain(small) {
                let mut o = Oid::parse(oids::ALL[k].oid).unwrap();
                for a in idx {
                    o = o.child(a);
                }
                f.insert(o, v);
            }
            let r = crate::snmp::SnmpReport::from_facts(f);
            let json = serde_json::to_string(&r).unwrap();
            prop_assert!(!json.chars().any(|c| c.is_control() && c != '\n'));
            for e in &r.entities {
                for s in [&e.description, &e.serial, &e.model, &e.name].into_iter().flatten() {
                    prop_assert!(s.chars().count() <= MAX_FIELD_CHARS);
                }
            }
        }
    }
}
