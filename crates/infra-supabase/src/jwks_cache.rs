//! The JWKS cache: TTL, refetch on unknown `kid`, and a floor between fetches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, RwLock};

use crate::error::JwtError;
use crate::jwks::{KeySet, VerifyKey};

/// Default minimum time between two JWKS fetches.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// What the cache knows, plus when it last tried to learn more.
#[derive(Default)]
struct State {
    keys: Arc<KeySet>,
    /// When the keys in `keys` were fetched.
    fetched_at: Option<Instant>,
    /// When the last fetch (successful or not) started.
    last_attempt: Option<Instant>,
    /// Why the last fetch failed; `None` when it succeeded.
    last_error: Option<String>,
}

enum Decision {
    Hit(Arc<VerifyKey>),
    Miss(JwtError),
    Fetch,
}

impl State {
    /// The pure caching policy:
    /// 1. a fresh (younger than `ttl`) set that has `kid` answers;
    /// 2. otherwise fetch, unless a fetch started less than `interval` ago;
    /// 3. when throttled, a set from a successful last fetch (so younger than
    ///    `interval`) answers, else the last fetch error is reported.
    fn decide(&self, kid: &str, now: Instant, ttl: Duration, interval: Duration) -> Decision {
        let age = |t: Instant| now.saturating_duration_since(t);
        let fresh = self.fetched_at.is_some_and(|t| age(t) < ttl);
        if fresh && let Some(key) = self.keys.get(kid) {
            return Decision::Hit(Arc::clone(key));
        }
        if self.last_attempt.is_none_or(|t| age(t) >= interval) {
            return Decision::Fetch;
        }
        match &self.last_error {
            None if self.fetched_at.is_some() => match self.keys.get(kid) {
                Some(key) => Decision::Hit(Arc::clone(key)),
                None => Decision::Miss(JwtError::UnknownKey),
            },
            Some(err) => Decision::Miss(JwtError::JwksUnavailable(err.clone())),
            None => Decision::Miss(JwtError::JwksUnavailable("not fetched yet".to_owned())),
        }
    }
}

/// Keys by `kid`, trusted for `ttl`, refetched when a `kid` is unknown but at
/// most once per `refetch_interval` (failed fetches count too).
pub(crate) struct JwksCache {
    ttl: Duration,
    refetch_interval: Duration,
    state: RwLock<State>,
    /// Serializes fetches so concurrent misses cause one request.
    fetch_lock: Mutex<()>,
}

impl JwksCache {
    /// An empty cache.
    pub(crate) fn new(ttl: Duration, refetch_interval: Duration) -> Self {
        Self {
            ttl,
            refetch_interval,
            state: RwLock::new(State::default()),
            fetch_lock: Mutex::new(()),
        }
    }

    async fn decide(&self, kid: &str, now: Instant) -> Decision {
        self.state
            .read()
            .await
            .decide(kid, now, self.ttl, self.refetch_interval)
    }

