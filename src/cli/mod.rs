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
