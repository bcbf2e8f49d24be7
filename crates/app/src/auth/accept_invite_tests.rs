#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::{Identity, InviteRecord, Membership, Role, SessionRecord};
use domain::ports::external_auth::{ExternalUser, MockExternalAuthProvider};
use domain::{CompanyId, UserId};
use std::sync::Arc;
use uuid::Uuid;

const CLINIC_A: CompanyId = CompanyId(Uuid::from_u128(2));

fn invite(status: UserStatus, expires_in: Duration) -> InviteRecord {
    InviteRecord {
        user_id: UserId(Uuid::from_u128(1)),
        company_id: CLINIC_A,
        email: "nova@clinic.test".into(),
        status,
        expires_at: Some(t0() + expires_in),
    }
}

fn with_password(password: &str) -> AcceptInvite {
    AcceptInvite {
        token: "inv_abc".into(),
        password: Some(Password::new(password)),
        credential: None,
        client: ClientInfo::default(),
    }
}

fn signed_in(credential: Credential) -> AcceptInvite {
    AcceptInvite {
        token: "inv_abc".into(),
        password: None,
        credential: Some(credential),
        client: ClientInfo::default(),
    }
}

fn membership_in(company: CompanyId) -> Membership {
    Membership {
        user_id: UserId(Uuid::from_u128(1)),
        company_id: company,
        company_name: "A".into(),
        email: "nova@clinic.test".into(),
        name: "Nova".into(),
        role: Role::Staff,
        status: UserStatus::Active,
    }
}

fn valid_invite(m: &mut Mocks) {
    m.members
        .expect_invite()
        .withf(|h| *h == fake_hash("inv_abc"))
        .returning(|_| Ok(Some(invite(UserStatus::Invited, Duration::hours(1)))));
}

fn identity(id: AuthUserId, email: &str, provider: IdentityProvider, verified: bool) -> Identity {
    Identity {
        id,
        email: email.into(),
        provider,
        password_hash: None,
        email_verified_at: verified.then(t0),
    }
}

fn session_of(id: AuthUserId) -> SessionRecord {
    SessionRecord {
        id: Uuid::nil(),
        auth_user_id: id,
        last_seen_at: t0(),
        idle_expires_at: t0() + Duration::hours(1),
        expires_at: t0() + Duration::days(1),
        active_company_id: None,
    }
}

#[tokio::test]
async fn expired_used_and_unknown_invitations_are_refused() {
    for found in [
        Some(invite(UserStatus::Invited, Duration::seconds(-1))),
        Some(invite(UserStatus::Active, Duration::days(1))),
        Some(invite(UserStatus::Disabled, Duration::days(1))),
        None,
    ] {
        let mut m = Mocks::default();
        m.members
            .expect_invite()
            .returning(move |_| Ok(found.clone()));
        m.members.expect_accept().never();
        let err = accept_invite(&m.deps(), with_password("a-long-enough-password"))
            .await
            .unwrap_err();
        assert!(matches!(err, AcceptInviteError::InvalidInvite), "{err:?}");
    }
}

#[tokio::test]
async fn with_a_password_exactly_the_tokens_row_is_linked_to_a_new_identity_and_the_session_acts_in_its_clinic()
 {
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![]));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$h".into()));
    m.identities.expect_create().never();
    m.members
        .expect_accept()
        .withf(|a| {
            a.company_id == CLINIC_A
                && a.user_id == UserId(Uuid::from_u128(1))
                && a.token_hash == fake_hash("inv_abc")
                && a.now == t0()
                && a.new_identity.as_ref().is_some_and(|i| {
                    i.id == a.auth_user_id
                        && i.email.as_str() == "nova@clinic.test"
                        && i.provider == IdentityProvider::Local
                        && i.password_hash.as_deref() == Some("$argon2id$h")
                })
        })
        .times(1)
        .returning(|_| Ok(()));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership_in(CLINIC_A)]));
    m.sessions
        .expect_create()
        .withf(|s| s.active_company_id == Some(CLINIC_A))
        .times(1)
        .returning(|_| Ok(()));
    let out = accept_invite(&m.deps(), with_password("a-long-enough-password"))
        .await
        .unwrap();
    assert_eq!(out.account.email, "nova@clinic.test");
    assert_eq!(out.account.membership.unwrap().company_id, CLINIC_A);
    assert_eq!(out.session_token, "token");
}

#[tokio::test]
async fn a_row_that_changed_meanwhile_is_an_invalid_invitation_and_short_passwords_are_refused() {
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![]));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$h".into()));
    m.members
        .expect_accept()
        .returning(|_| Err(AcceptInvitationError::Gone));
    m.sessions.expect_create().never();
    let err = accept_invite(&m.deps(), with_password("a-long-enough-password"))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInviteError::InvalidInvite), "{err:?}");

    let mut m = Mocks::default();
    valid_invite(&mut m);
    let err = accept_invite(&m.deps(), with_password("short"))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInviteError::WeakPassword { .. }));
}

#[tokio::test]
async fn an_address_with_accounts_still_gets_its_own_new_account_up_to_the_cap() {
    // One account exists (say, made with another clinic's token by whoever held it): the
    // invitee still joins with a password of their own, as a separate account.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities.expect_find_by_email().returning(|_| {
        Ok(vec![identity(
            AuthUserId::new(),
            "nova@clinic.test",
            IdentityProvider::Local,
            false,
        )])
    });
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$h".into()));
    m.members
        .expect_accept()
        .withf(|a| a.new_identity.is_some())
        .times(1)
        .returning(|_| Ok(()));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership_in(CLINIC_A)]));
    m.sessions.expect_create().returning(|_| Ok(()));
    accept_invite(&m.deps(), with_password("a-long-enough-password"))
        .await
        .unwrap();

    // At the cap, no more accounts: sign in to one and accept without a password.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities.expect_find_by_email().returning(|_| {
        Ok((0..MAX_ACCOUNTS_PER_EMAIL)
            .map(|_| {
                identity(
                    AuthUserId::new(),
                    "nova@clinic.test",
                    IdentityProvider::Local,
                    false,
                )
            })
            .collect())
    });
    m.passwords.expect_hash().never();
    let err = accept_invite(&m.deps(), with_password("a-long-enough-password"))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInviteError::AccountExists), "{err:?}");
}

