//! Reading the JWT header before any key is chosen.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use crate::error::JwtError;

/// Longest token accepted, in bytes (Supabase tokens are ~1 KiB).
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The header fields we act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenHeader {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Parses the header and applies the algorithm allow-list
/// (ES256, RS256, HS256; `none` and everything else is refused).
///
/// # Errors
///
/// [`JwtError::Malformed`] for a token that is not three base64url segments
/// with a JSON header, or that carries a `crit` header;
/// [`JwtError::UnsupportedAlgorithm`] for any other `alg`.
pub(crate) fn parse_header(token: &str) -> Result<TokenHeader, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| JwtError::Malformed)?;
    let raw: RawHeader = serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)?;
    if raw.crit.is_some() {
        return Err(JwtError::Malformed);
    }
    let alg = match raw.alg.as_str() {
        "ES256" => Algorithm::ES256,
        "RS256" => Algorithm::RS256,
        "HS256" => Algorithm::HS256,
        _ => return Err(JwtError::UnsupportedAlgorithm),
    };
    Ok(TokenHeader {
        alg,
        kid: raw.kid.filter(|k| !k.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str) -> String {
        format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(header))
    }

    #[test]
    fn reads_alg_and_kid() {
        let h = parse_header(&token(r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#));
        assert_eq!(
            h,
            Ok(TokenHeader {
                alg: Algorithm::ES256,
                kid: Some("k1".into())
            })
        );
    }

    #[test]
    fn refuses_none_and_unlisted_algorithms() {
        for alg in ["none", "None", "HS512", "PS256", "ES384", "EdDSA"] {
            let h = parse_header(&token(&format!(r#"{{"alg":"{alg}"}}"#)));
            assert_eq!(h, Err(JwtError::UnsupportedAlgorithm), "{alg}");
        }
    }

    #[test]
    fn refuses_garbage() {
        for t in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.x",
            &token("not json"),
            &token(r#"{"alg":"ES256","crit":["b64"]}"#),
        ] {
            assert_eq!(parse_header(t), Err(JwtError::Malformed), "{t}");
        }
        assert_eq!(
            parse_header(&"a".repeat(MAX_TOKEN_LEN + 1)),
            Err(JwtError::Malformed)
        );
    }
}
