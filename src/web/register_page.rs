//! `GET /register`: the approved-asset register as a page, in English and
//! Chinese, with three views: every asset with the device it was matched
//! to (how, and on what evidence), the assets no device matched (missing
//! or switched off), and `?unmatched=devices`, the live devices no asset
//! matched (shadow IT). Paged 100 at a time by the same store reads as
//! `/api/v1/assets` (`?unmatched=assets|devices`).

use super::i18n::{Ctx, Labels};
use super::view::When;
use super::{AppError, AppState, Params, page_ctx};
use crate::store::assets::{AssetFilter, AssetRow, RegisterCounts, UnmatchedDevice};
use crate::store::read::QueryError;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};

/// Rows per page.
pub const PAGE: u32 = 100;

/// Which of the three lists the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Show {
    /// Every asset.
    All,
    /// Assets no device matched.
    Unmatched,
    /// Devices no asset matched.
    Shadow,
}

impl Show {
    /// From `?unmatched=` (as the API reads it).
    fn parse(v: Option<&str>) -> Result<Show, String> {
        match v {
            None => Ok(Show::All),
            Some("assets") => Ok(Show::Unmatched),
            Some("devices") => Ok(Show::Shadow),
            Some(other) => Err(format!(
                "unmatched `{}` is not `assets` or `devices`",
                other.chars().take(64).collect::<String>()
            )),
        }
    }

    /// Its `unmatched=` value ('' for every asset).
    pub fn param(self) -> &'static str {
        match self {
            Show::All => "",
            Show::Unmatched => "assets",
            Show::Shadow => "devices",
        }
    }
}

/// One asset as the page shows it.
pub(super) struct AssetView {
    pub tag: String,
    pub owner: String,
    pub department: String,
    pub location: String,
    pub serial: String,
    pub mac: String,
    pub ip: String,
    pub hostname: String,
    pub product: String,
    pub warranty_end: String,
    /// The matched device: id, how (named), evidence.
    pub matched: Option<(i64, String, String)>,
}

fn text(s: &Option<String>) -> String {
    s.as_deref().map(crate::text::printable).unwrap_or_default()
}

impl AssetView {
    fn of(l: &Labels, a: &AssetRow) -> AssetView {
        let f = &a.asset;
        let product = [f.vendor.as_deref(), f.model.as_deref()]
            .into_iter()
            .flatten()
            .map(crate::text::printable)
            .collect::<Vec<_>>()
            .join(" ");
        AssetView {
            tag: crate::text::printable(&f.asset_tag),
            owner: text(&f.owner),
            department: text(&f.department),
            location: text(&f.location),
            serial: text(&f.serial),
            mac: text(&f.mac),
            ip: text(&f.ip),
            hostname: text(&f.hostname),
            product,
            warranty_end: text(&f.warranty_end),
            matched: a.matched.as_ref().map(|m| {
                (
                    m.device_id,
                    l.match_method.of(&m.method).to_string(),
                    crate::text::printable(&m.evidence),
                )
            }),
        }
    }
}

/// One unregistered device.
pub(super) struct ShadowView {
    pub id: i64,
    pub ip: String,
    pub mac: String,
    pub hostname: String,
    pub class: String,
    pub vendor: String,
    pub model: String,
    pub serial: String,
    pub last_seen: Option<When>,
}

impl ShadowView {
    fn of(l: &Labels, d: &UnmatchedDevice) -> ShadowView {
        ShadowView {
            id: d.id,
            ip: text(&d.ip),
            mac: text(&d.mac),
            hostname: text(&d.hostname),
            class: d
                .class
                .as_deref()
                .map(|c| l.class_name.of(c).to_string())
                .unwrap_or_default(),
            vendor: text(&d.vendor),
            model: text(&d.model),
            serial: text(&d.serial),
            last_seen: d.last_seen.as_deref().map(|t| When::day(l, t)),
        }
    }
}

#[derive(Template)]
#[template(path = "register.html")]
pub(super) struct RegisterPage {
    pub c: Ctx,
    pub show: Show,
    pub counts: RegisterCounts,
    pub assets: Vec<AssetView>,
    pub devices: Vec<ShadowView>,
    pub next_link: Option<String>,
    pub paged: bool,
    /// The daemon's config file, for the import command shown when empty.
    pub config_path: String,
}

impl RegisterPage {
    /// The link to one of the three views, keeping the page's language.
    pub fn view_href(&self, show: impl std::borrow::Borrow<Show>) -> String {
        match (show.borrow().param(), self.c.explicit()) {
            ("", _) => format!("/register{}", self.c.query),
            (p, false) => format!("/register?unmatched={p}"),
            (p, true) => format!("/register?unmatched={p}&lang={}", self.c.param()),
        }
    }

