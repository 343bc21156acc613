//! The engine: run the rules over one device's facts.

use regex::{Captures, RegexSet, RegexSetBuilder};

use super::entity::{self, Column};
use super::rules::{self, Field, Knowledge, LocationSource, Rule, RuleError};
use super::text::{clean_org, short, usable};
use super::{Evidence, Fact, Identity};
use crate::facts::{DeviceFacts, Oid, SYS_DESCR, SYS_OBJECT_ID, SnmpFacts, Value};
use crate::registry;

/// HOST-RESOURCES-MIB hrSWInstalledName.
const HR_SW_INSTALLED_NAME: [u32; 11] = [1, 3, 6, 1, 2, 1, 25, 6, 3, 1, 2];
/// How many installed packages a `software` rule looks at.
const MAX_SOFTWARE_ROWS: usize = 20_000;
/// IF-MIB ifPhysAddress.
const IF_PHYS_ADDRESS: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 6];

/// The fingerprint engine: validated rules plus fast matchers built from
/// them. Build once ([`Engine::builtin`]), call [`Engine::identify`] many
/// times; it is `Send + Sync`.
#[derive(Debug)]
pub struct Engine {
    k: Knowledge,
    /// All rules' sysDescr regexes, to find candidates in one pass.
    descr_set: RegexSet,
    /// Rule index for each pattern of `descr_set`.
    descr_rules: Vec<usize>,
    /// All vendors' name patterns, to recognise a name in one pass.
    vendor_set: RegexSet,
    /// Vendor index for each pattern of `vendor_set`.
    vendor_idx: Vec<usize>,
    sys_descr: Oid,
    sys_object_id: Oid,
    hr_sw_installed_name: Oid,
    if_phys_address: Oid,
}

/// How sure each kind of evidence makes us, for the overall confidence.
#[derive(Clone, Copy)]
struct Weight(f64);

impl Engine {
    /// The engine with the rules embedded in the binary, validated: a bad
    /// rule is an error naming its file and line.
    pub fn builtin() -> Result<Engine, RuleError> {
        Self::from_knowledge(Knowledge::builtin()?)
    }

    fn from_knowledge(k: Knowledge) -> Result<Engine, RuleError> {
        let mut descr_rules = Vec::new();
        let mut pats = Vec::new();
        for (i, r) in k.rules.iter().enumerate() {
            if let Some(d) = &r.descr {
                descr_rules.push(i);
                pats.push(d.as_str().to_string());
            }
        }
        let set_err = |e: regex::Error| RuleError::Invalid {
            file: "rules".into(),
            line: 1,
            id: "(all)".into(),
            message: format!("patterns do not combine into one set: {e}"),
        };
        let descr_set = RegexSetBuilder::new(&pats)
            .size_limit(1 << 26)
            .dfa_size_limit(1 << 26)
            .build()
            .map_err(set_err)?;
        let mut vendor_idx = Vec::new();
        let mut vpats = Vec::new();
        for (i, v) in k.vendors.iter().enumerate() {
            if let Some(p) = &v.pattern {
                vendor_idx.push(i);
                vpats.push(p.as_str().to_string());
            }
        }
        let vendor_set = RegexSetBuilder::new(&vpats)
            .case_insensitive(true)
            .size_limit(1 << 26)
            .dfa_size_limit(1 << 26)
            .build()
            .map_err(set_err)?;
        Ok(Engine {
            k,
            descr_set,
            descr_rules,
            vendor_set,
            vendor_idx,
            sys_descr: Oid::from_arcs(SYS_DESCR),
            sys_object_id: Oid::from_arcs(SYS_OBJECT_ID),
            hr_sw_installed_name: Oid::from_arcs(HR_SW_INSTALLED_NAME),
            if_phys_address: Oid::from_arcs(IF_PHYS_ADDRESS),
        })
    }

    /// How many device rules are loaded.
    pub fn rule_count(&self) -> usize {
        self.k.rules.len()
    }

