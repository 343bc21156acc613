//! `GET /report/origin`: the origin report (信创) as a page, in English
//! and Chinese: every live device split into domestic, foreign and
//! unknown, with both domestic ratios and what they mean; the same split
//! by register category, by class and by vendor (each count linking to
//! the device list it counts); the trend over past runs; the devices of
//! unknown origin, each with why and what would resolve it; and the
//! downloads (`/api/v1/report/origin` as JSON, CSV and XLSX). One store
//! read, the same report the API and the exports serve.

use super::dashboard::link;
use super::i18n::{Ctx, Labels, Lang};
use super::view::When;
use super::{AppError, AppState, Params, enc, page_ctx};
use crate::report::origin::{Origin, OriginReport, Split, UnknownWhy, percent, percent_text};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// Vendors listed on the page, most devices first (the downloads list all).
pub const MAX_VENDORS: usize = 100;
/// Past runs listed, newest first.
pub const MAX_TREND: usize = 30;
/// Unknown-origin devices listed.
pub const MAX_UNKNOWN_ROWS: usize = 200;

/// One count of a split, with the list it counts when there is one.
pub(super) struct Count {
    pub shown: String,
    pub href: Option<String>,
}

/// One row of a split table.
pub(super) struct SplitRow {
    /// The group's name as shown.
    pub name: String,
    /// Its stored key, as the title (empty when the same as shown).
    pub key: String,
    /// Whether the name is device data (vendor names are not translated).
    pub data: bool,
    pub total: Count,
    pub domestic: Count,
    pub foreign: Count,
    pub unknown: Count,
    pub of_all: String,
    pub of_known: String,
}

/// One past run.
pub(super) struct TrendRow {
    pub run_id: i64,
    pub time: When,
    pub job: String,
    pub total: String,
    pub domestic: String,
    pub foreign: String,
    pub unknown: String,
    pub of_all: String,
    pub of_known: String,
}

/// One device of unknown origin.
pub(super) struct UnknownRow {
    pub id: i64,
    pub address: String,
    pub mac: String,
    pub name: String,
    pub class: String,
    pub vendor: String,
    pub last_seen: When,
    pub reason: String,
    /// The config lines that would resolve it (config syntax).
    pub hint: String,
    /// The other language's reason, as the title.
    pub reason_other: String,
}

/// `p` as the page writes a percentage: `41.7%`, `–` when undefined.
fn pct(p: Option<f64>) -> String {
    match p {
        Some(_) => format!("{}%", percent_text(p)),
        None => "–".to_string(),
    }
}

fn printable(s: Option<&str>) -> String {
    s.map(crate::text::printable).unwrap_or_default()
}

/// A split's row; `filter` is the device-list query selecting the group
/// (None when no list filter can, as for a register category).
fn split_row(
    c: &Ctx,
    name: String,
    key: String,
    data: bool,
    s: &Split,
    filter: Option<&str>,
) -> SplitRow {
    let l = c.l;
    let count = |n: u64, origin: Option<Origin>| Count {
        shown: l.num(n),
        href: filter.filter(|_| n > 0).map(|f| {
            let mut q = f.to_string();
            if let Some(o) = origin {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str("origin=");
                q.push_str(o.as_str());
            }
            if q.is_empty() {
                format!("/{}", c.query)
            } else {
                link(c, "/", &q)
            }
        }),
    };
    let total = s.total();
    let with_share = |n: u64, o: Origin| {
        let mut k = count(n, Some(o));
        if total > 0 {
            k.shown = format!("{} ({})", k.shown, pct(percent(n, total)));
        }
        k
    };
    SplitRow {
        name,
        key,
        data,
        total: count(total, None),
        domestic: with_share(s.domestic, Origin::Domestic),
        foreign: with_share(s.foreign, Origin::Foreign),
        unknown: with_share(s.unknown, Origin::Unknown),
        of_all: pct(s.domestic_of_all()),
        of_known: pct(s.domestic_of_known()),
    }
}

/// The report's rows in `c`'s language.
pub(super) struct OriginView {
    pub generated: When,
    pub overall: SplitRow,
    pub by_category: Vec<SplitRow>,
    pub by_class: Vec<SplitRow>,
    pub by_vendor: Vec<SplitRow>,
    pub vendors_total: u64,
    pub trend: Vec<TrendRow>,
    pub trend_total: u64,
    pub unknowns: Vec<UnknownRow>,
    pub unknown_total: u64,
}

