//! `[policy]`: what the organisation allows, for the findings — approved
//! DHCP servers, per-subnet rules (`[[policy.subnet]]`), windows and
//! thresholds, and acknowledgements (`[[policy.ack]]`). Validated with the
//! config's line numbers into [`crate::audit::Policy`]. Pure.

use super::{ConfigError, line_of};
use crate::audit::{AckTarget, ConfigAck, Policy, SubnetPolicy, policy as defaults};
use crate::fingerprint::CLASSES;
use crate::snmp::Credential;
use ipnetwork::IpNetwork;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// `[policy]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// DHCP servers allowed to answer; any other is a rogue.
    #[serde(default)]
    pub dhcp_servers: Vec<Spanned<String>>,
    /// Days a device counts as new after it is first seen.
    pub new_device_days: Option<Spanned<i64>>,
    /// Days an approved asset may go unseen before it is missing.
    pub asset_missing_days: Option<Spanned<i64>>,
    /// MACs learned on one access port that suggest an unmanaged switch.
    pub unmanaged_switch_macs: Option<Spanned<i64>>,
    /// Days a MAC move between switch ports stays a finding.
    pub mac_moved_days: Option<Spanned<i64>>,
    /// Per-subnet rules.
    #[serde(default)]
    pub subnet: Vec<SubnetSection>,
    /// Acknowledged findings.
    #[serde(default)]
    pub ack: Vec<AckSection>,
}

/// `[[policy.subnet]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSection {
    /// CIDR block.
    pub subnet: Spanned<String>,
    /// Only these vendors.
    #[serde(default)]
    pub allow_vendors: Vec<String>,
    /// Never these vendors.
    #[serde(default)]
    pub deny_vendors: Vec<String>,
    /// Only these classes.
    #[serde(default)]
    pub allow_classes: Vec<Spanned<String>>,
    /// `domestic` or `foreign`.
    pub require_origin: Option<Spanned<String>>,
    /// SNMP must be v3 here.
    #[serde(default)]
    pub require_snmp_v3: bool,
}

/// `[[policy.ack]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckSection {
    /// One occurrence, by id (`pandian findings list` shows it).
    pub id: Option<Spanned<i64>>,
    /// Every occurrence of a condition, by key.
    pub key: Option<Spanned<String>>,
    /// Why it is acceptable.
    pub reason: Spanned<String>,
    /// Who says so.
    pub by: Spanned<String>,
}

/// Validate `[policy]`; `credentials` name the default communities.
pub fn validate_policy(
    section: &PolicySection,
    credentials: &[Credential],
    text: &str,
    path: &Path,
) -> Result<Policy, ConfigError> {
    let invalid =
        |span: std::ops::Range<usize>, key: String, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            key,
            message,
        };
    let days = |v: &Option<Spanned<i64>>, key: &str, default: u32, min: i64| match v {
        None => Ok(default),
        Some(s) => u32::try_from(*s.get_ref())
            .ok()
            .filter(|n| i64::from(*n) >= min && *n <= 36_500)
            .ok_or_else(|| {
                invalid(
                    s.span(),
                    format!("policy.{key}"),
                    format!("must be a whole number from {min} to 36500"),
                )
            }),
    };
    let mut policy = Policy {
        new_device_days: days(
            &section.new_device_days,
            "new_device_days",
            defaults::DEFAULT_NEW_DEVICE_DAYS,
            0,
        )?,
        asset_missing_days: days(
            &section.asset_missing_days,
            "asset_missing_days",
            defaults::DEFAULT_ASSET_MISSING_DAYS,
            1,
        )?,
        unmanaged_switch_macs: days(
            &section.unmanaged_switch_macs,
            "unmanaged_switch_macs",
            defaults::DEFAULT_UNMANAGED_SWITCH_MACS,
            2,
        )?,
        mac_moved_days: days(
            &section.mac_moved_days,
            "mac_moved_days",
            defaults::DEFAULT_MAC_MOVED_DAYS,
            0,
        )?,
        ..Policy::default()
    };
    for (i, s) in section.dhcp_servers.iter().enumerate() {
        let ip = s.get_ref().trim().parse().map_err(|_| {
            invalid(
                s.span(),
                format!("policy.dhcp_servers[{i}]"),
                format!("`{}` is not an IP address", s.get_ref()),
            )
        })?;
        policy.dhcp_servers.push(ip);
    }
    for (i, s) in section.subnet.iter().enumerate() {
        let key = |k: &str| format!("policy.subnet[{i}].{k}");
        let subnet: IpNetwork = s.subnet.get_ref().trim().parse().map_err(|_| {
            invalid(
                s.subnet.span(),
                key("subnet"),
                format!(
                    "`{}` is not a CIDR block such as \"198.51.100.0/24\"",
                    s.subnet.get_ref()
                ),
            )
        })?;
        let mut allow_classes = Vec::new();
        for c in &s.allow_classes {
            let name = c.get_ref().trim().to_ascii_lowercase();
            if !CLASSES.contains(&name.as_str()) {
                return Err(invalid(
                    c.span(),
                    key("allow_classes"),
                    format!(
                        "`{}` is not a class; classes are {}",
                        c.get_ref(),
                        CLASSES.join(", ")
                    ),
                ));
            }
            allow_classes.push(name);
        }
        let require_origin = match &s.require_origin {
            None => None,
            Some(o) => match o.get_ref().trim() {
                v @ ("domestic" | "foreign") => Some(v.to_string()),
                other => {
                    return Err(invalid(
                        o.span(),
                        key("require_origin"),
                        format!("`{other}` must be \"domestic\" or \"foreign\""),
                    ));
                }
            },
        };
        let names = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        };
        policy.subnets.push(SubnetPolicy {
            subnet,
            allow_vendors: names(&s.allow_vendors),
            deny_vendors: names(&s.deny_vendors),
            allow_classes,
            require_origin,
            require_snmp_v3: s.require_snmp_v3,
        });
    }
    for (i, a) in section.ack.iter().enumerate() {
        let key = |k: &str| format!("policy.ack[{i}].{k}");
        let target = match (&a.id, &a.key) {
            (Some(id), None) if *id.get_ref() > 0 => AckTarget::Id(*id.get_ref()),
            (None, Some(k)) if !k.get_ref().trim().is_empty() => {
                AckTarget::Key(k.get_ref().trim().to_string())
            }
            (Some(id), Some(_)) => {
                return Err(invalid(
                    id.span(),
                    key("id"),
                    "give `id` or `key`, not both".into(),
                ));
            }
            (Some(id), None) => {
                return Err(invalid(
                    id.span(),
                    key("id"),
                    "must be a finding id (1 or more)".into(),
                ));
            }
            (None, Some(k)) => {
                return Err(invalid(k.span(), key("key"), "must not be empty".into()));
            }
            (None, None) => {
                return Err(invalid(
                    a.reason.span(),
                    key("id"),
                    "name the finding with `id` (one occurrence) or `key` (the condition)".into(),
                ));
            }
        };
        for (name, v) in [("reason", &a.reason), ("by", &a.by)] {
            if v.get_ref().trim().is_empty() {
                return Err(invalid(v.span(), key(name), "must not be empty".into()));
            }
        }
        policy.acks.push(ConfigAck {
            target,
            reason: crate::text::clean(a.reason.get_ref(), 512),
            by: crate::text::clean(a.by.get_ref(), 128),
        });
    }
    policy.default_credentials = credentials
        .iter()
        .filter(|c| c.is_default_community())
        .map(|c| c.name().to_string())
        .collect();
    Ok(policy)
}