    /// Identify one device from its facts.
    pub fn identify(&self, facts: &DeviceFacts) -> Identity {
        let snmp = &facts.snmp;
        let descr = snmp.get(&self.sys_descr).and_then(Value::as_lossy_text);
        // Some agents are configured with the sysDescr in quotes, or with
        // surrounding blanks: the rules see the text inside.
        let descr = descr
            .map(|d| unquote(&d).to_string())
            .filter(|d| !d.is_empty() && !d.starts_with("<private"));
        let object = snmp.get(&self.sys_object_id).and_then(|v| match v {
            Value::ObjectId(o) => Some(o.clone()),
            other => other.as_text().and_then(|t| Oid::parse(&t).ok()),
        });
        let mut b = Builder::new(descr.as_deref(), object.as_ref());
        b.present = enterprises_present(snmp);
        self.run_rules(snmp, descr.as_deref(), object.as_ref(), &mut b);
        self.resolve_vendor(facts, object.as_ref(), descr.as_deref(), &mut b);
        self.resolve_locations(facts, &mut b);
        self.vendor_from_model(&mut b);
        if let Some((serial, rule, facts)) = b.descr_serial.take() {
            b.set(Field::Serial, &serial, &rule, &facts);
        }
        self.resolve_class(&mut b);
        self.resolve_origin(&mut b);
        b.finish()
    }

