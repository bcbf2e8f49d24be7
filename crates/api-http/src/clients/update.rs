//! `PATCH /api/clients/{id}`.

use actix_web::{HttpResponse, web};
use app::clients::{ClientPatch, UpdateClientError};
use domain::ClientId;
use uuid::Uuid;

use super::create::client_exists;
use super::dto::{ClientDto, UpdateClientRequest};
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Changes some fields of a client (`null` clears one). A new phone replaces the WhatsApp
/// identity of the old one.
///
/// # Errors
/// 401, 404 `not_found`, 409 `client_exists` / `edit_conflict`, 422 naming each bad field.
#[utoipa::path(
    patch,
    path = "/api/clients/{id}",
    tag = "clients",
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = UpdateClientRequest,
    responses(
        (status = 200, description = "Updated", body = ClientDto),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Phone taken (`client_exists`) or changed concurrently (`edit_conflict`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdateClientRequest = body(json.into_inner())?;
    let patch = ClientPatch {
        name: req.name,
        phone: req.phone,
        email: req.email,
        instagram_username: req.instagram_username,
        notes: req.notes,
        tags: req.tags,
        status: req.status.map(Into::into),
    };
    let id = ClientId(id.into_inner());
    match state
        .crm
        .update_client()
        .run(caller.tenant(), id, patch)
        .await
    {
        Ok(client) => Ok(HttpResponse::Ok().json(ClientDto::from(client))),
        Err(UpdateClientError::NotFound) => Err(Problem::not_found()),
        Err(UpdateClientError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdateClientError::PhoneTaken { existing }) => Err(client_exists(existing)),
        Err(UpdateClientError::Conflict) => Err(edit_conflict()),
        Err(UpdateClientError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// 409 `edit_conflict`: the row changed between read and write; fetch it again and retry.
pub(crate) fn edit_conflict() -> Problem {
    Problem::conflict(
        "edit_conflict",
        "the record was changed by another request; fetch it again and retry",
    )
}
