//! The register file named by `[assets] file`: imported when the daemon
//! starts and again on SIGHUP, each time only when its content differs
//! from the newest import (by SHA-256). A file that cannot be read or has
//! a bad row is logged with its line and column and the stored register
//! stays as it was: an import is one transaction.

use crate::assets::{self, Register, RegisterError};
use crate::store::assets::{ImportSummary, sha256_hex};
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

/// Why a register file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum AssetFileError {
    /// The file could not be read.
    #[error("{path}: cannot read the register: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Bigger than any register.
    #[error("{path}: larger than {}; a register is far smaller (is it the right file?)", crate::files::human(*.cap))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, in bytes.
        cap: u64,
    },
    /// A bad row, header or format.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The database refused the import.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Read and validate a register file (at most [`assets::MAX_FILE_BYTES`]);
/// the register and the file's SHA-256.
pub fn read_register(path: &Path) -> Result<(Register, String), AssetFileError> {
    let bytes = crate::files::read_capped(path, assets::MAX_FILE_BYTES).map_err(|e| match e {
        crate::files::ReadError::TooLarge(cap) => AssetFileError::TooLarge {
            path: path.to_path_buf(),
            cap,
        },
        crate::files::ReadError::Io(source) => AssetFileError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let register = assets::read(&path.display().to_string(), &bytes)?;
    Ok((register, sha256_hex(&bytes)))
}

/// Import `file` into `store` unless the newest import has its content.
pub fn import_if_changed(
    store: &mut Store,
    file: &Path,
    now: &str,
) -> Result<Option<ImportSummary>, AssetFileError> {
    let (register, sha) = read_register(file)?;
    Ok(store.import_assets(&register, &file.display().to_string(), &sha, now, true)?)
}

/// Log what an import of `file` came to.
pub fn log_outcome(file: &Path, outcome: &Result<Option<ImportSummary>, AssetFileError>) {
    match outcome {
        Ok(Some(s)) => tracing::info!(
            file = %file.display(),
            import = s.import_id,
            added = s.plan.added.len(),
            updated = s.plan.updated.len(),
            unchanged = s.plan.unchanged,
            matched = s.matched,
            "asset register imported"
        ),
        Ok(None) => tracing::info!(
            file = %file.display(),
            "asset register unchanged since its last import"
        ),
        Err(e) => tracing::error!("asset register not imported, the stored register stays: {e}"),
    }
}

/// On SIGHUP: read `file` off the runtime's threads, then import it
/// through the store's one writer (skipped when unchanged), logging the
/// outcome.
pub async fn reimport(writer: &crate::store::writer::Handle, file: PathBuf) {
    let read = {
        let file = file.clone();
        tokio::task::spawn_blocking(move || read_register(&file)).await
    };
    let outcome = match read {
        Ok(Ok((register, sha256))) => writer
            .import_assets(crate::store::writer::AssetImport {
                register,
                file: file.display().to_string(),
                sha256,
                now: crate::timefmt::system(std::time::SystemTime::now()),
            })
            .await
            .map_err(AssetFileError::from),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(AssetFileError::Read {
            path: file.clone(),
            source: std::io::Error::other(e.to_string()),
        }),
    };
    log_outcome(&file, &outcome);
}
