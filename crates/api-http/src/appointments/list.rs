//! `GET /api/appointments`.

use actix_web::{HttpResponse, web};
use app::appointments::ListAppointmentsError;
use domain::appointments::{AppointmentCursor, AppointmentFilter, AppointmentStatus};
use domain::page::PageRequest;
use domain::{ClientId, UserId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{AppointmentDto, AppointmentList};
use crate::crm::QueryParser;
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<AppointmentCursor> = List::new("appointments");

/// `?from=&to=&client_id=&user_id=&status=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AppointmentListQuery {
    /// Starting at or after (RFC 3339).
    pub from: Option<String>,
    /// Starting before (RFC 3339).
    pub to: Option<String>,
    /// Of this client.
    #[param(value_type = Option<Uuid>)]
    pub client_id: Option<String>,
    /// Of this professional.
    #[param(value_type = Option<Uuid>)]
    pub user_id: Option<String>,
    /// `scheduled`, `confirmed`, `completed`, `canceled` or `no_show`.
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// The clinic's appointments by start time, filtered.
///
/// # Errors
/// 401, 422 naming each bad query parameter.
#[utoipa::path(
    get,
    path = "/api/appointments",
    tag = "appointments",
    params(AppointmentListQuery),
    responses(
        (status = 200, description = "A page of appointments", body = AppointmentList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<AppointmentListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let filter = AppointmentFilter {
        from: p.time("from", query.from.as_deref()),
        to: p.time("to", query.to.as_deref()),
        client_id: p
            .parse::<Uuid>("client_id", query.client_id.as_deref())
            .map(ClientId),
        user_id: p
            .parse::<Uuid>("user_id", query.user_id.as_deref())
            .map(UserId),
        status: p.parse::<AppointmentStatus>("status", query.status.as_deref()),
    };
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    match state
        .crm
        .list_appointments()
        .run(caller.tenant(), filter, after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(AppointmentList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(AppointmentDto::from).collect(),
        })),
        Err(ListAppointmentsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
