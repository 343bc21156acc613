//! Files Pandian reads and writes, safe against hostile input and a hostile
//! local user (Pandian often runs as root):
//!
//! - [`read_capped`] reads at most a cap, so `/dev/zero`, a FIFO or a huge
//!   file is an error naming the file, not unbounded memory;
//! - [`create_private_dir`] makes a directory exclusively, with an
//!   unpredictable name and mode 0700, so nobody can plant it first;
//! - [`create_new`] opens a new file with `O_EXCL | O_NOFOLLOW`, so a planted
//!   file or symlink is never followed, truncated or reused;
//! - [`check_owner`] refuses a file (or directory) that another user could
//!   swap or edit underneath a root process.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a capped read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// More than the cap.
    #[error("larger than {}: not read (is it the right file?)", human(*.0))]
    TooLarge(u64),
}

/// Byte counts the way messages say them: `1 MiB`, `256 MiB`, `4096 bytes`.
pub fn human(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Read the whole of `path`, refusing anything longer than `cap` bytes.
/// Works on regular files (refused by size before reading), devices and
/// FIFOs (read through `Read::take`, at most `cap + 1` bytes).
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    let hint = if meta.is_file() { meta.len() } else { 0 };
    let mut buf = Vec::with_capacity(usize::try_from(hint.saturating_add(1)).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(buf)
}

/// A reader that yields at most `cap + 1` bytes of `inner` and can tell
/// afterwards whether the input was longer than `cap`: for parsing a file
/// as a stream without trusting its size.
pub struct Capped<R> {
    inner: R,
    read: u64,
    cap: u64,
}

impl<R> Capped<R> {
    /// Whether more than the cap was offered.
    pub fn exceeded(&self) -> bool {
        self.read > self.cap
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.cap.saturating_add(1).saturating_sub(self.read);
        let max = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let Some(window) = buf.get_mut(..max) else {
            return Ok(0);
        };
        if window.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(window)?;
        self.read = self.read.saturating_add(n as u64);
        Ok(n)
    }
}

/// Open `path` for a capped streaming read: a regular file longer than
/// `cap` is refused at once; anything else (a device, a FIFO) is read
/// through [`Capped`]. Returns the reader and the file's length (0 when
/// unknown), a size hint for the parser.
pub fn open_capped(path: &Path, cap: u64) -> Result<(Capped<File>, u64), ReadError> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > cap {
        return Err(ReadError::TooLarge(cap));
    }
    let hint = if meta.is_file() { meta.len() } else { 0 };
    Ok((
        Capped {
            inner: file,
            read: 0,
            cap,
        },
        hint,
    ))
}

/// The effective user id of this process.
pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// 16 hex digits from the kernel's random source.
fn random_suffix() -> io::Result<String> {
    let mut bytes = [0u8; 8];
    File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Create a new directory `PARENT/STEM-RANDOM`, mode 0700, owned by us.
/// `mkdir` is exclusive (it fails on anything already there, a symlink
/// included), and the random part means nobody can guess the name ahead.
pub fn create_private_dir(parent: &Path, stem: &str) -> io::Result<PathBuf> {
    let mut last = None;
    for _ in 0..16 {
        let path = parent.join(format!("{stem}-{}", random_suffix()?));
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {
                let meta = std::fs::symlink_metadata(&path)?;
                if !meta.is_dir() || meta.uid() != euid() || meta.mode() & 0o077 != 0 {
                    return Err(io::Error::other(format!(
                        "{} is not the private directory just made (owner {}, mode {:o})",
                        path.display(),
                        meta.uid(),
                        meta.mode() & 0o7777
                    )));
                }
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free directory name")))
}

/// Whether `path` is a private directory this process could have made with
/// [`create_private_dir`]: a real directory (not a symlink), owned by us,
/// closed to group and others.
pub fn is_private_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_dir() && m.uid() == euid() && m.mode() & 0o077 == 0)
}

/// Create a new file for writing with `mode`, failing if anything (a file,
/// a symlink) is already at `path`: `O_CREAT | O_EXCL | O_NOFOLLOW`.
pub fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// [`create_new`], then write `bytes` and make sure the mode is `mode`
/// (the umask may have taken bits away; it never adds any).
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::io::Write;
    let mut f = create_new(path, mode)?;
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Why a file's owner is refused.
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// Owned by a user other than us and root.
    #[error(
        "{} is owned by uid {owner}, not by this user (uid {me}) or root: that user could replace or edit it underneath Pandian. Run `chown {me} {}` or pick another path",
        path.display(), path.display()
    )]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our effective uid.
        me: u32,
    },
    /// A directory every user may write to, without the sticky bit.
    #[error(
        "{} is writable by every user (mode {mode:o}) without the sticky bit: anyone could swap the files in it. Run `chmod o-w {}` or pick another directory",
        path.display(), path.display()
    )]
    OpenDir {
        /// The directory.
        path: PathBuf,
        /// Its mode.
        mode: u32,
    },
    /// The metadata could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Refuse `path` when it is owned by someone other than this user or root,
