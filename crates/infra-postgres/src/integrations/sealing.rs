//! Turning [`IntegrationSecrets`] into the stored columns and back.

use domain::integrations::IntegrationSecrets;
use domain::ports::integrations::SecretCipher;
use domain::{CompanyId, IntegrationId};
use sha2::{Digest, Sha256};

/// The stored form of an integration's secrets.
pub(super) struct Sealed {
    /// The sealed JSON object; `None` when no secret is set.
    pub blob: Option<Vec<u8>>,
    /// The names of the secrets set.
    pub names: Vec<String>,
    /// SHA-256 of the verify token, when set.
    pub verify_hash: Option<Vec<u8>>,
}

/// SHA-256 of a Meta verify token: what `verify_token_hash` stores and the handshake door
/// compares.
#[must_use]
pub fn verify_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Seals `secrets` for this clinic and integration.
pub(super) fn seal(
    cipher: &dyn SecretCipher,
    company: CompanyId,
    id: IntegrationId,
    secrets: &IntegrationSecrets,
) -> anyhow::Result<Sealed> {
    let names: Vec<String> = secrets.names().into_iter().map(str::to_owned).collect();
    let blob = if names.is_empty() {
        None
    } else {
        Some(cipher.seal(company, id, serde_json::to_vec(secrets)?)?)
    };
    Ok(Sealed {
        blob,
        names,
        verify_hash: secrets.verify_token.as_deref().map(verify_token_hash),
    })
}

/// Opens a stored blob; the flag says it was sealed under the previous master key.
pub(super) fn open(
    cipher: &dyn SecretCipher,
    company: CompanyId,
    id: IntegrationId,
    blob: Option<Vec<u8>>,
) -> anyhow::Result<(IntegrationSecrets, bool)> {
    let Some(blob) = blob else {
        return Ok((IntegrationSecrets::default(), false));
    };
    let opened = cipher
        .open(company, id, blob)
        .map_err(|e| e.context(format!("opening the secrets of integration {}", id.0)))?;
    let secrets = serde_json::from_slice(&opened.plaintext)
        .map_err(|_| anyhow::anyhow!("the secrets of integration {} are not valid JSON", id.0))?;
    Ok((secrets, opened.with_previous_key))
}
