//! `GET /api/snapshots/{id}` and `GET /api/clients/{id}/snapshots`.

use actix_web::{HttpResponse, web};
use app::snapshots::ReadSnapshotsError;
use domain::page::PageRequest;
use domain::snapshots::SnapshotCursor;
use domain::{ClientId, SnapshotId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{SnapshotDto, SnapshotList};
use crate::crm::QueryParser;
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<SnapshotCursor> = List::new("snapshots");

/// `?limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SnapshotListQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

fn problem(e: ReadSnapshotsError) -> Problem {
    match e {
        ReadSnapshotsError::NotFound => Problem::not_found(),
        ReadSnapshotsError::Unknown(e) => Problem::from_internal(&e),
    }
}

/// One snapshot.
///
/// # Errors
/// 401, 404 `not_found` (also for another clinic's ids).
#[utoipa::path(
    get,
    path = "/api/snapshots/{id}",
    tag = "snapshots",
    params(("id" = Uuid, Path, description = "Snapshot id")),
    responses(
        (status = 200, description = "The snapshot", body = SnapshotDto),
        (status = 404, description = "No such snapshot in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .snapshots
        .get(caller.tenant(), SnapshotId(id.into_inner()))
        .await
    {
        Ok(s) => Ok(HttpResponse::Ok().json(SnapshotDto::from(s))),
        Err(e) => Err(problem(e)),
    }
}

/// A patient's snapshots, newest first (the first is the latest).
///
/// # Errors
/// 401, 404 (unknown client, also another clinic's), 422 naming each bad query parameter.
#[utoipa::path(
    get,
    path = "/api/clients/{id}/snapshots",
    tag = "snapshots",
    params(("id" = Uuid, Path, description = "Client id"), SnapshotListQuery),
    responses(
        (status = 200, description = "A page of snapshots", body = SnapshotList),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<SnapshotListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    match state
        .snapshots
        .history(caller.tenant(), ClientId(id.into_inner()), after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(SnapshotList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(SnapshotDto::from).collect(),
        })),
        Err(e) => Err(problem(e)),
    }
}
