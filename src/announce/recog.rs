//! Announcements read through Rapid7 Recog's fingerprints ([`crate::recog`]):
//! which database reads which announcement, and what the matching
//! fingerprint's params propose.
//!
//! | announcement | database | text matched |
//! |---|---|---|
//! | `tcp` `http_server`, `ssdp` `server` | `http_servers` | the header value |
//! | `tcp` `http_title` | `html_title` | the title |
//! | `tcp` `http_realm` | `http_wwwauth` | the `WWW-Authenticate` value; a bare realm as `Basic realm="..."` |
//! | `tcp` `tls_subject`, `tls_issuer` | `x509_subjects`, `x509_issuers` | the name (`CN=...,O=...`) |
//! | `tcp` `ssh` | `ssh_banners` | the identification after `SSH-2.0-` |
//! | `tcp` `ftp` | `ftp_banners` | the greeting after its `220` code |
//! | `tcp` `telnet` | `telnet_banners` | the banner |
//! | `tcp` `pjl_id` | `hp_pjl_id` | the `INFO ID` answer without its quotes |
//! | `tcp` `rtsp_server` | `rtsp_servers` | the header value |
//! | `mdns` `txt:<key>` | `mdns_device-info_txt` | `<key>=<value>`, as the TXT string was |
//! | `passive` `dhcp:vendor_class` | `dhcp_vendor_class` | option 60 |
//!
//! Params to proposals (weights in [`weight`]; none outweighs what a
//! device states of itself, [`weight::ANNOUNCED_DEVICE`]):
//!
//! - `hw.vendor` -> vendor, `hw.product` (else `hw.model`) -> model,
//!   `hw.serial_number` -> serial ([`weight::RECOG_DEVICE`]).
//! - `hw.device` (else `os.device`) -> class through [`class_of_type`]
//!   ([`weight::RECOG_CLASS`]); a type the table lacks proposes nothing.
//! - `os.product` with `os.version` -> OS ([`weight::RECOG_OS`]); a
//!   distribution's `Linux` is named with the distribution (`Ubuntu Linux
//!   22.04`). `os.product` `... Firmware` (Recog's name for a device's own
//!   firmware) is not an OS: its version is the firmware.
//!   An embedded device's `os.product` holding a digit is its model in
//!   Recog (PJL's `4100 Series`, `MS610dn`), not an OS.
//! - `os.vendor` -> vendor only for a device's own firmware: no `hw.vendor`,
//!   a device type (`hw.device` or `os.device`), and not an OS publisher
//!   ([`OS_PUBLISHERS`]: "Linux" is not a vendor) ([`weight::RECOG_OS`]).
//! - `hw.version` of an identified product, or `os.version` of a device's
//!   own firmware -> firmware ([`weight::RECOG_VERSION`]).
//!
//! `service.*` params (the HTTP server, the SSH implementation) never name
//! the device and propose nothing.

use std::borrow::Cow;

use super::Announced;
use crate::fingerprint::vote::{Field, Proposal, weight};
use crate::fingerprint::{CLASSES, Fact};
use crate::recog::{self, Db};
use crate::record::Source;

/// Recog's device types (`hw.device`, `os.device`) -> Pandian's classes.
/// Types that span classes ("Power Device": UPS or PDU; "DVR": a camera
/// recorder or a TV's; "Security Appliance"; "Mobile Phone", "Tablet",
/// "Device") are left out.
pub(super) const DEVICE_TYPES: &[(&str, &str)] = &[
    ("Router", "router"),
    ("Broadband Router", "router"),
    ("DSL Modem", "router"),
    ("ADSL Modem", "router"),
    ("Cable Modem", "router"),
    ("DOCSIS Cable Modem", "router"),
    ("SD-WAN Appliance", "router"),
    ("VPN", "router"),
    ("Switch", "switch"),
    ("Firewall", "firewall"),
    ("IPS", "firewall"),
    ("WAP", "wireless"),
    ("Wireless Controller", "wireless"),
    ("WLAN Repeater", "wireless"),
    ("Printer", "printer"),
    ("Multifunction Device", "printer"),
    ("Print Server", "printer"),
    ("Scanner", "printer"),
    ("Desktop", "workstation"),
    ("Laptop", "workstation"),
    ("Thin Client", "workstation"),
    ("Hypervisor", "server"),
    ("Lights Out Management", "server"),
    ("NAS", "storage"),
    ("Storage", "storage"),
    ("Storage Appliance", "storage"),
    ("Tape Library", "storage"),
    ("UPS", "ups"),
    ("IP Camera", "camera"),
    ("Web Cam", "camera"),
    ("Video Encoder", "camera"),
    ("Cloud Network Video Recorder", "camera"),
    ("VoIP", "phone"),
    ("SIP Device", "phone"),
    ("VoIP Gateway", "phone"),
    ("SIP Gateway", "phone"),
    ("Video Conferencing", "phone"),
    ("Media Server", "media"),
    ("Media Player", "media"),
    ("Media Receiver", "media"),
    ("Smart TV", "media"),
    ("Network Audio", "media"),
    ("AV Receiver", "media"),
    ("IPTV", "media"),
    ("Video Decoder", "media"),
    ("Sensor", "environment"),
    ("Environment Control", "environment"),
];

