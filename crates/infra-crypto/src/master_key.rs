//! The 32-byte master key from which per-company secret-box keys are derived.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::random::random_array;

/// Standard base64 alphabet; accepts input with or without `=` padding and
/// emits padded output.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 256-bit master key. Zeroized on drop; its `Debug` output is redacted.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; MasterKey::LEN]>);

impl MasterKey {
    /// Key length in bytes.
    pub const LEN: usize = 32;

    /// Wraps raw key bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses a key from standard base64 (padding optional; surrounding
    /// whitespace ignored).
    ///
    /// # Errors
    /// [`CryptoError::InvalidMasterKey`] if the input is not valid base64 or
    /// does not decode to exactly 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let decoded =
            Zeroizing::new(BASE64.decode(encoded.trim()).map_err(|_| {
                CryptoError::InvalidMasterKey("not valid standard base64".to_owned())
            })?);
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        if decoded.len() != Self::LEN {
            return Err(CryptoError::InvalidMasterKey(format!(
                "expected {} bytes after base64 decoding, got {}",
                Self::LEN,
                decoded.len()
            )));
        }
        key.copy_from_slice(&decoded);
        Ok(Self(key))
    }

    /// Generates a fresh random key from the operating system CSPRNG.
    ///
    /// # Errors
    /// [`CryptoError::Rng`] if the operating system generator fails.
    pub fn generate() -> Result<Self, CryptoError> {
        random_array().map(|bytes| Self(Zeroizing::new(bytes)))
    }

    /// Encodes the key as padded standard base64 (the format accepted by
    /// [`MasterKey::from_base64`]). Only for printing a newly generated key.
    #[must_use]
    pub fn expose_base64(&self) -> String {
        BASE64.encode(self.0.as_slice())
    }

    /// The raw key bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::MasterKey;
    use crate::CryptoError;

    // base64 of bytes 0..32
    const PADDED: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn parses_with_and_without_padding() {
        let expected: [u8; 32] = std::array::from_fn(|i| i as u8);
        let padded = MasterKey::from_base64(PADDED).unwrap();
        let unpadded = MasterKey::from_base64(PADDED.trim_end_matches('=')).unwrap();
        let spaced = MasterKey::from_base64(&format!("  {PADDED}\n")).unwrap();
        assert_eq!(padded.as_bytes(), &expected);
        assert_eq!(unpadded.as_bytes(), &expected);
        assert_eq!(spaced.as_bytes(), &expected);
        assert_eq!(padded.expose_base64(), PADDED);
    }

    #[test]
    fn rejects_wrong_length_and_bad_base64() {
        let short = MasterKey::from_base64("AAECAw==").unwrap_err();
        assert!(matches!(&short, CryptoError::InvalidMasterKey(m) if m.contains("got 4")));
        let long = MasterKey::from_base64(&format!("{PADDED}AA")).unwrap_err();
        assert!(matches!(long, CryptoError::InvalidMasterKey(_)));
        let bad = MasterKey::from_base64("not base64!").unwrap_err();
        assert!(matches!(bad, CryptoError::InvalidMasterKey(_)));
        let url_safe = MasterKey::from_base64(&format!("-{}", &PADDED[1..])).unwrap_err();
        assert!(matches!(url_safe, CryptoError::InvalidMasterKey(_)));
    }

    #[test]
    fn generate_round_trips_and_is_random() {
        let a = MasterKey::generate().unwrap();
        let b = MasterKey::generate().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        let parsed = MasterKey::from_base64(&a.expose_base64()).unwrap();
        assert_eq!(parsed.as_bytes(), a.as_bytes());
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_base64(PADDED).unwrap();
        let debug = format!("{key:?}");
        assert_eq!(debug, "MasterKey([REDACTED])");
        assert!(!debug.contains(PADDED));
    }
}
