//! `pandian rebuild`: regenerate the derived tables (devices, addresses,
//! MACs, identity keys and log, fingerprints, asset matches, findings) from
//! the record, holding findings to the config's `[policy]`.

use anyhow::Context;
use pandian::fingerprint::Engine;
use pandian::store::{DeriveOptions, Store};
use std::io::Write;
use std::process::ExitCode;

/// `pandian rebuild` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The record (runs and their observations) and what people entered are never\ntouched; devices keep their ids. Stop the daemon first, or run it while the\ndaemon is idle: the rebuild holds the database's write lock until it is done."
)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub store: super::StoreArgs,
}

pub fn run(args: &RebuildArgs) -> anyhow::Result<ExitCode> {
    let (path, settings) = args.store.resolve()?;
    let (vendors, policy) = settings.map(|s| (s.vendors, s.policy)).unwrap_or_default();
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
