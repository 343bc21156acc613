//! SNMP credentials: the config's `[[snmp.credentials]]` entries and the
//! `pandian scan` flags, validated into [`Credential`]s that hold the secrets.
//!
//! Secrets never leave this file in text form: `Debug` prints names and
//! protocols only, errors name the credential and the key but never a value,
//! and SNMPv3 passwords are turned into master keys once, here, so the
//! (deliberately slow) password-to-key derivation is not repeated per device.

use async_snmp::{Auth, AuthProtocol, MasterKeys, PrivProtocol, UsmConfig};
use ipnetwork::IpNetwork;
use serde::Deserialize as _;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// Longest credential name accepted (names show up in logs, pages and the store).
pub const MAX_NAME_LEN: usize = 64;

/// One `[[snmp.credentials]]` entry, as written in the daemon's config.
///
/// ```toml
/// [[snmp.credentials]]
/// name = "office"
/// version = "2c"
/// community = "s3cret"
/// subnets = ["198.51.100.0/24"]
///
/// [[snmp.credentials]]
/// name = "core-v3"
/// version = "3"
/// user = "pandian"
/// auth_protocol = "sha256"
/// auth_password = "long auth passphrase"
/// priv_protocol = "aes256"
/// priv_password = "long priv passphrase"
/// key_extension = "reeder"      # AES-192/256 only: blumenthal (net-snmp), reeder (Cisco), both
/// ```
#[derive(serde::Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// Unique name; shown in logs, pages and the store instead of the secret.
    pub name: String,
    /// `"1"`, `"2c"` or `"3"` (a bare `1` or `3` is accepted too).
    #[serde(deserialize_with = "string_or_number")]
    pub version: String,
    /// Community string (v1, v2c).
    #[serde(default)]
    pub community: Option<String>,
    /// USM user name (v3).
    #[serde(default)]
    pub user: Option<String>,
    /// md5, sha, sha224, sha256, sha384, sha512 (v3). Absent: noAuthNoPriv.
    #[serde(default)]
    pub auth_protocol: Option<String>,
    /// Authentication passphrase, at least 8 characters (v3).
    #[serde(default)]
    pub auth_password: Option<String>,
    /// des, aes (= aes128), aes192, aes256 (v3). Absent: authNoPriv.
    #[serde(default)]
    pub priv_protocol: Option<String>,
    /// Privacy passphrase, at least 8 characters (v3).
    #[serde(default)]
    pub priv_password: Option<String>,
    /// AES-192/256 key extension: `blumenthal` (default; net-snmp and most
    /// agents), `reeder` (many Cisco devices) or `both` (try one, then the other).
    #[serde(default)]
    pub key_extension: Option<String>,
    /// SNMPv3 context name (rarely needed).
    #[serde(default)]
    pub context: Option<String>,
    /// Use this credential only for addresses in these CIDR blocks (default: everywhere).
    #[serde(default)]
    pub subnets: Vec<String>,
}

/// `version = "2c"` and `version = 3` both read as text.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(match V::deserialize(d)? {
        V::S(s) => s,
        V::I(i) => i.to_string(),
        V::F(f) => f.to_string(),
    })
}

impl fmt::Debug for CredentialConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialConfig")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("community", &self.community.as_ref().map(|_| "<redacted>"))
            .field("user", &self.user)
            .field("auth_protocol", &self.auth_protocol)
            .field(
                "auth_password",
                &self.auth_password.as_ref().map(|_| "<redacted>"),
            )
            .field("priv_protocol", &self.priv_protocol)
            .field(
                "priv_password",
                &self.priv_password.as_ref().map(|_| "<redacted>"),
            )
            .field("key_extension", &self.key_extension)
            .field("context", &self.context)
            .field("subnets", &self.subnets)
            .finish()
    }
}