impl OriginView {
    pub fn of(c: &Ctx, r: &OriginReport) -> OriginView {
        let l: &Labels = c.l;
        let overall = split_row(
            c,
            l.all_devices.clone(),
            String::new(),
            false,
            &r.overall,
            Some(""),
        );
        let by_category = r
            .by_category
            .iter()
            .map(|(cat, s)| {
                let (name, other) = match c.lang {
                    Lang::En => (cat.en, cat.zh),
                    Lang::Zh => (cat.zh, cat.en),
                };
                split_row(c, name.to_string(), other.to_string(), false, s, None)
            })
            .collect();
        let by_class = r
            .by_class
            .iter()
            .map(|(class, s)| {
                if class.is_empty() {
                    let filter = Some("class=unknown");
                    split_row(c, l.unidentified.clone(), String::new(), false, s, filter)
                } else {
                    let filter = format!("class={}", enc(class));
                    let name = l.class_name.of(class).to_string();
                    split_row(c, name, class.clone(), false, s, Some(&filter))
                }
            })
            .collect();
        let by_vendor = r
            .by_vendor
            .iter()
            .take(MAX_VENDORS)
            .map(|(vendor, s)| {
                if vendor.is_empty() {
                    let filter = Some("vendor=unknown");
                    split_row(c, l.unidentified.clone(), String::new(), false, s, filter)
                } else {
                    let filter = format!("vendor={}", enc(vendor));
                    let name = crate::text::printable(vendor);
                    split_row(c, name, String::new(), true, s, Some(&filter))
                }
            })
            .collect();
        let trend = r
            .trend
            .iter()
            .rev()
            .take(MAX_TREND)
            .map(|t| {
                let s = Split {
                    domestic: t.domestic,
                    foreign: t.foreign,
                    unknown: t.unknown,
                };
                TrendRow {
                    run_id: t.run_id,
                    time: When::of(l, &t.time),
                    job: crate::text::printable(&t.job),
                    total: l.num(s.total()),
                    domestic: l.num(s.domestic),
                    foreign: l.num(s.foreign),
                    unknown: l.num(s.unknown),
                    of_all: pct(s.domestic_of_all()),
                    of_known: pct(s.domestic_of_known()),
                }
            })
            .collect();
        let unknowns = r
            .unknowns
            .iter()
            .take(MAX_UNKNOWN_ROWS)
            .map(|u| {
                let why = u.why();
                let value = match why {
                    UnknownWhy::Oid(v) | UnknownWhy::Mac(v) | UnknownWhy::Vendor(v) => v,
                    UnknownWhy::Nothing => "",
                };
                let reason = l
                    .unknown_reason
                    .get(why.key())
                    .map(|f| f.fill(&[("value", value)]))
                    .unwrap_or_default();
                // The sentence as the exports write it, for the title.
                let (en, zh) = u.reason();
                let reason_other = match c.lang {
                    Lang::En => zh,
                    Lang::Zh => en,
                };
                let name = u
                    .hostname
                    .as_deref()
                    .or(u.sys_name.as_deref())
                    .map(crate::text::printable)
                    .unwrap_or_default();
                UnknownRow {
                    id: u.id,
                    address: printable(u.ip.as_deref()),
                    mac: printable(u.mac.as_deref()),
                    name,
                    class: u
                        .class
                        .as_deref()
                        .map(|k| l.class_name.of(k).to_string())
                        .unwrap_or_default(),
                    vendor: printable(u.vendor.as_deref().or(u.mac_vendor.as_deref())),
                    last_seen: When::day(l, &u.last_seen),
                    reason: crate::text::printable(&reason),
                    hint: why
                        .config_hint()
                        .lines()
                        .map(crate::text::printable)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    reason_other: crate::text::printable(&reason_other),
                }
            })
            .collect();
        OriginView {
            generated: When::of(l, &r.generated_at),
            overall,
            by_category,
            by_class,
            by_vendor,
            vendors_total: r.by_vendor.len() as u64,
            trend,
            trend_total: r.trend.len() as u64,
            unknowns,
            unknown_total: r.unknown_total,
        }
    }
}

#[derive(Template)]
#[template(path = "origin.html")]
pub(super) struct OriginPage {
    pub c: Ctx,
    pub r: OriginView,
    /// The pie of the overall split, as inline SVG.
    pub chart: String,
}

impl OriginPage {
    /// `{shown} of {total} shown` when a table is cut, else empty.
    pub fn cut(&self, shown: usize, total: impl std::borrow::Borrow<u64>) -> String {
        let total = *total.borrow();
        if (shown as u64) < total {
            self.c.l.shown_of.fill(&[
                ("shown", &self.c.l.num(shown)),
                ("total", &self.c.l.num(total)),
            ])
        } else {
            String::new()
        }
    }
}

