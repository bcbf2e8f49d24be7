#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, open_throttle, t0};
use chrono::Duration;
use domain::auth::{AttemptCounter, Identity, IdentityProvider, Membership, Role};
use domain::ports::crypto::{HashError, PasswordVerdict};
use domain::ports::external_auth::ExternalAuthError;
use domain::{CompanyId, UserId};
use std::sync::{Arc, Mutex};

fn cmd(email: &str, password: &str) -> SignIn {
    SignIn {
        email: email.into(),
        password: Password::new(password),
        client: ClientInfo {
            ip: Some("10.0.0.1".into()),
            user_agent: None,
        },
        previous_session: None,
        device: None,
    }
}

fn identity() -> Identity {
    Identity {
        id: AuthUserId::new(),
        email: "ana@clinic.test".into(),
        provider: IdentityProvider::Local,
        password_hash: Some("$argon2id$stored".into()),
        email_verified_at: None,
    }
}

fn membership(status: UserStatus) -> Membership {
    Membership {
        user_id: UserId::new(),
        company_id: CompanyId::new(),
        company_name: "Clínica".into(),
        email: "ana@clinic.test".into(),
        name: "Ana".into(),
        role: Role::Admin,
        status,
    }
}

fn verdict(valid: bool) -> PasswordVerdict {
    PasswordVerdict {
        valid,
        needs_rehash: false,
    }
}

/// Counters that answer `pair` for the pair key and `ip` for the address key, and record the
/// keys they were asked to count.
fn counters(
    m: &mut Mocks,
    pair: u32,
    ip: u32,
    started: chrono::DateTime<chrono::Utc>,
) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    m.attempts.expect_count().returning(move |keys, _, window| {
        assert_eq!(window, Duration::minutes(15));
        log.lock().unwrap().extend(keys.iter().cloned());
        Ok(keys
            .iter()
            .map(|k| AttemptCounter {
                window_started_at: started,
                failures: if k.starts_with("ip:") { ip } else { pair },
            })
            .collect())
    });
    seen
}

#[tokio::test]
async fn the_attempt_is_counted_per_pair_and_address_before_the_password_is_checked() {
    let mut m = Mocks::default();
    let seen = counters(&mut m, 1, 1, t0());
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![]));
    m.passwords
        .expect_verify_dummy()
        .times(1)
        .returning(|_| Ok(()));
    let err = sign_in(&m.deps(), cmd("Nobody@Clinic.test", "whatever"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials), "{err:?}");
    let keys = seen.lock().unwrap().clone();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys[0].starts_with("pair:") && keys[0].len() == 69,
        "{keys:?}"
    );
    assert_eq!(keys[1], "ip:10.0.0.1");
    assert!(!keys.iter().any(|k| k.contains("nobody")), "{keys:?}");
}

#[tokio::test]
async fn the_pair_key_depends_on_the_address_so_a_stranger_locks_only_themselves() {
    let keys_from = |ip: &str| {
        let m = Mocks::default();
        let deps = m.deps();
        let keys = crate::auth::throttle::Keys::new(&deps, "ana@clinic.test", Some(ip));
        format!("{:?}", keys.pair_key())
    };
    assert_ne!(keys_from("10.0.0.1"), keys_from("10.0.0.2"));
    let m = Mocks::default();
    let deps = m.deps();
    assert_eq!(
        crate::auth::throttle::Keys::new(&deps, " ANA@clinic.test", Some("10.0.0.1")).pair_key(),
        crate::auth::throttle::Keys::new(&deps, "ana@clinic.test", Some("10.0.0.1")).pair_key(),
        "the e-mail is normalised"
    );
}

