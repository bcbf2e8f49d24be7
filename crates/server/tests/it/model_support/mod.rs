//! A local OpenAI-compatible `/v1/chat/completions` answering the real response shape of a
//! structured-outputs call, recording what it was sent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// An OpenAI-compatible `/v1/chat/completions` on 127.0.0.1 answering real response shapes.
pub struct FakeModel {
    pub calls: AtomicUsize,
    pub fail: AtomicBool,
    pub delay_ms: AtomicUsize,
    pub bodies: Mutex<Vec<String>>,
    pub auth: Mutex<Vec<String>>,
    /// While false, every call waits (counted first) before it is answered: a slow model.
    open: tokio::sync::watch::Sender<bool>,
}

impl Default for FakeModel {
    fn default() -> Self {
        Self {
            calls: AtomicUsize::default(),
            fail: AtomicBool::default(),
            delay_ms: AtomicUsize::default(),
            bodies: Mutex::default(),
            auth: Mutex::default(),
            open: tokio::sync::watch::channel(true).0,
        }
    }
}

impl FakeModel {
    /// Holds every call (after counting it) until [`FakeModel::release`].
    pub fn hold(&self) {
        self.open.send_replace(false);
    }

    /// Answers the held calls and stops holding.
    pub fn release(&self) {
        self.open.send_replace(true);
    }
}

async fn completions(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<FakeModel>>,
) -> HttpResponse {
    state.calls.fetch_add(1, Ordering::SeqCst);
    state
        .bodies
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&body).into_owned());
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    state.auth.lock().unwrap().push(auth.to_owned());
    let mut open = state.open.subscribe();
    let _ = open.wait_for(|open| *open).await;
    let delay = state.delay_ms.load(Ordering::SeqCst) as u64;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if state.fail.load(Ordering::SeqCst) {
        return HttpResponse::BadRequest().json(json!({ "error": {
            "message": "Invalid schema for response_format", "type": "invalid_request_error",
            "param": "response_format", "code": null }}));
    }
    let content = json!({
        "summary": "Paciente pediu para remarcar; objeção: preço.",
        "flags": { "no_show_risk": "medium", "sentiment": "mixed", "preferences": ["manhã"],
                   "objections": ["preço"], "topics": ["remarcação"] },
        "next_best_action": "Oferecer horários pela manhã.",
        "evidence": []
    });
    HttpResponse::Ok().json(json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content.to_string(),
                      "refusal": null, "annotations": [] }, "logprobs": null, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 812, "completion_tokens": 143, "total_tokens": 955,
                   "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
                   "completion_tokens_details": { "reasoning_tokens": 0, "audio_tokens": 0,
                       "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0 } },
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306"
    }))
}

/// Starts the fake; returns it and its base URL (`http://127.0.0.1:<port>/v1`).
pub fn fake_model() -> (Arc<FakeModel>, String) {
    let state = Arc::new(FakeModel::default());
    let shared = state.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(web::Data::new(shared.clone()))
            .route("/v1/chat/completions", web::post().to(completions))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    tokio::spawn(server);
    (state, format!("http://127.0.0.1:{port}/v1"))
}
