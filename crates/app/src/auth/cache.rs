//! The node's principal cache: session cookies and API tokens (by the SHA-256 of their value,
//! never the value) → the caller they resolved to, for a short TTL, with a bounded number of
//! entries. Every change to a credential is heard through the node's
//! [`CredentialWatch`](domain::ports::accounts::CredentialWatch) and drops what it touches; the
//! use cases that make such a change on this node also drop it at once (no wait for the
//! notification). While the watch is not connected nothing is served from, or put into, the
//! cache.

use super::authorize::Authorized;
use chrono::{DateTime, Duration, Utc};
use domain::auth::TokenHash;
use domain::ports::accounts::{CredentialChange, CredentialChanges};
use domain::{AuthUserId, UserId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// What a session entry needs to stay correct without the store: its expiry and when its use
/// was last written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CachedSession {
    /// The row id (to slide its idle deadline).
    pub id: Uuid,
    /// Whose session it is.
    pub auth_user_id: AuthUserId,
    /// Last use written to the store.
    pub last_seen_at: DateTime<Utc>,
    /// End of the idle window as last written.
    pub idle_expires_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
}

/// What a token entry needs to stay correct without the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CachedToken {
    /// The token id.
    pub id: Uuid,
    /// The member who created it.
    pub creator: Option<UserId>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use written to the store.
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Session([u8; 32]),
    Token([u8; 32]),
}

#[derive(Debug, Clone, Copy)]
enum Holder {
    Session(CachedSession),
    Token(CachedToken),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    seq: u64,
    cached_at: DateTime<Utc>,
    authorized: Authorized,
    holder: Holder,
}

#[derive(Debug, Default)]
struct Inner {
    /// The watch is connected: changes are heard.
    live: bool,
    /// Bumped by every change heard and every (dis)connection: a lookup that started before
    /// one may have read what it changed, so its result is not cached.
    generation: u64,
    seq: u64,
    entries: HashMap<Key, Entry>,
    /// Insertion order (oldest first) for eviction; items whose `seq` no longer matches their
    /// entry are skipped.
    order: VecDeque<(Key, u64)>,
}

/// A lookup started at this point: its result may be cached only if nothing changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

/// The node's principal cache (see the module docs). Cheap to share (`Arc`).
#[derive(Debug)]
pub struct PrincipalCache {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

impl PrincipalCache {
    /// A cache keeping each entry at most `ttl`, and at most `capacity` entries (the oldest goes
    /// first). A zero `ttl` or `capacity` caches nothing. Serves nothing until
    /// [`CredentialChanges::watching`]`(true)`.
    #[must_use]
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// A cache that never caches (no watch, tests of other things).
    #[must_use]
    pub fn disabled() -> Self {
        Self::new(Duration::zero(), 0)
    }

    /// Entries held now (expired ones included until they are evicted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the cache serves entries now (enabled and its watch connected).
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.enabled() && self.lock().live
    }

    fn enabled(&self) -> bool {
        self.capacity > 0 && self.ttl > Duration::zero()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where a lookup starts; `None` when its result could not be cached anyway.
    pub(crate) fn ticket(&self) -> Option<Ticket> {
        if !self.enabled() {
            return None;
        }
        let inner = self.lock();
        inner.live.then_some(Ticket(inner.generation))
    }

    /// The caller of a cached session that is still valid at `now`: fresh (within the TTL) and
    /// before both of its deadlines as last known. A stale entry is dropped.
    pub(crate) fn session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
    ) -> Option<(Authorized, CachedSession)> {
        let key = Key::Session(hash.0);
        let mut inner = self.lock();
        let entry = self.fresh(&mut inner, key, now)?;
        match entry.holder {
            Holder::Session(s) if now < s.expires_at && now < s.idle_expires_at => {
                Some((entry.authorized, s))
            }
            _ => {
                inner.entries.remove(&key);
                None
            }
        }
    }

    /// The caller of a cached API token that is still valid at `now` (fresh, not expired).
    pub(crate) fn token(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
    ) -> Option<(Authorized, CachedToken)> {
        let key = Key::Token(hash.0);
        let mut inner = self.lock();
        let entry = self.fresh(&mut inner, key, now)?;
        match entry.holder {
            Holder::Token(t) if t.expires_at.is_none_or(|at| now < at) => {
                Some((entry.authorized, t))
            }
            _ => {
                inner.entries.remove(&key);
                None
            }
        }
    }

    fn fresh(&self, inner: &mut Inner, key: Key, now: DateTime<Utc>) -> Option<Entry> {
        if !inner.live || !self.enabled() {
            return None;
        }
        let entry = *inner.entries.get(&key)?;
        if now >= entry.cached_at + self.ttl || now < entry.cached_at - self.ttl {
            inner.entries.remove(&key);
            return None;
        }
        Some(entry)
    }

