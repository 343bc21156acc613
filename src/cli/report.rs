//! `pandian report evidence`: the audit evidence package for one UTC day,
//! written to a zip that appears whole or not at all.

use anyhow::Context;
use pandian::output::{self, Access};
use pandian::report::evidence;
use pandian::store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `pandian report` arguments.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The reports.
#[derive(clap::Subcommand, Debug)]
pub enum ReportCommand {
    /// Write the audit evidence package (a zip) for one day.
    Evidence(EvidenceArgs),
}

/// `pandian report evidence` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The zip holds, with Chinese and English headers: the inventory, the approved\nregister and its matches, the findings, the origin report (CSV, XLSX, JSON),\nevery scan run with its parameters and coverage, a README, and MANIFEST with\nthe SHA-256 of every other file (check: unzip, then sha256sum -c MANIFEST).\nThe state is the one at the end of the day: runs started and findings first\nseen by 23:59:59 UTC. The database is only read. The file is created 0600\n(0640 and store.group's when the config names one), written to a temporary\nfile and moved into place, so a failure leaves no partial zip; an existing\nfile is never replaced unless --force."
)]
pub struct EvidenceArgs {
    /// The database: a config (store.path; store.group sets the zip's group) or the file.
    #[command(flatten)]
    pub store: super::StoreArgs,
    /// The day (UTC) whose end the package describes; today by default.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Where to write the zip.
    #[arg(long, value_name = "FILE.zip")]
    pub out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ReportCommand::Evidence(a) => run_evidence(a),
    }
}

fn group_id(name: &str) -> anyhow::Result<u32> {
    match nix::unistd::Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        Ok(None) => anyhow::bail!(
            "store.group `{name}` is not a group on this machine; create it (groupadd {name}) or leave the key out"
        ),
        Err(e) => anyhow::bail!("store.group `{name}`: {e}"),
    }
}

fn run_evidence(args: &EvidenceArgs) -> anyhow::Result<ExitCode> {
    let (path, settings) = args.store.resolve()?;
    let group = settings.and_then(|s| s.db_group);
    let now = pandian::timefmt::system(std::time::SystemTime::now());
    let date = args
        .date
        .clone()
        .unwrap_or_else(|| evidence::day_of(&now).to_string());
    let cutoff = evidence::cutoff_of(&date)?;
    if !path.exists() {
        anyhow::bail!(
            "database {} does not exist; check store.path, or run a scan first",
            path.display()
        );
    }
    let store = Store::open_read_only(&path)?;
    let version = store.version()?;
    if version < pandian::store::schema_version() {
        anyhow::bail!(
            "database {} has schema version {version}; start `pandian serve` (or run `pandian rebuild`) once to upgrade it, then ask again",
            path.display()
        );
    }
    let data = store
        .evidence(&now, &date, &cutoff)
        .with_context(|| format!("reading {}", path.display()))?;
    let bytes = evidence::package(&data)?;
    let access = Access {
        gid: group.as_deref().map(group_id).transpose()?,
    };
    output::write_atomic(&args.out, &bytes, access, args.force)?;
    writeln!(
        std::io::stdout().lock(),
        "{}: evidence as of {cutoff}: {} devices, {} assets, {} findings, {} runs ({} bytes, SHA-256 {})",
        args.out.display(),
        data.inventory.len(),
        data.assets.len(),
        data.findings.len(),
        data.scans.len(),
        bytes.len(),
        evidence::sha256_hex(&bytes)
    )?;
    Ok(ExitCode::SUCCESS)
}
