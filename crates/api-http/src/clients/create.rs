//! `POST /api/clients`.

use actix_web::{HttpResponse, web};
use app::clients::{CreateClientError, CreateClientInput};

use super::dto::{ClientDto, CreateClientRequest};
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Registers a client. The phone is normalised to E.164 (the clinic's region for national
/// numbers) and recorded as the client's WhatsApp identity.
///
/// # Errors
/// 401, 409 `client_exists` (with `client_id`), 422 naming each bad field.
#[utoipa::path(
    post,
    path = "/api/clients",
    tag = "clients",
    request_body = CreateClientRequest,
    responses(
        (status = 201, description = "Created", body = ClientDto),
        (status = 409, description = "Another client has this phone (`client_exists`, with `client_id`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreateClientRequest = body(json.into_inner())?;
    let input = CreateClientInput {
        name: req.name,
        phone: req.phone,
        email: req.email,
        instagram_username: req.instagram_username,
        notes: req.notes,
        tags: req.tags.unwrap_or_default(),
        status: req.status.map(Into::into),
    };
    match state.crm.create_client().run(caller.tenant(), input).await {
        Ok(client) => Ok(HttpResponse::Created().json(ClientDto::from(client))),
        Err(CreateClientError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreateClientError::PhoneTaken { existing }) => Err(client_exists(existing)),
        Err(CreateClientError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// 409 `client_exists` naming the client that has the phone.
pub(super) fn client_exists(existing: domain::ClientId) -> Problem {
    Problem::conflict(
        "client_exists",
        "another client of the clinic has this phone number",
    )
    .with_extra("client_id", existing.to_string())
}
