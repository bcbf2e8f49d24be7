//! The `text/event-stream` body: events, resets, heartbeats, credential re-checks and the final
//! event at shutdown.

use actix_web::web::Bytes;
use app::auth::{Credential, authorize};
use app::events::{EventStream, StreamItem};
use domain::auth::Principal;
use domain::events::Event;
use futures_util::Stream;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::Arc;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at};

use crate::state::AppState;

/// What the body needs for its whole life.
pub(super) struct Streaming {
    pub stream: EventStream,
    pub state: Arc<AppState>,
    pub credential: Credential,
    pub principal: Principal,
}

struct Body {
    s: Streaming,
    heartbeat: Interval,
    recheck: Interval,
    started: bool,
    done: bool,
}

/// The body as a stream of chunks; it ends after a final event (shutdown, revoked credential)
/// or when the log cannot be read (the client reconnects with its last id).
pub(super) fn body(s: Streaming) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let timing = s.state.event_timing;
    let tick = |every| {
        let mut i = interval_at(Instant::now() + every, every);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    };
    let body = Body {
        heartbeat: tick(timing.heartbeat),
        recheck: tick(timing.recheck),
        s,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(body, |mut b| async move {
        if b.done {
            return None;
        }
        let chunk = b.next_chunk().await;
        Some((Ok(Bytes::from(chunk)), b))
    })
}

impl Body {
    async fn next_chunk(&mut self) -> String {
        if !self.started {
            self.started = true;
            let retry = self.s.state.event_timing.retry_ms;
            let last = self.s.stream.last_id();
            return format!(
                "retry: {retry}\n{}",
                frame(Some(last), "ready", &json!({ "last_event_id": last }))
            );
        }
        tokio::select! {
            item = self.s.stream.next() => match item {
                Ok(StreamItem::Event(e)) => event_frame(&e),
                Ok(StreamItem::Reset { newest }) => frame(
                    Some(newest),
                    "reset",
                    &json!({ "reason": "missed_events", "last_event_id": newest }),
                ),
                Ok(StreamItem::End) => self.end("shutdown"),
                Err(e) => {
                    tracing::warn!(error = %e, "event stream could not read the log");
                    self.end("unavailable")
                }
            },
            _ = self.heartbeat.tick() => ": keepalive\n\n".to_owned(),
            _ = self.recheck.tick() => {
                if self.still_allowed().await {
                    // Nothing to send: the next chunk is whatever comes first after this.
                    ":\n\n".to_owned()
                } else {
                    self.end("unauthorized")
                }
            }
        }
    }

    /// Whether the credential still names the same member (or token) of the same clinic with the
    /// same role, and still allows reading.
    async fn still_allowed(&self) -> bool {
        match authorize(&self.s.state.deps, self.s.credential.clone()).await {
            Ok(a) => {
                let p = &a.principal;
                p.company_id == self.s.principal.company_id
                    && p.user_id == self.s.principal.user_id
                    && p.role == self.s.principal.role
                    && a.grant.scopes.allows(domain::auth::Scope::Read)
            }
            // A provider outage is not a revocation: keep the stream and ask again later.
            Err(app::auth::AuthorizeError::ProviderUnavailable(_)) => true,
            Err(_) => false,
        }
    }

    fn end(&mut self, reason: &str) -> String {
        self.done = true;
        frame(None, "end", &json!({ "reason": reason }))
    }
}

fn event_frame(e: &Event) -> String {
    let mut data = json!({
        "type": e.kind.as_str(),
        "created_at": e.created_at,
    });
    if let (Value::Object(d), Value::Object(p)) = (&mut data, &e.payload) {
        for (k, v) in p {
            d.insert(k.clone(), v.clone());
        }
    }
    frame(Some(e.id), e.kind.as_str(), &data)
}

/// One SSE event: `id`, `event` and a one-line JSON `data` (JSON never contains a raw newline).
fn frame(id: Option<i64>, event: &str, data: &Value) -> String {
    let mut out = String::new();
    if let Some(id) = id {
        let _ = writeln!(out, "id: {id}");
    }
    let _ = write!(out, "event: {event}\ndata: {data}\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use domain::events::EventKind;

    #[test]
    fn an_event_is_one_frame_with_its_id_name_and_one_line_of_json() {
        let e = Event {
            id: 42,
            kind: EventKind::MessageCreated,
            conversation_id: None,
            payload: json!({ "message": { "text": "linha 1\nlinha 2" } }),
            created_at: Utc::now(),
        };
        let f = event_frame(&e);
        let lines: Vec<&str> = f.trim_end().lines().collect();
        assert_eq!(lines.len(), 3, "{f}");
        assert_eq!(lines[0], "id: 42");
        assert_eq!(lines[1], "event: message.created");
        let data: Value =
            serde_json::from_str(lines[2].trim_start_matches("data: ")).unwrap_or_default();
        assert_eq!(data["type"], "message.created");
        assert_eq!(data["message"]["text"], "linha 1\nlinha 2");
        assert!(f.ends_with("\n\n"));
    }
}
