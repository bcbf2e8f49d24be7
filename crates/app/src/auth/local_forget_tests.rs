//! The use cases that end or change a credential drop this node's cached entry themselves, at
//! once: a refusal on the node that made the change never waits for the notification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, fake_hash, t0};
use domain::auth::{AuthMethod, Grant, Member, MemberPatch, Principal, Role, UserStatus};
use domain::{AuthUserId, CompanyId};
use std::sync::Arc;

fn company() -> CompanyId {
    CompanyId(Uuid::from_u128(1))
}

fn admin_caller() -> Principal {
    Principal {
        company_id: company(),
        user_id: Some(UserId(Uuid::from_u128(2))),
        auth_user_id: Some(AuthUserId(Uuid::from_u128(2))),
        role: Role::Admin,
        method: AuthMethod::Session,
    }
}

fn caller(user: u128, auth: u128) -> Authorized {
    Authorized {
        principal: Principal {
            company_id: company(),
            user_id: Some(UserId(Uuid::from_u128(user))),
            auth_user_id: Some(AuthUserId(Uuid::from_u128(auth))),
            role: Role::Staff,
            method: AuthMethod::Session,
        },
        grant: Grant::member(Role::Staff, Some(UserId(Uuid::from_u128(user)))),
    }
}

fn session(auth: u128) -> CachedSession {
    CachedSession {
        id: Uuid::from_u128(auth + 100),
        auth_user_id: AuthUserId(Uuid::from_u128(auth)),
        last_seen_at: t0(),
        idle_expires_at: t0() + Duration::hours(1),
        expires_at: t0() + Duration::days(1),
    }
}

fn token(id: u128, creator: Option<u128>) -> CachedToken {
    CachedToken {
        id: Uuid::from_u128(id),
        creator: creator.map(|c| UserId(Uuid::from_u128(c))),
        expires_at: None,
        last_used_at: Some(t0()),
    }
}

fn member3() -> Member {
    Member {
        id: UserId(Uuid::from_u128(3)),
        auth_user_id: Some(AuthUserId(Uuid::from_u128(4))),
        email: "m@clinic.test".into(),
        name: "M".into(),
        role: Role::Staff,
        status: UserStatus::Active,
        invite_expires_at: None,
        created_at: t0(),
    }
}

#[tokio::test]
async fn signing_out_revoking_and_changing_a_member_drop_this_nodes_entries_at_once() {
    let mut m = Mocks::default();
    m.sessions
        .expect_delete()
        .withf(|h| *h == fake_hash("cookie-a"))
        .times(1)
        .returning(|_| Ok(()));
    m.api_tokens
        .expect_revoke()
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.members.expect_get().returning(|_, _| Ok(Some(member3())));
    m.members.expect_update().times(1).returning(|_, _, _| {
        Ok(Member {
            role: Role::Admin,
            ..member3()
        })
    });
    let mut deps = m.deps();
    let cache = PrincipalCache::new(Duration::minutes(1), 100);
    cache.watching(true);
    deps.principals = Arc::new(cache);
    let cache = deps.principals.clone();
    let ticket = cache.ticket().unwrap();
    // Member 5 (identity 6) signed in as "cookie-a"; member 3 (identity 4) as "cookie-b".
    cache.put_session(
        ticket,
        fake_hash("cookie-a"),
        caller(5, 6),
        session(6),
        t0(),
    );
    cache.put_session(
        ticket,
        fake_hash("cookie-b"),
        caller(3, 4),
        session(4),
        t0(),
    );
    // Token 10 is the operator's; token 11 was created by member 3.
    cache.put_token(
        ticket,
        fake_hash("atk_x"),
        caller(9, 9),
        token(10, None),
        t0(),
    );
    cache.put_token(
        ticket,
        fake_hash("atk_y"),
        caller(9, 9),
        token(11, Some(3)),
        t0(),
    );
    assert_eq!(cache.len(), 4);

    super::super::sign_out(&deps, Some("cookie-a".into()))
        .await
        .unwrap();
    assert!(cache.session(fake_hash("cookie-a"), t0()).is_none());
    assert_eq!(cache.len(), 3);

    crate::api_tokens::revoke_api_token(&deps, admin_caller(), Uuid::from_u128(10))
        .await
        .unwrap();
    assert!(cache.token(fake_hash("atk_x"), t0()).is_none());
    assert_eq!(cache.len(), 2);

    // Member 3 promoted: their session and the token they created.
    let patch = MemberPatch {
        role: Some(Role::Admin),
        ..MemberPatch::default()
    };
    crate::users::update_member(&deps, admin_caller(), UserId(Uuid::from_u128(3)), patch)
        .await
        .unwrap();
    assert!(cache.is_empty());
}
