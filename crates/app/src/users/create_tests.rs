#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::{AuthMethod, UserStatus};
use domain::{CompanyId, UserId};
use uuid::Uuid;

fn admin() -> Principal {
    Principal {
        company_id: CompanyId(Uuid::from_u128(1)),
        user_id: Some(UserId(Uuid::from_u128(2))),
        auth_user_id: None,
        role: Role::Admin,
        method: AuthMethod::Session,
    }
}

fn stored(new: &NewMember) -> Member {
    Member {
        id: new.id,
        auth_user_id: new.auth_user_id,
        email: new.email.as_str().to_owned(),
        name: new.name.clone(),
        role: new.role,
        status: if new.auth_user_id.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        },
        invite_expires_at: new.invite.map(|(_, at)| at),
        created_at: t0(),
    }
}

#[tokio::test]
async fn without_a_password_an_invitation_valid_seven_days_is_issued_and_only_its_hash_stored() {
    let mut m = Mocks::default();
    m.members
        .expect_create()
        .withf(|_, new, identity| {
            identity.is_none()
                && new.email.as_str() == "nova@clinic.test"
                && new.invite == Some((fake_hash("inv_token"), t0() + Duration::days(7)))
        })
        .returning(|_, new, _| Ok(stored(&new)));
    let created = create_member(
        &m.deps(),
        admin(),
        CreateMember {
            email: " Nova@Clinic.TEST".into(),
            name: "Nova".into(),
            role: Role::Staff,
            password: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(created.member.status, UserStatus::Invited);
    assert_eq!(
        created.invite,
        Some(("inv_token".to_owned(), t0() + Duration::days(7)))
    );
}

#[tokio::test]
async fn with_a_password_the_identity_is_created_with_the_member() {
    let mut m = Mocks::default();
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![]));
    m.passwords
        .expect_hash()
        .returning(|_| Ok("$argon2id$h".into()));
    m.members
        .expect_create()
        .withf(|_, new, identity| {
            identity.as_ref().is_some_and(|i| {
                i.password_hash.as_deref() == Some("$argon2id$h") && Some(i.id) == new.auth_user_id
            }) && new.invite.is_none()
        })
        .returning(|_, new, _| Ok(stored(&new)));
    let created = create_member(
        &m.deps(),
        admin(),
        CreateMember {
            email: "ready@clinic.test".into(),
            name: "Ready".into(),
            role: Role::Admin,
            password: Some(Password::new("a-long-enough-password")),
        },
    )
    .await
    .unwrap();
    assert_eq!(created.member.status, UserStatus::Active);
    assert!(created.invite.is_none());
}

#[tokio::test]
async fn duplicates_short_passwords_and_staff_callers_are_refused() {
    let mut m = Mocks::default();
    m.members
        .expect_create()
        .returning(|_, _, _| Err(StoreError::EmailInClinic));
    let cmd = CreateMember {
        email: "dup@clinic.test".into(),
        name: "Dup".into(),
        role: Role::Staff,
        password: None,
    };
    let err = create_member(&m.deps(), admin(), cmd.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, CreateMemberError::UserExists));

    let m = Mocks::default();
    let short = CreateMember {
        password: Some(Password::new("short")),
        ..cmd.clone()
    };
    let err = create_member(&m.deps(), admin(), short).await.unwrap_err();
    assert!(matches!(err, CreateMemberError::WeakPassword { .. }));

    let m = Mocks::default();
    let staff = Principal {
        role: Role::Staff,
        ..admin()
    };
    let err = create_member(&m.deps(), staff, cmd).await.unwrap_err();
    assert!(matches!(err, CreateMemberError::Forbidden));
}

#[tokio::test]
async fn in_supabase_mode_an_invitation_also_gets_a_token_and_names_are_cleaned() {
    let mut m = Mocks::default();
    m.members
        .expect_create()
        .withf(|_, new, _| new.invite.is_some() && new.name == "Nova")
        .returning(|_, new, _| Ok(stored(&new)));
    let mut deps = m.deps();
    deps.external = Some(std::sync::Arc::new(
        domain::ports::external_auth::MockExternalAuthProvider::new(),
    ));
    let created = create_member(
        &deps,
        admin(),
        CreateMember {
            email: "nova@clinic.test".into(),
            name: "  Nova ".into(),
            role: Role::Staff,
            password: None,
        },
    )
    .await
    .unwrap();
    assert!(created.invite.is_some());

    let m = Mocks::default();
    let err = create_member(
        &m.deps(),
        admin(),
        CreateMember {
            email: "nova@clinic.test".into(),
            name: "No\u{0}va".into(),
            role: Role::Staff,
            password: None,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CreateMemberError::InvalidName), "{err:?}");
}