#[tokio::test]
async fn the_sixth_attempt_of_a_pair_is_refused_without_checking_the_password() {
    let mut m = Mocks::default();
    counters(&mut m, 6, 6, t0() - Duration::minutes(10));
    m.identities.expect_find_by_email().never();
    m.passwords.expect_verify().never();
    m.passwords.expect_verify_dummy().never();
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    match err {
        SignInError::TooManyAttempts { retry_after_secs } => assert_eq!(retry_after_secs, 300),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_fifth_attempt_still_reaches_the_password() {
    let mut m = Mocks::default();
    counters(&mut m, 5, 5, t0() - Duration::minutes(10));
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![]));
    m.passwords
        .expect_verify_dummy()
        .times(1)
        .returning(|_| Ok(()));
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials));
}

#[tokio::test]
async fn the_address_ceiling_is_thirty_whatever_the_email() {
    let mut m = Mocks::default();
    counters(&mut m, 1, 31, t0() - Duration::seconds(1));
    m.passwords.expect_verify().never();
    let err = sign_in(&m.deps(), cmd("someone-else@clinic.test", "right"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        SignInError::TooManyAttempts {
            retry_after_secs: 899
        }
    ));
}

#[tokio::test]
async fn success_rehashes_clears_the_pair_refunds_the_address_and_issues_a_session_in_the_oldest_active_clinic()
 {
    let mut m = Mocks::default();
    counters(&mut m, 3, 10, t0());
    let ident = identity();
    let id = ident.id;
    m.identities
        .expect_find_by_email()
        .returning(move |_| Ok(vec![ident.clone()]));
    m.passwords.expect_verify().returning(|_, _| {
        Ok(PasswordVerdict {
            valid: true,
            needs_rehash: true,
        })
    });
    m.passwords
        .expect_hash()
        .times(1)
        .returning(|_| Ok("$argon2id$fresh".into()));
    m.identities
        .expect_set_password_hash()
        .withf(move |i, h| *i == id && h == "$argon2id$fresh")
        .times(1)
        .returning(|_, _| Ok(()));
    m.attempts
        .expect_clear()
        .withf(|k| k.starts_with("pair:"))
        .times(1)
        .returning(|_| Ok(()));
    m.attempts
        .expect_refund()
        .withf(|k| k == "ip:10.0.0.1")
        .times(1)
        .returning(|_| Ok(()));
    let disabled = membership(UserStatus::Disabled);
    let active = membership(UserStatus::Active);
    let second = membership(UserStatus::Active);
    let active_company = active.company_id;
    let all = vec![disabled, active, second];
    m.directory
        .expect_memberships_of()
        .returning(move |_| Ok(all.clone()));
    m.sessions
        .expect_create()
        .withf(move |s| {
            s.auth_user_id == id
                && s.active_company_id == Some(active_company)
                && s.idle_expires_at == t0() + Duration::hours(12)
                && s.expires_at == t0() + Duration::days(7)
        })
        .times(1)
        .returning(|_| Ok(()));
    let out = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap();
    assert_eq!(out.session_token, "token");
    assert_eq!(out.account.auth_user_id, id);
    assert_eq!(
        out.account.membership.map(|m| m.company_id),
        Some(active_company)
    );
    assert_eq!(out.account.memberships.len(), 3);
}

#[tokio::test]
async fn a_right_password_of_an_account_disabled_everywhere_gets_the_wrong_password_answer() {
    let mut m = Mocks::default();
    counters(&mut m, 1, 1, t0());
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords
        .expect_verify()
        .returning(|_, _| Ok(verdict(true)));
    // Nothing is cleared or refunded: the attempt stays counted, as a wrong one would.
    m.attempts.expect_clear().never();
    m.attempts.expect_refund().never();
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership(UserStatus::Disabled)]));
    m.sessions.expect_create().never();
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials), "{err:?}");
}

#[tokio::test]
async fn an_account_without_a_clinic_signs_in_with_no_company() {
    let mut m = Mocks::default();
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords
        .expect_verify()
        .returning(|_, _| Ok(verdict(true)));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![]));
    m.sessions
        .expect_create()
        .withf(|s| s.active_company_id.is_none())
        .returning(|_| Ok(()));
    let out = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap();
    assert_eq!(out.account.membership, None);
    assert_eq!(out.account.email, "ana@clinic.test");
}

