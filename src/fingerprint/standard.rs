//! Class evidence from the standard MIBs a device implements and the
//! words it uses about itself (the rules cover sysDescr's words and the
//! Printer-MIB and UPS-MIB; this covers what needs values, not presence):
//!
//! - `ieee80211-mib`: the IEEE 802.11 MIB (dot11) has values: wireless;
//! - `routing-protocol`: ipForwarding is `forwarding(1)` and OSPF or BGP
//!   has values: a router (a Linux host that forwards runs no OSPF/BGP);
//! - `bridge-ports`: a bridge with at least 8 ports learning addresses: a
//!   switch (weak: routers, APs and firewalls bridge too);
//! - `host-resources`: HOST-RESOURCES-MIB lists running processes and
//!   storage: a general-purpose host (a generic OS's weight);
//! - `sys-services`: sysServices says layer 2 only (a switch) or layer 3
//!   without the application layer (a router): the weakest hint;
//! - `entity-chassis-words`: the chassis' entPhysicalDescr names a device
//!   type ("... Switch", "Access Point").

use super::entity::{self, Column};
use super::vote::{Field, Proposal, weight};
use super::{Fact, fact};
use crate::facts::{Oid, SnmpFacts, Value};

const DOT11: [u32; 5] = [1, 2, 840, 10036, 1];
const IP_FORWARDING: [u32; 9] = [1, 3, 6, 1, 2, 1, 4, 1, 0];
const OSPF_GENERAL: [u32; 8] = [1, 3, 6, 1, 2, 1, 14, 1];
const BGP: [u32; 7] = [1, 3, 6, 1, 2, 1, 15];
const DOT1D_NUM_PORTS: [u32; 10] = [1, 3, 6, 1, 2, 1, 17, 1, 2, 0];
const DOT1D_TP_FDB: [u32; 10] = [1, 3, 6, 1, 2, 1, 17, 4, 3, 1];
const DOT1Q_TP_FDB: [u32; 12] = [1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1];
const HR_SW_RUN_NAME: [u32; 11] = [1, 3, 6, 1, 2, 1, 25, 4, 2, 1, 2];
const HR_STORAGE_DESCR: [u32; 11] = [1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 3];
const SYS_SERVICES: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 7, 0];

fn has_subtree(snmp: &SnmpFacts, arcs: &[u32]) -> Option<Oid> {
    let o = Oid::from_arcs(arcs.to_vec());
    snmp.subtree(&o).next().map(|(k, _)| k.clone())
}

fn present(o: &Oid, what: &str) -> Fact {
    Fact {
        source: o.to_string(),
        value: what.to_string(),
        name: None,
    }
}

/// Device-type words and the class they name, as whole words anywhere in
/// a text (case-insensitive).
pub(super) fn type_word(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let pair = |a: &str, b: &str| words.windows(2).any(|p| p == [a, b]);
    if pair("access", "point") || has("wlan") || has("wireless") {
        Some("wireless")
    } else if has("firewall") {
        Some("firewall")
    } else if has("router") {
        Some("router")
    } else if has("switch") {
        Some("switch")
    } else if has("printer") || has("mfp") {
        Some("printer")
    } else if has("ups") {
        Some("ups")
    } else if has("pdu") {
        Some("pdu")
    } else if has("camera") || has("nvr") {
        Some("camera")
    } else {
        None
    }
}

/// The standard objects these sources read, for the collector.
pub(super) fn wanted() -> Vec<Oid> {
    [
        &DOT11[..],
        &IP_FORWARDING[..8],
        &OSPF_GENERAL[..],
        &BGP[..],
        &DOT1D_NUM_PORTS[..9],
        &DOT1D_TP_FDB[..],
        &DOT1Q_TP_FDB[..],
        &HR_SW_RUN_NAME[..],
        &HR_STORAGE_DESCR[..],
        &SYS_SERVICES[..8],
        &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1][..],
    ]
    .iter()
    .map(|a| Oid::from_arcs(a.to_vec()))
    .collect()
}

