//! `pandian assets import|list`: the approved-asset register.

use anyhow::Context;
use pandian::store::assets::{AssetFilter, ImportPlan, all_assets, all_unmatched_devices};
use pandian::store::{FileAccess, Store};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The config read when `--config` is not given.
const DEFAULT_CONFIG: &str = "/etc/pandian.toml";

/// `pandian assets` arguments.
#[derive(clap::Args, Debug)]
pub struct AssetsArgs {
    #[command(subcommand)]
    pub command: AssetsCommand,
}

/// What to do with the register.
#[derive(clap::Subcommand, Debug)]
pub enum AssetsCommand {
    /// Import a CSV or XLSX register into the configured database.
    Import(ImportArgs),
    /// List the register with each asset's device, then the devices no asset matched.
    List(ListArgs),
}

/// `pandian assets import` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Headers, in any order, English (asset_tag, owner, department, location, serial,\nmac, ip, hostname, vendor, model, purchase_date, warranty_end, notes) or Chinese\n(资产编号, 责任人, 部门, 位置, 序列号, MAC地址, IP地址, 主机名, 厂商, 型号, 购置日期,\n保修截止, 备注); only asset_tag is required. A tag already stored is updated, not\nduplicated; a column the file leaves out keeps its stored values. A file with a\nbad cell is refused with its line and column and nothing is imported."
)]
pub struct ImportArgs {
    /// The config file naming the database (store.path).
    #[arg(long, short = 'c', value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Show what would be added, updated and unchanged; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The register: CSV (UTF-8) or XLSX (its first sheet), told apart by content.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `pandian assets list` arguments.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// The config file naming the database (store.path).
    #[arg(long, short = 'c', value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
}

pub fn run(args: &AssetsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        AssetsCommand::Import(a) => import(a),
        AssetsCommand::List(a) => list(a),
    }
}

fn print_plan(out: &mut impl Write, plan: &ImportPlan, would: bool) -> std::io::Result<()> {
    let (add, update) = if would {
        ("would add", "would update")
    } else {
        ("added", "updated")
    };
    for tag in &plan.added {
        writeln!(out, "  {add} {tag}")?;
    }
    for (tag, columns) in &plan.updated {
        writeln!(out, "  {update} {tag} ({})", columns.join(", "))?;
    }
    Ok(())
}

fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let settings = super::serve::load(&args.config)?;
    let (register, sha) = pandian::daemon::assets::read_register(&args.file)?;
    let name = args.file.display().to_string();
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        // Read-only: a database that does not exist yet stays so.
        let plan = if settings.db_path.exists() {
            let store = Store::open_read_only(&settings.db_path)?;
            store.plan_assets(&register).with_context(|| {
                format!(
                    "reading the register in {} (run `pandian serve` once to upgrade an older database)",
                    settings.db_path.display()
                )
            })?
        } else {
            ImportPlan {
                added: register
                    .assets
                    .iter()
                    .map(|a| a.asset_tag.clone())
                    .collect(),
                ..ImportPlan::default()
            }
        };
        writeln!(
            out,
            "{name}: {} assets; would add {}, update {}, leave {} unchanged (dry run: nothing written)",
            register.assets.len(),
            plan.added.len(),
            plan.updated.len(),
            plan.unchanged
        )?;
        print_plan(&mut out, &plan, true)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut store = Store::open_with(
        &settings.db_path,
        &FileAccess {
            group: settings.db_group.clone(),
        },
    )?;
    let now = pandian::timefmt::system(std::time::SystemTime::now());
    let summary = store
        .import_assets(&register, &name, &sha, &now, false)?
        .context("the import was skipped")?;
    // The findings follow the register at once (not at the next run).
    store.reevaluate_findings(&pandian::store::DeriveOptions {
        policy: std::sync::Arc::new(settings.policy.clone()),
        ..pandian::store::DeriveOptions::default()
    })?;
    writeln!(
        out,
        "{name}: {} assets; added {}, updated {}, unchanged {}; {} matched to devices (import {} into {})",
        register.assets.len(),
        summary.plan.added.len(),
        summary.plan.updated.len(),
        summary.plan.unchanged,
        summary.matched,
        summary.import_id,
        settings.db_path.display()
    )?;
    print_plan(&mut out, &summary.plan, false)?;
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let settings = super::serve::load(&args.config)?;
    if !settings.db_path.exists() {
        anyhow::bail!(
            "{} does not exist yet: no register was imported; run `pandian assets import --config {} FILE`",
            settings.db_path.display(),
            args.config.display()
        );
    }
    let store = Store::open_read_only(&settings.db_path)?;
    let conn = store.connection();
    let what = || format!("reading the register in {}", settings.db_path.display());
    let rows = all_assets(conn, AssetFilter::All).with_context(what)?;
    let devices = all_unmatched_devices(conn).with_context(what)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "asset_tag\towner\tdevice\tmethod\tconfidence\tevidence"
    )?;
    for r in &rows {
        let a = &r.asset;
        match &r.matched {
            Some(m) => writeln!(
                out,
                "{}\t{}\t{}\t{}\t{:.1}\t{}",
                a.asset_tag,
                a.owner.as_deref().unwrap_or(""),
                m.device_id,
                m.method,
                m.confidence,
                m.evidence
            )?,
            None => writeln!(
                out,
                "{}\t{}\t-\tunmatched\t\t",
                a.asset_tag,
                a.owner.as_deref().unwrap_or("")
            )?,
        }
    }
    writeln!(out, "\ndevices no asset matched: {}", devices.len())?;
    for d in &devices {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            d.id,
            d.ip.as_deref().unwrap_or(""),
            d.mac.as_deref().unwrap_or(""),
            d.hostname.as_deref().unwrap_or(""),
            d.vendor.as_deref().unwrap_or("")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
