//! Bar charts as inline SVG, drawn on the server (the pages run no
//! script): counts in, markup out. Each bar is a row: its label, a bar
//! whose length is its count over the largest count, and the count; a bar
//! with a link is wrapped in `<a>` (SVG 2 links need no script). Labels
//! come from the network (a vendor is what a device announced), so every
//! one is cleaned ([`crate::text::printable`]), cut to [`MAX_LABEL`]
//! characters (the whole text stays in the bar's `<title>`) and escaped
//! for XML, as are links and captions. Colours are presentation
//! attributes, so the strict Content-Security-Policy is untouched. Pure.

use std::fmt::Write as _;

/// The longest label drawn, in characters (longer ones end in `…`).
pub const MAX_LABEL: usize = 24;
/// The chart's width in user units.
pub const WIDTH: u32 = 560;
/// Where bars start (the label column is to the left).
pub const BAR_X: u32 = 200;
/// The longest bar: the largest count.
pub const BAR_MAX: u32 = 280;
/// Height of a row.
const ROW: u32 = 24;
/// Height of a bar.
const BAR_H: u32 = 16;

/// One bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Its label, as the page shows it (a catalogue name, or a vendor).
    pub label: String,
    /// The count it stands for (negative counts draw as zero).
    pub count: i64,
    /// The count as the reader writes it (`65,000`).
    pub shown: String,
    /// Where it links to (a filtered list), if anywhere.
    pub href: Option<String>,
    /// Its fill colour (`#rrggbb`; anything else draws the default).
    pub fill: &'static str,
}

/// The default bar colour.
pub const FILL: &str = "#4b72b8";

/// `s` escaped for XML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The length of a bar for `count` when the largest count is `max`:
/// proportional, rounded, at least 1 unit for a count above zero.
pub fn bar_len(count: i64, max: i64) -> u32 {
    if count <= 0 || max <= 0 {
        return 0;
    }
    let count = count.min(max);
    let len = (i128::from(count) * i128::from(BAR_MAX) + i128::from(max) / 2) / i128::from(max);
    u32::try_from(len).unwrap_or(BAR_MAX).clamp(1, BAR_MAX)
}

/// `text` cleaned and cut to [`MAX_LABEL`] characters.
fn cut(text: &str) -> String {
    let clean = crate::text::printable(text);
    if clean.chars().count() <= MAX_LABEL {
        return clean;
    }
    let mut short: String = clean.chars().take(MAX_LABEL - 1).collect();
    short.push('…');
    short
}

fn fill_of(fill: &str) -> &str {
    let hex = fill.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        fill
    } else {
        FILL
    }
}

/// A horizontal bar chart of `bars` (in their order) with html id `id`
/// and accessible name `caption`; `empty` is drawn when there are none.
pub fn bars(id: &str, caption: &str, bars: &[Bar], empty: &str) -> String {
    let rows = u32::try_from(bars.len().max(1)).unwrap_or(u32::MAX);
    let height = rows.saturating_mul(ROW).saturating_add(4);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg id=\"{}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
         aria-label=\"{}\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         font-size=\"13\"><title>{}</title>",
        escape(id),
        escape(caption),
        escape(caption)
    );
    if bars.is_empty() {
        let _ = write!(
            o,
            "<text x=\"{BAR_X}\" y=\"17\" fill=\"#6b7280\">{}</text>",
            escape(empty)
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let top = u32::try_from(i)
            .unwrap_or(u32::MAX)
            .saturating_mul(ROW)
            .saturating_add(4);
        let base = top + BAR_H - 4;
        let len = bar_len(b.count, max);
        let label = escape(&cut(&b.label));
        let whole = escape(&crate::text::printable(&b.label));
        if let Some(href) = &b.href {
            let _ = write!(o, "<a href=\"{}\">", escape(href));
        }
        let _ = write!(
            o,
            "<g class=\"bar\"><title>{whole}: {shown}</title>\
             <text x=\"{lx}\" y=\"{base}\" text-anchor=\"end\" fill=\"#1d2330\">{label}</text>\
             <rect x=\"{BAR_X}\" y=\"{top}\" width=\"{len}\" height=\"{BAR_H}\" rx=\"2\" fill=\"{fill}\"/>\
             <text x=\"{nx}\" y=\"{base}\" fill=\"#1d2330\" data-count=\"{count}\">{shown}</text></g>",
            shown = escape(&b.shown),
            lx = BAR_X - 8,
            fill = fill_of(b.fill),
            nx = BAR_X + len + 6,
            count = b.count.max(0),
        );
        if b.href.is_some() {
            o.push_str("</a>");
        }
    }
    o.push_str("</svg>");
    o
}

