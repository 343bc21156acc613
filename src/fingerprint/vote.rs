//! Evidence that votes: every source of knowledge proposes values for the
//! identity fields, each with a weight; per field the best-supported value
//! wins, and the evidence keeps the winning and the overruled proposals.
//!
//! Sources inside the engine are the rules, the vendors' identity objects,
//! the registries, the standard MIBs a device implements, and so on; a
//! probe outside SNMP (mDNS, SSDP, HTTP banners, DHCP vendor classes) adds
//! its own [`Proposal`]s through [`super::Engine::identify_with`].
//!
//! # Weights
//!
//! A weight says how much one source, on its own, should be believed. The
//! scale (the constants in [`weight`]):
//!
//! | weight | source |
//! |---:|---|
//! | 100 | the user's vendor table (config) |
//! | 90 | a hand-written rule naming the value (sysDescr format, sysObjectID subtree) |
//! | 80 | a vendor's identity object named in `locations.toml` |
//! | 75 | ENTITY-MIB chassis row (model, serial, software revision) |
//! | 70 | the enterprise number's registered organisation |
//! | 65-40 | vendor identity objects compiled from the vendors' MIBs (by how plainly the name says "this device") |
//! | 60 | a standard device MIB (Printer-MIB, UPS-MIB); the OS-name table |
//! | 55 | what a device announces of itself (SSDP description, mDNS `_device-info`, IPP make and model) |
//! | 50 | a product registration (sysObjectID) naming the model; device-type words (sysDescr, IEEE 802.11 MIB); a Recog fingerprint of a banner or announcement naming the device's vendor, model or serial (`hw.*`) |
//! | 45 | ENTITY-MIB manufacturer name; device-type words of the chassis or product name; the services a device announces (`_ipp._tcp`: a printer); a Recog fingerprint's device type |
//! | 40 | a vendor named in sysDescr; ipForwarding with a routing protocol's MIB; a Recog fingerprint's OS (and its vendor, for a device's own firmware) |
//! | 35 | a vendor's private MIB holding the most values; text locations; a serial quoted in sysDescr; a firmware version a Recog fingerprint reads |
//! | 30 | the MAC's IEEE registry entry; an ODM's enterprise number; a model-like word of sysDescr; a bridge with many ports |
//! | 25 | a specialist vendor's default class (a brand with one product line) |
//! | 20 | a generic OS (Linux, Windows, BSD); HOST-RESOURCES-MIB |
//! | 15 | sysServices layers |
//! | 12 | the OS family of p0f's SYN+ACK signature (a TCP/IP stack's habits, which a firewall, a load balancer or a tuned stack changes) |
//! | 10 | a generalist vendor's default class (the weakest prior) |
//!
//! # The vote
//!
//! Proposals for one field are grouped by value (compared without case and
//! punctuation). A group's support is its strongest proposal's weight plus
//! a quarter of the others' (one proposal per source): agreement helps, but
//! many weak hints do not outvote one strong fact. The group with the most
//! support wins; ties go to the stronger single proposal, then to the
//! earlier one. Deterministic: same proposals, same result.

use super::Fact;

/// The weight scale; see the module documentation.
pub mod weight {
    /// The user's vendor table.
    pub const OVERRIDE: u32 = 100;
    /// A hand-written rule.
    pub const RULE: u32 = 90;
    /// A vendor identity object named in `locations.toml`.
    pub const LOCATION: u32 = 80;
    /// ENTITY-MIB's chassis row.
    pub const ENTITY: u32 = 75;
    /// The enterprise number's registered organisation.
    pub const REGISTRY: u32 = 70;
    /// A compiled vendor identity object of the best rank.
    pub const COMPILED_OBJECT: u32 = 65;
    /// A standard device MIB (Printer-MIB, UPS-MIB).
    pub const STANDARD_MIB: u32 = 60;
    /// The vendor/product to OS-name table.
    pub const OS_TABLE: u32 = 60;
    /// What a device announces of itself: an SSDP description's maker and
    /// model, an mDNS `_device-info` model, IPP's make and model.
    pub const ANNOUNCED_DEVICE: u32 = 55;
    /// The class the services a device announces imply.
    pub const ANNOUNCED_SERVICE: u32 = 45;
    /// A Recog fingerprint of a banner or announcement naming the device's
    /// vendor, model or serial (`hw.*`; see `crate::announce`): below what
    /// a device states of itself, a pattern's reading of a banner.
    pub const RECOG_DEVICE: u32 = 50;
    /// The class a Recog fingerprint's device type names.
    pub const RECOG_CLASS: u32 = 45;
    /// The OS a Recog fingerprint names; its vendor as the device's, for a
    /// device's own firmware.
    pub const RECOG_OS: u32 = 40;
    /// A firmware version a Recog fingerprint reads.
    pub const RECOG_VERSION: u32 = 35;
    /// A product registration naming the model.
    pub const PRODUCT_REGISTRATION: u32 = 50;
    /// Device-type words in sysDescr, or a wireless MIB.
    pub const TYPE_WORD: u32 = 50;
    /// ENTITY-MIB's manufacturer name; type words of a chassis or product name.
    pub const ENTITY_MFG: u32 = 45;
    /// A vendor named in sysDescr's text.
    pub const NAMED_IN_TEXT: u32 = 40;
    /// Forwarding with a routing protocol's MIB.
    pub const ROUTING: u32 = 40;
    /// The vendor whose private MIB holds the most values; text locations.
    pub const MIB_PRESENCE: u32 = 35;
    /// A serial number quoted in sysDescr.
    pub const DESCR_SERIAL: u32 = 35;
    /// A version stated in sysDescr.
    pub const DESCR_VERSION: u32 = 30;
    /// A model string that names its brand.
    pub const MODEL_NAMES_VENDOR: u32 = 25;
    /// The MAC's registry entry; an ODM's enterprise number.
    pub const MAC_REGISTRY: u32 = 30;
    /// A model-like word of sysDescr.
    pub const DESCR_WORD: u32 = 30;
    /// A bridge with many ports.
    pub const BRIDGE: u32 = 30;
    /// A specialist vendor's default class.
    pub const SPECIALIST_CLASS: u32 = 25;
    /// A generic operating system.
    pub const GENERIC_OS: u32 = 20;
    /// HOST-RESOURCES-MIB present.
    pub const HOST_RESOURCES: u32 = 20;
    /// sysServices layers.
    pub const SERVICES: u32 = 15;
    /// The OS family p0f's signature of a SYN+ACK names: below every
    /// other OS source.
    pub const TCP_STACK: u32 = 12;
    /// A generalist vendor's default class; a software publisher's.
    pub const DEFAULT_CLASS: u32 = 10;
}

