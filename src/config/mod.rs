//! The daemon's TOML configuration: strict parsing, then validation into
//! [`Settings`], with every error naming the file, line and key.
//!
//! Pure apart from [`load`], which reads the file and its permissions.

use crate::fingerprint::{OverrideError, VendorOverride, VendorOverrides};
use crate::job::{Job, Probes};
use crate::schedule::Schedule;
use crate::snmp::{Credential, CredentialConfig};
use crate::target::Target;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

mod alerts;
mod assets;
mod jobs;
mod passive;
mod policy;
mod web;
use alerts::validate_alerts;
pub use alerts::{AlertSettings, AlertsSection, SyslogTarget, Transport, WebhookTarget};
pub use assets::AssetsSettings;
use assets::validate_assets;
use passive::validate_passive;
pub use passive::{PassiveSection, PassiveSettings};
pub use policy::PolicySection;
use policy::validate_policy;
use web::validate_web;
pub use web::{Located, TlsFiles, WebSettings, WebUser};

/// The file as written. Unknown keys are errors.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// What to scan and how often.
    #[serde(default)]
    pub scan: ScanSection,
    /// SNMP credentials and limits.
    #[serde(default)]
    pub snmp: SnmpSection,
    /// Where the history lives.
    #[serde(default)]
    pub store: StoreSection,
    /// The read-only status page.
    #[serde(default)]
    pub web: WebSection,
    /// Scheduled jobs (`[[job]]` tables).
    #[serde(default, rename = "job")]
    pub jobs: Vec<JobSection>,
    /// The user's vendor table: brands, aliases, enterprise numbers, OUIs
    /// and origins that come before the registries (`[[vendor]]`).
    #[serde(default)]
    pub vendor: Vec<VendorOverride>,
    /// What the organisation allows, for the findings (`[policy]`).
    #[serde(default)]
    pub policy: PolicySection,
    /// The approved-asset register file (`[assets]`).
    #[serde(default)]
    pub assets: assets::AssetsSection,
    /// Where finding events go (`[alerts]`).
    #[serde(default)]
    pub alerts: AlertsSection,
    /// Listening between sweeps (`[passive]`).
    #[serde(default)]
    pub passive: PassiveSection,
}

/// `[[job]]`: one scheduled sweep. Keys left out take `[scan]`'s and
/// `[snmp]`'s values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSection {
    /// Unique name, kept with every run.
    pub name: Spanned<String>,
    /// Addresses, CIDR blocks or ranges to sweep.
    pub targets: Vec<Spanned<String>>,
    /// Never touched by this job (the `[scan]` exclusions apply too).
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Names of `[[snmp.credentials]]` to try (default: all, in order).
    #[serde(default)]
    pub credentials: Option<Vec<Spanned<String>>>,
    /// Probes to use: `arp`, `icmp`, `snmp`, `dns` (default: all).
    #[serde(default)]
    pub probes: Option<Vec<Spanned<String>>>,
    /// An interval (`"15m"`) or five cron fields (`"0 */2 * * 1-5"`).
    #[serde(default)]
    pub schedule: Option<Spanned<String>>,
    /// Random delay before each start, up to this (default: a tenth of
    /// the interval; `"0s"`: none).
    #[serde(default)]
    pub jitter: Option<Spanned<String>>,
    /// Packets per second, every probe together.
    #[serde(default)]
    pub rate: Option<Spanned<u32>>,
    /// How long to wait for ARP/ICMP replies, in milliseconds.
    #[serde(default)]
    pub timeout_ms: Option<Spanned<u64>>,
    /// `system` or `full`.
    #[serde(default)]
    pub snmp_depth: Option<Spanned<String>>,
    /// Segment-wide probes (a DHCP DISCOVER and multicast mDNS, SSDP and
    /// WS-Discovery queries) on this job's attached segments (default:
    /// `[scan]`'s `segment_probes`).
    #[serde(default)]
    pub segment_probes: Option<bool>,
}

