//! Object identifiers as sequences of arcs, ordered as SNMP walks them.

use std::fmt;
use std::str::FromStr;

/// An SNMP object identifier. Ordering is arc by arc, so `1.3.6.1.2` sorts
/// before `1.3.6.1.10`, as in a walk. The arcs are kept in an exactly sized
/// boxed slice: recordings hold millions of OIDs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(Box<[u32]>);

/// Why dotted text is not an OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidParseError {
    /// Nothing but dots or whitespace.
    #[error("empty OID")]
    Empty,
    /// An arc that is not a decimal number fitting 32 bits.
    #[error("arc {arc:?} at position {position} is not a number from 0 to 4294967295")]
    BadArc {
        /// The offending text.
        arc: String,
        /// Index of the arc, from 0.
        position: usize,
    },
    /// More arcs than SNMP allows (128).
    #[error("OID has {0} arcs; SNMP allows at most 128")]
    TooLong(usize),
}

/// SNMP's limit on sub-identifiers (RFC 2578 §3.5).
pub const MAX_ARCS: usize = 128;

impl Oid {
    /// Build from arcs.
    pub fn from_arcs(arcs: impl Into<Vec<u32>>) -> Self {
        Oid(arcs.into().into_boxed_slice())
    }

    /// Parse dotted decimal text; a leading dot is accepted.
    pub fn parse(text: &str) -> Result<Self, OidParseError> {
        let t = text.trim();
        let t = t.strip_prefix('.').unwrap_or(t);
        if t.is_empty() {
            return Err(OidParseError::Empty);
        }
        let mut arcs =
            Vec::with_capacity(t.bytes().filter(|&b| b == b'.').count().min(MAX_ARCS) + 1);
        for (position, part) in t.split('.').enumerate() {
            if position >= MAX_ARCS {
                return Err(OidParseError::TooLong(t.split('.').count()));
            }
            let arc = part.parse::<u32>().map_err(|_| OidParseError::BadArc {
                arc: part.chars().take(32).collect(),
                position,
            })?;
            arcs.push(arc);
        }
        Ok(Oid(arcs.into_boxed_slice()))
    }

    /// The arcs.
    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    /// Whether `prefix` is a prefix of (or equal to) this OID.
    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// This OID with one more arc.
    pub fn child(&self, arc: u32) -> Oid {
        let mut v = Vec::with_capacity(self.0.len() + 1);
        v.extend_from_slice(&self.0);
        v.push(arc);
        Oid(v.into_boxed_slice())
    }

    /// The arcs after `prefix`, when it is one (a table row's index).
    pub fn suffix_after(&self, prefix: &Oid) -> Option<&[u32]> {
        self.0.strip_prefix(&*prefix.0)
    }

    /// The private enterprise number, for OIDs under 1.3.6.1.4.1.
    pub fn enterprise(&self) -> Option<u32> {
        match &*self.0 {
            [1, 3, 6, 1, 4, 1, n, ..] => Some(*n),
            _ => None,
        }
    }

    /// Whether it has no arcs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Oid {
    type Err = OidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Oid::parse(s)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Oid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_parse_table() {
        let ok = [
            ("1.3.6.1.2.1.1.1.0", vec![1, 3, 6, 1, 2, 1, 1, 1, 0]),
            (".1.3.6", vec![1, 3, 6]),
            (" 1.3 ", vec![1, 3]),
            ("4294967295", vec![u32::MAX]),
        ];
        for (text, arcs) in ok {
            assert_eq!(Oid::parse(text), Ok(Oid::from_arcs(arcs)), "{text}");
        }
        for bad in [
            "",
            ".",
            "1..3",
            "1.x",
            "1.3.-1",
            "4294967296",
            "1.3.6.1.<IPADDR>",
        ] {
            assert!(Oid::parse(bad).is_err(), "{bad:?} should fail");
        }
        let long = vec!["1"; 129].join(".");
        assert_eq!(Oid::parse(&long), Err(OidParseError::TooLong(129)));
    }

    #[test]
    fn oid_orders_arc_by_arc() {
        let a = Oid::parse("1.3.6.1.2").unwrap();
        let b = Oid::parse("1.3.6.1.10").unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "1.3.6.1.2");
    }

    #[test]
    fn oid_enterprise_number() {
        assert_eq!(
            Oid::parse("1.3.6.1.4.1.9.1.516").unwrap().enterprise(),
            Some(9)
        );
        assert_eq!(Oid::parse("1.3.6.1.2.1.1").unwrap().enterprise(), None);
    }
}
