//! Password changes and resets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::auth::{ChangePassword, ChangePasswordError, ClientInfo, change_password};
use crate::deps::testing::{Mocks, fake_hash, open_throttle, t0};
use chrono::Duration;
use domain::auth::{AuthMethod, Member, Membership, Role, SessionRecord, UserStatus};
use domain::ports::crypto::PasswordVerdict;
use domain::{CompanyId, UserId};
use uuid::Uuid;

const ME: AuthUserId = AuthUserId(Uuid::from_u128(1));
const CLINIC: CompanyId = CompanyId(Uuid::from_u128(10));

fn local(provider: IdentityProvider) -> Identity {
    Identity {
        id: ME,
        email: "ana@clinic.test".into(),
        provider,
        password_hash: Some("$argon2id$old".into()),
        email_verified_at: None,
    }
}

fn signed_in(m: &mut Mocks) {
    m.sessions.expect_find().returning(|_| {
        Ok(Some(SessionRecord {
            id: Uuid::nil(),
            auth_user_id: ME,
            last_seen_at: t0(),
            idle_expires_at: t0() + Duration::hours(1),
            expires_at: t0() + Duration::days(1),
            active_company_id: Some(CLINIC),
        }))
    });
}

fn change(current: &str, new: &str) -> ChangePassword {
    ChangePassword {
        session_token: "mine".into(),
        current: Password::new(current),
        new: Password::new(new),
        client: ClientInfo::default(),
    }
}

#[tokio::test]
async fn a_change_checks_the_current_password_and_ends_every_other_session() {
    let mut m = Mocks::default();
    signed_in(&mut m);
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_id()
        .returning(|_| Ok(Some(local(IdentityProvider::Local))));
    m.passwords
        .expect_verify()
        .withf(|p, phc| p.expose() == "old-password" && phc == "$argon2id$old")
        .returning(|_, _| {
            Ok(PasswordVerdict {
                valid: true,
                needs_rehash: false,
            })
        });
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$new".into()));
    m.identities
        .expect_change_password()
        .withf(|id, hash, keep| {
            *id == ME && hash == "$argon2id$new" && *keep == Some(fake_hash("mine"))
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    change_password(&m.deps(), change("old-password", "a-new-long-password"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_supabase_accounts_change_it_there() {
    let mut m = Mocks::default();
    signed_in(&mut m);
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_id()
        .returning(|_| Ok(Some(local(IdentityProvider::Local))));
    m.passwords.expect_verify().returning(|_, _| {
        Ok(PasswordVerdict {
            valid: false,
            needs_rehash: false,
        })
    });
    m.identities.expect_change_password().never();
    let err = change_password(&m.deps(), change("wrong", "a-new-long-password"))
        .await
        .unwrap_err();
    assert!(matches!(err, ChangePasswordError::WrongPassword), "{err:?}");

    let mut m = Mocks::default();
    signed_in(&mut m);
    m.identities
        .expect_find_by_id()
        .returning(|_| Ok(Some(local(IdentityProvider::Supabase))));
    let err = change_password(&m.deps(), change("x", "a-new-long-password"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChangePasswordError::NotLocalAccount),
        "{err:?}"
    );
}

fn admin() -> Principal {
    Principal {
        company_id: CLINIC,
        user_id: Some(UserId(Uuid::from_u128(2))),
        auth_user_id: None,
        role: Role::Admin,
        method: AuthMethod::Session,
    }
}

fn member(auth: Option<AuthUserId>) -> Member {
    Member {
        id: UserId(Uuid::from_u128(3)),
        auth_user_id: auth,
        email: "ana@clinic.test".into(),
        name: "Ana".into(),
        role: Role::Staff,
        status: UserStatus::Active,
        invite_expires_at: None,
        created_at: t0(),
    }
}

fn membership_in(company: CompanyId) -> Membership {
    Membership {
        user_id: UserId(Uuid::from_u128(3)),
        company_id: company,
        company_name: "X".into(),
        email: "ana@clinic.test".into(),
        name: "Ana".into(),
        role: Role::Staff,
        status: UserStatus::Active,
    }
}

#[tokio::test]
async fn an_admin_issues_a_reset_token_only_for_an_account_of_their_clinic_alone() {
    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(Some(ME)))));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership_in(CLINIC)]));
    m.identities
        .expect_find_by_id()
        .returning(|_| Ok(Some(local(IdentityProvider::Local))));
    m.resets
        .expect_issue()
        .withf(|id, hash, at| {
            *id == ME && *hash == fake_hash("rst_token") && *at == t0() + Duration::hours(24)
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let issued = issue_password_reset(&m.deps(), admin(), UserId(Uuid::from_u128(3)))
        .await
        .unwrap();
    assert_eq!(issued.token, "rst_token");

    // The account is also a member of another clinic: that clinic's trust is not ours to spend.
    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(Some(ME)))));
    m.directory.expect_memberships_of().returning(|_| {
        Ok(vec![
            membership_in(CLINIC),
            membership_in(CompanyId(Uuid::from_u128(99))),
        ])
    });
    m.resets.expect_issue().never();
    let err = issue_password_reset(&m.deps(), admin(), UserId(Uuid::from_u128(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, IssueResetError::AccountShared), "{err:?}");

    // Not joined yet, and staff callers.
    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(None))));
    let err = issue_password_reset(&m.deps(), admin(), UserId(Uuid::from_u128(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, IssueResetError::NotJoined), "{err:?}");
    let m = Mocks::default();
    let staff = Principal {
        role: Role::Staff,
        ..admin()
    };
    let err = issue_password_reset(&m.deps(), staff, UserId(Uuid::from_u128(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, IssueResetError::Forbidden), "{err:?}");
}

#[tokio::test]
async fn a_reset_is_checked_before_hashing_and_redeemed_atomically() {
    // A bogus token costs a lookup, never an argon2 run.
    let mut m = Mocks::default();
    m.resets.expect_find().returning(|_, _| Ok(None));
    m.passwords.expect_hash().never();
    let err = redeem_password_reset(
        &m.deps(),
        RedeemReset {
            token: "rst_bogus".into(),
            new: Password::new("a-new-long-password"),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RedeemResetError::InvalidToken), "{err:?}");

    let mut m = Mocks::default();
    m.resets
        .expect_find()
        .withf(|h, now| *h == fake_hash("rst_x") && *now == t0())
        .returning(|_, _| Ok(Some(ME)));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$new".into()));
    m.resets
        .expect_redeem()
        .withf(|h, _, phc| *h == fake_hash("rst_x") && phc == "$argon2id$new")
        .times(1)
        .returning(|_, _, _| Ok(Some(ME)));
    redeem_password_reset(
        &m.deps(),
        RedeemReset {
            token: "rst_x".into(),
            new: Password::new("a-new-long-password"),
        },
    )
    .await
    .unwrap();

    // Spent concurrently between the check and the redeem: invalid.
    let mut m = Mocks::default();
    m.resets.expect_find().returning(|_, _| Ok(Some(ME)));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$new".into()));
    m.resets.expect_redeem().returning(|_, _, _| Ok(None));
    let err = redeem_password_reset(
        &m.deps(),
        RedeemReset {
            token: "rst_x".into(),
            new: Password::new("a-new-long-password"),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RedeemResetError::InvalidToken), "{err:?}");
}
