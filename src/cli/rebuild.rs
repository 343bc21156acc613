//! `pandian rebuild`: regenerate the derived tables (devices, addresses,
//! MACs, identity keys and log, fingerprints, asset matches, findings) from
//! the record, holding findings to the config's `[policy]`.

use anyhow::Context;
use pandian::fingerprint::Engine;
use pandian::store::{DeriveOptions, Store};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `pandian rebuild` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The record (runs and their observations) and what people entered are never\ntouched; devices keep their ids. Stop the daemon first, or run it while the\ndaemon is idle: the rebuild holds the database's write lock until it is done."
)]
pub struct RebuildArgs {
    /// The config file naming the database (store.path).
    #[arg(long, short = 'c', value_name = "FILE", conflicts_with = "db")]
    pub config: Option<PathBuf>,
    /// The database file itself (findings then use the default policy).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

pub fn run(args: &RebuildArgs) -> anyhow::Result<ExitCode> {
    let (path, vendors, policy) = match (&args.db, &args.config) {
        (Some(db), _) => (db.clone(), Default::default(), Default::default()),
        (None, Some(c)) => {
            let s = super::serve::load(c)?;
            (s.db_path, s.vendors, s.policy)
        }
        (None, None) => anyhow::bail!("give --config FILE or --db FILE"),
    };
    let engine = Engine::builtin()
        .map_err(|e| anyhow::anyhow!("fingerprint rules: {e}"))?
        .with_overrides(vendors);
    let started = std::time::Instant::now();
    let mut store = Store::open(&path)?;
    let runs = store
        .rebuild(
            &engine,
            &DeriveOptions {
                policy: std::sync::Arc::new(policy),
                ..DeriveOptions::default()
            },
        )
        .with_context(|| format!("rebuilding {}", path.display()))?;
    let o = store.overview()?;
    writeln!(
        std::io::stdout().lock(),
        "{}: rebuilt from {runs} runs: {} devices, in {:.1}s",
        path.display(),
        o.devices,
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}