    fn rule_matches<'d>(
        &self,
        rule: &Rule,
        snmp: &SnmpFacts,
        descr: Option<&'d str>,
        object: Option<&Oid>,
        descr_hit: bool,
        present: &[u32],
    ) -> Option<(Option<Captures<'d>>, Option<Fact>)> {
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
            Some(re) => Some(self.installed_package(snmp, re)?),
            None => None,
        };
        Some((caps, package))
    }

    /// The first installed package whose name matches `re`, as a fact.
    fn installed_package(&self, snmp: &SnmpFacts, re: &regex::Regex) -> Option<Fact> {
        snmp.subtree(&self.hr_sw_installed_name)
            .take(MAX_SOFTWARE_ROWS)
            .find_map(|(o, v)| {
                let name = v.as_lossy_text()?;
                re.is_match(&name).then(|| fact(o, &name))
            })
    }

    fn run_rules(
        &self,
        snmp: &SnmpFacts,
        descr: Option<&str>,
        object: Option<&Oid>,
        b: &mut Builder,
    ) {
        let hits = descr.map(|d| self.descr_set.matches(d));
        let mut descr_hit = vec![false; self.k.rules.len()];
        if let Some(h) = &hits {
            for p in h.iter() {
                if let Some(&ri) = self.descr_rules.get(p)
                    && let Some(x) = descr_hit.get_mut(ri)
                {
                    *x = true;
                }
            }
        }
        for (i, rule) in self.k.rules.iter().enumerate() {
            if b.rules_done() {
                break;
            }
            let hit = descr_hit.get(i).copied().unwrap_or(false);
            let Some((caps, package)) =
                self.rule_matches(rule, snmp, descr, object, hit, &b.present)
            else {
                continue;
            };
            let mut facts = Vec::new();
            if rule.descr.is_some()
                && let Some(d) = descr
            {
                facts.push(fact(&self.sys_descr, d));
            }
            if !rule.object.is_empty()
                && let Some(o) = object
            {
                facts.push(fact(&self.sys_object_id, &o.to_string()));
            }
            for h in &rule.has {
                facts.push(Fact {
                    source: h.to_string(),
                    value: "(present)".into(),
                });
            }
            facts.extend(package);
            let caps = caps.as_ref();
            let rid = &rule.id;
            if let Some(c) = rule.class {
                if rule.fallback {
                    if b.fallback_class.is_none() {
                        b.fallback_class = Some((c, rid.clone(), facts.clone()));
                    }
                } else {
                    b.set_class(c, rid, &facts, Weight(0.9));
                }
            }
            if let Some(v) = &rule.vendor {
                b.set_vendor(v, rid, &facts, Weight(0.95));
            }
            for (field, t) in [
                (Field::Model, &rule.model),
                (Field::Os, &rule.os),
                (Field::Firmware, &rule.firmware),
                (Field::Serial, &rule.serial),
            ] {
                let value = t.as_deref().and_then(|t| rules::expand(t, caps));
                if let Some(value) = value.as_deref().and_then(usable) {
                    if field == Field::Serial {
                        // A serial quoted in sysDescr is a last resort:
                        // the vendor's serial objects come first.
                        if b.descr_serial.is_none() {
                            b.descr_serial = Some((value.to_string(), rid.clone(), facts.clone()));
                        }
                    } else {
                        b.set(field, value, rid, &facts);
                    }
                }
            }
        }
    }

    /// The vendor named in `text`: the one whose pattern matches earliest
    /// (file order breaks ties), so "Data ONTAP ... (IBM)" names NetApp.
    fn vendor_named(&self, text: &str) -> Option<&str> {
        let m = self.vendor_set.matches(text);
        let mut best: Option<(usize, usize)> = None;
        for p in m.iter() {
            let Some(&vi) = self.vendor_idx.get(p) else {
                continue;
            };
            let start = self
                .k
                .vendors
                .get(vi)
                .and_then(|v| v.pattern.as_ref())
                .and_then(|re| re.find(text))
                .map_or(usize::MAX, |f| f.start());
            if best.is_none_or(|(s, _)| start < s) {
                best = Some((start, vi));
            }
        }
        self.k.vendors.get(best?.1).map(|v| v.name.as_str())
    }

    /// A vendor named in a copyright notice ("(c) Avaya Inc.", "Copyright
    /// (c) 1986-2023 by Cisco Systems"): the maker of the software.
    fn vendor_in_copyright(&self, text: &str) -> Option<&str> {
        let lower = text.to_ascii_lowercase();
        let at = lower.find("(c)").or_else(|| lower.find("copyright"))?;
        let tail = text.get(at..)?;
        let tail = tail.get(..tail.len().min(80))?;
        self.vendor_named(tail)
    }

    fn resolve_vendor(
        &self,
        facts: &DeviceFacts,
        object: Option<&Oid>,
        descr: Option<&str>,
        b: &mut Builder,
    ) {
        if b.id.vendor.is_some() {
            return;
        }
        let snmp = &facts.snmp;
        let enterprise = object
            .and_then(Oid::enterprise)
            .filter(|e| !self.k.generic_enterprises.contains(e));
        let object_fact = || {
            vec![fact(
                &self.sys_object_id,
                &object.map(ToString::to_string).unwrap_or_default(),
            )]
        };
        if let Some(e) = enterprise {
            if let Some(v) = self
                .k
                .by_enterprise
                .get(&e)
                .and_then(|&i| self.k.vendors.get(i))
            {
                if v.software {
                    b.software_class = v.class;
                } else {
                    b.set_vendor(&v.name, "enterprise-number", &object_fact(), Weight(0.9));
                    return;
                }
            } else if let Some(org) = registry::enterprise::lookup(e) {
                let mut f = object_fact();
                f.push(Fact {
                    source: format!("iana-enterprise:{e}"),
                    value: org.to_string(),
                });
                if let Some(name) = self.vendor_named(org) {
                    let name = name.to_string();
                    b.set_vendor(&name, "enterprise-registry-name", &f, Weight(0.8));
                    return;
                }
                b.iana_org = Some((org, f));
            }
        }
        // The chassis' manufacturer field.
        let rows = entity::chassis_rows(snmp);
        if let Some((o, v)) = entity::chassis_value(snmp, &rows, Column::MfgName)
            && let Some(t) = v.as_lossy_text()
            && let Some(name) = self.vendor_named(&t)
        {
            let name = name.to_string();
            b.set_vendor(&name, "entity-mfg-name", &[fact(&o, &t)], Weight(0.75));
            return;
        }
        if let Some(d) = descr
            && let Some(name) = self.vendor_in_copyright(d).or_else(|| self.vendor_named(d))
            && self.k.vendor(name).is_some_and(|v| !v.software)
        {
            let name = name.to_string();
            b.set_vendor(
                &name,
                "sysdescr-vendor-name",
                &[fact(&self.sys_descr, d)],
                Weight(0.6),
            );
            return;
        }
        if let Some((e, count, name)) = self.vendor_by_mib_presence(snmp) {
            let f = [Fact {
                source: format!("1.3.6.1.4.1.{e}"),
                value: format!("{count} values in this vendor's private MIB"),
            }];
            b.set_vendor(&name, "vendor-mib-present", &f, Weight(0.7));
            return;
        }
        if let Some((org, f)) = b.iana_org.take() {
            b.set_vendor(&clean_org(org), "enterprise-registry", &f, Weight(0.6));
            b.raw_org = Some(org);
            return;
        }
        if let Some(mac) = facts.mac
            && let Some(org) = registry::oui::lookup(mac)
            && org != "Private"
        {
            let f = [
                Fact {
                    source: "mac".into(),
                    value: mac
                        .iter()
                        .map(|x| format!("{x:02x}"))
                        .collect::<Vec<_>>()
                        .join(":"),
                },
                Fact {
                    source: "ieee-oui".into(),
                    value: org.to_string(),
                },
            ];
            match self.vendor_named(org) {
                Some(name) => {
                    let name = name.to_string();
                    b.set_vendor(&name, "mac-oui", &f, Weight(0.5));
                }
                None => {
                    b.set_vendor(&clean_org(org), "mac-oui-registry", &f, Weight(0.4));
                    b.raw_org = Some(org);
                }
            }
        }
    }

    /// A model string that names its brand ("Netgear WNDR4500", from a
    /// generic agent's "hardware" extend) when nothing else named one.
    fn vendor_from_model(&self, b: &mut Builder) {
        if b.id.vendor.is_some() {
            return;
        }
        let Some(model) = b.id.model.clone() else {
            return;
        };
        if let Some(name) = self.vendor_named(&model)
            && self.k.vendor(name).is_some_and(|v| !v.software)
        {
            let name = name.to_string();
            let f = [Fact {
                source: "model".into(),
                value: model,
            }];
            b.set_vendor(&name, "model-names-vendor", &f, Weight(0.5));
        }
    }

    /// The vendor whose private MIB holds the most values in the walk
    /// (agents on generic platforms still load their maker's MIB).
    fn vendor_by_mib_presence(&self, snmp: &SnmpFacts) -> Option<(u32, usize, String)> {
        let private = Oid::from_arcs([1, 3, 6, 1, 4, 1]);
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for (o, _) in snmp.subtree(&private) {
            let Some(e) = o.enterprise() else { continue };
            match counts.last_mut() {
                Some((last, n)) if *last == e => *n += 1,
                _ => counts.push((e, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.into_iter().find_map(|(e, n)| {
            if self.k.generic_enterprises.contains(&e) {
                return None;
            }
            if let Some(v) = self
                .k
                .by_enterprise
                .get(&e)
                .and_then(|&i| self.k.vendors.get(i))
            {
                return (!v.software).then(|| (e, n, v.name.clone()));
            }
            let org = registry::enterprise::lookup(e)?;
            self.vendor_named(org).map(|name| (e, n, name.to_string()))
        })
    }

    fn resolve_locations(&self, facts: &DeviceFacts, b: &mut Builder) {
        let snmp = &facts.snmp;
        let rows = entity::chassis_rows(snmp);
        for loc in &self.k.locations {
            if b.has(loc.field) {
                continue;
            }
            if let Some(v) = &loc.vendor
                && b.id.vendor.as_ref() != Some(v)
            {
                continue;
            }
            if !loc.classes.is_empty()
                && !b.id.class.as_ref().is_some_and(|c| loc.classes.contains(c))
            {
                continue;
            }
            if let LocationSource::Oid(o) = &loc.source
                && o.enterprise().is_some_and(|e| !b.present.contains(&e))
            {
                continue;
            }
            let found = match &loc.source {
                LocationSource::DescrModelToken => b
                    .descr
                    .as_deref()
                    .and_then(|d| {
                        model_token(d, b.id.vendor.as_deref(), &self.vendor_set)
                            .or_else(|| model_pair(d))
                    })
                    .filter(|t| b.id.serial.as_deref() != Some(*t))
                    .map(|t| (self.sys_descr.to_string(), t.to_string())),
                LocationSource::Oid(o) => {
                    first_usable(snmp, o, loc.extract.is_none()).map(|(o, t)| (o.to_string(), t))
                }
                LocationSource::InterfaceMac => self.own_mac(facts),
                LocationSource::EntityChassisDescr => {
                    entity::chassis_value(snmp, &rows, Column::Descr)
                        .and_then(|(o, v)| Some((o.to_string(), v.as_lossy_text()?)))
                }
                LocationSource::EntityChassis => {
                    let col = match loc.field {
                        Field::Model => Column::ModelName,
                        Field::Serial => Column::SerialNum,
                        Field::Firmware => Column::SoftwareRev,
                        Field::Os => Column::FirmwareRev,
                    };
                    entity::chassis_value(snmp, &rows, col)
                        .and_then(|(o, v)| Some((o.to_string(), v.as_lossy_text()?)))
                }
            };
            let Some((source, text)) = found else {
                continue;
            };
            let value = match &loc.extract {
                Some(re) => match re.captures(&text).and_then(|c| c.name("v")) {
                    Some(m) => m.as_str().trim().to_string(),
                    None => continue,
                },
                None => text.clone(),
            };
            let Some(value) = usable(&value) else {
                continue;
            };
            let value = value.to_string();
            let evidence = Fact {
                source,
                value: short(&text),
            };
            b.set(loc.field, &value, &loc.name, &[evidence]);
        }
    }

    /// The device's own MAC address as 12 upper-case hex digits (the form
    /// makers print as a serial number): the lowest-numbered interface's
    /// ifPhysAddress that is a real unicast address, else the MAC the
    /// scanner saw.
    fn own_mac(&self, facts: &DeviceFacts) -> Option<(String, String)> {
        let hex = |m: &[u8]| m.iter().map(|b| format!("{b:02X}")).collect::<String>();
        let real = |m: &[u8]| {
            <[u8; 6]>::try_from(m).is_ok_and(|a| a != [0; 6] && !registry::oui::is_multicast(a))
        };
        let from_if = facts
            .snmp
            .subtree(&self.if_phys_address)
            .take(4096)
            .find_map(|(o, v)| match v {
                Value::OctetString(m) if real(m) => Some((o.to_string(), hex(m))),
                _ => None,
            });
        from_if.or_else(|| {
            let m = facts.mac?;
            real(&m).then(|| ("mac".to_string(), hex(&m)))
        })
    }

    fn resolve_class(&self, b: &mut Builder) {
        if b.id.class.is_some() {
            return;
        }
        let from_vendor =
            b.id.vendor
                .as_deref()
                .and_then(|v| self.k.vendor(v))
                .and_then(|v| v.class.map(|c| (c, v.name.clone())));
        if let Some((c, name)) = from_vendor {
            let f = [Fact {
                source: "vendor".into(),
                value: name,
            }];
            b.set_class(c, "vendor-default-class", &f, Weight(0.55));
        } else if let Some((c, rule, facts)) = b.fallback_class.take() {
            b.set_class(c, &rule, &facts, Weight(0.5));
        } else if let Some(c) = b.software_class {
            b.set_class(c, "os-publisher-default-class", &[], Weight(0.4));
        }
    }

    fn resolve_origin(&self, b: &mut Builder) {
        let Some(vendor) = b.id.vendor.clone() else {
            return;
        };
        let f = vec![Fact {
            source: "vendor".into(),
            value: vendor.clone(),
        }];
        if let Some(v) = self.k.vendor(&vendor) {
            if let Some(o) = v.origin {
                b.push(Evidence {
                    field: "vendor_origin",
                    value: o.into(),
                    rule: "vendor-origin-table".into(),
                    facts: f,
                });
                b.id.vendor_origin = Some(o.into());
            }
            return;
        }
        // A vendor known only from a registry: judge by its registered name.
        let org = b.raw_org.unwrap_or(&vendor);
        let (o, rule) = if self.k.domestic_hint.is_match(org) {
            ("domestic", "registry-name-mainland-place")
        } else {
            ("foreign", "registry-name-default-foreign")
        };
        b.push(Evidence {
            field: "vendor_origin",
            value: o.into(),
            rule: rule.into(),
            facts: vec![Fact {
                source: "registry-name".into(),
                value: org.to_string(),
            }],
        });
        b.id.vendor_origin = Some(o.into());
    }
}

/// A model-like word of sysDescr: letters and digits mixed ("DGS-3120-24TC",
/// "CN5164", "Vigor165"), not a version, architecture or the vendor's name.
fn model_token<'d>(descr: &'d str, vendor: Option<&str>, vendors: &RegexSet) -> Option<&'d str> {
    const GENERIC_OS: &[&str] = &[
        "Linux",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Hardware:",
        "SunOS",
        "Darwin",
        "Windows",
        "DragonFly",
    ];
    if GENERIC_OS.iter().any(|p| descr.starts_with(p)) {
        return None;
    }
    const STOP: &[&str] = &[
        "x86_64",
        "i386",
        "i486",
        "i586",
        "i686",
        "amd64",
        "arm64",
        "aarch64",
        "armv4l",
        "armv5tel",
        "armv5tejl",
        "armv6l",
        "armv7l",
        "mips64",
        "ppc64",
        "SNMPv1",
        "SNMPv2",
        "SNMPv2c",
        "SNMPv3",
        "IPv4",
        "IPv6",
        "10/100",
        "10/100/1000",
        "L2",
        "L3",
        "2G",
        "3G",
        "4G",
        "5G",
        "4G/LTE",
        "802",
        "1G",
        "10G",
        "40G",
        "100G",
        "25G",
        "V2",
        "V3",
        "PoE",
        "PoE+",
        "MIB2",
        "MIB-2",
        "Y2K",
        "x64",
        "x86",
        "win32",
        "P2P",
        "1x",
        "2x",
    ];
    let vendor_sq = vendor.map(super::text::squash).unwrap_or_default();
    let versions = version_words(descr);
    let mut prev = "";
    descr
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '"' | '\'' | '=')
        })
        // Pieces of a version string ("15.0(1)EX3" gives "EX3") are not models.
        .filter(|t| {
            let at = (t.as_ptr() as usize).saturating_sub(descr.as_ptr() as usize);
            !versions.iter().any(|r| r.contains(&at))
        })
        .map(|t| t.trim_matches(|c: char| matches!(c, ':' | '.' | '-' | '/' | '!' | '*' | '#')))
        .filter(|t| {
            // Skip the value after a serial-number or part-number label.
            let after_label = matches!(
                prev.to_ascii_lowercase().trim_end_matches(':'),
                "sn" | "s/n" | "serial" | "p/c" | "pn" | "hr" | "mb" | "pf" | "build" | "md" | "id"
            );
            if !t.is_empty() {
                prev = t;
            }
            !after_label && (3..=40).contains(&t.len()) && !t.contains(':')
        })
        .find(|t| {
            let letters = t.chars().filter(char::is_ascii_alphabetic).count();
            let digits = t.chars().filter(char::is_ascii_digit).count();
            letters >= 1
                && digits >= 1
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '+' | '_'))
                && !STOP.iter().any(|s| s.eq_ignore_ascii_case(t))
                && !is_version_like(t)
                && (vendor_sq.is_empty() || super::text::squash(t) != vendor_sq)
                && !vendors.is_match(t)
                && !t.contains("K9")
                && !(t.starts_with("fc") && t.len() <= 4)
                && !t.ends_with("-M")
                && !is_hex_literal(t)
        })
}

