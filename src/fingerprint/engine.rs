//! The engine: gather every source's proposals for one device, vote, and
//! explain the result.

use std::collections::{BTreeSet, HashMap};
use std::sync::{OnceLock, RwLock};

use super::pattern::{self, Caps};

use super::brands::{Brands, Maker};
use super::entity::{self, Column};
use super::origin::{self, Registered};
use super::overrides::VendorOverrides;
use super::rules::{self, Field as RuleField, Knowledge, LocationSource, Rule, RuleError};
use super::text::usable;
use super::vote::{self, Decision, Field, Proposal, weight};
use super::words::{descr_version, unquote};
use super::{CLASSES, Evidence, Fact, Identity, Overruled, compiled, fact, locate, os, standard};
use crate::facts::{DeviceFacts, Oid, SYS_DESCR, SYS_OBJECT_ID, SnmpFacts, Value};
use crate::registry;

/// HOST-RESOURCES-MIB hrSWInstalledName.
const HR_SW_INSTALLED_NAME: [u32; 11] = [1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2];
/// How many installed packages a `software` rule looks at.
const MAX_SOFTWARE_ROWS: usize = 20_000;

/// The fingerprint engine: validated rules plus fast matchers built from
/// them. Build once ([`Engine::builtin`]), call [`Engine::identify`] many
/// times; it is `Send + Sync`.
#[derive(Debug)]
pub struct Engine {
    k: Knowledge,
    brands: Brands,
    /// All rules' sysDescr regexes, to find candidates in one pass.
    descr_set: pattern::Set,
    /// Rule index for each pattern of `descr_set`.
    descr_rules: Vec<usize>,
    /// MIB names of evidence OIDs, remembered (a pure function of the OID).
    names: RwLock<HashMap<String, Option<String>>>,
}

impl Clone for Engine {
    fn clone(&self) -> Self {
        Engine {
            k: self.k.clone(),
            brands: self.brands.clone(),
            descr_set: self.descr_set.clone(),
            descr_rules: self.descr_rules.clone(),
            names: RwLock::new(HashMap::new()),
        }
    }
}

impl Engine {
    /// The engine with the rules embedded in the binary, validated: a bad
    /// rule is an error naming its file and line.
    pub fn builtin() -> Result<Engine, RuleError> {
        Self::from_knowledge(Knowledge::builtin()?, shipped()?)
    }

    /// This engine with the user's vendor table merged in: its brands,
    /// aliases, enterprise numbers, OUIs and origins come before the
    /// shipped vendor table, the registries and the built-in tables.
    pub fn with_overrides(self, overrides: VendorOverrides) -> Engine {
        if overrides.is_empty() {
            return self;
        }
        let base = shipped().unwrap_or_default();
        // The brand patterns do not depend on the table: only the table
        // and what was resolved through it change.
        let brands = self.brands.with_overrides(overrides.over(&base));
        Engine { brands, ..self }
    }

    /// This engine without the hand-written rules and locations whose ids
    /// are in `off` (see [`Engine::hand_sources`]): to measure what the
    /// engine knows about a device family nobody wrote a rule for.
    pub fn without(&self, off: &BTreeSet<String>) -> Result<Engine, RuleError> {
        Self::from_knowledge(self.k.clone().without(off), self.brands.overrides.clone())
    }

    /// The ids of the hand-written rules and locations, as evidence names
    /// them.
    pub fn hand_sources(&self) -> Vec<String> {
        self.k
            .rules
            .iter()
            .map(|r| r.id.clone())
            .chain(self.k.locations.iter().map(|l| l.id.clone()))
            .collect()
    }

    fn from_knowledge(k: Knowledge, overrides: VendorOverrides) -> Result<Engine, RuleError> {
        let mut descr_rules = Vec::new();
        let mut pats = Vec::new();
        for (i, r) in k.rules.iter().enumerate() {
            if let Some(d) = &r.descr {
                descr_rules.push(i);
                pats.push(d);
            }
        }
        let descr_set = pattern::set(pats).map_err(|e| RuleError::Invalid {
            file: "rules".into(),
            line: 1,
            id: "(all)".into(),
            message: format!("patterns do not combine into one set: {e}"),
        })?;
        let brands = Brands::new(&k, overrides)?;
        Ok(Engine {
            k,
            brands,
            descr_set,
            descr_rules,
            names: RwLock::new(HashMap::new()),
        })
    }

