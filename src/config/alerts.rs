//! `[alerts]`: where finding events go. `[[alerts.syslog]]` receivers
//! (`address` host:port, `transport` udp or tcp, `facility`,
//! `min_severity`) and `[[alerts.webhook]]` URLs (`url`, `headers`,
//! `timeout`, `min_severity`, `ca_file`), validated with the config's line
//! numbers. Pure: names are resolved and files read when the sender starts.
//!
//! Webhook URLs and header values may hold secrets (a token in the query
//! string, a password before the `@`, an `Authorization` header): their
//! `Debug` hides them and [`WebhookTarget::redacted`] is what logs and
//! `check-config` show.

use super::{ConfigError, line_of, nth_table_line};
use crate::alert::Severity;
use crate::alert::format::Facility;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// `[alerts]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertsSection {
    /// HOSTNAME in syslog messages and `host` in webhook bodies (default:
    /// this machine's host name).
    pub hostname: Option<Spanned<String>>,
    /// `[[alerts.syslog]]` receivers.
    #[serde(default)]
    pub syslog: Vec<SyslogSection>,
    /// `[[alerts.webhook]]` URLs.
    #[serde(default)]
    pub webhook: Vec<WebhookSection>,
}

/// `[[alerts.syslog]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogSection {
    /// `host:port` (a name, an IPv4 address or `[IPv6]`).
    pub address: Spanned<String>,
    /// `udp` (default) or `tcp`.
    pub transport: Option<Spanned<String>>,
    /// A facility name or code (default `local0`).
    pub facility: Option<Spanned<String>>,
    /// Findings below this severity are not sent (default `info`: all).
    pub min_severity: Option<Spanned<String>>,
}

/// `[[alerts.webhook]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    /// `http://` or `https://` URL.
    pub url: Spanned<String>,
    /// Extra request headers (e.g. `Authorization`).
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    /// The whole request's timeout (default `10s`).
    pub timeout: Option<Spanned<String>>,
    /// Findings below this severity are not sent (default `info`: all).
    pub min_severity: Option<Spanned<String>>,
    /// PEM CA certificates to trust instead of the built-in roots (HTTPS).
    pub ca_file: Option<Spanned<PathBuf>>,
}

impl std::fmt::Debug for WebhookSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSection")
            .field("url", &"<redacted>")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// `[alerts]` validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertSettings {
    /// `alerts.hostname`, if set.
    pub hostname: Option<String>,
    /// Syslog receivers, in the config's order.
    pub syslog: Vec<SyslogTarget>,
    /// Webhooks, in the config's order.
    pub webhooks: Vec<WebhookTarget>,
}

impl AlertSettings {
    /// Whether anything is configured.
    pub fn is_empty(&self) -> bool {
        self.syslog.is_empty() && self.webhooks.is_empty()
    }
}

/// How syslog messages travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// One datagram per message (RFC 5426).
    Udp,
    /// One connection, octet-counted frames (RFC 6587 §3.4.1).
    Tcp,
}

impl Transport {
    /// `udp` or `tcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}

/// A syslog receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogTarget {
    /// Host name or address (without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// UDP or TCP.
    pub transport: Transport,
    /// The facility of every message.
    pub facility: Facility,
    /// The lowest severity sent.
    pub min_severity: Severity,
}

impl SyslogTarget {
    /// `syslog tcp://host:port`, for logs.
    pub fn label(&self) -> String {
        if self.host.contains(':') {
            format!(
                "syslog {}://[{}]:{}",
                self.transport.as_str(),
                self.host,
                self.port
            )
        } else {
            format!(
                "syslog {}://{}:{}",
                self.transport.as_str(),
                self.host,
                self.port
            )
        }
    }
}

/// A webhook. Its `Debug` shows only [`WebhookTarget::redacted`].
#[derive(Clone, PartialEq)]
pub struct WebhookTarget {
    /// The URL as configured (may hold secrets: never log it).
    pub url: String,
    /// `https`?
    pub https: bool,
    /// Host (without brackets, without user info).
    pub host: String,
    /// Port (the scheme's default when not given).
    pub port: u16,
    /// Path and query (secrets possible).
    pub path_and_query: String,
    /// User and password from the URL (sent as HTTP Basic), decoded.
    pub userinfo: Option<(String, String)>,
    /// Extra headers, names lower-case (values may be secrets).
    pub headers: Vec<(String, String)>,
    /// The whole request's timeout; connecting gets at most 5 s of it.
    pub timeout: Duration,
    /// The lowest severity sent.
    pub min_severity: Severity,
    /// CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// The config line of its `[[alerts.webhook]]`.
    pub line: usize,
}

