//! The embedded table (`data/response.tsv`, written by `scripts/update-p0f`
//! from p0f.fp; its header names the columns) read into [`Sig`]s, each
//! field checked as p0f's own reader (`fp_tcp.c` `tcp_register_sig`)
//! checks it.

use super::quirk;

/// The table as generated.
pub(super) const RESPONSE: &str = include_str!("data/response.tsv");

/// Why a table line is not a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// Not the table's eleven columns.
    #[error(
        "table line {row}: {got} columns, want 11 (line label ver ittl olen mss wsize scale olayout quirks pclass)"
    )]
    Columns {
        /// The table's line (1-based).
        row: usize,
        /// Columns found.
        got: usize,
    },
    /// A field p0f would refuse.
    #[error(
        "table line {row}: bad {field} {value:?}; regenerate the table with scripts/update-p0f"
    )]
    Field {
        /// The table's line (1-based).
        row: usize,
        /// Which field.
        field: &'static str,
        /// Its text.
        value: String,
    },
}

/// A p0f label: `s:unix:Linux:3.x` (specific or generic, class, name,
/// flavor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    /// `g:`: a generic signature, used when no specific one matches.
    pub generic: bool,
    /// `unix`, `win`, `other` (or `!` for a userland tool).
    pub class: &'a str,
    /// The OS family: `Linux`, `Windows`, `FreeBSD`, `Mac OS X`, ...
    pub name: &'a str,
    /// The versions: `3.x`, `7 or 8` (may be empty).
    pub flavor: &'a str,
}

impl<'a> Label<'a> {
    /// Read `s:unix:Linux:3.x`; None unless it has p0f's four parts and a
    /// type of `s` or `g`.
    pub fn parse(text: &'a str) -> Option<Label<'a>> {
        let mut p = text.splitn(4, ':');
        let generic = match p.next()? {
            "s" => false,
            "g" => true,
            _ => return None,
        };
        let (class, name, flavor) = (p.next()?, p.next()?, p.next()?);
        (!class.is_empty() && !name.is_empty()).then_some(Label {
            generic,
            class,
            name,
            flavor,
        })
    }

    /// A userland tool's label (class `!`), not an OS.
    pub fn is_tool(&self) -> bool {
        self.class == "!"
    }
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = if self.generic { "g" } else { "s" };
        write!(f, "{t}:{}:{}:{}", self.class, self.name, self.flavor)
    }
}

/// What a signature says of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// `*`: any.
    Any,
    /// A fixed value.
    Exact(u16),
    /// `%N`: a multiple of N.
    Mod(u16),
    /// `mss*N`: N times the MSS (as p0f finds it; see `super::multiple`).
    Mss(u16),
    /// `mtu*N`: N times the MTU.
    Mtu(u16),
}

/// One `[tcp:response]` signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sig<'a> {
    /// Its line in p0f.fp.
    pub line: u32,
    /// Its label.
    pub label: Label<'a>,
    /// IP version (None: `*`, either).
    pub ver: Option<u8>,
    /// Initial TTL (with any `+N` added).
    pub ittl: u8,
    /// `N-`: the stack randomises its TTL, which may only be lower.
    pub bad_ttl: bool,
    /// Bytes of IP options.
    pub olen: u8,
    /// The MSS (None: `*`).
    pub mss: Option<u16>,
    /// The window.
    pub window: Window,
    /// The window scale (None: `*`).
    pub wscale: Option<u8>,
    /// Option kinds in order (`crate::wire::tcpip::kind`; `?N` is kind N).
    pub layout: Vec<u8>,
    /// The `eol+N` padding.
    pub eol_pad: u8,
    /// [`quirk`] bits.
    pub quirks: u32,
    /// Payload: None `*`, Some(false) `0`, Some(true) `+`.
    pub payload: Option<bool>,
}

