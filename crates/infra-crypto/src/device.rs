//! Trusted-device cookies ([`DeviceTrust`]): `d1.<issued unix seconds>.<nonce>.<mac>`, the MAC
//! being HMAC-SHA256 under a key derived from the master key over the version, the normalised
//! e-mail, the issue time and the nonce. Nothing is stored server-side; a cookie is valid for
//! [`DeviceCookies::LIFETIME_DAYS`] days and only for the e-mail it was issued for.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::ports::crypto::DeviceTrust;
use hmac::Mac;
use zeroize::Zeroizing;

use crate::mac::hmac_sha256;
use crate::random::random_array;

const VERSION: &str = "d1";

/// The [`DeviceTrust`] adapter.
pub struct DeviceCookies {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DeviceCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCookies").finish_non_exhaustive()
    }
}

impl DeviceCookies {
    /// How long a device cookie is honoured.
    pub const LIFETIME_DAYS: i64 = 180;

    /// Cookies signed with `key` (derive it for this purpose only, e.g.
    /// [`crate::SecretBox::derive_key`]).
    #[must_use]
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key: Zeroizing::new(key),
        }
    }

    fn mac(&self, email: &str, issued: i64, nonce: &str) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = hmac_sha256(self.key.as_ref());
        mac.update(format!("{VERSION}|{email}|{issued}|{nonce}").as_bytes());
        mac
    }
}

impl DeviceTrust for DeviceCookies {
    fn issue(&self, email: &str, now: DateTime<Utc>) -> anyhow::Result<String> {
        let nonce = URL_SAFE_NO_PAD.encode(random_array::<16>()?);
        let issued = now.timestamp();
        let tag = self.mac(email, issued, &nonce).finalize().into_bytes();
        Ok(format!(
            "{VERSION}.{issued}.{nonce}.{}",
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    fn trusts(&self, cookie: &str, email: &str, now: DateTime<Utc>) -> bool {
        if cookie.len() > 128 {
            return false;
        }
        let mut parts = cookie.split('.');
        let (Some(VERSION), Some(issued), Some(nonce), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return false;
        };
        let Ok(issued) = issued.parse::<i64>() else {
            return false;
        };
        let age = now.timestamp().saturating_sub(issued);
        // Issued in the future (beyond a minute of clock skew between nodes) or too long ago.
        if !(-60..=Self::LIFETIME_DAYS * 86_400).contains(&age) {
            return false;
        }
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        self.mac(email, issued, nonce).verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_cookie_is_trusted_for_its_email_only_and_while_it_is_valid() {
        let d = DeviceCookies::new([7; 32]);
        let c = d.issue("ana@clinic.test", now()).unwrap();
        assert!(c.starts_with("d1."), "{c}");
        assert!(d.trusts(&c, "ana@clinic.test", now()));
        assert!(d.trusts(&c, "ana@clinic.test", now() + Duration::days(179)));
        assert!(!d.trusts(&c, "ana@clinic.test", now() + Duration::days(181)));
        assert!(!d.trusts(&c, "bia@clinic.test", now()), "another e-mail");
        assert!(
            !d.trusts(&c, "ana@clinic.test", now() - Duration::minutes(5)),
            "issued in the future"
        );
        assert!(
            !DeviceCookies::new([8; 32]).trusts(&c, "ana@clinic.test", now()),
            "another key"
        );
    }

    #[test]
    fn tampered_or_malformed_cookies_are_not_trusted() {
        let d = DeviceCookies::new([7; 32]);
        let c = d.issue("ana@clinic.test", now()).unwrap();
        let parts: Vec<&str> = c.split('.').collect();
        let later = format!("d1.{}.{}.{}", now().timestamp() + 10, parts[2], parts[3]);
        for bad in [
            "",
            "d1",
            "d1.x.y.z",
            "d2.1.2.3",
            &later,
            &format!("{c}.extra"),
            &c.replace("d1.", "d0."),
            &"a".repeat(300),
        ] {
            assert!(!d.trusts(bad, "ana@clinic.test", now()), "{bad}");
        }
        assert_ne!(
            c,
            d.issue("ana@clinic.test", now()).unwrap(),
            "a fresh nonce each time"
        );
    }
}
