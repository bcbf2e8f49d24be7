//! Atende's webhook signature scheme (inbound n8n webhooks, outbound calls to
//! n8n and n8n status callbacks).
//!
//! Header value: `t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

use hmac::Mac;

use crate::SignatureError;
use crate::mac::{HmacSha256, hmac_sha256};

/// Length in bytes of an HMAC-SHA256 tag.
const MAC_LEN: usize = 32;

/// Signs `body` at `timestamp` and returns the full header value
/// `t=<timestamp>,v1=<hex mac>`.
#[must_use]
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Verifies a signature header against the raw request body.
///
/// Parsing is tolerant: spaces around entries, keys and values are ignored,
/// empty entries are skipped, unknown keys are ignored, and several `v1=`
/// entries may be present (a sender rotating its secret signs with both). Any
/// `secrets` entry may match any `v1` (receiver-side rotation).
///
/// Order of checks: the MAC is verified first (constant time), and only a
/// correctly signed request is then checked for freshness. An attacker without
/// the secret therefore always gets [`SignatureError::Invalid`], never a hint
/// about the timestamp window.
///
/// # Errors
/// - [`SignatureError::Missing`] if `header` is `None` or blank.
/// - [`SignatureError::Malformed`] if there is no `t`, more than one `t`, a
///   non-integer `t`, no `v1`, a `v1` that is not 64 hex characters, or an
///   entry without `=`.
/// - [`SignatureError::Invalid`] if no `(secret, v1)` pair matches.
/// - [`SignatureError::Stale`] if the MAC matches but `|now_unix - t| > tolerance_secs`
///   (a negative tolerance is treated as zero).
pub fn verify(
    secrets: &[&[u8]],
    header: Option<&str>,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(SignatureError::Missing)?;
    let parsed = parse(header)?;

    let matched = secrets.iter().any(|secret| {
        let expected = mac(secret, parsed.timestamp, body);
        parsed
            .signatures
            .iter()
            .any(|candidate| expected.clone().verify_slice(candidate).is_ok())
    });
    if !matched {
        return Err(SignatureError::Invalid);
    }

    let tolerance = u64::try_from(tolerance_secs).unwrap_or(0);
    if now_unix.abs_diff(parsed.timestamp) > tolerance {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// A parsed header: the timestamp and every `v1` signature.
struct ParsedHeader {
    timestamp: i64,
    signatures: Vec<[u8; MAC_LEN]>,
}

fn parse(header: &str) -> Result<ParsedHeader, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for entry in header.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (key, value) = entry.split_once('=').ok_or(SignatureError::Malformed)?;
        match key.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed);
                }
                let t = value.trim().parse::<i64>();
                timestamp = Some(t.map_err(|_| SignatureError::Malformed)?);
            }
            "v1" => {
                let mut sig = [0u8; MAC_LEN];
                hex::decode_to_slice(value.trim(), &mut sig)
                    .map_err(|_| SignatureError::Malformed)?;
                signatures.push(sig);
            }
            _ => {}
        }
    }
    match timestamp {
        Some(timestamp) if !signatures.is_empty() => Ok(ParsedHeader {
            timestamp,
            signatures,
        }),
        _ => Err(SignatureError::Malformed),
    }
}

/// HMAC-SHA256 keyed with `secret`, fed with `"<timestamp>.<body>"`.
fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    hmac_sha256(secret)
        .chain_update(timestamp.to_string())
        .chain_update(b".")
        .chain_update(body)
}

#[cfg(test)]
mod tests {
    use super::{sign, verify};
    use crate::SignatureError;

