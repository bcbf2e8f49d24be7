//! `GET /api/schedules`, `GET/PUT/DELETE /api/schedules/{id}`.

use actix_web::{HttpResponse, web};
use app::availability::{
    DeleteScheduleError, GetScheduleError, ListSchedulesError, PutScheduleError,
};
use domain::UserId;
use uuid::Uuid;

use super::dto::{PutScheduleRequest, ScheduleDto, ScheduleList};
use crate::crm::body;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::{Admin, Caller};
use crate::state::AppState;

/// Every member's weekly schedule (admin only): the clinic's bookable professionals.
///
/// # Errors
/// 401, 403 `forbidden` (staff).
#[utoipa::path(
    get,
    path = "/api/schedules",
    tag = "availability",
    operation_id = "schedules_list",
    responses(
        (status = 200, description = "The schedules, by member id", body = ScheduleList),
        (status = 403, description = "Staff may not list schedules", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Admin(caller): Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    match state.agenda.list_schedules().run(caller.tenant()).await {
        Ok(list) => Ok(HttpResponse::Ok().json(ScheduleList {
            data: list.into_iter().map(ScheduleDto::from).collect(),
        })),
        Err(ListSchedulesError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// One member's weekly schedule: admins read anyone's, a member their own.
///
/// # Errors
/// 401, 403 `forbidden` (another member's, for staff), 404 `not_found` (no such member in this
/// clinic, or no schedule).
#[utoipa::path(
    get,
    path = "/api/schedules/{id}",
    tag = "availability",
    operation_id = "schedules_get",
    params(("id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 200, description = "The schedule", body = ScheduleDto),
        (status = 403, description = "Staff may read only their own", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No schedule for this member of this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let user = UserId(id.into_inner());
    match state.agenda.get_schedule().run(caller, user).await {
        Ok(s) => Ok(HttpResponse::Ok().json(ScheduleDto::from(s))),
        Err(GetScheduleError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(GetScheduleError::NotFound) => Err(Problem::not_found()),
        Err(GetScheduleError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Creates or replaces a member's weekly schedule (admin only); the member becomes bookable.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404 `not_found` (no such member in this clinic), 422 naming
/// each bad range (`weekly_hours.mon[0]`).
#[utoipa::path(
    put,
    path = "/api/schedules/{id}",
    tag = "availability",
    operation_id = "schedules_put",
    params(("id" = Uuid, Path, description = "Member id")),
    request_body = PutScheduleRequest,
    responses(
        (status = 200, description = "The stored schedule", body = ScheduleDto),
        (status = 403, description = "Staff may not change schedules", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such member in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid hours; nothing changed", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn put(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: PutScheduleRequest = body(json.into_inner())?;
    let user = UserId(id.into_inner());
    match state
        .agenda
        .put_schedule()
        .run(caller.tenant(), user, req.weekly_hours)
        .await
    {
        Ok(s) => Ok(HttpResponse::Ok().json(ScheduleDto::from(s))),
        Err(PutScheduleError::NotFound) => Err(Problem::not_found()),
        Err(PutScheduleError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(PutScheduleError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Removes a member's schedule (admin only): they are no longer offered. Their appointments stay.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404 `not_found`.
#[utoipa::path(
    delete,
    path = "/api/schedules/{id}",
    tag = "availability",
    operation_id = "schedules_delete",
    params(("id" = Uuid, Path, description = "Member id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Staff may not change schedules", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No schedule for this member of this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let user = UserId(id.into_inner());
    match state
        .agenda
        .delete_schedule()
        .run(caller.tenant(), user)
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(DeleteScheduleError::NotFound) => Err(Problem::not_found()),
        Err(DeleteScheduleError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
