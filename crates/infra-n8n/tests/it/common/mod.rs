//! A local fake n8n (actix-web on 127.0.0.1:0) that records every request and checks its
//! signature over the raw body bytes it received.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use domain::ports::dispatcher::{DispatchTarget, OutboundMessage, Recipient};
use domain::{CompanyId, ConversationId, InteractionId};

/// The outbound secret the fake verifies with.
pub const SECRET: &str = "n8n-outbound-test-secret";

/// How the fake answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status, extra headers and a raw body.
    Status(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Sleep this long, then answer 200.
    Sleep(Duration),
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::Status(
            status,
            vec![("content-type", "application/json".to_owned())],
            body.to_string().into_bytes(),
        )
    }

    /// An answer with no body.
    pub fn empty(status: u16) -> Self {
        Self::Status(status, Vec::new(), Vec::new())
    }
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    pub idempotency_key: Option<String>,
    pub user_agent: Option<String>,
    pub signature: Option<String>,
    /// `infra_crypto::webhook::verify` over the raw body with [`SECRET`] (300 s window).
    pub signature_ok: bool,
    pub body: Vec<u8>,
}

impl Seen {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct State {
    reply: Mutex<Reply>,
    seen: Mutex<Vec<Seen>>,
}

/// The fake; every path answers with the current [`Reply`].
pub struct FakeN8n {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    state: Arc<State>,
}

impl FakeN8n {
    /// Starts the fake with `reply`.
    pub async fn start(reply: Reply) -> Self {
        let state = Arc::new(State {
            reply: Mutex::new(reply),
            seen: Mutex::new(Vec::new()),
        });
        let data = web::Data::from(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handler))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// The outbound webhook URL on this fake.
    pub fn url(&self) -> String {
        format!("{}/webhook/atende-out", self.base)
    }

    /// A target pointing at this fake, signed with [`SECRET`].
    pub fn target(&self) -> DispatchTarget {
        DispatchTarget {
            url: self.url(),
            secret: SECRET.to_owned(),
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

async fn handler(state: web::Data<State>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signature = header("x-atende-signature");
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let signature_ok =
        infra_crypto::webhook::verify(&[SECRET.as_bytes()], signature.as_deref(), &body, now, 300)
            .is_ok();
    state.seen.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        content_type: header("content-type"),
        idempotency_key: header("idempotency-key"),
        user_agent: header("user-agent"),
        signature,
        signature_ok,
        body: body.to_vec(),
    });
    let reply = state.reply.lock().unwrap().clone();
    match reply {
        Reply::Status(status, headers, body) => {
            let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap());
            for (name, value) in headers {
                response.insert_header((name, value));
            }
            response.body(body)
        }
        Reply::Sleep(duration) => {
            tokio::time::sleep(duration).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// A message to a WhatsApp patient with every optional field set.
pub fn message() -> OutboundMessage {
    OutboundMessage {
        interaction_id: InteractionId::new(),
        company_id: CompanyId::new(),
        conversation_id: ConversationId::new(),
        channel: "whatsapp".to_owned(),
        account_id: Some("109876543210".to_owned()),
        to: Recipient {
            external_id: "5511987654321".to_owned(),
            phone: Some("+5511987654321".to_owned()),
            username: Some("ana.souza".to_owned()),
        },
        text: "Olá Ana, sua consulta está confirmada para amanhã às 14h.".to_owned(),
        callback_url: "https://atende.test/webhooks/n8n/status".to_owned(),
    }
}
