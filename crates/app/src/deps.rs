//! The ports and settings the use cases run against.

use chrono::Duration;
use domain::auth::Password;
use domain::ports::accounts::{
    AttemptRepository, CredentialWatch, Directory, IdentityRepository, PasswordResetRepository,
    SessionRepository,
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

/// Session, throttling, invitation, reset and API-token rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// A session unused for this long ends (sliding).
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_max: Duration,
    /// `last_seen_at` / `last_used_at` are written at most this often.
    pub touch_every: Duration,
    /// Password attempts per (e-mail, client address) per window; the next one is 429.
    pub pair_limit: u32,
    /// Password attempts (any e-mail) per client address per window; the next one is 429.
    pub ip_limit: u32,
    /// The throttling window.
    pub throttle_window: Duration,
    /// How long an invitation stays valid.
    pub invite_ttl: Duration,
    /// How long a password reset token stays valid.
    pub reset_ttl: Duration,
    /// The lifetime of an API token created without `expires_at`.
    pub api_token_default_ttl: Duration,
    /// The longest lifetime an API token may be given (`null` aside).
    pub api_token_max_ttl: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            session_idle: Duration::hours(12),
            session_max: Duration::days(7),
            touch_every: Duration::minutes(1),
            pair_limit: 5,
            ip_limit: 30,
            throttle_window: Duration::minutes(15),
            invite_ttl: Duration::days(7),
            reset_ttl: Duration::hours(24),
            api_token_default_ttl: Duration::days(90),
            api_token_max_ttl: Duration::days(365),
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
    /// Sign-in attempt counters.
    pub attempts: Arc<dyn AttemptRepository>,
    /// Password reset tokens.
    pub resets: Arc<dyn PasswordResetRepository>,
    /// Pre-tenant lookups (membership, API tokens).
    pub directory: Arc<dyn Directory>,
    /// Clinic members and invitations.
    pub members: Arc<dyn MemberRepository>,
    /// API tokens.
    pub api_tokens: Arc<dyn ApiTokenRepository>,
    /// Clinics.
    pub companies: Arc<dyn CompanyRepository>,
    /// Trusted-device cookies (`None`: no device gets the reserved hashing lane).
    pub devices: Option<Arc<dyn domain::ports::crypto::DeviceTrust>>,
    /// The external identity provider; `Some` in Supabase mode, where passwords live there.
    pub external: Option<Arc<dyn ExternalAuthProvider>>,
    /// Rules.
    pub policy: AuthPolicy,
    /// The node's principal cache (sessions and API tokens → caller).
    pub principals: Arc<crate::auth::PrincipalCache>,
    /// The node's watch on credential changes, feeding `principals` (`None`: the cache never
    /// goes live, every request reads the store).
    pub credential_watch: Option<Arc<dyn CredentialWatch>>,
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
        MockAttemptRepository, MockDirectory, MockIdentityRepository, MockPasswordResetRepository,
        MockSessionRepository,
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
        /// Whether `passwords.admit()` refuses (false unless a test says otherwise).
        pub hashing_saturated: bool,
        /// Trusted-device cookies (none unless a test sets them).
        pub devices: Option<domain::ports::crypto::MockDeviceTrust>,
        pub passwords: MockPasswordHashing,
        pub tokens: Option<MockTokenService>,
        pub identities: MockIdentityRepository,
        pub sessions: MockSessionRepository,
        pub attempts: MockAttemptRepository,
        pub resets: MockPasswordResetRepository,
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
            let mut passwords = self.passwords;
            let saturated = self.hashing_saturated;
            passwords
                .expect_admit()
                .returning(move || (!saturated).then(domain::ports::crypto::HashTicket::untracked));
            let mut clock = MockClock::new();
            clock.expect_now().return_const(now);
            Deps {
                clock: Arc::new(clock),
                passwords: Arc::new(passwords),
                tokens: Arc::new(self.tokens.unwrap_or_else(fake_tokens)),
                identities: Arc::new(self.identities),
                sessions: Arc::new(self.sessions),
                attempts: Arc::new(self.attempts),
                resets: Arc::new(self.resets),
                directory: Arc::new(self.directory),
                members: Arc::new(self.members),
                api_tokens: Arc::new(self.api_tokens),
                companies: Arc::new(self.companies),
                devices: self
                    .devices
                    .map(|d| Arc::new(d) as Arc<dyn domain::ports::crypto::DeviceTrust>),
                external: None,
                policy: AuthPolicy::default(),
                principals: Arc::new(crate::auth::PrincipalCache::disabled()),
                credential_watch: None,
            }
        }
    }

    /// Attempt counters that never block: every key is at its first attempt.
    pub fn open_throttle(attempts: &mut MockAttemptRepository) {
        attempts.expect_count().returning(|keys, now, _| {
            Ok(keys
                .iter()
                .map(|_| domain::auth::AttemptCounter {
                    window_started_at: now,
                    failures: 1,
                })
                .collect())
        });
        attempts.expect_refund().returning(|_| Ok(()));
        attempts.expect_clear().returning(|_| Ok(()));
    }
}
