use argon2::{Algorithm, Argon2, Params, Version};

use super::{MAX_PASSWORD_BYTES, OWASP_M_COST_KIB, OWASP_P_COST, OWASP_T_COST, PasswordHasher};
use crate::CryptoError;

/// Cheap parameters so the tests stay fast.
fn fast() -> PasswordHasher {
    PasswordHasher::with_params(64, 1, 1).unwrap()
}

#[test]
fn default_hasher_uses_owasp_params() {
    assert_eq!(
        (OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST),
        (19_456, 2, 1)
    );
    let hasher = PasswordHasher::new();
    let phc = hasher.hash("correct horse").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    let check = hasher.verify("correct horse", &phc).unwrap();
    assert!(check.valid);
    assert!(!check.needs_rehash);
}

#[test]
fn hash_then_verify() {
    let hasher = fast();
    let phc = hasher.hash("s3cret").unwrap();
    let check = hasher.verify("s3cret", &phc).unwrap();
    assert!(check.valid);
    assert!(!check.needs_rehash);
}

#[test]
fn wrong_password_is_not_valid() {
    let hasher = fast();
    let phc = hasher.hash("s3cret").unwrap();
    let check = hasher.verify("s3cret!", &phc).unwrap();
    assert!(!check.valid);
    assert!(!hasher.verify("", &phc).unwrap().valid);
}

#[test]
fn salts_differ() {
    let hasher = fast();
    assert_ne!(hasher.hash("same").unwrap(), hasher.hash("same").unwrap());
}

#[test]
fn needs_rehash_when_params_change() {
    let old = PasswordHasher::with_params(64, 1, 1).unwrap();
    let phc = old.hash("pw").unwrap();
    for new in [
        PasswordHasher::with_params(128, 1, 1).unwrap(),
        PasswordHasher::with_params(64, 2, 1).unwrap(),
        PasswordHasher::with_params(64, 1, 2).unwrap(),
    ] {
        let check = new.verify("pw", &phc).unwrap();
        assert!(check.valid);
        assert!(check.needs_rehash);
    }
}

#[test]
fn needs_rehash_for_other_argon2_variant() {
    let params = Params::new(64, 1, 1, None).unwrap();
    let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
    let phc = argon2::PasswordHasher::hash_password(&argon2i, b"pw")
        .unwrap()
        .to_string();
    assert!(phc.starts_with("$argon2i$"));
    let check = fast().verify("pw", &phc).unwrap();
    assert!(check.valid);
    assert!(check.needs_rehash);
}

#[test]
fn malformed_phc_is_an_error() {
    let hasher = fast();
    for phc in [
        "",
        "not a hash",
        "$argon2id$v=19$m=abc,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ] {
        assert_eq!(
            hasher.verify("pw", phc),
            Err(CryptoError::MalformedHash),
            "{phc}"
        );
    }
}

#[test]
fn overlong_password_is_rejected() {
    let hasher = fast();
    let longest = "a".repeat(MAX_PASSWORD_BYTES);
    let phc = hasher.hash(&longest).unwrap();
    assert!(hasher.verify(&longest, &phc).unwrap().valid);

    let too_long = "a".repeat(MAX_PASSWORD_BYTES + 1);
    let expected = CryptoError::PasswordTooLong {
        max: MAX_PASSWORD_BYTES,
    };
    assert_eq!(hasher.hash(&too_long).unwrap_err(), expected);
    assert_eq!(hasher.verify(&too_long, &phc).unwrap_err(), expected);
}

#[test]
fn dummy_hash_runs_full_verification_with_current_params() {
    let hasher = fast();
    let check = hasher.verify("anything", &hasher.dummy_phc).unwrap();
    assert!(!check.valid);
    assert!(!check.needs_rehash);
    hasher.verify_dummy("anything");
    hasher.verify_dummy(&"a".repeat(MAX_PASSWORD_BYTES + 1));
}

#[test]
fn invalid_params_are_rejected() {
    assert!(matches!(
        PasswordHasher::with_params(64, 1, 0),
        Err(CryptoError::PasswordHashing(_))
    ));
    assert!(matches!(
        PasswordHasher::with_params(4, 1, 1),
        Err(CryptoError::PasswordHashing(_))
    ));
}

#[test]
fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
    // Ours → the crate's verifier.
    let ours = fast().hash("pw").unwrap();
    let parsed = argon2::password_hash::phc::PasswordHash::new(&ours).unwrap();
    let argon2 = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(64, 1, 1, None).unwrap(),
    );
    assert!(argon2::PasswordVerifier::verify_password(&argon2, b"pw", &parsed).is_ok());
    assert!(argon2::PasswordVerifier::verify_password(&argon2, b"px", &parsed).is_err());
    // The crate's hash (as stored before pooled memory) → ours.
    let theirs = argon2::PasswordHasher::hash_password(&argon2, b"pw")
        .unwrap()
        .to_string();
    assert!(fast().verify("pw", &theirs).unwrap().valid);
    assert!(!fast().verify("px", &theirs).unwrap().valid);
    // A hash with a shorter output than ours (a valid PHC) is checked at its own length.
    let short = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(64, 1, 1, Some(16)).unwrap(),
    );
    let short = argon2::PasswordHasher::hash_password(&short, b"pw")
        .unwrap()
        .to_string();
    assert!(fast().verify("pw", &short).unwrap().valid);
}

#[test]
fn a_hasher_reuses_its_memory_across_runs() {
    let hasher = fast();
    hasher.hash("a").unwrap();
    hasher.verify_dummy("b");
    let clone = hasher.clone();
    clone.hash("c").unwrap();
    assert_eq!(
        hasher.memory.pooled(),
        1,
        "one buffer served three sequential runs"
    );
}
