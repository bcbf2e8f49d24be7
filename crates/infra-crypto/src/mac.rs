//! Infallible HMAC-SHA256 construction shared by `webhook` and `meta`.

use hmac::digest::Key;
use hmac::{Hmac, KeyInit};
use sha2::{Digest, Sha256};

/// HMAC with SHA-256.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Builds an HMAC-SHA256 instance for a key of any length.
///
/// Follows RFC 2104 literally (keys longer than the 64-byte block are hashed
/// first, then zero-padded to the block), which is exactly what
/// `Hmac::new_from_slice` does, but without a `Result` that can never be `Err`.
pub(crate) fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    let mut block = Key::<HmacSha256>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block
            .iter_mut()
            .zip(digest.iter())
            .for_each(|(b, d)| *b = *d);
    } else {
        block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
    }
    HmacSha256::new(&block)
}

#[cfg(test)]
mod tests {
    use super::{HmacSha256, hmac_sha256};
    use hmac::{KeyInit, Mac};

    #[test]
    fn matches_new_from_slice_for_all_key_lengths() {
        for len in [0usize, 1, 31, 32, 63, 64, 65, 128, 200] {
            let key: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let ours = hmac_sha256(&key).chain_update(b"msg").finalize();
            let reference = HmacSha256::new_from_slice(&key)
                .unwrap()
                .chain_update(b"msg")
                .finalize();
            assert_eq!(ours.into_bytes(), reference.into_bytes(), "key len {len}");
        }
    }

    #[test]
    fn long_key_known_answer() {
        // python3: hmac.new(b"k" * 100, b"msg", hashlib.sha256).hexdigest()
        let tag = hmac_sha256(&[b'k'; 100]).chain_update(b"msg").finalize();
        assert_eq!(hex::encode(tag.into_bytes()), LONG_KEY_MAC);
    }

    const LONG_KEY_MAC: &str = "bd56a1782c2830e8abc6ed866a57a1230661e650b84c62f7ee3accc5fa5af491";
}