/// Byte ranges of the words that follow "Version", "Ver", "Release" or
/// "Rel" in `descr` (the version strings themselves).
fn version_words(descr: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut after_label = false;
    let mut at = 0;
    for word in descr.split_inclusive(char::is_whitespace) {
        let w = word.trim_end();
        let bare = w.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')'));
        if after_label && !w.is_empty() {
            out.push(at..at + w.len());
            after_label = false;
        } else if matches!(
            bare.to_ascii_lowercase().as_str(),
            "version" | "ver" | "release" | "rel"
        ) {
            after_label = true;
        }
        at += word.len();
    }
    out
}

/// `0x0800004c`: a register or machine-type code, never a product name.
fn is_hex_literal(t: &str) -> bool {
    t.strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A product word followed by a number ("SiteBoss 572", "Netman 204") when
/// sysDescr has no mixed letter-digit word.
fn model_pair(descr: &str) -> Option<&str> {
    const NOT_PRODUCT: &[&str] = &[
        "version",
        "release",
        "build",
        "copyright",
        "firmware",
        "software",
        "rev",
        "revision",
        "update",
        "port",
        "ports",
        "kernel",
        "linux",
        "snmp",
        "agent",
        "card",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "utc",
        "smp",
        "preempt",
        "ver",
        "v",
        "hw",
        "sw",
        "fw",
        "os",
        "id",
    ];
    let words: Vec<&str> = descr
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '\''))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|w| {
        let (a, n) = (*w.first()?, *w.get(1)?);
        let ok_word = a.len() >= 3
            && a.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && a.chars().all(|c| c.is_ascii_alphabetic())
            && !NOT_PRODUCT.contains(&a.to_ascii_lowercase().as_str());
        let year = n.len() == 4 && (n.starts_with("19") || n.starts_with("20"));
        let ok_num = (2..=5).contains(&n.len()) && n.chars().all(|c| c.is_ascii_digit()) && !year;
        if !(ok_word && ok_num) {
            return None;
        }
        let start = a.as_ptr() as usize - descr.as_ptr() as usize;
        let end = n.as_ptr() as usize - descr.as_ptr() as usize + n.len();
        descr.get(start..end)
    })
}

