//! [`SecretCipher`] adapters: [`BoxCipher`] over the [`SecretBox`], and [`NoKeyCipher`] for a
//! process that was given no master key (every call fails, nothing is stored in clear).

use domain::ports::integrations::{OpenedSecret, SecretCipher};
use domain::{CompanyId, IntegrationId};

use crate::{MasterKey, SecretBox};

/// Integration secrets sealed with ChaCha20-Poly1305 under a per-clinic key derived from the
/// master key; company and integration ids are the associated data (see [`crate::secret_box`]).
#[derive(Debug, Clone)]
pub struct BoxCipher {
    secret_box: SecretBox,
}

impl BoxCipher {
    /// The adapter over `secret_box`.
    #[must_use]
    pub fn new(secret_box: SecretBox) -> Self {
        Self { secret_box }
    }

    /// The adapter sealing with `current` and also opening with `previous` (during a rotation).
    #[must_use]
    pub fn from_keys(current: MasterKey, previous: Option<MasterKey>) -> Self {
        Self::new(SecretBox::new(current, previous))
    }
}

impl SecretCipher for BoxCipher {
    fn seal(
        &self,
        company: CompanyId,
        integration: IntegrationId,
        plaintext: Vec<u8>,
    ) -> anyhow::Result<Vec<u8>> {
        let plaintext = zeroize::Zeroizing::new(plaintext);
        Ok(self
            .secret_box
            .seal(company.0, integration.0, plaintext.as_slice())?)
    }

    fn open(
        &self,
        company: CompanyId,
        integration: IntegrationId,
        blob: Vec<u8>,
    ) -> anyhow::Result<OpenedSecret> {
        let opened = self.secret_box.open(company.0, integration.0, &blob)?;
        Ok(OpenedSecret {
            plaintext: opened.expose().to_vec(),
            with_previous_key: opened.with_previous_key,
        })
    }
}

/// The cipher of a process without a master key: sealing and opening fail, so integrations can
/// be neither created nor used (rather than being stored in clear or under a throwaway key).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKeyCipher;

impl SecretCipher for NoKeyCipher {
    fn seal(&self, _: CompanyId, _: IntegrationId, _: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        anyhow::bail!("no master key configured (ATENDE_MASTER_KEY)")
    }

    fn open(&self, _: CompanyId, _: IntegrationId, _: Vec<u8>) -> anyhow::Result<OpenedSecret> {
        anyhow::bail!("no master key configured (ATENDE_MASTER_KEY)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use uuid::Uuid;

    fn ids() -> (CompanyId, IntegrationId) {
        (
            CompanyId(Uuid::from_u128(10)),
            IntegrationId(Uuid::from_u128(20)),
        )
    }

    #[test]
    fn round_trip_binds_company_and_integration() {
        let cipher = BoxCipher::from_keys(MasterKey::from_bytes([3; 32]), None);
        let (company, integration) = ids();
        let json = br#"{"api_key":"sk-round-trip"}"#.to_vec();
        let blob = cipher.seal(company, integration, json.clone()).unwrap();
        assert_eq!(blob[0], crate::secret_box::BLOB_VERSION);
        assert!(!blob.windows(7).any(|w| w == b"sk-roun"));
        let opened = cipher.open(company, integration, blob.clone()).unwrap();
        assert_eq!(opened.plaintext, json);
        assert!(!opened.with_previous_key);
        let other = IntegrationId(Uuid::from_u128(21));
        assert!(cipher.open(company, other, blob.clone()).is_err());
        assert!(
            cipher
                .open(CompanyId(Uuid::from_u128(11)), integration, blob)
                .is_err()
        );
    }

    #[test]
    fn previous_key_is_reported() {
        let (company, integration) = ids();
        let old = BoxCipher::from_keys(MasterKey::from_bytes([1; 32]), None);
        let blob = old.seal(company, integration, b"x".to_vec()).unwrap();
        let rotated = BoxCipher::from_keys(
            MasterKey::from_bytes([2; 32]),
            Some(MasterKey::from_bytes([1; 32])),
        );
        let opened = rotated.open(company, integration, blob).unwrap();
        assert!(opened.with_previous_key);
        assert_eq!(opened.plaintext, b"x");
    }

    #[test]
    fn without_a_key_nothing_is_sealed() {
        let (company, integration) = ids();
        let err = NoKeyCipher
            .seal(company, integration, b"x".to_vec())
            .unwrap_err();
        assert!(err.to_string().contains("ATENDE_MASTER_KEY"));
        assert!(NoKeyCipher.open(company, integration, vec![1]).is_err());
    }
}
