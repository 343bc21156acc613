//! `pandian serve` and `pandian check-config`.

use pandian::config::{self, Settings};
use pandian::daemon::{self, netns, signals};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `pandian serve` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Print a commented example config: pandian check-config --template\n\nSignals: SIGHUP reads the config again (used from the next scan; [alerts] at\nonce; web.listen, store.path and store.group need a restart; an invalid file is\nlogged and the running config stays; the [assets] file is imported again if it\nchanged). SIGINT and SIGTERM stop cleanly."
)]
pub struct ServeArgs {
    /// The TOML config file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Bind the web page here first, then scan from inside this network
    /// namespace (as made by `ip netns add`; needs root).
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,
}

/// `pandian check-config` arguments.
#[derive(clap::Args, Debug)]
pub struct CheckConfigArgs {
    /// The TOML config file to check.
    #[arg(
        long,
        short = 'c',
        value_name = "FILE",
        required_unless_present = "template"
    )]
    pub config: Option<PathBuf>,
    /// Print a commented example config instead.
    #[arg(long)]
    pub template: bool,
}

/// Load a config, printing warnings; errors carry file, line and key.
pub fn load(path: &Path) -> anyhow::Result<Settings> {
    let (settings, warnings) = config::load(path)?;
    for w in warnings {
        tracing::warn!("{w}");
    }
    Ok(settings)
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    // First, before any thread: SIGHUP reloads, SIGINT/SIGTERM stop cleanly.
    let routed = signals::route(signals::OnHangup::Reload)?;
    let mut settings = load(&args.config)?;
    if let Some(ns) = &args.netns {
        netns::check_name(ns)?;
        settings.resolv_conf = netns::resolv_conf(ns);
    }
    let listener = bind(
        settings.listen,
        &format!("web.listen in {}", args.config.display()),
    )?;
    let redirect = settings
        .web
        .redirect_http
        .map(|addr| {
            bind(
                addr,
                &format!("web.redirect_http in {}", args.config.display()),
            )
        })
        .transpose()?;
    if let Some(ns) = &args.netns {
        netns::enter(ns)?;
    }
    serve_with(settings, &args.config, listener, redirect, routed)
}

/// Bind the page's listener, explaining the usual failures. `whence` says
/// where the address came from (`web.listen in FILE`, `--listen`).
pub fn bind(addr: std::net::SocketAddr, whence: &str) -> anyhow::Result<std::net::TcpListener> {
    pandian::web::serve::bind(addr).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(libc::EADDRINUSE) => {
                "the port is already in use (is another Pandian running?); stop it or pick another port"
            }
            Some(libc::EADDRNOTAVAIL) => {
                "that address is not local to this machine (or network namespace); use one of its own addresses, 127.0.0.1, or 0.0.0.0"
            }
            Some(libc::EACCES) => {
                "ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port from 1024 up"
            }
            _ => "",
        };
        if why.is_empty() {
            anyhow::anyhow!("cannot listen on {addr} ({whence}): {e}")
        } else {
            anyhow::anyhow!("cannot listen on {addr} ({whence}): {why} ({e})")
        }
    })
}

/// Run the daemon on already-bound listeners (the page's, and
/// `web.redirect_http`'s) until SIGTERM/SIGINT (and, for the demo, SIGHUP);
/// `routed` comes from [`signals::route`].
pub fn serve_with(
    settings: Settings,
    config_path: &Path,
    listener: std::net::TcpListener,
    redirect: Option<std::net::TcpListener>,
    routed: signals::Routed,
) -> anyhow::Result<ExitCode> {
    let rt = super::runtime()?;
    rt.block_on(daemon::run(
        settings,
        config_path,
        listener,
        redirect,
        routed.stop,
        routed.reload,
    ))?;
    Ok(ExitCode::SUCCESS)
}

