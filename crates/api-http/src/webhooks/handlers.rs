//! The webhook handlers.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use app::inbound::MetaOutcome;
use domain::integrations::Provider;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::{Problem, ProblemDoc};
use crate::state::AppState;
use crate::webhooks::limiter::Budget;

/// Header of Atende's own signature scheme (relay deliveries).
pub const ATENDE_SIGNATURE: &str = "X-Atende-Signature";
/// Header of Meta's signature.
pub const HUB_SIGNATURE: &str = "X-Hub-Signature-256";

/// One relayed message's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayResultDto {
    /// The relay's `message_id`.
    pub message_id: String,
    /// The stored message.
    pub interaction_id: Uuid,
    /// Its thread.
    pub conversation_id: Uuid,
    /// The patient (a new lead when the sender was unknown).
    pub client_id: Uuid,
    /// Already stored before: nothing changed.
    pub duplicate: bool,
}

/// The answer to a relay delivery, sent after everything is committed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayResponse {
    /// One result per message, in order.
    pub results: Vec<RelayResultDto>,
}

/// The answer to a Meta delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetaResponse {
    /// Messages stored now.
    pub stored: usize,
    /// Messages already stored.
    pub duplicates: usize,
    /// Status reports applied.
    pub statuses_applied: usize,
    /// Status reports ignored (late, repeated or unknown message).
    pub statuses_ignored: usize,
    /// Messages marked unsent.
    pub unsent: usize,
    /// Events skipped (not messages, or for accounts without an active integration).
    pub skipped: usize,
    /// Messages and statuses refused because an id cannot be stored (more than 256
    /// characters, spaces or control characters); the rest of the delivery is stored.
    pub invalid: usize,
}

impl From<MetaOutcome> for MetaResponse {
    fn from(o: MetaOutcome) -> Self {
        Self {
            stored: o.stored,
            duplicates: o.duplicates,
            statuses_applied: o.statuses_applied,
            statuses_ignored: o.statuses_ignored,
            unsent: o.unsent,
            skipped: o.skipped,
            invalid: o.invalid,
        }
    }
}

/// Meta's subscription handshake query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HubQuery {
    /// `subscribe`.
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    /// The integration's `verify_token`.
    #[serde(rename = "hub.verify_token")]
    pub verify_token: Option<String>,
    /// Echoed back on success.
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The per-account budget's key: the clinic the delivery was authenticated for and the account,
/// so traffic signed with one clinic's secret never spends another's budget.
fn account_key(provider: Provider, company: domain::CompanyId, account: &str) -> String {
    format!("{}:{company}:{account}", provider.as_str())
}

fn limited(retry_after: u64) -> Problem {
    Problem::too_many_requests("rate_limited", retry_after)
}

fn source_key(req: &HttpRequest, state: &AppState) -> String {
    crate::auth::client::info(req, &state.http)
        .ip
        .unwrap_or_else(|| "unknown".to_owned())
}

async fn receive(
    provider: Provider,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let started = Instant::now();
    let now = Instant::now();
    state
        .webhook_limits
        .take(Budget::Address, &source_key(&req, &state), now)
        .await
        .map_err(limited)?;
    let body = body.to_vec();
    // Meta signs with X-Hub-Signature-256; the relay (n8n) with X-Atende-Signature.
    if let Some(hub) = header(req.headers(), HUB_SIGNATURE) {
        let delivery = state
            .inbound
            .authenticate_meta(provider, Some(hub), body)
            .await
            .map_err(Problem::from)?;
        // Per-account budgets are spent only by authenticated deliveries (forged traffic cannot
        // starve a clinic's real ones); Meta retries a 429 with backoff.
        for (company, account) in delivery.accounts() {
            state
                .webhook_limits
                .take(
                    Budget::Account,
                    &account_key(provider, company, &account),
                    now,
                )
                .await
                .map_err(limited)?;
        }
        let outcome = state
            .inbound
            .store_meta(delivery)
            .await
            .map_err(Problem::from)?;
        tracing::info!(
            provider = provider.as_str(),
            stored = outcome.stored,
            duplicates = outcome.duplicates,
            statuses = outcome.statuses_applied,
            skipped = outcome.skipped,
            invalid = outcome.invalid,
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            outcome = "accepted",
            "meta delivery"
        );
        let nothing_new = outcome.stored == 0
            && outcome.statuses_applied == 0
            && outcome.unsent == 0
            && (outcome.duplicates > 0 || outcome.statuses_ignored > 0);
        let mut res = HttpResponse::Ok().json(MetaResponse::from(outcome));
        if nothing_new {
            res.extensions_mut()
                .insert(crate::metrics::DeliveryOutcome::Duplicate);
        }
        return Ok(res);
    }
    let signature = header(req.headers(), ATENDE_SIGNATURE);
    let delivery = state
        .inbound
        .authenticate_relay(provider, signature, body)
        .await
        .map_err(Problem::from)?;
    tracing::Span::current().record("company_id", tracing::field::display(delivery.company));
    state
        .webhook_limits
        .take(
            Budget::Account,
            &account_key(provider, delivery.company, &delivery.account_id),
            now,
        )
        .await
        .map_err(limited)?;
    let results = state
        .inbound
        .store_relay(delivery)
        .await
        .map_err(Problem::from)?;
    let all_duplicates = !results.is_empty() && results.iter().all(|r| r.ingested.duplicate);
    let mut res = HttpResponse::Ok().json(RelayResponse {
        results: results
            .into_iter()
            .map(|r| RelayResultDto {
                message_id: r.message_id,
                interaction_id: r.ingested.interaction_id.0,
                conversation_id: r.ingested.conversation_id.0,
                client_id: r.ingested.client_id.0,
                duplicate: r.ingested.duplicate,
            })
            .collect(),
    });
    if all_duplicates {
        res.extensions_mut()
            .insert(crate::metrics::DeliveryOutcome::Duplicate);
    }
    Ok(res)
}

