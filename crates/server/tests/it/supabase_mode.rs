//! Issues 3 and 16, Supabase mode over HTTP, against a local fake of the Supabase Auth endpoints
//! (password grant, JWKS, `GET /auth/v1/user`) that issues real HS256/ES256-signed access
//! tokens for two users: Ana, whose e-mail Supabase has confirmed, and Bia, whose it has not.
//! An identity joins a clinic only through that clinic's invitation token, and only with a
//! verified e-mail; no Supabase call is made while a database connection is held.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use server::config::{AuthProvider, AuthSettings};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use support::{TestApp, assert_problem};
use tokio::sync::Notify;

const SECRET: &str = "test-only-legacy-jwt-secret-with-at-least-32-chars";
const ANA: &str = "4f1c2a8e-9b7d-4e2a-8c3f-1d2e3f4a5b6c";
const BIA: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
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
        "aal": "aal1", "is_anonymous": false,
        // User-editable metadata: never taken as a confirmation.
        "user_metadata": { "email_verified": true }
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

/// Supabase's record of a user: Ana's e-mail is confirmed, Bia's is not.
fn record(sub: &str) -> Option<Value> {
    let (email, confirmed) = match sub {
        ANA => ("ana@clinic.test", json!("2026-03-01T10:00:00Z")),
        BIA => ("bia@clinic.test", Value::Null),
        _ => return None,
    };
    Some(
        json!({ "id": sub, "aud": "authenticated", "role": "authenticated",
                 "email": email, "email_confirmed_at": confirmed,
                 "user_metadata": { "email_verified": true } }),
    )
}

/// The `sub` of a (well-formed) JWT, without verifying it: the fake trusts its own tokens.
fn sub_of(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims["sub"].as_str().map(str::to_owned)
}

/// Lets a test hold every fake endpoint's answer until it releases them, and count who waits.
#[derive(Default)]
struct Gate {
    closed: AtomicBool,
    waiting: AtomicUsize,
    open: Notify,
}

