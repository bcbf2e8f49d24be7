//! The ports and settings the use cases run against.

use chrono::Duration;
use domain::auth::Password;
use domain::ports::accounts::{
    AttemptRepository, Directory, IdentityRepository, SessionRepository,
};
use domain::ports::clock::Clock;
use domain::ports::crypto::{PasswordHashing, TokenService};
use domain::ports::external_auth::ExternalAuthProvider;
use domain::ports::members::{ApiTokenRepository, CompanyRepository, MemberRepository};
use std::sync::Arc;

/// Shortest accepted new password, in characters (OWASP/NIST: 15 without MFA).
pub const MIN_PASSWORD_CHARS: usize = 15;
/// Longest accepted new password, in characters (at least 64 must be allowed).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Session, throttling and invitation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// A session unused for this long ends (sliding).
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_max: Duration,
    /// `last_seen_at` / `last_used_at` are written at most this often.
    pub touch_every: Duration,
    /// Failed sign-ins per e-mail per window before 429.
    pub email_limit: u32,
    /// Failed sign-ins per client address per window before 429.
    pub ip_limit: u32,
    /// The throttling window.
    pub throttle_window: Duration,
    /// How long an invitation stays valid.
    pub invite_ttl: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_idle: Duration::hours(12),
            session_max: Duration::days(7),
            touch_every: Duration::minutes(1),
            email_limit: 5,
            ip_limit: 30,
            throttle_window: Duration::minutes(15),
            invite_ttl: Duration::days(7),
        }
    }
}

/// Every port the use cases need, built once by the composition root.
#[derive(Clone)]
pub struct Deps {
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// argon2id.
    pub passwords: Arc<dyn PasswordHashing>,
    /// Opaque tokens and SHA-256.
    pub tokens: Arc<dyn TokenService>,
    /// Sign-in identities.
    pub identities: Arc<dyn IdentityRepository>,
    /// Sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// Failed sign-in counters.
    pub attempts: Arc<dyn AttemptRepository>,
    /// Pre-tenant lookups (membership, API tokens).
    pub directory: Arc<dyn Directory>,
    /// Clinic members and invitations.
    pub members: Arc<dyn MemberRepository>,
    /// API tokens.
    pub api_tokens: Arc<dyn ApiTokenRepository>,
    /// Clinics.
    pub companies: Arc<dyn CompanyRepository>,
    /// The external identity provider; `Some` in Supabase mode, where passwords live there.
    pub external: Option<Arc<dyn ExternalAuthProvider>>,
    /// Rules.
    pub policy: AuthPolicy,
}

/// Whether `password` is acceptable as a new password.
pub(crate) fn password_acceptable(password: &Password) -> bool {
    (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&password.char_len())
}

#[cfg(test)]
pub(crate) mod testing {
    //! Mocks of every port, to be configured per test.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::{DateTime, TimeZone, Utc};
    use domain::auth::TokenHash;
    use domain::ports::accounts::{
        MockAttemptRepository, MockDirectory, MockIdentityRepository, MockSessionRepository,
    };
    use domain::ports::clock::MockClock;
    use domain::ports::crypto::{MockPasswordHashing, MockTokenService};
    use domain::ports::members::{
        MockApiTokenRepository, MockCompanyRepository, MockMemberRepository,
    };

    /// A fixed instant.
    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    /// The mocks; unconfigured methods panic when called.
    #[derive(Default)]
    pub struct Mocks {
        pub clock: Option<DateTime<Utc>>,
        pub passwords: MockPasswordHashing,
        pub tokens: Option<MockTokenService>,
        pub identities: MockIdentityRepository,
        pub sessions: MockSessionRepository,
        pub attempts: MockAttemptRepository,
        pub directory: MockDirectory,
        pub members: MockMemberRepository,
        pub api_tokens: MockApiTokenRepository,
        pub companies: MockCompanyRepository,
    }

    /// A deterministic token service: `generate(p)` is `p + "token"`, `hash` is a byte sum.
    pub fn fake_tokens() -> MockTokenService {
        let mut t = MockTokenService::new();
        t.expect_generate().returning(|p| Ok(format!("{p}token")));
        t.expect_hash().returning(|v| fake_hash(&v));
        t
    }

    /// The hash [`fake_tokens`] gives `value`.
    pub fn fake_hash(value: &str) -> TokenHash {
        let mut out = [0u8; 32];
        for (i, b) in value.bytes().enumerate() {
            out[i % 32] = out[i % 32].wrapping_add(b).wrapping_add(i as u8);
        }
        TokenHash(out)
    }

    impl Mocks {
        pub fn deps(self) -> Deps {
            let now = self.clock.unwrap_or_else(t0);
            let mut clock = MockClock::new();
            clock.expect_now().return_const(now);
            Deps {
                clock: Arc::new(clock),
                passwords: Arc::new(self.passwords),
                tokens: Arc::new(self.tokens.unwrap_or_else(fake_tokens)),
                identities: Arc::new(self.identities),
                sessions: Arc::new(self.sessions),
                attempts: Arc::new(self.attempts),
                directory: Arc::new(self.directory),
                members: Arc::new(self.members),
                api_tokens: Arc::new(self.api_tokens),
                companies: Arc::new(self.companies),
                external: None,
                policy: AuthPolicy::default(),
            }
        }
    }
}
