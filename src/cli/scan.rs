//! `pandian scan`: one sweep, printed.

use anyhow::Context;
use pandian::fingerprint::Engine;
use pandian::inventory::{self, Device};
use pandian::pipeline::{self, Probes, RunPlan};
use pandian::snmp::{self, Collector, CollectorOptions, Depth};
use pandian::store::{DeriveOptions, Store};
use pandian::target::{self, Target};
use pandian::timefmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Only the run's counts: nothing is kept for printing, so memory does
    /// not grow with the targets (with --db the devices are in the store).
    Summary,
}

/// `pandian scan` arguments.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  pandian scan 198.51.100.0/24 --credentials /etc/pandian/credentials.toml\n  PANDIAN_COMMUNITIES=public pandian scan 198.51.100.10-20 --format json\n  PANDIAN_V3_USER=ops PANDIAN_V3_AUTH=sha256:PASS PANDIAN_V3_PRIV=aes:PASS \\\n      pandian scan 198.51.100.0/24\n\nSNMP secrets: give them in a file (--credentials FILE: [[snmp.credentials]] tables as in\nthe config, chmod 600) or in the environment (PANDIAN_COMMUNITIES=a,b; PANDIAN_V3_USER,\nPANDIAN_V3_AUTH and PANDIAN_V3_PRIV as PROTO:PASS): every local user can read command-line\nflags with `ps`, so --community, --v3-auth and --v3-priv are for quick tries on your own machine.\n\nARP and ICMP need root or CAP_NET_RAW (setcap cap_net_raw+ep $(command -v pandian))."
)]
pub struct ScanArgs {
    /// Addresses, CIDR blocks (198.51.100.0/24) or ranges (198.51.100.10-20).
    #[arg(
        required_unless_present = "job",
        conflicts_with = "job",
        value_name = "TARGET"
    )]
    pub targets: Vec<String>,
    /// Run this `[[job]]` of --config once, now, exactly as the daemon
    /// would (its targets, exclusions, credentials, probes, rate and depth;
    /// `default` is the [scan] section's).
    #[arg(
        long,
        value_name = "NAME",
        requires = "config",
        conflicts_with_all = ["credentials", "communities", "v3_user", "exclude", "probes", "rate"]
    )]
    pub job: Option<String>,
    /// The daemon's config, for --job.
    #[arg(long, value_name = "FILE", requires = "job")]
    pub config: Option<PathBuf>,
    /// SNMP credentials: a TOML file of [[snmp.credentials]] tables, as in the
    /// config (refused when other users may read it). No credential: no SNMP.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// SNMP v2c/v1 community to try, in order (repeatable). Visible to every
    /// local user in `ps`: prefer --credentials or PANDIAN_COMMUNITIES.
    #[arg(long = "community", short = 'c', value_name = "C")]
    pub communities: Vec<String>,
    /// SNMPv3 user name (or PANDIAN_V3_USER).
    #[arg(long, value_name = "NAME")]
    pub v3_user: Option<String>,
    /// SNMPv3 authentication, PROTO:PASS (md5, sha, sha224, sha256, sha384,
    /// sha512). Visible in `ps`: prefer PANDIAN_V3_AUTH or --credentials.
    #[arg(long, value_name = "PROTO:PASS")]
    pub v3_auth: Option<String>,
    /// SNMPv3 privacy, PROTO:PASS (des, aes, aes192, aes256). Visible in
    /// `ps`: prefer PANDIAN_V3_PRIV or --credentials.
    #[arg(long, value_name = "PROTO:PASS")]
    pub v3_priv: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Packets per second, every probe together: ARP, ICMP, SNMP, DNS (1 to 100000).
    #[arg(long, default_value_t = 2000, value_name = "PPS", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate: u32,
    /// Wait for ARP/ICMP replies after the last probe, in milliseconds (10 to 60000).
    #[arg(long, default_value_t = 1000, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub timeout: u64,
    /// Never probe these (address, CIDR or range; repeatable).
    #[arg(long, value_name = "CIDR")]
    pub exclude: Vec<String>,
    /// Look up reverse-DNS names of live hosts.
    #[arg(long)]
    pub resolve: bool,
    /// Also probe each attached segment as a whole: one DHCP DISCOVER
    /// broadcast (every server that offers is recorded) and one mDNS query,
    /// SSDP M-SEARCH and WS-Discovery Probe to their multicast groups (what
    /// targets answer is recorded; others' answers are dropped). Every host
    /// on the segment hears them; never sent on a segment with excluded
    /// addresses; independent of --probes.
    #[arg(long)]
    pub segment_probes: bool,
    /// Probes to use, comma-separated (default: all but dns, and dns with
    /// --resolve). mdns, ssdp, netbios, wsd and banners ask each live host
    /// what it is (unicast to that host only).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = pandian::job::PROBE_NAMES)]
    pub probes: Vec<String>,
    /// SNMP: `system` reads the system group, `full` walks every inventory table.
    #[arg(long, default_value = "full", value_parser = ["system", "full"])]
    pub snmp_depth: String,
    /// SNMP per-request timeout in milliseconds (10 to 60000).
    #[arg(long, default_value_t = 1500, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub snmp_timeout: u64,
    /// Also store the results in this SQLite database.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// The fingerprint rules, loading on a thread of their own until needed.