impl WebhookTarget {
    /// The URL without user info, with the query replaced by `?…`: what
    /// logs and `check-config` show.
    pub fn redacted(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let (path, query) = match self.path_and_query.split_once('?') {
            Some((p, _)) => (p, "?…"),
            None => (self.path_and_query.as_str(), ""),
        };
        format!("{scheme}://{host}:{}{path}{query}", self.port)
    }
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.redacted())
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("min_severity", &self.min_severity)
            .finish_non_exhaustive()
    }
}

/// Parse `host:port` (`[v6]:port` for IPv6).
fn host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once(']')?;
        (h.to_string(), p.strip_prefix(':')?)
    } else {
        let (h, p) = s.rsplit_once(':')?;
        if h.contains(':') {
            return None;
        }
        (h.to_string(), p)
    };
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
    if host.is_empty() || host.len() > 253 || !host.chars().all(ok_char) {
        return None;
    }
    Some((host, port))
}

/// `%XX` decoding of URL user info; None on a bad escape or non-UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why a URL is refused (never echoing it: it may hold a secret).
fn parse_url(url: &str) -> Result<WebhookTarget, String> {
    if url.chars().any(|c| c.is_control() || c == ' ') {
        return Err("the URL has spaces or control characters".into());
    }
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("only http:// and https:// URLs can receive webhooks".into());
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    if path.contains('#') {
        return Err("a URL fragment (#...) is never sent; remove it".into());
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            let user = percent_decode(user).ok_or("bad %-escape in the URL's user name")?;
            let pass = percent_decode(pass).ok_or("bad %-escape in the URL's password")?;
            (Some((user, pass)), h)
        }
        None => (None, authority),
    };
    let default_port = if https { 443 } else { 80 };
    let with_port = if hostport.ends_with(']') || !hostport.contains(':') {
        format!("{hostport}:{default_port}")
    } else {
        hostport.to_string()
    };
    let (host, port) = host_port(&with_port).ok_or(
        "the URL's host (and port) are not a name or address such as hooks.example.com:8443",
    )?;
    hyper::Uri::try_from(path.as_str())
        .map_err(|_| "the URL's path or query has characters that must be %-escaped")?;
    Ok(WebhookTarget {
        url: url.to_string(),
        https,
        host,
        port,
        path_and_query: path,
        userinfo,
        headers: Vec::new(),
        timeout: DEFAULT_WEBHOOK_TIMEOUT,
        min_severity: Severity::Info,
        ca_file: None,
        line: 0,
    })
}

/// A webhook's default whole-request timeout.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers Pandian sets itself.
const OWN_HEADERS: [&str; 6] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "idempotency-key",
];