/// Why a credential is not usable. Messages name the credential and the key,
/// never the secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// The name is empty, too long or has odd characters.
    #[error(
        "credential name {name:?} is not usable: use 1 to {MAX_NAME_LEN} letters, digits, `-`, `_` or `.`"
    )]
    BadName {
        /// The offending name (names are not secret).
        name: String,
    },
    /// `version` is not 1, 2c or 3.
    #[error("credential `{name}`: version {version:?} is not one of \"1\", \"2c\", \"3\"")]
    BadVersion {
        /// Credential name.
        name: String,
        /// What was written.
        version: String,
    },
    /// A key that this version needs is missing or empty.
    #[error("credential `{name}`: `{key}` is required for SNMP version {version}")]
    Missing {
        /// Credential name.
        name: String,
        /// The missing key.
        key: &'static str,
        /// The credential's version label.
        version: &'static str,
    },
    /// A key that does not belong to this version is set.
    #[error("credential `{name}`: `{key}` does not apply to SNMP version {version}; remove it")]
    NotApplicable {
        /// Credential name.
        name: String,
        /// The stray key.
        key: &'static str,
        /// The credential's version label.
        version: &'static str,
    },
    /// A protocol name is not known.
    #[error("credential `{name}`: `{key}` = {value:?} is not one of {expected}")]
    BadProtocol {
        /// Credential name.
        name: String,
        /// `auth_protocol`, `priv_protocol` or `key_extension`.
        key: &'static str,
        /// What was written (a protocol name, not a secret).
        value: String,
        /// The accepted names.
        expected: &'static str,
    },
    /// A passphrase is shorter than SNMPv3 allows.
    #[error("credential `{name}`: `{key}` must be at least 8 characters (RFC 3414)")]
    ShortPassword {
        /// Credential name.
        name: String,
        /// `auth_password` or `priv_password`.
        key: &'static str,
    },
    /// A passphrase or community holds characters we refuse (control characters).
    #[error("credential `{name}`: `{key}` contains control characters")]
    ControlCharacters {
        /// Credential name.
        name: String,
        /// Offending key.
        key: &'static str,
    },
    /// Privacy without authentication.
    #[error(
        "credential `{name}`: `priv_protocol` needs `auth_protocol` too (SNMPv3 has no noAuthPriv)"
    )]
    PrivWithoutAuth {
        /// Credential name.
        name: String,
    },
    /// A subnet is not CIDR.
    #[error(
        "credential `{name}`: subnets entry {value:?} is not a CIDR block such as \"198.51.100.0/24\""
    )]
    BadSubnet {
        /// Credential name.
        name: String,
        /// What was written.
        value: String,
    },
    /// A `PROTO:PASS` command-line value without the colon.
    #[error("{flag} expects PROTO:PASSPHRASE (for example `sha256:...`); the value has no `:`")]
    BadFlag {
        /// `--v3-auth` or `--v3-priv`.
        flag: &'static str,
    },
    /// `--v3-auth`/`--v3-priv` without `--v3-user`, or `--v3-priv` without `--v3-auth`.
    #[error("{0}")]
    FlagCombination(&'static str),
    /// The crypto backend refused the key (should not happen with the defaults).
    #[error("credential `{name}`: cannot derive SNMPv3 keys: {reason}")]
    Crypto {
        /// Credential name.
        name: String,
        /// The backend's reason (never contains the secret).
        reason: String,
    },
}

/// SNMP version of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnmpVersion {
    /// SNMPv1.
    V1,
    /// SNMPv2c.
    V2c,
    /// SNMPv3 (USM).
    V3,
}

impl SnmpVersion {
    /// "1", "2c" or "3".
    pub fn label(self) -> &'static str {
        match self {
            SnmpVersion::V1 => "1",
            SnmpVersion::V2c => "2c",
            SnmpVersion::V3 => "3",
        }
    }
}

/// AES-192/256 key-extension variant (see the dependency notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExtension {
    /// draft-blumenthal-aes-usm (net-snmp, most agents).
    Blumenthal,
    /// draft-reeder-snmpv3-usm-3desede (many Cisco devices).
    Reeder,
    /// Try Blumenthal, then Reeder.
    Both,
}

/// A validated credential. Cheap to clone; holds the secrets (community or
/// SNMPv3 master keys), which its `Debug` never prints.
#[derive(Clone)]
pub struct Credential {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    version: SnmpVersion,
    secret: Secret,
    subnets: Vec<IpNetwork>,
    /// Protocol summary for logs, e.g. "v3 authPriv SHA-256/AES-256".
    summary: String,
}

enum Secret {
    Community(Vec<u8>),
    Usm {
        user: String,
        context: Option<String>,
        /// One entry per variant to try (two for key_extension = both).
        variants: Vec<UsmVariant>,
    },
}

