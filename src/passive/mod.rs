//! Passive listening between sweeps: what devices say on the wire without
//! being asked. Frames captured on the attached interfaces whose subnets
//! hold some job's targets (ARP, DHCP client messages, mDNS responses) are
//! classified
//! ([`frame`], pure), kept only for addresses some job sweeps and never
//! for an excluded one ([`scope`], pure), deduplicated in memory with a
//! bound ([`tally`], pure), and committed every `passive.interval` as a run
//! of the job named [`JOB`] ([`listen`] captures; the daemon commits, see
//! `daemon::passive`). It sends nothing.
//!
//! Each sighting is a [`crate::record::Seen`] with source
//! [`crate::record::Source::Passive`] and the facts of the `passive` row of
//! [`crate::announce`]: `arp` (`request`, `reply`, `announcement`),
//! `dhcp:hostname`, `dhcp:vendor_class`, `dhcp:client_id`, `dhcp:params`,
//! `mdns:hostname` (a name whose A record is the sender's own address).
//!
//! The socket is not promiscuous and joins no multicast group: on a real
//! NIC, mDNS is heard when the interface already receives 224.0.0.251
//! (another program on the machine joined it, or the NIC passes all
//! multicast); broadcast ARP and DHCP are always heard.

pub mod frame;
pub mod listen;
pub mod scope;
pub mod tally;

pub use frame::{Heard, classify};
pub use scope::Scope;
pub use tally::Tally;

/// The job name passive runs are recorded under.
pub const JOB: &str = "passive";