fn is_version_like(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_prefix("ver")
        .or_else(|| lower.strip_prefix('v'))
        .unwrap_or(&lower);
    let digit_start = body.chars().next().is_some_and(|c| c.is_ascii_digit());
    let unit = [
        "ghz", "mhz", "kva", "va", "w", "mbps", "gbps", "kb", "mb", "gb", "tb", "port", "ports",
        "bit", "mm", "v",
    ];
    let num_end = body.trim_start_matches(|c: char| c.is_ascii_digit());
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let dated = lower.split('-').any(|p| months.contains(&p));
    dated
        || (digit_start && (num_end.is_empty() || unit.contains(&num_end)))
        || lower.starts_with("build")
        || lower.starts_with("rev")
        || lower.starts_with("sn")
        || (digit_start && lower.contains('_'))
        || vrp_release(&lower)
}

/// Huawei/H3C release names, `V100R011C00SPC200`: a version, not a model.
fn vrp_release(lower: &str) -> bool {
    let b = lower.as_bytes();
    b.len() >= 8
        && b.first() == Some(&b'v')
        && b.get(1..4)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'r')
        && b.get(5..8)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

fn fact(oid: &Oid, value: &str) -> Fact {
    Fact {
        source: oid.to_string(),
        value: short(value),
    }
}