#[derive(Clone)]
struct UsmVariant {
    keys: Option<MasterKeys>,
    priv_protocol: Option<PrivProtocol>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("name", &self.inner.name)
            .field("kind", &self.inner.summary)
            .field("subnets", &self.inner.subnets)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// The credential's name (safe to log and store).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// "1", "2c" or "3".
    pub fn version_label(&self) -> &'static str {
        self.inner.version.label()
    }

    /// The SNMP version.
    pub fn version(&self) -> SnmpVersion {
        self.inner.version
    }

    /// A secret-free summary such as `v3 authPriv SHA-256/AES-256`.
    pub fn summary(&self) -> &str {
        &self.inner.summary
    }

    /// Whether this credential may be tried on `ip` (its `subnets` scope;
    /// no subnets means everywhere).
    pub fn applies_to(&self, ip: IpAddr) -> bool {
        self.inner.subnets.is_empty() || self.inner.subnets.iter().any(|n| n.contains(ip))
    }

    /// Whether this is a v1/v2c community everybody knows (`public`,
    /// `private`, in any case).
    pub fn is_default_community(&self) -> bool {
        match &self.inner.secret {
            Secret::Community(c) => {
                c.eq_ignore_ascii_case(b"public") || c.eq_ignore_ascii_case(b"private")
            }
            Secret::Usm { .. } => false,
        }
    }

    /// Whether privacy is DES (which needs the durable salt state).
    pub fn uses_des(&self) -> bool {
        match &self.inner.secret {
            Secret::Usm { variants, .. } => variants.iter().any(|v| {
                matches!(
                    v.priv_protocol,
                    Some(PrivProtocol::Des | PrivProtocol::Des3)
                )
            }),
            Secret::Community(_) => false,
        }
    }

    /// The async-snmp authentication settings to try, in order (two for
    /// `key_extension = "both"`, else one).
    pub(crate) fn auths(&self) -> Vec<Auth> {
        match &self.inner.secret {
            Secret::Community(c) => match self.inner.version {
                SnmpVersion::V1 => vec![Auth::v1(c.clone())],
                _ => vec![Auth::v2c(c.clone())],
            },
            Secret::Usm {
                user,
                context,
                variants,
            } => variants
                .iter()
                .filter_map(|v| {
                    let mut usm = UsmConfig::new(user.clone().into_bytes());
                    if let Some(keys) = &v.keys {
                        usm = usm.with_master_keys(keys.clone()).ok()?;
                    }
                    if let Some(ctx) = context {
                        usm = usm.context_name(ctx.clone().into_bytes());
                    }
                    Some(Auth::Usm(usm))
                })
                .collect(),
        }
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const AUTH_NAMES: &str = "md5, sha, sha224, sha256, sha384, sha512";
const PRIV_NAMES: &str = "des, aes, aes128, aes192, aes256";

/// Parse an authentication protocol name (case-insensitive; `sha1`,
/// `sha-256` and the like accepted too).
pub fn parse_auth_protocol(text: &str) -> Option<AuthProtocol> {
    let t = text.trim().to_ascii_lowercase().replace(['-', '_'], "");
    Some(match t.as_str() {
        "md5" => AuthProtocol::Md5,
        "sha" | "sha1" => AuthProtocol::Sha1,
        "sha224" => AuthProtocol::Sha224,
        "sha256" => AuthProtocol::Sha256,
        "sha384" => AuthProtocol::Sha384,
        "sha512" => AuthProtocol::Sha512,
        _ => return None,
    })
}

/// Privacy protocol family, before the key extension is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrivKind {
    Des,
    Aes128,
    Aes192,
    Aes256,
}

fn parse_priv_kind(text: &str) -> Option<PrivKind> {
    let t = text.trim().to_ascii_lowercase().replace(['-', '_'], "");
    Some(match t.as_str() {
        "des" => PrivKind::Des,
        "aes" | "aes128" => PrivKind::Aes128,
        "aes192" => PrivKind::Aes192,
        "aes256" => PrivKind::Aes256,
        _ => return None,
    })
}

