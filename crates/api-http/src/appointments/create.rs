//! `POST /api/appointments`.

use actix_web::{HttpResponse, web};
use app::appointments::{CreateAppointmentError, CreateAppointmentInput};
use domain::{ClientId, ServiceId, UserId};

use super::dto::{AppointmentDto, CreateAppointmentRequest};
use super::slot_taken;
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Books an appointment (or records a past one). Client, service and professional must belong
/// to the caller's clinic; a professional is never double-booked.
///
/// # Errors
/// 401, 409 `slot_taken`, 422 naming each bad field (unknown references included).
#[utoipa::path(
    post,
    path = "/api/appointments",
    tag = "appointments",
    request_body = CreateAppointmentRequest,
    responses(
        (status = 201, description = "Created", body = AppointmentDto),
        (status = 409, description = "The professional is already booked (`slot_taken`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown references or a broken status rule", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreateAppointmentRequest = body(json.into_inner())?;
    let input = CreateAppointmentInput {
        client_id: ClientId(req.client_id),
        service_id: ServiceId(req.service_id),
        user_id: req.user_id.map(UserId),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        status: req.status.map(Into::into),
        notes: req.notes,
    };
    match state
        .crm
        .create_appointment()
        .run(caller.tenant(), input)
        .await
    {
        Ok(a) => Ok(HttpResponse::Created().json(AppointmentDto::from(a))),
        Err(CreateAppointmentError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreateAppointmentError::SlotTaken) => Err(slot_taken()),
        Err(CreateAppointmentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
