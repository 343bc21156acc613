//! Walk guards: pure decisions about one subtree walk, fed with the
//! varbinds of each GETNEXT/GETBULK reply. They stop a walk at the end of
//! the subtree, at endOfMibView, at an OID that does not increase (a buggy
//! or hostile agent looping), at a row limit and at an empty reply, and they
//! shrink max-repetitions when the agent says tooBig/genErr. No I/O.

use crate::facts::{Oid, Value};

/// Why a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkEnd {
    /// Left the subtree or reached endOfMibView: complete.
    Complete,
    /// The agent returned an OID not greater than the previous one.
    NonIncreasing {
        /// The offending OID.
        oid: Oid,
    },
    /// More rows than the limit: cut off (endless or enormous table).
    RowLimit,
    /// The agent answered with no varbinds at all.
    EmptyReply,
    /// The device's request budget or deadline ran out.
    Budget,
    /// No reply (after retries) or an error reply we cannot work around.
    Failed(String),
}

impl WalkEnd {
    /// Whether the walk reached its natural end.
    pub fn is_complete(&self) -> bool {
        *self == WalkEnd::Complete
    }
}

/// What to do after a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Ask again from this OID.
    Continue(Oid),
    /// Stop.
    Done(WalkEnd),
}

/// State of one subtree walk.
#[derive(Debug, Clone)]
pub struct WalkGuard {
    prefix: Oid,
    last: Option<Oid>,
    rows: usize,
    max_rows: usize,
}

impl WalkGuard {
    /// A walk of everything below `prefix`, keeping at most `max_rows`.
    pub fn new(prefix: Oid, max_rows: usize) -> Self {
        WalkGuard {
            prefix,
            last: None,
            rows: 0,
            max_rows,
        }
    }

    /// The OID to ask for next (the prefix itself at the start).
    pub fn cursor(&self) -> &Oid {
        self.last.as_ref().unwrap_or(&self.prefix)
    }

    /// Rows accepted so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Take one reply's varbinds, in order. Accepted ones are pushed to `out`;
    /// returns whether to go on and from where.
    pub fn accept(&mut self, reply: &[(Oid, Value)], out: &mut Vec<(Oid, Value)>) -> Step {
        if reply.is_empty() {
            return Step::Done(WalkEnd::EmptyReply);
        }
        for (oid, value) in reply {
            if *value == Value::NoSuchObject
                || !oid.starts_with(&self.prefix)
                || *oid == self.prefix
            {
                return Step::Done(WalkEnd::Complete);
            }
            if let Some(last) = &self.last
                && oid <= last
            {
                return Step::Done(WalkEnd::NonIncreasing { oid: oid.clone() });
            }
            if self.rows >= self.max_rows {
                return Step::Done(WalkEnd::RowLimit);
            }
            self.rows += 1;
            self.last = Some(oid.clone());
            out.push((oid.clone(), value.clone()));
        }
        Step::Continue(self.cursor().clone())
    }
}

