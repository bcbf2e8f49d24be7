//! Opaque bearer tokens (sessions, API tokens, invites).
//!
//! A token is `prefix + base64url-no-pad(32 random bytes)` (43 characters
//! after the prefix, 256 bits of entropy). Only `SHA-256(token)` is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::CryptoError;
use crate::random::random_array;

/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "atk_";
/// Prefix of invite tokens.
pub const INVITE_TOKEN_PREFIX: &str = "inv_";
/// Number of random bytes in a token.
pub const TOKEN_BYTES: usize = 32;
/// Length of the encoded random part (base64url without padding of 32 bytes).
pub const TOKEN_BODY_LEN: usize = 43;

/// Generates a new token: `prefix` followed by 32 random bytes in
/// base64url without padding. Session tokens use an empty prefix.
///
/// # Errors
/// [`CryptoError::Rng`] if the operating system generator fails.
pub fn generate(prefix: &str) -> Result<String, CryptoError> {
    let bytes: [u8; TOKEN_BYTES] = random_array()?;
    let mut token = String::with_capacity(prefix.len() + TOKEN_BODY_LEN);
    token.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut token);
    Ok(token)
}

/// SHA-256 of the token's UTF-8 bytes (prefix included): the value to store
/// and look up.
#[must_use]
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// [`hash`] as lowercase hex.
#[must_use]
pub fn hash_hex(token: &str) -> String {
    hex::encode(hash(token))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{API_TOKEN_PREFIX, INVITE_TOKEN_PREFIX, TOKEN_BODY_LEN, generate, hash, hash_hex};

    #[test]
    fn length_and_alphabet() {
        let token = generate("").unwrap();
        assert_eq!(token.len(), TOKEN_BODY_LEN);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
    }

    #[test]
    fn prefix_is_preserved() {
        for prefix in [API_TOKEN_PREFIX, INVITE_TOKEN_PREFIX] {
            let token = generate(prefix).unwrap();
            assert!(token.starts_with(prefix));
            assert_eq!(token.len(), prefix.len() + TOKEN_BODY_LEN);
        }
    }

    #[test]
    fn thousand_tokens_are_unique() {
        let tokens: HashSet<String> = (0..1000).map(|_| generate("").unwrap()).collect();
        assert_eq!(tokens.len(), 1000);
    }

    #[test]
    fn hash_is_deterministic_sha256() {
        // python3: hashlib.sha256(b"atk_example").hexdigest()
        assert_eq!(
            hash_hex("atk_example"),
            "3e33b27e089733e13c3da5ea342466865aa2f7ab9af0a60062e2c213118d5d94"
        );
        assert_eq!(
            hash_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(hash("atk_example"), hash("atk_example"));
        assert_ne!(hash("atk_example"), hash("atk_examplf"));
    }
}