pub(super) fn validate_alerts(
    section: &AlertsSection,
    text: &str,
    path: &Path,
) -> Result<AlertSettings, ConfigError> {
    let line = |span: std::ops::Range<usize>| {
        if span.is_empty() {
            0
        } else {
            line_of(text, span.start)
        }
    };
    let invalid = |line: usize, key: String, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key,
        message,
    };
    let severity = |s: &Option<Spanned<String>>, key: String| match s {
        None => Ok(Severity::Info),
        Some(v) => Severity::parse(v.get_ref()).ok_or_else(|| {
            invalid(
                line(v.span()),
                key,
                format!(
                    "`{}` is not a severity; use info, low, medium or high",
                    v.get_ref()
                ),
            )
        }),
    };
    let hostname = match &section.hostname {
        None => None,
        Some(h) => {
            let v = h.get_ref();
            if v.is_empty() || v.len() > 255 || !v.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(
                    line(h.span()),
                    "alerts.hostname".into(),
                    "a host name is 1 to 255 printable ASCII characters without spaces".into(),
                ));
            }
            Some(v.clone())
        }
    };
    let mut syslog = Vec::new();
    for (i, s) in section.syslog.iter().enumerate() {
        let key = |k: &str| format!("alerts.syslog[{i}].{k}");
        let (host, port) = host_port(s.address.get_ref()).ok_or_else(|| {
            invalid(
                line(s.address.span()),
                key("address"),
                format!(
                    "`{}` is not host:port such as \"198.51.100.2:514\" or \"[2001:db8::2]:6514\"",
                    s.address.get_ref()
                ),
            )
        })?;
        let transport = match &s.transport {
            None => Transport::Udp,
            Some(t) => match t.get_ref().as_str() {
                "udp" => Transport::Udp,
                "tcp" => Transport::Tcp,
                other => {
                    return Err(invalid(
                        line(t.span()),
                        key("transport"),
                        format!("`{other}` is not a transport; use \"udp\" or \"tcp\""),
                    ));
                }
            },
        };
        let facility = match &s.facility {
            None => Facility::LOCAL0,
            Some(f) => Facility::parse(f.get_ref()).ok_or_else(|| {
                invalid(
                    line(f.span()),
                    key("facility"),
                    format!(
                        "`{}` is not a syslog facility; use a code 0-23 or one of {}",
                        f.get_ref(),
                        Facility::names().join(", ")
                    ),
                )
            })?,
        };
        syslog.push(SyslogTarget {
            host,
            port,
            transport,
            facility,
            min_severity: severity(&s.min_severity, key("min_severity"))?,
        });
    }
    let mut webhooks = Vec::new();
    for (i, w) in section.webhook.iter().enumerate() {
        let key = |k: &str| format!("alerts.webhook[{i}].{k}");
        let at = nth_table_line(text, "alerts.webhook", i);
        let mut target = parse_url(w.url.get_ref())
            .map_err(|why| invalid(line(w.url.span()), key("url"), why))?;
        for (name, value) in &w.headers {
            let lower = name.to_ascii_lowercase();
            let hkey = key(&format!("headers.{name}"));
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(invalid(
                    line(value.span()),
                    hkey,
                    "not a valid header name (letters, digits and -)".into(),
                ));
            }
            if OWN_HEADERS.contains(&lower.as_str()) {
                return Err(invalid(
                    line(value.span()),
                    hkey,
                    format!("Pandian sets `{name}` itself; remove it"),
                ));
            }
            if lower == "authorization" && target.userinfo.is_some() {
                return Err(invalid(
                    line(value.span()),
                    hkey,
                    "the URL has a user and password (sent as HTTP Basic) and an Authorization header; keep one".into(),
                ));
            }
            // The value is never echoed: it may be a secret.
            if hyper::header::HeaderValue::from_str(value.get_ref()).is_err() {
                return Err(invalid(
                    line(value.span()),
                    hkey,
                    "the value has characters a header cannot carry (control characters or non-ASCII)".into(),
                ));
            }
            target.headers.push((lower, value.get_ref().clone()));
        }
        if let Some(t) = &w.timeout {
            target.timeout = match super::parse_duration(t.get_ref()) {
                Some(d) if (1..=120).contains(&d.as_secs()) => d,
                _ => {
                    return Err(invalid(
                        line(t.span()),
                        key("timeout"),
                        format!(
                            "`{}` is not a duration from 1s to 120s such as \"10s\"",
                            t.get_ref()
                        ),
                    ));
                }
            };
        }
        if let Some(ca) = &w.ca_file {
            if !target.https {
                return Err(invalid(
                    line(ca.span()),
                    key("ca_file"),
                    "ca_file is for https:// URLs; this one is http://".into(),
                ));
            }
            if !ca.get_ref().is_absolute() {
                return Err(invalid(
                    line(ca.span()),
                    key("ca_file"),
                    format!(
                        "`{}` is not an absolute path; write e.g. \"/etc/pandian/hooks-ca.pem\"",
                        ca.get_ref().display()
                    ),
                ));
            }
            target.ca_file = Some(ca.get_ref().clone());
        }
        target.min_severity = severity(&w.min_severity, key("min_severity"))?;
        target.line = at;
        webhooks.push(target);
    }
    Ok(AlertSettings {
        hostname,
        syslog,
        webhooks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Settings, parse};

    fn p(text: &str) -> Result<Settings, ConfigError> {
        parse(text, Path::new("/etc/pandian.toml"))
    }

    #[test]
    fn alerts_parse_syslog_and_webhooks() {
        let s = p(r#"
[alerts]
hostname = "inv-1.example.test"

[[alerts.syslog]]
address = "198.51.100.2:514"

[[alerts.syslog]]
address = "[2001:db8::2]:6514"
transport = "tcp"
facility = "daemon"
min_severity = "medium"

[[alerts.webhook]]
url = "https://bot:s%40cret@hooks.example.test/hook/abc?token=SECRET"
timeout = "3s"
min_severity = "high"
ca_file = "/etc/pandian/ca.pem"

[[alerts.webhook]]
url = "http://198.51.100.9:8080"
headers = { Authorization = "Bearer HEADERSECRET", X-Tenant = "ops" }
"#)
        .unwrap();
        let a = &s.alerts;
        assert_eq!(a.hostname.as_deref(), Some("inv-1.example.test"));
        assert_eq!(a.syslog.len(), 2);
        assert_eq!(
            (
                a.syslog[0].host.as_str(),
                a.syslog[0].port,
                a.syslog[0].transport
            ),
            ("198.51.100.2", 514, Transport::Udp)
        );
        assert_eq!(a.syslog[0].facility, Facility::LOCAL0);
        assert_eq!(a.syslog[0].min_severity, Severity::Info);
        assert_eq!(a.syslog[1].host, "2001:db8::2");
        assert_eq!(a.syslog[1].transport, Transport::Tcp);
        assert_eq!(a.syslog[1].facility.code(), 3);
        assert_eq!(a.syslog[1].min_severity, Severity::Medium);
        assert_eq!(a.syslog[1].label(), "syslog tcp://[2001:db8::2]:6514");
        let w = &a.webhooks[0];
        assert!(w.https);
        assert_eq!((w.host.as_str(), w.port), ("hooks.example.test", 443));
        assert_eq!(w.path_and_query, "/hook/abc?token=SECRET");
        assert_eq!(w.userinfo, Some(("bot".into(), "s@cret".into())));
        assert_eq!(w.timeout, Duration::from_secs(3));
        assert_eq!(w.line, 14);
        assert_eq!(w.redacted(), "https://hooks.example.test:443/hook/abc?…");
        let shown = format!("{a:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("cret"),
            "{shown}"
        );
        let w = &a.webhooks[1];
        assert_eq!((w.port, w.path_and_query.as_str()), (8080, "/"));
        assert_eq!(w.timeout, DEFAULT_WEBHOOK_TIMEOUT);
        assert_eq!(
            w.headers[0],
            ("authorization".into(), "Bearer HEADERSECRET".into())
        );
        assert!(!format!("{w:?}").contains("HEADERSECRET"));
        assert!(p("").unwrap().alerts.is_empty());
    }

    #[test]
    fn alerts_errors_name_line_and_key_and_never_echo_secrets() {
        let cases = [
            (
                "[[alerts.syslog]]\naddress = \"198.51.100.2\"\n",
                2,
                "alerts.syslog[0].address",
                "host:port",
            ),
            (
                "[[alerts.syslog]]\naddress = \"a:0\"\n",
                2,
                "alerts.syslog[0].address",
                "host:port",
            ),
            (
                "[[alerts.syslog]]\naddress = \"h:514\"\ntransport = \"tls\"\n",
                3,
                "alerts.syslog[0].transport",
                "udp",
            ),
            (
                "[[alerts.syslog]]\naddress = \"h:514\"\nfacility = \"local9\"\n",
                3,
                "alerts.syslog[0].facility",
                "local7",
            ),
            (
                "[[alerts.syslog]]\naddress = \"h:514\"\nmin_severity = \"urgent\"\n",
                3,
                "alerts.syslog[0].min_severity",
                "high",
            ),
            (
                "[[alerts.webhook]]\nurl = \"ftp://u:SECRET@h/x\"\n",
                2,
                "alerts.webhook[0].url",
                "http",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://u:SECRET@/x?t=SECRET\"\n",
                2,
                "alerts.webhook[0].url",
                "host",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://h/x?t=SECRET\"\ntimeout = \"0s\"\n",
                3,
                "alerts.webhook[0].timeout",
                "1s to 120s",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://h/x\"\nheaders = { \"Bad Name\" = \"SECRET\" }\n",
                3,
                "alerts.webhook[0].headers.Bad Name",
                "header name",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://h/x\"\nheaders = { X-Key = \"SECRET\\nInjected: 1\" }\n",
                3,
                "alerts.webhook[0].headers.X-Key",
                "control",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://h/x\"\nheaders = { Host = \"other\" }\n",
                3,
                "alerts.webhook[0].headers.Host",
                "itself",
            ),
            (
                "[[alerts.webhook]]\nurl = \"http://h/x\"\nca_file = \"/etc/ca.pem\"\n",
                3,
                "alerts.webhook[0].ca_file",
                "https",
            ),
            (
                "[[alerts.webhook]]\nurl = \"https://h/x\"\nca_file = \"ca.pem\"\n",
                3,
                "alerts.webhook[0].ca_file",
                "absolute",
            ),
            (
                "[alerts]\nhostname = \"two words\"\n",
                2,
                "alerts.hostname",
                "printable",
            ),
        ];
        for (text, want_line, want_key, hint) in cases {
            match p(text) {
                Err(ConfigError::Invalid {
                    line, key, message, ..
                }) => {
                    assert_eq!(
                        (line, key.as_str()),
                        (want_line, want_key),
                        "{text}: {message}"
                    );
                    assert!(message.contains(hint), "{text}: {message}");
                    assert!(!message.contains("SECRET"), "{text}: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        let unknown = p("[[alerts.webhook]]\nurl = \"https://h/\"\nretries = 3\n");
        assert!(
            matches!(unknown, Err(ConfigError::Parse { .. })),
            "{unknown:?}"
        );
    }
}
