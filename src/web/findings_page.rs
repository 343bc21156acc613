//! `GET /findings`: the findings as a page, in English and Chinese —
//! newest first, filtered by state, kind and severity, each with its
//! evidence and acknowledgement. Reads through the same query as
//! `/api/v1/findings`.

use super::i18n::{Ctx, Labels, Lang};
use super::snmp_view::Cell;
use super::view::When;
use super::{AppError, AppState, Params, device_id, page_ctx};
use crate::store::findings::{FindingQuery, FindingRow};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// One row as the template shows it.
pub(super) struct FindingView {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub state: String,
    /// The line shown: the stored (English) summary on English pages, the
    /// catalogue's sentence for the kind elsewhere.
    pub summary: String,
    /// The stored summary, as the title when another is shown.
    pub stored_summary: String,
    pub device_id: Option<i64>,
    pub subject: String,
    pub first_seen: When,
    pub last_seen: When,
    pub resolved_at: Option<When>,
    pub ack: Option<(String, String)>,
    pub evidence: Vec<EvidenceRow>,
}

/// One piece of a finding's evidence.
pub(super) struct EvidenceRow {
    pub source: Cell,
    pub key: Cell,
    pub value: String,
    pub seen: When,
}

/// A name from `names` for the first word of `raw` (`fingerprint cisco-ios`
/// → `指纹识别 cisco-ios`), the raw text as the title.
fn first_word(names: &super::i18n::Names, raw: &str) -> Cell {
    let (head, rest) = raw.split_once(' ').unwrap_or((raw, ""));
    match names.get(head) {
        Some(n) if rest.is_empty() => Cell::shown(n).with_title(raw),
        Some(n) => Cell::shown(format!("{n} {rest}")).with_title(raw),
        None => Cell::data(raw),
    }
}

impl FindingView {
    pub(super) fn of(lang: Lang, l: &Labels, f: &FindingRow) -> FindingView {
        let p = crate::text::printable;
        let subject = [f.ip.as_deref(), f.mac.as_deref(), f.asset_tag.as_deref()]
            .into_iter()
            .flatten()
            .map(p)
            .collect::<Vec<_>>()
            .join(" · ");
        let stored = p(&f.summary);
        // Stored summaries are English sentences (the API's); other
        // languages say the catalogue's line for the kind.
        let (summary, stored_summary) = match (lang, l.finding_summary.get(&f.kind)) {
            (Lang::En, _) | (_, None) => (stored, String::new()),
            (_, Some(line)) => (line.fill(&[("subject", subject.as_str())]), stored),
        };
        FindingView {
            id: f.id,
            kind: f.kind.clone(),
            severity: f.severity.clone(),
            state: f.state.clone(),
            summary,
            stored_summary,
            device_id: f.device_id,
            subject,
            first_seen: When::of(l, &f.first_seen),
            last_seen: When::of(l, &f.last_seen),
            resolved_at: f.resolved_at.as_deref().map(|r| When::of(l, r)),
            ack: f.ack.as_ref().map(|a| (p(&a.by), p(&a.reason))),
            evidence: f
                .evidence
                .iter()
                .take(64)
                .map(|e| EvidenceRow {
                    source: first_word(&l.source, &p(&e.source)),
                    key: first_word(&l.fact_key, &p(&e.key)),
                    value: p(&e.value),
                    seen: When::of(l, &p(&e.seen)),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
pub(super) struct FindingsPage {
    pub c: Ctx,
    pub findings: Vec<FindingView>,
    pub kinds: &'static [&'static str],
    pub severities: &'static [&'static str],
    pub states: &'static [&'static str],
    pub state: String,
    pub kind: String,
    pub severity: String,
    pub next_link: Option<String>,
}

/// `GET /findings`.
pub(super) async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let nonempty = |k: &str| params.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let query = FindingQuery {
        limit: 100,
        after: nonempty("after"),
        kind: nonempty("kind"),
        state: nonempty("state"),
        severity: nonempty("severity"),
        device: params.get("device").and_then(device_id),
    };
    if let Err(e) = query.validate() {
        return Ok(super::bad_query_page(c, &e.to_string()));
    }
    let (state_f, kind_f, severity_f) = (
        query.state.clone().unwrap_or_default(),
        query.kind.clone().unwrap_or_default(),
        query.severity.clone().unwrap_or_default(),
    );
    let found = state.with_store(move |s| s.findings(&query)).await?;
    let next_link = found.next.as_deref().map(|c| params.with_after(c));
    let findings = found
        .items
        .iter()
        .map(|f| FindingView::of(c.lang, c.l, f))
        .collect();
    let page = FindingsPage {
        c,
        findings,
        kinds: crate::audit::KINDS,
        severities: crate::audit::SEVERITIES,
        states: &["open", "acknowledged", "resolved"],
        state: state_f,
        kind: kind_f,
        severity: severity_f,
        next_link,
    };
    let html = page
        .render()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(html).into_response())
}