/// Class proposals from standard MIBs and self-descriptions.
pub(super) fn propose(snmp: &SnmpFacts, rows: &[u32], out: &mut Vec<Proposal>) {
    let mut add = |class: &str, w: u32, source: &str, facts: Vec<Fact>| {
        out.push(Proposal::new(Field::Class, class, w, source).with_facts(facts));
    };
    if let Some(o) = has_subtree(snmp, &DOT11) {
        add(
            "wireless",
            weight::TYPE_WORD,
            "ieee80211-mib",
            vec![present(&o, "(present)")],
        );
    }
    let fwd = Oid::from_arcs(IP_FORWARDING);
    if snmp.get(&fwd).and_then(Value::as_i64) == Some(1) {
        let routing = has_subtree(snmp, &OSPF_GENERAL).or_else(|| has_subtree(snmp, &BGP));
        if let Some(r) = routing {
            add(
                "router",
                weight::ROUTING,
                "routing-protocol",
                vec![fact(&fwd, "1 (forwarding)"), present(&r, "(present)")],
            );
        }
    }
    let ports = Oid::from_arcs(DOT1D_NUM_PORTS);
    if let Some(n) = snmp.get(&ports).and_then(Value::as_i64)
        && n >= 8
        && let Some(fdb) =
            has_subtree(snmp, &DOT1D_TP_FDB).or_else(|| has_subtree(snmp, &DOT1Q_TP_FDB))
    {
        add(
            "switch",
            weight::BRIDGE,
            "bridge-ports",
            vec![fact(&ports, &n.to_string()), present(&fdb, "(present)")],
        );
    }
    if let (Some(run), Some(storage)) = (
        has_subtree(snmp, &HR_SW_RUN_NAME),
        has_subtree(snmp, &HR_STORAGE_DESCR),
    ) {
        add(
            "server",
            weight::HOST_RESOURCES,
            "host-resources",
            vec![present(&run, "(present)"), present(&storage, "(present)")],
        );
    }
    let services = Oid::from_arcs(SYS_SERVICES);
    if let Some(s) = snmp.get(&services).and_then(Value::as_i64) {
        let class = match s {
            2 | 3 => Some("switch"),
            s if s & 4 != 0 && s & 64 == 0 && s & 2 == 0 => Some("router"),
            _ => None,
        };
        if let Some(c) = class {
            add(
                c,
                weight::SERVICES,
                "sys-services",
                vec![fact(&services, &s.to_string())],
            );
        }
    }
    if let Some((o, v)) = entity::chassis_value(snmp, rows, Column::Descr)
        && let Some(t) = v.as_lossy_text()
        && let Some(c) = type_word(&t)
    {
        add(
            c,
            weight::ENTITY_MFG,
            "entity-chassis-words",
            vec![fact(&o, &t)],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(snmp: &SnmpFacts) -> Vec<(String, String)> {
        let mut out = Vec::new();
        propose(snmp, &entity::chassis_rows(snmp), &mut out);
        out.into_iter().map(|p| (p.value, p.source)).collect()
    }

    #[test]
    fn standard_mibs_propose_classes() {
        let mut s = SnmpFacts::new();
        s.insert(
            Oid::from_arcs([1, 2, 840, 10036, 1, 1, 1, 1, 1]),
            Value::OctetString(b"x".to_vec()),
        );
        s.insert(Oid::from_arcs(IP_FORWARDING), Value::Integer(1));
        s.insert(
            Oid::from_arcs([1, 3, 6, 1, 2, 1, 14, 1, 1, 0]),
            Value::IpAddress([192, 0, 2, 1]),
        );
        s.insert(Oid::from_arcs(SYS_SERVICES), Value::Integer(2));
        let got = decide(&s);
        assert!(
            got.contains(&("wireless".into(), "ieee80211-mib".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("router".into(), "routing-protocol".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("switch".into(), "sys-services".into())),
            "{got:?}"
        );
        // Forwarding without a routing protocol is not a router.
        let mut s = SnmpFacts::new();
        s.insert(Oid::from_arcs(IP_FORWARDING), Value::Integer(1));
        assert!(decide(&s).is_empty());
    }

    #[test]
    fn standard_type_words() {
        assert_eq!(
            type_word("Cisco Aironet 1140 Series Access Point"),
            Some("wireless")
        );
        assert_eq!(type_word("Stack of 24-port Gigabit Switch"), Some("switch"));
        assert_eq!(type_word("Switched PDU"), Some("pdu"));
        assert_eq!(type_word("Main Board"), None);
    }
}
