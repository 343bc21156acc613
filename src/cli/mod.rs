//! One module per subcommand.

pub mod assets;
pub mod demo;
pub mod findings;
pub mod fingerprint;
pub mod hash_password;
pub mod rebuild;
pub mod report;
pub mod scan;
pub mod serve;

/// Where a command finds the database: a config (its `store.path`, and
/// whatever else of it the command uses) or the file itself.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// The config file naming the database (store.path).
    #[arg(long, short = 'c', value_name = "FILE", conflicts_with = "db")]
    pub config: Option<std::path::PathBuf>,
    /// The database file itself (the config's other settings then take their defaults).
    #[arg(long, value_name = "FILE")]
    pub db: Option<std::path::PathBuf>,
}

impl StoreArgs {
    /// The database's path, and the config's settings when one was given.
    pub fn resolve(
        &self,
    ) -> anyhow::Result<(std::path::PathBuf, Option<pandian::config::Settings>)> {
        match (&self.db, &self.config) {
            (Some(db), _) => Ok((db.clone(), None)),
            (None, Some(c)) => {
                let s = serve::load(c)?;
                Ok((s.db_path.clone(), Some(s)))
            }
            (None, None) => anyhow::bail!("give --config FILE or --db FILE"),
        }
    }
}

/// glibc's malloc arenas for a long-running daemon: at most this many.
///
/// glibc gives each thread that allocates under contention an arena of its
/// own (up to eight per core), and memory freed in one stays there. The
/// daemon's page reads and runs hop between tokio's blocking threads, so
/// its RSS crept up run after run: over 65,000 stored devices, 68 MiB at
/// the start and 102 MiB after 40 scheduled runs, still climbing; with two
/// arenas 62 MiB at the start and 73 MiB after 40 runs (`cargo bench
/// --bench store -- --daemon-lab 40`, with and without `MALLOC_ARENA_MAX=2`).
const DAEMON_MALLOC_ARENAS: &str = "2";

/// Start again as the same program with the daemon's malloc settings
/// ([`DAEMON_MALLOC_ARENAS`]), unless the caller set them or glibc's
/// tunables: glibc reads them only when a program starts. Returns (to go
/// on as is) only if that is not possible.
pub fn reexec_with_daemon_malloc() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var_os("GLIBC_TUNABLES").is_some()
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    // `exec` returns only on failure (the binary replaced on disk, say);
    // the daemon then runs with glibc's defaults.
    let _ = std::process::Command::new(&exe)
        .arg0(argv0)
        .args(args)
        .env("MALLOC_ARENA_MAX", DAEMON_MALLOC_ARENAS)
        .exec();
}

/// Log to stderr; `RUST_LOG` overrides the default `info`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,async_snmp=off,hickory_resolver=warn,hickory_proto=warn,hickory_net=warn",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// A multi-threaded tokio runtime (built after any namespace switch).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
