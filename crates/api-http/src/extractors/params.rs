//! `web::Path` and `web::Query` rejections.

use actix_web::web;

use super::serde_message;
use crate::problem::Problem;

/// `PathConfig` for the app: a path that does not parse (e.g. `not-a-uuid` where an id goes)
/// names no resource, so it is a 404 like any unknown id.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        tracing::debug!(error = %err, "path parameters rejected");
        Problem::not_found().into()
    })
}

/// `QueryConfig` for the app: a bad query is 422 `validation_failed`, naming the parameter when
/// serde's message does.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let actix_web::error::QueryPayloadError::Deserialize(inner) = &err else {
            return Problem::validation(Vec::new()).into();
        };
        Problem::validation(vec![serde_message::field_error("", &inner.to_string())])
            .with_detail("invalid query string")
            .into()
    })
}
