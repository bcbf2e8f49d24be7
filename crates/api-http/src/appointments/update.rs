//! `PATCH /api/appointments/{id}`.

use actix_web::{HttpResponse, web};
use app::appointments::{AppointmentPatch, UpdateAppointmentError};
use domain::{AppointmentId, ClientId, ServiceId, UserId};
use uuid::Uuid;

use super::dto::{AppointmentDto, UpdateAppointmentRequest};
use super::slot_taken;
use crate::clients::update::edit_conflict;
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// Reschedules, reassigns, changes the status of, or annotates an appointment under the status
/// rules (`docs/domain-rules.md`).
///
/// # Errors
/// 401, 404 `not_found`, 409 `slot_taken` / `edit_conflict`, 422 naming each bad field.
#[utoipa::path(
    patch,
    path = "/api/appointments/{id}",
    tag = "appointments",
    params(("id" = Uuid, Path, description = "Appointment id")),
    request_body = UpdateAppointmentRequest,
    responses(
        (status = 200, description = "Updated", body = AppointmentDto),
        (status = 404, description = "No such appointment in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Slot taken or changed concurrently", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or a broken status rule", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdateAppointmentRequest = body(json.into_inner())?;
    let patch = AppointmentPatch {
        client_id: req.client_id.map(ClientId),
        service_id: req.service_id.map(ServiceId),
        user_id: req.user_id.map(|u| u.map(UserId)),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        status: req.status.map(Into::into),
        notes: req.notes,
    };
    let id = AppointmentId(id.into_inner());
    match state
        .crm
        .update_appointment()
        .run(caller.tenant(), id, patch)
        .await
    {
        Ok(a) => Ok(HttpResponse::Ok().json(AppointmentDto::from(a))),
        Err(UpdateAppointmentError::NotFound) => Err(Problem::not_found()),
        Err(UpdateAppointmentError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdateAppointmentError::SlotTaken) => Err(slot_taken()),
        Err(UpdateAppointmentError::Conflict) => Err(edit_conflict()),
        Err(UpdateAppointmentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
