//! Issue 3, Supabase mode over HTTP, against a local fake of the Supabase Auth endpoints that
//! issues real HS256-signed access tokens (the asymmetric/JWKS cases are covered in
//! `infra-supabase`'s own tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use actix_web::{App, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use server::config::{AuthProvider, AuthSettings};
use std::net::TcpListener;
use support::{TestApp, assert_problem};

const SECRET: &str = "test-only-legacy-jwt-secret-with-at-least-32-chars";
const ANA: &str = "4f1c2a8e-9b7d-4e2a-8c3f-1d2e3f4a5b6c";
const RIGHT_PASSWORD: &str = "right-password";
/// Test-only keys committed with `infra-supabase`'s tests (public by being committed).
const ES_A_PEM: &str =
    include_str!("../../../infra-supabase/tests/it/fixtures/test-only-es256-a.pem");
const ES_B_PEM: &str =
    include_str!("../../../infra-supabase/tests/it/fixtures/test-only-es256-b.pem");
const PUBLIC_JWKS: &str =
    include_str!("../../../infra-supabase/tests/it/fixtures/test-only-public-jwks.json");

/// Signs `claims` with ES256 (`pem`), with `kid` in the header.
fn sign_es256(claims: &Value, pem: &str, kid: &str) -> String {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
}