#[tokio::test]
async fn a_saturated_hasher_is_busy_and_gives_the_attempt_back() {
    let mut m = Mocks::default();
    counters(&mut m, 1, 1, t0());
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords.expect_verify().returning(|_, _| {
        Err(HashError::Busy {
            retry_after_secs: 1,
        })
    });
    m.attempts.expect_refund().times(2).returning(|_| Ok(()));
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SignInError::Busy {
                retry_after_secs: 1
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn in_supabase_mode_a_sign_in_mirrors_the_identity_and_its_verification_but_joins_no_clinic()
{
    use domain::ports::external_auth::{ExternalUser, MockExternalAuthProvider};
    let sub = AuthUserId::new();
    let mut m = Mocks::default();
    open_throttle(&mut m.attempts);
    m.identities
        .expect_sync_external()
        .withf(move |id, email, verified| {
            *id == sub && email.as_str() == "ana@clinic.test" && *verified == Some(t0())
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    m.identities.expect_create().never();
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![]));
    m.sessions.expect_create().returning(|_| Ok(()));
    let mut external = MockExternalAuthProvider::new();
    external
        .expect_sign_in_with_password()
        .returning(move |_, _| {
            Ok(ExternalUser {
                auth_user_id: sub,
                email: Some("ana@clinic.test".into()),
                email_verified: true,
            })
        });
    let mut deps = m.deps();
    deps.external = Some(Arc::new(external));
    let out = sign_in(&deps, cmd("Ana@clinic.test", "right"))
        .await
        .unwrap();
    assert_eq!(out.account.auth_user_id, sub);
    assert_eq!(out.account.membership, None);

    // Wrong password at Supabase: the same 401, the attempt counted (before asking Supabase).
    let mut m = Mocks::default();
    let seen = counters(&mut m, 1, 1, t0());
    let mut external = MockExternalAuthProvider::new();
    external
        .expect_sign_in_with_password()
        .returning(|_, _| Err(ExternalAuthError::InvalidCredentials));
    let mut deps = m.deps();
    deps.external = Some(Arc::new(external));
    let err = sign_in(&deps, cmd("ana@clinic.test", "wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn with_several_accounts_on_one_address_the_one_whose_password_matches_signs_in() {
    let mut m = Mocks::default();
    open_throttle(&mut m.attempts);
    let first = identity();
    let second = Identity {
        id: AuthUserId::new(),
        password_hash: Some("$argon2id$second".into()),
        ..identity()
    };
    let second_id = second.id;
    m.identities
        .expect_find_by_email()
        .returning(move |_| Ok(vec![first.clone(), second.clone()]));
    m.passwords
        .expect_verify()
        .times(2)
        .returning(|_, phc| Ok(verdict(phc == "$argon2id$second")));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![]));
    m.sessions
        .expect_create()
        .withf(move |s| s.auth_user_id == second_id)
        .times(1)
        .returning(|_| Ok(()));
    let out = sign_in(&m.deps(), cmd("ana@clinic.test", "second's password"))
        .await
        .unwrap();
    assert_eq!(out.account.auth_user_id, second_id);
}

#[tokio::test]
async fn a_saturated_hasher_is_refused_before_any_database_work_and_nothing_is_counted() {
    let mut m = Mocks {
        hashing_saturated: true,
        ..Mocks::default()
    };
    m.attempts.expect_count().never();
    m.attempts.expect_refund().never();
    m.identities.expect_find_by_email().never();
    m.passwords.expect_verify().never();
    m.passwords.expect_verify_dummy().never();
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    match err {
        SignInError::Busy { retry_after_secs } => assert_eq!(retry_after_secs, 1),
        other => panic!("{other:?}"),
    }
}

/// Device trust that trusts exactly `("d1.ok", "ana@clinic.test")` and issues `"d1.new"`.
fn devices() -> domain::ports::crypto::MockDeviceTrust {
    let mut d = domain::ports::crypto::MockDeviceTrust::new();
    d.expect_trusts()
        .returning(|cookie, email, _| cookie == "d1.ok" && email == "ana@clinic.test");
    d.expect_issue()
        .withf(|email, _| email == "ana@clinic.test")
        .returning(|_, _| Ok("d1.new".into()));
    d
}

#[tokio::test]
async fn a_trusted_device_passes_a_saturated_hasher_in_its_own_lane_and_gets_a_fresh_cookie() {
    let mut m = Mocks {
        hashing_saturated: true,
        devices: Some(devices()),
        ..Mocks::default()
    };
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords.expect_verify().never();
    m.passwords
        .expect_verify_trusted()
        .times(1)
        .returning(|_, _| Ok(verdict(true)));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    m.sessions.expect_create().returning(|_| Ok(()));
    let mut c = cmd(" ANA@clinic.test", "right");
    c.device = Some("d1.ok".into());
    let out = sign_in(&m.deps(), c).await.unwrap();
    assert_eq!(out.device_cookie.as_deref(), Some("d1.new"));
}

#[tokio::test]
async fn a_device_cookie_for_another_email_or_forged_takes_the_common_lane() {
    for (email, cookie) in [
        ("bia@clinic.test", "d1.ok"),
        ("ana@clinic.test", "d1.forged"),
    ] {
        let mut m = Mocks {
            hashing_saturated: true,
            devices: Some(devices()),
            ..Mocks::default()
        };
        m.attempts.expect_count().never();
        m.passwords.expect_verify_trusted().never();
        let mut c = cmd(email, "right");
        c.device = Some(cookie.into());
        let err = sign_in(&m.deps(), c).await.unwrap_err();
        assert!(matches!(err, SignInError::Busy { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_from_a_trusted_device_issues_no_cookie_and_counts() {
    let mut m = Mocks {
        devices: Some(devices()),
        ..Mocks::default()
    };
    let seen = counters(&mut m, 1, 1, t0());
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords
        .expect_verify_trusted()
        .returning(|_, _| Ok(verdict(false)));
    let mut c = cmd("ana@clinic.test", "wrong");
    c.device = Some("d1.ok".into());
    let err = sign_in(&m.deps(), c).await.unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 2, "the attempt was counted");
}

#[tokio::test]
async fn a_trusted_device_whose_lane_is_full_takes_the_common_lane() {
    let mut m = Mocks {
        devices: Some(devices()),
        ..Mocks::default()
    };
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords
        .expect_verify_trusted()
        .times(1)
        .returning(|_, _| {
            Err(HashError::Busy {
                retry_after_secs: 1,
            })
        });
    m.passwords
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(verdict(true)));
    m.directory
        .expect_memberships_of()
        .returning(|_| Ok(vec![membership(UserStatus::Active)]));
    m.sessions.expect_create().returning(|_| Ok(()));
    let mut c = cmd("ana@clinic.test", "right");
    c.device = Some("d1.ok".into());
    let out = sign_in(&m.deps(), c).await.unwrap();
    assert_eq!(out.device_cookie.as_deref(), Some("d1.new"));
}

#[tokio::test]
async fn a_trusted_device_is_busy_only_when_both_lanes_are_full() {
    let mut m = Mocks {
        hashing_saturated: true,
        devices: Some(devices()),
        ..Mocks::default()
    };
    open_throttle(&mut m.attempts);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(vec![identity()]));
    m.passwords.expect_verify_trusted().returning(|_, _| {
        Err(HashError::Busy {
            retry_after_secs: 1,
        })
    });
    m.passwords.expect_verify().never();
    let mut c = cmd("ana@clinic.test", "right");
    c.device = Some("d1.ok".into());
    let err = sign_in(&m.deps(), c).await.unwrap_err();
    assert!(matches!(err, SignInError::Busy { .. }), "{err:?}");
}
