//! SNMP: credentials, the collector (the I/O edge on async-snmp), and pure
//! decoders from collected values into inventory tables.
//!
//! | file | job | pure? |
//! |---|---|---|
//! | `credential.rs` | `[[snmp.credentials]]` and CLI flags → validated [`Credential`]s | yes |
//! | `collector.rs` | [`Collector::probe`]: find a credential, GET, GETBULK walks | I/O |
//! | `walk.rs` | walk guards: subtree end, loops, row limits, repetitions | yes |
//! | `tables/` | ENTITY, IF, IP, ARP, FDB, LLDP/CDP, HOST-RESOURCES rows; Printer-MIB (`printer.rs`), UPS-MIB and PowerNet (`ups.rs`) | yes |
//! | `report.rs` | [`SnmpReport`]: what a probe found, raw facts included | yes |
//! | `oids.rs`, `vendor.rs` | polled OIDs with their MIB names | yes |
//! | `names.rs` | OID → `MODULE::object.instance` for display | yes |
//! | `text.rs` | hostile device strings → bounded printable text | yes |
//! | `convert.rs` | async-snmp values → [`crate::facts`] values | yes |
//!
//! Secrets (communities, SNMPv3 passphrases) stay inside [`Credential`]:
//! logs, reports, errors and the store carry the credential's name only.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod collector;
mod convert;
mod credential;
pub mod names;
pub mod oids;
mod report;
pub mod tables;
pub mod text;
pub mod vendor;
pub mod walk;

pub use collector::{
    Answered, Collector, CollectorOptions, Depth, SnmpError, ephemeral_des_salt, full_subtrees,
};
pub use credential::{
    Credential, CredentialConfig, CredentialError, KeyExtension, SnmpVersion, cli_credentials,
    parse_auth_protocol,
};
pub use report::SnmpReport;
pub use walk::WalkEnd;