/// `text` without surrounding blanks and one pair of surrounding double
/// quotes (a quote at one end only is stripped too: such values are often
/// cut at the agent's length limit).
fn unquote(text: &str) -> &str {
    let t = text.trim();
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    t.trim()
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

/// The value at `oid`, or the first usable one in the column below it.
/// The first usable value at `oid` (a scalar) or under it (a column). With
/// `whole` false the value is text a pattern will take a part of
/// (multi-line sysDescr, an inventory dump), so only emptiness is checked
/// here and the part is checked by the caller.
fn first_usable(snmp: &SnmpFacts, oid: &Oid, whole: bool) -> Option<(Oid, String)> {
    let text_of = |v: &Value| -> Option<String> {
        let t = match v {
            Value::OctetString(_) => v.as_text().or_else(|| v.as_lossy_text())?,
            Value::Integer(_) | Value::Gauge32(_) => v.as_i64()?.to_string(),
            _ => return None,
        };
        if whole {
            usable(&t).map(str::to_string)
        } else {
            (!t.trim().is_empty()).then_some(t)
        }
    };
    if let Some(v) = snmp.get(oid) {
        return text_of(v).map(|t| (oid.clone(), t));
    }
    snmp.subtree(oid)
        .take(64)
        .find_map(|(o, v)| text_of(v).map(|t| (o.clone(), t)))
}

/// Collects fields and evidence; the first value set for a field wins.
struct Builder {
    id: Identity,
    weights: [Option<f64>; 2],
    software_class: Option<&'static str>,
    fallback_class: Option<(&'static str, String, Vec<Fact>)>,
    descr_serial: Option<(String, String, Vec<Fact>)>,
    descr: Option<String>,
    iana_org: Option<(&'static str, Vec<Fact>)>,
    raw_org: Option<&'static str>,
    has_descr: bool,
    has_object: bool,
    /// Private enterprise numbers with at least one value in the walk.
    present: Vec<u32>,
}

impl Builder {
    fn new(descr: Option<&str>, object: Option<&Oid>) -> Self {
        Builder {
            id: Identity::default(),
            weights: [None, None],
            software_class: None,
            fallback_class: None,
            descr_serial: None,
            descr: descr.map(str::to_string),
            iana_org: None,
            raw_org: None,
            present: Vec::new(),
            has_descr: descr.is_some(),
            has_object: object.is_some(),
        }
    }

    fn push(&mut self, e: Evidence) {
        self.id.evidence.push(e);
    }

    fn rules_done(&self) -> bool {
        let i = &self.id;
        i.class.is_some()
            && i.vendor.is_some()
            && i.model.is_some()
            && i.os.is_some()
            && i.firmware.is_some()
    }

    fn has(&self, field: Field) -> bool {
        match field {
            Field::Model => self.id.model.is_some(),
            Field::Serial => self.id.serial.is_some(),
            Field::Firmware => self.id.firmware.is_some(),
            Field::Os => self.id.os.is_some(),
        }
    }

    fn set_class(&mut self, c: &str, rule: &str, facts: &[Fact], w: Weight) {
        if self.id.class.is_none() {
            self.id.class = Some(c.to_string());
            self.weights[0] = Some(w.0);
            self.push(Evidence {
                field: "class",
                value: c.to_string(),
                rule: rule.to_string(),
                facts: facts.to_vec(),
            });
        }
    }

    fn set_vendor(&mut self, v: &str, rule: &str, facts: &[Fact], w: Weight) {
        if self.id.vendor.is_none() && !v.is_empty() {
            self.id.vendor = Some(v.to_string());
            self.weights[1] = Some(w.0);
            self.push(Evidence {
                field: "vendor",
                value: v.to_string(),
                rule: rule.to_string(),
                facts: facts.to_vec(),
            });
        }
    }

    fn set(&mut self, field: Field, value: &str, rule: &str, facts: &[Fact]) {
        let (slot, name) = match field {
            Field::Model => (&mut self.id.model, "model"),
            Field::Serial => (&mut self.id.serial, "serial"),
            Field::Firmware => (&mut self.id.firmware, "firmware"),
            Field::Os => (&mut self.id.os, "os"),
        };
        if slot.is_none() {
            *slot = Some(value.to_string());
            self.id.evidence.push(Evidence {
                field: name,
                value: value.to_string(),
                rule: rule.to_string(),
                facts: facts.to_vec(),
            });
        }
    }

    fn finish(mut self) -> Identity {
        let class = self.weights[0].unwrap_or(0.0);
        let vendor = self.weights[1].unwrap_or(0.0);
        let mut c = 0.5 * class + 0.5 * vendor;
        if self.id.model.is_some() || self.id.serial.is_some() {
            c = (c + 0.05).min(1.0);
        }
        if !self.has_descr && !self.has_object {
            c *= 0.8;
        }
        self.id.confidence = (c * 100.0).round() / 100.0;
        sanitised(self.id)
    }
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
    }
    id
}
