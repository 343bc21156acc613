//! `pandian`: the command line. The only place that uses anyhow; everything
//! else returns typed errors.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Pandian (盘点): network-scanning hardware inventory.
///
/// Sweeps subnets with ARP, ICMP and SNMP, fingerprints what answers
/// (class, vendor, model, serial, OS, domestic/foreign origin), keeps the
/// history in SQLite and shows it on a read-only web page.
#[derive(Parser, Debug)]
#[command(name = "pandian", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan targets once and print what answered (stores nothing unless --db).
    Scan(Box<cli::scan::ScanArgs>),
    /// Run the daemon: scan on a schedule, store history, serve the page.
    Serve(cli::serve::ServeArgs),
    /// Check a config file and print what it means; changes nothing.
    CheckConfig(cli::serve::CheckConfigArgs),
    /// Fingerprint SNMP recordings (.snmprec or snmpwalk -On output) offline.
    Fingerprint(cli::fingerprint::FingerprintArgs),
    /// Build a small lab network in namespaces and run the daemon on it (root).
    Demo(cli::demo::DemoArgs),
    /// Regenerate devices, identities and fingerprints from the stored observations.
    Rebuild(cli::rebuild::RebuildArgs),
    /// Hash a password (read from stdin) for [[web.users]] in the config.
    HashPassword(cli::hash_password::HashPasswordArgs),
    /// List findings (shadow IT, policy, register) or acknowledge one.
    Findings(cli::findings::FindingsArgs),
    /// Reports for auditors: `report evidence` writes the audit evidence package.
    Report(cli::report::ReportArgs),
    /// Import or list the approved-asset register (CSV or XLSX).
    Assets(cli::assets::AssetsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        cli::reexec_with_daemon_malloc();
    }
    cli::init_logging();
    let result = match &cli.command {
        Command::Scan(a) => cli::scan::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::CheckConfig(a) => cli::serve::check(a),
        Command::Fingerprint(a) => cli::fingerprint::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Rebuild(a) => cli::rebuild::run(a),
        Command::HashPassword(a) => cli::hash_password::run(a),
        Command::Findings(a) => cli::findings::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Assets(a) => cli::assets::run(a),
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`pandian ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, skipping a cause whose text the message
/// already carries (typed errors often include their source).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
