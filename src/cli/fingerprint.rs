//! `pandian fingerprint FILE... [--format jsonl|table]`: identify devices
//! from saved SNMP walks (snmpsim `.snmprec` or `snmpwalk -On` output,
//! detected per file), offline. One line per file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pandian::facts::DeviceFacts;
use pandian::fingerprint::{Engine, Identity};

/// Output format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per line, with evidence.
    Jsonl,
    /// An aligned text table; evidence as the rule ids behind each field.
    Table,
}

/// Identify devices from SNMP recordings, offline.
#[derive(clap::Args, Debug)]
pub struct FingerprintArgs {
    /// Recordings to read: snmpsim `.snmprec` or `snmpwalk -On` output
    /// (at most 256 MiB each).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// A config file whose `[[vendor]]` table to apply (its other sections
    /// are checked but unused).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(serde::Serialize)]
struct Line<'a> {
    file: String,
    format: pandian::recording::Format,
    #[serde(flatten)]
    identity: &'a Identity,
    /// Lines of the recording that could not be read.
    skipped_lines: usize,
}

/// Run the subcommand. Unreadable files are reported on stderr and make the
/// exit status 1; the other files are still processed.
pub fn run(args: &FingerprintArgs) -> anyhow::Result<ExitCode> {
    let mut engine = Engine::builtin().context("the built-in fingerprint rules are invalid")?;
    if let Some(c) = &args.config {
        engine = engine.with_overrides(super::serve::load(c)?.vendors);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    let mut rows = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        let rec = match read_recording(path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot read {shown}: {e}; skipping it");
                failed += 1;
                continue;
            }
        };
        if rec.facts.is_empty() {
            eprintln!(
                "error: {shown}: no SNMP values found; expected a .snmprec recording or `snmpwalk -On` output; skipping it"
            );
            failed += 1;
            continue;
        }
        if let Some(first) = rec.problems.first() {
            eprintln!(
                "warning: {shown}: {} line(s) skipped or changed; first: {first}",
                rec.problem_count
            );
        }
        let identity = engine.identify(&DeviceFacts {
            snmp: rec.facts,
            ..DeviceFacts::default()
        });
        match args.format {
            OutputFormat::Jsonl => {
                let line = Line {
                    file: shown,
                    format: rec.format,
                    identity: &identity,
                    skipped_lines: rec.problem_count,
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
            OutputFormat::Table => rows.push(table_row(shown, &identity)),
        }
    }
    if args.format == OutputFormat::Table {
        write_table(&mut out, &rows)?;
    }
    out.flush()?;
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} file(s) could not be read or held no SNMP values",
            args.files.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Read one recording as a stream, at most
/// [`MAX_RECORDING_BYTES`](pandian::recording::MAX_RECORDING_BYTES).
fn read_recording(
    path: &std::path::Path,
) -> Result<pandian::recording::Recording, pandian::files::ReadError> {
    use pandian::files::{ReadError, open_capped};
    use pandian::recording::{MAX_RECORDING_BYTES, parse_reader};
    let (file, hint) = open_capped(path, MAX_RECORDING_BYTES)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let rec = parse_reader(&mut reader, hint)?;
    if reader.get_ref().exceeded() {
        return Err(ReadError::TooLarge(MAX_RECORDING_BYTES));
    }
    Ok(rec)
}

const HEADERS: [&str; 10] = [
    "file",
    "class",
    "vendor",
    "model",
    "serial",
    "os",
    "firmware",
    "vendor_origin",
    "confidence",
    "evidence",
];

fn table_row(file: String, id: &Identity) -> [String; 10] {
    let s = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let evidence = id
        .evidence
        .iter()
        .map(|e| format!("{}={}", e.field, e.rule))
        .collect::<Vec<_>>()
        .join(",");
    [
        file,
        s(&id.class),
        s(&id.vendor),
        s(&id.model),
        s(&id.serial),
        s(&id.os),
        s(&id.firmware),
        s(&id.vendor_origin),
        format!("{:.2}", id.confidence),
        evidence,
    ]
}

fn write_table(out: &mut impl Write, rows: &[[String; 10]]) -> std::io::Result<()> {
    let clip = |s: &str| -> String {
        let one_line = s.replace(['\n', '\r', '\t'], " ");
        if one_line.chars().count() > 40 {
            let mut c: String = one_line.chars().take(39).collect();
            c.push('…');
            c
        } else {
            one_line
        }
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 || i + 1 == r.len() {
                        c.clone()
                    } else {
                        clip(c)
                    }
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.len()).collect();
    for r in &cells {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cols: &[String]| -> std::io::Result<()> {
        let last = cols.len().saturating_sub(1);
        for (i, (c, w)) in cols.iter().zip(&widths).enumerate() {
            if i == last {
                writeln!(out, "{c}")?;
            } else {
                let pad = w.saturating_sub(c.chars().count());
                write!(out, "{c}{}  ", " ".repeat(pad))?;
            }
        }
        Ok(())
    };
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    line(out, &header)?;
    for r in &cells {
        line(out, r)?;
    }
    Ok(())
}
