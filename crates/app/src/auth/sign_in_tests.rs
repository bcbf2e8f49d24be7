#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::deps::testing::{Mocks, t0};
use chrono::Duration;
use domain::auth::{AttemptCounter, Identity, Membership, Role};
use domain::ports::crypto::PasswordVerdict;
use domain::{CompanyId, UserId};

fn cmd(email: &str, password: &str) -> SignIn {
    SignIn {
        email: email.into(),
        password: Password::new(password),
        client: ClientInfo {
            ip: Some("10.0.0.1".into()),
            user_agent: None,
        },
        previous_session: None,
    }
}

fn identity() -> Identity {
    Identity {
        id: AuthUserId::new(),
        email: "ana@clinic.test".into(),
        provider: IdentityProvider::Local,
        password_hash: Some("$argon2id$stored".into()),
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

fn no_counters(m: &mut Mocks) {
    m.attempts.expect_get().returning(|_| Ok(None));
}

#[tokio::test]
async fn unknown_email_costs_a_dummy_verification_and_counts_a_failure() {
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.identities.expect_find_by_email().returning(|_| Ok(None));
    m.passwords.expect_verify_dummy().times(1).return_const(());
    m.attempts
        .expect_record_failure()
        .times(2)
        .returning(|_, now, _| {
            Ok(AttemptCounter {
                window_started_at: now,
                failures: 1,
            })
        });
    let err = sign_in(&m.deps(), cmd("nobody@clinic.test", "whatever"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials), "{err:?}");
}

#[tokio::test]
async fn wrong_password_is_the_same_error_and_counts_per_email_and_address() {
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(Some(identity())));
    m.passwords.expect_verify().returning(|_, _| {
        Ok(PasswordVerdict {
            valid: false,
            needs_rehash: false,
        })
    });
    let mut keys = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel();
    m.attempts
        .expect_record_failure()
        .times(2)
        .returning(move |key, now, window| {
            assert_eq!(window, Duration::minutes(15));
            tx.send(key).unwrap();
            Ok(AttemptCounter {
                window_started_at: now,
                failures: 1,
            })
        });
    let err = sign_in(&m.deps(), cmd("Ana@Clinic.test", "wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials));
    keys.extend(rx.try_iter());
    assert!(
        keys.iter()
            .any(|k| k.starts_with("email:") && k.len() == 70)
    );
    assert!(!keys.iter().any(|k| k.contains("ana")), "{keys:?}");
    assert!(keys.contains(&"ip:10.0.0.1".to_owned()));
}

#[tokio::test]
async fn the_sixth_attempt_within_the_window_is_throttled_without_checking_the_password() {
    let mut m = Mocks::default();
    m.attempts.expect_get().returning(|key| {
        Ok(key.starts_with("email:").then(|| AttemptCounter {
            window_started_at: t0() - Duration::minutes(10),
            failures: 5,
        }))
    });
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    match err {
        SignInError::TooManyAttempts { retry_after_secs } => assert_eq!(retry_after_secs, 300),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_address_limit_is_thirty() {
    let mut m = Mocks::default();
    m.attempts.expect_get().returning(|key| {
        Ok(key.starts_with("ip:").then(|| AttemptCounter {
            window_started_at: t0() - Duration::seconds(1),
            failures: 30,
        }))
    });
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
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
async fn a_finished_window_no_longer_blocks() {
    let mut m = Mocks::default();
    m.attempts.expect_get().returning(|_| {
        Ok(Some(AttemptCounter {
            window_started_at: t0() - Duration::minutes(15),
            failures: 5,
        }))
    });
    m.identities.expect_find_by_email().returning(|_| Ok(None));
    m.passwords.expect_verify_dummy().return_const(());
    m.attempts.expect_record_failure().returning(|_, now, _| {
        Ok(AttemptCounter {
            window_started_at: now,
            failures: 1,
        })
    });
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials));
}

#[tokio::test]
async fn success_rehashes_clears_the_email_counter_and_issues_a_session() {
    let mut m = Mocks::default();
    no_counters(&mut m);
    let ident = identity();
    let id = ident.id;
    m.identities
        .expect_find_by_email()
        .returning(move |_| Ok(Some(ident.clone())));
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
        .withf(|k| k.starts_with("email:"))
        .times(1)
        .returning(|_| Ok(()));
    let member = membership(UserStatus::Active);
    m.directory
        .expect_membership_of()
        .returning(move |_| Ok(Some(member.clone())));
    m.sessions
        .expect_create()
        .withf(move |s| {
            s.auth_user_id == id
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
    assert!(out.account.membership.is_some());
}

#[tokio::test]
async fn a_disabled_member_gets_no_session() {
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(Some(identity())));
    m.passwords.expect_verify().returning(|_, _| {
        Ok(PasswordVerdict {
            valid: true,
            needs_rehash: false,
        })
    });
    m.attempts.expect_clear().returning(|_| Ok(()));
    m.directory
        .expect_membership_of()
        .returning(|_| Ok(Some(membership(UserStatus::Disabled))));
    m.sessions.expect_create().never();
    let err = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::UserDisabled));
}

#[tokio::test]
async fn an_account_without_a_clinic_signs_in_with_no_company() {
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.identities
        .expect_find_by_email()
        .returning(|_| Ok(Some(identity())));
    m.passwords.expect_verify().returning(|_, _| {
        Ok(PasswordVerdict {
            valid: true,
            needs_rehash: false,
        })
    });
    m.attempts.expect_clear().returning(|_| Ok(()));
    m.directory.expect_membership_of().returning(|_| Ok(None));
    m.sessions.expect_create().returning(|_| Ok(()));
    let out = sign_in(&m.deps(), cmd("ana@clinic.test", "right"))
        .await
        .unwrap();
    assert_eq!(out.account.membership, None);
    assert_eq!(out.account.email, "ana@clinic.test");
}

#[tokio::test]
async fn in_supabase_mode_the_first_sign_in_mirrors_the_identity_without_a_password() {
    use domain::ports::external_auth::{ExternalUser, MockExternalAuthProvider};
    let sub = AuthUserId::new();
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.identities.expect_find_by_id().returning(|_| Ok(None));
    m.identities
        .expect_create()
        .withf(move |i| {
            i.id == sub
                && i.provider == IdentityProvider::Supabase
                && i.password_hash.is_none()
                && i.email.as_str() == "ana@clinic.test"
        })
        .times(1)
        .returning(|_| Ok(()));
    m.attempts.expect_clear().returning(|_| Ok(()));
    m.directory
        .expect_membership_of()
        .returning(|_| Ok(Some(membership(UserStatus::Active))));
    m.sessions.expect_create().returning(|_| Ok(()));
    let mut external = MockExternalAuthProvider::new();
    external
        .expect_sign_in_with_password()
        .returning(move |_, _| {
            Ok(ExternalUser {
                auth_user_id: sub,
                email: Some("ana@clinic.test".into()),
            })
        });
    let mut deps = m.deps();
    deps.external = Some(std::sync::Arc::new(external));
    let out = sign_in(&deps, cmd("Ana@clinic.test", "right"))
        .await
        .unwrap();
    assert_eq!(out.account.auth_user_id, sub);

    // Wrong password at Supabase: the same 401 and a counted failure.
    let mut m = Mocks::default();
    no_counters(&mut m);
    m.attempts
        .expect_record_failure()
        .times(2)
        .returning(|_, now, _| {
            Ok(AttemptCounter {
                window_started_at: now,
                failures: 1,
            })
        });
    let mut external = MockExternalAuthProvider::new();
    external
        .expect_sign_in_with_password()
        .returning(|_, _| Err(ExternalAuthError::InvalidCredentials));
    let mut deps = m.deps();
    deps.external = Some(std::sync::Arc::new(external));
    let err = sign_in(&deps, cmd("ana@clinic.test", "wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, SignInError::InvalidCredentials));
}
