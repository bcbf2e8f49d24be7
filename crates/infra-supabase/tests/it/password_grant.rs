//! `sign_in_with_password` against the fake token endpoint.

use crate::common;

use std::time::{Duration, Instant};

use common::{ANON_KEY, FakeSupabase, ManualClock, TestKey, TokenReply, USER_ID, claims, jwks};
use infra_supabase::{JwtError, SupabaseAuth, SupabaseError};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn fake() -> FakeSupabase {
    FakeSupabase::start(jwks(&[TestKey::EsA.jwk("es-a")])).await
}

fn session(access_token: &str) -> Value {
    json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": common::now_secs() + 3600,
        "refresh_token": "r3fr3sh",
        "user": {
            "id": USER_ID,
            "aud": "authenticated",
            "role": "authenticated",
            "email": "Ana@Clinic.Test",
            "app_metadata": {"provider": "email"},
            "user_metadata": {}
        }
    })
}

#[tokio::test]
async fn success_returns_the_verified_user() {
    let fake = fake().await;
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    fake.set_token_reply(TokenReply::Json(200, session(&token)));
    let auth = fake.auth(&ManualClock::new());

    let user = auth
        .sign_in_with_password("Ana@Clinic.Test", PASSWORD)
        .await
        .unwrap();
    assert_eq!(user.id.to_string(), USER_ID);
    assert_eq!(user.email, "ana@clinic.test");
    assert!(!user.email_verified, "no email_confirmed_at: not verified");

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].query, "grant_type=password");
    assert_eq!(seen[0].apikey.as_deref(), Some(ANON_KEY));
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        seen[0].body,
        json!({"email": "Ana@Clinic.Test", "password": PASSWORD})
    );
    assert_eq!(fake.jwks_hits(), 1, "the returned token was verified");
}

#[tokio::test]
async fn invalid_credentials_in_both_body_shapes() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    for body in [
        json!({"error": "invalid_grant", "error_description": "Invalid login credentials"}),
        json!({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"}),
    ] {
        fake.set_token_reply(TokenReply::Json(400, body.clone()));
        assert_eq!(
            auth.sign_in_with_password("ana@clinic.test", PASSWORD)
                .await,
            Err(SupabaseError::InvalidCredentials),
            "{body}"
        );
    }
}

#[tokio::test]
async fn other_client_errors_are_unavailable() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    fake.set_token_reply(TokenReply::Json(
        400,
        json!({"code": 400, "error_code": "email_not_confirmed", "msg": "Email not confirmed"}),
    ));
    let got = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await;
    assert_eq!(
        got,
        Err(SupabaseError::Unavailable(
            "token endpoint answered 400 (email_not_confirmed)".to_owned()
        ))
    );
}

#[tokio::test]
async fn too_many_requests_is_rate_limited() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    fake.set_token_reply(TokenReply::Json(
        429,
        json!({"code": 429, "error_code": "over_request_rate_limit", "msg": "Request rate limit reached"}),
    ));
    assert_eq!(
        auth.sign_in_with_password("ana@clinic.test", PASSWORD)
            .await,
        Err(SupabaseError::RateLimited)
    );
}

#[tokio::test]
async fn server_error_is_unavailable_without_secrets() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    fake.set_token_reply(TokenReply::Json(500, json!({"msg": PASSWORD})));
    let err = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, SupabaseError::Unavailable(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains(PASSWORD) && !text.contains(ANON_KEY),
        "{text}"
    );
}

#[tokio::test]
async fn unexpected_success_body_is_unavailable() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    fake.set_token_reply(TokenReply::Json(200, json!({"hello": "world"})));
    let got = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await;
    assert!(matches!(got, Err(SupabaseError::Unavailable(_))), "{got:?}");
}

#[tokio::test]
async fn a_returned_token_that_fails_verification_is_refused() {
    let fake = fake().await;
    let auth = fake.auth(&ManualClock::new());
    let forged = TestKey::EsB.sign(Some("es-a"), &claims(&fake.url));
    fake.set_token_reply(TokenReply::Json(200, session(&forged)));
    assert_eq!(
        auth.sign_in_with_password("ana@clinic.test", PASSWORD)
            .await,
        Err(SupabaseError::Token(JwtError::InvalidSignature))
    );

    let mut other_user = session(&TestKey::EsA.sign(Some("es-a"), &claims(&fake.url)));
    other_user["user"]["id"] = json!("00000000-0000-4000-8000-000000000000");
    fake.set_token_reply(TokenReply::Json(200, other_user));
    assert_eq!(
        auth.sign_in_with_password("ana@clinic.test", PASSWORD)
            .await,
        Err(SupabaseError::Token(JwtError::Malformed))
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let fake = fake().await;
    fake.set_token_reply(TokenReply::Hang);
    let config = fake.config().with_http_timeout(Duration::from_millis(300));
    let auth = SupabaseAuth::new(config).unwrap();

    let started = Instant::now();
    let got = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await;
    let took = started.elapsed();
    assert_eq!(
        got,
        Err(SupabaseError::Unavailable(
            "token endpoint timed out".to_owned()
        ))
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let auth =
        SupabaseAuth::new(infra_supabase::SupabaseConfig::new(url, ANON_KEY.into())).unwrap();
    assert_eq!(
        auth.sign_in_with_password("ana@clinic.test", PASSWORD)
            .await,
        Err(SupabaseError::Unavailable(
            "token endpoint connection failed".to_owned()
        ))
    );
}

#[tokio::test]
async fn a_confirmed_email_is_reported_verified_from_the_user_record_only() {
    let fake = fake().await;
    let token = TestKey::EsA.sign(Some("es-a"), &claims(&fake.url));
    let mut body = session(&token);
    body["user"]["email_confirmed_at"] = json!("2026-03-01T10:00:00Z");
    fake.set_token_reply(TokenReply::Json(200, body));
    let auth = fake.auth(&ManualClock::new());
    let user = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await
        .unwrap();
    assert!(user.email_verified);

    // A user-editable metadata flag is not a confirmation.
    let mut body = session(&token);
    body["user"]["user_metadata"] = json!({ "email_verified": true });
    body["user"]["email_confirmed_at"] = Value::Null;
    fake.set_token_reply(TokenReply::Json(200, body));
    let user = auth
        .sign_in_with_password("ana@clinic.test", PASSWORD)
        .await
        .unwrap();
    assert!(!user.email_verified);
}
