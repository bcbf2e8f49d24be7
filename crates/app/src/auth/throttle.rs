//! Failed sign-in counters per e-mail and per client address.

use crate::Deps;
use chrono::{DateTime, Utc};

/// The counters one sign-in attempt touches, with their limits.
pub(crate) struct Keys {
    email: String,
    ip: Option<String>,
}

impl Keys {
    /// The e-mail counter is keyed by a hash of the lower-cased input, so the table never holds
    /// addresses (nor guesses of them).
    pub(crate) fn new(deps: &Deps, email: &str, ip: Option<&str>) -> Self {
        let digest = deps.tokens.hash(email.trim().to_lowercase());
        Self {
            email: format!("email:{}", digest.to_hex()),
            ip: ip.map(|ip| format!("ip:{}", ip.chars().take(64).collect::<String>())),
        }
    }

    fn with_limits(&self, deps: &Deps) -> Vec<(String, u32)> {
        let mut keys = vec![(self.email.clone(), deps.policy.email_limit)];
        if let Some(ip) = &self.ip {
            keys.push((ip.clone(), deps.policy.ip_limit));
        }
        keys
    }
}

/// Seconds until the caller may try again, when a counter is at its limit.
pub(crate) async fn blocked(
    deps: &Deps,
    keys: &Keys,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<u64>> {
    let mut wait: Option<u64> = None;
    for (key, limit) in keys.with_limits(deps) {
        let Some(counter) = deps.attempts.get(key).await? else {
            continue;
        };
        let ends = counter.window_started_at + deps.policy.throttle_window;
        if counter.failures >= limit && now < ends {
            let ms = (ends - now).num_milliseconds().max(0);
            let secs = u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1);
            wait = Some(wait.map_or(secs, |w| w.max(secs)));
        }
    }
    Ok(wait)
}

/// Counts one failure on every counter.
pub(crate) async fn record_failure(
    deps: &Deps,
    keys: &Keys,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (key, _) in keys.with_limits(deps) {
        deps.attempts
            .record_failure(key, now, deps.policy.throttle_window)
            .await?;
    }
    Ok(())
}

/// A success clears the e-mail's counter (not the address's: one good password must not reset
/// a spray from that address).
pub(crate) async fn clear_email(deps: &Deps, keys: &Keys) -> anyhow::Result<()> {
    deps.attempts.clear(keys.email.clone()).await
}
