//! [`Juju::wait`]: polls `juju status` until a predicate holds on consecutive polls (jubilant's
//! `wait`), with its [`WaitOptions`].

use std::fmt;
use std::time::{Duration, Instant};

use crate::{Error, Juju, Status, any_error};

/// A condition on the model's status.
pub type StatusPredicate = Box<dyn Fn(&Status) -> bool>;

/// Options for [`Juju::wait`].
pub struct WaitOptions {
    /// Give up after this long (default 3 minutes).
    pub timeout: Duration,
    /// Pause between polls (default 1 s).
    pub delay: Duration,
    /// How many consecutive polls `ready` must hold on (default 3, as jubilant).
    pub successes: u32,
    /// Stop early with an error when this holds (default: [`any_error`] on any application).
    pub error: Option<StatusPredicate>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(180),
            delay: Duration::from_secs(1),
            successes: 3,
            error: Some(Box::new(|s: &Status| any_error(s, &[]))),
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("delay", &self.delay)
            .field("successes", &self.successes)
            .field("error", &self.error.is_some())
            .finish()
    }
}

impl Juju {
    /// Polls `status` until `ready` holds on `successes` consecutive polls (jubilant's `wait`)
    /// and returns the last status; [`Error::Wait`] when the `error` predicate holds or time
    /// runs out.
    pub fn wait(
        &self,
        ready: impl Fn(&Status) -> bool,
        options: &WaitOptions,
    ) -> Result<Status, Error> {
        let deadline = Instant::now() + options.timeout;
        let mut streak = 0;
        loop {
            let status = self.status()?;
            if options.error.as_ref().is_some_and(|error| error(&status)) {
                return Err(Error::Wait {
                    reason: format!(
                        "error predicate matched while waiting:\n{}",
                        status.summary()
                    ),
                    status: Box::new(Some(status)),
                });
            }
            if ready(&status) {
                streak += 1;
                if streak >= options.successes.max(1) {
                    return Ok(status);
                }
            } else {
                streak = 0;
            }
            if Instant::now() >= deadline {
                return Err(Error::Wait {
                    reason: format!(
                        "timed out after {:?} waiting for the model:\n{}",
                        options.timeout,
                        status.summary()
                    ),
                    status: Box::new(Some(status)),
                });
            }
            std::thread::sleep(options.delay);
        }
    }
}
