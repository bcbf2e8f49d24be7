//! A saturated password hasher answers sign-ins with 503 `busy` and `Retry-After`, at once,
//! without checking anything (mocked ports).

use crate::support;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::{TimeZone, Utc};
use domain::auth::{AttemptCounter, TokenHash};
use domain::ports::accounts::{MockAttemptRepository, MockIdentityRepository};
use domain::ports::clock::MockClock;
use domain::ports::crypto::{HashError, MockPasswordHashing, MockTokenService};
use support::read_problem;

#[actix_web::test]
async fn a_saturated_hasher_is_503_busy_with_retry_after_and_the_attempt_is_given_back() {
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    let mut state = support::state();
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now);
    let mut tokens = MockTokenService::new();
    tokens.expect_hash().returning(|_| TokenHash([7; 32]));
    let mut attempts = MockAttemptRepository::new();
    attempts.expect_count().returning(move |keys, _, _| {
        Ok(keys
            .iter()
            .map(|_| AttemptCounter {
                window_started_at: now,
                failures: 1,
            })
            .collect())
    });
    attempts.expect_refund().times(2).returning(|_| Ok(()));
    let mut identities = MockIdentityRepository::new();
    identities.expect_find_by_email().returning(|_| Ok(vec![]));
    let mut passwords = MockPasswordHashing::new();
    passwords
        .expect_admit()
        .returning(|| Some(domain::ports::crypto::HashTicket::untracked()));
    passwords.expect_verify_dummy().returning(|_| {
        Err(HashError::Busy {
            retry_after_secs: 1,
        })
    });
    state.deps.clock = Arc::new(clock);
    state.deps.tokens = Arc::new(tokens);
    state.deps.attempts = Arc::new(attempts);
    state.deps.identities = Arc::new(identities);
    state.deps.passwords = Arc::new(passwords);
    let app = test::init_service(api_http::app(state)).await;
    let req = TestRequest::post()
        .uri("/auth/signin")
        .peer_addr("192.0.2.1:5000".parse().unwrap())
        .set_json(serde_json::json!({ "email": "ana@clinic.test", "password": "whatever" }))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    read_problem(res, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
}
