//! `pandian demo`: a lab network in namespaces and the daemon scanning it.

use anyhow::Context;
use pandian::daemon::{netns, signals};
use pandian::lab::{self, Lab};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// `pandian demo` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Needs root and Debian packages iproute2, snmpd, nftables and dnsmasq-base.\nEverything it makes (namespaces pdm*-*, 198.18.0.0/15 addresses, agents, /etc/netns\nentries, a private working directory) is removed when it stops: on Ctrl-C, SIGTERM,\nSIGHUP (a closed terminal) or after --duration."
)]
pub struct DemoArgs {
    /// Where the status page listens (in the machine's own namespace).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// Time between scans.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub interval: String,
    /// Stop by itself after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
}

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    if !lab::is_root() {
        anyhow::bail!(
            "the demo builds network namespaces and needs root: sudo {} demo",
            std::env::args().next().unwrap_or_else(|| "pandian".into())
        );
    }
    // First, before any thread: SIGINT, SIGTERM and SIGHUP (a closed
    // terminal) all stop the demo, and it removes what it made.
    let routed = signals::route(signals::OnHangup::Stop)?;
    // Check the flags, and take the port, before building anything.
    let listen: std::net::SocketAddr = args.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen `{}` is not an address:port such as 127.0.0.1:8080",
            args.listen
        )
    })?;
    match pandian::config::parse_duration(&args.interval) {
        Some(d) if d >= std::time::Duration::from_secs(10) => {}
        _ => anyhow::bail!(
            "--interval `{}` is not a duration of at least 10s (e.g. 60s, 5m)",
            args.interval
        ),
    }
    let listener = super::serve::bind(listen, "--listen; pick another with --listen ADDR:PORT")?;
    let removed = lab::remove_stale("pdm");
    if removed > 0 {
        eprintln!(
            "removed {removed} namespace(s) left by an earlier demo that was stopped while starting"
        );
    }
    let prefix = format!("pdm{}", std::process::id() % 100_000);
    let spec = lab::standard(&prefix, 0);
    eprintln!("building the lab network (namespaces {prefix}-*) ...");
    let lab = Lab::up(spec).context("building the demo lab")?;
    if routed.stop.is_set() {
        eprintln!("stopped while the lab was being built; removing it");
        drop(lab);
        return Ok(ExitCode::SUCCESS);
    }
    let config_path = lab.dir().join("pandian.toml");
    pandian::files::write_new(
        &config_path,
        demo_config(&lab, &listen.to_string(), &args.interval).as_bytes(),
        0o600,
    )
    .context("writing the demo config")?;
    let mut settings = super::serve::load(&config_path)?;
    settings.resolv_conf = netns::resolv_conf(&lab.scanner_ns());
    eprintln!();
    eprintln!(
        "  Pandian demo: scanning {} from namespace {}",
        pandian::scan::describe(&settings.all_targets()),
        lab.scanner_ns()
    );
    eprintln!(
        "  Status page:  http://{}/   (JSON: /api/v1/devices)",
        settings.listen
    );
    eprintln!("  Stop with Ctrl-C; the lab is removed on exit.");
    eprintln!();
    netns::enter(&lab.scanner_ns())?;
    if let Some(secs) = args.duration {
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(secs));
            // SIGTERM to ourselves: the daemon's normal clean stop.
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGTERM);
        });
    }
    let code = super::serve::serve_with(settings, &config_path, listener, None, routed);
    drop(lab);
    code
}

fn demo_config(lab: &Lab, listen: &str, interval: &str) -> String {
    let spec = lab.spec();
    let mut communities: Vec<String> = spec
        .hosts
        .iter()
        .filter_map(|h| h.snmpd.as_ref())
        .flat_map(|s| s.communities.clone())
        .collect();
    // First appearance order: the most common community first.
    let mut seen = std::collections::HashSet::new();
    communities.retain(|c| seen.insert(c.clone()));
    let mut c = String::new();
    let subnets: Vec<String> = (0..spec.segments())
        .map(|s| format!("\"{}\"", spec.segment_net(s)))
        .collect();
    let _ = writeln!(
        c,
        "[scan]\nsubnets = [{}]\ninterval = \"{interval}\"\nrate = 2000\ntimeout_ms = 500\nreverse_dns = true\n",
        subnets.join(", ")
    );
    let _ = writeln!(c, "[snmp]\ntimeout_ms = 700\nretries = 1\n");
    for (i, community) in communities.iter().enumerate() {
        let _ = writeln!(
            c,
            "[[snmp.credentials]]\nname = \"demo-{i}\"\nversion = \"2c\"\ncommunity = \"{community}\"\n"
        );
    }
    let db: PathBuf = pandian::daemon::demo_db(lab.dir());
    let _ = writeln!(
        c,
        "[store]\npath = \"{}\"\n\n[web]\nlisten = \"{listen}\"",
        db.display()
    );
    c
}
