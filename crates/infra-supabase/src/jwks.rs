//! Parsing the project's JWKS into verification keys.

use std::collections::HashMap;
use std::sync::Arc;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

/// Largest JWKS body accepted, in bytes.
pub(crate) const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A public key from the JWKS and the one algorithm it may verify.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

/// Usable keys by `kid`.
pub(crate) type KeySet = HashMap<String, Arc<VerifyKey>>;

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// Parses a JWKS document, keeping only ES256 (P-256) and RS256 signature
/// keys that have a `kid` and an `alg`. Other entries are skipped, so one
/// key of a future type does not break the whole set. On duplicate `kid`s
/// the first usable entry wins.
///
/// # Errors
///
/// A short description when the body is too large or is not a JWKS object.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    if body.len() > MAX_JWKS_BYTES {
        return Err("JWKS body too large".to_owned());
    }
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|_| "JWKS body is not a JWK set".to_owned())?;
    let mut keys = KeySet::new();
    for value in raw.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if let Some((kid, key)) = usable_key(&jwk) {
            keys.entry(kid).or_insert_with(|| Arc::new(key));
        }
    }
    Ok(keys)
}

fn usable_key(jwk: &Jwk) -> Option<(String, VerifyKey)> {
    let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
    if let Some(key_use) = &jwk.common.public_key_use
        && *key_use != PublicKeyUse::Signature
    {
        return None;
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return None;
    }
    let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(KeyAlgorithm::ES256), AlgorithmParameters::EllipticCurve(p))
            if p.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        (Some(KeyAlgorithm::RS256), AlgorithmParameters::RSA(_)) => Algorithm::RS256,
        _ => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((kid, VerifyKey { alg, key }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"DFgElpLfsHtw6cIoNx4Dh9fJhopDMstElnd6CXkaaS0","y":"1WDqJnXp1PXGlbQG-0orYvcfzWzDH6tEsrXIo9gembQ""#;

    fn set(entries: &[String]) -> Vec<u8> {
        format!(r#"{{"keys":[{}]}}"#, entries.join(",")).into_bytes()
    }

    #[test]
    fn keeps_signature_keys_with_kid_and_alg() {
        let body = set(&[
            format!(r#"{EC},"kid":"a","alg":"ES256","use":"sig","key_ops":["verify"]}}"#),
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r","alg":"RS256"}"#.to_owned(),
        ]);
        let keys = parse_jwks(&body).unwrap_or_default();
        assert_eq!(keys.get("a").map(|k| k.alg), Some(Algorithm::ES256));
        assert_eq!(keys.get("r").map(|k| k.alg), Some(Algorithm::RS256));
    }

    #[test]
    fn skips_unusable_entries() {
        let body = set(&[
            format!(r#"{EC},"alg":"ES256"}}"#),
            format!(r#"{EC},"kid":"no-alg"}}"#),
            format!(r#"{EC},"kid":"enc","alg":"ES256","use":"enc"}}"#),
            format!(r#"{EC},"kid":"sign-only","alg":"ES256","key_ops":["sign"]}}"#),
            format!(r#"{EC},"kid":"mismatch","alg":"RS256"}}"#),
            r#"{"kty":"oct","k":"c2VjcmV0","kid":"hmac","alg":"HS256"}"#.to_owned(),
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"ed","alg":"EdDSA"}"#.to_owned(),
            r#"{"kty":"weird","kid":"w"}"#.to_owned(),
        ]);
        assert_eq!(parse_jwks(&body).map(|k| k.len()), Ok(0));
    }

    #[test]
    fn empty_set_is_fine_and_garbage_is_not() {
        assert_eq!(parse_jwks(br#"{"keys":[]}"#).map(|k| k.len()), Ok(0));
        assert!(parse_jwks(b"<html>").is_err());
        assert!(parse_jwks(&vec![b' '; MAX_JWKS_BYTES + 1]).is_err());
    }
}
