//! Monotonic time source for the JWKS cache, injectable in tests.

use std::fmt::Debug;
use std::time::Instant;

/// Source of the current monotonic time used by the JWKS cache (TTL and
/// refetch throttling). Token `exp` checks always use the system clock.
pub trait Clock: Send + Sync + Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock ([`Instant::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}
