//! SIGINT, SIGTERM and SIGHUP, read on a thread of their own.
//!
//! [`route`] blocks the three signals in the calling thread, so every
//! thread started afterwards (the runtime's included) inherits the mask and
//! none of them is ever killed or interrupted by one; a dedicated thread
//! takes them with `sigwait`. That holds from the first instruction after
//! [`route`], so a signal during start-up (the demo building its lab, the
//! daemon opening its database) is remembered, not lost and not fatal.
//! Child processes start with an empty mask (the standard library resets
//! it when spawning), so lab agents still die on SIGTERM.
//!
//! SIGINT and SIGTERM stop. SIGHUP either asks for a config reload
//! (`serve`) or stops too (`demo`: closing the terminal it runs in).

use super::Stop;
use nix::sys::signal::{SigSet, Signal};
use tokio::sync::mpsc;

/// What SIGHUP means to this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnHangup {
    /// Read the config again (the daemon).
    Reload,
    /// Stop, like SIGTERM (the demo).
    Stop,
}

/// What the signal thread tells the rest of the process.
pub struct Routed {
    /// Fires on SIGINT and SIGTERM (and SIGHUP under [`OnHangup::Stop`]).
    pub stop: Stop,
    /// One message per SIGHUP under [`OnHangup::Reload`].
    pub reload: mpsc::UnboundedReceiver<()>,
}

/// Why signals could not be routed.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    /// The signal mask could not be set.
    #[error("cannot block SIGINT/SIGTERM/SIGHUP for the signal thread: {0}")]
    Mask(nix::Error),
    /// The thread could not start.
    #[error("cannot start the signal thread: {0}")]
    Thread(std::io::Error),
}

/// Block SIGINT, SIGTERM and SIGHUP here and handle them on a thread of
/// their own. Call it on the main thread before any other thread starts.
pub fn route(on_hangup: OnHangup) -> Result<Routed, SignalError> {
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(s);
    }
    set.thread_block().map_err(SignalError::Mask)?;
    let (stop_tx, stop) = Stop::new();
    let (reload_tx, reload) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            loop {
                let Ok(signal) = set.wait() else {
                    continue;
                };
                match (signal, on_hangup) {
                    (Signal::SIGHUP, OnHangup::Reload) => {
                        tracing::info!("SIGHUP: reading the config again");
                        if reload_tx.send(()).is_err() {
                            tracing::warn!("SIGHUP: nothing reloads the config yet; ignored");
                        }
                    }
                    (signal, _) => {
                        tracing::info!("{}: stopping", signal.as_str());
                        let _ = stop_tx.send(true);
                    }
                }
            }
        })
        .map_err(SignalError::Thread)?;
    Ok(Routed { stop, reload })
}
