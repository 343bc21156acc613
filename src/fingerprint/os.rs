//! The OS-name table (`os.toml`): which operating system a vendor's
//! products run, so `os` is named, with its version, for every family
//! whose firmware is known even where no rule names the OS.

use super::rules::Knowledge;

/// What the table looks at.
pub(super) struct Product<'a> {
    /// The decided vendor, if any.
    pub vendor: Option<&'a str>,
    pub class: Option<&'a str>,
    pub model: Option<&'a str>,
    pub descr: Option<&'a str>,
}

/// The OS name and the entry's line, for the first entry that applies.
/// An entry for vendor `*` names an OS whoever made the device, from
/// sysDescr alone (`Linux host 5.10...`, `FreeBSD ...`): the vendors'
/// own entries come first in the file.
pub(super) fn name<'k>(k: &'k Knowledge, p: &Product<'_>) -> Option<(&'k str, usize)> {
    k.os.iter()
        .find(|e| {
            let any = e.vendor == "*";
            (any || p.vendor == Some(e.vendor.as_str()))
                && (e.classes.is_empty() || p.class.is_some_and(|c| e.classes.contains(&c)))
                && e.product.as_ref().is_none_or(|re| {
                    (!any && p.model.is_some_and(|m| re.is_match(m)))
                        || p.descr.is_some_and(|d| re.is_match(d))
                })
        })
        .map(|e| (e.name.as_str(), e.line))
}

/// `name` and `version` as one OS string (`FortiOS v7.2.5`), the version
/// not repeating the name a firmware string may start with.
pub(super) fn with_version(name: &str, version: Option<&str>) -> String {
    match version.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            let v = v
                .strip_prefix(name)
                .map(str::trim_start)
                .filter(|r| !r.is_empty())
                .unwrap_or(v);
            format!("{name} {v}")
        }
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_with_version_does_not_repeat_the_name() {
        assert_eq!(with_version("FortiOS", Some("v7.2.5")), "FortiOS v7.2.5");
        assert_eq!(
            with_version("RouterOS", Some("RouterOS 7.12")),
            "RouterOS 7.12"
        );
        assert_eq!(with_version("EOS", None), "EOS");
        assert_eq!(with_version("EOS", Some(" ")), "EOS");
    }
}
