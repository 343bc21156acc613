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
    /// Not a name `ip netns` could have made.
    #[error(
        "network namespace name `{0}` is not valid: give a name as `ip netns list` shows it (no `/`, not empty)"
    )]
    BadName(String),
    /// /run/netns/NAME is missing or unreadable.
    #[error("network namespace `{name}`: {source} (list them with `ip netns list`)")]
    Open {
        /// The name.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// setns(2) refused.
    #[error("network namespace `{name}`: cannot enter it: {source}{}", enter_hint(*.source))]
    Enter {
        /// The name.
        name: String,
        /// Why.
        source: nix::Error,
    },
}

/// What to do about a setns(2) error: only a permission error is about root.
fn enter_hint(e: nix::Error) -> &'static str {
    match e {
        nix::Error::EPERM => " (entering a namespace needs root or CAP_SYS_ADMIN)",
        nix::Error::EINVAL => {
            " (that file is not a network namespace; list them with `ip netns list`)"
        }
        _ => "",
    }
}

/// Refuse a name that cannot be an `ip netns` name (empty, `.`, `..`, or
/// holding `/` or NUL), before anything is opened.
pub fn check_name(name: &str) -> Result<(), NetnsError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(NetnsError::BadName(name.chars().take(64).collect()));
    }
    Ok(())
}

/// Enter network namespace `name` (as made by `ip netns add`).
pub fn enter(name: &str) -> Result<(), NetnsError> {
    check_name(name)?;
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
    check_name(name).ok()?;
    let p = Path::new("/etc/netns").join(name).join("resolv.conf");
    p.is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netns_names_are_checked_and_errors_only_blame_root_for_eperm() {
        for bad in ["", ".", "..", "a/b", "/run/netns/x", "x\0y"] {
            let err = enter(bad).unwrap_err();
            assert!(matches!(err, NetnsError::BadName(_)), "{bad:?}: {err}");
            assert!(!err.to_string().contains("root"), "{err}");
        }
        assert!(check_name("pdm123-scan").is_ok());
        let e = |source| {
            NetnsError::Enter {
                name: "x".into(),
                source,
            }
            .to_string()
        };
        assert!(e(nix::Error::EPERM).contains("needs root"));
        assert!(!e(nix::Error::EINVAL).contains("root"));
        assert!(e(nix::Error::EINVAL).contains("not a network namespace"));
    }
}
