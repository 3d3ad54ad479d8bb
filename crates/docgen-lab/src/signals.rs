//! SIGINT and SIGTERM during a lab run. The handler does not tear anything down itself: it
//! records the signal in a [`CancelToken`] that every blocking call (engine commands, polling
//! loops) observes, so the run unwinds through its `Drop` guards and removes its container, and
//! the command exits 130 or 143. A second signal, or a run that does not unwind within a
//! deadline, triggers the backstop: remove everything this process labelled, then exit.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

pub use crate::error::signal_name;
use crate::error::LabError;

/// Shared cancellation state: 0 while running, else the signal number that cancelled the run.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicI32>);

impl CancelToken {
    /// A token nobody has cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels with `signal` (the first signal wins).
    pub fn cancel(&self, signal: i32) {
        let _ = self
            .0
            .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The signal that cancelled the run, if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// `Err(LabError::Cancelled)` once cancelled, so loops can use `?`.
    pub fn check(&self) -> Result<(), LabError> {
        match self.signal() {
            None => Ok(()),
            Some(signal) => Err(LabError::Cancelled { signal }),
        }
    }
}

/// How long a cancelled run may take to unwind before the backstop runs.
const UNWIND_DEADLINE: Duration = Duration::from_secs(90);

/// Routes SIGINT and SIGTERM into `token`. `backstop` removes what this process labelled; it
/// runs (then the process exits) on a second signal or when unwinding takes too long.
pub fn install(
    token: CancelToken,
    backstop: impl Fn() + Send + Sync + 'static,
) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let backstop = Arc::new(backstop);
    std::thread::Builder::new()
        .name("docgen-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if let Some(first) = token.signal() {
                    eprintln!(
                        "docgen: {} again: removing this run's containers now",
                        signal_name(sig)
                    );
                    backstop();
                    std::process::exit(128 + first);
                }
                eprintln!(
                    "docgen: {}: stopping; the container will be removed",
                    signal_name(sig)
                );
                token.cancel(sig);
                let (token, backstop) = (token.clone(), Arc::clone(&backstop));
                let _ = std::thread::Builder::new()
                    .name("docgen-unwind-watchdog".into())
                    .spawn(move || {
                        std::thread::sleep(UNWIND_DEADLINE);
                        eprintln!("docgen: the run did not stop in time; removing its containers");
                        backstop();
                        std::process::exit(128 + token.signal().unwrap_or(SIGINT));
                    });
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_signal_wins() {
        let t = CancelToken::new();
        assert!(t.check().is_ok());
        t.cancel(SIGTERM);
        t.cancel(SIGINT);
        let c = t.check().unwrap_err();
        assert_eq!(c.signal(), Some(SIGTERM));
        assert_eq!(c.to_string(), "interrupted by SIGTERM");
    }
}