#[tokio::test]
async fn an_existing_account_accepts_signed_in_without_a_second_password() {
    // Signed in as that account: linked without a password, the old session replaced.
    let id = AuthUserId::new();
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.sessions
        .expect_find()
        .returning(move |_| Ok(Some(session_of(id))));
    m.identities.expect_find_by_id().returning(move |_| {
        Ok(Some(identity(
            id,
            "nova@clinic.test",
            IdentityProvider::Local,
            false,
        )))
    });
    m.members
        .expect_accept()
        .withf(move |a| a.auth_user_id == id && a.new_identity.is_none())
        .times(1)
        .returning(|_| Ok(()));
    m.directory.expect_memberships_of().returning(|_| {
        Ok(vec![
            membership_in(CompanyId::new()),
            membership_in(CLINIC_A),
        ])
    });
    m.sessions
        .expect_delete()
        .withf(|h| *h == fake_hash("old-cookie"))
        .times(1)
        .returning(|_| Ok(()));
    m.sessions
        .expect_create()
        .withf(|s| s.active_company_id == Some(CLINIC_A))
        .times(1)
        .returning(|_| Ok(()));
    let out = accept_invite(
        &m.deps(),
        signed_in(Credential::Session("old-cookie".into())),
    )
    .await
    .unwrap();
    assert_eq!(out.account.memberships.len(), 2);
}

#[tokio::test]
async fn another_email_or_no_credential_cannot_accept() {
    let id = AuthUserId::new();
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.sessions
        .expect_find()
        .returning(move |_| Ok(Some(session_of(id))));
    m.identities.expect_find_by_id().returning(move |_| {
        Ok(Some(identity(
            id,
            "someone-else@clinic.test",
            IdentityProvider::Local,
            true,
        )))
    });
    m.members.expect_accept().never();
    let err = accept_invite(&m.deps(), signed_in(Credential::Session("c".into())))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInviteError::EmailMismatch), "{err:?}");

    let mut m = Mocks::default();
    valid_invite(&mut m);
    let mut anonymous = signed_in(Credential::Session("c".into()));
    anonymous.credential = None;
    let err = accept_invite(&m.deps(), anonymous).await.unwrap_err();
    assert!(matches!(err, AcceptInviteError::SignInRequired), "{err:?}");

    let mut m = Mocks::default();
    valid_invite(&mut m);
    let err = accept_invite(&m.deps(), signed_in(Credential::Bearer("atk_x".into())))
        .await
        .unwrap_err();
    assert!(matches!(err, AcceptInviteError::SignInRequired), "{err:?}");
}

fn supabase(m: Mocks, verified: bool) -> crate::Deps {
    let sub = AuthUserId(Uuid::from_u128(77));
    let mut external = MockExternalAuthProvider::new();
    external.expect_current_user().returning(move |_| {
        Ok(ExternalUser {
            auth_user_id: sub,
            email: Some("Nova@Clinic.test".into()),
            email_verified: verified,
        })
    });
    let mut deps = m.deps();
    deps.external = Some(Arc::new(external));
    deps
}

#[tokio::test]
async fn in_supabase_mode_only_a_verified_email_is_linked_and_only_through_the_token() {
    let sub = AuthUserId(Uuid::from_u128(77));
    // Not verified: the identity is mirrored, nothing is linked.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities
        .expect_sync_external()
        .returning(|_, _, _| Ok(()));
    m.members.expect_accept().never();
    let err = accept_invite(
        &supabase(m, false),
        signed_in(Credential::Bearer("eyJ.x.y".into())),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AcceptInviteError::EmailNotVerified),
        "{err:?}"
    );

    // Verified: the token's row is linked to the Supabase identity.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.identities
        .expect_sync_external()
        .withf(move |id, _, verified| *id == sub && *verified == Some(t0()))
        .returning(|_, _, _| Ok(()));
    m.members
        .expect_accept()
        .withf(move |a| a.auth_user_id == sub && a.company_id == CLINIC_A)
        .times(1)
        .returning(|_| Ok(()));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership_in(CLINIC_A)]));
    m.sessions.expect_create().times(1).returning(|_| Ok(()));
    accept_invite(
        &supabase(m, true),
        signed_in(Credential::Bearer("eyJ.x.y".into())),
    )
    .await
    .unwrap();

    // A password is never accepted in Supabase mode.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    let err = accept_invite(&supabase(m, true), with_password("a-long-enough-password"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AcceptInviteError::PasswordNotAccepted),
        "{err:?}"
    );

    // A session of an unverified Supabase identity is refused too.
    let mut m = Mocks::default();
    valid_invite(&mut m);
    m.sessions
        .expect_find()
        .returning(move |_| Ok(Some(session_of(sub))));
    m.identities.expect_find_by_id().returning(move |_| {
        Ok(Some(identity(
            sub,
            "nova@clinic.test",
            IdentityProvider::Supabase,
            false,
        )))
    });
    m.members.expect_accept().never();
    let err = accept_invite(
        &supabase(m, true),
        signed_in(Credential::Session("c".into())),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AcceptInviteError::EmailNotVerified),
        "{err:?}"
    );
}