/// `[scan]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// Addresses, CIDR blocks or ranges to sweep.
    #[serde(default)]
    pub subnets: Vec<Spanned<String>>,
    /// Addresses, CIDR blocks or ranges never to touch.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Time between the starts of two scans: `90s`, `15m`, `1h`.
    #[serde(default = "default_interval")]
    pub interval: Spanned<String>,
    /// Probe packets per second (ARP and ICMP).
    #[serde(default = "default_rate")]
    pub rate: Spanned<u32>,
    /// How long to wait for ARP/ICMP replies, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: Spanned<u64>,
    /// Segment-wide probes (a DHCP DISCOVER and multicast mDNS, SSDP and
    /// WS-Discovery queries) on attached segments: every host there hears
    /// them.
    #[serde(default)]
    pub segment_probes: bool,
    /// Reverse-DNS lookups for live hosts.
    #[serde(default = "default_true")]
    pub reverse_dns: bool,
}

/// `[snmp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnmpSection {
    /// Per-request timeout, in milliseconds.
    #[serde(default = "default_snmp_timeout_ms")]
    pub timeout_ms: Spanned<u64>,
    /// Retries after a timeout.
    #[serde(default = "default_snmp_retries")]
    pub retries: Spanned<u32>,
    /// `system` (system group only) or `full` (every inventory table).
    #[serde(default = "default_depth")]
    pub depth: Spanned<String>,
    /// Credential sets, tried in order.
    #[serde(default)]
    pub credentials: Vec<CredentialConfig>,
}

/// `[store]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// SQLite database file.
    #[serde(default = "default_db_path")]
    pub path: Spanned<PathBuf>,
    /// A group whose members may read the database (it is then created
    /// 0640 and given to that group; without one, 0600).
    #[serde(default)]
    pub group: Option<Spanned<String>>,
    /// How long superseded observations are kept (`400d`; `0`: forever).
    #[serde(default = "default_retention")]
    pub retention: Spanned<String>,
}

/// `[web]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSection {
    /// Address and port of the status page.
    #[serde(default = "default_listen")]
    pub listen: Spanned<String>,
    /// HTTP Basic users (`[[web.users]]`), passwords as Argon2 hashes.
    #[serde(default)]
    pub users: Vec<WebUserConfig>,
    /// A file holding a bearer token (refused when readable by every user).
    #[serde(default)]
    pub token_file: Option<Spanned<PathBuf>>,
    /// PEM certificate chain: with `tls_key`, the page speaks only HTTPS.
    #[serde(default)]
    pub tls_cert: Option<Spanned<PathBuf>>,
    /// PEM private key for `tls_cert`.
    #[serde(default)]
    pub tls_key: Option<Spanned<PathBuf>>,
    /// A plain-HTTP listener that answers `/healthz` and redirects every
    /// other request to the HTTPS page (needs TLS).
    #[serde(default)]
    pub redirect_http: Option<Spanned<String>>,
    /// Host names the page answers to besides its own addresses and
    /// `localhost` (a request for any other `Host` is refused).
    #[serde(default)]
    pub hosts: Vec<Spanned<String>>,
}

/// One `[[web.users]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebUserConfig {
    /// The user name (no `:`, which HTTP Basic cannot carry).
    pub name: String,
    /// An Argon2 PHC string (`$argon2id$v=19$...`) from `pandian hash-password`.
    pub password_hash: String,
}

fn default_interval() -> Spanned<String> {
    Spanned::new(0..0, "15m".to_string())
}
fn default_rate() -> Spanned<u32> {
    Spanned::new(0..0, 2000)
}
fn default_timeout_ms() -> Spanned<u64> {
    Spanned::new(0..0, 1000)
}
fn default_snmp_timeout_ms() -> Spanned<u64> {
    Spanned::new(0..0, 1500)
}
fn default_snmp_retries() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}
fn default_depth() -> Spanned<String> {
    Spanned::new(0..0, "full".to_string())
}
fn default_true() -> bool {
    true
}
fn default_retention() -> Spanned<String> {
    Spanned::new(0..0, "400d".to_string())
}
fn default_db_path() -> Spanned<PathBuf> {
    Spanned::new(0..0, PathBuf::from("/var/lib/pandian/pandian.db"))
}
fn default_listen() -> Spanned<String> {
    Spanned::new(0..0, "127.0.0.1:8080".to_string())
}

