//! `GET /findings`: the findings as a page, in English and Chinese —
//! newest first, filtered by state, kind and severity, each with its
//! evidence and acknowledgement. Reads through the same query as
//! `/api/v1/findings`.

use super::i18n::Lang;
use super::{AppError, AppState, Params, device_id, lang_query, pick_lang};
use crate::store::findings::{FindingQuery, FindingRow};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// The page's own labels (the device pages' are in [`super::i18n`]).
#[derive(Debug)]
pub(super) struct FindingLabels {
    pub title: &'static str,
    pub back: &'static str,
    pub other_lang: &'static str,
    pub other_lang_code: &'static str,
    pub state: &'static str,
    pub kind: &'static str,
    pub severity: &'static str,
    pub summary: &'static str,
    pub device: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub evidence: &'static str,
    pub any: &'static str,
    pub apply: &'static str,
    pub none: &'static str,
    pub next_page: &'static str,
    pub acknowledged_by: &'static str,
    pub resolved_at: &'static str,
    /// Kinds, severities and states by their API names.
    pub values: &'static [(&'static str, &'static str)],
}

impl FindingLabels {
    /// The name of an API value in this language (itself when unknown).
    pub fn value<'a>(&self, v: &'a str) -> &'a str
    where
        'static: 'a,
    {
        super::i18n::name_of(self.values, v)
    }
}

static EN: FindingLabels = FindingLabels {
    title: "Findings",
    back: "Inventory",
    other_lang: "中文",
    other_lang_code: "zh",
    state: "State",
    kind: "Kind",
    severity: "Severity",
    summary: "Summary",
    device: "Device",
    first_seen: "First seen",
    last_seen: "Last seen",
    evidence: "Evidence",
    any: "any",
    apply: "Apply",
    none: "No findings.",
    next_page: "Next page",
    acknowledged_by: "acknowledged by",
    resolved_at: "resolved",
    values: &[
        ("unregistered", "not in the register"),
        ("new_device", "new device"),
        ("randomized_mac", "randomised MAC"),
        ("unmanaged_switch", "unmanaged switch"),
        ("rogue_dhcp", "rogue DHCP server"),
        ("policy_vendor", "vendor not allowed"),
        ("policy_class", "class not allowed"),
        ("policy_origin", "origin not allowed"),
        ("default_community", "default SNMP community"),
        ("snmp_v3_required", "SNMPv3 required"),
        ("asset_missing", "asset missing"),
        ("ip_conflict", "IP conflict"),
        ("mac_moved", "MAC moved"),
        ("warranty", "warranty"),
        ("open", "open"),
        ("acknowledged", "acknowledged"),
        ("resolved", "resolved"),
        ("info", "info"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
    ],
};

static ZH: FindingLabels = FindingLabels {
    title: "发现项",
    back: "资产清单",
    other_lang: "English",
    other_lang_code: "en",
    state: "状态",
    kind: "类型",
    severity: "严重程度",
    summary: "说明",
    device: "设备",
    first_seen: "首次发现",
    last_seen: "最近发现",
    evidence: "证据",
    any: "全部",
    apply: "筛选",
    none: "暂无发现项。",
    next_page: "下一页",
    acknowledged_by: "已确认：",
    resolved_at: "已解决",
    values: &[
        ("unregistered", "未登记设备"),
        ("new_device", "新设备"),
        ("randomized_mac", "随机MAC地址"),
        ("unmanaged_switch", "非网管交换机"),
        ("rogue_dhcp", "私设DHCP服务器"),
        ("policy_vendor", "厂商不合规"),
        ("policy_class", "设备类型不合规"),
        ("policy_origin", "产地不合规"),
        ("default_community", "默认SNMP团体名"),
        ("snmp_v3_required", "须使用SNMPv3"),
        ("asset_missing", "资产未发现"),
        ("ip_conflict", "IP地址冲突"),
        ("mac_moved", "MAC端口迁移"),
        ("warranty", "保修到期"),
        ("open", "未处理"),
        ("acknowledged", "已确认"),
        ("resolved", "已解决"),
        ("info", "提示"),
        ("low", "低"),
        ("medium", "中"),
        ("high", "高"),
    ],
};

/// "Findings" in `lang`, for the overview's link.
pub(super) fn title(lang: Lang) -> &'static str {
    labels(lang).title
}

fn labels(lang: Lang) -> &'static FindingLabels {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// One row as the template shows it.
pub(super) struct FindingView {
    pub id: i64,
    pub kind: String,
    pub severity: String,
    pub state: String,
    pub summary: String,
    pub device_id: Option<i64>,
    pub subject: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: String,
    pub ack: Option<(String, String)>,
    pub evidence: Vec<(String, String, String, String)>,
}

impl FindingView {
    fn of(f: &FindingRow) -> FindingView {
        let p = crate::text::printable;
        FindingView {
            id: f.id,
            kind: f.kind.clone(),
            severity: f.severity.clone(),
            state: f.state.clone(),
            summary: p(&f.summary),
            device_id: f.device_id,
            subject: [f.ip.as_deref(), f.mac.as_deref(), f.asset_tag.as_deref()]
                .into_iter()
                .flatten()
                .map(p)
                .collect::<Vec<_>>()
                .join(" · "),
            first_seen: f.first_seen.clone(),
            last_seen: f.last_seen.clone(),
            resolved_at: f.resolved_at.clone().unwrap_or_default(),
            ack: f.ack.as_ref().map(|a| (p(&a.by), p(&a.reason))),
            evidence: f
                .evidence
                .iter()
                .take(64)
                .map(|e| (p(&e.source), p(&e.key), p(&e.value), p(&e.seen)))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
pub(super) struct FindingsPage {
    pub lang_code: &'static str,
    pub lang_query: &'static str,
    pub l: &'static FindingLabels,
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
    let lang = pick_lang(&params, &headers);
    let nonempty = |k: &str| params.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let query = FindingQuery {
        limit: 100,
        after: nonempty("after"),
        kind: nonempty("kind"),
        state: nonempty("state"),
        severity: nonempty("severity"),
        device: params.get("device").and_then(device_id),
    };
    query
        .validate()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let (state_f, kind_f, severity_f) = (
        query.state.clone().unwrap_or_default(),
        query.kind.clone().unwrap_or_default(),
        query.severity.clone().unwrap_or_default(),
    );
    let found = state.with_store(move |s| s.findings(&query)).await?;
    let next_link = found.next.as_deref().map(|c| params.with_after(c));
    let page = FindingsPage {
        lang_code: lang.code(),
        lang_query: lang_query(lang),
        l: labels(lang),
        findings: found.items.iter().map(FindingView::of).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_severity_and_state_has_both_names() {
        for v in crate::audit::KINDS
            .iter()
            .chain(crate::audit::SEVERITIES)
            .chain(&["open", "acknowledged", "resolved"])
        {
            assert!(
                EN.values.iter().any(|(k, _)| k == v),
                "{v} has no English name"
            );
            let zh = ZH.value(v);
            assert!(zh != *v && !zh.is_ascii(), "{v} has no Chinese name");
        }
    }
}
