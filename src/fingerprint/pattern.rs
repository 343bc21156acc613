//! Rule patterns: checked when the rules load, compiled on first use, with
//! ASCII classes.
//!
//! Loading validates every pattern's syntax (`regex-syntax`, no automaton
//! is built), so a bad rule still stops start-up at its `file:line`; the
//! matcher itself is built the first time a pattern is needed. Most
//! patterns are only ever consulted after a combined [`Set`] says
//! they match, so start-up compiles the sets and little else.
//!
//! `\w`, `\d`, `\s`, `\b` and case folding are ASCII (what device
//! self-descriptions are written in): Unicode classes compile to automata
//! ten times the size, which made building the engine cost most of a
//! scan's start-up. A pattern that spells a non-ASCII character keeps
//! Unicode semantics as a whole. A set and its patterns share one
//! translation, so the set never disagrees with its members.

use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

/// A validated pattern, compiled lazily.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// As written (for messages and group names).
    text: String,
    /// What is compiled: flags and the Unicode wrap applied.
    compiled_text: String,
    compiled: OnceLock<Option<Regex>>,
}

/// A match's named groups, read back as text.
#[derive(Debug)]
pub(super) struct Caps<'t> {
    text: &'t str,
    inner: regex::bytes::Captures<'t>,
}

impl<'t> Caps<'t> {
    /// The text of group `name`, if it took part (and falls on character
    /// boundaries, which an ASCII class next to a multi-byte character
    /// may not).
    pub(super) fn name(&self, name: &str) -> Option<&'t str> {
        self.text.get(self.inner.name(name)?.range())
    }
}

/// The pattern text to compile: `(?i)` when case-insensitive, Unicode
/// kept only for a pattern that spells a non-ASCII character.
fn translate(text: &str, case_insensitive: bool) -> String {
    let flags = if case_insensitive { "(?i)" } else { "" };
    if text.is_ascii() {
        format!("{flags}{text}")
    } else {
        format!("(?u:{flags}{text})")
    }
}

fn parse(compiled_text: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(compiled_text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

impl Pattern {
    /// Check `text`'s syntax; the error says what is wrong.
    pub(super) fn new(text: &str, case_insensitive: bool) -> Result<Pattern, String> {
        let compiled_text = translate(text, case_insensitive);
        parse(&compiled_text)?;
        Ok(Pattern {
            text: text.to_string(),
            compiled_text,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled matcher (None only if it exceeds the size limit, which
    /// the rule self-tests would have caught).
    fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.compiled_text)
                    .unicode(false)
                    .size_limit(1 << 22)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// Whether it matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(text.as_bytes()))
    }

    /// The first match's groups.
    pub(super) fn captures<'t>(&self, text: &'t str) -> Option<Caps<'t>> {
        let inner = self.get()?.captures(text.as_bytes())?;
        Some(Caps { text, inner })
    }

    /// The byte range of the first match.
    pub(super) fn find(&self, text: &str) -> Option<Range<usize>> {
        self.get()?.find(text.as_bytes()).map(|m| m.range())
    }

    /// The names of its `(?P<name>...)` / `(?<name>...)` groups.
    pub(super) fn group_names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for start in ["(?P<", "(?<"] {
            let mut rest = self.text.as_str();
            while let Some(at) = rest.find(start) {
                let after = rest.get(at + start.len()..).unwrap_or_default();
                if let Some(end) = after.find('>') {
                    out.push(after.get(..end).unwrap_or_default());
                }
                rest = after;
            }
        }
        out
    }
}

/// Several patterns searched in one pass: which of them match a text.
#[derive(Debug, Clone)]
pub(super) struct Set {
    re: regex_automata::meta::Regex,
}

impl Set {
    /// Which patterns match somewhere in `text`, by index, ascending.
    pub(super) fn matches(&self, text: &str) -> Vec<usize> {
        let mut found = regex_automata::PatternSet::new(self.re.pattern_len());
        self.re
            .which_overlapping_matches(&regex_automata::Input::new(text.as_bytes()), &mut found);
        found.iter().map(|p| p.as_usize()).collect()
    }

    /// Whether any pattern matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text.as_bytes())
    }
}

/// One set of `patterns`, with the same translation as each of them.
/// `prefilter`: look for the patterns' literals first, which makes
/// searching faster and building slower; worth it for a set searched in
/// every identification, not for one consulted now and then. (Case-folded
/// literals of hundreds of brand names made the prefilter most of the
/// engine's start-up.)
pub(super) fn set<'a>(
    patterns: impl IntoIterator<Item = &'a Pattern>,
    prefilter: bool,
) -> Result<Set, String> {
    use regex_automata::{MatchKind, meta, util::syntax};
    let texts: Vec<&str> = patterns
        .into_iter()
        .map(|p| p.compiled_text.as_str())
        .collect();
    let re = meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::All)
                .auto_prefilter(prefilter)
                .nfa_size_limit(Some(1 << 26))
                .hybrid_cache_capacity(1 << 23),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(&texts)
        .map_err(|e| e.to_string())?;
    Ok(Set { re })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(text: &str, ci: bool) -> Pattern {
        Pattern::new(text, ci).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn pattern_checks_syntax_and_compiles_on_use() {
        assert!(Pattern::new("(unclosed", false).is_err());
        let p = pat(r"^Foo (?P<model>\w+) (?<ver>[\d.]+)", false);
        assert_eq!(p.group_names(), ["model", "ver"]);
        assert!(p.is_match("Foo X1 2.0"));
        assert_eq!(
            p.captures("Foo X1 2.0").and_then(|c| c.name("ver")),
            Some("2.0")
        );
        let ci = pat(r"\bacme\b", true);
        assert_eq!(ci.find("by ACME Inc").map(|r| r.start), Some(3));
    }

    #[test]
    fn pattern_classes_are_ascii_unless_it_spells_unicode() {
        // `.` and negated classes still step over whole characters in
        // text; a group cut inside one reads as absent, never a panic.
        let p = pat(r"^(?P<a>.)x", false);
        assert_eq!(p.captures("éx").and_then(|c| c.name("a")), None);
        assert!(!pat(r"^\w+$", false).is_match("überall"));
        // Spelling a non-ASCII character keeps Unicode for that pattern.
        let u = pat(r"^Oc[eé]\b", true);
        assert!(u.is_match("OCÉ printer") && u.is_match("Oce printer"));
    }

    #[test]
    fn pattern_set_agrees_with_its_members() {
        let ps = [
            pat(r"(?i)\bswitch\b", false),
            pat(r"^Oc[eé]\b", true),
            pat(r"[a-z]Switch\b", false),
        ];
        let s = set(&ps, true).unwrap_or_else(|e| panic!("{e}"));
        for text in [
            "EdgeSwitch 8",
            "Océ 3165",
            "core switch",
            "überSwitch",
            "none",
        ] {
            let hits = s.matches(text);
            assert_eq!(s.is_match(text), !hits.is_empty());
            let each: Vec<usize> = (0..ps.len())
                .filter(|&i| ps.get(i).is_some_and(|p| p.is_match(text)))
                .collect();
            assert_eq!(hits, each, "{text}");
        }
    }
}