/// OS vendors that are not the maker of the device running the OS.
pub(super) const OS_PUBLISHERS: &[&str] = &[
    "Linux",
    "Microsoft",
    "Ubuntu",
    "Debian",
    "Red Hat",
    "CentOS",
    "SUSE",
    "Fedora Project",
    "FreeBSD",
    "OpenBSD",
    "NetBSD",
    "Wind River",
    "Google",
    "Oracle",
    "Sun",
    "VMware",
    "BusyBox",
];

/// The class Recog's device type `t` names.
pub(super) fn class_of_type(t: &str) -> Option<&'static str> {
    DEVICE_TYPES
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(t))
        .map(|(_, c)| *c)
}

/// Which database reads `a`, and the text it matches.
fn input(a: &Announced) -> Option<(Db, Cow<'_, str>)> {
    let v = a.value.as_str();
    let db = match (a.source, a.key.as_str()) {
        (Source::Tcp, "http_server") | (Source::Ssdp, "server") => Db::HttpServers,
        (Source::Tcp, "http_title") => Db::HtmlTitle,
        (Source::Tcp, "http_realm") => {
            let l = v.to_ascii_lowercase();
            let whole = l.contains("realm=") || matches!(l.as_str(), "ntlm" | "negotiate");
            return Some((
                Db::HttpWwwauth,
                if whole {
                    Cow::Borrowed(v)
                } else {
                    Cow::Owned(format!("Basic realm=\"{}\"", v.trim_matches('"')))
                },
            ));
        }
        (Source::Tcp, "tls_subject") => Db::X509Subjects,
        (Source::Tcp, "tls_issuer") => Db::X509Issuers,
        (Source::Tcp, "ssh") => {
            // SSH-2.0-OpenSSH_9.2p1 Debian-2: Recog reads what follows
            // the protocol version.
            let rest = v
                .strip_prefix("SSH-")
                .and_then(|r| r.split_once('-'))
                .map_or(v, |(_, r)| r);
            return Some((Db::SshBanners, Cow::Borrowed(rest)));
        }
        (Source::Tcp, "ftp") => {
            let rest = v
                .strip_prefix("220")
                .map_or(v, |r| r.trim_start_matches(['-', ' ']));
            return Some((Db::FtpBanners, Cow::Borrowed(rest)));
        }
        (Source::Tcp, "telnet") => Db::TelnetBanners,
        (Source::Tcp, "pjl_id") => return Some((Db::HpPjlId, Cow::Borrowed(v.trim_matches('"')))),
        (Source::Tcp, "rtsp_server") => Db::RtspServers,
        (Source::Mdns, key) if key.starts_with("txt:") => {
            let k = key.get(4..).unwrap_or_default();
            return Some((Db::MdnsDeviceInfoTxt, Cow::Owned(format!("{k}={v}"))));
        }
        (Source::Passive, "dhcp:vendor_class") => Db::DhcpVendorClass,
        _ => return None,
    };
    Some((db, Cow::Borrowed(v)))
}

