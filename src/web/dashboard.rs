//! `GET /dashboard`: live devices by class, origin and vendor (the
//! [`TOP_VENDORS`] most common, the rest summed), open findings by
//! severity, as bar charts drawn on the server ([`super::chart`]), each
//! bar linking to the list it counts; then each job's latest run and next
//! start. Reads the same counts as `/metrics` and the same jobs as
//! `/api/v1/jobs`.

use super::api::jobs::statuses;
use super::chart::{self, Bar};
use super::i18n::{Ctx, Labels};
use super::jobs_page::JobView;
use super::{AppError, AppState, Params, enc, page_ctx};
use crate::store::metrics::Counts;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// Vendors charted by name; the rest are one bar.
pub const TOP_VENDORS: usize = 10;

/// The charts of one page, as markup.
pub(super) struct Charts {
    pub class: String,
    pub origin: String,
    pub vendor: String,
    pub severity: String,
}

/// `path?query`, keeping the page's `lang` when the reader chose it.
pub(super) fn link(c: &Ctx, path: &str, query: &str) -> String {
    if c.explicit() {
        format!("{path}?{query}&lang={}", c.param())
    } else {
        format!("{path}?{query}")
    }
}

pub(super) fn origin_fill(origin: &str) -> &'static str {
    match origin {
        "domestic" => "#3f9a5b",
        "foreign" => "#6f6fd6",
        _ => "#9aa3b2",
    }
}

fn severity_fill(severity: &str) -> &'static str {
    match severity {
        "high" => "#c0392b",
        "medium" => "#e0a030",
        "low" => "#5b8bd0",
        _ => "#9aa3b2",
    }
}

