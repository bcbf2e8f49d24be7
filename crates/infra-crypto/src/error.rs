//! Error types shared by the modules of this crate.

use thiserror::Error;

/// Why a webhook or Meta signature was rejected.
///
/// The variants are safe to log; none of them carries secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The signature header is absent or empty.
    #[error("signature header missing")]
    Missing,
    /// The header could not be parsed (no timestamp, no signature, bad hex, wrong length).
    #[error("signature header malformed")]
    Malformed,
    /// The MAC is valid but the timestamp is outside the accepted window (possible replay).
    #[error("signature timestamp outside tolerance")]
    Stale,
    /// No configured secret produces the given MAC.
    #[error("signature invalid")]
    Invalid,
}

/// Errors of the secret box, password hashing and random generation.
///
/// The messages never include key material, plaintexts or passwords.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// The master key is not valid base64 or does not decode to exactly 32 bytes.
    #[error("invalid master key: {0}")]
    InvalidMasterKey(String),
    /// The blob starts with a version byte this build does not know.
    #[error("unsupported secret blob version {0}")]
    UnsupportedVersion(u8),
    /// The blob is shorter than version + nonce + tag.
    #[error("secret blob too short")]
    TooShort,
    /// Authentication failed: tampered blob, wrong company, wrong integration or wrong key.
    #[error("secret blob authentication failed")]
    AuthenticationFailed,
    /// Encryption failed (plaintext too large for the AEAD).
    #[error("encryption failed")]
    EncryptionFailed,
    /// The operating system random number generator failed.
    #[error("random number generator failure")]
    Rng,
    /// The password exceeds [`crate::password::MAX_PASSWORD_BYTES`].
    #[error("password longer than {max} bytes")]
    PasswordTooLong {
        /// The maximum accepted length in bytes.
        max: usize,
    },
    /// The stored password hash is not a usable argon2 PHC string.
    #[error("malformed password hash")]
    MalformedHash,
    /// Invalid argon2 parameters or another password hashing failure.
    #[error("password hashing failed: {0}")]
    PasswordHashing(String),
    /// An internal invariant failed (should never happen).
    #[error("internal crypto error: {0}")]
    Internal(&'static str),
}
