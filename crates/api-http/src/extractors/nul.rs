//! `\u0000` in a JSON request body. PostgreSQL stores neither a NUL in `text` nor `\u0000` in
//! `jsonb`, so a string carrying one used to fail deep inside a transaction (a 500 found by a
//! fuzzer on `POST /api/integrations`). Refused once for every JSON body, before any handler:
//! 422 `validation_failed` naming the field, and nothing is changed.
//!
//! Registered in [`crate::app`] twice: inside the `/api` scope behind the gate (an anonymous
//! request's body is never read), and on the app for the other public JSON routes (`/auth/*`).
//! Webhook deliveries are not refused here: their text is cleaned by the inbound use cases, so a
//! delivery is never poison (a 4xx would be retried forever by n8n and Meta).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::Stream;
use futures_util::StreamExt;
use serde_json::Value;
use std::pin::Pin;

use super::json::JSON_LIMIT;
use crate::problem::{FieldError, Problem};

/// What a refused field is told.
pub const NUL_MESSAGE: &str = "must not contain the NUL character (\\u0000)";

/// The `/api` scope's guard: every JSON body is checked (see the module docs).
///
/// # Errors
/// Passes inner `Err`s through unchanged.
pub async fn reject_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    guard(req, next).await
}

/// The app-level guard: JSON bodies of routes outside `/api` (checked by [`reject_nul`] behind
/// the gate) and `/webhooks` (cleaned by the inbound use cases).
///
/// # Errors
/// Passes inner `Err`s through unchanged.
pub async fn reject_nul_outside_api(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/webhooks/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    guard(req, next).await
}

async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !is_json(&req) || declared_too_large(&req) {
        // Not JSON (the extractor answers 415) or over the limit (413): nothing to look at.
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Ok(req.error_response(Problem::malformed_json(
                "the request body could not be read",
            )));
        };
        body.extend_from_slice(&chunk);
        if body.len() > JSON_LIMIT {
            // A chunked body over the limit: hand the extractor what was read and the rest, so
            // it answers 413 exactly as without this guard.
            let read = futures_util::stream::once(std::future::ready(Ok(body.freeze())));
            let rest: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
                Box::pin(read.chain(payload));
            req.set_payload(Payload::from(rest));
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
    }
    let body = body.freeze();
    if let Some(field) = nul_field(&body) {
        tracing::debug!(field = %field, "JSON body with a NUL character refused");
        let problem = Problem::validation(vec![FieldError::new(field, NUL_MESSAGE)]);
        return Ok(req.error_response(problem));
    }
    req.set_payload(Payload::from(body));
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn is_json(req: &ServiceRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|m| {
        m.subtype().as_str() == "json" || m.suffix().is_some_and(|s| s.as_str() == "json")
    })
}

fn declared_too_large(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > JSON_LIMIT)
}

/// The field (`config.note`, `items[2]`, `` for the root) holding the first string or key with a
/// NUL, when `body` is JSON with one. Bodies without the escape are not parsed at all; a body
/// that is not JSON is left for the extractor to refuse.
#[must_use]
pub fn nul_field(body: &[u8]) -> Option<String> {
    // A raw NUL byte is not valid JSON (the extractor refuses it); only the escape can carry one.
    const ESCAPE: &[u8] = b"\\u0000";
    if !body.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    find(&value, String::new())
}

fn find(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.replace('\0', "")
            } else {
                format!("{path}.{}", k.replace('\0', ""))
            };
            if k.contains('\0') {
                Some(here)
            } else {
                find(v, here)
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_at_any_depth_and_ignores_escaped_backslashes() {
        assert_eq!(nul_field(br#"{"a": "x\u0000"}"#).as_deref(), Some("a"));
        assert_eq!(
            nul_field(br#"{"config": {"list": [1, "ok", "b\u0000d"]}}"#).as_deref(),
            Some("config.list[2]")
        );
        assert_eq!(
            nul_field(br#"{"config": {"k\u0000": 1}}"#).as_deref(),
            Some("config.k")
        );
        assert_eq!(nul_field(br#""\u0000""#).as_deref(), Some(""));
        // `\\u0000` is a backslash followed by "u0000": no NUL.
        assert_eq!(nul_field(br#"{"a": "\\u0000"}"#), None);
        assert_eq!(nul_field(br#"{"a": "fine"}"#), None);
        assert_eq!(nul_field(b"{not json \\u0000"), None);
    }
}