    /// Caches a session's caller, unless something changed since `ticket`.
    pub(crate) fn put_session(
        &self,
        ticket: Ticket,
        hash: TokenHash,
        authorized: Authorized,
        session: CachedSession,
        now: DateTime<Utc>,
    ) {
        self.put(
            ticket,
            Key::Session(hash.0),
            authorized,
            Holder::Session(session),
            now,
        );
    }

    /// Caches an API token's caller, unless something changed since `ticket`.
    pub(crate) fn put_token(
        &self,
        ticket: Ticket,
        hash: TokenHash,
        authorized: Authorized,
        token: CachedToken,
        now: DateTime<Utc>,
    ) {
        self.put(
            ticket,
            Key::Token(hash.0),
            authorized,
            Holder::Token(token),
            now,
        );
    }

    fn put(
        &self,
        ticket: Ticket,
        key: Key,
        authorized: Authorized,
        holder: Holder,
        now: DateTime<Utc>,
    ) {
        let mut inner = self.lock();
        if !inner.live || inner.generation != ticket.0 || !self.enabled() {
            return;
        }
        if !inner.entries.contains_key(&key) {
            while inner.entries.len() >= self.capacity {
                let Some((old, seq)) = inner.order.pop_front() else {
                    break;
                };
                if inner.entries.get(&old).is_some_and(|e| e.seq == seq) {
                    inner.entries.remove(&old);
                }
            }
        }
        inner.seq += 1;
        let seq = inner.seq;
        inner.entries.insert(
            key,
            Entry {
                seq,
                cached_at: now,
                authorized,
                holder,
            },
        );
        inner.order.push_back((key, seq));
        if inner.order.len() > 2 * self.capacity + 16 {
            let Inner { entries, order, .. } = &mut *inner;
            order.retain(|(k, s)| entries.get(k).is_some_and(|e| e.seq == *s));
        }
    }

    /// Records that a cached session's use was written (its idle deadline slid).
    pub(crate) fn session_seen(
        &self,
        hash: TokenHash,
        seen_at: DateTime<Utc>,
        idle_expires_at: DateTime<Utc>,
    ) {
        let mut inner = self.lock();
        if let Some(Entry {
            holder: Holder::Session(s),
            ..
        }) = inner.entries.get_mut(&Key::Session(hash.0))
        {
            s.last_seen_at = seen_at;
            s.idle_expires_at = idle_expires_at;
        }
    }

    /// Records that a cached token's use was written.
    pub(crate) fn token_used(&self, hash: TokenHash, at: DateTime<Utc>) {
        let mut inner = self.lock();
        if let Some(Entry {
            holder: Holder::Token(t),
            ..
        }) = inner.entries.get_mut(&Key::Token(hash.0))
        {
            t.last_used_at = Some(at);
        }
    }

    /// Drops what `change` touches on this node (the use case that made it calls this at once;
    /// the watch calls it on every node).
    pub fn forget(&self, change: CredentialChange) {
        let mut inner = self.lock();
        inner.generation += 1;
        match change {
            CredentialChange::Session(hash) => {
                inner.entries.remove(&Key::Session(hash.0));
            }
            CredentialChange::Token(hash) => {
                inner.entries.remove(&Key::Token(hash.0));
            }
            CredentialChange::Member {
                user_id,
                auth_user_id,
            } => inner.entries.retain(|_, e| match e.holder {
                Holder::Session(s) => {
                    Some(s.auth_user_id) != auth_user_id
                        && e.authorized.principal.user_id != Some(user_id)
                }
                Holder::Token(t) => t.creator != Some(user_id),
            }),
        }
    }

    /// Drops every session of an identity on this node.
    pub(crate) fn forget_identity(&self, auth_user_id: AuthUserId) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| match e.holder {
            Holder::Session(s) => s.auth_user_id != auth_user_id,
            Holder::Token(_) => true,
        });
    }

    /// Drops the API token with this id on this node.
    pub(crate) fn forget_token_id(&self, id: Uuid) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| match e.holder {
            Holder::Token(t) => t.id != id,
            Holder::Session(_) => true,
        });
    }

    /// Drops everything.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.order.clear();
    }
}

impl CredentialChanges for PrincipalCache {
    fn watching(&self, live: bool) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.order.clear();
        inner.live = live;
    }

    fn changed(&self, change: CredentialChange) {
        self.forget(change);
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "local_forget_tests.rs"]
mod local_forget_tests;
