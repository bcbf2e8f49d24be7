//! JWKS caching against the fake: refetch on unknown kid, throttling, rotation, TTL.

use crate::common;

use std::time::Duration;

use common::{FakeSupabase, ManualClock, TestKey, claims, jwks};
use infra_supabase::{JwtError, SupabaseAuth};

const SEC: Duration = Duration::from_secs(1);

#[tokio::test]
async fn unknown_kid_refetches_once_and_then_is_throttled() {
    let fake = FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a")])).await;
    let clock = ManualClock::new();
    let auth = fake.auth(&clock);
    let good = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    let ghost = |kid: &str| TestKey::EsA.sign(Some(kid), &claims(&fake.url));

    auth.verify_access_token(&good).await.unwrap();
    assert_eq!(fake.jwks_hits(), 1);

    clock.advance(60 * SEC);
    let got = auth.verify_access_token(&ghost("ghost-1")).await;
    assert_eq!(got, Err(JwtError::UnknownKey));
    assert_eq!(fake.jwks_hits(), 2, "an unknown kid refetches once");

    clock.advance(10 * SEC);
    let got = auth.verify_access_token(&ghost("ghost-2")).await;
    assert_eq!(got, Err(JwtError::UnknownKey));
    assert_eq!(fake.jwks_hits(), 2, "no second refetch within 30 s");

    // Known keys keep working meanwhile, from the cache.
    auth.verify_access_token(&good).await.unwrap();
    assert_eq!(fake.jwks_hits(), 2);

    clock.advance(20 * SEC);
    let got = auth.verify_access_token(&ghost("ghost-3")).await;
    assert_eq!(got, Err(JwtError::UnknownKey));
    assert_eq!(fake.jwks_hits(), 3, "30 s later a refetch is allowed again");
}

#[tokio::test]
async fn rotated_key_verifies_after_a_refetch() {
    let fake = FakeSupabase::start(jwks(&[TestKey::EsA.jwk("key-1")])).await;
    let clock = ManualClock::new();
    let auth = fake.auth(&clock);
    let old = TestKey::EsA.sign(Some("key-1"), &claims(&fake.url));
    let new = TestKey::EsB.sign(Some("key-2"), &claims(&fake.url));

    auth.verify_access_token(&old).await.unwrap();
    fake.set_jwks(jwks(&[TestKey::EsB.jwk("key-2")]));

    clock.advance(31 * SEC);
    auth.verify_access_token(&new).await.unwrap();
    assert_eq!(fake.jwks_hits(), 2);

    // The revoked key left the served set, so the cache dropped it too.
    assert_eq!(
        auth.verify_access_token(&old).await,
        Err(JwtError::UnknownKey)
    );
    assert_eq!(fake.jwks_hits(), 2);
}

#[tokio::test]
async fn refetch_interval_is_configurable() {
    let fake = FakeSupabase::start(jwks(&[TestKey::EsA.jwk("key-1")])).await;
    let auth = SupabaseAuth::new(fake.config())
        .unwrap()
        .with_refetch_interval(Duration::ZERO);
    auth.verify_access_token(&TestKey::EsA.sign(Some("key-1"), &claims(&fake.url)))
        .await
        .unwrap();
    fake.set_jwks(jwks(&[TestKey::EsA.jwk("key-1"), TestKey::Rs.jwk("key-2")]));
    auth.verify_access_token(&TestKey::Rs.sign(Some("key-2"), &claims(&fake.url)))
        .await
        .unwrap();
    assert_eq!(fake.jwks_hits(), 2);
}

#[tokio::test]
async fn jwks_expires_after_the_ttl_which_is_capped_at_ten_minutes() {
    let fake = FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a")])).await;
    let clock = ManualClock::new();
    let config = fake.config().with_jwks_ttl(Duration::from_secs(3600));
    let auth = SupabaseAuth::new(config).unwrap().with_clock(clock.clone());
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));

    auth.verify_access_token(&token).await.unwrap();
    clock.advance(599 * SEC);
    auth.verify_access_token(&token).await.unwrap();
    assert_eq!(fake.jwks_hits(), 1);

    clock.advance(2 * SEC);
    auth.verify_access_token(&token).await.unwrap();
    assert_eq!(
        fake.jwks_hits(),
        2,
        "refetched after 10 min although 1 h was asked"
    );
}

#[tokio::test]
async fn jwks_outage_is_reported_and_throttled() {
    let fake = FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a")])).await;
    fake.set_jwks_status(500);
    let clock = ManualClock::new();
    let auth = fake.auth(&clock);
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));

    let got = auth.verify_access_token(&token).await;
    assert!(
        matches!(got, Err(JwtError::JwksUnavailable(ref m)) if m.contains("500")),
        "{got:?}"
    );
    let got = auth.verify_access_token(&token).await;
    assert!(matches!(got, Err(JwtError::JwksUnavailable(_))));
    assert_eq!(fake.jwks_hits(), 1, "a failed fetch also waits 30 s");

    fake.set_jwks_status(200);
    clock.advance(30 * SEC);
    auth.verify_access_token(&token).await.unwrap();
    assert_eq!(fake.jwks_hits(), 2);
}

#[tokio::test]
async fn unreachable_jwks_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = infra_supabase::SupabaseConfig::new(url.clone(), common::ANON_KEY.into());
    let auth = SupabaseAuth::new(config).unwrap();
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&url));
    let got = auth.verify_access_token(&token).await;
    assert!(matches!(got, Err(JwtError::JwksUnavailable(_))), "{got:?}");
}
