//! `web::Json<T>` rejections: 415 wrong media type, 413 too large, 400 not JSON at all,
//! 422 well-formed JSON that does not fit the DTO.

use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::web;
use serde_json::error::Category;

use super::serde_message;
use crate::problem::Problem;

/// Largest JSON body accepted (256 KiB): DTOs are small; media goes elsewhere.
pub const JSON_LIMIT: usize = 256 * 1024;

/// `JsonConfig` for the app: size limit, `application/json` (or `+json`) required, problem+json
/// errors.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .content_type_required(true)
        .error_handler(|err, _req| json_problem(err).into())
}

fn json_problem(err: JsonPayloadError) -> Problem {
    match err {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => Problem::payload_too_large()
            .with_detail(format!("the JSON body must not exceed {JSON_LIMIT} bytes")),
        JsonPayloadError::ContentType => {
            Problem::unsupported_media_type().with_detail("expected Content-Type: application/json")
        }
        JsonPayloadError::Deserialize(err) => deserialize_problem(&err),
        JsonPayloadError::Payload(_) => {
            Problem::malformed_json("the request body could not be read")
        }
        // Serialize errors are never raised while extracting; keep the match total anyway.
        other => Problem::from_internal(&other),
    }
}

/// Syntax and EOF errors mean "not JSON" (400); data errors mean "JSON of the wrong shape" (422).
fn deserialize_problem(err: &serde_json::Error) -> Problem {
    match err.classify() {
        Category::Data => {
            Problem::validation(vec![serde_message::field_error("", &err.to_string())])
        }
        Category::Syntax | Category::Eof | Category::Io => Problem::malformed_json(format!(
            "{} (line {}, column {})",
            serde_message::strip_position(&err.to_string()),
            err.line(),
            err.column()
        )),
    }
}
