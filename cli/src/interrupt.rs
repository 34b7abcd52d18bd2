//! Ctrl-C (SIGINT) and a scheduler's SIGTERM end a run as the page's
//! Cancel does: the fetch stops (pages kept with `--keep` stay for the
//! next run), nothing is written, and the exit code is 1 (`cancelled`).
//! The signal only raises a flag, so a file being written is finished
//! or not started, never left half-written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use customer_pipeline::fetch::services::CancelToken;

use crate::outcome::Failure;

/// The flag the signals raise.
#[derive(Debug, Clone)]
pub(crate) struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Catches SIGINT and SIGTERM from now on. Where they cannot be caught,
    /// they end the process as usual.
    pub(crate) fn catch() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
        }
        Interrupt(flag)
    }

    /// Whether a signal came.
    pub(crate) fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(cancelled)` once a signal came.
    pub(crate) fn check(&self) -> Result<(), Failure> {
        if self.raised() {
            Err(cancelled(0))
        } else {
            Ok(())
        }
    }

    /// Cancels `token` once a signal comes (looked at ten times a second).
    pub(crate) async fn cancel_on_signal(&self, token: CancelToken) {
        while !self.raised() {
            futures_timer::Delay::new(Duration::from_millis(100)).await;
        }
        token.cancel();
    }
}

/// The run was stopped by a signal after `pages` pages.
pub(crate) fn cancelled(pages: usize) -> Failure {
    Failure::Run {
        code: "cancelled",
        message: format!(
            "The run was cancelled (a signal) after {pages} pages; nothing was written."
        ),
    }
}
