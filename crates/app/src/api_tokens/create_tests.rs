#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use chrono::Duration;
use domain::auth::AuthMethod;
use domain::{CompanyId, UserId};

fn admin() -> Principal {
    Principal {
        company_id: CompanyId(Uuid::from_u128(1)),
        user_id: Some(UserId(Uuid::from_u128(2))),
        auth_user_id: None,
        role: Role::Admin,
        method: AuthMethod::Session,
    }
}

fn admin_token() -> Principal {
    Principal {
        user_id: None,
        method: AuthMethod::ApiToken,
        ..admin()
    }
}

fn token_grant(scopes: Scopes, expires_in: Option<Duration>) -> Grant {
    Grant {
        scopes,
        expires_at: expires_in.map(|d| t0() + d),
        on_behalf_of: Some(UserId(Uuid::from_u128(5))),
        is_token: true,
    }
}

fn cmd(scopes: Scopes, expiry: Expiry) -> CreateApiToken {
    CreateApiToken {
        name: "n8n".into(),
        scopes,
        expiry,
    }
}

fn read() -> Scopes {
    Scopes::of([Scope::Read])
}

async fn run(
    caller: Principal,
    grant: Grant,
    cmd: CreateApiToken,
) -> (
    Result<CreatedApiToken, CreateApiTokenError>,
    Vec<NewApiToken>,
) {
    let stored = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&stored);
    let mut m = Mocks::default();
    m.api_tokens.expect_create().returning(move |_, new| {
        log.lock().unwrap().push(new);
        Ok(())
    });
    let out = issue_api_token(&m.deps(), caller, grant, cmd).await;
    let stored = stored.lock().unwrap().clone();
    (out, stored)
}

#[tokio::test]
async fn the_default_expiry_is_ninety_days_and_only_the_hash_is_stored() {
    let (out, stored) = run(
        admin(),
        Grant::member(Role::Admin, admin().user_id),
        cmd(read(), Expiry::Default),
    )
    .await;
    let created = out.unwrap();
    assert_eq!(created.token, "atk_token");
    assert_eq!(created.summary.expires_at, Some(t0() + Duration::days(90)));
    assert_eq!(created.summary.role, Role::Staff);
    assert_eq!(stored[0].token_hash, fake_hash("atk_token"));
    assert_eq!(stored[0].created_by, admin().user_id);
    assert_eq!(stored[0].scopes, read());
}

#[tokio::test]
async fn an_explicit_expiry_is_at_most_a_year_away_and_never_only_for_a_signed_in_admin() {
    let member = Grant::member(Role::Admin, admin().user_id);
    for (expiry, ok) in [
        (Expiry::At(t0() + Duration::days(365)), true),
        (Expiry::At(t0() + Duration::days(366)), false),
        (Expiry::At(t0()), false),
        (Expiry::At(t0() - Duration::days(1)), false),
        (Expiry::Never, true),
    ] {
        let (out, stored) = run(admin(), member, cmd(read(), expiry)).await;
        assert_eq!(out.is_ok(), ok, "{expiry:?}: {out:?}");
        assert_eq!(stored.len(), usize::from(ok));
        if expiry == Expiry::Never {
            assert_eq!(stored[0].expires_at, None);
        }
    }
}

#[tokio::test]
async fn a_token_mints_neither_wider_longer_nor_everlasting_tokens_and_acts_for_its_creator() {
    let grant = token_grant(Scopes::ALL, Some(Duration::days(10)));
    // The default is cut to the creating token's own expiry.
    let (out, stored) = run(admin_token(), grant, cmd(read(), Expiry::Default)).await;
    assert_eq!(
        out.unwrap().summary.expires_at,
        Some(t0() + Duration::days(10))
    );
    assert_eq!(stored[0].created_by, Some(UserId(Uuid::from_u128(5))));
    for expiry in [Expiry::Never, Expiry::At(t0() + Duration::days(11))] {
        let (out, stored) = run(admin_token(), grant, cmd(read(), expiry)).await;
        assert!(
            matches!(out, Err(CreateApiTokenError::InvalidExpiry { .. })),
            "{expiry:?}: {out:?}"
        );
        assert!(stored.is_empty());
    }
}

#[tokio::test]
async fn without_the_admin_scope_or_role_no_token_is_created() {
    let staff = Principal {
        role: Role::Staff,
        ..admin_token()
    };
    for (caller, grant) in [
        (staff, token_grant(Scopes::for_role(Role::Staff), None)),
        (
            Principal {
                role: Role::Staff,
                ..admin()
            },
            Grant::member(Role::Staff, None),
        ),
    ] {
        let (out, stored) = run(caller, grant, cmd(read(), Expiry::Default)).await;
        assert!(
            matches!(out, Err(CreateApiTokenError::Forbidden)),
            "{out:?}"
        );
        assert!(stored.is_empty());
    }
    let (out, _) = run(
        admin(),
        Grant::member(Role::Admin, None),
        cmd(Scopes::NONE, Expiry::Default),
    )
    .await;
    assert!(matches!(out, Err(CreateApiTokenError::NoScopes)));
    let (out, _) = run(
        admin(),
        Grant::member(Role::Admin, None),
        CreateApiToken {
            name: "bad\u{0}name".into(),
            ..cmd(read(), Expiry::Default)
        },
    )
    .await;
    assert!(matches!(out, Err(CreateApiTokenError::InvalidName)));
}
