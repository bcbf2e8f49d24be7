//! `GET /api/clients/{id}`.

use actix_web::{HttpResponse, web};
use app::clients::GetClientError;
use domain::ClientId;
use uuid::Uuid;

use super::dto::ClientDto;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// One client with its identities.
///
/// # Errors
/// 401, 404 `not_found` (also for another clinic's ids).
#[utoipa::path(
    get,
    path = "/api/clients/{id}",
    tag = "clients",
    params(("id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, description = "The client", body = ClientDto),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = ClientId(id.into_inner());
    match state.crm.get_client().run(caller.tenant(), id).await {
        Ok(client) => Ok(HttpResponse::Ok().json(ClientDto::from(client))),
        Err(GetClientError::NotFound) => Err(Problem::not_found()),
        Err(GetClientError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
