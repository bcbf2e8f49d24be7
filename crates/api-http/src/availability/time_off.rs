//! `GET/POST /api/time-off`, `GET/PATCH/DELETE /api/time-off/{id}`.

use actix_web::{HttpResponse, web};
use app::availability::{
    CreateTimeOffError, DeleteTimeOffError, GetTimeOffError, ListTimeOffError, TimeOffInput,
    TimeOffPatch, UpdateTimeOffError,
};
use domain::UserId;
use domain::availability::{TimeOffCursor, TimeOffFilter, TimeOffId};
use domain::page::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{CreateTimeOffRequest, TimeOffDto, TimeOffList, UpdateTimeOffRequest};
use crate::clients::update::edit_conflict;
use crate::crm::{QueryParser, body};
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::{Admin, Caller};
use crate::state::AppState;

/// The list's cursors.
const LIST: List<TimeOffCursor> = List::new("time_off");

/// `?user_id=&from=&to=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimeOffQuery {
    /// Of this member (staff: only themselves, the default for them).
    #[param(value_type = Option<Uuid>)]
    pub user_id: Option<String>,
    /// Ending after (RFC 3339).
    pub from: Option<String>,
    /// Starting before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// Time off by start: admins see everyone's, a member their own.
///
/// # Errors
/// 401, 403 `forbidden` (another member's, for staff), 422 naming each bad parameter.
#[utoipa::path(
    get,
    path = "/api/time-off",
    tag = "availability",
    operation_id = "time_off_list",
    params(TimeOffQuery),
    responses(
        (status = 200, description = "A page of time off", body = TimeOffList),
        (status = 403, description = "Staff may list only their own", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<TimeOffQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let filter = TimeOffFilter {
        user_id: p
            .parse::<Uuid>("user_id", query.user_id.as_deref())
            .map(UserId),
        from: p.time("from", query.from.as_deref()),
        to: p.time("to", query.to.as_deref()),
    };
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    match state
        .agenda
        .list_time_off()
        .run(caller, filter, after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(TimeOffList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(TimeOffDto::from).collect(),
        })),
        Err(ListTimeOffError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(ListTimeOffError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Records a member's time off (admin only). Appointments already inside it stay; availability
/// stops offering the time.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 422 naming each bad field (an unknown member included).
#[utoipa::path(
    post,
    path = "/api/time-off",
    tag = "availability",
    operation_id = "time_off_create",
    request_body = CreateTimeOffRequest,
    responses(
        (status = 201, description = "Recorded", body = TimeOffDto),
        (status = 403, description = "Staff may not record time off", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown member", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreateTimeOffRequest = body(json.into_inner())?;
    let input = TimeOffInput {
        user_id: UserId(req.user_id),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        reason: req.reason,
    };
    match state
        .agenda
        .create_time_off()
        .run(caller.tenant(), input)
        .await
    {
        Ok(t) => Ok(HttpResponse::Created().json(TimeOffDto::from(t))),
        Err(CreateTimeOffError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreateTimeOffError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// One time-off entry: admins read anyone's, a member their own.
///
/// # Errors
/// 401, 403 `forbidden` (another member's, for staff), 404 `not_found` (also for another
/// clinic's ids).
#[utoipa::path(
    get,
    path = "/api/time-off/{id}",
    tag = "availability",
    operation_id = "time_off_get",
    params(("id" = Uuid, Path, description = "Time-off id")),
    responses(
        (status = 200, description = "The entry", body = TimeOffDto),
        (status = 403, description = "Staff may read only their own", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such entry in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .agenda
        .get_time_off()
        .run(caller, TimeOffId(id.into_inner()))
        .await
    {
        Ok(t) => Ok(HttpResponse::Ok().json(TimeOffDto::from(t))),
        Err(GetTimeOffError::Forbidden) => Err(Problem::forbidden("forbidden")),
        Err(GetTimeOffError::NotFound) => Err(Problem::not_found()),
        Err(GetTimeOffError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Changes a time-off entry (admin only).
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404 `not_found`, 409 `edit_conflict`, 422 naming each bad field.
#[utoipa::path(
    patch,
    path = "/api/time-off/{id}",
    tag = "availability",
    operation_id = "time_off_update",
    params(("id" = Uuid, Path, description = "Time-off id")),
    request_body = UpdateTimeOffRequest,
    responses(
        (status = 200, description = "Updated", body = TimeOffDto),
        (status = 403, description = "Staff may not change time off", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such entry in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently (`edit_conflict`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdateTimeOffRequest = body(json.into_inner())?;
    let patch = TimeOffPatch {
        user_id: req.user_id.map(UserId),
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        reason: req.reason,
    };
    match state
        .agenda
        .update_time_off()
        .run(caller.tenant(), TimeOffId(id.into_inner()), patch)
        .await
    {
        Ok(t) => Ok(HttpResponse::Ok().json(TimeOffDto::from(t))),
        Err(UpdateTimeOffError::NotFound) => Err(Problem::not_found()),
        Err(UpdateTimeOffError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdateTimeOffError::Conflict) => Err(edit_conflict()),
        Err(UpdateTimeOffError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Removes a time-off entry (admin only).
///
/// # Errors
/// 401, 403 `forbidden` (staff), 404 `not_found`.
#[utoipa::path(
    delete,
    path = "/api/time-off/{id}",
    tag = "availability",
    operation_id = "time_off_delete",
    params(("id" = Uuid, Path, description = "Time-off id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Staff may not remove time off", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such entry in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .agenda
        .delete_time_off()
        .run(caller.tenant(), TimeOffId(id.into_inner()))
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(DeleteTimeOffError::NotFound) => Err(Problem::not_found()),
        Err(DeleteTimeOffError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
