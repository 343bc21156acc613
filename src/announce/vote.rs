//! Announcements into votes: what a device says about itself becomes
//! [`Proposal`]s that join SNMP's in the fingerprint engine's vote, each
//! naming the announcement it came from. Direct statements (an SSDP
//! description's manufacturer and model, an mDNS `_device-info` model, an
//! IPP printer's make and model) weigh like a standard device MIB; what a
//! device's services imply (it offers `_ipp._tcp`: a printer) weighs less,
//! and what many kinds of device announce alike (a NetBIOS file server,
//! WS-Discovery's `pub:Computer`) least of all ([`weak_class`]).

use super::Announced;
use crate::fingerprint::vote::{Field, Proposal, weight};
use crate::fingerprint::{CLASSES, Fact};
use crate::record::Source;

/// Every proposal the announcements make.
pub fn proposals(facts: &[Announced]) -> Vec<Proposal> {
    let mut out = Vec::new();
    for a in facts {
        direct(a, &mut out);
        if let Some(class) = class_of(a) {
            debug_assert!(CLASSES.contains(&class));
            out.push(propose(a, Field::Class, class, weight::ANNOUNCED_SERVICE));
        }
        if let Some(class) = weak_class(a) {
            debug_assert!(CLASSES.contains(&class));
            out.push(propose(a, Field::Class, class, weight::SERVICES));
        }
        recog_votes(a, &mut out);
        stack_os(a, &mut out);
    }
    out
}

/// The OS family of p0f's SYN+ACK signature (`tcp` `tcp.os`:
/// `s:unix:Linux:3.x` proposes `Linux`), at [`weight::TCP_STACK`], below
/// every other OS source: a stack's habits say little of the device, and a
/// firewall or load balancer in front answers for it. The flavor (`3.x`)
/// is p0f's guess of a version range, not the OS version, and is left
/// out; a fuzzy match proposes nothing.
fn stack_os(a: &Announced, out: &mut Vec<Proposal>) {
    if a.source != Source::Tcp || a.key != "tcp.os" || a.value.ends_with("(fuzzy)") {
        return;
    }
    if let Some(label) = crate::p0f::Label::parse(&a.value)
        && !label.is_tool()
    {
        out.push(propose(a, Field::Os, label.name, weight::TCP_STACK));
    }
}

/// A class hint weaker than any device evidence: it names the class when
/// nothing else does, and gives way to a MAC vendor's specialist class,
/// a service that implies one, or SNMP.
///
/// | fact | class | why weak |
/// |---|---|---|
/// | `netbios` `service` `file-server` (`<20>`) | workstation | Windows PCs register it, but so do Windows servers, Samba servers and NAS boxes |
/// | `netbios` `service` `domain-controller` (`<1c>`) | server | only domain controllers register it; weak because a NAS can be one |
/// | `wsd` `type` `pub:Computer` | workstation | Windows PCs announce it, and so do Windows servers and every Linux or NAS host running wsdd or wsdd2 |
fn weak_class(a: &Announced) -> Option<&'static str> {
    match (a.source, a.key.as_str(), a.value.as_str()) {
        (Source::Netbios, "service", "file-server") => Some("workstation"),
        (Source::Netbios, "service", "domain-controller") => Some("server"),
        (Source::Wsd, "type", "pub:Computer") => Some("workstation"),
        _ => None,
    }
}

/// What Rapid7 Recog's fingerprints read in a banner or announcement
/// (see [`super::recog`]).
fn recog_votes(a: &Announced, out: &mut Vec<Proposal>) {
    super::recog::votes(a, out);
}

fn propose(a: &Announced, field: Field, value: &str, w: u32) -> Proposal {
    Proposal::new(field, value, w, format!("{}:{}", a.source.as_str(), a.key)).with_facts(vec![
        Fact::note(format!("{} {}", a.source.as_str(), a.key), a.value.clone()),
    ])
}

