//! The literals a pattern cannot match without: a finite list of byte
//! strings, lower-cased, one of which occurs in every text the pattern
//! matches (compared ignoring ASCII case). A [`super::pattern::Set`] looks
//! for them all in one pass and asks only the patterns whose literal it
//! found.
//!
//! ASCII case is taken out before the extraction (each literal and class
//! lower-cased), so `(?i)huawei` gives one literal, not its 64 spellings;
//! the search then ignores ASCII case. Non-ASCII characters stay as they
//! are: a Unicode pattern's case variants are separate literals.

use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{
    Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind,
    Repetition,
};

/// Literals, one of which every match of `hir` contains (ignoring ASCII
/// case); None when no such finite list is known (the pattern must then
/// be asked about every text).
pub(super) fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    best_factor(&lower(hir))
}

/// The best usable literal list of `h` or of a part every match of `h`
/// contains.
fn best_factor(h: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut best = better(
        usable(extract(h, ExtractKind::Prefix)),
        usable(extract(h, ExtractKind::Suffix)),
    );
    let inner = match h.kind() {
        HirKind::Capture(c) => best_factor(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => best_factor(&r.sub),
        // Every match contains a match of each part.
        HirKind::Concat(parts) => parts.iter().map(best_factor).fold(None, better),
        // Every match is a match of one branch.
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for b in branches {
                all.extend(best_factor(b)?);
            }
            Some(minimal(all))
        }
        _ => None,
    };
    best = better(best, inner);
    best
}

fn extract(h: &Hir, kind: ExtractKind) -> Seq {
    let mut e = Extractor::new();
    e.kind(kind);
    e.extract(h)
}

/// A finite list of non-empty literals (an empty list, which would mean
/// "never matches", is not trusted: it is no list).
fn usable(seq: Seq) -> Option<Vec<Vec<u8>>> {
    let lits = seq.literals()?;
    if lits.is_empty() || lits.iter().any(|l| l.is_empty()) {
        return None;
    }
    Some(minimal(
        lits.iter().map(|l| l.as_bytes().to_vec()).collect(),
    ))
}

/// `lits` sorted, without duplicates and without a literal that contains
/// another (a text holding it holds the other too).
fn minimal(mut lits: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    lits.sort();
    lits.dedup();
    let contains = |hay: &[u8], needle: &[u8]| {
        !needle.is_empty()
            && needle.len() < hay.len()
            && hay.windows(needle.len()).any(|w| w == needle)
    };
    let keep: Vec<bool> = lits
        .iter()
        .map(|l| !lits.iter().any(|m| contains(l, m)))
        .collect();
    lits.into_iter()
        .zip(keep)
        .filter_map(|(l, k)| k.then_some(l))
        .collect()
}

/// The more selective list: longer shortest literal, then fewer literals;
/// `a` on a tie.
fn better(a: Option<Vec<Vec<u8>>>, b: Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
    let rank = |l: &Vec<Vec<u8>>| {
        let shortest = l.iter().map(Vec::len).min().unwrap_or(0);
        (shortest.min(8), std::cmp::Reverse(l.len()))
    };
    match (a, b) {
        (Some(a), Some(b)) => Some(if rank(&b) > rank(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// `h` with every ASCII upper-case letter made lower-case: a text matches
/// `h` only if its lower-cased form matches the result.
fn lower(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0.to_ascii_lowercase()),
        HirKind::Class(Class::Bytes(c)) => Hir::class(Class::Bytes(lower_bytes(c))),
        HirKind::Class(Class::Unicode(c)) => Hir::class(Class::Unicode(lower_unicode(c))),
        HirKind::Look(l) => Hir::look(*l),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(lower(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(lower(&c.sub)),
        }),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(lower).collect()),
        HirKind::Alternation(bs) => Hir::alternation(bs.iter().map(lower).collect()),
    }
}

const CASE_GAP: u8 = b'a' - b'A';

fn lower_bytes(c: &ClassBytes) -> ClassBytes {
    let upper = ClassBytes::new([ClassBytesRange::new(b'A', b'Z')]);
    let mut caps = c.clone();
    caps.intersect(&upper);
    let mut out = c.clone();
    out.difference(&upper);
    out.union(&ClassBytes::new(caps.ranges().iter().map(|r| {
        ClassBytesRange::new(r.start() + CASE_GAP, r.end() + CASE_GAP)
    })));
    out
}

fn lower_unicode(c: &ClassUnicode) -> ClassUnicode {
    let upper = ClassUnicode::new([ClassUnicodeRange::new('A', 'Z')]);
    let mut caps = c.clone();
    caps.intersect(&upper);
    let mut out = c.clone();
    out.difference(&upper);
    out.union(&ClassUnicode::new(caps.ranges().iter().map(|r| {
        ClassUnicodeRange::new(r.start().to_ascii_lowercase(), r.end().to_ascii_lowercase())
    })));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
        required(&hir).map(|l| {
            l.into_iter()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .collect()
        })
    }

    #[test]
    fn literals_required_by_patterns() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            (r"(?i)\bhuawei\b", Some(&["huawei"])),
            (r"\bH3C\b|Hangzhou H3C|New H3C", Some(&["h3c"])),
            // The longer of the two literals every match holds.
            (
                r"^AXIS \d+ Network (?:Document|Print) Server",
                Some(&[" network "]),
            ),
            // Only a part in the middle is a literal.
            (
                r"^\s*;\s*(?P<model>AXIS [\w-]+)[^;]*;\s*(?P<ver>[\d.]+)",
                Some(&["axis "]),
            ),
            (r"[a-z]Switch\b", Some(&["switch"])),
            (
                r"(?i)cable modem|DOCSIS|\bCMTS\b",
                Some(&["cable modem", "cmts", "docsis"]),
            ),
            // A branch without a literal: nothing is required.
            (r"foo|\w+", None),
            (r"(?i)switch|\bswitches\b|EdgeSwitch", Some(&["switch"])),
            (r"^\S+$", None),
            (r"(?u:(?i)^Oc[eé]\b)", Some(&["oce", "ocÉ", "océ"])),
        ];
        for (pattern, want) in cases {
            let want = want.map(|w| w.iter().map(|s| (*s).to_string()).collect::<Vec<_>>());
            assert_eq!(req(pattern), want, "{pattern}");
        }
    }

    #[test]
    fn literals_lowering_keeps_other_characters() {
        let c = ClassBytes::new([
            ClassBytesRange::new(b'0', b'9'),
            ClassBytesRange::new(b'X', b'b'),
        ]);
        let l = lower_bytes(&c);
        let want = ClassBytes::new([
            ClassBytesRange::new(b'0', b'9'),
            ClassBytesRange::new(b'[', b'b'),
            ClassBytesRange::new(b'x', b'z'),
        ]);
        assert_eq!(l, want);
    }
}
