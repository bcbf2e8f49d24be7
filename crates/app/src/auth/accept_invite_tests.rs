#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::InviteRecord;
use domain::{CompanyId, UserId};
use uuid::Uuid;

fn invite(status: UserStatus, expires_in: Duration) -> InviteRecord {
    InviteRecord {
        user_id: UserId(Uuid::from_u128(1)),
        company_id: CompanyId(Uuid::from_u128(2)),
        email: "nova@clinic.test".into(),
        status,
        expires_at: Some(t0() + expires_in),
    }
}

fn cmd(password: &str) -> AcceptInvite {
    AcceptInvite {
        token: "inv_abc".into(),
        password: Password::new(password),
        client: ClientInfo::default(),
    }
}

#[tokio::test]
async fn expired_or_used_invitations_are_refused() {
    for found in [
        invite(UserStatus::Invited, Duration::seconds(-1)),
        invite(UserStatus::Active, Duration::days(1)),
    ] {
        let mut m = Mocks::default();
        m.members
            .expect_invite()
            .withf(|h| *h == fake_hash("inv_abc"))
            .returning(move |_| Ok(Some(found.clone())));
        let err = accept_invite(&m.deps(), cmd("a-long-enough-password"))
            .await
            .unwrap_err();
        assert!(matches!(err, AcceptInviteError::InvalidInvite), "{err:?}");
    }
}

#[tokio::test]
async fn a_valid_invitation_creates_the_identity_and_a_session() {
    let mut m = Mocks::default();
    m.members
        .expect_invite()
        .returning(|_| Ok(Some(invite(UserStatus::Invited, Duration::hours(1)))));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$h".into()));
    m.identities
        .expect_create()
        .withf(|i| i.email.as_str() == "nova@clinic.test" && i.provider == IdentityProvider::Local)
        .times(1)
        .returning(|_| Ok(()));
    m.directory.expect_membership_of().returning(|_| Ok(None));
    m.sessions.expect_create().times(1).returning(|_| Ok(()));
    let out = accept_invite(&m.deps(), cmd("a-long-enough-password"))
        .await
        .unwrap();
    assert_eq!(out.account.email, "nova@clinic.test");
    assert_eq!(out.session_token, "token");

    let m = Mocks::default();
    let err = accept_invite(&m.deps(), cmd("short")).await.unwrap_err();
    assert!(matches!(err, AcceptInviteError::WeakPassword { .. }));
}