/// What a fact states outright: a vendor, model or serial.
fn direct(a: &Announced, out: &mut Vec<Proposal>) {
    let w = weight::ANNOUNCED_DEVICE;
    let field = match (a.source, a.key.as_str()) {
        (Source::Ssdp, "manufacturer") => Some(Field::Vendor),
        (Source::Ssdp, "model_name" | "model_number") => Some(Field::Model),
        (Source::Ssdp, "serial") => Some(Field::Serial),
        (Source::Mdns, "txt:usb_mfg" | "txt:mfg" | "txt:manufacturer") => Some(Field::Vendor),
        (Source::Mdns, "txt:usb_mdl" | "txt:mdl" | "txt:md") => Some(Field::Model),
        (Source::Tcp, "ipp:printer-make-and-model") => {
            // "HP LaserJet M402dn": the first word is the maker.
            if let Some((maker, _)) = a.value.split_once(' ') {
                out.push(propose(a, Field::Vendor, maker, w));
            }
            Some(Field::Model)
        }
        _ => None,
    };
    if let Some(f) = field
        && !is_placeholder(&a.value)
    {
        out.push(propose(a, f, &a.value, w));
    }
}

/// Values devices send when they have nothing to say.
fn is_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    l.chars().all(|c| matches!(c, '0' | '-' | ' ' | '.'))
        || matches!(l.as_str(), "unknown" | "n/a" | "na" | "none" | "123456789")
}

/// The class a service, device type or name implies.
fn class_of(a: &Announced) -> Option<&'static str> {
    let v = a.value.to_ascii_lowercase();
    match (a.source, a.key.as_str()) {
        (Source::Mdns, "service") => mdns_service_class(&v),
        (Source::Ssdp, "device_type" | "st") => upnp_type_class(&v),
        (Source::Wsd, "type") => wsd_type_class(&v),
        (Source::Tcp, "pjl_id") => Some("printer"),
        (Source::Tcp, key) if key.starts_with("ipp:") => Some("printer"),
        (Source::Tcp, "rtsp_server") => Some("camera"),
        _ => None,
    }
}

fn mdns_service_class(service: &str) -> Option<&'static str> {
    let name = service.trim_end_matches(".local").trim_end_matches('.');
    let name = name
        .strip_suffix("._tcp")
        .or_else(|| name.strip_suffix("._udp"))
        .unwrap_or(name);
    Some(match name {
        "_ipp" | "_ipps" | "_printer" | "_pdl-datastream" | "_uscan" | "_uscans" | "_scanner" => {
            "printer"
        }
        "_airplay" | "_raop" | "_googlecast" | "_spotify-connect" | "_androidtvremote2"
        | "_roku-rcp" | "_sonos" => "media",
        "_rtsp" | "_onvif" => "camera",
        "_sip" => "phone",
        "_adisk" | "_afpovertcp" | "_nfs" => "storage",
        "_workstation" | "_rdp" | "_companion-link" => "workstation",
        _ => return None,
    })
}

fn upnp_type_class(t: &str) -> Option<&'static str> {
    // urn:schemas-upnp-org:device:MediaRenderer:1 and vendors' own domains.
    let kind = t.split(':').nth(3).unwrap_or("");
    Some(match kind {
        "mediarenderer" | "mediaserver" | "dial" | "tvdevice" => "media",
        "printer" | "printbasic" | "printenhanced" | "scanner" => "printer",
        "internetgatewaydevice" | "wandevice" | "wfadevice" => "router",
        "networkvideotransmitter" | "digitalsecuritycamera" | "camera" => "camera",
        "nas" | "storage" => "storage",
        _ => return None,
    })
}

