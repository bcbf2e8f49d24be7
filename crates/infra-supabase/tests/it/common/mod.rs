//! Test harness: test-only keys, token signing, a manual clock and a local
//! fake of the Supabase Auth endpoints (actix-web on 127.0.0.1:0).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use infra_supabase::{Clock, SupabaseAuth, SupabaseConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const ANON_KEY: &str = "test-anon-key";
pub const HS_SECRET: &str = "test-only-legacy-jwt-secret-with-at-least-32-chars";
pub const USER_ID: &str = "4f1c2a8e-9b7d-4e2a-8c3f-1d2e3f4a5b6c";

const ES_A_PEM: &str = include_str!("../fixtures/test-only-es256-a.pem");
const ES_B_PEM: &str = include_str!("../fixtures/test-only-es256-b.pem");
const RS_PEM: &str = include_str!("../fixtures/test-only-rs256.pem");
const PUBLIC_JWKS: &str = include_str!("../fixtures/test-only-public-jwks.json");

/// One of the committed test-only signing keys.
#[derive(Clone, Copy, Debug)]
pub enum TestKey {
    EsA,
    EsB,
    Rs,
}

impl TestKey {
    pub fn alg(self) -> Algorithm {
        match self {
            Self::EsA | Self::EsB => Algorithm::ES256,
            Self::Rs => Algorithm::RS256,
        }
    }

    fn encoding_key(self) -> EncodingKey {
        match self {
            Self::EsA => EncodingKey::from_ec_der(&pem_der(ES_A_PEM)),
            Self::EsB => EncodingKey::from_ec_der(&pem_der(ES_B_PEM)),
            Self::Rs => EncodingKey::from_rsa_der(&pem_der(RS_PEM)),
        }
    }

    /// The public JWK as Supabase serves it, under `kid`.
    pub fn jwk(self, kid: &str) -> Value {
        let name = match self {
            Self::EsA => "es256-a",
            Self::EsB => "es256-b",
            Self::Rs => "rs256",
        };
        let all: Value = serde_json::from_str(PUBLIC_JWKS).unwrap();
        let mut jwk = all[name].clone();
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(format!("{:?}", self.alg()));
        jwk["use"] = json!("sig");
        jwk["key_ops"] = json!(["verify"]);
        jwk
    }

    /// Signs `claims` with this key, putting `kid` in the header.
    pub fn sign(self, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(self.alg());
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).unwrap()
    }
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// A JWKS document holding `keys`.
pub fn jwks(keys: &[Value]) -> Value {
    json!({ "keys": keys })
}

/// Signs `claims` with the legacy HS256 secret.
pub fn sign_hs256(secret: &str, claims: &Value) -> String {
    let header = Header::new(Algorithm::HS256);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// An unsigned token with the given raw header.
pub fn unsigned(header: &Value, claims: &Value) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!("{}.{}.", enc(header), enc(claims))
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a valid access token issued by the project at `base`.
pub fn claims(base: &str) -> Value {
    json!({
        "iss": format!("{base}/auth/v1"),
        "aud": "authenticated",
        "sub": USER_ID,
        "exp": now_secs() + 3600,
        "iat": now_secs(),
        "email": "Ana@Clinic.Test",
        "phone": "",
        "role": "authenticated",
        "aal": "aal1",
        "session_id": "0a4c6d1e-2b3f-4c5d-8e9f-0a1b2c3d4e5f",
        "is_anonymous": false
    })
}

/// A copy of `claims` with `key` set to `value`.
pub fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset_ms: AtomicU64,
}

impl ManualClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            offset_ms: AtomicU64::new(0),
        })
    }

    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap();
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// How the fake token endpoint answers.
#[derive(Clone, Debug)]
pub enum TokenReply {
    Json(u16, Value),
    /// Accept the request and never answer.
    Hang,
}

/// What the fake token endpoint received.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub query: String,
    pub apikey: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

#[derive(Debug)]
struct FakeState {
    jwks: Mutex<(u16, Value)>,
    jwks_hits: AtomicUsize,
    token: Mutex<TokenReply>,
    seen: Mutex<Vec<SeenRequest>>,
    user: Mutex<TokenReply>,
    user_auth: Mutex<Vec<Option<String>>>,
}

/// A local fake of `{url}/auth/v1/.well-known/jwks.json` and `{url}/auth/v1/token`.
pub struct FakeSupabase {
    /// `http://127.0.0.1:<port>`, the project URL.
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeSupabase {
    /// Starts the fake, serving `jwks` and answering the token endpoint with 500.
    pub async fn start(jwks: Value) -> Self {
        let state = Arc::new(FakeState {
            jwks: Mutex::new((200, jwks)),
            jwks_hits: AtomicUsize::new(0),
            token: Mutex::new(TokenReply::Json(500, json!({}))),
            seen: Mutex::new(Vec::new()),
            user: Mutex::new(TokenReply::Json(500, json!({}))),
            user_auth: Mutex::new(Vec::new()),
        });
        let data = web::Data::from(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/auth/v1/.well-known/jwks.json",
                    web::get().to(jwks_handler),
                )
                .route("/auth/v1/token", web::post().to(token_handler))
                .route("/auth/v1/user", web::get().to(user_handler))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn set_jwks(&self, jwks: Value) {
        *self.state.jwks.lock().unwrap() = (200, jwks);
    }

    pub fn set_jwks_status(&self, status: u16) {
        self.state.jwks.lock().unwrap().0 = status;
    }

    pub fn jwks_hits(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }

    pub fn set_token_reply(&self, reply: TokenReply) {
        *self.state.token.lock().unwrap() = reply;
    }

    /// How `GET /auth/v1/user` answers.
    pub fn set_user_reply(&self, reply: TokenReply) {
        *self.state.user.lock().unwrap() = reply;
    }

    /// The `Authorization` headers `GET /auth/v1/user` received.
    pub fn user_calls(&self) -> Vec<Option<String>> {
        self.state.user_auth.lock().unwrap().clone()
    }

    pub fn seen(&self) -> Vec<SeenRequest> {
        self.state.seen.lock().unwrap().clone()
    }

    /// A config for this fake (default TTL and timeout).
    pub fn config(&self) -> SupabaseConfig {
        SupabaseConfig::new(self.url.clone(), SecretString::from(ANON_KEY))
    }

    /// An adapter over this fake with a manual clock.
    pub fn auth(&self, clock: &Arc<ManualClock>) -> SupabaseAuth {
        SupabaseAuth::new(self.config())
            .unwrap()
            .with_clock(Arc::clone(clock) as Arc<dyn Clock>)
    }
}

async fn jwks_handler(state: web::Data<FakeState>) -> HttpResponse {
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let (status, body) = state.jwks.lock().unwrap().clone();
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .insert_header(("cache-control", "public, max-age=600"))
        .json(body)
}

async fn token_handler(
    state: web::Data<FakeState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    state.seen.lock().unwrap().push(SeenRequest {
        query: req.query_string().to_owned(),
        apikey: header("apikey"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let reply = state.token.lock().unwrap().clone();
    match reply {
        TokenReply::Json(status, body) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
        }
        TokenReply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            HttpResponse::Ok().finish()
        }
    }
}

async fn user_handler(state: web::Data<FakeState>, req: HttpRequest) -> HttpResponse {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.user_auth.lock().unwrap().push(authorization);
    let reply = state.user.lock().unwrap().clone();
    match reply {
        TokenReply::Json(status, body) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
        }
        TokenReply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            HttpResponse::Ok().finish()
        }
    }
}
