//! Rule patterns: checked when the rules load, compiled on first use.
//!
//! Loading validates every pattern's syntax (`regex-syntax`, no automaton
//! is built), so a bad rule still stops start-up at its `file:line`; the
//! matcher itself is built the first time a pattern is needed. Most
//! patterns are only ever consulted after a combined `RegexSet` says they
//! match, so start-up compiles the sets and little else.

use std::sync::OnceLock;

use regex::{Captures, Match, Regex, RegexBuilder};

/// A validated pattern, compiled lazily.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    text: String,
    case_insensitive: bool,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// Check `text`'s syntax; the error says what is wrong.
    pub(super) fn new(text: &str, case_insensitive: bool) -> Result<Pattern, String> {
        regex_syntax::ParserBuilder::new()
            .case_insensitive(case_insensitive)
            .build()
            .parse(text)
            .map_err(|e| e.to_string())?;
        Ok(Pattern {
            text: text.to_string(),
            case_insensitive,
            compiled: OnceLock::new(),
        })
    }

    /// The pattern as written.
    pub(super) fn as_str(&self) -> &str {
        &self.text
    }

    /// The compiled matcher (None only if it exceeds the size limit, which
    /// the rule self-tests would have caught).
    fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                RegexBuilder::new(&self.text)
                    .case_insensitive(self.case_insensitive)
                    .size_limit(1 << 22)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// Whether it matches somewhere in `text`.
    pub(super) fn is_match(&self, text: &str) -> bool {
        self.get().is_some_and(|r| r.is_match(text))
    }

    /// The first match's groups.
    pub(super) fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.get()?.captures(text)
    }

    /// The first match.
    pub(super) fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.get()?.find(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_checks_syntax_and_compiles_on_use() {
        assert!(Pattern::new("(unclosed", false).is_err());
        let p = Pattern::new(r"^Foo (?P<model>\w+) (?<ver>[\d.]+)", false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.group_names(), ["model", "ver"]);
        assert!(p.is_match("Foo X1 2.0"));
        assert_eq!(
            p.captures("Foo X1 2.0")
                .and_then(|c| c.name("ver"))
                .map(|m| m.as_str()),
            Some("2.0")
        );
        let ci = Pattern::new(r"\bacme\b", true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ci.find("by ACME Inc").map(|m| m.start()), Some(3));
    }
}
