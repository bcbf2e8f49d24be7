//! `GET /api/conversations/{id}/labels` and `PUT/DELETE /api/conversations/{id}/labels/{label_id}`.

use actix_web::{HttpResponse, web};
use app::labels::AttachError;
use domain::labels::Label;
use domain::{ConversationId, LabelId};
use uuid::Uuid;

use super::dto::{ConversationLabels, LabelDto};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

fn answer(
    conversation: Uuid,
    result: Result<Vec<Label>, AttachError>,
) -> Result<HttpResponse, Problem> {
    match result {
        Ok(labels) => Ok(HttpResponse::Ok().json(ConversationLabels {
            conversation_id: conversation,
            labels: labels.into_iter().map(LabelDto::from).collect(),
        })),
        Err(AttachError::ConversationNotFound | AttachError::LabelNotFound) => {
            Err(Problem::not_found())
        }
        Err(AttachError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// The labels of a conversation, by name (any member).
///
/// # Errors
/// 401, 404.
#[utoipa::path(get, path = "/api/conversations/{id}/labels", tag = "labels",
    operation_id = "conversation_labels_list",
    params(("id" = Uuid, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "Its labels", body = ConversationLabels),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let labels = state
        .labels
        .of_conversation(caller.company_id, ConversationId(id))
        .await;
    answer(id, labels)
}

/// Attaches a label to a conversation (any member); attaching it again changes nothing. Answers
/// the conversation's labels.
///
/// # Errors
/// 401, 404 (the conversation or the label is not this clinic's).
#[utoipa::path(put, path = "/api/conversations/{id}/labels/{label_id}", tag = "labels",
    operation_id = "conversation_labels_attach",
    params(("id" = Uuid, Path, description = "Conversation id"), ("label_id" = Uuid, Path, description = "Label id")),
    responses(
        (status = 200, description = "The conversation's labels", body = ConversationLabels),
        (status = 404, description = "No such conversation or label in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn attach(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (id, label) = path.into_inner();
    let result = state
        .labels
        .attach(
            caller.company_id,
            ConversationId(id),
            LabelId(label),
            caller.user_id,
        )
        .await;
    answer(id, result)
}

/// Detaches a label from a conversation (any member); detaching one that is not attached
/// changes nothing. Answers the conversation's labels.
///
/// # Errors
/// 401, 404 (the conversation or the label is not this clinic's).
#[utoipa::path(delete, path = "/api/conversations/{id}/labels/{label_id}", tag = "labels",
    operation_id = "conversation_labels_detach",
    params(("id" = Uuid, Path, description = "Conversation id"), ("label_id" = Uuid, Path, description = "Label id")),
    responses(
        (status = 200, description = "The conversation's labels", body = ConversationLabels),
        (status = 404, description = "No such conversation or label in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn detach(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (id, label) = path.into_inner();
    let result = state
        .labels
        .detach(
            caller.company_id,
            ConversationId(id),
            LabelId(label),
            caller.user_id,
        )
        .await;
    answer(id, result)
}
