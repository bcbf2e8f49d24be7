//! `GET /api/services`.

use actix_web::{HttpResponse, web};
use app::catalog::ListServicesError;
use domain::catalog::{ServiceCursor, ServiceFilter};
use domain::page::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ServiceDto, ServiceList};
use crate::crm::QueryParser;
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<ServiceCursor> = List::new("services");

/// `?active=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ServiceListQuery {
    /// `true` or `false`: only active or only inactive services.
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// The clinic's services, by name.
///
/// # Errors
/// 401, 422 naming a bad `active`, `limit` or `cursor`.
#[utoipa::path(
    get,
    path = "/api/services",
    tag = "services",
    params(ServiceListQuery),
    responses(
        (status = 200, description = "A page of services", body = ServiceList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<ServiceListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let active: Option<bool> = p.parse("active", query.active.as_deref());
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    let filter = ServiceFilter { active };
    match state
        .crm
        .list_services()
        .run(caller.tenant(), filter, after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(ServiceList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(ServiceDto::from).collect(),
        })),
        Err(ListServicesError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
