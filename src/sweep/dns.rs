//! Reverse DNS for live hosts (hickory-resolver, system resolv.conf, short
//! timeout, no retries beyond one).

use hickory_resolver::TokioResolver;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// A resolver for PTR lookups, or None when the system has no usable
/// resolver configuration (lookups are then skipped, not failed).
#[derive(Clone)]
pub struct Reverse {
    resolver: TokioResolver,
}

impl Reverse {
    /// Build from /etc/resolv.conf with a short timeout.
    pub fn from_system(timeout: Duration) -> Option<Reverse> {
        let mut builder = TokioResolver::builder_tokio().ok()?;
        let opts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 1;
        builder.build().ok().map(|resolver| Reverse { resolver })
    }

    /// Build from a resolv.conf-format file (e.g. `/etc/netns/NAME/resolv.conf`
    /// when scanning from inside a network namespace).
    pub fn from_file(path: &Path, timeout: Duration) -> Option<Reverse> {
        let data = std::fs::read(path).ok()?;
        let (config, mut opts) = hickory_resolver::system_conf::parse_resolv_conf(data).ok()?;
        opts.timeout = timeout;
        opts.attempts = 1;
        let builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts);
        builder.build().ok().map(|resolver| Reverse { resolver })
    }

    /// The first PTR name for `ip`, without the trailing dot.
    pub async fn lookup(&self, ip: IpAddr) -> Option<String> {
        let lookup = self.resolver.reverse_lookup(ip).await.ok()?;
        lookup.answers().iter().find_map(|r| match &r.data {
            RData::PTR(name) => Some(crate::text::clean(
                name.to_utf8().trim_end_matches('.'),
                255,
            ))
            .filter(|n| !n.is_empty()),
            _ => None,
        })
    }
}
