//! `verify_access_token` against real ES256/RS256/HS256 tokens and a fake JWKS.

use crate::common;

use common::{
    FakeSupabase, ManualClock, TestKey, USER_ID, claims, jwks, sign_hs256, unsigned, with,
};
use infra_supabase::{JwtError, SupabaseAuth};
use secrecy::SecretString;
use serde_json::json;

async fn fake() -> FakeSupabase {
    FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a"), TestKey::Rs.jwk("rs")])).await
}

#[tokio::test]
async fn es256_token_verifies_and_the_jwks_is_cached() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));

    let verified = auth.verify_access_token(&token).await.unwrap();
    assert_eq!(verified.sub.to_string(), USER_ID);
    assert_eq!(verified.email.as_deref(), Some("ana@clinic.test"));
    assert_eq!(verified.role.as_deref(), Some("authenticated"));
    assert!(verified.expires_at > chrono::Utc::now());

    auth.verify_access_token(&token).await.unwrap();
    auth.clone().verify_access_token(&token).await.unwrap();
    assert_eq!(
        fake.jwks_hits(),
        1,
        "one fetch, then the cache (shared by clones)"
    );
}

#[tokio::test]
async fn rs256_token_verifies() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let token = TestKey::Rs.sign(Some("rs"), &claims(&fake.url));
    let verified = auth.verify_access_token(&token).await.unwrap();
    assert_eq!(verified.sub.to_string(), USER_ID);
}

#[tokio::test]
async fn audience_may_be_an_array() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let c = with(claims(&fake.url), "aud", json!(["x", "authenticated"]));
    assert!(
        auth.verify_access_token(&TestKey::EsA.sign(Some("es-a"), &c))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn hs256_needs_the_configured_secret() {
    let fake = fake().await;
    let token = sign_hs256(common::HS_SECRET, &claims(&fake.url));

    let without_secret = SupabaseAuth::new(fake.config()).unwrap();
    assert_eq!(
        without_secret.verify_access_token(&token).await,
        Err(JwtError::UnsupportedAlgorithm)
    );

    let with_secret = SupabaseAuth::new(
        fake.config()
            .with_jwt_secret(SecretString::from(common::HS_SECRET)),
    )
    .unwrap();
    let verified = with_secret.verify_access_token(&token).await.unwrap();
    assert_eq!(verified.sub.to_string(), USER_ID);

    let forged = sign_hs256("another-secret", &claims(&fake.url));
    assert_eq!(
        with_secret.verify_access_token(&forged).await,
        Err(JwtError::InvalidSignature)
    );
    assert_eq!(fake.jwks_hits(), 0, "HS256 never touches the JWKS");
}

#[tokio::test]
async fn alg_none_and_unlisted_algorithms_are_refused() {
    let fake = fake().await;
    let auth = SupabaseAuth::new(fake.config().with_jwt_secret(SecretString::from("s"))).unwrap();
    let c = claims(&fake.url);
    for alg in ["none", "NONE", "HS384", "PS256", "ES384", "EdDSA"] {
        let token = unsigned(&json!({"alg": alg, "typ": "JWT", "kid": "es-a"}), &c);
        assert_eq!(
            auth.verify_access_token(&token).await,
            Err(JwtError::UnsupportedAlgorithm),
            "{alg}"
        );
    }
    assert_eq!(fake.jwks_hits(), 0);
}

#[tokio::test]
async fn expired_token_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let c = with(claims(&fake.url), "exp", json!(common::now_secs() - 31));
    let token = TestKey::EsA.sign(Some("es-a"), &c);
    assert_eq!(
        auth.verify_access_token(&token).await,
        Err(JwtError::Expired)
    );
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    for aud in [json!("anon"), json!(["service_role"]), json!(null)] {
        let token = TestKey::EsA.sign(Some("es-a"), &with(claims(&fake.url), "aud", aud));
        assert_eq!(
            auth.verify_access_token(&token).await,
            Err(JwtError::InvalidAudience)
        );
    }
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    for iss in [
        json!("https://other.supabase.co/auth/v1"),
        json!(format!("{}/auth/v1/", fake.url)),
        json!("supabase"),
    ] {
        let token = TestKey::EsA.sign(Some("es-a"), &with(claims(&fake.url), "iss", iss));
        assert_eq!(
            auth.verify_access_token(&token).await,
            Err(JwtError::InvalidIssuer)
        );
    }
}

#[tokio::test]
async fn signature_by_another_key_under_a_known_kid_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let token = TestKey::EsB.sign(Some("es-a"), &claims(&fake.url));
    assert_eq!(
        auth.verify_access_token(&token).await,
        Err(JwtError::InvalidSignature)
    );
}

#[tokio::test]
async fn tampered_claims_are_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let good = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    let other = TestKey::EsA.sign(
        Some("es-a"),
        &with(
            claims(&fake.url),
            "sub",
            json!("00000000-0000-4000-8000-000000000000"),
        ),
    );
    let mut parts: Vec<&str> = good.split('.').collect();
    parts[1] = other.split('.').nth(1).unwrap();
    assert_eq!(
        auth.verify_access_token(&parts.join(".")).await,
        Err(JwtError::InvalidSignature)
    );
}

#[tokio::test]
async fn key_of_another_algorithm_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    // RS256 token naming the ES256 key's kid.
    let token = TestKey::Rs.sign(Some("es-a"), &claims(&fake.url));
    assert_eq!(
        auth.verify_access_token(&token).await,
        Err(JwtError::InvalidSignature)
    );
}

#[tokio::test]
async fn asymmetric_token_without_kid_is_refused_without_fetching() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let token = TestKey::EsA.sign(None, &claims(&fake.url));
    assert_eq!(
        auth.verify_access_token(&token).await,
        Err(JwtError::UnknownKey)
    );
    assert_eq!(fake.jwks_hits(), 0);
}

#[tokio::test]
async fn bad_subjects_and_garbage_are_malformed() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let mut no_sub = claims(&fake.url);
    no_sub.as_object_mut().unwrap().remove("sub");
    for c in [with(claims(&fake.url), "sub", json!("not-a-uuid")), no_sub] {
        let token = TestKey::EsA.sign(Some("es-a"), &c);
        assert_eq!(
            auth.verify_access_token(&token).await,
            Err(JwtError::Malformed)
        );
    }
    for garbage in ["", "abc", "a.b.c", "Bearer x.y.z"] {
        assert_eq!(
            auth.verify_access_token(garbage).await,
            Err(JwtError::Malformed),
            "{garbage}"
        );
    }
}