    /// How many device rules are loaded.
    pub fn rule_count(&self) -> usize {
        self.k.rules.len()
    }

    /// The OIDs this engine's knowledge reads, each a subtree to walk in
    /// full (a scalar's OID walks to its `.0`): rules' `has` OIDs,
    /// locations, the compiled vendor identity objects (a column repeated
    /// under sibling product subtrees is wanted as their common parent),
    /// and the standard objects the built-in sources read. Sorted, no
    /// duplicates, no OID below another in the list.
    pub fn wanted_objects(&self) -> Vec<Oid> {
        let mut out: Vec<Oid> = Vec::new();
        for r in &self.k.rules {
            out.extend(r.has.iter().cloned());
        }
        for l in &self.k.locations {
            match &l.source {
                LocationSource::Oid(o) => out.push(o.clone()),
                LocationSource::EntityChassis | LocationSource::EntityChassisDescr => {
                    out.push(Oid::from_arcs(entity::ENTRY.to_vec()));
                }
                LocationSource::InterfaceMac => {
                    out.push(Oid::from_arcs([1, 3, 6, 1, 2, 1, 2, 2, 1, 6]));
                }
                LocationSource::DescrModelToken => out.push(Oid::from_arcs(SYS_DESCR)),
            }
        }
        for o in registry::mib::objects() {
            let text = o.oid.split(".*").next().unwrap_or(o.oid);
            if let Ok(oid) = Oid::parse(text) {
                out.push(oid);
            }
        }
        out.extend(standard::wanted());
        out.push(Oid::from_arcs(HR_SW_INSTALLED_NAME));
        out.push(Oid::from_arcs([1, 3, 6, 1, 2, 1, 1]));
        out.sort();
        out.dedup();
        let mut kept: Vec<Oid> = Vec::new();
        for o in out {
            if !kept.last().is_some_and(|p| o.starts_with(p)) {
                kept.push(o);
            }
        }
        kept
    }

    /// Identify one device from its facts.
    pub fn identify(&self, facts: &DeviceFacts) -> Identity {
        self.identify_with(facts, &[])
    }

