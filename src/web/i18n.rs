//! The pages' languages: English and Simplified Chinese, picked by
//! `?lang=` or Accept-Language, with a switch on every page. Every label
//! lives in a message catalogue (`i18n/en.toml`, `i18n/zh-CN.toml`),
//! embedded in the binary and read once into typed [`Labels`]
//! ([`catalogue`]); the daemon calls [`check`] at start-up and refuses to
//! run with a broken one. Times and numbers follow the catalogue's
//! `[format]` (`2026-12-02 03:44 UTC`, `2026年12月2日 03:44 UTC`,
//! `65,000`). Pure.

mod catalogue;
pub mod number;
#[cfg(test)]
mod tests;

pub use catalogue::{CatalogueError, Fill, Labels, Names};
use std::sync::OnceLock;

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

/// Both languages, in catalogue order.
pub const LANGS: [Lang; 2] = [Lang::En, Lang::Zh];

impl Lang {
    /// From `?lang=` or an Accept-Language header value: Chinese when it
    /// asks for zh first, else English.
    pub fn pick(query: Option<&str>, accept: Option<&str>) -> Lang {
        if let Some(lang) = query.and_then(Lang::from_param) {
            return lang;
        }
        let first = accept
            .and_then(|a| a.split(',').next())
            .map(|s| s.trim().to_ascii_lowercase());
        match first {
            Some(f) if f.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// The language a `?lang=` value names: `en`, `zh`, `zh-CN`, ... (any
    /// case); None for anything else.
    pub fn from_param(q: &str) -> Option<Lang> {
        let q = q.trim().to_ascii_lowercase();
        if q == "zh" || q.starts_with("zh-") {
            Some(Lang::Zh)
        } else if q == "en" || q.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// `en` or `zh-CN`, for the html lang attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `en` or `zh`, the `?lang=` value.
    pub fn param(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The other language (the switch's target).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// This language's labels.
    pub fn labels(self) -> Result<&'static Labels, &'static CatalogueError> {
        let [en, zh] = load()?;
        Ok(match self {
            Lang::En => en,
            Lang::Zh => zh,
        })
    }
}

/// The catalogues' files, in [`LANGS`] order.
const FILES: [(&str, &str); 2] = [
    ("en.toml", include_str!("i18n/en.toml")),
    ("zh-CN.toml", include_str!("i18n/zh-CN.toml")),
];

/// Both catalogues, read on first use: typed, no empty value, and the
/// same keys in each.
fn load() -> Result<&'static [Labels; 2], &'static CatalogueError> {
    static LOADED: OnceLock<Result<[Labels; 2], CatalogueError>> = OnceLock::new();
    LOADED.get_or_init(read_all).as_ref()
}

fn read_all() -> Result<[Labels; 2], CatalogueError> {
    let [(en_file, en_text), (zh_file, zh_text)] = FILES;
    let (en, en_keys) = catalogue::parse(en_file, en_text)?;
    let (zh, zh_keys) = catalogue::parse(zh_file, zh_text)?;
    for (file, mine, theirs, other) in [
        (zh_file, &zh_keys, &en_keys, en_file),
        (en_file, &en_keys, &zh_keys, zh_file),
    ] {
        if let Some(k) = theirs.iter().find(|k| !mine.contains(k)) {
            return Err(CatalogueError {
                file,
                detail: format!("`{k}` is in {other} but not here; add its translation"),
            });
        }
    }
    Ok([en, zh])
}

/// Every (dotted key, value) of `lang`'s catalogue, for the page tests.
#[cfg(test)]
pub(crate) fn flat_values(lang: Lang) -> Vec<(String, String)> {
    fn walk(t: &toml::Table, prefix: &str, out: &mut Vec<(String, String)>) {
        for (k, v) in t {
            let key = format!("{prefix}{k}");
            match v {
                toml::Value::Table(inner) => walk(inner, &format!("{key}."), out),
                toml::Value::String(s) => out.push((key, s.clone())),
                _ => {}
            }
        }
    }
    let [(_, en), (_, zh)] = FILES;
    let text = if lang == Lang::En { en } else { zh };
    let mut out = Vec::new();
    if let Ok(t) = toml::from_str::<toml::Table>(text) {
        walk(&t, "", &mut out);
    }
    out
}

/// Read both catalogues now, so that a broken build stops the daemon at
/// start-up with the reason instead of failing page by page.
pub fn check() -> Result<(), CatalogueError> {
    load().map(|_| ()).map_err(Clone::clone)
}

impl From<&'static CatalogueError> for super::AppError {
    fn from(e: &'static CatalogueError) -> Self {
        super::AppError::Internal(e.to_string())
    }
}

/// What every page needs to speak its language: the labels, the query
/// that keeps the language on the page's links, and the switch.
#[derive(Debug)]
pub struct Ctx {
    /// The page's language.
    pub lang: Lang,
    /// Its labels.
    pub l: &'static Labels,
    /// `?lang=xx` when the reader chose the language in the URL (links
    /// keep it), else empty (the browser's Accept-Language decides).
    pub query: &'static str,
    /// The switch's link: this page's query with `lang` set to the other
    /// language (relative, so the path stays).
    pub switch_href: String,
    /// The other language's name, in itself.
    pub switch_label: &'static str,
    /// What the reader asked for: the query less `lang`, as sent.
    pub asked: String,
}

impl Ctx {
    /// The context of a page asked for with `lang_param` (the first
    /// `?lang=`), Accept-Language `accept`, and its raw query string.
    pub fn new(
        lang_param: Option<&str>,
        accept: Option<&str>,
        raw_query: Option<&str>,
    ) -> Result<Ctx, &'static CatalogueError> {
        let lang = Lang::pick(lang_param, accept);
        let explicit = lang_param.and_then(Lang::from_param).is_some();
        Ok(Ctx {
            lang,
            l: lang.labels()?,
            query: if explicit { query_of(lang) } else { "" },
            switch_href: switch_href(raw_query, lang.other()),
            switch_label: &lang.other().labels()?.language_name,
            asked: kept_query(raw_query),
        })
    }

    /// The html lang attribute.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The `?lang=` value of this page's language.
    pub fn param(&self) -> &'static str {
        self.lang.param()
    }

    /// The other language's html lang attribute (for the switch).
    pub fn switch_code(&self) -> &'static str {
        self.lang.other().code()
    }

    /// Whether links and forms must carry `lang` to keep the language.
    pub fn explicit(&self) -> bool {
        !self.query.is_empty()
    }
}

/// `?lang=en` or `?lang=zh`.
pub fn query_of(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Zh => "?lang=zh",
    }
}

