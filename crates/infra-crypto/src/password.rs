//! Password hashing with argon2id (PHC strings).
//!
//! Defaults follow OWASP: m = 19456 KiB, t = 2, p = 1, 32-byte output,
//! 16-byte random salt, version 0x13.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Params, Version};

use crate::CryptoError;
use crate::random::random_array;

pub mod gate;
mod memory;

use memory::MemoryPool;

/// Longest accepted password, in bytes (UTF-8). Longer inputs are rejected
/// before hashing so huge request bodies cannot be used for denial of service.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// OWASP memory cost in KiB.
pub const OWASP_M_COST_KIB: u32 = 19_456;
/// OWASP number of passes.
pub const OWASP_T_COST: u32 = 2;
/// OWASP degree of parallelism.
pub const OWASP_P_COST: u32 = 1;

/// Output length of every hash we produce.
const OUTPUT_LEN: usize = Params::DEFAULT_OUTPUT_LEN;
/// Fixed salt (16 zero bytes) and hash (32 zero bytes) of the dummy PHC, in
/// unpadded base64.
const DUMMY_SALT_AND_HASH: &str =
    "AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Outcome of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    /// The password matches the stored hash.
    pub valid: bool,
    /// The stored hash uses another algorithm, version or parameters than this
    /// hasher: after a successful sign-in, store a fresh [`PasswordHasher::hash`].
    pub needs_rehash: bool,
}

/// Argon2id hasher with fixed parameters.
///
/// Every run fills its argon2 memory (19 MiB with the OWASP parameters) in a buffer taken from
/// a pool shared by the hasher's clones and given back afterwards, so a stream of sign-ins reuses
/// a few buffers instead of asking the allocator for 19 MiB each time (which left ~10 MB resident
/// per run; see `docs/operations.md` §8).
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    params: Params,
    memory: MemoryPool,
    /// A PHC string with this hasher's parameters that no password matches,
    /// verified by [`PasswordHasher::verify_dummy`].
    dummy_phc: String,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::from_params(Params::DEFAULT)
    }
}

impl PasswordHasher {
    /// A hasher with the OWASP parameters (m = 19456 KiB, t = 2, p = 1).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A hasher with custom argon2id parameters (memory in KiB, passes, lanes).
    ///
    /// # Errors
    /// [`CryptoError::PasswordHashing`] if argon2 rejects the parameters
    /// (e.g. `p_cost = 0` or `m_cost < 8 * p_cost`).
    pub fn with_params(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, CryptoError> {
        let params = Params::new(m_cost_kib, t_cost, p_cost, None)
            .map_err(|e| CryptoError::PasswordHashing(e.to_string()))?;
        Ok(Self::from_params(params))
    }

    fn from_params(params: Params) -> Self {
        let dummy_phc = format!(
            "${ARGON2ID_IDENT}$v=19$m={},t={},p={}${DUMMY_SALT_AND_HASH}",
            params.m_cost(),
            params.t_cost(),
            params.p_cost()
        );
        Self {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
            params,
            memory: MemoryPool::default(),
            dummy_phc,
        }
    }

    /// Hashes a password with a fresh random salt and returns the PHC string
    /// (`$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`).
    ///
    /// # Errors
    /// [`CryptoError::PasswordTooLong`] above [`MAX_PASSWORD_BYTES`],
    /// [`CryptoError::Rng`] if no salt can be generated,
    /// [`CryptoError::PasswordHashing`] for other argon2 failures.
    pub fn hash(&self, password: &str) -> Result<String, CryptoError> {
        check_length(password)?;
        let salt: [u8; 16] = random_array()?;
        let mut out = [0u8; OUTPUT_LEN];
        self.memory
            .run(self.params.block_count(), |blocks| {
                self.argon2.hash_password_into_with_memory(
                    password.as_bytes(),
                    &salt,
                    &mut out,
                    blocks,
                )
            })
            .map_err(|e| CryptoError::PasswordHashing(e.to_string()))?;
        let phc = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(u32::from(Version::V0x13)),
            params: ParamsString::try_from(&self.params).map_err(hashing)?,
            salt: Some(Salt::new(&salt).map_err(hashing)?),
            hash: Some(Output::new(&out).map_err(hashing)?),
        };
        Ok(phc.to_string())
    }