/// The `width` of every `<rect>` in `svg`, in order (for tests).
#[cfg(test)]
pub(crate) fn widths(svg: &str) -> Vec<u32> {
    svg.match_indices("<rect ")
        .filter_map(|(at, _)| {
            let rest = svg.get(at..)?;
            let w = rest.split("width=\"").nth(1)?;
            w.split('"').next()?.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, count: i64) -> Bar {
        Bar {
            label: label.into(),
            count,
            shown: count.to_string(),
            href: None,
            fill: FILL,
        }
    }

    #[test]
    fn chart_bar_len_table() {
        for (count, max, want) in [
            (0, 0, 0),
            (0, 10, 0),
            (-3, 10, 0),
            (10, 10, BAR_MAX),
            (5, 10, BAR_MAX / 2),
            (1, 1_000_000, 1),
            (1, 3, 93),
            (2, 3, 187),
            (20, 10, BAR_MAX),
            (i64::MAX, i64::MAX, BAR_MAX),
            (i64::MAX / 2, i64::MAX, BAR_MAX / 2),
        ] {
            assert_eq!(bar_len(count, max), want, "{count}/{max}");
        }
    }

    #[test]
    fn chart_bars_are_proportional_to_their_counts() {
        let svg = bars(
            "c",
            "Devices",
            &[bar("switch", 40), bar("printer", 10), bar("ups", 30)],
            "none",
        );
        assert_eq!(widths(&svg), vec![280, 70, 210], "{svg}");
        assert!(svg.contains("data-count=\"40\">40</text>"), "{svg}");
        assert!(svg.contains("height=\"76\""), "three rows: {svg}");
    }

    #[test]
    fn chart_escapes_every_label_link_and_caption() {
        let hostile = Bar {
            label: "<script>alert(1)</script>".into(),
            count: 3,
            shown: "3".into(),
            href: Some("/?vendor=a\"><script>x".into()),
            fill: "red\" onload=\"x",
        };
        let svg = bars(
            "v\"><x",
            "Top <b>vendors</b>",
            &[hostile, bar("A & B 'co'", 1)],
            "",
        );
        for bad in ["<script", "<b>", "onload=\"", "<x", "id=\"v\""] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        for want in [
            "&lt;script&gt;alert(1)&lt;/scrip…",
            "<title>&lt;script&gt;alert(1)&lt;/script&gt;: 3</title>",
            "href=\"/?vendor=a&quot;&gt;&lt;script&gt;x\"",
            "A &amp; B &#39;co&#39;",
            "aria-label=\"Top &lt;b&gt;vendors&lt;/b&gt;\"",
            "fill=\"#4b72b8\"",
            "<svg id=\"v&quot;&gt;&lt;x\"",
        ] {
            assert!(svg.contains(want), "{want} not in {svg}");
        }
    }

    #[test]
    fn chart_labels_are_cleaned_and_cut() {
        for (raw, want) in [
            ("华为", "华为"),
            ("two\nlines", "two lines"),
            ("bell\u{7}", "bell"),
            (
                "A very long vendor name indeed, Inc.",
                "A very long vendor name…",
            ),
        ] {
            assert_eq!(cut(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn chart_without_bars_says_so() {
        let svg = bars("c", "Findings", &[], "nothing yet");
        assert!(svg.contains(">nothing yet</text>") && !svg.contains("<rect"));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    }
}