pub fn check(args: &CheckConfigArgs) -> anyhow::Result<ExitCode> {
    if args.template {
        write!(std::io::stdout().lock(), "{}", config::TEMPLATE)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(path) = &args.config else {
        anyhow::bail!("give --config FILE or --template");
    };
    let s = load(path)?;
    // The token, certificate and key are read now, so a file that serve
    // would refuse fails the check before it says OK.
    let web = web_summary(&s, path)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: OK", path.display())?;
    if s.jobs.is_empty() {
        writeln!(
            out,
            "  scan:        nothing (no [scan] subnets, no [[job]]): the daemon only serves the page"
        )?;
    }
    if !s.exclude.is_empty() {
        writeln!(out, "  exclude:     {} (every job)", summarise(&s.exclude))?;
    }
    for j in &s.jobs {
        let addresses = pandian::target::expand(&j.targets, &j.exclude)?;
        if addresses.is_empty() {
            eprintln!(
                "warning: {}: job `{}`: its exclusions cover every address of its targets; it would scan nothing",
                path.display(),
                j.name
            );
        }
        let creds: Vec<&str> = j.credentials.iter().map(|c| c.name()).collect();
        let jitter = match j.jitter {
            Some(d) => config::format_duration(d),
            None => "a tenth of the period".to_string(),
        };
        writeln!(
            out,
            "  job {}:\n    targets:   {} ({} addresses)\n    schedule:  {}, jitter {}\n    probes:    {}, {} packets/s, reply timeout {:?}\n    snmp:      {}, depth {}",
            j.name,
            summarise(&j.targets),
            addresses.len(),
            j.schedule,
            jitter,
            {
                let mut names = j.probes.names().join(",");
                if j.probes.segment {
                    names.push_str(" + segment probes (DHCP discover)");
                }
                names
            },
            j.rate,
            j.probe_timeout,
            if creds.is_empty() || !j.probes.snmp {
                "off".to_string()
            } else {
                creds.join(", ")
            },
            match j.snmp_depth {
                pandian::job::Depth::Full => "full",
                pandian::job::Depth::System => "system",
            }
        )?;
    }
    let creds: Vec<String> = s
        .credentials
        .iter()
        .map(|c| format!("{} (v{})", c.name(), c.version_label()))
        .collect();
    writeln!(
        out,
        "  snmp:        {}",
        if creds.is_empty() {
            "no credentials: SNMP off".to_string()
        } else {
            creds.join(", ")
        }
    )?;
    writeln!(out, "  database:    {}", s.db_path.display())?;
    if let Some(file) = &s.assets.file {
        // serve starts with a bad register (keeping the stored one), so
        // this warns instead of failing the check.
        match daemon::assets::read_register(file) {
            Ok((r, _)) => writeln!(
                out,
                "  assets:      {} ({} assets)",
                file.display(),
                r.assets.len()
            )?,
            Err(e) => {
                writeln!(
                    out,
                    "  assets:      {} (not importable, see the warning)",
                    file.display()
                )?;
                eprintln!("warning: {e}");
            }
        }
    }
    for line in web {
        writeln!(out, "{line}")?;
    }
    for line in alerts_summary(&s)? {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `[alerts]` sends where, after reading webhook CA files the way
/// `serve` will. Webhook URLs are shown redacted (no user info, no query)
/// and header values never.
fn alerts_summary(s: &Settings) -> anyhow::Result<Vec<String>> {
    pandian::alert::send::check(&s.alerts).map_err(|e| anyhow::anyhow!("[alerts]: {e}"))?;
    let dests = pandian::alert::send::Destination::all(&s.alerts);
    if dests.is_empty() {
        return Ok(vec![
            "  alerts:      none ([alerts] has no syslog or webhook)".into(),
        ]);
    }
    let mut lines = Vec::new();
    for d in dests {
        let detail = match &d {
            pandian::alert::send::Destination::Syslog(t) => format!(
                "facility {}, {} and above",
                t.facility.name(),
                t.min_severity.as_str()
            ),
            pandian::alert::send::Destination::Webhook(w) => {
                let mut parts = vec![
                    format!("{} and above", w.min_severity.as_str()),
                    format!("timeout {}", config::format_duration(w.timeout)),
                ];
                if !w.headers.is_empty() {
                    let names: Vec<&str> = w.headers.iter().map(|(k, _)| k.as_str()).collect();
                    parts.push(format!("headers {}", names.join(", ")));
                }
                if w.userinfo.is_some() {
                    parts.push("HTTP Basic from the URL".into());
                }
                if let Some(ca) = &w.ca_file {
                    parts.push(format!("CA {}", ca.display()));
                }
                parts.join(", ")
            }
        };
        lines.push(format!("  alerts:      {} ({detail})", d.label()));
    }
    Ok(lines)
}

/// Up to ten targets as written; past that, the first few and a count.
fn summarise(list: &[pandian::target::Target]) -> String {
    const SHOWN: usize = 10;
    if list.len() <= SHOWN {
        return pandian::scan::describe(list);
    }
    format!(
        "{} ... ({} entries)",
        pandian::scan::describe(list.get(..5).unwrap_or_default()),
        list.len()
    )
}

/// What `[web]` means, after reading the token file and loading the
/// certificate and key the way `serve` will (errors name the config line).
fn web_summary(s: &Settings, path: &Path) -> anyhow::Result<Vec<String>> {
    let auth = pandian::web::auth::Auth::from_settings(&s.web, path)?;
    if let Some(files) = &s.web.tls {
        pandian::web::tls::server_config(files, path)?;
    }
    let scheme = if s.web.tls.is_some() { "https" } else { "http" };
    let mut lines = vec![format!("  status page: {scheme}://{}/", s.listen)];
    if let Some(files) = &s.web.tls {
        lines.push(format!(
            "  tls:         {} with key {}",
            files.cert.value.display(),
            files.key.value.display()
        ));
    }
    if let Some(r) = s.web.redirect_http {
        lines.push(format!(
            "  http:        {r} answers /healthz and redirects to https"
        ));
    }
    let mut who: Vec<String> = s
        .web
        .users
        .iter()
        .map(|u| format!("user `{}`", u.name))
        .collect();
    if let Some(t) = &s.web.token_file {
        who.push(format!("bearer token in {}", t.value.display()));
    }
    lines.push(if auth.is_some() {
        format!("  auth:        {}; /healthz is open", who.join(", "))
    } else {
        "  auth:        off (allowed because the page listens on loopback only)".to_string()
    });
    Ok(lines)
}
