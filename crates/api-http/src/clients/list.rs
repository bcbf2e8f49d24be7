//! `GET /api/clients`.

use actix_web::{HttpResponse, web};
use app::clients::{ListClientsError, ListClientsQuery};
use domain::clients::{ClientCursor, ClientStatus};
use domain::page::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ClientDto, ClientList};
use crate::crm::QueryParser;
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<ClientCursor> = List::new("clients");

/// Longest search text.
const MAX_Q_CHARS: usize = 200;

/// Longest tag (as stored).
const MAX_TAG_CHARS: usize = 50;

/// `?q=&status=&tag=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClientListQuery {
    /// Name (case- and accent-insensitive, partial), e-mail, Instagram username, or phone
    /// digits in any formatting (with or without +55 or the ninth digit). Up to 200 characters.
    pub q: Option<String>,
    /// `lead`, `active` or `inactive`.
    pub status: Option<String>,
    /// Only clients with this tag: one whole tag, ignoring case (`?tag=botox` finds `Botox`, not
    /// `botox-2`). 1 to 50 characters.
    pub tag: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// The clinic's clients, newest first, optionally searched and filtered.
///
/// # Errors
/// 401, 422 naming a bad `q`, `status`, `tag`, `limit` or `cursor`.
#[utoipa::path(
    get,
    path = "/api/clients",
    tag = "clients",
    params(ClientListQuery),
    responses(
        (status = 200, description = "A page of clients", body = ClientList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<ClientListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let status: Option<ClientStatus> = p.parse("status", query.status.as_deref());
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    if query
        .q
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_Q_CHARS)
    {
        p.error("q", "at most 200 characters");
    }
    if query
        .tag
        .as_ref()
        .is_some_and(|t| t.trim().is_empty() || t.trim().chars().count() > MAX_TAG_CHARS)
    {
        p.error("tag", "1 to 50 characters");
    }
    p.finish()?;
    let request = ListClientsQuery {
        q: query.q.clone(),
        status,
        tag: query.tag.clone(),
        after,
        limit,
    };
    match state.crm.list_clients().run(caller.tenant(), request).await {
        Ok(page) => Ok(HttpResponse::Ok().json(ClientList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(ClientDto::from).collect(),
        })),
        Err(ListClientsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
