//! The device page's register, findings and timeline sections, in the
//! reader's language: the asset it was matched to (or that it is in no
//! register), its findings, and what changed when ([`super::timeline`]).

use super::findings_page::FindingView;
use super::i18n::{Ctx, Labels};
use super::snmp_view::{self, Cell};
use super::timeline::{Entry, Event};
use super::view::{When, record_key};
use crate::store::assets::AssetRow;

/// The matched asset, as the page shows it.
pub(super) struct AssetSection {
    pub tag: String,
    pub rows: Vec<(String, String)>,
    pub method: Cell,
    pub evidence: String,
}

impl AssetSection {
    pub fn of(l: &Labels, a: &AssetRow) -> AssetSection {
        let f = &a.asset;
        let p = |v: &Option<String>| v.as_deref().map(crate::text::printable);
        let rows = [
            (&l.owner, p(&f.owner)),
            (&l.department, p(&f.department)),
            (&l.asset_location, p(&f.location)),
            (&l.serial, p(&f.serial)),
            (&l.model, p(&f.model)),
            (&l.warranty_end, p(&f.warranty_end)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k.clone(), v)))
        .collect();
        let (method, evidence) = a.matched.as_ref().map_or_else(
            || (Cell::default(), String::new()),
            |m| {
                (
                    Cell::named(&l.match_method, &m.method),
                    crate::text::printable(&m.evidence),
                )
            },
        );
        AssetSection {
            tag: crate::text::printable(&f.asset_tag),
            rows,
            method,
            evidence,
        }
    }
}

/// One timeline entry as the page shows it.
pub(super) struct TimelineView {
    pub time: When,
    pub what: String,
    /// What it is about: a field, an address, a finding kind.
    pub subject: Cell,
    /// A page it links to (the other device, the finding).
    pub link: Option<String>,
    /// The objects that changed: name, before, after ('—' for absent).
    pub changes: Vec<(Cell, String, String)>,
    /// `… and 3 more`, or the sizes of values too long to compare.
    pub note: String,
}

fn or_dash(v: &Option<String>) -> String {
    match v.as_deref() {
        None | Some("") => "—".to_string(),
        Some(v) => crate::text::printable(v),
    }
}

/// `e`, an entry of device `device`'s timeline, in `c`'s language.
pub(super) fn timeline_view(c: &Ctx, device: i64, e: &Entry) -> TimelineView {
    let l = c.l;
    let name = |k: &str| l.timeline_event.of(k).to_string();
    let (what, subject, link, changes, note) = match &e.event {
        Event::FirstSeen => (
            name("first_seen"),
            Cell::default(),
            None,
            vec![],
            String::new(),
        ),
        Event::NewHeld { kind, value } => (
            name(if *kind == "mac" { "new_mac" } else { "new_ip" }),
            Cell::code(value),
            None,
            vec![],
            String::new(),
        ),
        Event::Identity { kind, other } => (
            l.identity_event.of(kind).to_string(),
            other.map_or_else(Cell::default, |o| Cell::shown(format!("#{o}"))),
            other.map(|o| format!("/devices/{o}{}", c.query)),
            vec![],
            String::new(),
        ),
        Event::FindingOpened { id, kind } | Event::FindingResolved { id, kind } => {
            let opened = matches!(e.event, Event::FindingOpened { .. });
            (
                name(if opened {
                    "finding_opened"
                } else {
                    "finding_resolved"
                }),
                Cell::named(&l.finding_kind, kind),
                Some(findings_href(c, device, Some(*id))),
                vec![],
                String::new(),
            )
        }
        Event::Changed {
            source,
            key,
            objects,
            more,
            sizes,
        } => {
            let mut subject = record_key(l, key);
            if let Some(s) = l.source.get(source) {
                subject.text = format!("{} · {s}", subject.text);
            }
            let changes = objects
                .iter()
                .map(|o| {
                    let object = if o.oid.is_empty() {
                        Cell::default()
                    } else {
                        snmp_view::oid_cell(&o.oid)
                    };
                    (object, or_dash(&o.before), or_dash(&o.after))
                })
                .collect();
            let note = match sizes {
                Some((b, a)) => l
                    .size_changed
                    .fill(&[("before", &l.num(b)), ("after", &l.num(a))]),
                None if *more > 0 => l.more_changes.n(&l.num(more)),
                None => String::new(),
            };
            (name("changed"), subject, None, changes, note)
        }
    };
    TimelineView {
        time: When::of(l, &e.time),
        what,
        subject,
        link,
        changes,
        note,
    }
}

/// The findings page of device `device` (at finding `at`), keeping the
/// chosen language.
pub(super) fn findings_href(c: &Ctx, device: i64, at: Option<i64>) -> String {
    let lang = if c.explicit() {
        format!("&lang={}", c.param())
    } else {
        String::new()
    };
    let anchor = at.map(|id| format!("#finding-{id}")).unwrap_or_default();
    format!("/findings?device={device}{lang}{anchor}")
}

/// The device page's findings, newest first.
pub(super) fn findings(c: &Ctx, rows: &[crate::store::findings::FindingRow]) -> Vec<FindingView> {
    rows.iter()
        .map(|f| FindingView::of(c.lang, c.l, f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::timeline::ObjectChange;

    fn ctx(lang: &str) -> Ctx {
        Ctx::new(Some(lang), None, Some(&format!("lang={lang}"))).expect("catalogues")
    }

    #[test]
    fn a_changed_subtree_names_its_objects_and_source_in_each_language() {
        let e = Entry {
            time: "2026-01-02T00:00:00Z".into(),
            event: Event::Changed {
                source: "snmp".into(),
                key: "snmp:1.3.6.1.2.1.1".into(),
                objects: vec![ObjectChange {
                    oid: "1.3.6.1.2.1.1.1.0".into(),
                    before: Some("VRP V200R019".into()),
                    after: None,
                }],
                more: 3,
                sizes: None,
            },
        };
        for lang in ["en", "zh"] {
            let c = ctx(lang);
            let v = timeline_view(&c, 4, &e);
            assert_eq!(v.what, c.l.timeline_event.of("changed"), "{lang}");
            assert!(
                v.subject.text.contains("SNMPv2-MIB::system"),
                "{}",
                v.subject.text
            );
            assert_eq!(v.changes[0].0.text, "SNMPv2-MIB::sysDescr.0");
            assert_eq!(v.changes[0].1, "VRP V200R019");
            assert_eq!(v.changes[0].2, "—");
            assert_eq!(v.note, c.l.more_changes.n("3"));
        }
    }

    #[test]
    fn too_long_values_say_their_sizes_and_findings_link_to_themselves() {
        let c = ctx("en");
        let sized = timeline_view(
            &c,
            4,
            &Entry {
                time: "2026-01-02T00:00:00Z".into(),
                event: Event::Changed {
                    source: "snmp".into(),
                    key: "snmp:1.3.6.1.2.1.2.2".into(),
                    objects: vec![],
                    more: 0,
                    sizes: Some((4800, 5200)),
                },
            },
        );
        assert_eq!(sized.note, "4,800 → 5,200 values");
        let finding = timeline_view(
            &c,
            4,
            &Entry {
                time: "2026-01-02T00:00:00Z".into(),
                event: Event::FindingOpened {
                    id: 12,
                    kind: "unregistered".into(),
                },
            },
        );
        assert_eq!(
            finding.link.as_deref(),
            Some("/findings?device=4&lang=en#finding-12")
        );
        assert_eq!(finding.subject.text, c.l.finding_kind.of("unregistered"));
    }
}
