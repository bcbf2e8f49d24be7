//! A local fake of `POST /v1/chat/completions` (actix-web on 127.0.0.1:0) answering scripted
//! replies in the real Chat Completions wire format, and input fixtures.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{TimeZone, Utc};
use domain::conversations::Direction;
use domain::snapshots::{AnalysisInput, AnalyzerMessage, ClientFacts};
use domain::{Channel, InteractionId};
use infra_openai::{OpenAiAnalyzer, OpenAiConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const DEFAULT_KEY: &str = "sk-test-default";

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    pub fn status(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// What the fake received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct State {
    replies: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<Seen>>,
}

/// The fake server.
pub struct FakeOpenAi {
    /// `http://127.0.0.1:<port>/v1`, the API base.
    pub base_url: String,
    state: Arc<State>,
}

impl FakeOpenAi {
    /// Starts the fake; it answers `replies` in order, then 500s.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let state = Arc::new(State::default());
        state.replies.lock().unwrap().extend(replies);
        let data = web::Data::from(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/v1/chat/completions", web::post().to(completions))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            state,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// A config for this fake: default key, tiny retry waits.
    pub fn config(&self) -> OpenAiConfig {
        OpenAiConfig::new()
            .with_egress(domain::egress::EgressPolicy::development())
            .with_base_url(self.base_url.clone())
            .with_api_key(SecretString::from(DEFAULT_KEY))
            .with_max_retry_wait(Duration::from_millis(20))
            .with_backoff(Duration::from_millis(1))
    }

    pub fn analyzer(&self) -> OpenAiAnalyzer {
        OpenAiAnalyzer::new(self.config()).unwrap()
    }
}

async fn completions(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    state.seen.lock().unwrap().push(Seen {
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let reply = state.replies.lock().unwrap().pop_front();
    let reply = reply.unwrap_or_else(|| Reply::status(500, server_error()));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut resp = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in &reply.headers {
        resp.insert_header((*name, value.as_str()));
    }
    resp.json(reply.body)
}

/// A chat completion as OpenAI returns it, with `message` and `finish_reason`.
pub fn completion_with(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": 812,
            "completion_tokens": 143,
            "total_tokens": 955,
            "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            }
        },
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306"
    })
}

/// A successful completion whose content is `content` (a JSON text).
pub fn completion(content: &str) -> Value {
    completion_with(
        json!({ "role": "assistant", "content": content, "refusal": null, "annotations": [] }),
        "stop",
    )
}

/// A valid analysis citing `evidence`.
pub fn analysis_json(evidence: &[String]) -> Value {
    json!({
        "summary": "Paciente com 3 consultas (1 falta). Pediu para remarcar; objeção: preço.",
        "flags": {
            "no_show_risk": "medium",
            "sentiment": "mixed",
            "preferences": ["manhã"],
            "objections": ["preço"],
            "topics": ["remarcação"]
        },
        "next_best_action": "Oferecer horários pela manhã e opções de parcelamento.",
        "evidence": evidence
    })
}

pub fn server_error() -> Value {
    json!({ "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error", "param": null, "code": null
    }})
}

pub fn rate_limited() -> Value {
    json!({ "error": {
        "message": "Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1.",
        "type": "requests", "param": null, "code": "rate_limit_exceeded"
    }})
}

/// An input with three messages (two inbound).
pub fn input() -> AnalysisInput {
    let at = |h| Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap();
    let message = |direction, h, text: &str| AnalyzerMessage {
        id: InteractionId::new(),
        direction,
        channel: Channel::Whatsapp,
        at: at(h),
        text: text.to_owned(),
    };
    AnalysisInput {
        locale: "pt-BR".to_owned(),
        facts: ClientFacts {
            status: "active".to_owned(),
            appointments_total: 3,
            appointments_completed: 2,
            appointments_canceled: 0,
            appointments_no_show: 1,
            last_visit_at: Some(at(9)),
            next_appointment_at: None,
            services_used: vec!["Limpeza".to_owned()],
        },
        messages: vec![
            message(
                Direction::Inbound,
                10,
                "Oi, preciso remarcar, achei caro também",
            ),
            message(Direction::Outbound, 11, "Claro! Temos horários pela manhã."),
            message(Direction::Inbound, 12, "De manhã é melhor, obrigada"),
        ],
    }
}

/// The ids of `input`'s messages, as strings.
pub fn ids(input: &AnalysisInput) -> Vec<String> {
    input.messages.iter().map(|m| m.id.to_string()).collect()
}
