//! Signature and claim checks once the key is known.

use chrono::DateTime;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::JwtError;
use crate::types::VerifiedToken;

/// The audience every Supabase user access token carries.
pub(crate) const AUDIENCE: &str = "authenticated";

/// Clock skew tolerated on `exp` (and `nbf`), in seconds.
pub(crate) const LEEWAY_SECS: u64 = 30;

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Verifies the signature with `key` under exactly `alg`, then `iss`,
/// `aud`, `exp` (and `nbf` if present) and the shape of `sub`.
///
/// # Errors
///
/// The [`JwtError`] of the first failed check; the signature is checked
/// before any claim.
pub(crate) fn verify_claims(
    token: &str,
    key: &DecodingKey,
    alg: Algorithm,
    issuer: &str,
) -> Result<VerifiedToken, JwtError> {
    let mut validation = Validation::new(alg);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|err| map_error(err.kind()))?
        .claims;
    let sub = Uuid::parse_str(&claims.sub).map_err(|_| JwtError::Malformed)?;
    let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(JwtError::Malformed)?;
    Ok(VerifiedToken {
        sub,
        email: claims
            .email
            .filter(|e| !e.is_empty())
            .map(|e| e.to_lowercase()),
        role: claims.role,
        expires_at,
    })
}

fn map_error(kind: &ErrorKind) -> JwtError {
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => JwtError::InvalidSignature,
        ErrorKind::ExpiredSignature => JwtError::Expired,
        ErrorKind::InvalidIssuer => JwtError::InvalidIssuer,
        ErrorKind::InvalidAudience => JwtError::InvalidAudience,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => JwtError::InvalidIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => JwtError::InvalidAudience,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => JwtError::UnsupportedAlgorithm,
        _ => JwtError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::{Value, json};

    use super::*;

    const ISS: &str = "https://abc.supabase.co/auth/v1";
    const SUB: &str = "7d3c1c8e-4c4f-4e8e-9f57-0a0c3b6b1f11";

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn check(claims: Value) -> Result<VerifiedToken, JwtError> {
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        verify_claims(
            &token,
            &DecodingKey::from_secret(b"s3cret"),
            Algorithm::HS256,
            ISS,
        )
    }

    fn good() -> Value {
        json!({"iss": ISS, "aud": "authenticated", "sub": SUB, "exp": now() + 60,
               "email": "Ana@Clinic.Test", "role": "authenticated"})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut claims = good();
        claims[key] = value;
        claims
    }

    fn without(key: &str) -> Value {
        let mut claims = good();
        claims.as_object_mut().unwrap().remove(key);
        claims
    }

    #[test]
    fn accepts_a_good_token() {
        let t = check(good()).unwrap();
        assert_eq!(t.sub.to_string(), SUB);
        assert_eq!(t.email.as_deref(), Some("ana@clinic.test"));
        assert_eq!(t.role.as_deref(), Some("authenticated"));
        assert!(check(with("aud", json!(["other", "authenticated"]))).is_ok());
        assert!(
            check(with("exp", json!(now() - 20))).is_ok(),
            "within leeway"
        );
        assert_eq!(check(with("email", json!(""))).unwrap().email, None);
    }

    #[test]
    fn maps_claim_failures() {
        use JwtError::*;
        assert_eq!(check(with("exp", json!(now() - 31))), Err(Expired));
        assert_eq!(check(without("exp")), Err(Malformed));
        assert_eq!(check(with("aud", json!("anon"))), Err(InvalidAudience));
        assert_eq!(check(with("aud", json!(["a", "b"]))), Err(InvalidAudience));
        assert_eq!(check(without("aud")), Err(InvalidAudience));
        assert_eq!(check(with("iss", json!("supabase"))), Err(InvalidIssuer));
        assert_eq!(check(without("iss")), Err(InvalidIssuer));
        assert_eq!(check(with("sub", json!("not-a-uuid"))), Err(Malformed));
        assert_eq!(check(without("sub")), Err(Malformed));
        assert_eq!(check(with("nbf", json!(now() + 600))), Err(Malformed));
    }

    #[test]
    fn wrong_secret_is_a_bad_signature() {
        let token = encode(
            &Header::new(Algorithm::HS256),
            &good(),
            &EncodingKey::from_secret(b"other"),
        )
        .unwrap();
        let got = verify_claims(
            &token,
            &DecodingKey::from_secret(b"s3cret"),
            Algorithm::HS256,
            ISS,
        );
        assert_eq!(got, Err(JwtError::InvalidSignature));
    }
}