    const SECRET: &[u8] = b"whsec_test";
    const OLD_SECRET: &[u8] = b"whsec_old";
    const T: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"a":1}"#;
    // python3: hmac.new(b"whsec_test", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    const MAC_TEST: &str = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789";
    // python3: hmac.new(b"whsec_old", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    const MAC_OLD: &str = "b9d801502bb535e960ee9aeee7a294b082bda5089d79c7db610b85116ce6faa6";
    // python3: hmac.new(b"whsec_test", b'1700000000.', hashlib.sha256).hexdigest()
    const MAC_EMPTY_BODY: &str = "5967f3c560522fa40cf2876ebc3c3a08551dd6959aaade3b413460591895bdcc";

    #[test]
    fn sign_matches_known_answers() {
        assert_eq!(sign(SECRET, T, BODY), format!("t={T},v1={MAC_TEST}"));
        assert_eq!(sign(OLD_SECRET, T, BODY), format!("t={T},v1={MAC_OLD}"));
        assert_eq!(sign(SECRET, T, b""), format!("t={T},v1={MAC_EMPTY_BODY}"));
    }

    #[test]
    fn verify_accepts_known_answer() {
        let header = format!("t={T},v1={MAC_TEST}");
        assert_eq!(verify(&[SECRET], Some(&header), BODY, T, 300), Ok(()));
    }

    #[test]
    fn verify_round_trips_sign() {
        let header = sign(b"another secret", 42, b"payload");
        assert_eq!(
            verify(&[b"another secret"], Some(&header), b"payload", 100, 300),
            Ok(())
        );
    }

    #[test]
    fn verify_tolerates_spaces_unknown_keys_and_uppercase_hex() {
        let upper = MAC_TEST.to_uppercase();
        let header = format!(" t = {T} , v0=abc,  v1 = {upper} ,");
        assert_eq!(verify(&[SECRET], Some(&header), BODY, T, 300), Ok(()));
    }

    #[test]
    fn verify_accepts_any_of_several_signatures() {
        let header = format!("t={T},v1={MAC_OLD},v1={MAC_TEST}");
        assert_eq!(verify(&[SECRET], Some(&header), BODY, T, 0), Ok(()));
        assert_eq!(verify(&[OLD_SECRET], Some(&header), BODY, T, 0), Ok(()));
    }

    #[test]
    fn verify_accepts_any_of_several_secrets() {
        let header = format!("t={T},v1={MAC_OLD}");
        assert_eq!(
            verify(&[SECRET, OLD_SECRET], Some(&header), BODY, T, 0),
            Ok(())
        );
    }

    #[test]
    fn missing_header() {
        assert_eq!(
            verify(&[SECRET], None, BODY, T, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(&[SECRET], Some("   "), BODY, T, 300),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn malformed_headers() {
        let cases = [
            format!("v1={MAC_TEST}"),
            format!("t={T}"),
            format!("t=abc,v1={MAC_TEST}"),
            format!("t={T},t={T},v1={MAC_TEST}"),
            format!("t={T},v1=zz{}", &MAC_TEST[2..]),
            format!("t={T},v1={}", &MAC_TEST[..62]),
            format!("t={T},v1={MAC_TEST}00"),
            format!("t={T},garbage,v1={MAC_TEST}"),
        ];
        for header in cases {
            assert_eq!(
                verify(&[SECRET], Some(&header), BODY, T, 300),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }

    #[test]
    fn invalid_when_secret_body_or_timestamp_differs() {
        let header = format!("t={T},v1={MAC_TEST}");
        assert_eq!(
            verify(&[b"wrong"], Some(&header), BODY, T, 300),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(&[SECRET], Some(&header), br#"{"a":2}"#, T, 300),
            Err(SignatureError::Invalid)
        );
        let shifted = format!("t={},v1={MAC_TEST}", T + 1);
        assert_eq!(
            verify(&[SECRET], Some(&shifted), BODY, T, 300),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(&[], Some(&header), BODY, T, 300),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn stale_only_after_valid_mac() {
        let header = format!("t={T},v1={MAC_TEST}");
        assert_eq!(verify(&[SECRET], Some(&header), BODY, T + 300, 300), Ok(()));
        assert_eq!(verify(&[SECRET], Some(&header), BODY, T - 300, 300), Ok(()));
        assert_eq!(
            verify(&[SECRET], Some(&header), BODY, T + 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&[SECRET], Some(&header), BODY, T - 301, 300),
            Err(SignatureError::Stale)
        );
        // A forged request outside the window is reported as invalid, not stale.
        assert_eq!(
            verify(&[b"wrong"], Some(&header), BODY, T + 10_000, 300),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let header = sign(SECRET, i64::MIN, BODY);
        assert_eq!(
            verify(&[SECRET], Some(&header), BODY, i64::MAX, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(&[SECRET], Some(&header), BODY, i64::MIN, -5), Ok(()));
    }
}