/// The identity fields proposals are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// One of [`super::CLASSES`].
    Class,
    /// The brand.
    Vendor,
    /// Model or part number.
    Model,
    /// Chassis serial number.
    Serial,
    /// Operating system name and version.
    Os,
    /// Firmware or software version.
    Firmware,
}

impl Field {
    /// Every field, in the order the identity lists them.
    pub const ALL: [Field; 6] = [
        Field::Class,
        Field::Vendor,
        Field::Model,
        Field::Serial,
        Field::Os,
        Field::Firmware,
    ];

    /// The field's name in the identity and its evidence.
    pub fn name(self) -> &'static str {
        match self {
            Field::Class => "class",
            Field::Vendor => "vendor",
            Field::Model => "model",
            Field::Serial => "serial",
            Field::Os => "os",
            Field::Firmware => "firmware",
        }
    }

    /// The field called `name`.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One source's proposal for one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The field.
    pub field: Field,
    /// The proposed value (a class must be one of [`super::CLASSES`]).
    pub value: String,
    /// How much the source is believed, on the scale of [`weight`].
    pub weight: u32,
    /// Who proposes: a rule id, a location, or a built-in source such as
    /// `enterprise-number`, `printer-mib`, `mdns` (one name per source: a
    /// source's second proposal for the same value does not add support).
    pub source: String,
    /// The facts it looked at.
    pub facts: Vec<Fact>,
}

impl Proposal {
    /// A proposal without facts.
    pub fn new(
        field: Field,
        value: impl Into<String>,
        weight: u32,
        source: impl Into<String>,
    ) -> Self {
        Proposal {
            field,
            value: value.into(),
            weight,
            source: source.into(),
            facts: Vec::new(),
        }
    }

    /// The same proposal with these facts.
    pub fn with_facts(mut self, facts: Vec<Fact>) -> Self {
        self.facts = facts;
        self
    }
}

/// The outcome of one field's vote.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'a> {
    /// The winning value, as its strongest proposal spells it.
    pub value: &'a str,
    /// The winning group's support.
    pub support: u32,
    /// The proposals for the winning value, strongest first.
    pub winners: Vec<&'a Proposal>,
    /// The other proposals, strongest first.
    pub overruled: Vec<&'a Proposal>,
}

