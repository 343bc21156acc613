//! Pandian (盘点, "stocktake"): a network-scanning hardware inventory.
//!
//! Pure core, I/O at the edges, a thin daemon wiring them:
//!
//! | module | job | pure? |
//! |---|---|---|
//! | [`assets`] | the approved-asset register: CSV/XLSX in, validated rows; matching to devices | yes |
//! | [`facts`] | OIDs, SNMP values, what was observed about a device | yes |
//! | [`registry`] | IEEE OUI and IANA enterprise-number registries (embedded) | yes |
//! | [`fingerprint`] | facts in, class/vendor/model/serial/OS/origin out, with evidence | yes |
//! | [`recording`] | `.snmprec` and `snmpwalk -On` parsers | yes |
//! | [`wire`] | ARP and ICMP frame encoders/decoders | yes |
//! | [`target`] | scan targets (address, CIDR, range) and exclusions | yes |
//! | [`identity`] | who is who: which sightings are one device, with the facts that decide | yes |
//! | [`record`] | a run's sightings as observation tuples and back | yes |
//! | [`inventory`] | the device object `pandian scan` prints and the API serves | yes |
//! | [`schedule`] | job schedules: intervals and cron expressions, jitter | yes |
//! | [`audit`] | shadow IT and audit: the conditions that are findings, with evidence | yes |
//! | [`report`] | the origin report and the audit evidence package: CSV, XLSX, zip | yes |
//! | [`config`] | the daemon's TOML config, validated | yes (reads text) |
//! | [`alert`] | finding events as RFC 5424 syslog and webhook JSON ([`alert::format`] pure), sent by per-destination workers | pure / I/O |
//! | [`announce`] | what devices announce outside SNMP (mDNS, SSDP, NetBIOS, WS-Discovery, banners) as facts, and the votes they make | yes |
//! | [`recog`] | Rapid7 Recog's fingerprints of banners and announcements (embedded), first match and its params | yes |
//! | [`p0f`] | p0f's SYN+ACK signatures (embedded): a TCP/IP stack's OS family from its SYN+ACK | yes |
//! | [`text`] | the one sanitiser for text from the network | yes |
//! | [`files`] | capped reads, private directories, no-follow creation, owner checks | I/O |
//! | [`output`] | finished files written atomically and exclusively (temp, sync, link) | I/O |
//! | [`passive`] | passive listening between sweeps: frames classified, scoped and deduplicated (pure); the capture threads (I/O) | pure / I/O |
//! | [`sweep`] | ARP, ICMP, SNMP and DNS probes; the segment-wide DHCP DISCOVER and multicast mDNS, SSDP and WS-Discovery queries | I/O |
//! | [`probe`] | mDNS, SSDP, NetBIOS, WS-Discovery and TCP banner probes of one live host | I/O |
//! | [`pipeline`] | one run of a job: probes under one packet budget, batches to the store | I/O |
//! | [`store`] | SQLite: migrations, scans, devices, observations | I/O |
//! | [`web`] | read-only status page and JSON API (axum) | I/O |
//! | [`daemon`] | schedule scans, serve, shut down cleanly | I/O |
//! | [`lab`] | network-namespace test lab (demo and integration tests) | I/O |

pub mod alert;
pub mod announce;
pub mod assets;
pub mod audit;
pub mod bucket;
pub mod config;
pub mod daemon;
pub mod facts;
pub mod files;
pub mod fingerprint;
pub mod identity;
pub mod inventory;
pub mod job;
pub mod lab;
pub mod output;
pub mod p0f;
pub mod passive;
pub mod pipeline;
pub mod probe;
pub mod recog;
pub mod record;
pub mod recording;
pub mod registry;
pub mod report;
pub mod scan;
pub mod schedule;
pub mod snmp;
pub mod store;
pub mod sweep;
pub mod target;
pub mod text;
pub mod timefmt;
pub mod web;
pub mod wire;
