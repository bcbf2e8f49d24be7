//! Encryption at rest of per-clinic integration secrets (ChaCha20-Poly1305).
//!
//! Blob: `[0x01][12-byte random nonce][ciphertext || 16-byte tag]`.
//! Key: HKDF-SHA256(ikm = master key, salt = [`KDF_SALT`],
//! info = [`KDF_INFO_PREFIX`] || company UUID bytes).
//! Associated data: company UUID bytes || integration UUID bytes.

use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use hkdf::Hkdf;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::random::random_array;
use crate::{CryptoError, MasterKey};

/// Version byte at the start of every blob.
pub const BLOB_VERSION: u8 = 1;
/// HKDF salt used to derive per-company keys.
pub const KDF_SALT: &[u8] = b"atende/secret-box/v1";
/// HKDF info prefix; the 16 company UUID bytes follow it.
pub const KDF_INFO_PREFIX: &[u8] = b"company-key:v1:";

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;

/// Seals and opens secret blobs with the current master key, falling back to
/// the previous one during a key rotation.
#[derive(Clone, Debug)]
pub struct SecretBox {
    current: MasterKey,
    previous: Option<MasterKey>,
}

/// A successfully opened blob.
#[derive(Debug)]
pub struct Opened {
    /// The decrypted secret (zeroized on drop, redacted in `Debug`).
    pub plaintext: SecretSlice<u8>,
    /// `true` if only the previous master key could open the blob: the caller
    /// should store [`SecretBox::reseal`]'s output.
    pub with_previous_key: bool,
}

impl Opened {
    /// The plaintext bytes. Avoid copying them into non-zeroizing buffers.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        self.plaintext.expose_secret()
    }
}

impl SecretBox {
    /// Creates a box sealing with `current` and also opening with `previous`.
    #[must_use]
    pub fn new(current: MasterKey, previous: Option<MasterKey>) -> Self {
        Self { current, previous }
    }

    /// A 32-byte key for another purpose than integration secrets, derived from the current
    /// master key with HKDF-SHA256 and `purpose` as info (give each purpose its own label, e.g.
    /// `b"atende/device-cookie/v1"`; it must not start with the secret box's own prefix).
    ///
    /// # Errors
    /// [`CryptoError::Internal`] when `purpose` starts with the secret box's info prefix.
    pub fn derive_key(&self, purpose: &[u8]) -> Result<[u8; 32], CryptoError> {
        if purpose.starts_with(KDF_INFO_PREFIX) {
            return Err(CryptoError::Internal(
                "purpose collides with the secret box",
            ));
        }
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(Some(KDF_SALT), self.current.as_bytes())
            .expand(purpose, &mut out)
            .map_err(|_| CryptoError::Internal("hkdf output length"))?;
        Ok(out)
    }

    /// Encrypts `plaintext` for one integration of one company, with a fresh
    /// random nonce, under the current key.
    ///
    /// # Errors
    /// [`CryptoError::Rng`] if no nonce can be generated,
    /// [`CryptoError::EncryptionFailed`] if the plaintext is too large.
    pub fn seal(
        &self,
        company: Uuid,
        integration: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes: [u8; NONCE_LEN] = random_array()?;
        let nonce = Nonce::from(nonce_bytes);
        let aad = associated_data(company, integration);
        let ciphertext = cipher(&self.current, company)?
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::EncryptionFailed)?;
        let mut blob = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        blob.push(BLOB_VERSION);
        blob.extend_from_slice(&nonce_bytes);
        blob.extend_from_slice(&ciphertext);
        Ok(blob)
    }

    /// Decrypts a blob with the current key, then with the previous key.
    ///
    /// # Errors
    /// [`CryptoError::TooShort`] if the blob cannot hold version, nonce and tag,
    /// [`CryptoError::UnsupportedVersion`] for an unknown version byte,
    /// [`CryptoError::AuthenticationFailed`] if no key authenticates it
    /// (tampered blob, other company or integration, unknown key).
    pub fn open(
        &self,
        company: Uuid,
        integration: Uuid,
        blob: &[u8],
    ) -> Result<Opened, CryptoError> {
        let (&version, rest) = blob.split_first().ok_or(CryptoError::TooShort)?;
        if version != BLOB_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::TooShort);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = associated_data(company, integration);
        let keys = std::iter::once((&self.current, false))
            .chain(self.previous.iter().map(|key| (key, true)));
        for (key, with_previous_key) in keys {
            if let Some(plaintext) = decrypt(key, company, nonce, sealed, &aad)? {
                return Ok(Opened {
                    plaintext,
                    with_previous_key,
                });
            }
        }
        Err(CryptoError::AuthenticationFailed)
    }

    /// Opens a blob with either key and seals it again under the current key
    /// (used by `atende keys rotate`).
    ///
    /// # Errors
    /// Any error of [`SecretBox::open`] or [`SecretBox::seal`].
    pub fn reseal(
        &self,
        company: Uuid,
        integration: Uuid,
        blob: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let opened = self.open(company, integration, blob)?;
        self.seal(company, integration, opened.expose())
    }
}

/// Decrypts `sealed` (ciphertext || tag); `Ok(None)` if the tag does not verify.
fn decrypt(
    key: &MasterKey,
    company: Uuid,
    nonce: &[u8],
    sealed: &[u8],
    aad: &[u8],
) -> Result<Option<SecretSlice<u8>>, CryptoError> {
    let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Internal("nonce length"))?;
    let (ciphertext, tag) = sealed.split_at(sealed.len().saturating_sub(TAG_LEN));
    let tag = Tag::try_from(tag).map_err(|_| CryptoError::Internal("tag length"))?;
    let mut buffer: Box<[u8]> = ciphertext.into();
    let verified = cipher(key, company)?
        .decrypt_inout_detached(&nonce, aad, (&mut *buffer).into(), &tag)
        .is_ok();
    // The tag is checked before decryption, so on failure `buffer` still holds
    // ciphertext only.
    Ok(verified.then(|| SecretSlice::new(buffer)))
}

/// The AEAD keyed with the per-company key derived from `key`.
fn cipher(key: &MasterKey, company: Uuid) -> Result<ChaCha20Poly1305, CryptoError> {
    let mut company_key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(KDF_SALT), key.as_bytes())
        .expand_multi_info(&[KDF_INFO_PREFIX, company.as_bytes()], &mut *company_key)
        .map_err(|_| CryptoError::Internal("hkdf output length"))?;
    ChaCha20Poly1305::new_from_slice(&*company_key)
        .map_err(|_| CryptoError::Internal("aead key length"))
}

/// Company UUID bytes followed by integration UUID bytes.
fn associated_data(company: Uuid, integration: Uuid) -> [u8; 32] {
    let mut aad = [0u8; 32];
    let (left, right) = aad.split_at_mut(16);
    left.copy_from_slice(company.as_bytes());
    right.copy_from_slice(integration.as_bytes());
    aad
}

#[cfg(test)]
mod tests;