impl Default for ScanSection {
    fn default() -> Self {
        ScanSection {
            subnets: Vec::new(),
            exclude: Vec::new(),
            interval: default_interval(),
            rate: default_rate(),
            timeout_ms: default_timeout_ms(),
            reverse_dns: true,
            segment_probes: false,
        }
    }
}
impl Default for SnmpSection {
    fn default() -> Self {
        SnmpSection {
            timeout_ms: default_snmp_timeout_ms(),
            retries: default_snmp_retries(),
            depth: default_depth(),
            credentials: Vec::new(),
        }
    }
}
impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            path: default_db_path(),
            group: None,
            retention: default_retention(),
        }
    }
}
impl Default for WebSection {
    fn default() -> Self {
        WebSection {
            listen: default_listen(),
            users: Vec::new(),
            token_file: None,
            tls_cert: None,
            tls_key: None,
            redirect_http: None,
            hosts: Vec::new(),
        }
    }
}

/// A validated configuration, ready to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The jobs, in the config's order (the `[scan]` section's is `default`).
    pub jobs: Vec<Job>,
    /// Never touched by any job (`scan.exclude`).
    pub exclude: Vec<Target>,
    /// resolv.conf for reverse DNS (not from the file: `serve --netns`
    /// points it at `/etc/netns/NAME/resolv.conf` when that exists).
    pub resolv_conf: Option<PathBuf>,
    /// SNMP per-request timeout.
    pub snmp_timeout: Duration,
    /// SNMP retries.
    pub snmp_retries: u32,
    /// Every credential, in the order given.
    pub credentials: Vec<Credential>,
    /// Database path.
    pub db_path: PathBuf,
    /// Group allowed to read the database (`store.group`), if any.
    pub db_group: Option<String>,
    /// Superseded observations older than this are pruned (None: kept).
    pub retention: Option<Duration>,
    /// Status page address.
    pub listen: SocketAddr,
    /// The user's vendor table, validated (empty when the file has none);
    /// merge it with [`crate::fingerprint::Engine::with_overrides`].
    pub vendors: VendorOverrides,
    /// Who may read the page, TLS, the HTTP redirect (`[web]`).
    pub web: WebSettings,
    /// What the findings hold devices to (`[policy]`).
    pub policy: crate::audit::Policy,
    /// The approved-asset register file (`[assets]`).
    pub assets: AssetsSettings,
    /// Syslog receivers and webhooks for finding events (`[alerts]`).
    pub alerts: AlertSettings,
    /// Listening between sweeps (`[passive]`).
    pub passive: PassiveSettings,
}

impl Settings {
    /// Whether any job scans anything.
    pub fn scans_anything(&self) -> bool {
        self.jobs.iter().any(|j| !j.targets.is_empty())
    }

    /// Every job's targets, for messages.
    pub fn all_targets(&self) -> Vec<Target> {
        self.jobs.iter().flat_map(|j| j.targets.clone()).collect()
    }
}

/// What is wrong with a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is bigger than any config (or a device such as /dev/zero).
    #[error("{path}: larger than {}; a Pandian config is a few kilobytes (is it the right file?)", crate::files::human(*.cap))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        cap: u64,
    },
    /// A secrets file that other users could read or change.
    #[error("{path}: {message}")]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Not TOML, or keys/types the config does not have.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's own message, which names line, column and key.
        message: String,
    },
    /// A value of the right type that makes no sense.
    #[error("{path} line {line}: `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the key came from a default).
        line: usize,
        /// Dotted key.
        key: String,
        /// What to do about it.
        message: String,
    },
}

/// The name of the job the flat `[scan]` section describes.
pub const DEFAULT_JOB: &str = "default";

/// A warning that does not stop the daemon (e.g. a world-readable file).
pub type Warning = String;