/// Every line of `text` (`#` lines skipped): the signatures, and the lines
/// that are not.
pub fn parse(text: &str) -> (Vec<Sig<'_>>, Vec<TableError>) {
    let mut sigs = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match parse_line(i + 1, line) {
            Ok(s) => sigs.push(s),
            Err(e) => errors.push(e),
        }
    }
    (sigs, errors)
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// One table line.
pub fn parse_line(row: usize, line: &str) -> Result<Sig<'_>, TableError> {
    let cols: Vec<&str> = line.split('\t').collect();
    let &[
        line_no,
        label,
        ver,
        ittl,
        olen,
        mss,
        wsize,
        scale,
        olayout,
        quirks,
        pclass,
    ] = cols.as_slice()
    else {
        return Err(TableError::Columns {
            row,
            got: cols.len(),
        });
    };
    let bad = |field: &'static str, value: &str| TableError::Field {
        row,
        field,
        value: value.to_string(),
    };
    let line = num::<u32>(line_no).ok_or_else(|| bad("line", line_no))?;
    let label = Label::parse(label).ok_or_else(|| bad("label", label))?;
    let ver = match ver {
        "*" => None,
        "4" => Some(4),
        "6" => Some(6),
        _ => return Err(bad("ver", ver)),
    };
    let (ittl_v, bad_ttl) = read_ittl(ittl).ok_or_else(|| bad("ittl", ittl))?;
    let olen = num::<u8>(olen).ok_or_else(|| bad("olen", olen))?;
    let mss = match mss {
        "*" => None,
        m => Some(num::<u16>(m).ok_or_else(|| bad("mss", m))?),
    };
    let window = read_window(wsize).ok_or_else(|| bad("wsize", wsize))?;
    let wscale = match scale {
        "*" => None,
        s => Some(num::<u8>(s).ok_or_else(|| bad("scale", s))?),
    };
    let (layout, eol_pad) = read_layout(olayout).ok_or_else(|| bad("olayout", olayout))?;
    let quirks = read_quirks(quirks, ver).ok_or_else(|| bad("quirks", quirks))?;
    let payload = match pclass {
        "*" => None,
        "0" => Some(false),
        "+" => Some(true),
        _ => return Err(bad("pclass", pclass)),
    };
    Ok(Sig {
        line,
        label,
        ver,
        ittl: ittl_v,
        bad_ttl,
        olen,
        mss,
        window,
        wscale,
        layout,
        eol_pad,
        quirks,
        payload,
    })
}

/// `64`, `64-` (random TTL), `64+N` (added): 1-255 in all.
fn read_ittl(s: &str) -> Option<(u8, bool)> {
    let (ttl, bad, add) = if let Some(t) = s.strip_suffix('-') {
        (t, true, "0")
    } else if let Some((t, a)) = s.split_once('+') {
        (t, false, a)
    } else {
        (s, false, "0")
    };
    let sum = num::<u32>(ttl)?.checked_add(num::<u32>(add)?)?;
    let ttl = u8::try_from(sum).ok()?;
    (ttl >= 1).then_some((ttl, bad))
}

fn read_window(s: &str) -> Option<Window> {
    Some(if s == "*" {
        Window::Any
    } else if let Some(n) = s.strip_prefix('%') {
        let n = num::<u16>(n)?;
        if n < 2 {
            return None;
        }
        Window::Mod(n)
    } else if let Some(n) = s.strip_prefix("mss*") {
        let n = num::<u16>(n).filter(|n| (1..=1000).contains(n))?;
        Window::Mss(n)
    } else if let Some(n) = s.strip_prefix("mtu*") {
        let n = num::<u16>(n).filter(|n| (1..=1000).contains(n))?;
        Window::Mtu(n)
    } else {
        Window::Exact(num::<u16>(s)?)
    })
}

/// Option names in order; `eol+N` only last.
fn read_layout(s: &str) -> Option<(Vec<u8>, u8)> {
    use crate::wire::tcpip::{MAX_OPTIONS, kind};
    let mut out = Vec::new();
    let mut pad = 0u8;
    if s.is_empty() {
        return Some((out, pad));
    }
    let names: Vec<&str> = s.split(',').collect();
    if names.len() > MAX_OPTIONS {
        return None;
    }
    for (i, name) in names.iter().enumerate() {
        let k = match *name {
            "nop" => kind::NOP,
            "mss" => kind::MSS,
            "ws" => kind::WS,
            "sok" => kind::SOK,
            "sack" => kind::SACK,
            "ts" => kind::TS,
            n => {
                if let Some(p) = n.strip_prefix("eol+") {
                    if i + 1 != names.len() {
                        return None;
                    }
                    pad = num::<u8>(p)?;
                    kind::EOL
                } else {
                    num::<u8>(n.strip_prefix('?')?)?
                }
            }
        };
        out.push(k);
    }
    Some((out, pad))
}

fn read_quirks(s: &str, ver: Option<u8>) -> Option<u32> {
    let mut q = 0;
    if s.is_empty() {
        return Some(q);
    }
    for name in s.split(',') {
        let bit = quirk::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)?;
        let v4_only = bit & (quirk::DF | quirk::NZ_ID | quirk::ZERO_ID | quirk::NZ_MBZ) != 0;
        if (v4_only && ver == Some(6)) || (bit == quirk::FLOW && ver == Some(4)) {
            return None;
        }
        q |= bit;
    }
    Some(q)
}
