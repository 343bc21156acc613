//! Writing a finished file (a report, a package) so that nobody ever sees
//! half of it: the bytes go to a new temporary file next to the target
//! (created exclusively, never through a link, with the final mode), are
//! synced, then linked into place. Without `overwrite` the link fails when
//! something is already there, so an existing file is never replaced
//! silently; with it, a rename replaces it atomically. On any error (a
//! full disk) the temporary file is removed and the target is untouched.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why the file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Something is already at the path and overwriting was not asked for.
    #[error("{} already exists; choose another name, remove it, or pass --force to replace it", .0.display())]
    Exists(PathBuf),
    /// The directory or the file could not be written (a full disk, no
    /// permission...).
    #[error("{}: {source}; nothing was written there", path.display())]
    Io {
        /// The target.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// How the written file is owned.
#[derive(Debug, Clone, Copy, Default)]
pub struct Access {
    /// A group that may read it (mode 0640 and that group); None: 0600.
    pub gid: Option<u32>,
}

/// A temporary name beside `path`: `.NAME.tmp-PID-N`.
fn temp_name(path: &Path, n: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    path.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

/// Write `bytes` to `path` atomically, exclusively unless `overwrite`.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    access: Access,
    overwrite: bool,
) -> Result<(), OutputError> {
    let io_err = |source: io::Error| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !overwrite && std::fs::symlink_metadata(path).is_ok() {
        return Err(OutputError::Exists(path.to_path_buf()));
    }
    let mode = if access.gid.is_some() { 0o640 } else { 0o600 };
    let mut made = None;
    for n in 0..16 {
        let tmp = temp_name(path, n);
        match crate::files::create_new(&tmp, mode) {
            Ok(f) => {
                made = Some((tmp, f));
                break;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    let Some((tmp, mut file)) = made else {
        return Err(io_err(io::Error::other(
            "no free temporary name beside it (remove stale .NAME.tmp-* files)",
        )));
    };
    let written = (|| {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some(gid) = access.gid {
            std::os::unix::fs::fchown(&file, None, Some(gid))?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        if overwrite {
            std::fs::rename(&tmp, path)
        } else {
            // link(2) fails when the target exists: exclusive and atomic.
            std::fs::hard_link(&tmp, path)?;
            std::fs::remove_file(&tmp)
        }
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        if e.kind() == io::ErrorKind::AlreadyExists {
            return Err(OutputError::Exists(path.to_path_buf()));
        }
        return Err(io_err(e));
    }
    // The directory entry itself, so the file survives a power cut.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pandian-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_default();
        d
    }

    fn leftovers(d: &Path) -> Vec<String> {
        std::fs::read_dir(d)
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.contains(".tmp-"))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn output_is_exclusive_private_and_leaves_no_temp_file() {
        let d = dir("excl");
        let p = d.join("e.zip");
        write_atomic(&p, b"one", Access::default(), false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&p).unwrap_or_default(), b"one");
        assert_eq!(
            std::fs::metadata(&p).map(|m| m.mode() & 0o777).unwrap_or(0),
            0o600
        );
        let again = write_atomic(&p, b"two", Access::default(), false);
        assert!(matches!(again, Err(OutputError::Exists(_))), "{again:?}");
        assert!(
            again
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("--force")
        );
        assert_eq!(
            std::fs::read(&p).unwrap_or_default(),
            b"one",
            "never replaced silently"
        );
        write_atomic(&p, b"two", Access::default(), true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&p).unwrap_or_default(), b"two");
        // A symlink at the target is something there too.
        let link = d.join("link.zip");
        std::os::unix::fs::symlink(d.join("elsewhere"), &link).unwrap_or_default();
        assert!(matches!(
            write_atomic(&link, b"x", Access::default(), false),
            Err(OutputError::Exists(_))
        ));
        assert!(!d.join("elsewhere").exists());
        assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
        let missing = write_atomic(&d.join("no/such/dir.zip"), b"x", Access::default(), false);
        assert!(
            matches!(missing, Err(OutputError::Io { .. })),
            "{missing:?}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
