//! `POST /api/snapshots/generate`.

use actix_web::{HttpResponse, web};
use app::snapshots::{GenerateError, GenerateRequest};
use domain::snapshots::SnapshotTrigger;
use domain::{ClientId, ConversationId};

use super::dto::{GenerateSnapshotRequest, GeneratedSnapshot};
use crate::crm::body;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Generates a context snapshot of a patient (trigger `manual`), or returns the latest one when
/// one was made within the budget window. Concurrent calls for one patient make one analysis.
/// Each clinic runs at most `ATENDE_SNAPSHOT_CONCURRENCY` analyses at once, and on the server's
/// OpenAI key at most `ATENDE_SNAPSHOT_DAILY_QUOTA` in 24 hours.
///
/// # Errors
/// 401, 404 (unknown client, also another clinic's), 409 `analysis_in_progress` (the patient's
/// analysis started elsewhere is still running), 422 (bad body, or a conversation that is not
/// this patient's), 429 `analysis_busy` (the clinic's analyses are at their limit) or
/// `analysis_quota_exceeded` (with `Retry-After`), 502 `analyzer_unavailable` (nothing stored, no
/// budget spent).
#[utoipa::path(
    post,
    path = "/api/snapshots/generate",
    tag = "snapshots",
    request_body = GenerateSnapshotRequest,
    responses(
        (status = 201, description = "A new snapshot (`{snapshot, next_allowed_at}`)", body = GeneratedSnapshot),
        (status = 200, description = "Within the budget: the latest snapshot, `reused: true`", body = GeneratedSnapshot),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The patient's analysis started elsewhere is still running (`analysis_in_progress`, with `Retry-After`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "The clinic's analyses are at their limit (`analysis_busy`) or its daily quota on the server's key is spent (`analysis_quota_exceeded`, with `quota_resets_at`); `Retry-After` says when to try again", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 502, description = "The analyzer failed (`analyzer_unavailable`)", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn generate(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: GenerateSnapshotRequest = body(json.into_inner())?;
    let request = GenerateRequest {
        client_id: ClientId(req.client_id),
        source_conversation_id: req.source_conversation_id.map(ConversationId),
        trigger: SnapshotTrigger::Manual,
    };
    match state.snapshots.generate(caller.tenant(), request).await {
        Ok(g) => {
            let reused = g.reused;
            let out = GeneratedSnapshot {
                snapshot: g.snapshot.into(),
                reused: reused.then_some(true),
                next_allowed_at: g.next_allowed_at,
            };
            Ok(if reused {
                HttpResponse::Ok().json(out)
            } else {
                HttpResponse::Created().json(out)
            })
        }
        Err(GenerateError::ClientNotFound) => Err(Problem::not_found()),
        Err(GenerateError::ConversationNotFound) => {
            Err(Problem::validation(vec![FieldError::new(
                "source_conversation_id",
                "is not a conversation of this client",
            )]))
        }
        Err(GenerateError::Analyzer(e)) => {
            tracing::warn!(error = %e, "analyzer failed; nothing stored");
            Err(Problem::bad_gateway("analyzer_unavailable"))
        }
        Err(GenerateError::Busy { retry_after }) => Err(Problem::too_many_requests(
            "analysis_busy",
            seconds(retry_after),
        )
        .with_detail("this clinic already has its maximum of analyses running; try again shortly")),
        Err(GenerateError::QuotaExceeded { until }) => Err(Problem::too_many_requests(
            "analysis_quota_exceeded",
            seconds(until - chrono::Utc::now()),
        )
        .with_detail("this clinic's daily quota of analyses on the server's key is spent")
        .with_extra("quota_resets_at", until.to_rfc3339())),
        Err(GenerateError::InProgress) => Err(Problem::conflict(
            "analysis_in_progress",
            "an analysis of this patient is still running; try again shortly",
        )
        .with_retry_after(10)),
        Err(GenerateError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Whole seconds of `d`, at least 1 (a `Retry-After`).
fn seconds(d: chrono::Duration) -> u64 {
    u64::try_from(d.num_seconds()).unwrap_or(0).max(1)
}