/// The largest config (and credentials) file read: 1 MiB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Read a config-sized text file: at most [`MAX_CONFIG_BYTES`], UTF-8.
fn read_text(path: &Path) -> Result<String, ConfigError> {
    let bytes = crate::files::read_capped(path, MAX_CONFIG_BYTES).map_err(|e| match e {
        crate::files::ReadError::TooLarge(cap) => ConfigError::TooLarge {
            path: path.to_path_buf(),
            cap,
        },
        crate::files::ReadError::Io(source) => ConfigError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    String::from_utf8(bytes).map_err(|_| ConfigError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not UTF-8 text (is it the right file?)",
        ),
    })
}

/// Read, parse and validate a config file.
pub fn load(path: &Path) -> Result<(Settings, Vec<Warning>), ConfigError> {
    let text = read_text(path)?;
    let mut warnings = Vec::new();
    if let Some(w) = permission_warning(path) {
        warnings.push(w);
    }
    let settings = parse(&text, path)?;
    warnings.extend(listen_warning(&settings, path));
    Ok((settings, warnings))
}

/// A warning when the page listens beyond loopback over plain HTTP: the
/// users' passwords (or the token) and the inventory then cross the network
/// unencrypted. (Beyond loopback without authentication is an error, see
/// `validate_web`.)
pub fn listen_warning(settings: &Settings, path: &Path) -> Option<Warning> {
    let ip = settings.listen.ip();
    (!ip.is_loopback() && settings.web.tls.is_none()).then(|| {
        format!(
            "{}: web.listen = \"{}\" serves the status page beyond this machine over plain HTTP: passwords, the token and the inventory cross the network unencrypted to anyone who can reach {}; set web.tls_cert and web.tls_key, or keep it on 127.0.0.1",
            path.display(),
            settings.listen,
            if ip.is_unspecified() { "any of its addresses".to_string() } else { ip.to_string() }
        )
    })
}

#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<Warning> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    let what = match (mode & 0o002 != 0, mode & 0o004 != 0) {
        (true, _) => {
            "writable by every user: anyone could change what Pandian scans and with which credentials"
        }
        (false, true) => "readable by every user and it may hold SNMP secrets",
        (false, false) => return None,
    };
    Some(format!(
        "{}: {what} (mode {:o}); run `chmod 600 {}`",
        path.display(),
        mode & 0o777,
        path.display()
    ))
}

#[cfg(not(unix))]
fn permission_warning(_: &Path) -> Option<Warning> {
    None
}

/// A credentials file (`scan --credentials FILE`): only
/// `[[snmp.credentials]]` tables, in the config's format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    snmp: CredentialsOnly,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CredentialsOnly {
    #[serde(default)]
    credentials: Vec<CredentialConfig>,
}

/// Read SNMP credentials from a file of `[[snmp.credentials]]` tables.
/// The file holds secrets, so it is refused when other users may read or
/// change it (any "other" permission bit), or when it is owned by someone
/// other than this user or root.
pub fn load_credentials(path: &Path) -> Result<Vec<Credential>, ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let unsafe_file = |message: String| ConfigError::Unsafe {
            path: path.to_path_buf(),
            message,
        };
        let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o007 != 0 {
            return Err(unsafe_file(format!(
                "holds SNMP secrets but every user may read or change it (mode {mode:o}); run `chmod 600 {}`",
                path.display()
            )));
        }
        crate::files::check_owner(path).map_err(|e| unsafe_file(e.to_string()))?;
    }
    let text = read_text(path)?;
    let file: CredentialsFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!(
            "{}\n  (a credentials file holds only [[snmp.credentials]] tables)",
            e.to_string().trim_end().replace('\n', "\n  ")
        ),
    })?;
    let creds = credentials(&file.snmp.credentials, &text, path)?;
    if creds.is_empty() {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 0,
            key: "snmp.credentials".into(),
            message: "no [[snmp.credentials]] tables: add one with name, version and community (or v3 user)".into(),
        });
    }
    Ok(creds)
}

/// Validate `[[snmp.credentials]]` tables: each one, and unique names.
fn credentials(
    list: &[CredentialConfig],
    text: &str,
    path: &Path,
) -> Result<Vec<Credential>, ConfigError> {
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let cred = c.validate().map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: nth_table_line(text, "snmp.credentials", i),
            key: format!("snmp.credentials[{i}]"),
            message: e.to_string(),
        })?;
        if out.iter().any(|k: &Credential| k.name() == cred.name()) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line: nth_table_line(text, "snmp.credentials", i),
                key: format!("snmp.credentials[{i}].name"),
                message: format!(
                    "the name `{}` is used twice; names identify credentials in logs and the store",
                    cred.name()
                ),
            });
        }
        out.push(cred);
    }
    Ok(out)
}

