#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::{Membership, Role, SessionRecord};
use domain::{AuthUserId, UserId};
use uuid::Uuid;

const A: CompanyId = CompanyId(Uuid::from_u128(10));
const B: CompanyId = CompanyId(Uuid::from_u128(20));

fn member_of(company: CompanyId, status: UserStatus) -> Membership {
    Membership {
        user_id: UserId(company.0),
        company_id: company,
        company_name: "Clínica".into(),
        email: "rec@clinic.test".into(),
        name: "Rec".into(),
        role: Role::Staff,
        status,
    }
}

fn mocks(b_status: UserStatus) -> Mocks {
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| {
        Ok(Some(SessionRecord {
            id: Uuid::nil(),
            auth_user_id: AuthUserId(Uuid::from_u128(1)),
            last_seen_at: t0(),
            idle_expires_at: t0() + Duration::hours(1),
            expires_at: t0() + Duration::days(1),
            active_company_id: Some(A),
        }))
    });
    m.directory.expect_memberships_of().returning(move |_| {
        Ok(vec![
            member_of(A, UserStatus::Active),
            member_of(B, b_status),
        ])
    });
    m
}

fn cmd(company: CompanyId) -> SwitchClinic {
    SwitchClinic {
        session_token: "cookie-a".into(),
        company_id: company,
        client: ClientInfo::default(),
    }
}

#[tokio::test]
async fn switching_issues_a_new_session_in_the_other_clinic_and_deletes_the_old_one() {
    let mut m = mocks(UserStatus::Active);
    m.sessions
        .expect_delete()
        .withf(|h| *h == fake_hash("cookie-a"))
        .times(1)
        .returning(|_| Ok(()));
    m.sessions
        .expect_create()
        .withf(|s| {
            s.active_company_id == Some(B) && s.auth_user_id == AuthUserId(Uuid::from_u128(1))
        })
        .times(1)
        .returning(|_| Ok(()));
    let out = switch_clinic(&m.deps(), cmd(B)).await.unwrap();
    assert_eq!(out.account.membership.unwrap().company_id, B);
    assert_eq!(out.account.memberships.len(), 2);
}

#[tokio::test]
async fn a_clinic_the_account_is_not_an_active_member_of_is_refused() {
    let mut m = mocks(UserStatus::Disabled);
    m.sessions.expect_create().never();
    let err = switch_clinic(&m.deps(), cmd(B)).await.unwrap_err();
    assert!(matches!(err, SwitchClinicError::UserDisabled), "{err:?}");
    let mut m = mocks(UserStatus::Active);
    m.sessions.expect_create().never();
    let err = switch_clinic(&m.deps(), cmd(CompanyId(Uuid::from_u128(30))))
        .await
        .unwrap_err();
    assert!(matches!(err, SwitchClinicError::NotAMember), "{err:?}");
    let mut m = Mocks::default();
    m.sessions.expect_find().returning(|_| Ok(None));
    let err = switch_clinic(&m.deps(), cmd(B)).await.unwrap_err();
    assert!(matches!(err, SwitchClinicError::Unauthenticated), "{err:?}");
}
