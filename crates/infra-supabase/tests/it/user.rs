//! `user` (`GET /auth/v1/user`) against the fake.

use crate::common;

use common::{FakeSupabase, ManualClock, TestKey, TokenReply, USER_ID, claims, jwks, with};
use infra_supabase::{JwtError, SupabaseError};
use serde_json::json;

async fn fake() -> FakeSupabase {
    FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a")])).await
}

fn record(confirmed: Option<&str>) -> serde_json::Value {
    json!({
        "id": USER_ID, "aud": "authenticated", "role": "authenticated",
        "email": "Ana@Clinic.Test", "email_confirmed_at": confirmed,
        "app_metadata": { "provider": "email" }, "user_metadata": { "email_verified": true }
    })
}

#[tokio::test]
async fn the_record_says_whether_the_email_is_confirmed() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    fake.set_user_reply(TokenReply::Json(200, record(Some("2026-03-01T10:00:00Z"))));
    let user = auth.user(&token).await.unwrap();
    assert_eq!(user.id.to_string(), USER_ID);
    assert_eq!(user.email, "ana@clinic.test");
    assert!(user.email_verified);
    assert_eq!(
        fake.user_calls(),
        vec![Some(format!("Bearer {token}"))],
        "called with the caller's own token"
    );
    // The metadata says verified, the record does not: not verified.
    fake.set_user_reply(TokenReply::Json(200, record(None)));
    assert!(!auth.user(&token).await.unwrap().email_verified);
}

#[tokio::test]
async fn forged_tokens_never_reach_supabase_and_refusals_map_cleanly() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let forged = TestKey::EsB.sign(Some("es-a"), &claims(&fake.url));
    assert_eq!(
        auth.user(&forged).await,
        Err(SupabaseError::InvalidCredentials)
    );
    assert!(fake.user_calls().is_empty(), "a forged token costs no call");

    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    for (status, expected) in [
        (401, SupabaseError::InvalidCredentials),
        (403, SupabaseError::InvalidCredentials),
        (429, SupabaseError::RateLimited),
        (
            500,
            SupabaseError::Unavailable("user endpoint answered 500".into()),
        ),
    ] {
        fake.set_user_reply(TokenReply::Json(status, json!({})));
        assert_eq!(auth.user(&token).await, Err(expected), "{status}");
    }
    // A record of another user than the token's.
    let other = with(
        claims(&fake.url),
        "sub",
        json!("0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"),
    );
    let token = TestKey::EsA.sign(Some("es-a"), &other);
    fake.set_user_reply(TokenReply::Json(200, record(Some("2026-03-01T10:00:00Z"))));
    assert_eq!(
        auth.user(&token).await,
        Err(SupabaseError::Token(JwtError::Malformed))
    );
}