/// Parse and validate config text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().replace('\n', "\n  "),
    })?;
    validate(file, text, path)
}

fn line_of(text: &str, offset: usize) -> usize {
    if offset == 0 && text.is_empty() {
        return 0;
    }
    text.get(..offset)
        .map_or(0, |t| t.matches('\n').count() + 1)
}

fn validate(file: ConfigFile, text: &str, path: &Path) -> Result<Settings, ConfigError> {
    let cx = jobs::Cx { text, path };
    let invalid = |span, key: &str, message| cx.invalid(span, key, message);
    let targets = |list: &[Spanned<String>], key: &str| cx.targets(list, key);
    let scan = &file.scan;
    let subnets = targets(&scan.subnets, "scan.subnets")?;
    let exclude = targets(&scan.exclude, "scan.exclude")?;
    if let Err(e) = crate::target::expand(&subnets, &exclude) {
        let span = scan.subnets.first().map(|s| s.span()).unwrap_or(0..0);
        return Err(invalid(span, "scan.subnets", e.to_string()));
    }
    let interval: Schedule = match parse_duration(scan.interval.get_ref()) {
        Some(d) if d >= Duration::from_secs(10) && d <= Duration::from_secs(7 * 86_400) => {
            Schedule::Every(d)
        }
        _ => {
            return Err(invalid(
                scan.interval.span(),
                "scan.interval",
                format!(
                    "`{}` is not a duration from 10s to 7d; write e.g. \"90s\", \"15m\", \"1h\" (a [[job]] also takes a cron schedule)",
                    scan.interval.get_ref()
                ),
            ));
        }
    };
    let retention = match file.store.retention.get_ref().trim() {
        "0" | "0s" | "0d" => None,
        text => Some(
            parse_duration(text)
                .filter(|d| *d >= Duration::from_secs(86_400))
                .ok_or_else(|| {
                    invalid(
                        file.store.retention.span(),
                        "store.retention",
                        format!(
                            "`{text}` is not a duration of a day or more; write e.g. \"400d\", or \"0\" to keep everything"
                        ),
                    )
                })?,
        ),
    };
    let rate = *scan.rate.get_ref();
    if !(1..=100_000).contains(&rate) {
        return Err(invalid(
            scan.rate.span(),
            "scan.rate",
            format!("{rate} packets/s is outside 1..=100000"),
        ));
    }
    let timeout_ms = *scan.timeout_ms.get_ref();
    if !(10..=60_000).contains(&timeout_ms) {
        return Err(invalid(
            scan.timeout_ms.span(),
            "scan.timeout_ms",
            format!("{timeout_ms} ms is outside 10..=60000"),
        ));
    }
    let snmp = &file.snmp;
    let snmp_timeout_ms = *snmp.timeout_ms.get_ref();
    if !(10..=60_000).contains(&snmp_timeout_ms) {
        return Err(invalid(
            snmp.timeout_ms.span(),
            "snmp.timeout_ms",
            format!("{snmp_timeout_ms} ms is outside 10..=60000"),
        ));
    }
    let retries = *snmp.retries.get_ref();
    if retries > 10 {
        return Err(invalid(
            snmp.retries.span(),
            "snmp.retries",
            format!("{retries} is more than 10"),
        ));
    }
    let snmp_depth = cx.depth(&snmp.depth, "snmp.depth")?;
    let credentials = credentials(&snmp.credentials, text, path)?;
    let probe_timeout = Duration::from_millis(timeout_ms);
    let mut jobs = Vec::new();
    if !subnets.is_empty() {
        jobs.push(Job {
            name: DEFAULT_JOB.to_string(),
            targets: subnets,
            exclude: exclude.clone(),
            credentials: credentials.clone(),
            probes: Probes {
                dns: scan.reverse_dns,
                segment: scan.segment_probes,
                ..Probes::default()
            },
            jitter: None,
            schedule: interval.clone(),
            rate,
            probe_timeout,
            snmp_depth,
        });
    }
    let defaults = jobs::JobDefaults {
        scan_has_subnets: !scan.subnets.is_empty(),
        exclude: &exclude,
        credentials: &credentials,
        interval: &interval,
        rate,
        probe_timeout,
        snmp_depth,
        segment_probes: scan.segment_probes,
    };
    for (i, j) in file.jobs.iter().enumerate() {
        let job = jobs::validate_job(j, i, &defaults, &jobs, &cx)?;
        jobs.push(job);
    }
    let store_path = file.store.path.get_ref();
    let shown = store_path.to_string_lossy();
    if shown.trim().is_empty() || shown == ":memory:" {
        return Err(invalid(
            file.store.path.span(),
            "store.path",
            format!(
                "`{shown}` names no file (SQLite would keep the history in memory and lose it at every restart); give a path such as \"/var/lib/pandian/pandian.db\""
            ),
        ));
    }
    let db_group = match &file.store.group {
        Some(g) if g.get_ref().trim().is_empty() => {
            return Err(invalid(
                g.span(),
                "store.group",
                "an empty group name; give a group (e.g. \"pandian\") or leave the key out".into(),
            ));
        }
        Some(g) => Some(g.get_ref().trim().to_string()),
        None => None,
    };
    let listen = file
        .web
        .listen
        .get_ref()
        .parse::<SocketAddr>()
        .map_err(|_| {
            invalid(
                file.web.listen.span(),
                "web.listen",
                format!(
                    "`{}` is not an address:port such as \"127.0.0.1:8080\" or \"[::]:8080\"",
                    file.web.listen.get_ref()
                ),
            )
        })?;
    let web = validate_web(&file.web, listen, text, path)?;
    let vendors = vendor_table(&file.vendor, text, path)?;
    let policy = validate_policy(&file.policy, &credentials, text, path)?;
    let assets = validate_assets(&file.assets, text, path)?;
    let alerts = validate_alerts(&file.alerts, text, path)?;
    let passive = validate_passive(&file.passive, text, path)?;
    Ok(Settings {
        jobs,
        exclude,
        resolv_conf: None,
        snmp_timeout: Duration::from_millis(snmp_timeout_ms),
        snmp_retries: retries,
        credentials,
        db_path: file.store.path.into_inner(),
        db_group,
        retention,
        listen,
        vendors,
        web,
        policy,
        assets,
        alerts,
        passive,
    })
}