    /// The key for `kid`, calling `fetch` when the policy allows a fetch.
    ///
    /// # Errors
    ///
    /// [`JwtError::UnknownKey`] when the (possibly refreshed) set has no such
    /// `kid`; [`JwtError::JwksUnavailable`] when the needed fetch failed.
    pub(crate) async fn key<F, Fut>(
        &self,
        kid: &str,
        now: impl Fn() -> Instant,
        fetch: F,
    ) -> Result<Arc<VerifyKey>, JwtError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<KeySet, String>>,
    {
        match self.decide(kid, now()).await {
            Decision::Hit(key) => return Ok(key),
            Decision::Miss(err) => return Err(err),
            Decision::Fetch => {}
        }
        let _one_fetch_at_a_time = self.fetch_lock.lock().await;
        // Another task may have fetched while we waited for the lock.
        let started = now();
        match self.decide(kid, started).await {
            Decision::Hit(key) => return Ok(key),
            Decision::Miss(err) => return Err(err),
            Decision::Fetch => {}
        }
        let result = fetch().await;
        let mut state = self.state.write().await;
        state.last_attempt = Some(started);
        match result {
            Ok(keys) => {
                tracing::debug!(keys = keys.len(), "supabase JWKS fetched");
                state.keys = Arc::new(keys);
                state.fetched_at = Some(started);
                state.last_error = None;
                state.keys.get(kid).cloned().ok_or(JwtError::UnknownKey)
            }
            Err(err) => {
                tracing::warn!(error = %err, "supabase JWKS fetch failed");
                state.last_error = Some(err.clone());
                Err(JwtError::JwksUnavailable(err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use jsonwebtoken::{Algorithm, DecodingKey};

    use super::*;

    const TTL: Duration = Duration::from_secs(600);
    const GAP: Duration = Duration::from_secs(30);

    fn set(kids: &[&str]) -> KeySet {
        kids.iter()
            .map(|k| {
                let key = VerifyKey {
                    alg: Algorithm::ES256,
                    key: DecodingKey::from_secret(b"unused"),
                };
                ((*k).to_owned(), Arc::new(key))
            })
            .collect()
    }

    /// Looks `kid` up at `t0 + at`, serving `served` if a fetch happens;
    /// returns whether it succeeded and whether it fetched.
    async fn look(
        cache: &JwksCache,
        t0: Instant,
        at: Duration,
        kid: &str,
        served: Result<KeySet, String>,
    ) -> (Result<(), JwtError>, bool) {
        let fetched = Cell::new(false);
        let result = cache
            .key(
                kid,
                || t0 + at,
                || {
                    fetched.set(true);
                    async { served }
                },
            )
            .await
            .map(|_| ());
        (result, fetched.get())
    }

    #[tokio::test]
    async fn caches_for_ttl_then_refetches() {
        let (cache, t0) = (JwksCache::new(TTL, GAP), Instant::now());
        let s = Duration::from_secs;
        assert_eq!(
            look(&cache, t0, s(0), "a", Ok(set(&["a"]))).await,
            (Ok(()), true)
        );
        assert_eq!(
            look(&cache, t0, s(599), "a", Ok(set(&[]))).await,
            (Ok(()), false)
        );
        assert_eq!(
            look(&cache, t0, s(600), "a", Ok(set(&[]))).await,
            (Err(JwtError::UnknownKey), true)
        );
    }

    #[tokio::test]
    async fn unknown_kid_refetches_at_most_once_per_interval() {
        let (cache, t0) = (JwksCache::new(TTL, GAP), Instant::now());
        let s = Duration::from_secs;
        assert_eq!(
            look(&cache, t0, s(0), "a", Ok(set(&["a"]))).await,
            (Ok(()), true)
        );
        let unknown = Err(JwtError::UnknownKey);
        assert_eq!(
            look(&cache, t0, s(1), "x", Ok(set(&["a"]))).await,
            (unknown.clone(), false)
        );
        assert_eq!(
            look(&cache, t0, s(30), "x", Ok(set(&["a"]))).await,
            (unknown.clone(), true)
        );
        assert_eq!(
            look(&cache, t0, s(45), "y", Ok(set(&["y"]))).await,
            (unknown, false)
        );
        assert_eq!(
            look(&cache, t0, s(60), "y", Ok(set(&["y"]))).await,
            (Ok(()), true)
        );
        // The old key is gone from the refreshed set.
        assert_eq!(
            look(&cache, t0, s(61), "a", Ok(set(&[]))).await,
            (Err(JwtError::UnknownKey), false)
        );
    }

    #[tokio::test]
    async fn failed_fetches_are_throttled_and_stale_keys_are_not_used() {
        let (cache, t0) = (JwksCache::new(Duration::from_secs(60), GAP), Instant::now());
        let s = Duration::from_secs;
        let down = || Err("down".to_owned());
        let unavailable = Err(JwtError::JwksUnavailable("down".to_owned()));
        assert_eq!(
            look(&cache, t0, s(0), "a", down()).await,
            (unavailable.clone(), true)
        );
        assert_eq!(
            look(&cache, t0, s(10), "a", Ok(set(&["a"]))).await,
            (unavailable.clone(), false)
        );
        assert_eq!(
            look(&cache, t0, s(30), "a", Ok(set(&["a"]))).await,
            (Ok(()), true)
        );
        // Expired after 60 s; the refetch fails; the stale key is not trusted.
        assert_eq!(
            look(&cache, t0, s(90), "a", down()).await,
            (unavailable.clone(), true)
        );
        assert_eq!(
            look(&cache, t0, s(100), "a", Ok(set(&["a"]))).await,
            (unavailable, false)
        );
    }

    #[tokio::test]
    async fn short_ttl_serves_the_last_successful_set_while_throttled() {
        let (cache, t0) = (JwksCache::new(Duration::ZERO, GAP), Instant::now());
        let s = Duration::from_secs;
        assert_eq!(
            look(&cache, t0, s(0), "a", Ok(set(&["a"]))).await,
            (Ok(()), true)
        );
        assert_eq!(
            look(&cache, t0, s(5), "a", Ok(set(&[]))).await,
            (Ok(()), false)
        );
    }
}