    /// Identify one device from its facts and other sources' proposals
    /// (probes outside SNMP: mDNS, SSDP, HTTP banners, DHCP vendor class),
    /// which join the vote with their own weights. A class proposal that
    /// is not one of [`CLASSES`] is ignored.
    pub fn identify_with(&self, facts: &DeviceFacts, extra: &[Proposal]) -> Identity {
        let snmp = &facts.snmp;
        let sys_descr = Oid::from_arcs(SYS_DESCR);
        let sys_object_id = Oid::from_arcs(SYS_OBJECT_ID);
        let descr = snmp.get(&sys_descr).and_then(Value::as_lossy_text);
        // Some agents are configured with the sysDescr in quotes, or with
        // surrounding blanks: the rules see the text inside.
        let descr = descr
            .map(|d| unquote(&d).to_string())
            .filter(|d| !d.is_empty() && !d.starts_with("<private"));
        let descr = descr.as_deref();
        let object = snmp.get(&sys_object_id).and_then(|v| match v {
            Value::ObjectId(o) => Some(o.clone()),
            other => other.as_text().and_then(|t| Oid::parse(&t).ok()),
        });
        let object = object.as_ref();
        let present = enterprises_present(snmp);
        let chassis = entity::chassis_rows(snmp);
        let mut run = Run {
            // Other sources' vendors are names as devices spell them
            // ("SAMSUNG ELECTRONICS CO., LTD."): shown as the brand.
            props: extra
                .iter()
                .filter(|p| p.field != Field::Class || CLASSES.contains(&p.value.as_str()))
                .map(|p| {
                    let mut p = p.clone();
                    if p.field == Field::Vendor {
                        p.value = self.brands.presentable(&p.value);
                    }
                    p
                })
                .collect(),
            registered: Vec::new(),
            notes: Vec::new(),
            software_class: None,
        };

        self.run_rules(snmp, descr, object, &present, &mut run.props);
        self.vendor_sources(facts, descr, object, &present, &chassis, &mut run);
        let mut vendor = decide_value(&run.props, Field::Vendor);

        standard::propose(snmp, &chassis, &mut run.props);
        compiled::registrations(snmp, object, &chassis, &mut run.props);
        self.class_priors(vendor.as_deref(), &mut run);
        let class = decide_value(&run.props, Field::Class);

        // Serial first: a model word equal to the serial is no model.
        let mut known = locate::Known {
            vendor: vendor.as_deref(),
            class: class.as_deref(),
            descr,
            present: &present,
            serial: None,
            chassis: &chassis,
        };
        locate::propose(
            &self.k,
            self.brands.set(),
            facts,
            &known,
            &[RuleField::Serial],
            &mut run.props,
        );
        let mut numbers: Vec<u32> = Vec::new();
        if let Some(e) = object.and_then(Oid::enterprise) {
            numbers.push(e);
        }
        numbers.extend(
            present
                .iter()
                .copied()
                .filter(|e| Some(*e) != object.and_then(Oid::enterprise)),
        );
        compiled::objects(snmp, &numbers, &mut run.props);
        let serial = decide_value(&run.props, Field::Serial);
        known.serial = serial.as_deref();
        locate::propose(
            &self.k,
            self.brands.set(),
            facts,
            &known,
            &[RuleField::Model, RuleField::Firmware, RuleField::Os],
            &mut run.props,
        );

        if vendor.is_none()
            && let Some(model) = decide_value(&run.props, Field::Model)
            && let Some(n) = self.brands.named(&self.k, &model)
            && self
                .brands
                .vendor(&self.k, &n.brand)
                .is_none_or(|v| !v.software)
        {
            run.props.push(
                Proposal::new(
                    Field::Vendor,
                    n.brand,
                    weight::MODEL_NAMES_VENDOR,
                    "model-names-vendor",
                )
                .with_facts(vec![Fact::note("model", model)]),
            );
            vendor = decide_value(&run.props, Field::Vendor);
            self.class_priors(vendor.as_deref(), &mut run);
        }

        if let Some(d) = descr
            && let Some(v) = descr_version(d)
        {
            run.props.push(
                Proposal::new(
                    Field::Firmware,
                    v,
                    weight::DESCR_VERSION,
                    "sysdescr-version",
                )
                .with_facts(vec![fact(&sys_descr, d)]),
            );
        }
        {
            let product = os::Product {
                vendor: vendor.as_deref(),
                class: vote::decide(&run.props, Field::Class).map(|d| d.value),
                model: vote::decide(&run.props, Field::Model).map(|d| d.value),
                descr,
            };
            if let Some((name, line)) = os::name(&self.k, &product) {
                let firmware = vote::decide(&run.props, Field::Firmware).map(|d| d.value);
                let value = os::with_version(name, firmware);
                run.props.push(
                    Proposal::new(
                        Field::Os,
                        value,
                        weight::OS_TABLE,
                        format!("os-table:{line}"),
                    )
                    .with_facts(match (vendor.as_deref(), descr) {
                        (Some(v), _) => vec![Fact::note("vendor", v)],
                        (None, Some(d)) => vec![fact(&sys_descr, d)],
                        (None, None) => Vec::new(),
                    }),
                );
            }
        }
        self.finish(run, descr.is_some() || object.is_some())
    }

