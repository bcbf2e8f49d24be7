//! Test-only routes. Nothing here exists in production.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, HttpResponse, web};
use api_http::{Problem, RequestId};
use garde::Validate;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateThing {
    #[garde(length(chars, min = 1, max = 10))]
    pub name: String,
    #[garde(range(max = 150))]
    pub age: u32,
    #[garde(inner(length(chars, min = 1)))]
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<u32>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/test")
            .route("/things", web::post().to(create_thing))
            .route("/things", web::get().to(list_things))
            .route("/things/{id}", web::get().to(get_thing))
            .route("/boom", web::get().to(boom))
            .route("/adhoc-500", web::get().to(adhoc_500))
            .route("/echo-id", web::get().to(echo_id))
            .route("/tenant", web::get().to(tenant))
            .route("/panic-free-ok", web::get().to(ok)),
    )
    .service(
        web::scope("/guarded")
            .wrap(from_fn(reject_with_err))
            .route("", web::get().to(ok)),
    );
}

async fn create_thing(body: web::Json<CreateThing>) -> Result<HttpResponse, Problem> {
    body.validate()?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "name": body.name })))
}

async fn list_things(query: web::Query<ListQuery>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "limit": query.limit }))
}

async fn get_thing(id: web::Path<Uuid>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "id": id.into_inner() }))
}

async fn boom() -> Result<HttpResponse, Problem> {
    let err = anyhow::anyhow!("connection to db failed: password=hunter2");
    Err(Problem::from_internal(&err.context("loading the thing")))
}

async fn adhoc_500() -> HttpResponse {
    HttpResponse::InternalServerError().body("stack trace with secrets")
}

async fn echo_id(id: RequestId) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "request_id": id.as_str() }))
}

async fn tenant() -> HttpResponse {
    tracing::Span::current().record("company_id", "company-123");
    HttpResponse::Ok().finish()
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// A middleware that fails the way the docs tell future middlewares not to: with `Err`.
async fn reject_with_err(
    _req: ServiceRequest,
    _next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    Err::<ServiceResponse, _>(Problem::unauthenticated().into())
}
