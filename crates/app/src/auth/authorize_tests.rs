#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::{ApiTokenRecord, Membership, Role, SessionRecord};
use domain::{AuthUserId, CompanyId, UserId};
use uuid::Uuid;

fn session(last_seen_ago: Duration, idle_left: Duration, max_left: Duration) -> SessionRecord {
    SessionRecord {
        id: Uuid::nil(),
        auth_user_id: AuthUserId(Uuid::from_u128(7)),
        last_seen_at: t0() - last_seen_ago,
        idle_expires_at: t0() + idle_left,
        expires_at: t0() + max_left,
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
        .expect_membership_of()
        .returning(|_| Ok(Some(membership(UserStatus::Active))));
    let p = authorize(&m.deps(), cookie()).await.unwrap();
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
        .expect_membership_of()
        .returning(|_| Ok(Some(membership(UserStatus::Active))));
    authorize(&m.deps(), cookie()).await.unwrap();
}

#[tokio::test]
async fn an_account_without_a_clinic_is_no_company_and_a_disabled_member_is_refused() {
    for (found, expected) in [
        (None, "NoCompany"),
        (Some(membership(UserStatus::Disabled)), "UserDisabled"),
        (Some(membership(UserStatus::Invited)), "NoCompany"),
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
            .expect_membership_of()
            .returning(move |_| Ok(found.clone()));
        m.identities.expect_find_by_id().returning(|id| {
            Ok(Some(domain::auth::Identity {
                id,
                email: "x@y.z".into(),
                provider: domain::auth::IdentityProvider::Local,
                password_hash: None,
            }))
        });
        let err = authorize(&m.deps(), cookie()).await.unwrap_err();
        assert!(format!("{err:?}").starts_with(expected), "{err:?}");
    }
}

#[tokio::test]
async fn api_tokens_work_until_revoked_and_record_their_use() {
    let record = |revoked: bool| ApiTokenRecord {
        id: Uuid::from_u128(1),
        company_id: CompanyId(Uuid::from_u128(2)),
        role: Role::Admin,
        revoked_at: revoked.then(t0),
        last_used_at: Some(t0() - Duration::minutes(5)),
    };
    let mut m = Mocks::default();
    m.directory
        .expect_api_token()
        .returning(move |_| Ok(Some(record(false))));
    m.api_tokens
        .expect_mark_used()
        .withf(|t, id, at| {
            t.company_id == CompanyId(Uuid::from_u128(2))
                && *id == Uuid::from_u128(1)
                && *at == t0()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let p = authorize(&m.deps(), Credential::Bearer("atk_abc".into()))
        .await
        .unwrap();
    assert_eq!(p.method, AuthMethod::ApiToken);
    assert_eq!(p.user_id, None);

    let mut m = Mocks::default();
    m.directory
        .expect_api_token()
        .returning(move |_| Ok(Some(record(true))));
    let err = authorize(&m.deps(), Credential::Bearer("atk_abc".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}

#[tokio::test]
async fn a_foreign_bearer_token_without_a_provider_is_unauthenticated() {
    let m = Mocks::default();
    let err = authorize(&m.deps(), Credential::Bearer("eyJhbGciOi".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthorizeError::Unauthenticated));
}
