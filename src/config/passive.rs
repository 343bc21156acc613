//! `[passive]`: listening between sweeps (see [`crate::passive`]). Off
//! unless `enabled = true`: it records what devices broadcast (DHCP host
//! names such as "Johns-iPhone" among it) for devices no sweep asked, and
//! adds a run of the job `passive` every `interval`; an operator decides
//! that, as with `segment_probes`. Pure.

use super::{ConfigError, line_of, parse_duration};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// How often what was heard is committed, unless the config says.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// `[passive]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PassiveSection {
    /// Listen between sweeps (default false).
    #[serde(default)]
    pub enabled: bool,
    /// How often what was heard is committed (`60s`, `5m`).
    pub interval: Option<Spanned<String>>,
}

/// `[passive]` after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveSettings {
    /// Listen between sweeps.
    pub enabled: bool,
    /// How often what was heard is committed as a run of the job `passive`.
    pub interval: Duration,
}

impl Default for PassiveSettings {
    fn default() -> Self {
        PassiveSettings {
            enabled: false,
            interval: DEFAULT_INTERVAL,
        }
    }
}

pub(super) fn validate_passive(
    section: &PassiveSection,
    text: &str,
    path: &Path,
) -> Result<PassiveSettings, ConfigError> {
    let interval = match &section.interval {
        None => DEFAULT_INTERVAL,
        Some(s) => parse_duration(s.get_ref())
            .filter(|d| (Duration::from_secs(10)..=Duration::from_secs(3600)).contains(d))
            .ok_or_else(|| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: line_of(text, s.span().start),
                key: "passive.interval".into(),
                message: format!(
                    "`{}` is not a duration from 10s to 1h; write e.g. \"60s\" or \"5m\"",
                    crate::text::clean(s.get_ref(), 40)
                ),
            })?,
    };
    Ok(PassiveSettings {
        enabled: section.enabled,
        interval,
    })
}