    fn rule_matches<'d>(
        &self,
        rule: &Rule,
        snmp: &SnmpFacts,
        descr: Option<&'d str>,
        object: Option<&Oid>,
        descr_hit: bool,
        present: &[u32],
    ) -> Option<(Option<Caps<'d>>, Option<Fact>)> {
        let caps = match (&rule.descr, descr) {
            (Some(_), _) if !descr_hit => return None,
            (Some(re), Some(d)) if rule.templated => Some(re.captures(d)?),
            (Some(_), Some(_)) => None,
            (Some(_), None) => return None,
            (None, _) => None,
        };
        if !rule.object.is_empty() {
            let o = object?;
            if !rule.object.iter().any(|p| o.starts_with(p)) {
                return None;
            }
        }
        for h in &rule.has {
            if h.enterprise().is_some_and(|e| !present.contains(&e)) {
                return None;
            }
            if snmp.get(h).is_none() && snmp.subtree(h).next().is_none() {
                return None;
            }
        }
        let package = match &rule.software {
            Some(re) => Some(installed_package(snmp, re)?),
            None => None,
        };
        Some((caps, package))
    }

    /// The rules' proposals: per field and weight, the first matching rule
    /// in file order proposes (rules are ordered most specific first).
    fn run_rules(
        &self,
        snmp: &SnmpFacts,
        descr: Option<&str>,
        object: Option<&Oid>,
        present: &[u32],
        props: &mut Vec<Proposal>,
    ) {
        let sys_descr = Oid::from_arcs(SYS_DESCR);
        let sys_object_id = Oid::from_arcs(SYS_OBJECT_ID);
        let hits = descr.map(|d| self.descr_set.matches(d));
        let mut descr_hit = vec![false; self.k.rules.len()];
        if let Some(h) = &hits {
            for &p in h {
                if let Some(&ri) = self.descr_rules.get(p)
                    && let Some(x) = descr_hit.get_mut(ri)
                {
                    *x = true;
                }
            }
        }
        let mut taken: Vec<(Field, u32)> = Vec::new();
        let mut descr_serial = false;
        for (i, rule) in self.k.rules.iter().enumerate() {
            let all_taken = [
                Field::Class,
                Field::Vendor,
                Field::Model,
                Field::Os,
                Field::Firmware,
            ]
            .iter()
            .all(|f| taken.contains(&(*f, weight::RULE)));
            if all_taken {
                break;
            }
            let hit = descr_hit.get(i).copied().unwrap_or(false);
            let Some((caps, package)) = self.rule_matches(rule, snmp, descr, object, hit, present)
            else {
                continue;
            };
            let mut facts = Vec::new();
            if rule.descr.is_some()
                && let Some(d) = descr
            {
                facts.push(fact(&sys_descr, d));
            }
            if !rule.object.is_empty()
                && let Some(o) = object
            {
                facts.push(fact(&sys_object_id, &o.to_string()));
            }
            for h in &rule.has {
                facts.push(Fact {
                    source: h.to_string(),
                    value: "(present)".into(),
                    name: None,
                });
            }
            facts.extend(package);
            let caps = caps.as_ref();
            let w = rule.weight;
            let mut propose = |field: Field, value: String, w: u32| {
                if !taken.contains(&(field, w)) {
                    taken.push((field, w));
                    props.push(
                        Proposal::new(field, value, w, rule.id.clone()).with_facts(facts.clone()),
                    );
                }
            };
            if let Some(c) = rule.class {
                propose(Field::Class, c.to_string(), w);
            }
            if let Some(v) = &rule.vendor {
                propose(Field::Vendor, self.brands.canonical(v), w);
            }
            for (field, t) in [
                (Field::Model, &rule.model),
                (Field::Os, &rule.os),
                (Field::Firmware, &rule.firmware),
            ] {
                let value = t.as_deref().and_then(|t| rules::expand(t, caps));
                if let Some(value) = value.as_deref().and_then(usable) {
                    propose(field, value.to_string(), w);
                }
            }
            // A serial quoted in sysDescr is a last resort: the vendor's
            // serial objects come first.
            if !descr_serial
                && let Some(value) = rule
                    .serial
                    .as_deref()
                    .and_then(|t| rules::expand(t, caps))
                    .as_deref()
                    .and_then(usable)
            {
                descr_serial = true;
                props.push(
                    Proposal::new(Field::Serial, value, weight::DESCR_SERIAL, rule.id.clone())
                        .with_facts(facts.clone()),
                );
            }
        }
    }

    /// The vendor proposals of the registries and the device's own words.
    fn vendor_sources(
        &self,
        facts: &DeviceFacts,
        descr: Option<&str>,
        object: Option<&Oid>,
        present: &[u32],
        rows: &[u32],
        run: &mut Run,
    ) {
        let snmp = &facts.snmp;
        let sys_object_id = Oid::from_arcs(SYS_OBJECT_ID);
        let sys_descr = Oid::from_arcs(SYS_DESCR);
        if let Some(o) = object
            && let Some(e) = o.enterprise()
        {
            let mut f = vec![fact(&sys_object_id, &o.to_string())];
            match self.brands.enterprise(&self.k, e) {
                Maker::Override(b) => run.props.push(
                    Proposal::new(Field::Vendor, b, weight::OVERRIDE, "vendor-table-config")
                        .with_facts(f),
                ),
                Maker::Stack(name) => run.notes.push(Evidence {
                    field: "stack",
                    value: name,
                    rule: "agent-stack-enterprise".into(),
                    weight: 0,
                    facts: f,
                    overruled: Vec::new(),
                }),
                Maker::Brand {
                    brand,
                    how,
                    org,
                    odm,
                    via,
                } => {
                    if let Some(org) = org {
                        f.push(Fact::note(format!("iana-enterprise:{e}"), org));
                    }
                    if let Some(from) = via {
                        f.push(Fact::note("lineage", format!("{from} → {brand}")));
                    }
                    let hand = self.brands.vendor(&self.k, &brand);
                    if hand.is_some_and(|v| v.software) {
                        run.software_class = hand.and_then(|v| v.class);
                    } else {
                        let w = if odm {
                            weight::MAC_REGISTRY
                        } else {
                            weight::REGISTRY
                        };
                        let source = if odm {
                            "enterprise-number-odm".to_string()
                        } else {
                            format!("enterprise-number ({how})")
                        };
                        run.props
                            .push(Proposal::new(Field::Vendor, brand, w, source).with_facts(f));
                    }
                }
                Maker::Organisation { org, odm } => {
                    f.push(Fact::note(format!("iana-enterprise:{e}"), org));
                    let name = self.brands.presentable(org);
                    let w = if odm {
                        weight::MAC_REGISTRY
                    } else {
                        weight::REGISTRY
                    };
                    run.registered.push((name.clone(), Registered::Iana(org)));
                    run.props.push(
                        Proposal::new(Field::Vendor, name, w, "enterprise-registry").with_facts(f),
                    );
                }
                Maker::Unknown => {}
            }
        }
        // The chassis' manufacturer field.
        if let Some((o, v)) = entity::chassis_value(snmp, rows, Column::MfgName)
            && let Some(t) = v.as_lossy_text()
            && let Some(n) = self.brands.named(&self.k, &t)
        {
            run.props.push(
                Proposal::new(
                    Field::Vendor,
                    n.brand,
                    weight::ENTITY_MFG,
                    "entity-mfg-name",
                )
                .with_facts(vec![fact(&o, &t)]),
            );
        }
        if let Some(d) = descr
            && let Some(n) = self.brands.named_preferring(&self.k, d, copyright_tail(d))
            && self
                .brands
                .vendor(&self.k, &n.brand)
                .is_none_or(|v| !v.software)
        {
            run.props.push(
                Proposal::new(
                    Field::Vendor,
                    n.brand,
                    weight::NAMED_IN_TEXT,
                    "sysdescr-vendor-name",
                )
                .with_facts(vec![fact(&sys_descr, d)]),
            );
        }
        if let Some((e, count, name)) = self.vendor_by_mib_presence(snmp, present) {
            let f = vec![Fact::note(
                format!("1.3.6.1.4.1.{e}"),
                format!("{count} values in this vendor's private MIB"),
            )];
            run.props.push(
                Proposal::new(
                    Field::Vendor,
                    name,
                    weight::MIB_PRESENCE,
                    "vendor-mib-present",
                )
                .with_facts(f),
            );
        }
        if let Some(mac) = facts.mac {
            let mac_text = mac
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(":");
            if let Some(b) = self.brands.overrides.by_mac(mac) {
                run.props.push(
                    Proposal::new(
                        Field::Vendor,
                        b,
                        weight::OVERRIDE,
                        "vendor-table-config-oui",
                    )
                    .with_facts(vec![Fact::note("mac", mac_text)]),
                );
            } else if let Some(a) = registry::oui::assignment(mac)
                && a.organisation != "Private"
            {
                let f = vec![
                    Fact::note("mac", mac_text),
                    Fact::note("ieee-oui", a.organisation),
                ];
                match self.brands.named(&self.k, a.organisation) {
                    Some(n) => run.props.push(
                        Proposal::new(Field::Vendor, n.brand, weight::MAC_REGISTRY, "mac-oui")
                            .with_facts(f),
                    ),
                    None => {
                        let name = self.brands.presentable(a.organisation);
                        run.registered
                            .push((name.clone(), Registered::Ieee(a.organisation, a.country)));
                        run.props.push(
                            Proposal::new(
                                Field::Vendor,
                                name,
                                weight::MAC_REGISTRY,
                                "mac-oui-registry",
                            )
                            .with_facts(f),
                        );
                    }
                }
            }
        }
    }

    /// The vendor whose private MIB holds the most values in the walk
    /// (agents on generic platforms still load their maker's MIB).
    fn vendor_by_mib_presence(
        &self,
        snmp: &SnmpFacts,
        present: &[u32],
    ) -> Option<(u32, usize, String)> {
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for &e in present {
            let prefix = Oid::from_arcs([1, 3, 6, 1, 4, 1, e]);
            counts.push((e, snmp.subtree(&prefix).take(100_000).count()));
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
            .into_iter()
            .find_map(|(e, n)| match self.brands.enterprise(&self.k, e) {
                Maker::Override(b) => Some((e, n, b)),
                Maker::Brand {
                    brand, odm: false, ..
                } => {
                    let hand = self.brands.vendor(&self.k, &brand);
                    hand.is_none_or(|v| !v.software).then_some((e, n, brand))
                }
                _ => None,
            })
    }

    /// The weakest priors for the class: the vendor's default class, and a
    /// software publisher's (when the enterprise number is an OS maker's).
    fn class_priors(&self, vendor: Option<&str>, run: &mut Run) {
        run.props.retain(|p| p.source != "vendor-default-class");
        if let Some(v) = vendor
            && let Some(entry) = self.brands.vendor(&self.k, v)
            && let Some(c) = entry.class
        {
            let w = if entry.generalist {
                weight::DEFAULT_CLASS
            } else {
                weight::SPECIALIST_CLASS
            };
            run.props.push(
                Proposal::new(Field::Class, c, w, "vendor-default-class")
                    .with_facts(vec![Fact::note("vendor", v)]),
            );
        }
        if let Some(c) = run.software_class.take() {
            run.props.push(Proposal::new(
                Field::Class,
                c,
                weight::DEFAULT_CLASS,
                "os-publisher-default-class",
            ));
        }
    }

    /// Decide every field, attach evidence, resolve the origin.
    fn finish(&self, run: Run, has_system: bool) -> Identity {
        let mut id = Identity::default();
        let mut supports = [0u32; 2];
        for field in Field::ALL {
            let Some(d) = vote::decide(&run.props, field) else {
                continue;
            };
            let value = d.value.to_string();
            match field {
                Field::Class => {
                    supports[0] = d.support;
                    id.class = Some(value);
                }
                Field::Vendor => {
                    supports[1] = d.support;
                    id.vendor = Some(value);
                }
                Field::Model => id.model = Some(value),
                Field::Serial => id.serial = Some(value),
                Field::Os => id.os = Some(value),
                Field::Firmware => id.firmware = Some(value),
            }
            id.evidence.extend(evidence_of(field, &d));
        }
        if let Some(v) = id.vendor.clone() {
            let registered = run
                .registered
                .iter()
                .find(|(name, _)| *name == v)
                .map(|(_, r)| *r);
            let (o, ev) = origin::resolve(&self.k, &self.brands, &v, registered);
            id.vendor_origin = o.map(str::to_string);
            id.evidence.push(ev);
        }
        id.evidence.extend(run.notes);
        // Name the facts of the winning proposals (overruled ones keep
        // their dotted OIDs: naming costs lookups, and they lost).
        for ev in &mut id.evidence {
            self.name_facts(&mut ev.facts);
        }
        let part = |s: u32| f64::from(s.min(weight::RULE)) / f64::from(weight::RULE);
        let mut c = 0.5 * part(supports[0]) + 0.5 * part(supports[1]);
        if id.model.is_some() || id.serial.is_some() {
            c = (c + 0.05).min(1.0);
        }
        if !has_system {
            c *= 0.8;
        }
        id.confidence = (c * 100.0).round() / 100.0;
        sanitised(id)
    }
}

