//! Rule patterns: checked when the rules load, compiled on first use, with
//! ASCII classes.
//!
//! Loading validates every pattern's syntax (`regex-syntax`, no automaton
//! is built), so a bad rule still stops start-up at its `file:line`; the
//! matcher itself is built the first time a pattern is needed. Most
//! patterns are only ever consulted after a [`Set`] found a literal they
//! require, so start-up builds one literal searcher per set and compiles
//! no pattern.
//!
//! `\w`, `\d`, `\s`, `\b` and case folding are ASCII (what device
//! self-descriptions are written in): Unicode classes compile to automata
//! ten times the size, which made building the engine cost most of a
//! scan's start-up. A pattern that spells a non-ASCII character keeps
//! Unicode semantics as a whole. A set answers with its members' own
//! matchers, so it never disagrees with them.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use regex::bytes::{Regex, RegexBuilder};
use regex_syntax::hir::Hir;

use super::literals;

/// A validated pattern, compiled lazily (clones share the compiled
/// matcher).
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// As written (for messages and group names).
    text: String,
    /// What is compiled: flags and the Unicode wrap applied.
    compiled_text: String,
    /// Literals one of which every match contains, ignoring ASCII case
    /// (see [`literals`]); None when unknown.
    required: Option<Arc<[Vec<u8>]>>,
    compiled: Arc<OnceLock<Option<Regex>>>,
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

fn parse(compiled_text: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(compiled_text)
        .map_err(|e| e.to_string())
}

impl Pattern {
    /// Check `text`'s syntax; the error says what is wrong.
    pub(super) fn new(text: &str, case_insensitive: bool) -> Result<Pattern, String> {
        let compiled_text = translate(text, case_insensitive);
        let hir = parse(&compiled_text)?;
        Ok(Pattern {
            text: text.to_string(),
            compiled_text,
            required: literals::required(&hir).map(Arc::from),
            compiled: Arc::new(OnceLock::new()),
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

/// Several patterns searched together: which of them match a text. One
/// pass looks for the literals the patterns require ([`literals`]); only
/// the patterns whose literal occurs (and those that require none) are
/// then run, each on its own. The answer is exactly the patterns' own.
#[derive(Debug, Clone)]
pub(super) struct Set {
    members: Vec<Pattern>,
    /// Every member's required literals, ignoring ASCII case.
    literals: Option<AhoCorasick>,
    /// For each literal of `literals`, the members requiring it.
    requiring: Vec<Vec<usize>>,
    /// Members that require no literal: run on every text.
    always: Vec<usize>,
}

impl Set {
    /// The members worth running on `text`, ascending.
    fn candidates(&self, text: &str) -> Vec<usize> {
        let mut hit = vec![false; self.members.len()];
        for &i in &self.always {
            if let Some(h) = hit.get_mut(i) {
                *h = true;
            }
        }
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(text.as_bytes()) {
                for &i in self
                    .requiring
                    .get(m.pattern().as_usize())
                    .into_iter()
                    .flatten()
                {
                    if let Some(h) = hit.get_mut(i) {
                        *h = true;
                    }
                }
            }
        }
        hit.iter()
            .enumerate()
            .filter_map(|(i, h)| h.then_some(i))
            .collect()
    }

    /// Which patterns match somewhere in `text`, by index, ascending.
    pub(super) fn matches(&self, text: &str) -> Vec<usize> {
        self.candidates(text)
            .into_iter()
            .filter(|&i| self.members.get(i).is_some_and(|p| p.is_match(text)))
            .collect()
    }

    /// Whether any pattern matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.candidates(text)
            .into_iter()
            .any(|i| self.members.get(i).is_some_and(|p| p.is_match(text)))
    }
}

/// One set of `patterns` (each keeps its own translation and matcher).
pub(super) fn set<'a>(patterns: impl IntoIterator<Item = &'a Pattern>) -> Result<Set, String> {
    let members: Vec<Pattern> = patterns.into_iter().cloned().collect();
    let mut index: std::collections::BTreeMap<&[u8], Vec<usize>> = Default::default();
    let mut always = Vec::new();
    for (i, p) in members.iter().enumerate() {
        match &p.required {
            Some(lits) => {
                for l in lits.iter() {
                    index.entry(l.as_slice()).or_default().push(i);
                }
            }
            None => always.push(i),
        }
    }
    let literals = if index.is_empty() {
        None
    } else {
        Some(
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(index.keys())
                .map_err(|e| e.to_string())?,
        )
    };
    let requiring = index.into_values().collect();
    Ok(Set {
        members,
        literals,
        requiring,
        always,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

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

    /// Patterns of the shapes the rules use: literals in any case, in the
    /// middle, in branches, none at all, Unicode.
    const SHAPES: &[(&str, bool)] = &[
        (r"\bhuawei\b|\bVRP\b.*\bHuawei", true),
        (r"^\s*;\s*(?P<model>AXIS [\w-]+)[^;]*;", false),
        (r"(?i)cable modem|DOCSIS|\bCMTS\b", false),
        (r"[a-z]Switch\b", false),
        (r"^D98\d\d", false),
        (r"^\S+ \d+$", false),
        (r"^Oc[eé]\b", true),
        (r"(?-i:SW)itch", true),
        (r"x{2,}|y+z", false),
    ];

    proptest::proptest! {
        #[test]
        fn pattern_set_agrees_with_its_members_on_any_text(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "huawei", "HuaWei", "VRP", "axis ", "AXIS", ";", " ", "Cable Modem",
                        "docsis", "cMtS", "Switch", "SWITCH", "aSwitch", "D9812", "Océ", "OCÉ",
                        "oce", "swItch", "xx", "yyz", "12", "é",
                    ]).prop_map(str::to_string),
                    "[ -~]{0,6}",
                ],
                0..8,
            ),
        ) {
            let text = pieces.concat();
            let ps: Vec<Pattern> = SHAPES.iter().map(|(t, ci)| pat(t, *ci)).collect();
            let s = set(&ps).unwrap_or_else(|e| panic!("{e}"));
            let each: Vec<usize> = (0..ps.len())
                .filter(|&i| ps.get(i).is_some_and(|p| p.is_match(&text)))
                .collect();
            proptest::prop_assert_eq!(s.matches(&text), each.clone(), "{:?}", text);
            proptest::prop_assert_eq!(s.is_match(&text), !each.is_empty());
        }
    }

    #[test]
    fn pattern_set_agrees_with_its_members() {
        let ps = [
            pat(r"(?i)\bswitch\b", false),
            pat(r"^Oc[eé]\b", true),
            pat(r"[a-z]Switch\b", false),
        ];
        let s = set(&ps).unwrap_or_else(|e| panic!("{e}"));
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
