//! `POST /webhooks/n8n/status`: delivery statuses reported by n8n.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::inbound::StatusApplied;
use domain::integrations::Provider;
use serde::Serialize;
use std::time::Instant;
use utoipa::ToSchema;

use crate::problem::{Problem, ProblemDoc};
use crate::state::AppState;
use crate::webhooks::handlers::ATENDE_SIGNATURE;
use crate::webhooks::limiter::Budget;

/// The answer to a status callback.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCallbackResponse {
    /// Whether a message of this clinic matched `interaction_id` / `message_id`.
    pub matched: bool,
    /// Whether the status moved forward (false for late, repeated or backwards reports).
    pub changed: bool,
    /// The status reported.
    pub status: String,
}

/// A delivery status from n8n, signed like relay deliveries (`X-Atende-Signature` with the n8n
/// integration's `webhook_secret`, routed by `account_id`). Statuses only move forward; a
/// callback for an unknown message answers 200 with `matched: false`.
///
/// # Errors
/// 400 (not JSON), 401 `invalid_signature` / `stale_signature`, 413, 422, 429 `rate_limited`.
#[utoipa::path(post, path = "/webhooks/n8n/status", tag = "webhooks",
    request_body(content = Object, description = "{account_id, interaction_id?, message_id?, status: sent|delivered|read|failed, error?: {code, title}, timestamp}; at most 256 KiB (`x-max-body-bytes`)",
        example = json!({"account_id": "relay", "interaction_id": "0193a7e2-5b1c-7a07-8f00-000000000007", "message_id": "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA", "status": "delivered", "timestamp": "2026-03-10T12:00:05Z"})),
    params(("X-Atende-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256(webhook_secret, \"<t>.<body>\")>")),
    responses(
        (status = 200, description = "Applied, ignored or unmatched", body = StatusCallbackResponse),
        (status = 400, description = "Not JSON", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Bad, stale or missing signature, or unknown account", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not a status callback", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Rate limited", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let now = Instant::now();
    let ip = crate::auth::client::info(&req, &state.http)
        .ip
        .unwrap_or_else(|| "unknown".to_owned());
    let limited = |retry_after| Problem::too_many_requests("rate_limited", retry_after);
    state
        .webhook_limits
        .take(Budget::Address, &ip, now)
        .await
        .map_err(limited)?;
    let signature = req
        .headers()
        .get(ATENDE_SIGNATURE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let delivery = state
        .inbound
        .authenticate_relay(Provider::N8n, signature, body.to_vec())
        .await
        .map_err(Problem::from)?;
    let company = delivery.company;
    tracing::Span::current().record("company_id", tracing::field::display(company));
    state
        .webhook_limits
        .take(
            Budget::Account,
            &format!("n8n:{company}:{}", delivery.account_id),
            now,
        )
        .await
        .map_err(limited)?;
    let outcome = app::outbound::status_callback(&state.inbound, company, &body)
        .await
        .map_err(Problem::from)?;
    let (matched, changed) = match outcome.applied {
        StatusApplied::Advanced(_) => (true, true),
        StatusApplied::Ignored(_) => (true, false),
        StatusApplied::NotFound => {
            tracing::warn!(company_id = %company, status = outcome.status.as_str(), "n8n status callback for an unknown message");
            (false, false)
        }
    };
    let mut res = HttpResponse::Ok().json(StatusCallbackResponse {
        matched,
        changed,
        status: outcome.status.as_str().to_owned(),
    });
    let mark = match (matched, changed) {
        (false, _) => Some(crate::metrics::DeliveryOutcome::Unmatched),
        (true, false) => Some(crate::metrics::DeliveryOutcome::Duplicate),
        (true, true) => None,
    };
    if let Some(mark) = mark {
        res.extensions_mut().insert(mark);
    }
    Ok(res)
}