/// The shipped vendor table, as a rule error when it is broken.
fn shipped() -> Result<VendorOverrides, RuleError> {
    VendorOverrides::shipped().map_err(|e| RuleError::Invalid {
        file: "vendor-table.toml".into(),
        line: 1,
        id: "(vendor table)".into(),
        message: e.to_string(),
    })
}

/// The byte range of a copyright notice's first 80 characters ("(c) Avaya
/// Inc.", "Copyright (c) 1986-2023 by Cisco Systems"): a vendor named there
/// made the software.
fn copyright_tail(text: &str) -> Option<std::ops::Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("(c)").or_else(|| lower.find("copyright"))?;
    let tail = text.get(at..)?;
    let end = tail.char_indices().nth(80).map_or(tail.len(), |(i, _)| i);
    Some(at..at + end)
}

/// What one identification gathers before the vote.
struct Run {
    props: Vec<Proposal>,
    /// Vendor names that are registry organisations, with their record.
    registered: Vec<(String, Registered)>,
    /// Evidence that is not a vote (the agent stack).
    notes: Vec<Evidence>,
    /// A software publisher's default class, when the enterprise number
    /// is an OS maker's.
    software_class: Option<&'static str>,
}

fn decide_value(props: &[Proposal], field: Field) -> Option<String> {
    vote::decide(props, field).map(|d| d.value.to_string())
}