/// Validate the `[[vendor]]` entries; an error names the entry's line.
fn vendor_table(
    entries: &[VendorOverride],
    text: &str,
    path: &Path,
) -> Result<VendorOverrides, ConfigError> {
    VendorOverrides::new(entries.to_vec()).map_err(|e| {
        // The entry at fault: by number, else the last one with its brand
        // (a duplicate is reported on the later entry).
        let index = match &e {
            OverrideError::EmptyBrand { index } => index.saturating_sub(1),
            OverrideError::BadOui { brand, .. }
            | OverrideError::BadOrigin { brand, .. }
            | OverrideError::Duplicate { brand, .. } => entries
                .iter()
                .rposition(|v| v.brand.trim() == brand)
                .unwrap_or(0),
            OverrideError::Shipped(_) => 0,
        };
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: nth_table_line(text, "vendor", index),
            key: format!("vendor[{index}]"),
            message: e.to_string(),
        }
    })
}

/// The 1-based line of the `n`-th `[[name]]` header (0 when not found).
fn nth_table_line(text: &str, name: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            t.strip_prefix("[[")
                .and_then(|r| r.split_once("]]"))
                .is_some_and(|(inner, _)| inner.trim() == name)
        })
        .nth(n)
        .map_or(0, |(i, _)| i + 1)
}

/// `90s`, `15m`, `2h`, `1d`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

pub use crate::schedule::format_duration;

/// A commented example config, printed by `pandian check-config --template`.
pub const TEMPLATE: &str = include_str!("config_template.toml");

#[cfg(test)]
mod tests;
