//! `[assets]`: the approved-asset register file the daemon imports at
//! start and again on SIGHUP when its content changed. Pure: the file is
//! named here and read by the daemon.

use super::{ConfigError, line_of};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// `[assets]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AssetsSection {
    /// A CSV or XLSX register; relative to the config file's directory.
    #[serde(default)]
    pub file: Option<Spanned<PathBuf>>,
}

/// `[assets]` after validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetsSettings {
    /// The register file (absolute, or as written when the config's own
    /// path has no directory), if one is configured.
    pub file: Option<PathBuf>,
}

pub(super) fn validate_assets(
    section: &AssetsSection,
    text: &str,
    path: &Path,
) -> Result<AssetsSettings, ConfigError> {
    let Some(file) = &section.file else {
        return Ok(AssetsSettings::default());
    };
    let value = file.get_ref();
    if value.as_os_str().is_empty() {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, file.span().start),
            key: "assets.file".into(),
            message: "an empty path; name the register (a .csv or .xlsx file) or leave the key out"
                .into(),
        });
    }
    let ext = value
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("csv" | "xlsx")) {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, file.span().start),
            key: "assets.file".into(),
            message: format!(
                "`{}` is neither .csv nor .xlsx; Pandian reads registers in those two formats",
                value.display()
            ),
        });
    }
    let resolved = match path.parent() {
        Some(dir) if value.is_relative() && !dir.as_os_str().is_empty() => dir.join(value),
        _ => value.clone(),
    };
    Ok(AssetsSettings {
        file: Some(resolved),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use std::path::Path;

    #[test]
    fn config_assets_file_is_checked_and_resolved() {
        let p = Path::new("/etc/pandian/pandian.toml");
        let s = parse("", p).unwrap();
        assert_eq!(s.assets.file, None);
        let s = parse("[assets]\nfile = \"register.xlsx\"\n", p).unwrap();
        assert_eq!(
            s.assets.file.as_deref(),
            Some(Path::new("/etc/pandian/register.xlsx"))
        );
        let s = parse("[assets]\nfile = \"/srv/资产.csv\"\n", p).unwrap();
        assert_eq!(s.assets.file.as_deref(), Some(Path::new("/srv/资产.csv")));
        for (text, want) in [
            ("\n[assets]\nfile = \"\"\n", "line 3: `assets.file`"),
            ("[assets]\nfile = \"reg.txt\"\n", "line 2: `assets.file`"),
            ("[assets]\nfiles = \"reg.csv\"\n", "files"),
        ] {
            let err = parse(text, p).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }
}
