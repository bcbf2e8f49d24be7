//! Meta (WhatsApp Cloud API) webhook signatures:
//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`.

use hmac::Mac;

use crate::SignatureError;
use crate::mac::hmac_sha256;

/// Name of the HTTP header Meta puts the signature in.
pub const HUB_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Prefix of the header value.
const PREFIX: &str = "sha256=";

/// Computes the `X-Hub-Signature-256` header value (`sha256=<lowercase hex>`)
/// for `body`. Meant for tests and tooling that simulate Meta.
#[must_use]
pub fn sign_hub(app_secret: &[u8], body: &[u8]) -> String {
    let tag = hmac_sha256(app_secret)
        .chain_update(body)
        .finalize()
        .into_bytes();
    format!("{PREFIX}{}", hex::encode(tag))
}

/// Verifies an `X-Hub-Signature-256` header against the raw request body in
/// constant time. Surrounding whitespace is ignored; upper- and lowercase hex
/// are both accepted.
///
/// # Errors
/// - [`SignatureError::Missing`] if `header` is `None` or blank.
/// - [`SignatureError::Malformed`] if the value does not start with `sha256=`
///   or is not 64 hex characters after it.
/// - [`SignatureError::Invalid`] if the MAC does not match.
pub fn verify_hub_signature(
    app_secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(SignatureError::Missing)?;
    let hex_tag = header
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::Malformed)?;
    let mut tag = [0u8; 32];
    hex::decode_to_slice(hex_tag.trim(), &mut tag).map_err(|_| SignatureError::Malformed)?;
    hmac_sha256(app_secret)
        .chain_update(body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::{sign_hub, verify_hub_signature};
    use crate::SignatureError;

    const SECRET: &[u8] = b"app_secret_test";
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account"}"#;
    // python3: hmac.new(b"app_secret_test", BODY, hashlib.sha256).hexdigest()
    const EXPECTED: &str =
        "sha256=3d29984a76b7b7d9b7d5d4908723df8ce2970b06df805ce27a1fc3fbef3fc993";
    // python3: hmac.new(b"app_secret_test", b"", hashlib.sha256).hexdigest()
    const EXPECTED_EMPTY: &str =
        "sha256=0633673856874c0944096b6665e69ce13b0bd1f614947c36d77ba53246a02a21";

    #[test]
    fn sign_matches_known_answers() {
        assert_eq!(sign_hub(SECRET, BODY), EXPECTED);
        assert_eq!(sign_hub(SECRET, b""), EXPECTED_EMPTY);
    }

    #[test]
    fn verify_accepts_lower_and_upper_hex() {
        assert_eq!(verify_hub_signature(SECRET, Some(EXPECTED), BODY), Ok(()));
        let upper = format!("sha256={}", EXPECTED[7..].to_uppercase());
        assert_eq!(verify_hub_signature(SECRET, Some(&upper), BODY), Ok(()));
        let padded = format!("  {EXPECTED} ");
        assert_eq!(verify_hub_signature(SECRET, Some(&padded), BODY), Ok(()));
    }

    #[test]
    fn missing_and_malformed() {
        assert_eq!(
            verify_hub_signature(SECRET, None, BODY),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_hub_signature(SECRET, Some(""), BODY),
            Err(SignatureError::Missing)
        );
        for bad in [
            &EXPECTED[7..],
            "sha1=3d29984a76b7b7d9b7d5d4908723df8ce2970b06df805ce27a1fc3fbef3fc993",
            "sha256=xyz",
            "sha256=3d29984a76b7b7d9b7d5d4908723df8ce2970b06df805ce27a1fc3fbef3fc9",
        ] {
            assert_eq!(
                verify_hub_signature(SECRET, Some(bad), BODY),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn invalid_for_wrong_secret_or_body() {
        assert_eq!(
            verify_hub_signature(b"other", Some(EXPECTED), BODY),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify_hub_signature(SECRET, Some(EXPECTED), b"{}"),
            Err(SignatureError::Invalid)
        );
    }
}
