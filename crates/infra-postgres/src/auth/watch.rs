//! [`CredentialWatch`] over `LISTEN atende_credentials`: one dedicated connection per node
//! (outside the pool, beside the event hub's and the worker's), notified by the triggers of
//! migration 0022 in the transaction of every change to a session, an API token or a membership.

use crate::pool::Database;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use domain::auth::TokenHash;
use domain::ports::accounts::{CredentialChange, CredentialChanges, CredentialWatch};
use domain::{AuthUserId, UserId};
use futures_util::StreamExt;
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// The channel the triggers notify.
pub const CHANNEL: &str = "atende_credentials";

/// Watch tuning.
#[derive(Debug, Clone, Copy)]
pub struct WatchSettings {
    /// A quiet connection is checked with a round trip this often, so a connection that died
    /// without a word is found (and the cache emptied) well within the cache's TTL.
    pub ping_every: Duration,
    /// How long to wait before reconnecting after a failure.
    pub retry_after: Duration,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            ping_every: Duration::from_secs(10),
            retry_after: Duration::from_secs(1),
        }
    }
}

/// The node's credential watch. Starts at the first request, stops when its cache is dropped.
#[derive(Debug)]
pub struct PgCredentialWatch {
    db: Database,
    settings: WatchSettings,
    started: AtomicBool,
}

impl PgCredentialWatch {
    /// A watch over `db`'s database.
    #[must_use]
    pub fn new(db: Database, settings: WatchSettings) -> Self {
        Self {
            db,
            settings,
            started: AtomicBool::new(false),
        }
    }
}

impl CredentialWatch for PgCredentialWatch {
    fn ensure_started(&self, sink: Weak<dyn CredentialChanges>) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        if self.db.behind_pooler() {
            // A transaction-mode pooler would accept the LISTEN and deliver nothing: the cache
            // must never believe it hears changes (it stays off; every request reads the store).
            tracing::warn!(
                "DATABASE_URL names a transaction pooler: LISTEN cannot work there, the principal cache stays off"
            );
            return;
        }
        tokio::spawn(listen(self.db.clone(), self.settings, sink));
    }
}

async fn listen(db: Database, settings: WatchSettings, sink: Weak<dyn CredentialChanges>) {
    loop {
        let Some(mut conn) = connect(&db).await else {
            if sink.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(settings.retry_after).await;
            continue;
        };
        // From here on every change is heard; what was cached before may be stale.
        match sink.upgrade() {
            Some(s) => s.watching(true),
            None => return,
        }
        let gone = hear(&mut conn, settings, &sink).await;
        if let Some(s) = sink.upgrade() {
            s.watching(false);
        }
        if gone {
            return;
        }
        tokio::time::sleep(settings.retry_after).await;
    }
}

/// Passes every notification on until the connection is lost (`false`) or the cache is gone
/// (`true`).
async fn hear(
    conn: &mut AsyncPgConnection,
    settings: WatchSettings,
    sink: &Weak<dyn CredentialChanges>,
) -> bool {
    loop {
        let next = {
            let stream = conn.notifications_stream();
            tokio::pin!(stream);
            tokio::time::timeout(settings.ping_every, stream.next()).await
        };
        match next {
            Ok(Some(Ok(n))) => {
                let Some(s) = sink.upgrade() else {
                    return true;
                };
                match parse(&n.payload) {
                    Some(change) => s.changed(change),
                    // Unknown: forget everything rather than keep what it may have touched.
                    None => s.watching(true),
                }
            }
            Ok(Some(Err(e))) => {
                tracing::warn!(error = %e, "credential listener lost its connection");
                return false;
            }
            Ok(None) => return false,
            Err(_) => {
                if sink.strong_count() == 0 {
                    return true;
                }
                // Quiet: make sure the connection is still there (notifications received
                // meanwhile stay queued on it).
                let ping =
                    tokio::time::timeout(settings.ping_every, conn.batch_execute("SELECT 1"));
                if !matches!(ping.await, Ok(Ok(()))) {
                    tracing::warn!("credential listener's connection stopped answering");
                    return false;
                }
            }
        }
    }
}

async fn connect(db: &Database) -> Option<AsyncPgConnection> {
    match db.dedicated().await {
        Ok(mut c) => match c.batch_execute(&format!("LISTEN {CHANNEL}")).await {
            Ok(()) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "credential listener could not LISTEN");
                None
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "credential listener could not connect");
            None
        }
    }
}

/// A trigger's payload: `s:<hex>`, `t:<hex>` or `m:<user id>:<auth user id or empty>`.
fn parse(payload: &str) -> Option<CredentialChange> {
    let (kind, rest) = payload.split_once(':')?;
    match kind {
        "s" => hash(rest).map(CredentialChange::Session),
        "t" => hash(rest).map(CredentialChange::Token),
        "m" => {
            let (user, auth) = rest.split_once(':')?;
            Some(CredentialChange::Member {
                user_id: UserId(Uuid::parse_str(user).ok()?),
                auth_user_id: if auth.is_empty() {
                    None
                } else {
                    Some(AuthUserId(Uuid::parse_str(auth).ok()?))
                },
            })
        }
        _ => None,
    }
}

fn hash(hex: &str) -> Option<TokenHash> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(TokenHash(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn payloads_parse_and_anything_else_is_unknown() {
        let hex = "00ff".repeat(16);
        let mut bytes = [0u8; 32];
        for pair in bytes.chunks_mut(2) {
            pair[1] = 0xff;
        }
        assert_eq!(
            parse(&format!("s:{hex}")),
            Some(CredentialChange::Session(TokenHash(bytes)))
        );
        assert_eq!(
            parse(&format!("t:{hex}")),
            Some(CredentialChange::Token(TokenHash(bytes)))
        );
        let (u, a) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(
            parse(&format!("m:{u}:{a}")),
            Some(CredentialChange::Member {
                user_id: UserId(u),
                auth_user_id: Some(AuthUserId(a))
            })
        );
        assert_eq!(
            parse(&format!("m:{u}:")),
            Some(CredentialChange::Member {
                user_id: UserId(u),
                auth_user_id: None
            })
        );
        for bad in [
            "",
            "s:",
            "s:abc",
            "x:00",
            "m:nope:",
            &format!("s:{hex}0"),
            "t:é",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
