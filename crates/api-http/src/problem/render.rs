//! Rendering a [`Problem`] as an `application/problem+json` response.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};

use super::{PROBLEM_JSON, Problem};
use crate::request_id::RequestId;

/// Response extension carrying the problem code, so the request log can report it after the
/// error itself has been detached from the response (see `middleware::problem_fallback`).
#[derive(Debug, Clone)]
pub(crate) struct ProblemCode(pub(crate) Cow<'static, str>);

impl Problem {
    /// The JSON body, with `request_id` when one is known.
    pub fn body(&self, request_id: Option<&RequestId>) -> Map<String, Value> {
        // Extensions first, so the standard members below overwrite any clash.
        let mut body = self.extra.clone();
        body.insert("type".into(), format!("/problems/{}", self.code).into());
        body.insert("title".into(), self.title.as_ref().into());
        body.insert("status".into(), self.status.as_u16().into());
        if let Some(detail) = &self.detail {
            body.insert("detail".into(), detail.as_str().into());
        }
        body.insert("code".into(), self.code.as_ref().into());
        if let Some(id) = request_id {
            body.insert("request_id".into(), id.as_str().into());
        }
        if !self.errors.is_empty() {
            let errors = self
                .errors
                .iter()
                .map(|e| serde_json::json!({ "field": e.field, "message": e.message }))
                .collect();
            body.insert("errors".into(), Value::Array(errors));
        }
        body
    }

    /// The full response for `request_id`; [`ResponseError::error_response`] calls this with the
    /// id of the request being served.
    pub fn to_response(&self, request_id: Option<&RequestId>) -> HttpResponse {
        let body = Value::Object(self.body(request_id)).to_string();
        let mut response = HttpResponse::build(self.status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .body(body);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
            .extensions_mut()
            .insert(ProblemCode(self.code.clone()));
        response
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// Reads the request id from the task-local scope that `request_id::middleware` sets around
    /// the whole request, which is where actix turns handler and extractor errors into responses.
    fn error_response(&self) -> HttpResponse {
        self.to_response(RequestId::current().as_ref())
    }
}

/// Whether the headers already declare a problem body.
pub(crate) fn is_problem_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}