/// The fake's JWKS: key A under kid `key-a`.
fn fake_jwks() -> Value {
    let all: Value = serde_json::from_str(PUBLIC_JWKS).unwrap();
    let mut jwk = all["es256-a"].clone();
    jwk["kid"] = json!("key-a");
    jwk["alg"] = json!("ES256");
    jwk["use"] = json!("sig");
    jwk["key_ops"] = json!(["verify"]);
    json!({ "keys": [jwk] })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(base: &str, sub: &str, email: &str) -> Value {
    json!({
        "iss": format!("{base}/auth/v1"), "aud": "authenticated", "sub": sub,
        "exp": now() + 3600, "iat": now(), "email": email, "role": "authenticated",
        "aal": "aal1", "is_anonymous": false
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The fake: the password grant (one user, Ana) and a JWKS with one ES256 key.
async fn fake_supabase() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = base.clone();
    let server = HttpServer::new(move || {
        let issuer = issuer.clone();
        App::new()
            .route(
                "/auth/v1/token",
                web::post().to(move |body: web::Json<Value>| {
                    let issuer = issuer.clone();
                    async move {
                        if body["email"] == "ana@clinic.test" && body["password"] == RIGHT_PASSWORD
                        {
                            let token = sign(&claims(&issuer, ANA, "ana@clinic.test"), SECRET);
                            HttpResponse::Ok().json(json!({
                                "access_token": token, "token_type": "bearer", "expires_in": 3600,
                                "refresh_token": "r", "user": { "id": ANA, "email": "ana@clinic.test" }
                            }))
                        } else {
                            HttpResponse::BadRequest().json(json!({
                                "code": 400, "error_code": "invalid_credentials",
                                "msg": "Invalid login credentials"
                            }))
                        }
                    }
                }),
            )
            .route(
                "/auth/v1/.well-known/jwks.json",
                web::get().to(|| async { HttpResponse::Ok().json(fake_jwks()) }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(server);
    base
}

async fn supabase_app() -> (TestApp, String) {
    supabase_app_with(false).await
}

async fn supabase_app_with(cookie_secure: bool) -> (TestApp, String) {
    let base = fake_supabase().await;
    let client = infra_supabase::SupabaseAuth::new(
        infra_supabase::SupabaseConfig::new(base.clone(), SecretString::from("anon"))
            .with_jwt_secret(SecretString::from(SECRET)),
    )
    .unwrap();
    let app = TestApp::spawn_with(AuthSettings {
        provider: AuthProvider::Supabase(client),
        cookie_secure,
        ..AuthSettings::default()
    })
    .await;
    (app, base)
}

#[tokio::test]
async fn an_invited_supabase_user_signs_in_gets_our_cookie_and_is_linked_by_the_trigger() {
    let (app, _) = supabase_app().await;
    let clinic = app.clinic("Clínica Supa").await;
    app.sql(&format!(
        "INSERT INTO users (company_id, email, name, role) VALUES ('{}', 'ana@clinic.test', 'Ana', 'admin')",
        clinic.company_id
    ))
    .await;
    let browser = app.browser();
    let resp = browser
        .post(
            "/auth/signin",
            json!({ "email": "Ana@Clinic.test", "password": RIGHT_PASSWORD }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("atende_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], clinic.company_id.to_string());
    assert_eq!(body["user"]["status"], "active");
    // The browser holds our opaque cookie, not Supabase's token.
    assert!(!cookie.contains("eyJ"));
    let row = app
        .scalar(
            "SELECT format('%s/%s/%s', i.provider, i.password_hash IS NULL, u.status)
               FROM auth_identities i JOIN users u ON u.auth_user_id = i.id
              WHERE i.email = 'ana@clinic.test'",
        )
        .await;
    assert_eq!(row.as_deref(), Some("supabase/t/active"));
    assert_eq!(
        app.scalar("SELECT id FROM auth_identities WHERE email = 'ana@clinic.test'")
            .await
            .as_deref(),
        Some(ANA)
    );
    assert_eq!(
        browser.get("/api/users").send().await.unwrap().status(),
        200
    );

    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": "ana@clinic.test", "password": "wrong" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn supabase_bearer_tokens_are_verified_locally() {
    let (app, base) = supabase_app().await;
    let clinic = app.clinic("Clínica Bearer").await;
    app.sql(&format!(
        "INSERT INTO users (company_id, email, name, role) VALUES ('{}', 'ana@clinic.test', 'Ana', 'staff')",
        clinic.company_id
    ))
    .await;
    let call = |token: String| {
        reqwest::Client::new()
            .get(format!("{}/auth/me", app.base))
            .bearer_auth(token)
            .send()
    };
    let good = claims(&base, ANA, "ana@clinic.test");
    let resp = call(sign(&good, SECRET)).await.unwrap();
    assert_eq!(resp.status(), 200);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["company"]["id"], clinic.company_id.to_string());
    // On /api the member's role applies (staff: forbidden on an admin route).
    let resp = reqwest::Client::new()
        .get(app.url("/api/users"))
        .bearer_auth(sign(&good, SECRET))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;

    let mut expired = good.clone();
    expired["exp"] = json!(now() - 3600);
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("anon");
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("https://other.supabase.co/auth/v1");
    // ES256 against the project's JWKS: the known key passes...
    let resp = call(sign_es256(&good, ES_A_PEM, "key-a")).await.unwrap();
    assert_eq!(resp.status(), 200);
    // ...an unknown kid and a signature by another key under a known kid do not.
    for token in [
        sign_es256(&good, ES_A_PEM, "unknown-kid"),
        sign_es256(&good, ES_B_PEM, "key-a"),
        sign(&expired, SECRET),
        sign(&wrong_aud, SECRET),
        sign(&wrong_iss, SECRET),
        sign(&good, "another-secret-that-is-also-long-enough-32"),
        "not.a.jwt".to_owned(),
    ] {
        let resp = call(token).await.unwrap();
        assert_problem(resp, 401, "unauthenticated").await;
    }

    // A valid token of a Supabase user bound to no clinic: an identity, but no company.
    let stranger = claims(
        &base,
        "0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b",
        "who@else.test",
    );
    let resp = reqwest::Client::new()
        .get(app.url("/api/users"))
        .bearer_auth(sign(&stranger, SECRET))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "no_company").await;
}

#[tokio::test]
async fn in_production_mode_the_supabase_sign_in_cookie_is_secure_and_host_prefixed() {
    let (app, _) = supabase_app_with(true).await;
    let clinic = app.clinic("Clínica Prod").await;
    app.sql(&format!(
        "INSERT INTO users (company_id, email, name, role) VALUES ('{}', 'ana@clinic.test', 'Ana', 'staff')",
        clinic.company_id
    ))
    .await;
    let resp = app
        .browser()
        .post(
            "/auth/signin",
            json!({ "email": "ana@clinic.test", "password": RIGHT_PASSWORD }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-atende_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
}
