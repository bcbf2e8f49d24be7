//! Rate limits shared by every node.

use async_trait::async_trait;

/// A token bucket's sustained rate and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketRate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size (at least 1).
    pub burst: f64,
}

/// Token buckets every node sees, so N nodes together allow a rate once, not N times. Callers
/// keep a per-node limiter in front of it (cheap, in memory); only what passes that one spends
/// a shared token.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SharedRateLimiter: Send + Sync {
    /// Takes one token from bucket `key` (refilled at `rate`): `Ok(None)` when taken,
    /// `Ok(Some(seconds))` when the bucket is empty and a token comes in that many whole seconds.
    ///
    /// # Errors
    /// When the shared store cannot be reached.
    async fn take(&self, key: &str, rate: BucketRate) -> anyhow::Result<Option<u64>>;
}
