//! Time, injected so that use cases are tested without the wall clock.

use chrono::{DateTime, Utc};

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