/// Most query parameters the switch carries over (as the page reads at
/// most 64), and the longest query it repeats.
const MAX_PARTS: usize = 64;
const MAX_QUERY: usize = 2048;

/// The language switch's link: `?` and the page's own query (each part as
/// sent, every `lang` dropped) with `lang=<to>` last. Relative, so it
/// keeps the current path and can never point elsewhere.
pub fn switch_href(raw_query: Option<&str>, to: Lang) -> String {
    let kept = kept_query(raw_query);
    let sep = if kept.is_empty() { "" } else { "&" };
    format!("?{kept}{sep}lang={}", to.param())
}

/// The query's parts as sent, less every `lang` (at most [`MAX_PARTS`]
/// parts and [`MAX_QUERY`] bytes).
pub fn kept_query(raw_query: Option<&str>) -> String {
    let mut out = String::new();
    for part in raw_query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .take(MAX_PARTS)
    {
        let key = part.split_once('=').map_or(part, |(k, _)| k);
        if is_lang_key(key) || out.len() + part.len() > MAX_QUERY {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(part);
    }
    out
}

/// `lang` however it is percent-encoded (`%6Cang`), as the page's query
/// reader would decode it.
fn is_lang_key(raw: &str) -> bool {
    let mut decoded = Vec::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(v) = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            decoded.push(v);
            i += 3;
            continue;
        }
        decoded.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    decoded == b"lang"
}