/// The evidence entries of a decision: one per winning proposal, the
/// first listing the overruled ones.
fn evidence_of(field: Field, d: &Decision<'_>) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = d
        .winners
        .iter()
        .map(|p| Evidence {
            field: field.name(),
            value: d.value.to_string(),
            rule: p.source.clone(),
            weight: p.weight,
            facts: p.facts.clone(),
            overruled: Vec::new(),
        })
        .collect();
    if let Some(first) = out.first_mut() {
        first.overruled = d
            .overruled
            .iter()
            .map(|p| Overruled {
                value: p.value.clone(),
                rule: p.source.clone(),
                weight: p.weight,
                facts: p.facts.clone(),
            })
            .collect();
    }
    out
}

impl Engine {
    /// Fill each fact's MIB name from the compiled tables.
    fn name_facts(&self, facts: &mut [Fact]) {
        for f in facts {
            if f.name.is_some() || !f.source.starts_with("1.") {
                continue;
            }
            if let Some(known) = self
                .names
                .read()
                .ok()
                .and_then(|m| m.get(&f.source).cloned())
            {
                f.name = known;
                continue;
            }
            let name = Oid::parse(&f.source)
                .ok()
                .and_then(|o| registry::mib::display(&o));
            if let Ok(mut m) = self.names.write()
                && m.len() < 100_000
            {
                m.insert(f.source.clone(), name.clone());
            }
            f.name = name;
        }
    }
}