enum Rules {
    Loading(std::thread::JoinHandle<Result<Engine, String>>),
    Ready(Box<Engine>),
    Failed,
}

impl Rules {
    fn get(&mut self) -> anyhow::Result<&Engine> {
        if matches!(self, Rules::Loading(_)) {
            let Rules::Loading(h) = std::mem::replace(self, Rules::Failed) else {
                unreachable!("checked just above")
            };
            match h.join() {
                Ok(Ok(e)) => *self = Rules::Ready(Box::new(e)),
                Ok(Err(e)) => anyhow::bail!("fingerprint rules: {e}"),
                Err(_) => anyhow::bail!("fingerprint rules: the loader stopped"),
            }
        }
        match self {
            Rules::Ready(e) => Ok(e),
            _ => anyhow::bail!("fingerprint rules did not load"),
        }
    }
}

/// A different order of targets for every run.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        ^ u64::from(std::process::id())
}

/// Environment variables that carry SNMP secrets out of sight of `ps`.
pub const ENV_COMMUNITIES: &str = "PANDIAN_COMMUNITIES";
/// SNMPv3 user name.
pub const ENV_V3_USER: &str = "PANDIAN_V3_USER";
/// SNMPv3 authentication, PROTO:PASS.
pub const ENV_V3_AUTH: &str = "PANDIAN_V3_AUTH";
/// SNMPv3 privacy, PROTO:PASS.
pub const ENV_V3_PRIV: &str = "PANDIAN_V3_PRIV";

