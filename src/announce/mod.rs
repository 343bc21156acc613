//! What devices say about themselves outside SNMP: mDNS/DNS-SD records,
//! SSDP answers and UPnP descriptions, NetBIOS names, WS-Discovery types
//! and scopes, TCP banners (SSH, FTP, Telnet, HTTP, TLS certificates, PJL,
//! IPP, RTSP) and the TCP/IP stack's SYN+ACK, DHCP requests heard passively. Each fact is one
//! [`Announced`] `(source, key, value)`: the probes (I/O, in
//! [`crate::probe`]) emit them, the record keeps them as observation
//! tuples, and [`proposals`] turns them into votes for the fingerprint
//! engine. Pure.
//!
//! # Keys
//!
//! | source | keys |
//! |---|---|
//! | `mdns` | `hostname` (`name.local`), `service` (`_ipp._tcp`), `instance`, `txt:<key>` (from `_device-info` and service TXT records, key lowercased) |
//! | `ssdp` | `server`, `st`, `usn`, `location`, `device_type`, `manufacturer`, `model_name`, `model_number`, `model_description`, `serial`, `friendly_name`, `udn` |
//! | `netbios` | `name` (the unique `<00>` name), `workgroup` (the group `<00>` name), `service` (`file-server` for `<20>`, `messenger` for `<03>`, ...: the table in [`crate::wire::netbios::service_name`]), `mac` (the unit ID, when not all zero) |
//! | `wsd` | `type` (one per QName, e.g. `wprt:PrintDeviceType`; a known namespace under its specification's prefix whatever the device bound, see [`crate::wire::wsd::KNOWN_NAMESPACES`]), `scope`, `xaddr` |
//! | `tcp` | `open` (a port), `ssh`, `ftp`, `telnet` (banners), `http_server`, `http_title`, `http_realm`, `tls_subject`, `tls_issuer`, `pjl_id`, `ipp:<attribute>`, `rtsp_server`, `tcp.sig` (the p0f signature of the SYN+ACK of a banner connection: `4:64+0:0:1460:mss*10,10:mss,sok,ts,nop,ws:df:0`), `tcp.os` (the label of p0f's signature that matches it: `s:unix:Linux:3.x`, ` (fuzzy)` after a fuzzy match) |
//! | `passive` | `arp`, `dhcp:hostname`, `dhcp:vendor_class`, `dhcp:client_id`, `dhcp:params`, `mdns:hostname` |
//!
//! A value is network text: every probe cleans it with [`crate::text::clean`]
//! at [`MAX_VALUE`] characters before it becomes an [`Announced`]
//! ([`Announced::new`] does it), and a host keeps at most [`MAX_PER_HOST`].

mod recog;
mod vote;

pub use vote::proposals;

use crate::record::Source;

/// Longest value kept (characters).
pub const MAX_VALUE: usize = 512;

/// Most facts kept from one host in one run.
pub const MAX_PER_HOST: usize = 256;

/// One fact a device announced.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Announced {
    /// The probe that heard it.
    pub source: Source,
    /// What it is (see the module documentation).
    pub key: String,
    /// The value, cleaned and bounded.
    pub value: String,
}

impl Announced {
    /// A fact, its key and value cleaned and bounded; `None` when the value
    /// is empty once cleaned.
    pub fn new(source: Source, key: &str, value: &str) -> Option<Announced> {
        let value = crate::text::clean(value, MAX_VALUE);
        let key = crate::text::clean(key, 64);
        (!value.is_empty() && !key.is_empty()).then_some(Announced { source, key, value })
    }
}

/// Sort, drop duplicates, and keep at most [`MAX_PER_HOST`].
pub fn tidy(facts: &mut Vec<Announced>) {
    facts.sort();
    facts.dedup();
    facts.truncate(MAX_PER_HOST);
}

/// The first value of `key` from `source`.
pub fn first<'a>(facts: &'a [Announced], source: Source, key: &str) -> Option<&'a str> {
    facts
        .iter()
        .find(|a| a.source == source && a.key == key)
        .map(|a| a.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cleaned_bounded_and_never_empty() {
        let a = Announced::new(Source::Mdns, "txt:model", "J9\u{202e}7\n<b>").unwrap();
        assert_eq!(a.value, "J9 7 <b>");
        assert!(Announced::new(Source::Mdns, "txt:model", " \u{200b} ").is_none());
        let long = "x".repeat(70_000);
        let a = Announced::new(Source::Ssdp, "friendly_name", &long).unwrap();
        assert!(a.value.chars().count() <= MAX_VALUE);
    }

    #[test]
    fn tidy_sorts_dedups_and_caps() {
        let mut v: Vec<Announced> = (0..600)
            .map(|i| Announced::new(Source::Tcp, "open", &(i % 300).to_string()).unwrap())
            .collect();
        tidy(&mut v);
        assert_eq!(v.len(), MAX_PER_HOST);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
    }
}