/// max-repetitions after a tooBig or genErr reply: halve, down to 1; None
/// when already at 1 (give up on the subtree).
pub fn shrink_repetitions(current: u32) -> Option<u32> {
    (current > 1).then(|| (current / 2).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn o(s: &str) -> Oid {
        Oid::parse(s).unwrap()
    }
    fn vb(s: &str) -> (Oid, Value) {
        (o(s), Value::Integer(1))
    }

    #[test]
    fn walk_guard_stops_at_subtree_end() {
        let mut g = WalkGuard::new(o("1.3.6.1.2.1.2.2.1.2"), 100);
        let mut out = Vec::new();
        let s = g.accept(
            &[vb("1.3.6.1.2.1.2.2.1.2.1"), vb("1.3.6.1.2.1.2.2.1.2.2")],
            &mut out,
        );
        assert_eq!(s, Step::Continue(o("1.3.6.1.2.1.2.2.1.2.2")));
        let s = g.accept(
            &[vb("1.3.6.1.2.1.2.2.1.2.3"), vb("1.3.6.1.2.1.2.2.1.3.1")],
            &mut out,
        );
        assert_eq!(s, Step::Done(WalkEnd::Complete));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn walk_guard_cuts_non_increasing_and_endless() {
        let mut g = WalkGuard::new(o("1.3.6.1"), 100);
        let mut out = Vec::new();
        assert!(matches!(
            g.accept(&[vb("1.3.6.1.5")], &mut out),
            Step::Continue(_)
        ));
        // The same OID again: a loop.
        assert_eq!(
            g.accept(&[vb("1.3.6.1.5")], &mut out),
            Step::Done(WalkEnd::NonIncreasing {
                oid: o("1.3.6.1.5")
            })
        );
        // An agent inventing ever-larger OIDs is stopped by the row limit.
        let mut g = WalkGuard::new(o("1.3.6.1"), 10);
        let mut out = Vec::new();
        let mut i = 0u32;
        let end = loop {
            i += 1;
            match g.accept(&[vb(&format!("1.3.6.1.{i}"))], &mut out) {
                Step::Continue(_) => assert!(i < 1000),
                Step::Done(e) => break e,
            }
        };
        assert_eq!(end, WalkEnd::RowLimit);
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn walk_guard_end_of_mib_and_empty() {
        let mut g = WalkGuard::new(o("1.3.6.1"), 100);
        let mut out = Vec::new();
        assert_eq!(g.accept(&[], &mut out), Step::Done(WalkEnd::EmptyReply));
        let mut g = WalkGuard::new(o("1.3.6.1"), 100);
        let s = g.accept(
            &[vb("1.3.6.1.1"), (o("1.3.6.1.2"), Value::NoSuchObject)],
            &mut out,
        );
        assert_eq!(s, Step::Done(WalkEnd::Complete));
        assert_eq!(out.len(), 1);
        // The prefix itself is not part of its subtree.
        let mut g = WalkGuard::new(o("1.3.6.1"), 100);
        assert_eq!(
            g.accept(&[vb("1.3.6.1")], &mut out),
            Step::Done(WalkEnd::Complete)
        );
    }

    #[test]
    fn repetitions_shrink_to_one_then_give_up() {
        assert_eq!(shrink_repetitions(25), Some(12));
        assert_eq!(shrink_repetitions(2), Some(1));
        assert_eq!(shrink_repetitions(1), None);
        assert_eq!(shrink_repetitions(0), None);
    }

    fn arb_oid() -> impl Strategy<Value = Oid> {
        proptest::collection::vec(0u32..6, 0..6).prop_map(|tail| {
            let mut arcs = vec![1, 3, 6];
            arcs.extend(tail);
            Oid::from_arcs(arcs)
        })
    }

    proptest! {
        /// Whatever an agent sends, the guard only ever accepts strictly
        /// increasing OIDs inside the prefix, never more than the limit, and
        /// a walk driven by it ends within max_rows + 1 replies.
        #[test]
        fn walk_guard_terminates_on_any_replies(
            replies in proptest::collection::vec(proptest::collection::vec(arb_oid(), 0..8), 1..40),
            max_rows in 1usize..30,
        ) {
            let prefix = Oid::from_arcs(vec![1, 3, 6]);
            let mut g = WalkGuard::new(prefix.clone(), max_rows);
            let mut out = Vec::new();
            let mut steps = 0usize;
            for reply in &replies {
                steps += 1;
                let reply: Vec<_> = reply.iter().map(|o| (o.clone(), Value::Null)).collect();
                match g.accept(&reply, &mut out) {
                    Step::Continue(next) => prop_assert!(next > prefix),
                    Step::Done(_) => break,
                }
            }
            prop_assert!(steps <= max_rows + 1);
            prop_assert!(out.len() <= max_rows);
            for w in out.windows(2) {
                prop_assert!(w[0].0 < w[1].0);
            }
            for (o, _) in &out {
                prop_assert!(o.starts_with(&prefix) && *o != prefix);
            }
        }
    }
}
