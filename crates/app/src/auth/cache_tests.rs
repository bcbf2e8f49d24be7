#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::t0;
use domain::auth::{AuthMethod, Grant, Principal, Role};
use domain::{AuthUserId, CompanyId};

fn hash(n: u8) -> TokenHash {
    TokenHash([n; 32])
}

fn authorized(user: u128) -> Authorized {
    Authorized {
        principal: Principal {
            company_id: CompanyId(Uuid::from_u128(9)),
            user_id: Some(UserId(Uuid::from_u128(user))),
            auth_user_id: Some(AuthUserId(Uuid::from_u128(user + 1000))),
            role: Role::Staff,
            method: AuthMethod::Session,
        },
        grant: Grant::member(Role::Staff, Some(UserId(Uuid::from_u128(user)))),
    }
}

fn session_of(user: u128) -> CachedSession {
    CachedSession {
        id: Uuid::from_u128(user + 2000),
        auth_user_id: AuthUserId(Uuid::from_u128(user + 1000)),
        last_seen_at: t0(),
        idle_expires_at: t0() + Duration::hours(12),
        expires_at: t0() + Duration::days(7),
    }
}

fn token_of(id: u128, creator: Option<u128>) -> CachedToken {
    CachedToken {
        id: Uuid::from_u128(id),
        creator: creator.map(|c| UserId(Uuid::from_u128(c))),
        expires_at: None,
        last_used_at: Some(t0()),
    }
}

fn live(ttl_secs: i64, capacity: usize) -> PrincipalCache {
    let cache = PrincipalCache::new(Duration::seconds(ttl_secs), capacity);
    cache.watching(true);
    cache
}

fn put_session(cache: &PrincipalCache, n: u8, user: u128, at: DateTime<Utc>) {
    let ticket = cache.ticket().unwrap();
    cache.put_session(ticket, hash(n), authorized(user), session_of(user), at);
}

#[test]
fn an_entry_is_served_within_its_ttl_and_never_after() {
    let cache = live(30, 100);
    put_session(&cache, 1, 1, t0());
    assert_eq!(cache.session(hash(1), t0()).unwrap().0, authorized(1));
    assert!(
        cache
            .session(hash(1), t0() + Duration::seconds(29))
            .is_some()
    );
    assert!(
        cache
            .session(hash(1), t0() + Duration::seconds(30))
            .is_none()
    );
    assert!(
        cache.is_empty(),
        "an entry past its TTL is dropped when found"
    );
    // A session and a token never answer for each other, even with equal hashes.
    put_session(&cache, 2, 2, t0());
    assert!(cache.token(hash(2), t0()).is_none());
}

#[test]
fn an_expired_session_or_token_is_refused_even_within_the_ttl() {
    let cache = live(30, 100);
    let ticket = cache.ticket().unwrap();
    let mut idle_ending = session_of(1);
    idle_ending.idle_expires_at = t0() + Duration::seconds(10);
    cache.put_session(ticket, hash(1), authorized(1), idle_ending, t0());
    let mut ending = session_of(2);
    ending.expires_at = t0() + Duration::seconds(10);
    cache.put_session(ticket, hash(2), authorized(2), ending, t0());
    let mut expiring = token_of(3, None);
    expiring.expires_at = Some(t0() + Duration::seconds(10));
    cache.put_token(ticket, hash(3), authorized(3), expiring, t0());
    let before = t0() + Duration::seconds(9);
    assert!(cache.session(hash(1), before).is_some());
    assert!(cache.session(hash(2), before).is_some());
    assert!(cache.token(hash(3), before).is_some());
    let at = t0() + Duration::seconds(10);
    assert!(cache.session(hash(1), at).is_none());
    assert!(cache.session(hash(2), at).is_none());
    assert!(cache.token(hash(3), at).is_none());
    assert!(cache.is_empty());
}

#[test]
fn a_slid_idle_deadline_keeps_the_session_served() {
    let cache = live(600, 100);
    let ticket = cache.ticket().unwrap();
    let mut s = session_of(1);
    s.idle_expires_at = t0() + Duration::seconds(60);
    cache.put_session(ticket, hash(1), authorized(1), s, t0());
    cache.session_seen(
        hash(1),
        t0() + Duration::seconds(50),
        t0() + Duration::seconds(500),
    );
    let (_, seen) = cache
        .session(hash(1), t0() + Duration::seconds(90))
        .unwrap();
    assert_eq!(seen.last_seen_at, t0() + Duration::seconds(50));
    assert_eq!(seen.idle_expires_at, t0() + Duration::seconds(500));
}

