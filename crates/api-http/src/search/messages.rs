//! `GET /api/search/messages`.

use actix_web::{HttpResponse, web};
use app::search::{SearchMessagesError, SearchMessagesQuery};
use domain::page::PageRequest;
use domain::search::{MessageHitCursor, MessageQuery, MessageSearchFilter};
use domain::{Channel, ClientId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{MessageHitDto, MessageHitList};
use crate::crm::QueryParser;
use crate::pagination::List;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<MessageHitCursor> = List::new("search_messages");

/// `?q=&client_id=&channel=&from=&to=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessageSearchQuery {
    /// What to look for, 1 to 200 characters, in Portuguese: accents and case do not matter and
    /// words match their inflections as far as PostgreSQL's Portuguese stemmer goes
    /// (`remarcar` finds "remarcado"). Every word is required; `"posso ir"` is a phrase,
    /// `or` joins alternatives, `-word` excludes, and `remarc*` is a prefix (at least 3
    /// letters, at most 5 prefixes).
    #[param(required = true, value_type = String)]
    pub q: Option<String>,
    /// Only this client's messages.
    #[param(value_type = Option<Uuid>)]
    pub client_id: Option<String>,
    /// Only this channel: `whatsapp`, `instagram`, `email`, `sms` or `internal`.
    pub channel: Option<String>,
    /// Messages that occurred at or after (RFC 3339).
    pub from: Option<String>,
    /// Messages that occurred before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// The clinic's messages matching a full-text query, newest first, with highlighted snippets
/// and the conversation to open; keyset pages. Any member.
///
/// # Errors
/// 401, 422 naming each bad query parameter (`q` missing, blank or too long, a bad prefix, a bad
/// `client_id`, `channel`, `from`, `to` (not after `from`), `limit` or `cursor`).
#[utoipa::path(
    get,
    path = "/api/search/messages",
    tag = "search",
    params(MessageSearchQuery),
    responses(
        (status = 200, description = "A page of matching messages", body = MessageHitList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<MessageSearchQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let text = match query.q.as_deref() {
        None => {
            p.error("q", "required");
            None
        }
        Some(raw) => MessageQuery::parse(raw)
            .map_err(|e| p.error("q", &e.to_string()))
            .ok(),
    };
    let filter = MessageSearchFilter {
        client_id: p
            .parse::<Uuid>("client_id", query.client_id.as_deref())
            .map(ClientId),
        channel: p.parse::<Channel>("channel", query.channel.as_deref()),
        from: p.time("from", query.from.as_deref()),
        to: p.time("to", query.to.as_deref()),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        p.error("to", "must be after from");
    }
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    let query = text.ok_or_else(|| Problem::validation(vec![FieldError::new("q", "required")]))?;
    let request = SearchMessagesQuery {
        query,
        filter,
        after,
        limit,
    };
    match state.search.messages().run(caller.tenant(), request).await {
        Ok(page) => Ok(HttpResponse::Ok().json(MessageHitList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(MessageHitDto::from).collect(),
        })),
        Err(SearchMessagesError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