/// The value proposals are grouped by: case and punctuation do not count.
pub fn vote_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Decide `field` from `proposals`; None when nobody proposed anything.
pub fn decide(proposals: &[Proposal], field: Field) -> Option<Decision<'_>> {
    // (key, support parts) per group, in order of first appearance.
    struct Group<'a> {
        key: String,
        members: Vec<(usize, &'a Proposal)>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (i, p) in proposals.iter().enumerate() {
        if p.field != field || p.value.trim().is_empty() {
            continue;
        }
        let key = vote_key(&p.value);
        let key = if key.is_empty() {
            p.value.trim().to_string()
        } else {
            key
        };
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.members.push((i, p)),
            None => groups.push(Group {
                key,
                members: vec![(i, p)],
            }),
        }
    }
    let score = |g: &Group<'_>| -> (u32, u32, std::cmp::Reverse<usize>) {
        // One proposal per source: its strongest.
        let mut best_by_source: Vec<(&str, u32)> = Vec::new();
        for (_, p) in &g.members {
            match best_by_source.iter_mut().find(|(s, _)| *s == p.source) {
                Some((_, w)) => *w = (*w).max(p.weight),
                None => best_by_source.push((&p.source, p.weight)),
            }
        }
        let max = best_by_source.iter().map(|(_, w)| *w).max().unwrap_or(0);
        let sum: u32 = best_by_source.iter().map(|(_, w)| *w).sum();
        let first = g.members.first().map_or(usize::MAX, |(i, _)| *i);
        (max + (sum - max) / 4, max, std::cmp::Reverse(first))
    };
    let best = groups.iter().max_by_key(|g| score(g))?;
    let (support, _, _) = score(best);
    let strongest = |list: &mut Vec<&Proposal>| {
        list.sort_by_key(|p| std::cmp::Reverse(p.weight));
    };
    let mut winners: Vec<&Proposal> = best.members.iter().map(|(_, p)| *p).collect();
    strongest(&mut winners);
    let mut overruled: Vec<&Proposal> = groups
        .iter()
        .filter(|g| g.key != best.key)
        .flat_map(|g| g.members.iter().map(|(_, p)| *p))
        .collect();
    strongest(&mut overruled);
    let value = winners.first().map(|p| p.value.trim())?;
    Some(Decision {
        value,
        support,
        winners,
        overruled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(field: Field, value: &str, w: u32, source: &str) -> Proposal {
        Proposal::new(field, value, w, source)
    }

    #[test]
    fn vote_strongest_value_wins_and_the_rest_is_overruled() {
        let ps = vec![
            p(
                Field::Class,
                "switch",
                weight::DEFAULT_CLASS,
                "vendor-default-class",
            ),
            p(Field::Class, "printer", weight::STANDARD_MIB, "printer-mib"),
            p(Field::Vendor, "Dell", weight::REGISTRY, "enterprise-number"),
        ];
        let d = decide(&ps, Field::Class).unwrap_or_else(|| panic!("no decision"));
        assert_eq!(d.value, "printer");
        assert_eq!(d.support, weight::STANDARD_MIB);
        assert_eq!(d.overruled.len(), 1);
        assert_eq!(d.overruled[0].value, "switch");
        assert!(decide(&ps, Field::Model).is_none());
    }

    #[test]
    fn vote_agreement_adds_a_quarter_and_a_source_counts_once() {
        // Two weak agreeing sources (20 + 20/4 = 25) beat one at 20.
        let ps = vec![
            p(Field::Class, "switch", 20, "a"),
            p(Field::Class, "Server", 20, "b"),
            p(Field::Class, "server", 20, "c"),
        ];
        let d = decide(&ps, Field::Class).unwrap_or_else(|| panic!("no decision"));
        assert_eq!(vote_key(d.value), "server");
        assert_eq!(d.support, 25);
        // The same source twice is one voice.
        let ps = vec![
            p(Field::Class, "server", 20, "a"),
            p(Field::Class, "server", 20, "a"),
            p(Field::Class, "switch", 21, "b"),
        ];
        assert_eq!(decide(&ps, Field::Class).map(|d| d.value), Some("switch"));
        // Many weak hints do not outvote one strong fact.
        let ps = vec![
            p(Field::Vendor, "H3C", 70, "enterprise-number"),
            p(Field::Vendor, "H3C", 45, "entity-mfg-name"),
            p(Field::Vendor, "HPE", 90, "hpe-comware"),
        ];
        assert_eq!(decide(&ps, Field::Vendor).map(|d| d.value), Some("HPE"));
    }

    #[test]
    fn vote_ties_go_to_the_stronger_then_the_earlier() {
        let ps = vec![
            p(Field::Model, "A1", 30, "x"),
            p(Field::Model, "B2", 30, "y"),
        ];
        assert_eq!(decide(&ps, Field::Model).map(|d| d.value), Some("A1"));
        let ps = vec![
            p(Field::Model, "A1", 20, "x"),
            p(Field::Model, "A1", 20, "z"),
            p(Field::Model, "B2", 25, "y"),
        ];
        // 20 + 5 = 25 ties 25; B2's single proposal is stronger.
        assert_eq!(decide(&ps, Field::Model).map(|d| d.value), Some("B2"));
    }

    #[test]
    fn vote_groups_spellings_and_shows_the_strongest() {
        let ps = vec![
            p(Field::Model, "ws-c2960x-48ts-l", 30, "descr"),
            p(Field::Model, "WS-C2960X-48TS-L", 75, "entity"),
        ];
        let d = decide(&ps, Field::Model).unwrap_or_else(|| panic!("no decision"));
        assert_eq!(d.value, "WS-C2960X-48TS-L");
        assert_eq!(d.winners.len(), 2);
        assert!(d.overruled.is_empty());
    }

    #[test]
    fn vote_field_names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
        }
        assert_eq!(Field::from_name("colour"), None);
    }
}
