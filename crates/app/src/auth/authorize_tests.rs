#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::{ApiTokenRecord, Creator, Membership, Role, Scope, Scopes, SessionRecord};
use domain::{AuthUserId, CompanyId, UserId};
use uuid::Uuid;

fn session(last_seen_ago: Duration, idle_left: Duration, max_left: Duration) -> SessionRecord {
    SessionRecord {
        id: Uuid::nil(),
        auth_user_id: AuthUserId(Uuid::from_u128(7)),
        last_seen_at: t0() - last_seen_ago,
        idle_expires_at: t0() + idle_left,
        expires_at: t0() + max_left,
        active_company_id: Some(CompanyId(Uuid::from_u128(9))),
    }
}

fn membership(status: UserStatus) -> Membership {
    Membership {
        user_id: UserId(Uuid::from_u128(8)),
        company_id: CompanyId(Uuid::from_u128(9)),
        company_name: "Clínica".into(),
        email: "ana@clinic.test".into(),
        name: "Ana".into(),
        role: Role::Staff,
        status,
    }
}

fn cookie() -> Credential {
    Credential::Session("cookie-value".into())
}

#[tokio::test]
async fn an_idle_expired_session_is_deleted_and_refused() {
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::hours(13),
            Duration::zero(),
            Duration::days(3),
        )))
    });
    m.sessions
        .expect_delete()
        .withf(|h| *h == fake_hash("cookie-value"))
        .times(1)
        .returning(|_| Ok(()));
    let err = authorize(&m.deps(), cookie()).await.unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}

#[tokio::test]
async fn an_absolutely_expired_session_is_refused_even_when_recently_used() {
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::seconds(5),
            Duration::hours(11),
            Duration::seconds(-1),
        )))
    });
    m.sessions.expect_delete().times(1).returning(|_| Ok(()));
    let err = authorize(&m.deps(), cookie()).await.unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}

#[tokio::test]
async fn activity_slides_the_idle_deadline_at_most_once_a_minute_and_never_past_the_end() {
    // Seen 2 minutes ago: touched, idle deadline capped by the absolute end (1 h left).
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::minutes(2),
            Duration::hours(1),
            Duration::hours(1),
        )))
    });
    m.sessions
        .expect_touch()
        .withf(|_, seen, idle| *seen == t0() && *idle == t0() + Duration::hours(1))
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    let a = authorize(&m.deps(), cookie()).await.unwrap();
    assert_eq!(a.grant.scopes, Scopes::for_role(Role::Staff));
    let p = a.principal;
    assert_eq!(p.role, Role::Staff);
    assert_eq!(p.user_id, Some(UserId(Uuid::from_u128(8))));
    assert_eq!(p.method, AuthMethod::Session);

    // Seen 30 seconds ago: no write.
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::seconds(30),
            Duration::hours(11),
            Duration::days(6),
        )))
    });
    m.sessions.expect_touch().never();
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    authorize(&m.deps(), cookie()).await.unwrap();
}

#[tokio::test]
async fn an_account_without_a_clinic_is_no_company_and_a_disabled_member_is_refused() {
    for (found, expected) in [
        (vec![], "NoCompany"),
        (vec![membership(UserStatus::Disabled)], "UserDisabled"),
        (vec![membership(UserStatus::Invited)], "NoCompany"),
    ] {
        let mut m = Mocks::default();
        m.sessions.expect_find().returning(|_| {
            Ok(Some(session(
                Duration::zero(),
                Duration::hours(12),
                Duration::days(7),
            )))
        });
        m.directory
            .expect_memberships_of()
            .returning(move |_| Ok(found.clone()));
        m.identities.expect_find_by_id().returning(|id| {
            Ok(Some(domain::auth::Identity {
                id,
                email: "x@y.z".into(),
                provider: domain::auth::IdentityProvider::Local,
                password_hash: None,
                email_verified_at: None,
            }))
        });
        let err = authorize(&m.deps(), cookie()).await.unwrap_err();
        assert!(format!("{err:?}").starts_with(expected), "{err:?}");
    }
}

#[tokio::test]
async fn the_session_acts_in_its_own_clinic_only_never_another_membership() {
    let other = Membership {
        company_id: CompanyId(Uuid::from_u128(99)),
        user_id: UserId(Uuid::from_u128(98)),
        role: Role::Admin,
        ..membership(UserStatus::Active)
    };
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::zero(),
            Duration::hours(12),
            Duration::days(7),
        )))
    });
    let both = vec![other, membership(UserStatus::Active)];
    m.directory
        .expect_memberships_of()
        .returning(move |_| Ok(both.clone()));
    let a = authorize(&m.deps(), cookie()).await.unwrap();
    assert_eq!(a.principal.company_id, CompanyId(Uuid::from_u128(9)));
    assert_eq!(
        a.principal.role,
        Role::Staff,
        "not the admin role of the other clinic"
    );

    // Disabled in the session's clinic: refused, not moved to the other (active) clinic.
    let other = Membership {
        company_id: CompanyId(Uuid::from_u128(99)),
        ..membership(UserStatus::Active)
    };
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(session(
            Duration::zero(),
            Duration::hours(12),
            Duration::days(7),
        )))
    });
    let both = vec![other, membership(UserStatus::Disabled)];
    m.directory
        .expect_memberships_of()
        .returning(move |_| Ok(both.clone()));
    let err = authorize(&m.deps(), cookie()).await.unwrap_err();
    assert!(matches!(err, AuthorizeError::UserDisabled), "{err:?}");
}

