//! `GET /api/appointments/{id}`.

use actix_web::{HttpResponse, web};
use app::appointments::GetAppointmentError;
use domain::AppointmentId;
use uuid::Uuid;

use super::dto::AppointmentDto;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// One appointment.
///
/// # Errors
/// 401, 404 `not_found` (also for another clinic's ids).
#[utoipa::path(
    get,
    path = "/api/appointments/{id}",
    tag = "appointments",
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = AppointmentDto),
        (status = 404, description = "No such appointment in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = AppointmentId(id.into_inner());
    match state.crm.get_appointment().run(caller.tenant(), id).await {
        Ok(a) => Ok(HttpResponse::Ok().json(AppointmentDto::from(a))),
        Err(GetAppointmentError::NotFound) => Err(Problem::not_found()),
        Err(GetAppointmentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
