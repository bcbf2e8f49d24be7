//! A short, bounded memory of account ids that route nowhere (no active integration in any
//! clinic), so repeated deliveries for them are refused without a database lookup.
//!
//! Per process, like the webhook rate limits. An integration created (or re-activated) on this
//! node is forgotten at once ([`super::Inbound::forget_unknown_account`]); on other nodes its
//! deliveries may be refused for at most [`UNKNOWN_ROUTE_TTL_SECS`] seconds (a relay or Meta
//! retries).

use chrono::{DateTime, Duration, Utc};
use domain::integrations::Provider;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long an account id without an active integration is remembered, in seconds.
pub const UNKNOWN_ROUTE_TTL_SECS: i64 = 10;
/// Most account ids remembered; when full (after dropping expired ones) nothing new is added.
pub const MAX_UNKNOWN_ROUTES: usize = 10_000;

/// Account ids known to route nowhere, until their expiry.
#[derive(Debug, Default)]
pub(crate) struct UnknownAccounts {
    until: Mutex<HashMap<(Provider, String), DateTime<Utc>>>,
}

impl UnknownAccounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Provider, String), DateTime<Utc>>> {
        self.until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `account` was found routing nowhere less than the TTL ago.
    pub(crate) fn is_unknown(&self, provider: Provider, account: &str, now: DateTime<Utc>) -> bool {
        self.lock()
            .get(&(provider, account.to_owned()))
            .is_some_and(|until| *until > now)
    }

    /// Remembers that `account` routes nowhere.
    pub(crate) fn remember(&self, provider: Provider, account: &str, now: DateTime<Utc>) {
        let mut map = self.lock();
        if map.len() >= MAX_UNKNOWN_ROUTES {
            map.retain(|_, until| *until > now);
            if map.len() >= MAX_UNKNOWN_ROUTES {
                return;
            }
        }
        map.insert(
            (provider, account.to_owned()),
            now + Duration::seconds(UNKNOWN_ROUTE_TTL_SECS),
        );
    }

    /// Forgets `account` (an integration for it was just created or activated).
    pub(crate) fn forget(&self, provider: Provider, account: &str) {
        self.lock().remove(&(provider, account.to_owned()));
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn remembers_briefly_forgets_on_demand_and_stays_bounded() {
        let t0 = Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap();
        let u = UnknownAccounts::default();
        u.remember(Provider::Whatsapp, "pn-1", t0);
        assert!(u.is_unknown(Provider::Whatsapp, "pn-1", t0 + Duration::seconds(9)));
        assert!(!u.is_unknown(Provider::Instagram, "pn-1", t0));
        assert!(!u.is_unknown(
            Provider::Whatsapp,
            "pn-1",
            t0 + Duration::seconds(UNKNOWN_ROUTE_TTL_SECS)
        ));
        u.forget(Provider::Whatsapp, "pn-1");
        assert!(!u.is_unknown(Provider::Whatsapp, "pn-1", t0));

        for i in 0..MAX_UNKNOWN_ROUTES + 5 {
            u.remember(Provider::Whatsapp, &format!("id-{i}"), t0);
        }
        assert_eq!(u.len(), MAX_UNKNOWN_ROUTES, "full: nothing new is added");
        // Once the old ones expire, room is made by dropping them.
        let later = t0 + Duration::seconds(UNKNOWN_ROUTE_TTL_SECS + 1);
        u.remember(Provider::Whatsapp, "fresh", later);
        assert_eq!(u.len(), 1);
        assert!(u.is_unknown(Provider::Whatsapp, "fresh", later));
    }
}