/// `GET /report/origin`.
pub(super) async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let now = crate::timefmt::system(std::time::SystemTime::now());
    let report = state
        .with_store(move |s| s.origin_report(&now, None))
        .await?;
    let r = OriginView::of(&c, &report);
    let bars: Vec<super::chart::Bar> = [Origin::Domestic, Origin::Foreign, Origin::Unknown]
        .iter()
        .map(|o| {
            let n = report.overall.count(*o);
            super::chart::Bar {
                label: c.l.origin_name.of(o.as_str()).to_string(),
                count: i64::try_from(n).unwrap_or(i64::MAX),
                shown: format!(
                    "{} ({})",
                    c.l.num(n),
                    pct(percent(n, report.overall.total()))
                ),
                href: (n > 0).then(|| link(&c, "/", &format!("origin={}", o.as_str()))),
                fill: super::dashboard::origin_fill(o.as_str()),
            }
        })
        .collect();
    let chart = super::chart::bars(
        "origin-chart",
        &c.l.devices_by_origin,
        &bars,
        &c.l.nothing_yet,
    );
    let page = OriginPage { c, r, chart };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::origin::{Category, TrendPoint, UnknownDevice};

    fn report() -> OriginReport {
        let split = |d, f, u| Split {
            domestic: d,
            foreign: f,
            unknown: u,
        };
        OriginReport {
            generated_at: "2026-12-02T10:00:00Z".into(),
            as_of: None,
            overall: split(5, 3, 2),
            by_category: vec![(
                Category {
                    zh: "网络设备",
                    en: "Network equipment",
                },
                split(5, 3, 0),
            )],
            by_class: vec![
                ("switch".into(), split(5, 3, 0)),
                (String::new(), split(0, 0, 2)),
            ],
            by_vendor: vec![
                ("H3C".into(), split(5, 0, 0)),
                ("<b>&\"".into(), split(0, 3, 0)),
                (String::new(), split(0, 0, 2)),
            ],
            trend: vec![
                TrendPoint {
                    run_id: 1,
                    time: "2026-12-01T10:00:00Z".into(),
                    job: "default".into(),
                    domestic: 1,
                    foreign: 0,
                    unknown: 1,
                },
                TrendPoint {
                    run_id: 2,
                    time: "2026-12-02T10:00:00Z".into(),
                    job: "default".into(),
                    domestic: 5,
                    foreign: 3,
                    unknown: 2,
                },
            ],
            unknowns: vec![UnknownDevice {
                id: 7,
                ip: Some("198.51.100.7".into()),
                mac: Some("02:00:00:00:00:07".into()),
                mac_vendor: None,
                hostname: None,
                sys_name: Some("gadget".into()),
                sys_object_id: None,
                sys_descr: None,
                class: None,
                vendor: None,
                last_seen: "2026-12-02T10:00:00Z".into(),
                evidence: vec![],
            }],
            unknown_total: 2,
        }
    }

    fn ctx(lang: &str) -> Ctx {
        Ctx::new(Some(lang), None, Some(&format!("lang={lang}"))).expect("catalogues")
    }

    #[test]
    fn percentages_are_written_with_one_decimal_or_a_dash() {
        for (p, want) in [
            (Some(41.7), "41.7%"),
            (Some(100.0), "100.0%"),
            (Some(0.0), "0.0%"),
            (None, "–"),
        ] {
            assert_eq!(pct(p), want, "{p:?}");
        }
    }

    #[test]
    fn counts_link_to_the_devices_they_count_keeping_the_language() {
        let c = ctx("zh");
        let v = OriginView::of(&c, &report());
        assert_eq!(v.overall.total.href.as_deref(), Some("/?lang=zh"));
        assert_eq!(
            v.overall.domestic.href.as_deref(),
            Some("/?origin=domestic&lang=zh")
        );
        let switch = &v.by_class[0];
        assert_eq!(switch.name, "交换机");
        assert_eq!(
            switch.foreign.href.as_deref(),
            Some("/?class=switch&origin=foreign&lang=zh")
        );
        // No foreign-and-unknown switch: a zero count links nowhere.
        assert_eq!(switch.unknown.href, None);
        // The unidentified class: the list's `class=unknown`; a register
        // category has no list filter.
        assert_eq!(
            v.by_class[1].unknown.href.as_deref(),
            Some("/?class=unknown&origin=unknown&lang=zh")
        );
        assert_eq!(v.by_class[1].name, c.l.unidentified);
        assert_eq!(
            v.by_vendor[2].total.href.as_deref(),
            Some("/?vendor=unknown&lang=zh")
        );
        assert_eq!(v.by_category[0].name, "网络设备");
        assert_eq!(v.by_category[0].key, "Network equipment");
        assert_eq!(v.by_category[0].total.href, None);
        // A vendor's name is percent-encoded in the link.
        assert_eq!(
            v.by_vendor[1].foreign.href.as_deref(),
            Some("/?vendor=%3Cb%3E%26%22&origin=foreign&lang=zh")
        );
        assert!(v.by_vendor[1].data);
    }

    #[test]
    fn shares_and_ratios_add_up() {
        let c = ctx("en");
        let v = OriginView::of(&c, &report());
        assert_eq!(v.overall.domestic.shown, "5 (50.0%)");
        assert_eq!(v.overall.foreign.shown, "3 (30.0%)");
        assert_eq!(v.overall.unknown.shown, "2 (20.0%)");
        assert_eq!(v.overall.of_all, "50.0%");
        assert_eq!(v.overall.of_known, "62.5%");
        // Newest run first.
        assert_eq!(v.trend[0].run_id, 2);
        assert_eq!(v.trend[1].of_known, "100.0%");
        assert_eq!(v.trend_total, 2);
    }

    #[test]
    fn unknowns_say_why_in_the_readers_language_and_the_other_as_title() {
        let r = report();
        let en = OriginView::of(&ctx("en"), &r);
        let zh = OriginView::of(&ctx("zh"), &r);
        assert!(
            en.unknowns[0]
                .reason
                .starts_with("No vendor identified: the MAC block of 02:00:00:00:00:07"),
            "{}",
            en.unknowns[0].reason
        );
        assert!(
            zh.unknowns[0]
                .reason
                .starts_with("未识别出厂商：MAC 02:00:00:00:00:07")
        );
        // The other language's sentence (as the exports write it) is the title.
        assert!(
            zh.unknowns[0]
                .reason_other
                .starts_with("no vendor identified")
        );
        assert_eq!(en.unknowns[0].name, "gadget");
        assert_eq!(
            en.unknowns[0].hint,
            "[[vendor]]\nbrand = \"…\"\nouis = [\"02:00:00\"]"
        );
        assert_eq!(zh.unknowns[0].hint, en.unknowns[0].hint);
    }

    #[test]
    fn config_hints_name_the_enterprise_number_the_block_or_the_brand() {
        for (why, want) in [
            (
                UnknownWhy::Oid("1.3.6.1.4.1.25506.1.1"),
                "[[vendor]]\nbrand = \"…\"\nenterprise_numbers = [25506]",
            ),
            (
                UnknownWhy::Oid(".1.3.6.1.4.1.9"),
                "[[vendor]]\nbrand = \"…\"\nenterprise_numbers = [9]",
            ),
            (
                UnknownWhy::Oid("1.3.6.1.2.1.1"),
                "[[vendor]]\nbrand = \"…\"\nenterprise_numbers = […]",
            ),
            (
                UnknownWhy::Mac("00-1B-54-00-00-02"),
                "[[vendor]]\nbrand = \"…\"\nouis = [\"00:1B:54\"]",
            ),
            (UnknownWhy::Nothing, ""),
            (
                UnknownWhy::Vendor("Acme \"Net\""),
                "[[vendor]]\nbrand = \"Acme Net\"\norigin = \"domestic\"  # or \"foreign\"",
            ),
        ] {
            assert_eq!(why.config_hint(), want, "{why:?}");
        }
    }

    #[test]
    fn every_reason_has_a_sentence_in_both_languages_filling_its_value() {
        for lang in ["en", "zh"] {
            let l = ctx(lang).l;
            for key in UnknownWhy::KEYS {
                let line = l.unknown_reason.get(key).expect(key);
                let filled = line.fill(&[("value", "V-A-L")]);
                assert_eq!(
                    filled.contains("V-A-L"),
                    key != "nothing",
                    "{lang} {key}: {filled}"
                );
                assert!(!filled.contains('{'), "{lang} {key}: {filled}");
            }
        }
    }

    #[test]
    fn a_cut_table_says_how_much_is_shown() {
        let page = OriginPage {
            c: ctx("en"),
            r: OriginView::of(&ctx("en"), &report()),
            chart: String::new(),
        };
        assert_eq!(page.cut(1, 1), "");
        assert_eq!(
            page.cut(200, 5000),
            "200 of 5,000 shown; the downloads have every row."
        );
    }
}
