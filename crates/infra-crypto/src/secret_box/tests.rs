use uuid::Uuid;

use super::{BLOB_VERSION, SecretBox};
use crate::{CryptoError, MasterKey};

const COMPANY: Uuid = Uuid::from_u128(1);
const INTEGRATION: Uuid = Uuid::from_u128(2);
const SECRET: &[u8] = b"sk-test-123";

/// Produced independently with python3 `cryptography` + a hand-written HKDF:
/// master key = bytes 0..32, company = UUID 1, integration = UUID 2,
/// nonce = twelve 0x07 bytes, plaintext = "sk-test-123".
const KNOWN_BLOB: &str =
    "0107070707070707070707070784f700d346252099df2f70c92ece4ed4e126798692ef4dd240fbc1";

fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes([byte; 32])
}

fn counting_key() -> MasterKey {
    MasterKey::from_bytes(std::array::from_fn(|i| i as u8))
}

#[test]
fn opens_known_answer_blob() {
    let sb = SecretBox::new(counting_key(), None);
    let blob = hex::decode(KNOWN_BLOB).unwrap();
    let opened = sb.open(COMPANY, INTEGRATION, &blob).unwrap();
    assert_eq!(opened.expose(), SECRET);
    assert!(!opened.with_previous_key);
}

#[test]
fn round_trip_and_layout() {
    let sb = SecretBox::new(key(1), None);
    let blob = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    assert_eq!(blob[0], BLOB_VERSION);
    assert_eq!(blob.len(), 1 + 12 + SECRET.len() + 16);
    let opened = sb.open(COMPANY, INTEGRATION, &blob).unwrap();
    assert_eq!(opened.expose(), SECRET);
    assert!(!opened.with_previous_key);
}

#[test]
fn empty_plaintext_round_trips() {
    let sb = SecretBox::new(key(1), None);
    let blob = sb.seal(COMPANY, INTEGRATION, b"").unwrap();
    assert_eq!(sb.open(COMPANY, INTEGRATION, &blob).unwrap().expose(), b"");
}

#[test]
fn other_company_fails() {
    let sb = SecretBox::new(key(1), None);
    let blob = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    let err = sb.open(Uuid::from_u128(3), INTEGRATION, &blob).unwrap_err();
    assert_eq!(err, CryptoError::AuthenticationFailed);
}

#[test]
fn other_integration_fails() {
    let sb = SecretBox::new(key(1), None);
    let blob = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    let err = sb.open(COMPANY, Uuid::from_u128(3), &blob).unwrap_err();
    assert_eq!(err, CryptoError::AuthenticationFailed);
}

#[test]
fn other_master_key_fails() {
    let blob = SecretBox::new(key(1), None)
        .seal(COMPANY, INTEGRATION, SECRET)
        .unwrap();
    let err = SecretBox::new(key(2), None)
        .open(COMPANY, INTEGRATION, &blob)
        .unwrap_err();
    assert_eq!(err, CryptoError::AuthenticationFailed);
}

#[test]
fn any_tampered_byte_fails() {
    let sb = SecretBox::new(key(1), Some(key(2)));
    let blob = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    for i in 0..blob.len() {
        let mut tampered = blob.clone();
        tampered[i] ^= 0x01;
        let err = sb.open(COMPANY, INTEGRATION, &tampered).unwrap_err();
        let expected = if i == 0 {
            CryptoError::UnsupportedVersion(BLOB_VERSION ^ 0x01)
        } else {
            CryptoError::AuthenticationFailed
        };
        assert_eq!(err, expected, "byte {i}");
    }
}

#[test]
fn truncated_and_unknown_version_blobs() {
    let sb = SecretBox::new(key(1), None);
    let blob = sb.seal(COMPANY, INTEGRATION, b"").unwrap();
    assert_eq!(
        sb.open(COMPANY, INTEGRATION, &[]).unwrap_err(),
        CryptoError::TooShort
    );
    let err = sb
        .open(COMPANY, INTEGRATION, &blob[..blob.len() - 1])
        .unwrap_err();
    assert_eq!(err, CryptoError::TooShort);
    let mut v2 = blob.clone();
    v2[0] = 2;
    let err = sb.open(COMPANY, INTEGRATION, &v2).unwrap_err();
    assert_eq!(err, CryptoError::UnsupportedVersion(2));
}

#[test]
fn previous_key_opens_and_flags() {
    let old_blob = SecretBox::new(key(1), None)
        .seal(COMPANY, INTEGRATION, SECRET)
        .unwrap();
    let rotated = SecretBox::new(key(2), Some(key(1)));
    let opened = rotated.open(COMPANY, INTEGRATION, &old_blob).unwrap();
    assert_eq!(opened.expose(), SECRET);
    assert!(opened.with_previous_key);
}

#[test]
fn reseal_moves_blob_to_current_key() {
    let old_blob = SecretBox::new(key(1), None)
        .seal(COMPANY, INTEGRATION, SECRET)
        .unwrap();
    let rotated = SecretBox::new(key(2), Some(key(1)));
    let new_blob = rotated.reseal(COMPANY, INTEGRATION, &old_blob).unwrap();

    let opened = rotated.open(COMPANY, INTEGRATION, &new_blob).unwrap();
    assert!(!opened.with_previous_key);
    let current_only = SecretBox::new(key(2), None);
    assert_eq!(
        current_only
            .open(COMPANY, INTEGRATION, &new_blob)
            .unwrap()
            .expose(),
        SECRET
    );
    let old_only = SecretBox::new(key(1), None);
    assert_eq!(
        old_only.open(COMPANY, INTEGRATION, &new_blob).unwrap_err(),
        CryptoError::AuthenticationFailed
    );
}

#[test]
fn nonce_differs_between_seals() {
    let sb = SecretBox::new(key(1), None);
    let a = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    let b = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    assert_ne!(a[1..13], b[1..13]);
    assert_ne!(a, b);
}

#[test]
fn debug_output_leaks_nothing() {
    let sb = SecretBox::new(counting_key(), Some(key(9)));
    let blob = sb.seal(COMPANY, INTEGRATION, SECRET).unwrap();
    let opened = sb.open(COMPANY, INTEGRATION, &blob).unwrap();
    let debug = format!("{sb:?} {opened:?}");
    assert!(!debug.contains("sk-test"), "{debug}");
    assert!(!debug.contains("115, 107"), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}