/// A WS-Discovery type (lowercased `prefix:Local`; the probe gives known
/// namespaces their specification's prefix, see
/// [`crate::wire::wsd::KNOWN_NAMESPACES`]) that names a kind of device: the
/// Windows print, scan and fax device types and their hosted services
/// (what WSD printers and MFPs list), and ONVIF's video transmitter (what
/// cameras list). `wsdp:Device` (every DPWS device) and ONVIF's
/// `tds:Device` (any ONVIF device: cameras, recorders, door controllers)
/// say nothing; `pub:Computer` is a [`weak_class`].
fn wsd_type_class(t: &str) -> Option<&'static str> {
    Some(match t {
        "wprt:printdevicetype"
        | "wprt:printerservicetype"
        | "wscn:scandevicetype"
        | "wscn:scannerservicetype"
        | "wfax:faxdevicetype" => "printer",
        "dn:networkvideotransmitter" => "camera",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(source: Source, key: &str, value: &str) -> Announced {
        Announced::new(source, key, value).unwrap()
    }

    fn values(p: &[Proposal], f: Field) -> Vec<String> {
        p.iter()
            .filter(|p| p.field == f)
            .map(|p| p.value.clone())
            .collect()
    }

    #[test]
    fn announcements_propose_what_they_state() {
        let cases: &[(Announced, Field, &str)] = &[
            (
                a(Source::Ssdp, "manufacturer", "Samsung Electronics"),
                Field::Vendor,
                "Samsung Electronics",
            ),
            (
                a(Source::Ssdp, "model_name", "UE43TU7100"),
                Field::Model,
                "UE43TU7100",
            ),
            (
                a(Source::Ssdp, "serial", "0A1B2C3D"),
                Field::Serial,
                "0A1B2C3D",
            ),
            (
                a(
                    Source::Ssdp,
                    "device_type",
                    "urn:schemas-upnp-org:device:MediaRenderer:1",
                ),
                Field::Class,
                "media",
            ),
            (
                a(
                    Source::Ssdp,
                    "device_type",
                    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
                ),
                Field::Class,
                "router",
            ),
            (
                a(Source::Mdns, "service", "_ipp._tcp.local"),
                Field::Class,
                "printer",
            ),
            (
                a(Source::Mdns, "service", "_googlecast._tcp"),
                Field::Class,
                "media",
            ),
            (
                a(Source::Mdns, "txt:usb_mdl", "LaserJet M402dn"),
                Field::Model,
                "LaserJet M402dn",
            ),
            (
                a(Source::Wsd, "type", "wprt:PrintDeviceType"),
                Field::Class,
                "printer",
            ),
            (
                a(Source::Wsd, "type", "dn:NetworkVideoTransmitter"),
                Field::Class,
                "camera",
            ),
            (
                a(Source::Tcp, "pjl_id", "HP LaserJet 4250"),
                Field::Class,
                "printer",
            ),
            (
                a(
                    Source::Tcp,
                    "ipp:printer-make-and-model",
                    "HP LaserJet M402dn",
                ),
                Field::Vendor,
                "HP",
            ),
        ];
        for (fact, field, want) in cases {
            let p = proposals(std::slice::from_ref(fact));
            assert!(
                values(&p, *field).iter().any(|v| v == want),
                "{fact:?}: {p:?}"
            );
            assert!(
                p.iter().all(|p| p.source.starts_with(fact.source.as_str())
                    || p.source.starts_with("recog:"))
            );
        }
    }

    #[test]
    fn wsd_types_real_devices_send() {
        // Types as printers (nmap's broadcast-wsdd-discover output: `Device
        // wprt:PrintDeviceType`), MFPs, ONVIF cameras (ONVIF Core: `dn:
        // NetworkVideoTransmitter`, `tds:Device`) and wsdd/wsdd2 (`wsdp:Device
        // pub:Computer`, as captured in the lab) list them.
        let cases: &[(&str, Option<(&str, u32)>)] = &[
            (
                "wprt:PrintDeviceType",
                Some(("printer", weight::ANNOUNCED_SERVICE)),
            ),
            (
                "wprt:PrinterServiceType",
                Some(("printer", weight::ANNOUNCED_SERVICE)),
            ),
            (
                "wscn:ScanDeviceType",
                Some(("printer", weight::ANNOUNCED_SERVICE)),
            ),
            (
                "wscn:ScannerServiceType",
                Some(("printer", weight::ANNOUNCED_SERVICE)),
            ),
            (
                "dn:NetworkVideoTransmitter",
                Some(("camera", weight::ANNOUNCED_SERVICE)),
            ),
            ("pub:Computer", Some(("workstation", weight::SERVICES))),
            ("wsdp:Device", None),
            ("tds:Device", None),
            // A vendor's own namespace under a borrowed local name.
            ("vnd:PrintDeviceType", None),
        ];
        for (t, want) in cases {
            let p = proposals(&[a(Source::Wsd, "type", t)]);
            let got: Vec<(&str, u32)> = p
                .iter()
                .filter(|p| p.field == Field::Class)
                .map(|p| (p.value.as_str(), p.weight))
                .collect();
            assert_eq!(got, want.iter().copied().collect::<Vec<_>>(), "{t}");
        }
    }

    #[test]
    fn netbios_services_hint_weakly() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("service", "file-server", Some("workstation")),
            ("service", "domain-controller", Some("server")),
            ("service", "messenger", None),
            ("service", "browser-election", None),
            ("name", "LABFILER", None),
            ("workgroup", "WORKGROUP", None),
        ];
        for (key, value, want) in cases {
            let p = proposals(&[a(Source::Netbios, key, value)]);
            let got: Vec<&str> = p
                .iter()
                .filter(|p| p.field == Field::Class)
                .map(|p| p.value.as_str())
                .collect();
            assert_eq!(
                got,
                want.iter().copied().collect::<Vec<_>>(),
                "{key}={value}"
            );
            assert!(p.iter().all(|p| p.weight <= weight::SERVICES));
        }
        // Weaker than a service that implies a class: an MFP that also
        // serves files stays a printer.
        let p = proposals(&[
            a(Source::Netbios, "service", "file-server"),
            a(Source::Wsd, "type", "wprt:PrintDeviceType"),
        ]);
        let w = |class: &str| {
            p.iter()
                .filter(|p| p.field == Field::Class && p.value == class)
                .map(|p| p.weight)
                .sum::<u32>()
        };
        assert!(w("printer") > w("workstation"), "{p:?}");
    }

    #[test]
    fn p0f_labels_hint_the_os_family_weakly() {
        let cases: &[(&str, Option<&str>)] = &[
            ("s:unix:Linux:3.x", Some("Linux")),
            ("s:unix:Linux:2.4-2.6", Some("Linux")),
            ("s:win:Windows:7 or 8", Some("Windows")),
            ("s:unix:Mac OS X:10.x", Some("Mac OS X")),
            ("g:unix:FreeBSD:", Some("FreeBSD")),
            ("s:unix:Linux:3.x (fuzzy)", None),
            ("Linux", None),
        ];
        for (value, want) in cases {
            let p = proposals(&[a(Source::Tcp, "tcp.os", value)]);
            assert_eq!(
                values(&p, Field::Os),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{value}"
            );
            assert!(
                p.iter()
                    .all(|p| p.weight == weight::TCP_STACK && p.field == Field::Os)
            );
        }
        // The raw signature and other sources' keys propose nothing.
        assert!(
            proposals(&[a(Source::Tcp, "tcp.sig", "4:64+0:0:1460:mss*10,0:mss:df:0")]).is_empty()
        );
        assert!(proposals(&[a(Source::Mdns, "tcp.os", "s:unix:Linux:3.x")]).is_empty());
        // Weaker than every other OS source, and than device-type evidence.
        const {
            assert!(weight::TCP_STACK < weight::GENERIC_OS);
            assert!(weight::TCP_STACK < weight::RECOG_OS);
            assert!(weight::TCP_STACK < weight::SERVICES);
        }
        let p = proposals(&[
            a(Source::Tcp, "tcp.os", "s:win:Windows:7 or 8"),
            a(
                Source::Tcp,
                "ssh",
                "SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2",
            ),
        ]);
        let d = crate::fingerprint::vote::decide(&p, Field::Os).unwrap();
        assert_eq!(d.value, "Ubuntu Linux 14.04", "{p:?}");
    }

    #[test]
    fn placeholders_and_unknown_types_propose_nothing() {
        let none = [
            a(Source::Ssdp, "serial", "0000000000"),
            a(Source::Ssdp, "serial", "Unknown"),
            a(
                Source::Ssdp,
                "device_type",
                "urn:schemas-upnp-org:device:Basic:1",
            ),
            a(Source::Mdns, "service", "_http._tcp"),
            a(Source::Netbios, "name", "DESKTOP-1"),
        ];
        for f in &none {
            let p = proposals(std::slice::from_ref(f));
            assert!(
                p.iter()
                    .all(|p| p.field != Field::Serial && p.field != Field::Class),
                "{f:?}: {p:?}"
            );
        }
    }
}
