//! `POST /api/interactions/{id}/retry`: queue a failed reply again.

use actix_web::{HttpResponse, web};
use app::outbound::RetryError;
use domain::InteractionId;
use uuid::Uuid;

use super::send::SendResponse;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Moves a `failed` outbound message back to `queued` (its error cleared) and queues a new
/// dispatch with a fresh attempt budget and the same `Idempotency-Key`.
///
/// # Errors
/// 401, 404 (not in this clinic), 409 `not_retryable` (anything but a failed outbound message).
#[utoipa::path(post, path = "/api/interactions/{id}/retry", tag = "conversations",
    params(("id" = Uuid, Path, description = "The interaction")),
    responses(
        (status = 202, description = "Queued again", body = SendResponse),
        (status = 404, description = "No such message in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not a failed outbound message", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn retry(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    tracing::Span::current().record("company_id", tracing::field::display(caller.0.company_id));
    match state
        .outbox
        .retry(caller.0.company_id, InteractionId(id.into_inner()))
        .await
    {
        Ok(i) => Ok(HttpResponse::Accepted().json(SendResponse {
            interaction: i.into(),
        })),
        Err(RetryError::NotFound) => Err(Problem::not_found()),
        Err(RetryError::NotRetryable) => Err(Problem::conflict(
            "not_retryable",
            "only a failed outbound message can be retried",
        )),
        Err(RetryError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
