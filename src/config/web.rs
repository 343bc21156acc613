//! `[web]` beyond the address: who may read the page (HTTP Basic users
//! with Argon2 hashes, a bearer-token file), TLS files and the plain-HTTP
//! redirect, validated with the config's line numbers. Pure: the files are
//! named here and read when the daemon starts.

use super::{ConfigError, WebSection, line_of, nth_table_line};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// `[web]` beyond the address: authentication and TLS. Files are named here
/// and read when the daemon starts (`web::auth`, `web::tls`), so their errors
/// can point back at the config line.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// HTTP Basic users with validated Argon2 hashes.
    pub users: Vec<WebUser>,
    /// The bearer-token file.
    pub token_file: Option<Located<PathBuf>>,
    /// Certificate and key, always both or neither.
    pub tls: Option<TlsFiles>,
    /// Where the plain-HTTP redirect listens.
    pub redirect_http: Option<SocketAddr>,
    /// Host names the page answers to besides its own addresses and
    /// `localhost`, lower case.
    pub hosts: Vec<String>,
}

impl WebSettings {
    /// Whether requests must authenticate (any user or a token configured).
    pub fn auth_enabled(&self) -> bool {
        !self.users.is_empty() || self.token_file.is_some()
    }
}

/// A `[[web.users]]` entry after validation.
#[derive(Clone)]
pub struct WebUser {
    /// User name.
    pub name: String,
    /// Argon2 PHC string (parsed once at validation).
    pub password_hash: String,
}

impl std::fmt::Debug for WebUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebUser")
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// `web.tls_cert` and `web.tls_key`.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain.
    pub cert: Located<PathBuf>,
    /// PEM private key.
    pub key: Located<PathBuf>,
}

/// A value with the config line it came from (0: not from the file).
#[derive(Debug, Clone)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// 1-based line in the config file.
    pub line: usize,
}

pub(super) fn validate_web(
    section: &WebSection,
    listen: SocketAddr,
    text: &str,
    path: &Path,
) -> Result<WebSettings, ConfigError> {
    let line = |span: std::ops::Range<usize>| {
        if span.is_empty() {
            0
        } else {
            line_of(text, span.start)
        }
    };
    let invalid = |line: usize, key: &str, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key: key.to_string(),
        message,
    };
    let mut users: Vec<WebUser> = Vec::with_capacity(section.users.len());
    for (i, u) in section.users.iter().enumerate() {
        let at = nth_table_line(text, "web.users", i);
        if u.name.is_empty() || u.name.contains(':') || u.name.chars().any(char::is_control) {
            return Err(invalid(
                at,
                &format!("web.users[{i}].name"),
                "a user name must be non-empty, without `:` or control characters".into(),
            ));
        }
        if users.iter().any(|k| k.name == u.name) {
            return Err(invalid(
                at,
                &format!("web.users[{i}].name"),
                format!("the user `{}` is listed twice", u.name),
            ));
        }
        if !is_argon2_hash(&u.password_hash) {
            return Err(invalid(
                at,
                &format!("web.users[{i}].password_hash"),
                "not an Argon2 hash (`$argon2id$v=19$m=...`); make one with \
                 `pandian hash-password` (it reads the password from stdin)"
                    .into(),
            ));
        }
        users.push(WebUser {
            name: u.name.clone(),
            password_hash: u.password_hash.clone(),
        });
    }
    let located = |s: &Spanned<PathBuf>, key: &str| -> Result<Located<PathBuf>, ConfigError> {
        let l = line(s.span());
        if !s.get_ref().is_absolute() {
            return Err(invalid(
                l,
                key,
                format!(
                    "`{}` is not an absolute path; write e.g. \"/etc/pandian/...\"",
                    s.get_ref().display()
                ),
            ));
        }
        Ok(Located {
            value: s.get_ref().clone(),
            line: l,
        })
    };
    let token_file = section
        .token_file
        .as_ref()
        .map(|t| located(t, "web.token_file"))
        .transpose()?;
    let tls = match (&section.tls_cert, &section.tls_key) {
        (Some(c), Some(k)) => Some(TlsFiles {
            cert: located(c, "web.tls_cert")?,
            key: located(k, "web.tls_key")?,
        }),
        (None, None) => None,
        (Some(c), None) => {
            return Err(invalid(
                line(c.span()),
                "web.tls_key",
                "web.tls_cert is set but web.tls_key is not; give both PEM files".into(),
            ));
        }
        (None, Some(k)) => {
            return Err(invalid(
                line(k.span()),
                "web.tls_cert",
                "web.tls_key is set but web.tls_cert is not; give both PEM files".into(),
            ));
        }
    };
    let redirect_http = match &section.redirect_http {
        None => None,
        Some(r) => {
            let addr = r.get_ref().parse::<SocketAddr>().map_err(|_| {
                invalid(
                    line(r.span()),
                    "web.redirect_http",
                    format!(
                        "`{}` is not an address:port such as \"0.0.0.0:80\"",
                        r.get_ref()
                    ),
                )
            })?;
            if tls.is_none() {
                return Err(invalid(
                    line(r.span()),
                    "web.redirect_http",
                    "redirects to the HTTPS page, so it needs web.tls_cert and web.tls_key".into(),
                ));
            }
            if addr == listen {
                return Err(invalid(
                    line(r.span()),
                    "web.redirect_http",
                    format!("{addr} is also web.listen; pick another port (usually 80)"),
                ));
            }
            Some(addr)
        }
    };
    let mut hosts: Vec<String> = Vec::with_capacity(section.hosts.len());
    for h in &section.hosts {
        let name = h
            .get_ref()
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if !is_host_name(&name) {
            return Err(invalid(
                line(h.span()),
                "web.hosts",
                format!(
                    "`{}` is not a host name; list names such as \"pandian.example.com\" \
                     (no scheme, port or path; the server's own addresses need no entry)",
                    h.get_ref().chars().take(80).collect::<String>()
                ),
            ));
        }
        if !hosts.contains(&name) {
            hosts.push(name);
        }
    }
    let web = WebSettings {
        users,
        token_file,
        tls,
        redirect_http,
        hosts,
    };
    if !web.auth_enabled() && !listen.ip().is_loopback() {
        return Err(invalid(
            line(section.listen.span()),
            "web.listen",
            format!(
                "{listen} is reachable from other machines but the page has no \
                 authentication; add [[web.users]] (hash a password with `pandian \
                 hash-password`) or web.token_file, or listen on 127.0.0.1"
            ),
        ));
    }
    Ok(web)
}

/// Whether `name` is a DNS host name: dot-separated labels of letters,
/// digits and inner hyphens, at most 253 characters, not an address.
fn is_host_name(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name.parse::<std::net::IpAddr>().is_err()
        && name.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// Whether `s` is an Argon2 PHC string with the parts a verifier needs.
fn is_argon2_hash(s: &str) -> bool {
    argon2::PasswordHash::new(s).is_ok_and(|h| {
        matches!(h.algorithm.as_str(), "argon2id" | "argon2i" | "argon2d")
            && h.salt.is_some()
            && h.hash.is_some()
    })
}