/// The first installed package whose name matches `re`, as a fact.
fn installed_package(snmp: &SnmpFacts, re: &super::pattern::Pattern) -> Option<Fact> {
    let column = Oid::from_arcs(HR_SW_INSTALLED_NAME);
    snmp.subtree(&column)
        .take(MAX_SOFTWARE_ROWS)
        .find_map(|(o, v)| {
            let name = v.as_lossy_text()?;
            re.is_match(&name).then(|| fact(o, &name))
        })
}

/// Enterprise numbers with values under 1.3.6.1.4.1, found by jumping from
/// one enterprise to the next (one lookup per enterprise, not per value).
fn enterprises_present(snmp: &SnmpFacts) -> Vec<u32> {
    let mut out = Vec::new();
    let mut next = 0u32;
    loop {
        let cursor = Oid::from_arcs([1, 3, 6, 1, 4, 1, next]);
        let Some((o, _)) = snmp.first_from(&cursor) else {
            return out;
        };
        let Some(e) = o.enterprise() else {
            return out;
        };
        out.push(e);
        match e.checked_add(1) {
            Some(n) => next = n,
            None => return out,
        }
    }
}

/// The OIDs the built-in engine reads (see [`Engine::wanted_objects`]),
/// for the collector: computed once.
pub fn wanted_objects() -> &'static [Oid] {
    static WANTED: OnceLock<Vec<Oid>> = OnceLock::new();
    WANTED.get_or_init(|| {
        Engine::builtin()
            .map(|e| e.wanted_objects())
            .unwrap_or_default()
    })
}

/// Every string an identity carries, through the one network-text
/// sanitiser ([`crate::text::clean`]): fields come from device-sent text.
fn sanitised(mut id: Identity) -> Identity {
    use crate::text::clean;
    const FIELD: usize = 255;
    const FACT: usize = 1024;
    for slot in [
        &mut id.class,
        &mut id.vendor,
        &mut id.model,
        &mut id.serial,
        &mut id.os,
        &mut id.firmware,
        &mut id.vendor_origin,
    ] {
        *slot = slot
            .take()
            .map(|v| clean(&v, FIELD))
            .filter(|v| !v.is_empty());
    }
    for e in &mut id.evidence {
        e.value = clean(&e.value, FIELD);
        for f in &mut e.facts {
            f.value = clean(&f.value, FACT);
        }
        for o in &mut e.overruled {
            o.value = clean(&o.value, FIELD);
            for f in &mut o.facts {
                f.value = clean(&f.value, FACT);
            }
        }
    }
    id
}
