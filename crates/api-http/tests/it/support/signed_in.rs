//! An app state whose mocked ports accept one session, so `/api` requests pass the gate.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use domain::auth::{Membership, Role, SessionRecord, TokenHash, UserStatus};
use domain::ports::accounts::{MockDirectory, MockSessionRepository};
use domain::ports::clock::MockClock;
use domain::ports::crypto::MockTokenService;
use domain::{AuthUserId, CompanyId, UserId};
use uuid::Uuid;

/// The clinic of the signed-in member.
pub const COMPANY: Uuid = Uuid::from_u128(0xc0);
/// The signed-in member (and its identity).
pub const USER: Uuid = Uuid::from_u128(0xa1);
/// The frontend origin the state allows (CSRF and CORS).
pub const ORIGIN: &str = "https://app.clinic.test";
/// The session cookie value the state accepts.
pub const COOKIE: &str = "good";

/// Ports that accept the session cookie [`COOKIE`] of an active member of [`COMPANY`] with
/// `role`, with [`ORIGIN`] allowed.
pub fn state(role: Role) -> api_http::AppState {
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now);
    let mut tokens = MockTokenService::new();
    tokens
        .expect_hash()
        .returning(|v| TokenHash([u8::from(v == COOKIE); 32]));
    let mut sessions = MockSessionRepository::new();
    sessions.expect_find().returning(move |hash| {
        Ok((hash == TokenHash([1; 32])).then(|| SessionRecord {
            id: Uuid::nil(),
            auth_user_id: AuthUserId(USER),
            last_seen_at: now,
            idle_expires_at: now + chrono::Duration::hours(1),
            expires_at: now + chrono::Duration::days(1),
            active_company_id: Some(CompanyId(COMPANY)),
        }))
    });
    let (email, name) = match role {
        Role::Admin => ("a@clinic.test", "A"),
        Role::Staff => ("s@clinic.test", "S"),
    };
    let mut directory = MockDirectory::new();
    directory.expect_memberships_of().returning(move |_| {
        Ok(vec![Membership {
            user_id: UserId(USER),
            company_id: CompanyId(COMPANY),
            company_name: "Clínica".into(),
            email: email.into(),
            name: name.into(),
            role,
            status: UserStatus::Active,
        }])
    });
    let mut state = super::state();
    state.deps.clock = Arc::new(clock);
    state.deps.tokens = Arc::new(tokens);
    state.deps.sessions = Arc::new(sessions);
    state.deps.directory = Arc::new(directory);
    state.http.allowed_origins = vec![ORIGIN.into()];
    state
}