fn priv_variants(kind: PrivKind, ext: KeyExtension) -> Vec<PrivProtocol> {
    let pair = |b, r| match ext {
        KeyExtension::Blumenthal => vec![b],
        KeyExtension::Reeder => vec![r],
        KeyExtension::Both => vec![b, r],
    };
    match kind {
        PrivKind::Des => vec![PrivProtocol::Des],
        PrivKind::Aes128 => vec![PrivProtocol::Aes128],
        PrivKind::Aes192 => pair(PrivProtocol::Aes192Blumenthal, PrivProtocol::Aes192Reeder),
        PrivKind::Aes256 => pair(PrivProtocol::Aes256Blumenthal, PrivProtocol::Aes256Reeder),
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl CredentialConfig {
    /// Check every key and derive the SNMPv3 keys.
    pub fn validate(&self) -> Result<Credential, CredentialError> {
        let name = self.name.trim().to_string();
        if !valid_name(&name) {
            return Err(CredentialError::BadName {
                name: name
                    .chars()
                    .take(MAX_NAME_LEN + 8)
                    .collect::<String>()
                    .escape_debug()
                    .to_string(),
            });
        }
        let version = match self.version.trim().to_ascii_lowercase().as_str() {
            "1" | "v1" => SnmpVersion::V1,
            "2c" | "v2c" | "2" => SnmpVersion::V2c,
            "3" | "v3" => SnmpVersion::V3,
            _ => {
                return Err(CredentialError::BadVersion {
                    name,
                    version: self.version.chars().take(16).collect(),
                });
            }
        };
        let vl = version.label();
        let stray = |key: &'static str| CredentialError::NotApplicable {
            name: name.clone(),
            key,
            version: vl,
        };
        let missing = |key: &'static str| CredentialError::Missing {
            name: name.clone(),
            key,
            version: vl,
        };

        let mut subnets = Vec::with_capacity(self.subnets.len());
        for s in &self.subnets {
            let net = s
                .trim()
                .parse::<IpNetwork>()
                .map_err(|_| CredentialError::BadSubnet {
                    name: name.clone(),
                    value: s.chars().take(64).collect(),
                })?;
            subnets.push(net);
        }

        let (secret, summary) = match version {
            SnmpVersion::V1 | SnmpVersion::V2c => {
                for (key, v) in [
                    ("user", &self.user),
                    ("auth_protocol", &self.auth_protocol),
                    ("auth_password", &self.auth_password),
                    ("priv_protocol", &self.priv_protocol),
                    ("priv_password", &self.priv_password),
                    ("key_extension", &self.key_extension),
                    ("context", &self.context),
                ] {
                    if v.is_some() {
                        return Err(stray(key));
                    }
                }
                let community = non_empty(&self.community).ok_or_else(|| missing("community"))?;
                if has_control(community) {
                    return Err(CredentialError::ControlCharacters {
                        name,
                        key: "community",
                    });
                }
                (
                    Secret::Community(community.as_bytes().to_vec()),
                    format!("v{vl} community"),
                )
            }
            SnmpVersion::V3 => {
                if self.community.is_some() {
                    return Err(stray("community"));
                }
                let user = non_empty(&self.user).ok_or_else(|| missing("user"))?;
                if has_control(user) || user.len() > 32 {
                    return Err(CredentialError::ControlCharacters { name, key: "user" });
                }
                let ext = match self
                    .key_extension
                    .as_deref()
                    .map(|s| s.trim().to_ascii_lowercase())
                {
                    None => KeyExtension::Blumenthal,
                    Some(s) if s == "blumenthal" => KeyExtension::Blumenthal,
                    Some(s) if s == "reeder" => KeyExtension::Reeder,
                    Some(s) if s == "both" => KeyExtension::Both,
                    Some(s) => {
                        return Err(CredentialError::BadProtocol {
                            name,
                            key: "key_extension",
                            value: s.chars().take(16).collect(),
                            expected: "blumenthal, reeder, both",
                        });
                    }
                };
                let auth = match non_empty(&self.auth_protocol) {
                    None => None,
                    Some(p) => Some(parse_auth_protocol(p).ok_or_else(|| {
                        CredentialError::BadProtocol {
                            name: name.clone(),
                            key: "auth_protocol",
                            value: p.chars().take(16).collect(),
                            expected: AUTH_NAMES,
                        }
                    })?),
                };
                let privk =
                    match non_empty(&self.priv_protocol) {
                        None => None,
                        Some(p) => Some(parse_priv_kind(p).ok_or_else(|| {
                            CredentialError::BadProtocol {
                                name: name.clone(),
                                key: "priv_protocol",
                                value: p.chars().take(16).collect(),
                                expected: PRIV_NAMES,
                            }
                        })?),
                    };
                let (variants, level) = match (auth, privk) {
                    (None, Some(_)) => return Err(CredentialError::PrivWithoutAuth { name }),
                    (None, None) => {
                        if self.auth_password.is_some() {
                            return Err(missing("auth_protocol"));
                        }
                        if self.priv_password.is_some() {
                            return Err(stray("priv_password"));
                        }
                        (
                            vec![UsmVariant {
                                keys: None,
                                priv_protocol: None,
                            }],
                            "noAuthNoPriv".to_string(),
                        )
                    }
                    (Some(a), p) => {
                        let apass = self
                            .auth_password
                            .as_deref()
                            .ok_or_else(|| missing("auth_password"))?;
                        check_password(&name, "auth_password", apass)?;
                        let crypto = |e: async_snmp::CryptoError| CredentialError::Crypto {
                            name: name.clone(),
                            reason: e.to_string(),
                        };
                        let base = MasterKeys::new(a, apass.as_bytes()).map_err(crypto)?;
                        match p {
                            None => {
                                if self.priv_password.is_some() {
                                    return Err(missing("priv_protocol"));
                                }
                                (
                                    vec![UsmVariant {
                                        keys: Some(base),
                                        priv_protocol: None,
                                    }],
                                    format!("authNoPriv {a}"),
                                )
                            }
                            Some(kind) => {
                                let ppass = self
                                    .priv_password
                                    .as_deref()
                                    .ok_or_else(|| missing("priv_password"))?;
                                check_password(&name, "priv_password", ppass)?;
                                let mut variants = Vec::new();
                                for proto in priv_variants(kind, ext) {
                                    let keys = base
                                        .clone()
                                        .with_privacy(proto, ppass.as_bytes())
                                        .map_err(crypto)?;
                                    variants.push(UsmVariant {
                                        keys: Some(keys),
                                        priv_protocol: Some(proto),
                                    });
                                }
                                let pname = match kind {
                                    PrivKind::Des => "DES",
                                    PrivKind::Aes128 => "AES-128",
                                    PrivKind::Aes192 => "AES-192",
                                    PrivKind::Aes256 => "AES-256",
                                };
                                (variants, format!("authPriv {a}/{pname}"))
                            }
                        }
                    }
                };
                let context = non_empty(&self.context).map(str::to_string);
                (
                    Secret::Usm {
                        user: user.to_string(),
                        context,
                        variants,
                    },
                    format!("v3 {level}"),
                )
            }
        };
        Ok(Credential {
            inner: Arc::new(Inner {
                name,
                version,
                secret,
                subnets,
                summary,
            }),
        })
    }
}