/// Inbound WhatsApp messages: from the n8n relay (`X-Atende-Signature`, Atende's payload) or
/// from Meta directly (`X-Hub-Signature-256`, the Cloud API webhook). Answers after everything
/// is committed.
///
/// # Errors
/// 400 (not JSON), 401 `invalid_signature` / `stale_signature` (bad, stale, foreign or missing
/// signature; unknown or inactive account), 413, 422 (`validation_failed`: nothing stored;
/// `too_many_entries` / `too_many_accounts`: a Meta delivery over the caps), 429 `rate_limited`.
#[utoipa::path(post, path = "/webhooks/whatsapp", tag = "webhooks",
    request_body(content = Object, description = "The relay payload (one message or {account_id, messages}) or Meta's whatsapp_business_account envelope; at most 256 KiB (`x-max-body-bytes`)",
        example = json!({"account_id": "109876543210987", "message_id": "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA", "from": {"id": "5511987654321", "phone": "+5511987654321", "name": "Maria", "username": null}, "type": "text", "text": "Olá, quero marcar uma avaliação", "media": null, "timestamp": 1780000000})),
    params(
        ("X-Atende-Signature" = Option<String>, Header, description = "t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<body>\")> (relay)"),
        ("X-Hub-Signature-256" = Option<String>, Header, description = "sha256=<hex HMAC-SHA256(app_secret, body)> (Meta)"),
    ),
    responses(
        (status = 200, description = "Stored (relay: one result per message)", body = RelayResponse),
        (status = 400, description = "Not JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Bad, stale or missing signature, or unknown account", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Over 256 KiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid message fields (nothing stored), or a Meta delivery naming more than 1,000 entries (`too_many_entries`) or 50 accounts (`too_many_accounts`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn whatsapp(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    receive(Provider::Whatsapp, req, state, body).await
}

/// Inbound Instagram messages: from the n8n relay or from Meta directly (`messaging[]`,
/// `standby[]`, echoes stored as outbound, unsent messages marked deleted).
///
/// # Errors
/// As `POST /webhooks/whatsapp`.
#[utoipa::path(post, path = "/webhooks/instagram", tag = "webhooks",
    request_body(content = Object, description = "The relay payload or Meta's instagram envelope; at most 256 KiB (`x-max-body-bytes`)",
        example = json!({"object": "instagram", "entry": [{"id": "17841400000000000", "time": 1773144000, "messaging": [{"sender": {"id": "1234567890"}, "recipient": {"id": "17841400000000000"}, "timestamp": 1773144000000_u64, "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw", "text": "Olá! Tem horário amanhã?"}}]}]})),
    responses(
        (status = 200, description = "Stored", body = RelayResponse),
        (status = 400, description = "Not JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Bad, stale or missing signature, or unknown account", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Over 256 KiB", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid message fields (nothing stored), or a Meta delivery naming more than 1,000 entries (`too_many_entries`) or 50 accounts (`too_many_accounts`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn instagram(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    receive(Provider::Instagram, req, state, body).await
}

async fn verify(
    provider: Provider,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HubQuery>,
) -> Result<HttpResponse, Problem> {
    state
        .webhook_limits
        .take(Budget::Handshake, &source_key(&req, &state), Instant::now())
        .await
        .map_err(limited)?;
    let q = query.into_inner();
    match state
        .inbound
        .verify_subscription(provider, q.mode, q.verify_token, q.challenge)
        .await
    {
        Ok(Some(challenge)) => Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(challenge)),
        Ok(None) => Err(Problem::forbidden("verification_failed")),
        Err(e) => Err(Problem::from_internal(&e)),
    }
}

/// Meta's subscription handshake for WhatsApp: the bare `hub.challenge` when `hub.verify_token`
/// is the `verify_token` of an active WhatsApp integration.
///
/// # Errors
/// 403 `verification_failed`, 429 `rate_limited` (per source address).
#[utoipa::path(get, path = "/webhooks/whatsapp", tag = "webhooks", params(HubQuery),
    responses(
        (status = 200, description = "The challenge, as text/plain", body = String, content_type = "text/plain", example = "1158201444"),
        (status = 403, description = "Unknown verify token or mode", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many handshakes from this address", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn verify_whatsapp(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HubQuery>,
) -> Result<HttpResponse, Problem> {
    verify(Provider::Whatsapp, req, state, query).await
}

/// Meta's subscription handshake for Instagram.
///
/// # Errors
/// 403 `verification_failed`, 429 `rate_limited` (per source address).
#[utoipa::path(get, path = "/webhooks/instagram", tag = "webhooks", params(HubQuery),
    responses(
        (status = 200, description = "The challenge, as text/plain", body = String, content_type = "text/plain", example = "1158201444"),
        (status = 403, description = "Unknown verify token or mode", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many handshakes from this address", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn verify_instagram(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HubQuery>,
) -> Result<HttpResponse, Problem> {
    verify(Provider::Instagram, req, state, query).await
}