    /// Whether `show` is the view on the page.
    pub fn same(&self, show: impl std::borrow::Borrow<Show>) -> bool {
        *show.borrow() == self.show
    }

    /// Assets no device matched.
    pub fn missing(&self) -> u64 {
        self.counts.assets.saturating_sub(self.counts.matched)
    }

    /// The three views, in order.
    pub fn views(&self) -> [(Show, &str, u64); 3] {
        let l = self.c.l;
        [
            (Show::All, l.register_all.as_str(), self.counts.assets),
            (
                Show::Unmatched,
                l.register_unmatched.as_str(),
                self.missing(),
            ),
            (
                Show::Shadow,
                l.register_shadow.as_str(),
                self.counts.unmatched_devices,
            ),
        ]
    }
}

/// `GET /register`.
pub(super) async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let params = Params::parse(raw.as_deref());
    let c = page_ctx(&params, raw.as_deref(), &headers)?;
    let show = match Show::parse(params.get("unmatched")) {
        Ok(s) => s,
        Err(why) => return Ok(super::bad_query_page(c, &why)),
    };
    let after = params.get("after").map(str::to_string);
    let shadow_after = match (show, after.as_deref()) {
        (Show::Shadow, Some(a)) => match a.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return Ok(super::bad_query_page(c, &QueryError::Cursor.to_string())),
        },
        _ => None,
    };
    let read = state
        .with_store(move |s| {
            let counts = s.register_counts()?;
            let listed = match show {
                Show::Shadow => Ok((Vec::new(), Some(s.unmatched_devices(PAGE, shadow_after)?))),
                Show::All | Show::Unmatched => {
                    let filter = if show == Show::All {
                        AssetFilter::All
                    } else {
                        AssetFilter::Unmatched
                    };
                    s.assets(filter, PAGE, after.as_deref())?
                        .map(|p| (vec![p], None))
                }
            };
            Ok((counts, listed))
        })
        .await?;
    let (counts, listed) = read;
    let (asset_pages, device_page) = match listed {
        Ok(x) => x,
        Err(e) => return Ok(super::bad_query_page(c, &e.to_string())),
    };
    let l = c.l;
    let mut next = None;
    let mut assets = Vec::new();
    for p in asset_pages {
        next = p.next.clone();
        assets.extend(p.items.iter().map(|a| AssetView::of(l, a)));
    }
    let mut devices = Vec::new();
    if let Some(p) = device_page {
        next = p.next.clone();
        devices.extend(p.items.iter().map(|d| ShadowView::of(l, d)));
    }
    let page = RegisterPage {
        next_link: next.as_deref().map(|n| params.with_after(n)),
        paged: params.get("after").is_some(),
        config_path: state.inner.config_path.clone(),
        c,
        show,
        counts,
        assets,
        devices,
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
    fn the_view_is_read_as_the_api_reads_it() {
        assert_eq!(Show::parse(None), Ok(Show::All));
        assert_eq!(Show::parse(Some("assets")), Ok(Show::Unmatched));
        assert_eq!(Show::parse(Some("devices")), Ok(Show::Shadow));
        let err = Show::parse(Some("<script>")).unwrap_err();
        assert!(err.contains("is not `assets` or `devices`"), "{err}");
        for s in [Show::All, Show::Unmatched, Show::Shadow] {
            let back = if s.param().is_empty() {
                None
            } else {
                Some(s.param())
            };
            assert_eq!(Show::parse(back), Ok(s));
        }
    }

    #[test]
    fn view_links_keep_a_chosen_language() {
        let page = |lang: Option<&str>| RegisterPage {
            c: Ctx::new(lang, None, lang.map(|l| format!("lang={l}")).as_deref())
                .expect("catalogues"),
            show: Show::All,
            counts: RegisterCounts {
                assets: 10,
                matched: 7,
                unmatched_devices: 4,
            },
            assets: vec![],
            devices: vec![],
            next_link: None,
            paged: false,
            config_path: String::new(),
        };
        let zh = page(Some("zh"));
        assert_eq!(zh.view_href(Show::All), "/register?lang=zh");
        assert_eq!(
            zh.view_href(Show::Shadow),
            "/register?unmatched=devices&lang=zh"
        );
        let plain = page(None);
        assert_eq!(
            plain.view_href(Show::Unmatched),
            "/register?unmatched=assets"
        );
        let counts: Vec<u64> = plain.views().iter().map(|v| v.2).collect();
        assert_eq!(counts, vec![10, 3, 4]);
    }
}