fn check_password(name: &str, key: &'static str, pass: &str) -> Result<(), CredentialError> {
    if pass.is_empty() {
        return Err(CredentialError::Missing {
            name: name.to_string(),
            key,
            version: "3",
        });
    }
    if pass.len() < 8 {
        return Err(CredentialError::ShortPassword {
            name: name.to_string(),
            key,
        });
    }
    if has_control(pass) {
        return Err(CredentialError::ControlCharacters {
            name: name.to_string(),
            key,
        });
    }
    Ok(())
}

fn split_flag(flag: &'static str, value: &str) -> Result<(String, String), CredentialError> {
    let (proto, pass) = value
        .split_once(':')
        .ok_or(CredentialError::BadFlag { flag })?;
    Ok((proto.to_string(), pass.to_string()))
}

/// Credentials from `pandian scan` flags: each `--community` (v2c, named
/// `community-1`, `community-2`, ... in order) and, with `--v3-user`, one v3
/// credential named `cli-v3` from `--v3-auth PROTO:PASS [--v3-priv PROTO:PASS]`.
/// The v3 credential is tried first: a configured v3 user is a stronger
/// statement of intent than a guessed community.
///
/// v2c communities also answer v1-only agents: the collector falls back to
/// v1 with the same community when v2c gets no answer.
pub fn cli_credentials(
    communities: &[String],
    v3_user: Option<&str>,
    v3_auth: Option<&str>,
    v3_priv: Option<&str>,
) -> Result<Vec<Credential>, CredentialError> {
    let mut out = Vec::new();
    match (v3_user, v3_auth, v3_priv) {
        (None, None, None) => {}
        (None, _, _) => {
            return Err(CredentialError::FlagCombination(
                "--v3-auth and --v3-priv (PANDIAN_V3_AUTH, PANDIAN_V3_PRIV) need --v3-user NAME (or PANDIAN_V3_USER) as well",
            ));
        }
        (Some(_), None, Some(_)) => {
            return Err(CredentialError::FlagCombination(
                "--v3-priv (PANDIAN_V3_PRIV) needs --v3-auth PROTO:PASS (or PANDIAN_V3_AUTH) as well (SNMPv3 has no privacy without authentication)",
            ));
        }
        (Some(user), auth, privacy) => {
            let mut cfg = CredentialConfig {
                name: "cli-v3".into(),
                version: "3".into(),
                user: Some(user.to_string()),
                ..CredentialConfig::default()
            };
            if let Some(a) = auth {
                let (p, pass) = split_flag("--v3-auth (PANDIAN_V3_AUTH)", a)?;
                cfg.auth_protocol = Some(p);
                cfg.auth_password = Some(pass);
            }
            if let Some(a) = privacy {
                let (p, pass) = split_flag("--v3-priv (PANDIAN_V3_PRIV)", a)?;
                cfg.priv_protocol = Some(p);
                cfg.priv_password = Some(pass);
            }
            out.push(cfg.validate()?);
        }
    }
    for (i, c) in communities.iter().enumerate() {
        let cfg = CredentialConfig {
            name: format!("community-{}", i + 1),
            version: "2c".into(),
            community: Some(c.clone()),
            ..CredentialConfig::default()
        };
        out.push(cfg.validate()?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(auth: Option<(&str, &str)>, privacy: Option<(&str, &str)>) -> CredentialConfig {
        CredentialConfig {
            name: "core-v3".into(),
            version: "3".into(),
            user: Some("pandian".into()),
            auth_protocol: auth.map(|a| a.0.into()),
            auth_password: auth.map(|a| a.1.into()),
            priv_protocol: privacy.map(|p| p.0.into()),
            priv_password: privacy.map(|p| p.1.into()),
            ..CredentialConfig::default()
        }
    }

    #[test]
    fn credential_debug_and_errors_never_show_secrets() {
        let cfg = CredentialConfig {
            name: "office".into(),
            version: "2c".into(),
            community: Some("TOPSECRETCOMMUNITY".into()),
            ..CredentialConfig::default()
        };
        assert!(!format!("{cfg:?}").contains("TOPSECRET"));
        let c = cfg.validate().unwrap();
        assert!(!format!("{c:?}").contains("TOPSECRET"));
        let cfg = v3(
            Some(("sha256", "AUTHSECRETPASS")),
            Some(("aes256", "PRIVSECRETPASS")),
        );
        let c = cfg.validate().unwrap();
        let dbg = format!("{cfg:?} {c:?}");
        assert!(!dbg.contains("SECRET"), "{dbg}");
        assert_eq!(c.summary(), "v3 authPriv SHA-256/AES-256");
        // An error about a short password does not echo it.
        let e = v3(Some(("sha", "SECRET7")), None).validate().unwrap_err();
        assert_eq!(
            e,
            CredentialError::ShortPassword {
                name: "core-v3".into(),
                key: "auth_password"
            }
        );
        assert!(!e.to_string().contains("SECRET7"));
    }

    #[test]
    fn credential_validation_table() {
        let ok = [
            v3(None, None),
            v3(Some(("md5", "12345678")), None),
            v3(Some(("SHA", "12345678")), Some(("DES", "87654321"))),
            v3(Some(("sha-512", "12345678")), Some(("aes", "87654321"))),
            v3(Some(("sha224", "12345678")), Some(("aes192", "87654321"))),
            v3(Some(("sha384", "12345678")), Some(("aes128", "87654321"))),
        ];
        for cfg in ok {
            let c = cfg.validate().unwrap_or_else(|e| panic!("{cfg:?}: {e}"));
            assert_eq!(c.version_label(), "3");
            assert_eq!(c.auths().len(), 1);
        }
        let bad: Vec<(CredentialConfig, &str)> = vec![
            (v3(Some(("sha1024", "12345678")), None), "auth_protocol"),
            (
                v3(Some(("sha", "12345678")), Some(("rot13", "12345678"))),
                "priv_protocol",
            ),
            (v3(None, Some(("aes", "12345678"))), "needs `auth_protocol`"),
            (
                v3(Some(("sha", "12345678")), Some(("aes", "short"))),
                "priv_password",
            ),
            (
                CredentialConfig {
                    name: "x".into(),
                    version: "2c".into(),
                    ..Default::default()
                },
                "`community` is required",
            ),
            (
                CredentialConfig {
                    name: "x".into(),
                    version: "2c".into(),
                    community: Some("c".into()),
                    user: Some("u".into()),
                    ..Default::default()
                },
                "`user` does not apply",
            ),
            (
                CredentialConfig {
                    name: "x".into(),
                    version: "4".into(),
                    ..Default::default()
                },
                "version",
            ),
            (
                CredentialConfig {
                    name: "bad name!".into(),
                    version: "1".into(),
                    ..Default::default()
                },
                "name",
            ),
            (
                CredentialConfig {
                    name: "x".into(),
                    version: "1".into(),
                    community: Some("c".into()),
                    subnets: vec!["198.51.100.0/33".into()],
                    ..Default::default()
                },
                "subnets",
            ),
        ];
        for (cfg, want) in bad {
            let e = cfg.validate().expect_err(&format!("{cfg:?} should fail"));
            assert!(e.to_string().contains(want), "{e} should mention {want}");
        }
    }

    #[test]
    fn key_extension_both_gives_two_variants() {
        let mut cfg = v3(Some(("sha", "12345678")), Some(("aes256", "87654321")));
        cfg.key_extension = Some("both".into());
        assert_eq!(cfg.validate().unwrap().auths().len(), 2);
        cfg.key_extension = Some("reeder".into());
        assert_eq!(cfg.validate().unwrap().auths().len(), 1);
        cfg.key_extension = Some("sideways".into());
        assert!(cfg.validate().is_err());
    }

    #[test]
    fn credential_from_toml() {
        #[derive(serde::Deserialize)]
        struct F {
            credentials: Vec<CredentialConfig>,
        }
        let f: F = toml::from_str(
            "[[credentials]]\nname = \"a\"\nversion = 3\nuser = \"u\"\n\n[[credentials]]\nname = \"b\"\nversion = \"2c\"\ncommunity = \"c\"\n",
        )
        .unwrap();
        assert_eq!(f.credentials[0].version, "3");
        assert_eq!(f.credentials[1].validate().unwrap().version_label(), "2c");
        let e = toml::from_str::<F>(
            "[[credentials]]\nname = \"a\"\nversion = \"1\"\ncomunity = \"x\"\n",
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("comunity"), "{e}");
    }

    #[test]
    fn subnet_scope() {
        let cfg = CredentialConfig {
            name: "lab".into(),
            version: "1".into(),
            community: Some("c".into()),
            subnets: vec!["198.18.0.0/15".into(), "2001:db8::/32".into()],
            ..Default::default()
        };
        let c = cfg.validate().unwrap();
        assert!(c.applies_to("198.19.3.4".parse().unwrap()));
        assert!(c.applies_to("2001:db8::7".parse().unwrap()));
        assert!(!c.applies_to("198.51.100.1".parse().unwrap()));
    }

    #[test]
    fn cli_credentials_order_and_names() {
        let cs = cli_credentials(
            &["public".into(), "private".into()],
            Some("admin"),
            Some("sha256:authpassphrase"),
            Some("aes:privpassphrase"),
        )
        .unwrap();
        let names: Vec<_> = cs.iter().map(Credential::name).collect();
        assert_eq!(names, ["cli-v3", "community-1", "community-2"]);
        assert_eq!(cs[0].summary(), "v3 authPriv SHA-256/AES-128");
        // A passphrase may contain colons.
        assert!(cli_credentials(&[], Some("u"), Some("md5:a:b:c:d:e:f"), None).is_ok());
        assert!(matches!(
            cli_credentials(&[], None, Some("md5:12345678"), None),
            Err(CredentialError::FlagCombination(_))
        ));
        assert!(matches!(
            cli_credentials(&[], Some("u"), None, Some("aes:12345678")),
            Err(CredentialError::FlagCombination(_))
        ));
        assert!(matches!(
            cli_credentials(&[], Some("u"), Some("md5-nocolon"), None),
            Err(CredentialError::BadFlag { .. })
        ));
        assert!(
            cli_credentials(&[], Some("u"), None, None).unwrap()[0]
                .summary()
                .contains("noAuthNoPriv")
        );
    }
}
