//! [`SignatureVerifier`] over [`crate::webhook`] and [`crate::meta`].

use crate::SignatureError;
use domain::ports::inbound::{SignatureFailure, SignatureVerifier};

/// The constant-time HMAC checks of webhook deliveries.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacVerifier;

fn failure(e: SignatureError) -> SignatureFailure {
    match e {
        SignatureError::Missing => SignatureFailure::Missing,
        SignatureError::Malformed => SignatureFailure::Malformed,
        SignatureError::Stale => SignatureFailure::Stale,
        SignatureError::Invalid => SignatureFailure::Invalid,
    }
}

impl SignatureVerifier for HmacVerifier {
    fn verify_atende(
        &self,
        secrets: Vec<String>,
        header: Option<String>,
        body: &[u8],
        now_unix: i64,
        tolerance_secs: i64,
    ) -> Result<(), SignatureFailure> {
        let keys: Vec<&[u8]> = secrets.iter().map(String::as_bytes).collect();
        crate::webhook::verify(&keys, header.as_deref(), body, now_unix, tolerance_secs)
            .map_err(failure)
    }

    fn verify_meta(
        &self,
        app_secret: String,
        header: Option<String>,
        body: &[u8],
    ) -> Result<(), SignatureFailure> {
        crate::meta::verify_hub_signature(app_secret.as_bytes(), header.as_deref(), body)
            .map_err(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_both_schemes_and_maps_failures() {
        let v = HmacVerifier;
        let body = br#"{"account_id":"a"}"#;
        let header = crate::webhook::sign(b"whsec_one", 1_700_000_000, body);
        assert_eq!(
            v.verify_atende(
                vec!["whsec_one".into()],
                Some(header.clone()),
                body,
                1_700_000_010,
                300
            ),
            Ok(())
        );
        assert_eq!(
            v.verify_atende(
                vec!["whsec_two".into()],
                Some(header.clone()),
                body,
                1_700_000_010,
                300
            ),
            Err(SignatureFailure::Invalid)
        );
        assert_eq!(
            v.verify_atende(
                vec!["whsec_one".into()],
                Some(header),
                body,
                1_700_009_999,
                300
            ),
            Err(SignatureFailure::Stale)
        );
        assert_eq!(
            v.verify_atende(vec!["x".into()], None, body, 0, 300),
            Err(SignatureFailure::Missing)
        );
        let hub = crate::meta::sign_hub(b"app-secret", body);
        assert_eq!(
            v.verify_meta("app-secret".into(), Some(hub.clone()), body),
            Ok(())
        );
        assert_eq!(
            v.verify_meta("other".into(), Some(hub), body),
            Err(SignatureFailure::Invalid)
        );
    }
}
