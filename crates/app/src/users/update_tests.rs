#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, t0};
use domain::auth::{AuthMethod, Tenant};
use domain::{AuthUserId, CompanyId};
use uuid::Uuid;

fn admin_caller() -> Principal {
    Principal {
        company_id: CompanyId(Uuid::from_u128(1)),
        user_id: Some(UserId(Uuid::from_u128(2))),
        auth_user_id: Some(AuthUserId(Uuid::from_u128(2))),
        role: Role::Admin,
        method: AuthMethod::Session,
    }
}

fn member(role: Role, status: UserStatus) -> Member {
    Member {
        id: UserId(Uuid::from_u128(3)),
        auth_user_id: Some(AuthUserId(Uuid::from_u128(4))),
        email: "m@clinic.test".into(),
        name: "M".into(),
        role,
        status,
        invite_expires_at: None,
        created_at: t0(),
    }
}

fn target() -> UserId {
    UserId(Uuid::from_u128(3))
}

#[tokio::test]
async fn demoting_or_disabling_the_last_active_admin_is_refused() {
    for patch in [
        MemberPatch {
            role: Some(Role::Staff),
            ..MemberPatch::default()
        },
        MemberPatch {
            status: Some(UserStatus::Disabled),
            ..MemberPatch::default()
        },
    ] {
        let mut m = Mocks::default();
        m.members
            .expect_get()
            .returning(|_, _| Ok(Some(member(Role::Admin, UserStatus::Active))));
        m.members.expect_count_active_admins().returning(|_| Ok(1));
        m.members.expect_update().never();
        let err = update_member(&m.deps(), admin_caller(), target(), patch)
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateMemberError::LastAdmin), "{err:?}");
    }
}

#[tokio::test]
async fn disabling_one_of_two_admins_ends_their_sessions() {
    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(Role::Admin, UserStatus::Active))));
    m.members.expect_count_active_admins().returning(|_| Ok(2));
    m.members
        .expect_update()
        .withf(|t: &Tenant, id, p| {
            t.company_id == CompanyId(Uuid::from_u128(1))
                && *id == target()
                && p.status == Some(UserStatus::Disabled)
        })
        .returning(|_, _, _| Ok(member(Role::Admin, UserStatus::Disabled)));
    m.sessions
        .expect_delete_in_clinic()
        .withf(|id, company| {
            *id == AuthUserId(Uuid::from_u128(4)) && *company == CompanyId(Uuid::from_u128(1))
        })
        .times(1)
        .returning(|_, _| Ok(1));
    m.sessions.expect_delete_for_identity().never();
    let patch = MemberPatch {
        status: Some(UserStatus::Disabled),
        ..MemberPatch::default()
    };
    let out = update_member(&m.deps(), admin_caller(), target(), patch)
        .await
        .unwrap();
    assert_eq!(out.status, UserStatus::Disabled);
}

#[tokio::test]
async fn the_store_guard_also_maps_to_last_admin() {
    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(Role::Admin, UserStatus::Active))));
    m.members.expect_count_active_admins().returning(|_| Ok(2));
    m.members
        .expect_update()
        .returning(|_, _, _| Err(domain::ports::members::UpdateMemberError::LastAdmin));
    let patch = MemberPatch {
        role: Some(Role::Staff),
        ..MemberPatch::default()
    };
    let err = update_member(&m.deps(), admin_caller(), target(), patch)
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateMemberError::LastAdmin));
}

#[tokio::test]
async fn staff_cannot_update_and_invited_members_cannot_be_activated_by_hand() {
    let m = Mocks::default();
    let staff = Principal {
        role: Role::Staff,
        ..admin_caller()
    };
    let err = update_member(&m.deps(), staff, target(), MemberPatch::default())
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateMemberError::Forbidden));

    let mut m = Mocks::default();
    m.members
        .expect_get()
        .returning(|_, _| Ok(Some(member(Role::Staff, UserStatus::Invited))));
    let patch = MemberPatch {
        status: Some(UserStatus::Active),
        ..MemberPatch::default()
    };
    let err = update_member(&m.deps(), admin_caller(), target(), patch)
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateMemberError::InvalidStatus));
}

fn invited() -> Member {
    Member {
        auth_user_id: None,
        invite_expires_at: Some(t0()),
        ..member(Role::Staff, UserStatus::Invited)
    }
}

#[tokio::test]
async fn revoking_an_invitation_disables_it_and_a_revoked_one_cannot_be_activated() {
    let mut m = Mocks::default();
    m.members.expect_get().returning(|_, _| Ok(Some(invited())));
    m.members
        .expect_update()
        .withf(|_, _, p| p.status == Some(UserStatus::Disabled))
        .times(1)
        .returning(|_, _, _| {
            Ok(Member {
                status: UserStatus::Disabled,
                invite_expires_at: None,
                ..invited()
            })
        });
    m.sessions.expect_delete_in_clinic().never();
    let patch = MemberPatch {
        status: Some(UserStatus::Disabled),
        ..MemberPatch::default()
    };
    let out = update_member(&m.deps(), admin_caller(), target(), patch)
        .await
        .unwrap();
    assert_eq!(out.status, UserStatus::Disabled);

    let mut m = Mocks::default();
    m.members.expect_get().returning(|_, _| {
        Ok(Some(Member {
            status: UserStatus::Disabled,
            ..invited()
        }))
    });
    m.members.expect_update().never();
    let patch = MemberPatch {
        status: Some(UserStatus::Active),
        ..MemberPatch::default()
    };
    let err = update_member(&m.deps(), admin_caller(), target(), patch)
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateMemberError::InvalidStatus), "{err:?}");
}

#[tokio::test]
async fn blank_long_and_control_character_names_are_refused_before_the_store() {
    for name in ["  ", "a\u{0}b", "x\ny", &"n".repeat(201)] {
        let m = Mocks::default();
        let patch = MemberPatch {
            name: Some(name.to_owned()),
            ..MemberPatch::default()
        };
        let err = update_member(&m.deps(), admin_caller(), target(), patch)
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateMemberError::InvalidName), "{name:?}");
    }
}
