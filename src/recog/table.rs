//! The embedded table (`data/rules.tsv`, written by `scripts/update-recog`;
//! its header documents the lines) read into fingerprints that borrow
//! the embedded text.

use super::Db;

/// The table as generated.
pub(super) const RULES: &str = include_str!("data/rules.tsv");

/// Who wrote a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Rapid7 Recog.
    Recog,
    /// Pandian's own (`src/recog/extra.xml`).
    Pandian,
}

/// One param: a fixed value (`pos` 0, maybe with `{name}` references) or
/// a capture group.
#[derive(Debug, Clone, Copy)]
pub(super) struct Param {
    pub(super) pos: usize,
    pub(super) name: &'static str,
    pub(super) value: &'static str,
}

/// One fingerprint as the table holds it.
#[derive(Debug, Clone)]
pub(super) struct Fingerprint {
    pub(super) origin: Origin,
    pub(super) flags: &'static str,
    pub(super) pattern: &'static str,
    pub(super) description: &'static str,
    pub(super) params: Vec<Param>,
}

/// Every database's fingerprints, in file order, indexed like
/// [`Db::ALL`]. A malformed line (which the table test rules out) is
/// skipped.
pub(super) fn parse(text: &'static str) -> Vec<Vec<Fingerprint>> {
    let mut out: Vec<Vec<Fingerprint>> = Db::ALL.iter().map(|_| Vec::new()).collect();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let mut f = line.split('\t');
        match f.next() {
            Some("D") => {
                current = f
                    .next()
                    .and_then(Db::from_name)
                    .and_then(|db| Db::ALL.iter().position(|d| *d == db));
            }
            Some("F") => {
                let (Some(origin), Some(flags), Some(pattern), description) =
                    (f.next(), f.next(), f.next(), f.next().unwrap_or_default())
                else {
                    continue;
                };
                let origin = if origin == "p" {
                    Origin::Pandian
                } else {
                    Origin::Recog
                };
                if let Some(list) = current.and_then(|i| out.get_mut(i)) {
                    list.push(Fingerprint {
                        origin,
                        flags,
                        pattern,
                        description,
                        params: Vec::new(),
                    });
                }
            }
            Some("P") => {
                let (Some(pos), Some(name), value) =
                    (f.next(), f.next(), f.next().unwrap_or_default())
                else {
                    continue;
                };
                let Ok(pos) = pos.parse() else { continue };
                if let Some(fp) = current
                    .and_then(|i| out.get_mut(i))
                    .and_then(|list| list.last_mut())
                {
                    fp.params.push(Param { pos, name, value });
                }
            }
            _ => {}
        }
    }
    out
}
