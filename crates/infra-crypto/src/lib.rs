//! Cryptography for Atende: webhook signatures, encryption of per-clinic
//! secrets at rest, password hashing and opaque tokens.
//!
//! All primitives come from RustCrypto (`hmac`, `sha2`, `hkdf`,
//! `chacha20poly1305`, `argon2`); randomness comes from the operating system
//! via `getrandom`. No function panics; every secret comparison is constant
//! time; `Debug` never prints keys, passwords or plaintexts.
//!
//! # Atende webhook signatures ([`webhook`])
//!
//! Used on inbound webhooks from n8n, on our outbound calls to n8n and on n8n
//! status callbacks. Header value:
//!
//! ```text
//! t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<raw body bytes>")>
//! ```
//!
//! The signed message is the decimal timestamp, a `.`, then the raw body bytes
//! exactly as sent. When verifying: spaces are tolerated, unknown keys are
//! ignored, several `v1=` entries may be present (the sender signs with its old
//! and new secret during a rotation) and several receiver secrets may be
//! configured; any `(secret, v1)` match is accepted. The MAC is checked first,
//! in constant time, and only then the freshness `|now - t| <= tolerance`, so a
//! request without a valid MAC is always reported as `Invalid`, and a replayed
//! valid request outside the window as `Stale`.
//!
//! # Meta signatures ([`meta`])
//!
//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`,
//! verified in constant time; upper- or lowercase hex accepted. The GET
//! handshake's `hub.verify_token` can be compared with [`constant_time_eq`].
//!
//! # Secrets at rest ([`secret_box`])
//!
//! - Master key: 32 bytes, configured as standard base64 (padding optional).
//! - Per-company key: `HKDF-SHA256(ikm = master key, salt = "atende/secret-box/v1",
//!   info = "company-key:v1:" || company UUID (16 bytes))`, 32 bytes.
//! - Cipher: ChaCha20-Poly1305 with a random 96-bit nonce per seal.
//! - Associated data: company UUID (16 bytes) || integration UUID (16 bytes), so
//!   a blob copied to another company or integration does not open.
//! - Blob: `[0x01 version][12-byte nonce][ciphertext || 16-byte tag]`
//!   (29 bytes of overhead).
//! - Rotation: a [`SecretBox`] holds the current key and optionally the
//!   previous one. `open` tries the current key then the previous one and
//!   reports `with_previous_key`; `reseal` re-encrypts under the current key.
//!   Blobs carry no key id.
//!
//! # Passwords ([`password`])
//!
//! argon2id, version 0x13, OWASP parameters m = 19456 KiB, t = 2, p = 1,
//! 16-byte random salt, 32-byte output, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). Verification uses the
//! parameters in the stored string and reports `needs_rehash` when they (or
//! the algorithm/version) differ from the configured ones. Passwords longer
//! than 1024 bytes are rejected before hashing (denial-of-service guard).
//! `verify_dummy` performs a full verification against a never-matching hash
//! with the same parameters, to equalise sign-in time for unknown accounts.
//!
//! # Tokens ([`token`])
//!
//! `prefix || base64url-no-pad(32 random bytes)`: 256 bits of entropy, 43
//! characters after the prefix (none for sessions, `atk_` for API tokens,
//! `inv_` for invites). Only `SHA-256(token string)` is stored.

pub mod adapters;
mod ct;
pub mod device;
mod error;
mod mac;
mod master_key;
mod random;

pub mod meta;
pub mod password;
pub mod secret_box;
pub mod secret_cipher;
pub mod token;
pub mod verifier;
pub mod webhook;

pub use ct::constant_time_eq;
pub use error::{CryptoError, SignatureError};
pub use master_key::MasterKey;
pub use password::{PasswordCheck, PasswordHasher};
pub use secret_box::{Opened, SecretBox};
