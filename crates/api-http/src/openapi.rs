//! The OpenAPI document, generated from the handlers' annotations and served as JSON.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::problem::{FieldError, Problem, ProblemDoc};

/// The API description. Each feature module adds its handlers to `paths(...)`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atende API",
        description = "Multi-tenant clinic CRM. Errors are RFC 9457 `application/problem+json`."
    ),
    paths(crate::health::healthz, crate::health::readyz, openapi_json),
    components(schemas(ProblemDoc, FieldError, crate::health::HealthStatus)),
    tags((name = "health", description = "Liveness and readiness probes"),
         (name = "meta", description = "This document"))
)]
pub struct ApiDoc;

/// Serialised once: the document is static for the life of the process.
static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string()));

/// Registers `GET /api/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/openapi.json").route(web::get().to(openapi_json)));
}

/// The OpenAPI 3.1 document of this API.
///
/// # Errors
/// 500 if the document could not be serialised (a programming error).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Result<HttpResponse, Problem> {
    match &*DOCUMENT {
        Ok(json) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(json.clone())),
        Err(err) => Err(Problem::from_internal(err)),
    }
}
