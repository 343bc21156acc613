//! `pandian findings`: list the findings, acknowledge one.

use super::StoreArgs;
use anyhow::Context;
use pandian::store::Store;
use pandian::store::findings::FindingQuery;
use std::io::Write;
use std::process::ExitCode;

/// `pandian findings` arguments.
#[derive(clap::Args, Debug)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub command: FindingsCommand,
}

/// What to do with findings.
#[derive(clap::Subcommand, Debug)]
pub enum FindingsCommand {
    /// List findings, newest first.
    List(ListArgs),
    /// Acknowledge a finding: it stays open, marked acknowledged with the reason and who.
    Ack(AckArgs),
}

/// `pandian findings list` arguments.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// open, acknowledged or resolved.
    #[arg(long)]
    pub state: Option<String>,
    /// A kind, e.g. unregistered, randomized_mac, unmanaged_switch.
    #[arg(long)]
    pub kind: Option<String>,
    /// info, low, medium or high.
    #[arg(long)]
    pub severity: Option<String>,
    /// Findings about this device id.
    #[arg(long)]
    pub device: Option<i64>,
    /// At most this many (1..=1000).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `pandian findings ack` arguments.
#[derive(clap::Args, Debug)]
pub struct AckArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The finding's id (see `pandian findings list`).
    pub id: i64,
    /// Why it is acceptable.
    #[arg(long)]
    pub reason: String,
    /// Who acknowledges it (default: the user running the command).
    #[arg(long)]
    pub by: Option<String>,
}

pub fn run(args: &FindingsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        FindingsCommand::List(a) => list(a),
        FindingsCommand::Ack(a) => ack(a),
    }
}

fn list(a: &ListArgs) -> anyhow::Result<ExitCode> {
    let (path, _) = a.store.resolve()?;
    let store = Store::open_read_only(&path)?;
    let q = FindingQuery {
        limit: a.limit.clamp(1, 1000),
        after: None,
        kind: a.kind.clone(),
        state: a.state.clone(),
        severity: a.severity.clone(),
        device: a.device,
    };
    q.validate()?;
    let page = store.findings(&q)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        for f in &page.items {
            writeln!(out, "{}", serde_json::to_string(f)?)?;
        }
    } else {
        writeln!(
            out,
            "{:>6}  {:<18} {:<8} {:<12} {:<20} SUMMARY",
            "ID", "KIND", "SEVERITY", "STATE", "LAST SEEN"
        )?;
        for f in &page.items {
            writeln!(
                out,
                "{:>6}  {:<18} {:<8} {:<12} {:<20} {}",
                f.id,
                f.kind,
                f.severity,
                f.state,
                f.last_seen,
                pandian::text::printable(&f.summary)
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ack(a: &AckArgs) -> anyhow::Result<ExitCode> {
    let (path, _) = a.store.resolve()?;
    let by = match &a.by {
        Some(b) => b.clone(),
        None => std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| format!("uid {}", nix::unistd::getuid())),
    };
    let mut store = Store::open(&path)?;
    let now = pandian::timefmt::system(std::time::SystemTime::now());
    let f = store
        .acknowledge_finding(a.id, &a.reason, &by, &now)
        .with_context(|| format!("acknowledging finding {} in {}", a.id, path.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "finding {} ({}) acknowledged by {by}: {}",
        f.id,
        f.kind,
        pandian::text::printable(&f.summary)
    )?;
    Ok(ExitCode::SUCCESS)
}