impl Gate {
    async fn pass(&self) {
        if self.closed.load(Ordering::SeqCst) {
            let opened = self.open.notified();
            self.waiting.fetch_add(1, Ordering::SeqCst);
            if self.closed.load(Ordering::SeqCst) {
                opened.await;
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn release(&self) {
        self.closed.store(false, Ordering::SeqCst);
        self.open.notify_waiters();
    }
}

struct Fake {
    base: String,
    gate: Arc<Gate>,
}

/// The fake: the password grant (Ana and Bia), `GET /auth/v1/user` and a JWKS with one ES256
/// key, all behind the gate.
async fn fake_supabase() -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = base.clone();
    let gate = Arc::new(Gate::default());
    let shared = Arc::clone(&gate);
    let server = HttpServer::new(move || {
        let issuer = issuer.clone();
        let (g1, g2, g3) = (
            Arc::clone(&shared),
            Arc::clone(&shared),
            Arc::clone(&shared),
        );
        App::new()
            .route(
                "/auth/v1/token",
                web::post().to(move |body: web::Json<Value>| {
                    let (issuer, gate) = (issuer.clone(), Arc::clone(&g1));
                    async move {
                        gate.pass().await;
                        let user = match body["email"].as_str() {
                            Some("ana@clinic.test") => ANA,
                            Some("bia@clinic.test") => BIA,
                            _ => "",
                        };
                        match record(user) {
                            Some(rec) if body["password"] == RIGHT_PASSWORD => {
                                let email = rec["email"].as_str().unwrap();
                                let token = sign(&claims(&issuer, user, email), SECRET);
                                HttpResponse::Ok().json(json!({
                                    "access_token": token, "token_type": "bearer",
                                    "expires_in": 3600, "refresh_token": "r", "user": rec
                                }))
                            }
                            _ => HttpResponse::BadRequest().json(json!({
                                "code": 400, "error_code": "invalid_credentials",
                                "msg": "Invalid login credentials"
                            })),
                        }
                    }
                }),
            )
            .route(
                "/auth/v1/user",
                web::get().to(move |req: HttpRequest| {
                    let gate = Arc::clone(&g2);
                    async move {
                        gate.pass().await;
                        let token = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.strip_prefix("Bearer "))
                            .unwrap_or_default()
                            .to_owned();
                        match sub_of(&token).as_deref().and_then(record) {
                            Some(rec) => HttpResponse::Ok().json(rec),
                            None => HttpResponse::Unauthorized().json(json!({ "code": 401 })),
                        }
                    }
                }),
            )
            .route(
                "/auth/v1/.well-known/jwks.json",
                web::get().to(move || {
                    let gate = Arc::clone(&g3);
                    async move {
                        gate.pass().await;
                        HttpResponse::Ok().json(fake_jwks())
                    }
                }),
            )
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(server);
    Fake { base, gate }
}

async fn supabase_app() -> (TestApp, Fake) {
    supabase_app_with(false).await
}

async fn supabase_app_with(cookie_secure: bool) -> (TestApp, Fake) {
    let fake = fake_supabase().await;
    let client = infra_supabase::SupabaseAuth::new(
        infra_supabase::SupabaseConfig::new(fake.base.clone(), SecretString::from("anon"))
            .with_jwt_secret(SecretString::from(SECRET)),
    )
    .unwrap();
    let app = TestApp::spawn_with(AuthSettings {
        provider: AuthProvider::Supabase(client),
        cookie_secure,
        ..AuthSettings::default()
    })
    .await;
    (app, fake)
}

/// An admin of `clinic` invites `email` with `role` through an operator API token (local
/// members cannot sign in in Supabase mode); returns the member id and the invitation token.
async fn invite(
    app: &TestApp,
    clinic: &support::Clinic,
    email: &str,
    role: &str,
) -> (String, String) {
    let token = format!("atk_operator_{}", clinic.company_id.simple());
    app.sql(&format!(
        "INSERT INTO api_tokens (company_id, name, role, scopes, token_hash)
              VALUES ('{}', 'operator', 'admin', ARRAY['admin'], sha256('{token}'::bytea))
         ON CONFLICT (token_hash) DO NOTHING",
        clinic.company_id
    ))
    .await;
    let resp = app
        .client
        .post(app.url("/api/users"))
        .bearer_auth(&token)
        .json(&json!({ "email": email, "name": "Convidada", "role": role }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    (
        body["user"]["id"].as_str().unwrap().to_owned(),
        body["invite_token"].as_str().unwrap().to_owned(),
    )
}

fn companies(account: &Value) -> Vec<String> {
    account["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["company"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_supabase_user_signs_in_with_our_cookie_and_joins_only_by_accepting_the_token() {
    let (app, _) = supabase_app().await;
    let clinic = app.clinic("Clínica Supa").await;
    let (member, token) = invite(&app, &clinic, "ana@clinic.test", "admin").await;
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
    // The browser holds our opaque cookie, not Supabase's token.
    assert!(!cookie.contains("eyJ"));
    let body: Value = resp.json().await.unwrap();
    // Signing in joins no clinic, whatever invitation waits for the e-mail.
    assert_eq!(body["company"], Value::Null);
    assert_eq!(
        app.scalar(&format!("SELECT status FROM users WHERE id = '{member}'"))
            .await
            .as_deref(),
        Some("invited")
    );
    // Accepting the token (signed in, verified e-mail) joins exactly that clinic.
    let resp = browser
        .post("/auth/accept-invite", json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], clinic.company_id.to_string());
    assert_eq!(body["user"]["status"], "active");
    let row = app
        .scalar(
            "SELECT format('%s/%s/%s/%s', i.provider, i.password_hash IS NULL,
                           i.email_verified_at IS NOT NULL, u.status)
               FROM auth_identities i JOIN users u ON u.auth_user_id = i.id
              WHERE i.email = 'ana@clinic.test'",
        )
        .await;
    assert_eq!(row.as_deref(), Some("supabase/t/t/active"));
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
    // Passwords are Supabase's: none is accepted when accepting, and none is changed here.
    let resp = browser
        .post(
            "/auth/password",
            json!({ "current_password": RIGHT_PASSWORD, "new_password": "a-new-long-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "not_local_account").await;
}

#[tokio::test]
async fn in_supabase_mode_an_invitation_of_clinic_a_never_yields_clinic_b_and_needs_a_verified_email()
 {
    let (app, fake) = supabase_app().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let (b_member, b_token) = invite(&app, &b, "ana@clinic.test", "admin").await;
    let (_, a_token) = invite(&app, &a, "ana@clinic.test", "staff").await;
    let (bia_member, bia_token) = invite(&app, &a, "bia@clinic.test", "staff").await;
    let bearer = |sub: &str, email: &str| sign(&claims(&fake.base, sub, email), SECRET);

    // A password is never taken in Supabase mode, nor is an anonymous acceptance.
    let resp = app
        .browser()
        .post(
            "/auth/accept-invite",
            json!({ "token": a_token, "password": "a-long-enough-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
    // Bia's e-mail is not confirmed by Supabase (her token's metadata says otherwise): refused.
    let resp = app
        .client
        .post(app.url("/auth/accept-invite"))
        .bearer_auth(bearer(BIA, "bia@clinic.test"))
        .json(&json!({ "token": bia_token }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "email_not_verified").await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM users WHERE id = '{bia_member}'"
        ))
        .await
        .as_deref(),
        Some("invited")
    );
    // A verified user holding A's token joins A only, with A's role.
    let resp = app
        .client
        .post(app.url("/auth/accept-invite"))
        .bearer_auth(bearer(ANA, "ana@clinic.test"))
        .json(&json!({ "token": a_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], a.company_id.to_string());
    assert_eq!(body["user"]["role"], "staff");
    assert_eq!(companies(&body), vec![a.company_id.to_string()]);
    assert_eq!(
        app.scalar(&format!(
            "SELECT format('%s/%s', status, auth_user_id IS NULL) FROM users WHERE id = '{b_member}'"
        ))
        .await
        .as_deref(),
        Some("invited/t")
    );
    // B's invitee (Ana, signed in through Supabase) accepts B's token: into B, as admin.
    let ana = app.browser();
    let resp = ana
        .post(
            "/auth/signin",
            json!({ "email": "ana@clinic.test", "password": RIGHT_PASSWORD }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = ana
        .post("/auth/accept-invite", json!({ "token": b_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], b.company_id.to_string());
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(companies(&body).len(), 2);
    // Bia signed in through Supabase has a session, but an unverified one: still refused.
    let bia = app.browser();
    let resp = bia
        .post(
            "/auth/signin",
            json!({ "email": "bia@clinic.test", "password": RIGHT_PASSWORD }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = bia
        .post("/auth/accept-invite", json!({ "token": bia_token }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "email_not_verified").await;
}

#[tokio::test]
async fn no_supabase_call_is_made_while_a_database_connection_is_held() {
    let (app, fake) = supabase_app().await;
    let clinic = app.clinic("Clínica Pool").await;
    let (_, token) = invite(&app, &clinic, "ana@clinic.test", "staff").await;
    let held = || {
        let (size, available, _) = app.db.db.pool_status();
        size - available
    };
    let settle = || async {
        while held() > 0 {
            tokio::task::yield_now().await;
        }
    };
    settle().await;
    fake.gate.closed.store(true, Ordering::SeqCst);
    // Password grants, an access token whose key must be fetched (JWKS), and the user lookup
    // of an acceptance: all wait on Supabase at once.
    let app_ref = &app;
    let sign_ins = (0..3).map(|_| async move {
        app_ref
            .browser()
            .post(
                "/auth/signin",
                json!({ "email": "ana@clinic.test", "password": RIGHT_PASSWORD }),
            )
            .send()
            .await
            .unwrap()
            .status()
    });
    let es = sign_es256(
        &claims(&fake.base, ANA, "ana@clinic.test"),
        ES_A_PEM,
        "key-a",
    );
    let bearer = sign(&claims(&fake.base, ANA, "ana@clinic.test"), SECRET);
    let jwks_call = app.client.get(app.url("/auth/me")).bearer_auth(&es).send();
    let accept_call = app
        .client
        .post(app.url("/auth/accept-invite"))
        .bearer_auth(&bearer)
        .json(&json!({ "token": token }))
        .send();
    let waiting = async {
        while fake.gate.waiting.load(Ordering::SeqCst) < 5 {
            tokio::task::yield_now().await;
        }
        // Everyone waits on Supabase: no request holds a pooled connection meanwhile.
        assert_eq!(held(), 0, "a connection was held across a Supabase call");
        fake.gate.release();
    };
    let (statuses, jwks, accepted, ()) = tokio::join!(
        futures_util::future::join_all(sign_ins),
        jwks_call,
        accept_call,
        waiting
    );
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(jwks.unwrap().status(), 200);
    assert_eq!(accepted.unwrap().status(), 200);
}

#[tokio::test]
async fn supabase_bearer_tokens_are_verified_locally() {
    let (app, fake) = supabase_app().await;
    let base = fake.base.clone();
    let clinic = app.clinic("Clínica Bearer").await;
    // Ana is a linked member already (as after accepting an invitation).
    app.sql(&format!(
        "INSERT INTO auth_identities (id, email, provider) VALUES ('{ANA}', 'ana@clinic.test', 'supabase');
         INSERT INTO users (company_id, auth_user_id, email, name, role, status)
              VALUES ('{}', '{ANA}', 'ana@clinic.test', 'Ana', 'staff', 'active')",
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
