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