    /// Checks a password against a stored PHC string, in constant time with
    /// respect to the hash output. The stored string's own parameters are used.
    ///
    /// # Errors
    /// [`CryptoError::PasswordTooLong`] above [`MAX_PASSWORD_BYTES`];
    /// [`CryptoError::MalformedHash`] if `phc` is not an argon2 PHC string
    /// with usable parameters. A wrong password is `Ok` with `valid: false`.
    pub fn verify(&self, password: &str, phc: &str) -> Result<PasswordCheck, CryptoError> {
        check_length(password)?;
        let stored = PasswordHash::new(phc).map_err(|_| CryptoError::MalformedHash)?;
        let valid = self.matches(password, &stored)?;
        Ok(PasswordCheck {
            valid,
            needs_rehash: self.needs_rehash(&stored),
        })
    }

    /// Spends the same time as [`PasswordHasher::verify`] against a hash made
    /// with this hasher's parameters, and always fails. Call it when the
    /// account does not exist so sign-in timing does not reveal which e-mails
    /// are registered.
    ///
    /// The dummy PHC is built once per hasher from its parameters, a fixed salt
    /// and an all-zero output (no hashing needed to create it); verifying it
    /// runs the full argon2 computation.
    pub fn verify_dummy(&self, password: &str) {
        // The outcome is irrelevant: only the time spent matters.
        let _ = self.verify(password, &self.dummy_phc);
    }

    /// Recomputes `stored`'s hash of `password` with `stored`'s own algorithm, version and
    /// parameters, in pooled memory, and compares in constant time.
    fn matches(&self, password: &str, stored: &PasswordHash) -> Result<bool, CryptoError> {
        let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
            return Err(CryptoError::MalformedHash);
        };
        let algorithm = Algorithm::try_from(stored.algorithm.as_str())
            .map_err(|_| CryptoError::MalformedHash)?;
        let version = stored
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|_| CryptoError::MalformedHash)?
            .unwrap_or_default();
        let params = Params::try_from(stored).map_err(|_| CryptoError::MalformedHash)?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut buffer = [0u8; Output::MAX_LENGTH];
        let out = buffer
            .get_mut(..expected.len())
            .ok_or(CryptoError::MalformedHash)?;
        self.memory
            .run(params.block_count(), |blocks| {
                argon2.hash_password_into_with_memory(
                    password.as_bytes(),
                    salt.as_ref(),
                    out,
                    blocks,
                )
            })
            .map_err(|_| CryptoError::MalformedHash)?;
        let computed = Output::new(out).map_err(|_| CryptoError::MalformedHash)?;
        // `Output`'s equality is constant-time.
        Ok(&computed == expected)
    }

    fn needs_rehash(&self, stored: &PasswordHash) -> bool {
        let same_algorithm =
            stored.algorithm == ARGON2ID_IDENT && stored.version == Some(u32::from(Version::V0x13));
        let same_params = Params::try_from(stored).is_ok_and(|p| {
            p.m_cost() == self.params.m_cost()
                && p.t_cost() == self.params.t_cost()
                && p.p_cost() == self.params.p_cost()
                && p.output_len().unwrap_or(OUTPUT_LEN) == OUTPUT_LEN
                && p.keyid().is_empty()
                && p.data().is_empty()
        });
        !(same_algorithm && same_params)
    }
}

fn hashing(e: impl std::fmt::Display) -> CryptoError {
    CryptoError::PasswordHashing(e.to_string())
}

fn check_length(password: &str) -> Result<(), CryptoError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(CryptoError::PasswordTooLong {
            max: MAX_PASSWORD_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
