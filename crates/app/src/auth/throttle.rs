//! Password attempt counters: per (e-mail, client address), and per client address.
//!
//! Every attempt is counted atomically BEFORE the password is checked, so a burst of concurrent
//! attempts cannot try more passwords than the limit (the counter, not a read of it, decides).
//! The lock is keyed on the pair, so a stranger who knows someone's e-mail locks out only
//! themselves: the real person signs in from their own address. The per-address ceiling bounds
//! a spray of many e-mails from one address. A success clears the pair and gives the address its
//! attempt back.

use crate::Deps;
use chrono::{DateTime, Utc};

/// The counters one attempt touches.
pub(crate) struct Keys {
    pair: String,
    ip: Option<String>,
}

impl Keys {
    /// The pair counter is keyed by a hash of the lower-cased e-mail and the address, so the
    /// table never holds addresses of people (nor guesses of them).
    pub(crate) fn new(deps: &Deps, email: &str, ip: Option<&str>) -> Self {
        let ip: Option<String> = ip.map(|ip| ip.chars().take(64).collect());
        let digest = deps.tokens.hash(format!(
            "{}\n{}",
            email.trim().to_lowercase(),
            ip.as_deref().unwrap_or("-")
        ));
        Self {
            pair: format!("pair:{}", digest.to_hex()),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    /// The pair counter's key.
    #[cfg(test)]
    pub(crate) fn pair_key(&self) -> &str {
        &self.pair
    }

    fn with_limits(&self, deps: &Deps) -> Vec<(String, u32)> {
        let mut keys = vec![(self.pair.clone(), deps.policy.pair_limit)];
        if let Some(ip) = &self.ip {
            keys.push((ip.clone(), deps.policy.ip_limit));
        }
        keys
    }
}

/// Counts this attempt on every counter; `Some(seconds)` when one of them is over its limit
/// (the caller answers 429 without checking the password).
pub(crate) async fn attempt(
    deps: &Deps,
    keys: &Keys,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<u64>> {
    let limited = keys.with_limits(deps);
    let counters = deps
        .attempts
        .count(
            limited.iter().map(|(k, _)| k.clone()).collect(),
            now,
            deps.policy.throttle_window,
        )
        .await?;
    let mut wait: Option<u64> = None;
    for ((_, limit), counter) in limited.iter().zip(counters) {
        if counter.failures > *limit {
            let ends = counter.window_started_at + deps.policy.throttle_window;
            let ms = (ends - now).num_milliseconds().max(0);
            let secs = u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1);
            wait = Some(wait.map_or(secs, |w| w.max(secs)));
        }
    }
    Ok(wait)
}

/// A success: the pair starts over, and the address gets its attempt back.
pub(crate) async fn succeeded(deps: &Deps, keys: &Keys) -> anyhow::Result<()> {
    deps.attempts.clear(keys.pair.clone()).await?;
    if let Some(ip) = &keys.ip {
        deps.attempts.refund(ip.clone()).await?;
    }
    Ok(())
}

/// The attempt never reached a password check (the hashing was saturated): give it back.
pub(crate) async fn not_tried(deps: &Deps, keys: &Keys) -> anyhow::Result<()> {
    deps.attempts.refund(keys.pair.clone()).await?;
    if let Some(ip) = &keys.ip {
        deps.attempts.refund(ip.clone()).await?;
    }
    Ok(())
}