/// or is a directory every user may write to without the sticky bit. A
/// symlink is judged by itself, not by what it points to.
pub fn check_owner(path: &Path) -> Result<(), OwnerError> {
    let meta = std::fs::symlink_metadata(path).map_err(|source| OwnerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let me = euid();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(OwnerError::Foreign {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.mode() & 0o7777;
    if meta.is_dir() && mode & 0o002 != 0 && mode & 0o1000 == 0 {
        return Err(OwnerError::OpenDir {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pandian-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn read_capped_refuses_devices_and_big_files_past_the_cap() {
        let err = read_capped(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge(4096)), "{err}");
        assert!(err.to_string().contains("4096 bytes"), "{err}");
        let d = scratch("cap");
        let p = d.join("f");
        std::fs::write(&p, vec![b'x'; 5000]).unwrap();
        assert!(matches!(read_capped(&p, 4999), Err(ReadError::TooLarge(_))));
        assert_eq!(read_capped(&p, 5000).unwrap().len(), 5000);
        assert_eq!(read_capped(Path::new("/dev/null"), 10).unwrap(), b"");
        assert!(matches!(
            read_capped(&d.join("missing"), 10),
            Err(ReadError::Io(_))
        ));
        assert_eq!(human(1 << 20), "1 MiB");
        assert_eq!(human(256 << 20), "256 MiB");
    }

    #[test]
    fn capped_reader_stops_one_byte_past_the_cap() {
        let (mut r, hint) = open_capped(Path::new("/dev/zero"), 10_000).unwrap();
        assert_eq!(hint, 0);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all.len(), 10_001);
        assert!(r.exceeded());
        let d = scratch("capped");
        let p = d.join("f");
        std::fs::write(&p, vec![b'x'; 100]).unwrap();
        let (mut r, hint) = open_capped(&p, 100).unwrap();
        assert_eq!(hint, 100);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert!(all.len() == 100 && !r.exceeded());
        assert!(matches!(open_capped(&p, 99), Err(ReadError::TooLarge(99))));
    }

    #[test]
    fn private_dirs_are_new_unguessable_and_closed() {
        let d = scratch("priv");
        let a = create_private_dir(&d, "lab").unwrap();
        let b = create_private_dir(&d, "lab").unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("lab-") && name.len() == "lab-".len() + 16,
            "{name}"
        );
        let meta = std::fs::metadata(&a).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert!(is_private_dir(&a));
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!is_private_dir(&b));
        std::os::unix::fs::symlink(&a, d.join("link")).unwrap();
        assert!(
            !is_private_dir(&d.join("link")),
            "a symlink is not the directory"
        );
    }

    #[test]
    fn create_new_never_follows_or_reuses() {
        let d = scratch("new");
        let victim = d.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, d.join("link")).unwrap();
        assert!(write_new(&d.join("link"), b"overwritten", 0o600).is_err());
        assert!(write_new(&victim, b"overwritten", 0o600).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let fresh = d.join("fresh");
        write_new(&fresh, b"ok", 0o600).unwrap();
        assert_eq!(std::fs::metadata(&fresh).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn check_owner_refuses_other_users_and_open_directories() {
        let d = scratch("owner");
        let mine = d.join("mine");
        std::fs::write(&mine, "x").unwrap();
        assert!(check_owner(&mine).is_ok());
        assert!(check_owner(Path::new("/tmp")).is_ok(), "sticky is fine");
        let open = d.join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_owner(&open).unwrap_err().to_string();
        assert!(err.contains("writable by every user"), "{err}");
        if euid() == 0 {
            let theirs = d.join("theirs");
            std::fs::write(&theirs, "x").unwrap();
            std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
            let err = check_owner(&theirs).unwrap_err().to_string();
            assert!(err.contains("uid 65534") && err.contains("chown"), "{err}");
        }
    }
}
