//! Token buckets for `/webhooks/*` (per account, per source address, Meta's handshake), in two
//! stages: a per-node bucket in memory, cheap, and — for what passes it — a bucket shared by
//! every node ([`SharedRateLimiter`], one database statement), so N nodes together allow the
//! setting once, not N times (docs/integrations.md).

use domain::ports::rate_limits::{BucketRate, SharedRateLimiter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A sustained rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size.
    pub burst: f64,
}

impl Rate {
    /// Parses `RATE[/s][,BURST]` (`50/s,200`, `50,200`, `50`: burst defaults to 4 × rate).
    ///
    /// # Errors
    /// A message when the text is not a positive rate (and burst).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (rate, burst) = match raw.split_once(',') {
            Some((r, b)) => (r, Some(b)),
            None => (raw, None),
        };
        let rate: f64 = rate
            .trim()
            .trim_end_matches("/s")
            .trim()
            .parse()
            .map_err(|_| "rate must be a number")?;
        let burst: f64 = match burst {
            Some(b) => b
                .trim()
                .trim_start_matches("burst=")
                .parse()
                .map_err(|_| "burst must be a number")?,
            None => rate * 4.0,
        };
        if rate > 0.0 && burst >= 1.0 && rate.is_finite() && burst.is_finite() {
            Ok(Self {
                per_second: rate,
                burst,
            })
        } else {
            Err("rate and burst must be positive".into())
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by text.
#[derive(Debug)]
pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before idle (full) ones are evicted.
const MAX_KEYS: usize = 50_000;

impl Limiter {
    /// A limiter allowing `rate` per key.
    #[must_use]
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The rate of every key.
    #[must_use]
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes one token for `key`; `Err(seconds)` says when to retry.
    ///
    /// # Errors
    /// The whole seconds until a token is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS {
            let (rate, burst) = (self.rate.per_second, self.rate.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.rate.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate.per_second).min(self.rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.rate.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The default rate of Meta's GET handshake per source address: 1/s, burst 10 (Meta calls it
/// once when a webhook is subscribed).
pub const DEFAULT_HANDSHAKE_RATE: Rate = Rate {
    per_second: 1.0,
    burst: 10.0,
};

/// The budgets a webhook request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Per clinic and account, spent only after authentication.
    Account,
    /// Per source address, before anything else.
    Address,
    /// Meta's GET handshake, per source address.
    Handshake,
}

impl Budget {
    fn scope(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Address => "ip",
            Self::Handshake => "handshake",
        }
    }
}

/// The limiters of `/webhooks/*`: per node, then (when set) shared by every node.
pub struct WebhookLimits {
    /// Per clinic and account, spent only by authenticated deliveries.
    pub per_account: Limiter,
    /// Per source address, before anything else.
    pub per_ip: Limiter,
    /// Meta's GET handshake, per source address (each one is a database lookup).
    pub handshake: Limiter,
    /// The buckets every node shares; None: per node only.
    shared: Option<Arc<dyn SharedRateLimiter>>,
}

impl std::fmt::Debug for WebhookLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookLimits")
            .field("per_account", &self.per_account)
            .field("per_ip", &self.per_ip)
            .field("handshake", &self.handshake)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

impl WebhookLimits {
    /// Limits with the given rates (and the default handshake rate).
    #[must_use]
    pub fn new(per_account: Rate, per_ip: Rate) -> Self {
        Self {
            per_account: Limiter::new(per_account),
            per_ip: Limiter::new(per_ip),
            handshake: Limiter::new(DEFAULT_HANDSHAKE_RATE),
            shared: None,
        }
    }

    /// These limits with a second stage shared by every node: what passes this node's bucket
    /// takes a token from `shared`'s bucket of the same key and rate.
    #[must_use]
    pub fn shared_by_nodes(mut self, shared: Arc<dyn SharedRateLimiter>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Spends one token of `budget` for `key`: this node's bucket first (in memory), then the
    /// shared one. `Err(seconds)` says when to retry. When the shared store cannot be reached
    /// the request is let through (the per-node limit still holds) and a warning is logged.
    ///
    /// # Errors
    /// The whole seconds until a token is available.
    pub async fn take(&self, budget: Budget, key: &str, now: Instant) -> Result<(), u64> {
        let local = match budget {
            Budget::Account => &self.per_account,
            Budget::Address => &self.per_ip,
            Budget::Handshake => &self.handshake,
        };
        local.check(key, now)?;
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        let rate = local.rate();
        let bucket = BucketRate {
            per_second: rate.per_second,
            burst: rate.burst,
        };
        match shared
            .take(&format!("webhook:{}:{key}", budget.scope()), bucket)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(wait),
            Err(e) => {
                tracing::warn!(error = %e, budget = budget.scope(), "the shared rate limit is unavailable; only the per-node limit applies");
                Ok(())
            }
        }
    }

    /// These limits with `rate` for Meta's GET handshake.
    #[must_use]
    pub fn with_handshake(mut self, rate: Rate) -> Self {
        self.handshake = Limiter::new(rate);
        self
    }
}

impl Default for WebhookLimits {
    /// 50/s (burst 200) per account and 100/s (burst 400) per address.
    fn default() -> Self {
        Self::new(
            Rate {
                per_second: 50.0,
                burst: 200.0,
            },
            Rate {
                per_second: 100.0,
                burst: 400.0,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let l = Limiter::new(Rate {
            per_second: 2.0,
            burst: 3.0,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check("a", t0).is_ok());
        }
        assert_eq!(l.check("a", t0), Err(1));
        assert!(l.check("b", t0).is_ok(), "keys are independent");
        assert!(l.check("a", t0 + Duration::from_millis(500)).is_ok());
        assert!(l.check("a", t0 + Duration::from_millis(500)).is_err());
    }

    fn strict() -> WebhookLimits {
        let one = Rate {
            per_second: 0.001,
            burst: 1.0,
        };
        WebhookLimits::new(one, one).with_handshake(one)
    }

    #[tokio::test]
    async fn only_what_passes_the_node_reaches_the_shared_stage_which_decides_next() {
        use domain::ports::rate_limits::MockSharedRateLimiter;
        let mut shared = MockSharedRateLimiter::new();
        // Two takes reach the shared stage: the address passes, the account bucket is empty.
        shared
            .expect_take()
            .withf(|key, rate| key == "webhook:ip:192.0.2.1" && rate.burst == 1.0)
            .times(1)
            .returning(|_, _| Ok(None));
        shared
            .expect_take()
            .withf(|key, _| key == "webhook:account:whatsapp:c:a")
            .times(1)
            .returning(|_, _| Ok(Some(7)));
        let limits = strict().shared_by_nodes(Arc::new(shared));
        let now = Instant::now();
        assert_eq!(limits.take(Budget::Address, "192.0.2.1", now).await, Ok(()));
        // This node's bucket is empty now: refused without touching the shared stage.
        assert!(
            limits
                .take(Budget::Address, "192.0.2.1", now)
                .await
                .is_err()
        );
        assert_eq!(
            limits.take(Budget::Account, "whatsapp:c:a", now).await,
            Err(7),
            "another node spent the shared bucket"
        );
    }

    #[tokio::test]
    async fn an_unreachable_shared_stage_leaves_the_node_limit() {
        use domain::ports::rate_limits::MockSharedRateLimiter;
        let mut shared = MockSharedRateLimiter::new();
        shared
            .expect_take()
            .times(1)
            .returning(|_, _| Err(anyhow::anyhow!("database down")));
        let limits = strict().shared_by_nodes(Arc::new(shared));
        let now = Instant::now();
        assert_eq!(
            limits.take(Budget::Handshake, "192.0.2.9", now).await,
            Ok(())
        );
        assert!(
            limits
                .take(Budget::Handshake, "192.0.2.9", now)
                .await
                .is_err()
        );
    }

    #[test]
    fn rates_parse() {
        assert_eq!(
            Rate::parse("50/s,200").unwrap(),
            Rate {
                per_second: 50.0,
                burst: 200.0
            }
        );
        assert_eq!(
            Rate::parse("10").unwrap(),
            Rate {
                per_second: 10.0,
                burst: 40.0
            }
        );
        assert!(Rate::parse("0").is_err());
        assert!(Rate::parse("fast").is_err());
    }
}