/// The proposals Recog's first matching fingerprint makes for `a`.
pub(super) fn votes(a: &Announced, out: &mut Vec<Proposal>) {
    let Some((db, text)) = input(a) else { return };
    let Some(m) = recog::matches(db, &text) else {
        return;
    };
    let source = m.source();
    let fact = Fact::note(format!("{} {}", a.source.as_str(), a.key), a.value.clone());
    let mut push = |field: Field, value: &str, w: u32| {
        let value = value.trim();
        if !value.is_empty() {
            out.push(Proposal::new(field, value, w, source.clone()).with_facts(vec![fact.clone()]));
        }
    };
    let get = |name: &str| m.get(name).map(str::trim).filter(|v| !v.is_empty());
    let hw_vendor = get("hw.vendor");
    let model = get("hw.product").or_else(|| get("hw.model"));
    if let Some(v) = hw_vendor {
        push(Field::Vendor, v, weight::RECOG_DEVICE);
    }
    if let Some(v) = model {
        push(Field::Model, v, weight::RECOG_DEVICE);
    }
    if let Some(v) = get("hw.serial_number") {
        push(Field::Serial, v, weight::RECOG_DEVICE);
    }
    let class = get("hw.device")
        .or_else(|| get("os.device"))
        .and_then(class_of_type);
    if let Some(c) = class {
        debug_assert!(CLASSES.contains(&c));
        push(Field::Class, c, weight::RECOG_CLASS);
    }
    let os_vendor = get("os.vendor");
    let typed = get("hw.device").or_else(|| get("os.device")).is_some();
    let own_firmware = typed
        && os_vendor.is_some_and(|v| !OS_PUBLISHERS.iter().any(|p| p.eq_ignore_ascii_case(v)));
    let os_product = get("os.product");
    let os_version = get("os.version");
    let firmware_named = os_product.is_some_and(|p| p.to_ascii_lowercase().ends_with("firmware"));
    // An embedded device's `os.product` with a digit is, in Recog, its
    // model (PJL `4100 Series`, `MS610dn`; `DCS-2100`), not an OS name.
    let os_name = os_product.filter(|p| {
        let model_number = own_firmware && p.contains(|c: char| c.is_ascii_digit());
        !(firmware_named || model_number)
    });
    if let Some(p) = os_name {
        let name = match os_vendor {
            Some(v) if p == "Linux" && !v.eq_ignore_ascii_case("Linux") => format!("{v} {p}"),
            _ => p.to_string(),
        };
        let value = match os_version {
            Some(ver) if !name.ends_with(ver) => format!("{name} {ver}"),
            _ => name,
        };
        push(Field::Os, &value, weight::RECOG_OS);
    }
    if hw_vendor.is_none()
        && own_firmware
        && let Some(v) = os_vendor
    {
        push(Field::Vendor, v, weight::RECOG_OS);
    }
    let firmware = get("hw.version")
        .filter(|_| model.is_some())
        .or_else(|| os_version.filter(|_| own_firmware || firmware_named));
    if let Some(v) = firmware {
        push(Field::Firmware, v, weight::RECOG_VERSION);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(source: Source, key: &str, value: &str) -> Announced {
        Announced::new(source, key, value).expect("non-empty")
    }

    fn proposals(fact: &Announced) -> Vec<Proposal> {
        let mut out = Vec::new();
        votes(fact, &mut out);
        out
    }

    fn value(p: &[Proposal], f: Field) -> Option<&str> {
        p.iter().find(|p| p.field == f).map(|p| p.value.as_str())
    }

    /// Recog's own examples (the XML named), as the probes report them.
    #[test]
    fn recog_examples_propose_what_their_fingerprints_say() {
        type Want = &'static [(Field, &'static str)];
        let cases: &[(Announced, &str, Want)] = &[
            (
                // x509_subjects.xml
                a(
                    Source::Tcp,
                    "tls_subject",
                    r"CN=00:22:6b:ef:1e:d0,OU=RV042,O=Cisco-Linksys\, LLC,L=Irvine,C=US",
                ),
                "recog:x509_subjects:",
                &[(Field::Model, "RV042"), (Field::Class, "router")],
            ),
            (
                // dhcp_vendor_class.xml
                a(
                    Source::Passive,
                    "dhcp:vendor_class",
                    "Mfg=Xerox;Typ=MFP;Mod=VersaLink C405;Ser=ABC123456;Loc=Print Room",
                ),
                "recog:dhcp_vendor_class:Xerox Multifunction Printer",
                &[
                    (Field::Vendor, "Xerox"),
                    (Field::Model, "VersaLink C405"),
                    (Field::Serial, "ABC123456"),
                    (Field::Class, "printer"),
                ],
            ),
            (
                // hp_pjl_id.xml, as the PJL answer quotes it.
                a(Source::Tcp, "pjl_id", "\"HP LaserJet 4100 Series\""),
                "recog:hp_pjl_id:",
                &[(Field::Vendor, "HP"), (Field::Class, "printer")],
            ),
            (
                // ssh_banners.xml, with the protocol prefix the probe keeps.
                a(
                    Source::Tcp,
                    "ssh",
                    "SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2",
                ),
                "recog:ssh_banners:OpenSSH running on Ubuntu 14.04",
                &[(Field::Os, "Ubuntu Linux 14.04")],
            ),
            (
                // mdns_device-info_txt.xml
                a(Source::Mdns, "txt:osxvers", "22"),
                "recog:mdns_device-info_txt:OS X 13.0 (Ventura)",
                &[(Field::Os, "Mac OS X 13.0")],
            ),
            (
                // hp_pjl_id.xml: the model in os.product is no OS.
                a(Source::Tcp, "pjl_id", "Lexmark MS610dn"),
                "recog:hp_pjl_id:",
                &[(Field::Vendor, "Lexmark"), (Field::Class, "printer")],
            ),
            (
                // extra.xml (HPE Aruba TechDocs)
                a(Source::Passive, "dhcp:vendor_class", "ArubaInstantAP"),
                "pandian-recog:dhcp_vendor_class:Aruba access point",
                &[
                    (Field::Vendor, "Aruba"),
                    (Field::Class, "wireless"),
                    (Field::Os, "ArubaOS"),
                ],
            ),
            (
                // extra.xml (deconz-rest-plugin wiki)
                a(
                    Source::Ssdp,
                    "server",
                    "Linux/3.14.0 UPnP/1.0 IpBridge/1.17.0",
                ),
                "pandian-recog:http_servers:Philips Hue bridge",
                &[(Field::Vendor, "Philips"), (Field::Model, "Hue Bridge")],
            ),
            (
                // http_wwwauth.xml
                a(
                    Source::Tcp,
                    "http_realm",
                    "Basic realm=\"APC Management Card\"",
                ),
                "recog:http_wwwauth:",
                &[(Field::Vendor, "APC")],
            ),
        ];
        for (fact, source, want) in cases {
            let p = proposals(fact);
            for (field, v) in *want {
                assert_eq!(value(&p, *field), Some(*v), "{fact:?}: {p:?}");
            }
            assert!(
                p.iter().all(|p| p.source.starts_with(source)),
                "{fact:?}: {p:?}"
            );
            assert!(p.iter().all(|p| p.weight < weight::ANNOUNCED_DEVICE));
            // PJL's `os.product` is the model number, not an OS.
            if fact.key == "pjl_id" || fact.key == "tls_subject" {
                assert_eq!(value(&p, Field::Os), None, "{p:?}");
            }
            assert!(p.iter().all(|p| {
                p.facts
                    .iter()
                    .any(|f| f.source == format!("{} {}", fact.source.as_str(), fact.key))
            }));
        }
    }

    #[test]
    fn software_and_generic_systems_name_no_device() {
        let cases = [
            // http_servers.xml: the server, not the device.
            a(Source::Tcp, "http_server", "Apache/2.4.57 (Debian)"),
            a(Source::Ssdp, "server", "Linux/2.6 UPnP/1.0 miniupnpd/1.0"),
            // ssh_banners.xml: Debian's OpenSSH names Debian, not a vendor.
            a(Source::Tcp, "ssh", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
            a(Source::Netbios, "name", "DESKTOP-1"),
        ];
        for f in &cases {
            let p = proposals(f);
            assert!(
                p.iter()
                    .all(|p| p.field != Field::Vendor && p.field != Field::Model),
                "{f:?}: {p:?}"
            );
        }
    }

    #[test]
    fn device_types_map_to_known_classes() {
        for (t, c) in DEVICE_TYPES {
            assert!(CLASSES.contains(c), "{t} -> {c}");
        }
        assert_eq!(class_of_type("ip camera"), Some("camera"));
        assert_eq!(class_of_type("Power Device"), None);
    }
}