/// The credentials to try: the file's (in its order), then a v3 user from
/// the flags or the environment, then communities from the flags and the
/// environment. `env` looks a variable up (the process environment in
/// use; a table in tests). Returns warnings for secrets given as flags.
pub fn credentials(
    args: &ScanArgs,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<(Vec<snmp::Credential>, Vec<String>)> {
    let mut warnings = Vec::new();
    let flagged: Vec<&str> = [
        (!args.communities.is_empty()).then_some("--community"),
        args.v3_auth.as_ref().map(|_| "--v3-auth"),
        args.v3_priv.as_ref().map(|_| "--v3-priv"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !flagged.is_empty() {
        warnings.push(format!(
            "{} on the command line can be read by every local user (`ps`); use --credentials FILE or {ENV_COMMUNITIES} / {ENV_V3_AUTH} / {ENV_V3_PRIV} instead",
            flagged.join(", ")
        ));
    }
    let mut out = match &args.credentials {
        Some(path) => pandian::config::load_credentials(path)?,
        None => Vec::new(),
    };
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut communities = args.communities.clone();
    if let Some(list) = env(ENV_COMMUNITIES) {
        communities.extend(
            list.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from),
        );
    }
    let user = args.v3_user.clone().or_else(|| env(ENV_V3_USER));
    let auth = args.v3_auth.clone().or_else(|| env(ENV_V3_AUTH));
    let privacy = args.v3_priv.clone().or_else(|| env(ENV_V3_PRIV));
    for c in snmp::cli_credentials(
        &communities,
        user.as_deref(),
        auth.as_deref(),
        privacy.as_deref(),
    )? {
        if out.iter().any(|k| k.name() == c.name()) {
            anyhow::bail!(
                "the credentials file names a credential `{}`, the name Pandian gives one from the command line or environment; rename it in the file",
                c.name()
            );
        }
        out.push(c);
    }
    Ok((out, warnings))
}

/// A configured job, loaded for `--job`: the job, the SNMP settings and the
/// `[policy]` its findings are held to.
type ConfiguredJob = (pandian::job::Job, Duration, u32, pandian::audit::Policy);

fn configured_job(args: &ScanArgs) -> anyhow::Result<Option<ConfiguredJob>> {
    let (Some(name), Some(path)) = (&args.job, &args.config) else {
        return Ok(None);
    };
    let settings = super::serve::load(path)?;
    let names: Vec<&str> = settings.jobs.iter().map(|j| j.name.as_str()).collect();
    let Some(job) = settings.jobs.iter().find(|j| &j.name == name) else {
        anyhow::bail!(
            "{}: no job is named `{}`{}",
            path.display(),
            pandian::text::clean(name, 80),
            if names.is_empty() {
                " (the config has none)".to_string()
            } else {
                format!(" (it has {})", names.join(", "))
            }
        );
    };
    Ok(Some((
        job.clone(),
        settings.snmp_timeout,
        settings.snmp_retries,
        settings.policy.clone(),
    )))
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let job = configured_job(args)?;
    let (targets, exclude): (Vec<Target>, Vec<Target>) = match &job {
        Some((j, _, _, _)) => (j.targets.clone(), j.exclude.clone()),
        None => (
            target::parse_all(&args.targets)?,
            target::parse_all(&args.exclude)?,
        ),
    };
    // Fail early on bad targets, before opening sockets.
    let addresses = target::expand(&targets, &exclude)?;
    if addresses.is_empty() {
        anyhow::bail!(
            "every address of {} is excluded by --exclude {}: nothing to scan (check the targets and exclusions)",
            pandian::scan::describe(&targets),
            pandian::scan::describe(&exclude)
        );
    }
    let credentials = match &job {
        Some((j, _, _, _)) => j.credentials.clone(),
        None => {
            let (credentials, warnings) = credentials(args, |k| std::env::var(k).ok())?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            credentials
        }
    };
    // The rules load while the sweep runs (they are needed only after it,
    // or before it to bring a database up to date).
    // A summary without a database needs no rules: none are loaded.
    let mut rules = if args.format == Format::Summary && args.db.is_none() {
        Rules::Failed
    } else {
        Rules::Loading(std::thread::spawn(|| {
            Engine::builtin().map_err(|e| e.to_string())
        }))
    };
    // Findings are held to the job's [policy]; without a config, to the
    // defaults, with the default communities among the credentials given.
    let policy = match &job {
        Some((_, _, _, p)) => p.clone(),
        None => pandian::audit::Policy {
            default_credentials: credentials
                .iter()
                .filter(|c| c.is_default_community())
                .map(|c| c.name().to_string())
                .collect(),
            ..pandian::audit::Policy::default()
        },
    };
    let derive_opts = DeriveOptions {
        policy: std::sync::Arc::new(policy),
        ..DeriveOptions::default()
    };
    let mut store = match &args.db {
        Some(p) => {
            let mut s = Store::open(p)?;
            s.ensure_derived(rules.get()?, &derive_opts)?;
            Some(s)
        }
        None => None,
    };
    if job.is_none() && !args.probes.is_empty() {
        let mut p = pandian::job::Probes::none();
        for name in &args.probes {
            p.enable(name);
        }
        if !p.finds_hosts() {
            anyhow::bail!(
                "--probes {}: name arp or icmp too; without a liveness probe no host is ever found",
                args.probes.join(",")
            );
        }
    }
    let plan = match &job {
        Some((j, _, _, _)) => RunPlan::for_job(j, None, seed()),
        None => RunPlan {
            targets: targets.clone(),
            exclude,
            rate: args.rate,
            probe_timeout: Duration::from_millis(args.timeout),
            passes: 2,
            probes: if args.probes.is_empty() {
                Probes {
                    dns: args.resolve,
                    segment: args.segment_probes,
                    ..Probes::default()
                }
            } else {
                let mut p = Probes::none();
                for name in &args.probes {
                    p.enable(name);
                }
                p.segment = args.segment_probes;
                p
            },
            resolv_conf: None,
            credentials,
            concurrency: 64,
            seed: seed(),
        },
    };
    let rt = super::runtime()?;
    // With a database, DES salts continue from the stored state; without
    // one the collector derives a fresh epoch.
    let des_salt = match &store {
        Some(s) => Some(pandian::store::snmp::des_salt_state(s.connection())?),
        None => None,
    };
    let run = rt.block_on(async {
        let collector = Collector::new(match &job {
            Some((j, timeout, retries, _)) => CollectorOptions {
                des_salt,
                timeout: *timeout,
                retries: *retries,
                depth: j.snmp_depth,
                ..CollectorOptions::default()
            },
            None => CollectorOptions {
                des_salt,
                timeout: Duration::from_millis(args.snmp_timeout),
                depth: if args.snmp_depth == "system" {
                    Depth::System
                } else {
                    Depth::Full
                },
                ..CollectorOptions::default()
            },
        })
        .await?;
        let recorder = match store.as_mut() {
            Some(s) => Some(pipeline::Recorder::Direct(s, rules.get()?, &derive_opts)),
            None => None,
        };
        anyhow::Ok(
            pipeline::execute(
                job.as_ref()
                    .map_or("default", |(j, _, _, _)| j.name.as_str()),
                &plan,
                &collector,
                recorder,
                args.format != Format::Summary,
                None,
                Duration::from_secs(5),
            )
            .await
            .context("the scan")?,
        )
    })?;
    for w in &run.outcome.warnings {
        eprintln!("warning: {w}");
    }
    let started = timefmt::system(run.outcome.started);
    let outcome = run.outcome;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.format == Format::Summary {
        let took = outcome
            .finished
            .duration_since(outcome.started)
            .unwrap_or_default();
        writeln!(
            out,
            "{} addresses, {} answered, {} with SNMP, {} packets, {:.2} s",
            outcome.addresses,
            outcome.answered,
            outcome.snmp_ok,
            outcome.packets,
            took.as_secs_f64()
        )?;
        if let (Some(id), Some(a)) = (run.run_id, &run.applied) {
            writeln!(
                out,
                "run {id}: {} devices ({} new, {} merges, {} splits)",
                a.devices, a.new_devices, a.merges, a.splits
            )?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let engine = rules.get()?;
    // Devices are made and printed one at a time.
    match args.format {
        Format::Json => {
            let mut first = true;
            write!(out, "[")?;
            inventory::assemble_each(&run.probed, engine, &started, |d| {
                writeln!(out, "{}", if first { "" } else { "," })?;
                first = false;
                serde_json::to_writer_pretty(&mut out, &d).map_err(std::io::Error::from)
            })?;
            writeln!(out, "{}]", if first { "" } else { "\n" })?;
        }
        Format::Jsonl => {
            inventory::assemble_each(&run.probed, engine, &started, |d| {
                serde_json::to_writer(&mut out, &d).map_err(std::io::Error::from)?;
                writeln!(out)
            })?;
        }
        // Printed above.
        Format::Summary => {}
        Format::Table => {
            let devices = inventory::assemble(&run.probed, engine, &started);
            print_table(
                &mut out,
                &devices,
                addresses.len(),
                outcome
                    .finished
                    .duration_since(outcome.started)
                    .unwrap_or_default(),
            )?
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_table(
    out: &mut impl Write,
    devices: &[Device],
    addresses: usize,
    took: Duration,
) -> std::io::Result<()> {
    let headers = [
        "IP",
        "MAC",
        "MAC VENDOR",
        "SEEN BY",
        "RTT MS",
        "CLASS",
        "VENDOR",
        "MODEL",
        "NAME",
    ];
    let rows: Vec<[String; 9]> = devices
        .iter()
        .map(|d| {
            let name = d
                .snmp
                .as_ref()
                .and_then(|s| s.sys_name.clone())
                .or_else(|| d.hostname.clone());
            [
                d.ip.map_or_else(
                    || "-".to_string(),
                    |ip| {
                        if d.addresses.len() > 1 {
                            format!("{ip} (+{})", d.addresses.len() - 1)
                        } else {
                            ip.to_string()
                        }
                    },
                ),
                Device::cell(d.mac.as_deref()),
                Device::cell(d.mac_vendor.as_deref())
                    .chars()
                    .take(28)
                    .collect(),
                d.seen_by
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                d.rtt_ms.map_or_else(|| "-".into(), |r| format!("{r:.2}")),
                Device::cell(d.identity.class.as_deref()),
                Device::cell(d.identity.vendor.as_deref()),
                Device::cell(d.identity.model.as_deref())
                    .chars()
                    .take(24)
                    .collect(),
                Device::cell(name.as_deref()).chars().take(32).collect(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out, "{}", line(&headers.map(String::from)))?;
    for r in &rows {
        writeln!(out, "{}", line(r))?;
    }
    let answered: usize = devices.iter().map(|d| d.addresses.len()).sum();
    writeln!(
        out,
        "\n{} devices on {} of {} addresses, in {:.1}s",
        devices.len(),
        answered,
        addresses,
        took.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        scan: ScanArgs,
    }

    fn args(a: &[&str]) -> ScanArgs {
        let mut all = vec!["scan", "198.51.100.7"];
        all.extend_from_slice(a);
        Wrap::try_parse_from(all).unwrap().scan
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn names(c: &[snmp::Credential]) -> Vec<String> {
        c.iter().map(|c| c.name().to_string()).collect()
    }

    fn file(name: &str, text: &str, mode: u32) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pandian-scan-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    const CREDS: &str =
        "[[snmp.credentials]]\nname = \"office\"\nversion = \"2c\"\ncommunity = \"s3cret\"\n";

    #[test]
    fn scan_takes_secrets_from_the_environment_without_warning() {
        let (c, warnings) = credentials(
            &args(&[]),
            env(&[
                (ENV_COMMUNITIES, "public, huawei-ro,,"),
                (ENV_V3_USER, "ops"),
                (ENV_V3_AUTH, "sha256:authpass123"),
                (ENV_V3_PRIV, "aes:privpass123"),
            ]),
        )
        .unwrap();
        assert_eq!(names(&c), ["cli-v3", "community-1", "community-2"]);
        assert_eq!(c[0].version_label(), "3");
        assert!(warnings.is_empty(), "{warnings:?}");
        let err = credentials(&args(&[]), env(&[(ENV_V3_AUTH, "sha256:authpass123")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("PANDIAN_V3_USER"), "{err}");
        let err = credentials(
            &args(&[]),
            env(&[(ENV_V3_USER, "ops"), (ENV_V3_AUTH, "no-colon")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("PANDIAN_V3_AUTH") && !err.contains("no-colon"),
            "{err}"
        );
    }

    #[test]
    fn scan_secret_flags_still_work_but_warn() {
        let (c, warnings) = credentials(
            &args(&[
                "-c",
                "public",
                "--v3-user",
                "ops",
                "--v3-auth",
                "sha:authpass123",
            ]),
            env(&[(ENV_COMMUNITIES, "other")]),
        )
        .unwrap();
        assert_eq!(names(&c), ["cli-v3", "community-1", "community-2"]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("--community, --v3-auth")
                && warnings[0].contains("ps")
                && warnings[0].contains("--credentials"),
            "{warnings:?}"
        );
        assert!(!warnings[0].contains("public") && !warnings[0].contains("authpass"));
        // A user name is no secret: noAuthNoPriv from the flag alone, no warning.
        let (_, none) = credentials(&args(&["--v3-user", "ops"]), env(&[])).unwrap();
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn scan_credentials_file_is_read_and_refused_when_others_can_read_it() {
        let ok = file("ok.toml", CREDS, 0o600);
        let (c, warnings) = credentials(
            &args(&["--credentials", ok.to_str().unwrap()]),
            env(&[(ENV_COMMUNITIES, "public")]),
        )
        .unwrap();
        assert_eq!(names(&c), ["office", "community-1"], "the file's first");
        assert!(warnings.is_empty());

        let open = file("open.toml", CREDS, 0o644);
        let err = credentials(&args(&["--credentials", open.to_str().unwrap()]), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("chmod 600") && err.contains("open.toml"),
            "{err}"
        );
        assert!(!err.contains("s3cret"), "{err}");

        let junk = file("junk.toml", "[scan]\nsubnets = []\n", 0o600);
        let err = credentials(&args(&["--credentials", junk.to_str().unwrap()]), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("only [[snmp.credentials]]"), "{err}");

        let clash = file(
            "clash.toml",
            "[[snmp.credentials]]\nname = \"community-1\"\nversion = \"2c\"\ncommunity = \"x\"\n",
            0o600,
        );
        let err = credentials(
            &args(&["--credentials", clash.to_str().unwrap(), "-c", "y"]),
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("community-1") && err.contains("rename"),
            "{err}"
        );

        if pandian::files::euid() == 0 {
            let theirs = file("theirs.toml", CREDS, 0o600);
            std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
            let err = credentials(
                &args(&["--credentials", theirs.to_str().unwrap()]),
                env(&[]),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("uid 65534"), "{err}");
        }
    }
}
