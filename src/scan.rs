//! Scans as the user writes them. A run itself is [`crate::pipeline`]'s.

use crate::target::Target;

/// The targets of a plan, as text for the store and the log.
pub fn describe(targets: &[Target]) -> String {
    targets
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
