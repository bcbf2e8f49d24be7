//! `GET /api/events`: the clinic's live event stream as Server-Sent Events (docs/events.md).

mod sse;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use app::events::{OpenStreamError, StreamOwner, StreamRequest};
use domain::ConversationId;
use domain::events::EventKind;
use serde::Deserialize;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::crm::QueryParser;
use crate::problem::{Problem, ProblemDoc};
use crate::security::credential;
use crate::security::principal::Caller;
use crate::state::AppState;

/// Registers the route inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/events").route(web::get().to(stream)));
}

/// Timing of streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamTiming {
    /// A comment line is sent this often, so proxies keep the connection open.
    pub heartbeat: Duration,
    /// The stream's credential is checked again this often: a stream whose session ended, whose
    /// member was disabled or whose token was revoked is closed within this time.
    pub recheck: Duration,
    /// The `retry:` advice, in milliseconds.
    pub retry_ms: u64,
}

impl Default for StreamTiming {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            recheck: Duration::from_secs(5),
            retry_ms: 3000,
        }
    }
}

/// `?conversation_id=&types=&last_event_id=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events of this conversation.
    #[param(value_type = Option<Uuid>)]
    pub conversation_id: Option<String>,
    /// Only these kinds, comma-separated (`message.created,message.status`).
    pub types: Option<String>,
    /// Start after this event id (a client that cannot send the `Last-Event-ID` header, e.g. on
    /// its first connection); the header wins when both are present.
    #[param(value_type = Option<i64>)]
    pub last_event_id: Option<String>,
}

/// Longest `types` value.
const MAX_TYPES_CHARS: usize = 400;

/// The clinic's events, live, as `text/event-stream`.
///
/// Each event has an `id` (the clinic's, increasing), an `event` name (`message.created`, …) and
/// JSON `data`. Reconnecting with `Last-Event-ID` resumes after that id without loss or
/// duplicates; a `reset` event means the client must re-read its views (the id is older than the
/// retention window, or unknown). See docs/events.md.
///
/// # Errors
/// 401; 422 naming a bad `conversation_id`, `types` or `last_event_id`; 429 `too_many_streams`.
#[utoipa::path(
    get,
    path = "/api/events",
    tag = "events",
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header, description = "The id of the last event received")),
    responses(
        (status = 200, description = "The event stream (`text/event-stream`)", content_type = "text/event-stream", body = String,
            example = json!("retry: 3000\nid: 41\nevent: ready\ndata: {\"last_event_id\":41}\n\nid: 42\nevent: conversation.read\ndata: {\"type\":\"conversation.read\",\"created_at\":\"2026-12-03T12:00:00Z\",\"conversation_id\":\"01938f4e-8a1b-7c3d-9e2f-4a5b6c7d8e9f\",\"read_by\":\"01938f4e-8a1b-7c3d-9e2f-000000000001\",\"read_at\":\"2026-12-03T12:00:00Z\",\"unread_count\":0}\n\n: keepalive\n\n")),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many open streams (`too_many_streams`)", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn stream(
    Caller(caller): Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, Problem> {
    let request = parse(&req, &query)?;
    let owner = match caller.user_id {
        Some(user) => StreamOwner::Member(user),
        None => StreamOwner::Token(token_key(&req)),
    };
    let stream = match state.events.open(caller.company_id, owner, request).await {
        Ok(s) => s,
        Err(OpenStreamError::TooManyForCaller | OpenStreamError::TooManyForClinic) => {
            return Err(Problem::too_many_requests("too_many_streams", 30)
                .with_detail("close another event stream first"));
        }
        Err(OpenStreamError::Unknown(e)) => return Err(Problem::from_internal(&e)),
    };
    let recheck =
        credential::from_request(&req, &state.http).ok_or_else(Problem::unauthenticated)?;
    let body = sse::body(sse::Streaming {
        stream,
        state: state.into_inner(),
        credential: recheck,
        principal: caller,
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Reverse proxies (nginx) must not buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

fn parse(req: &HttpRequest, query: &EventsQuery) -> Result<StreamRequest, Problem> {
    let mut p = QueryParser::default();
    let conversation_id = p
        .parse::<Uuid>("conversation_id", query.conversation_id.as_deref())
        .map(ConversationId);
    let header_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok());
    let last_event_id = match header_id {
        Some(h) => p.parse::<i64>("Last-Event-ID", Some(h)),
        None => p.parse::<i64>("last_event_id", query.last_event_id.as_deref()),
    };
    let kinds = match query.types.as_deref() {
        None => None,
        Some(t) if t.chars().count() > MAX_TYPES_CHARS => {
            p.error("types", "at most 400 characters");
            None
        }
        Some(t) => {
            let parsed: Option<Vec<EventKind>> = t
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(EventKind::parse)
                .collect();
            if parsed.is_none() {
                p.error("types", "unknown event type");
            }
            parsed
        }
    };
    p.finish()?;
    Ok(StreamRequest {
        last_event_id,
        conversation_id,
        kinds,
    })
}

/// A per-node key for a bearer token's stream cap (never stored or logged).
fn token_key(req: &HttpRequest) -> u64 {
    let mut h = DefaultHasher::new();
    credential::bearer(req).hash(&mut h);
    h.finish()
}