fn token(
    scopes: Scopes,
    expires_in: Option<Duration>,
    revoked: bool,
    creator: Option<(Option<Role>, Option<UserStatus>)>,
) -> ApiTokenRecord {
    ApiTokenRecord {
        id: Uuid::from_u128(1),
        company_id: CompanyId(Uuid::from_u128(2)),
        scopes,
        expires_at: expires_in.map(|d| t0() + d),
        revoked_at: revoked.then(t0),
        last_used_at: Some(t0() - Duration::minutes(5)),
        creator: creator.map(|(role, status)| Creator {
            user_id: UserId(Uuid::from_u128(3)),
            role,
            status,
        }),
    }
}

async fn with_token(record: ApiTokenRecord) -> Result<Authorized, AuthorizeError> {
    let mut m = Mocks::default();
    m.directory
        .expect_api_token()
        .withf(|h| *h == fake_hash("atk_abc"))
        .returning(move |_| Ok(Some(record.clone())));
    m.api_tokens.expect_mark_used().returning(|_, _, _| Ok(()));
    authorize(&m.deps(), Credential::Bearer("atk_abc".into())).await
}

#[tokio::test]
async fn api_tokens_work_until_revoked_and_record_their_use() {
    let admin = Some((Some(Role::Admin), Some(UserStatus::Active)));
    let mut m = Mocks::default();
    let record = token(Scopes::ALL, Some(Duration::days(1)), false, admin);
    m.directory
        .expect_api_token()
        .returning(move |_| Ok(Some(record.clone())));
    m.api_tokens
        .expect_mark_used()
        .withf(|t, id, at| {
            t.company_id == CompanyId(Uuid::from_u128(2))
                && *id == Uuid::from_u128(1)
                && *at == t0()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let a = authorize(&m.deps(), Credential::Bearer("atk_abc".into()))
        .await
        .unwrap();
    assert_eq!(a.principal.method, AuthMethod::ApiToken);
    assert_eq!(a.principal.user_id, None);
    assert_eq!(a.principal.role, Role::Admin);
    assert_eq!(a.grant.on_behalf_of, Some(UserId(Uuid::from_u128(3))));
    assert!(a.grant.is_token);

    let err = with_token(token(Scopes::ALL, None, true, admin))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}

#[tokio::test]
async fn expired_tokens_and_tokens_of_disabled_or_demoted_creators_stop_at_once() {
    let read = Scopes::of([Scope::Read]);
    let admin_scope = Scopes::of([Scope::Admin]);
    let active = |role| Some((Some(role), Some(UserStatus::Active)));
    for (record, works) in [
        // Expiry: the instant itself is too late.
        (
            token(read, Some(Duration::zero()), false, active(Role::Admin)),
            false,
        ),
        (
            token(read, Some(Duration::seconds(1)), false, active(Role::Admin)),
            true,
        ),
        // The creator disabled, or gone.
        (
            token(
                read,
                None,
                false,
                Some((Some(Role::Admin), Some(UserStatus::Disabled))),
            ),
            false,
        ),
        (token(read, None, false, Some((None, None))), false),
        // Demoted: an admin scope is no longer allowed; a read scope still is.
        (token(admin_scope, None, false, active(Role::Staff)), false),
        (token(read, None, false, active(Role::Staff)), true),
        // Made by the operator (no creator): its own scopes.
        (token(admin_scope, None, false, None), true),
    ] {
        let scopes = record.scopes;
        let outcome = with_token(record).await;
        assert_eq!(outcome.is_ok(), works, "{scopes:?}: {outcome:?}");
        if let Ok(a) = outcome {
            assert_eq!(a.grant.scopes, scopes);
            assert_eq!(a.principal.role, scopes.role());
        }
    }
}

#[tokio::test]
async fn a_foreign_bearer_token_without_a_provider_is_unauthenticated() {
    let m = Mocks::default();
    let err = authorize(&m.deps(), Credential::Bearer("eyJhbGciOi".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}

/// A clock the test moves.
struct StepClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl StepClock {
    fn at(&self, t: chrono::DateTime<chrono::Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

impl domain::ports::clock::Clock for StepClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

/// `m`'s ports with a movable clock and a live principal cache of `ttl`.
fn cached(m: Mocks, ttl: Duration) -> (crate::Deps, Arc<StepClock>) {
    let clock = Arc::new(StepClock(std::sync::Mutex::new(t0())));
    let mut deps = m.deps();
    deps.clock = clock.clone();
    let cache = super::super::PrincipalCache::new(ttl, 100);
    cache.watching(true);
    deps.principals = Arc::new(cache);
    (deps, clock)
}

#[tokio::test]
async fn a_cached_session_reads_the_store_once_slides_its_idle_deadline_and_ends_on_time() {
    let mut m = Mocks::default();
    // Seen 30 s ago, ends for good in 3 minutes.
    let record = session(
        Duration::seconds(30),
        Duration::hours(11),
        Duration::minutes(3),
    );
    let found = record.clone();
    m.sessions
        .expect_find()
        .withf(|h| *h == fake_hash("cookie-value"))
        .times(2)
        .returning(move |_| Ok(Some(found.clone())));
    m.directory
        .expect_memberships_of()
        .times(1)
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    // Only the use at +31 s is due (a minute after the last write), capped by the end.
    m.sessions
        .expect_touch()
        .withf(|_, seen, idle| {
            *seen == t0() + Duration::seconds(31) && *idle == t0() + Duration::minutes(3)
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.sessions.expect_delete().times(1).returning(|_| Ok(()));
    let (deps, clock) = cached(m, Duration::minutes(10));
    let first = authorize(&deps, cookie()).await.unwrap();
    for secs in [10, 31, 45, 90] {
        clock.at(t0() + Duration::seconds(secs));
        assert_eq!(
            authorize(&deps, cookie()).await.unwrap(),
            first,
            "+{secs} s"
        );
    }
    // Past its absolute end the cached entry is refused and the store says it is gone.
    clock.at(t0() + Duration::minutes(3));
    let err = authorize(&deps, cookie()).await.unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated), "{err:?}");
}

#[tokio::test]
async fn a_cached_token_is_read_again_after_its_ttl_or_a_heard_revocation() {
    let admin = Some((Some(Role::Admin), Some(UserStatus::Active)));
    let mut m = Mocks::default();
    // The store keeps saying "last used 5 minutes ago" (the mock does not record writes).
    let record = token(Scopes::ALL, Some(Duration::days(1)), false, admin);
    m.directory
        .expect_api_token()
        .times(3)
        .returning(move |_| Ok(Some(record.clone())));
    // Uses written: t0 (read), +60 s (a cache hit a minute later), +120 s and +130 s (read).
    m.api_tokens
        .expect_mark_used()
        .withf(|_, _, at| {
            [0, 60, 120, 130]
                .iter()
                .any(|s| *at == t0() + Duration::seconds(*s))
        })
        .times(4)
        .returning(|_, _, _| Ok(()));
    let (deps, clock) = cached(m, Duration::minutes(2));
    let bearer = || Credential::Bearer("atk_abc".into());
    let first = authorize(&deps, bearer()).await.unwrap();
    for secs in [59, 60, 119] {
        clock.at(t0() + Duration::seconds(secs));
        assert_eq!(
            authorize(&deps, bearer()).await.unwrap(),
            first,
            "+{secs} s"
        );
    }
    // The TTL passed: read again.
    clock.at(t0() + Duration::seconds(120));
    authorize(&deps, bearer()).await.unwrap();
    // A revocation heard from the store: read again at once.
    deps.principals
        .changed(domain::ports::accounts::CredentialChange::Token(fake_hash(
            "atk_abc",
        )));
    clock.at(t0() + Duration::seconds(130));
    authorize(&deps, bearer()).await.unwrap();
}

#[tokio::test]
async fn refusals_are_never_cached_and_nothing_is_while_the_watch_is_down() {
    let admin = Some((Some(Role::Admin), Some(UserStatus::Active)));
    let mut m = Mocks::default();
    let revoked = token(Scopes::ALL, None, true, admin);
    m.directory
        .expect_api_token()
        .times(2)
        .returning(move |_| Ok(Some(revoked.clone())));
    m.sessions.expect_find().times(2).returning(|_| {
        Ok(Some(session(
            Duration::seconds(5),
            Duration::hours(11),
            Duration::days(6),
        )))
    });
    m.directory
        .expect_memberships_of()
        .times(2)
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    let (deps, _) = cached(m, Duration::seconds(30));
    for _ in 0..2 {
        let err = authorize(&deps, Credential::Bearer("atk_abc".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, AuthorizeError::Unauthenticated));
    }
    deps.principals.watching(false);
    for _ in 0..2 {
        authorize(&deps, cookie()).await.unwrap();
    }
}