/// Most first, then by name.
fn by_count(rows: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// The dashboard's charts of `counts`, in `c`'s language.
pub(super) fn charts(c: &Ctx, counts: &Counts) -> Charts {
    let l: &Labels = c.l;
    let empty = l.nothing_yet.as_str();
    let class: Vec<Bar> = by_count(&counts.by_class)
        .into_iter()
        .map(|(k, n)| Bar {
            label: l.class_name.of(&k).to_string(),
            count: n,
            shown: l.num(n),
            href: Some(link(c, "/", &format!("class={}", enc(&k)))),
            fill: chart::FILL,
        })
        .collect();
    let origin: Vec<Bar> = ["domestic", "foreign", "unknown"]
        .iter()
        .filter_map(|o| counts.by_origin.iter().find(|(k, _)| k == o))
        .map(|(k, n)| Bar {
            label: l.origin_name.of(k).to_string(),
            count: *n,
            shown: l.num(n),
            href: Some(link(c, "/", &format!("origin={}", enc(k)))),
            fill: origin_fill(k),
        })
        .collect();
    let vendors = by_count(&counts.by_vendor);
    let rest: i64 = vendors
        .iter()
        .skip(TOP_VENDORS)
        .map(|(_, n)| n)
        .sum::<i64>()
        .saturating_add(counts.other_vendors);
    let mut vendor: Vec<Bar> = vendors
        .into_iter()
        .take(TOP_VENDORS)
        .map(|(k, n)| {
            // `unknown` is the count of devices with no vendor, which the
            // list's `vendor=unknown` selects.
            let href = Some(link(c, "/", &format!("vendor={}", enc(&k))));
            let label = if k == "unknown" {
                l.origin_name.of("unknown").to_string()
            } else {
                k
            };
            Bar {
                label,
                count: n,
                shown: l.num(n),
                href,
                fill: chart::FILL,
            }
        })
        .collect();
    if rest > 0 {
        vendor.push(Bar {
            label: l.other_vendors.clone(),
            count: rest,
            shown: l.num(rest),
            href: None,
            fill: "#9aa3b2",
        });
    }
    let severity: Vec<Bar> = counts
        .findings_open
        .iter()
        .rev()
        .map(|(k, n)| Bar {
            label: l.severity_name.of(k).to_string(),
            count: *n,
            shown: l.num(n),
            href: Some(link(
                c,
                "/findings",
                &format!("state=open&severity={}", enc(k)),
            )),
            fill: severity_fill(k),
        })
        .collect();
    Charts {
        class: chart::bars("chart-class", &l.devices_by_class, &class, empty),
        origin: chart::bars("chart-origin", &l.devices_by_origin, &origin, empty),
        vendor: chart::bars("chart-vendor", &l.top_vendors, &vendor, empty),
        severity: chart::bars("chart-severity", &l.open_by_severity, &severity, empty),
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub(super) struct DashboardPage {
    pub c: Ctx,
    pub charts: Charts,
    pub devices: i64,
    pub findings_open: i64,
    pub jobs: Vec<JobView>,
}

/// `GET /dashboard`.
pub(super) async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let counts = state.with_store(|s| s.metric_counts()).await?;
    let jobs = statuses(&state, true).await?;
    let page = DashboardPage {
        charts: charts(&c, &counts),
        devices: counts.by_class.iter().map(|(_, n)| n).sum(),
        findings_open: counts.findings_open.iter().map(|(_, n)| n).sum(),
        jobs: jobs.iter().map(|j| JobView::of(c.l, j)).collect(),
        c,
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Ctx;

    fn counts() -> Counts {
        let mut by_vendor: Vec<(String, i64)> = (1..=12)
            .map(|i| (format!("vendor-{i:02}"), i64::from(i)))
            .collect();
        by_vendor.push(("<script>alert(1)</script>".into(), 30));
        by_vendor.push(("unknown".into(), 5));
        Counts {
            by_class: vec![("switch".into(), 8), ("unknown".into(), 2)],
            by_origin: vec![("foreign".into(), 4), ("domestic".into(), 6)],
            by_vendor,
            other_vendors: 7,
            findings_open: vec![
                ("info".into(), 0),
                ("low".into(), 1),
                ("medium".into(), 0),
                ("high".into(), 3),
            ],
            findings_unacknowledged: Vec::new(),
        }
    }

    #[test]
    fn dashboard_vendor_chart_keeps_the_top_ten_and_sums_the_rest() {
        let c = Ctx::new(Some("en"), None, None).unwrap();
        let ch = charts(&c, &counts());
        let v = &ch.vendor;
        // 30 (hostile), 12..=5 by count then name (unknown's 5 before vendor-05),
        // then the rest: vendor-01..04 and `other_vendors`.
        let counts_shown: Vec<&str> = v
            .split("data-count=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(
            counts_shown,
            ["30", "12", "11", "10", "9", "8", "7", "6", "5", "5", "17"],
            "{v}"
        );
        assert!(v.contains("(other vendors)"), "{v}");
        assert!(!v.contains("<script"), "{v}");
        assert!(
            v.contains("href=\"/?vendor=%3Cscript%3Ealert%281%29%3C%2Fscript%3E&amp;lang=en\"")
        );
        assert!(
            v.contains("href=\"/?vendor=unknown&amp;lang=en\""),
            "the vendorless bar links to the list of them: {v}"
        );
        assert!(v.contains("href=\"/?vendor=vendor-12&amp;lang=en\""), "{v}");
    }

    #[test]
    fn dashboard_charts_link_to_the_filtered_lists_in_the_readers_language() {
        let c = Ctx::new(Some("zh"), None, None).unwrap();
        let ch = charts(&c, &counts());
        for (svg, want) in [
            (&ch.class, "href=\"/?class=switch&amp;lang=zh\""),
            (&ch.class, ">交换机</text>"),
            (&ch.origin, "href=\"/?origin=domestic&amp;lang=zh\""),
            (&ch.origin, ">国产</text>"),
            (
                &ch.severity,
                "href=\"/findings?state=open&amp;severity=high&amp;lang=zh\"",
            ),
        ] {
            assert!(svg.contains(want), "{want} not in {svg}");
        }
        // Origins in a fixed order, severities highest first.
        let o = &ch.origin;
        assert!(o.find("domestic") < o.find("foreign"), "{o}");
        let s = &ch.severity;
        assert!(s.find("severity=high") < s.find("severity=info"), "{s}");
        // Without `?lang=`, links carry none.
        let c = Ctx::new(None, Some("zh-CN"), None).unwrap();
        assert!(
            charts(&c, &counts())
                .class
                .contains("href=\"/?class=switch\"")
        );
    }
}