#[test]
fn the_cache_never_holds_more_than_its_capacity_and_evicts_the_oldest() {
    let cache = live(30, 3);
    for n in 1..=50u8 {
        put_session(
            &cache,
            n,
            u128::from(n),
            t0() + Duration::milliseconds(i64::from(n)),
        );
        assert!(cache.len() <= 3, "{} entries after {n}", cache.len());
    }
    let now = t0() + Duration::seconds(1);
    for n in 1..=47u8 {
        assert!(
            cache.session(hash(n), now).is_none(),
            "{n} should be evicted"
        );
    }
    for n in 48..=50u8 {
        assert!(cache.session(hash(n), now).is_some(), "{n} should be kept");
    }
    // Re-putting a held key replaces it without evicting another.
    put_session(&cache, 49, 49, now);
    assert_eq!(cache.len(), 3);
    assert!(cache.session(hash(48), now).is_some());
    // Dropped entries leave no unbounded bookkeeping behind.
    for round in 0..100u8 {
        put_session(&cache, 200, u128::from(round), now);
        cache.forget(CredentialChange::Session(hash(200)));
    }
    assert!(cache.lock().order.len() <= 2 * 3 + 16);
}

#[test]
fn each_change_drops_exactly_what_it_touches() {
    let cache = live(30, 100);
    let ticket = cache.ticket().unwrap();
    for (n, user) in [(1u8, 1u128), (2, 2), (3, 3)] {
        cache.put_session(ticket, hash(n), authorized(user), session_of(user), t0());
    }
    // Tokens 11 (created by member 1), 12 (member 2), 13 (the operator's).
    cache.put_token(ticket, hash(11), authorized(9), token_of(11, Some(1)), t0());
    cache.put_token(ticket, hash(12), authorized(9), token_of(12, Some(2)), t0());
    cache.put_token(ticket, hash(13), authorized(9), token_of(13, None), t0());
    assert_eq!(cache.len(), 6);

    cache.changed(CredentialChange::Session(hash(3)));
    assert!(cache.session(hash(3), t0()).is_none());
    assert_eq!(cache.len(), 5);

    cache.changed(CredentialChange::Token(hash(13)));
    assert!(cache.token(hash(13), t0()).is_none());
    assert_eq!(cache.len(), 4);

    // Member 1 changed: their session and the token they created go, nothing else.
    cache.changed(CredentialChange::Member {
        user_id: UserId(Uuid::from_u128(1)),
        auth_user_id: Some(AuthUserId(Uuid::from_u128(1001))),
    });
    assert!(cache.session(hash(1), t0()).is_none());
    assert!(cache.token(hash(11), t0()).is_none());
    assert!(cache.session(hash(2), t0()).is_some());
    assert!(cache.token(hash(12), t0()).is_some());

    cache.forget_token_id(Uuid::from_u128(12));
    assert!(cache.token(hash(12), t0()).is_none());
    cache.forget_identity(AuthUserId(Uuid::from_u128(1002)));
    assert!(cache.session(hash(2), t0()).is_none());
    assert!(cache.is_empty());
}

#[test]
fn a_lookup_that_overlapped_a_change_is_not_cached() {
    let cache = live(30, 100);
    let ticket = cache.ticket().unwrap();
    // The store was read, then a revocation (of anything) was heard before the result came
    // back: the result may predate it.
    cache.changed(CredentialChange::Token(hash(77)));
    cache.put_session(ticket, hash(1), authorized(1), session_of(1), t0());
    assert!(cache.is_empty());
    put_session(&cache, 1, 1, t0());
    assert_eq!(cache.len(), 1);
}

#[test]
fn nothing_is_served_or_kept_while_the_watch_is_down() {
    let cache = PrincipalCache::new(Duration::seconds(30), 100);
    assert!(!cache.is_live());
    assert!(
        cache.ticket().is_none(),
        "not live before the watch connects"
    );
    cache.watching(true);
    put_session(&cache, 1, 1, t0());
    let ticket = cache.ticket().unwrap();
    cache.watching(false);
    assert!(cache.is_empty(), "losing the watch drops everything");
    assert!(cache.ticket().is_none());
    cache.put_session(ticket, hash(2), authorized(2), session_of(2), t0());
    assert!(cache.session(hash(2), t0()).is_none());
    // Reconnecting starts empty too (notifications may have been missed meanwhile).
    cache.watching(true);
    put_session(&cache, 3, 3, t0());
    cache.watching(true);
    assert!(cache.is_empty());
}

#[test]
fn a_zero_ttl_or_capacity_caches_nothing() {
    for cache in [
        PrincipalCache::new(Duration::zero(), 100),
        PrincipalCache::new(Duration::seconds(30), 0),
        PrincipalCache::disabled(),
    ] {
        cache.watching(true);
        assert!(!cache.is_live());
        assert!(cache.ticket().is_none());
    }
}
