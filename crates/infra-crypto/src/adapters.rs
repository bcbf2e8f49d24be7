//! Implementations of the domain's crypto ports.

use crate::password::PasswordHasher;
use crate::password::gate::{Busy, GateLimits, HashGate};
use async_trait::async_trait;
use domain::auth::{Password, TokenHash};
use domain::ports::crypto::{
    HashError, HashTicket, PasswordHashing, PasswordVerdict, TokenService,
};

/// Seconds a caller refused by a saturated gate is told to wait (`Retry-After`).
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// [`PasswordHashing`] with argon2id, run on tokio's blocking pool behind a [`HashGate`]: at
/// most `concurrency` hashes at a time (each holds 19 MiB), a bounded line of waiters, and
/// [`HashError::Busy`] beyond it.
#[derive(Debug, Clone)]
pub struct Argon2Passwords {
    hasher: PasswordHasher,
    gate: HashGate,
    /// The lane of trusted devices: its own slot and line (see [`PasswordHashing::verify_trusted`]).
    trusted: HashGate,
}

/// The trusted devices' lane: one more argon2 run at a time (19 MiB), and a short line.
pub const TRUSTED_LANE: GateLimits = GateLimits {
    concurrency: 1,
    queue: 8,
};

impl Default for Argon2Passwords {
    fn default() -> Self {
        Self::new(PasswordHasher::default())
    }
}

impl Argon2Passwords {
    /// The adapter over `hasher` (OWASP parameters with [`PasswordHasher::new`]), with the
    /// default limits (one hash per core, a line of 8 per core).
    #[must_use]
    pub fn new(hasher: PasswordHasher) -> Self {
        Self::with_limits(hasher, GateLimits::default())
    }

    /// The adapter over `hasher` with explicit limits.
    #[must_use]
    pub fn with_limits(hasher: PasswordHasher, limits: GateLimits) -> Self {
        Self {
            hasher,
            gate: HashGate::new(limits),
            trusted: HashGate::new(TRUSTED_LANE),
        }
    }

    async fn verify_in(
        &self,
        gate: &HashGate,
        password: Password,
        phc: String,
    ) -> Result<PasswordVerdict, HashError> {
        let hasher = self.hasher.clone();
        let check = gate
            .run(move || hasher.verify(password.expose(), &phc))
            .await
            .map_err(busy)??
            .map_err(anyhow::Error::from)?;
        Ok(PasswordVerdict {
            valid: check.valid,
            needs_rehash: check.needs_rehash,
        })
    }

    /// The gate, to observe it (tests, metrics).
    #[must_use]
    pub fn gate(&self) -> &HashGate {
        &self.gate
    }
}

fn busy(_: Busy) -> HashError {
    HashError::Busy {
        retry_after_secs: BUSY_RETRY_AFTER_SECS,
    }
}

#[async_trait]
impl PasswordHashing for Argon2Passwords {
    async fn hash(&self, password: Password) -> Result<String, HashError> {
        let hasher = self.hasher.clone();
        let hashed = self
            .gate
            .run(move || hasher.hash(password.expose()))
            .await
            .map_err(busy)??;
        Ok(hashed.map_err(anyhow::Error::from)?)
    }

    async fn verify(&self, password: Password, phc: String) -> Result<PasswordVerdict, HashError> {
        self.verify_in(&self.gate, password, phc).await
    }

    async fn verify_trusted(
        &self,
        password: Password,
        phc: String,
    ) -> Result<PasswordVerdict, HashError> {
        self.verify_in(&self.trusted, password, phc).await
    }

    async fn verify_dummy(&self, password: Password) -> Result<(), HashError> {
        let hasher = self.hasher.clone();
        // The outcome does not matter, only that the time was spent (or the caller refused).
        let _ = self
            .gate
            .run(move || hasher.verify_dummy(password.expose()))
            .await
            .map_err(busy)?;
        Ok(())
    }

    fn admit(&self) -> Option<HashTicket> {
        self.gate
            .admit()
            .map(|place| HashTicket::holding(Box::new(place)))
    }
}

/// [`TokenService`] with the OS random generator and SHA-256 ([`crate::token`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTokens;

impl TokenService for RandomTokens {
    fn generate(&self, prefix: &'static str) -> anyhow::Result<String> {
        Ok(crate::token::generate(prefix)?)
    }

    fn hash(&self, value: String) -> TokenHash {
        TokenHash(crate::token::hash(&value))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The port refuses with `Busy` (and a `Retry-After`) when the gate is saturated, for
    /// every operation, and works again once a slot frees.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_saturated_gate_makes_every_operation_busy_with_a_retry_after() {
        let hasher = PasswordHasher::with_params(64, 1, 1).unwrap();
        let passwords = Argon2Passwords::with_limits(
            hasher,
            GateLimits {
                concurrency: 1,
                queue: 0,
            },
        );
        let phc = passwords.hash(Password::new("pw")).await.unwrap();
        // Hold the only slot with a blocking job.
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
        let gate = passwords.gate().clone();
        let holder = tokio::spawn(async move {
            gate.run(move || {
                started_tx.send(()).unwrap();
                hold_rx.recv().unwrap();
            })
            .await
        });
        started.recv().await.unwrap();
        let busy = |e: HashError| matches!(e, HashError::Busy { retry_after_secs } if retry_after_secs >= 1);
        assert!(busy(passwords.hash(Password::new("x")).await.unwrap_err()));
        assert!(busy(
            passwords
                .verify(Password::new("pw"), phc.clone())
                .await
                .unwrap_err()
        ));
        assert!(busy(
            passwords
                .verify_dummy(Password::new("pw"))
                .await
                .unwrap_err()
        ));
        // The trusted devices' lane is not behind the saturated gate.
        let trusted = passwords
            .verify_trusted(Password::new("pw"), phc.clone())
            .await
            .unwrap();
        assert!(trusted.valid);
        hold_tx.send(()).unwrap();
        holder.await.unwrap().unwrap().unwrap();
        // Admission: one slot and no line admit one sign-in at a time.
        let first = passwords.admit().unwrap();
        assert!(passwords.admit().is_none());
        drop(first);
        assert!(passwords.admit().is_some());
        assert!(
            passwords
                .verify(Password::new("pw"), phc)
                .await
                .unwrap()
                .valid
        );
    }
}
