//! `GET /api/services`.

use actix_web::{HttpResponse, web};
use app::catalog::ListServicesError;
use domain::ServiceId;
use domain::catalog::{ServiceCursor, ServiceFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{ServiceDto, ServiceList};
use crate::crm::{QueryParser, encode_cursor};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

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
    /// `next_cursor` of the previous page.
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
    let limit = p.limit(query.limit.as_deref());
    let after = p
        .cursor::<(String, Uuid)>(query.cursor.as_deref())
        .map(|(name, id)| ServiceCursor {
            name,
            id: ServiceId(id),
        });
    p.finish()?;
    let filter = ServiceFilter { active };
    match state
        .crm
        .list_services()
        .run(caller.tenant(), filter, after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(ServiceList {
            next_cursor: page.next.map(|c| encode_cursor(&(c.name, c.id.as_uuid()))),
            data: page.data.into_iter().map(ServiceDto::from).collect(),
        })),
        Err(ListServicesError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
