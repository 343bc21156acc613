//! Moving the process into a named network namespace after the web
//! listener is bound: the page stays reachable where the daemon started
//! (e.g. on loopback), while every probe socket opened afterwards lives in
//! the scanning namespace.
//!
//! Call [`enter`] on the main thread before any runtime or thread is
//! started: threads created afterwards inherit the namespace.

use std::path::Path;

/// Why the namespace could not be entered.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// /run/netns/NAME is missing or unreadable.
    #[error("network namespace `{name}`: {source} (list them with `ip netns list`)")]
    Open {
        /// The name.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// setns(2) refused (needs CAP_SYS_ADMIN).
    #[error("network namespace `{name}`: cannot enter it: {source} (needs root)")]
    Enter {
        /// The name.
        name: String,
        /// Why.
        source: nix::Error,
    },
}

/// Enter network namespace `name` (as made by `ip netns add`).
pub fn enter(name: &str) -> Result<(), NetnsError> {
    let path = Path::new("/run/netns").join(name);
    let file = std::fs::File::open(&path).map_err(|source| NetnsError::Open {
        name: name.to_string(),
        source,
    })?;
    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|source| {
        NetnsError::Enter {
            name: name.to_string(),
            source,
        }
    })
}

/// The resolv.conf `ip netns exec NAME` would use, when it exists.
pub fn resolv_conf(name: &str) -> Option<std::path::PathBuf> {
    let p = Path::new("/etc/netns").join(name).join("resolv.conf");
    p.is_file().then_some(p)
}
