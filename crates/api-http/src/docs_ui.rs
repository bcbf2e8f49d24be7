//! `GET /docs`: Swagger UI for `/api/openapi.json`.
//!
//! The Swagger UI assets are compiled into the binary (utoipa-swagger-ui's `vendored` feature),
//! so the page works offline and needs no CDN. Public, like the document it shows; the usual
//! security headers (`nosniff`, `no-referrer`, `no-store`) apply. The page loads its scripts
//! from `/docs/*.js` files (no inline script); note that the API sets no CSP today.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::Config;

use crate::problem::Problem;

/// Where the UI reads the document from.
const DOCUMENT_URL: &str = "/api/openapi.json";

/// Registers `GET /docs` (a redirect to `/docs/`) and `GET /docs/{file}` (the page and its
/// assets).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/docs").route(web::get().to(redirect)))
        .service(web::resource("/docs/{file:.*}").route(web::get().to(asset)));
}

/// `GET /docs`: 308 to `/docs/`, so the page's relative asset URLs resolve under `/docs/`.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "meta",
    responses((status = 308, description = "To `/docs/` (header `Location: /docs/`)")),
)]
pub async fn redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// `GET /docs/{file}`: the Swagger UI page (`/docs/`) or one of its bundled assets.
///
/// # Errors
/// 404 `not_found` for a file that is not part of the bundle; 500 if the bundle is unreadable
/// (a build defect).
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "meta",
    params(("file" = String, Path,
        description = "Empty for the page itself (`/docs/`), else a bundled asset such as \
                       `swagger-ui-bundle.js`")),
    responses(
        (status = 200, description = "The Swagger UI page (text/html) or one of its assets \
                                      (JavaScript, CSS, PNG)",
            body = String, content_type = "text/html",
            example = "<!-- HTML for static distribution bundle build -->\n<!DOCTYPE html>…"),
        (status = 404, description = "Not part of the bundle", body = crate::problem::ProblemDoc,
            content_type = "application/problem+json"),
    ),
)]
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, Problem> {
    let config = Arc::new(Config::new([DOCUMENT_URL]));
    match utoipa_swagger_ui::serve(&file, config) {
        Ok(Some(found)) => {
            let mut res = HttpResponse::Ok();
            if found.gzpipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            Ok(res
                .content_type(found.content_type)
                .body(found.bytes.into_owned()))
        }
        Ok(None) => Err(Problem::not_found()),
        Err(err) => Err(Problem::from_internal(&*err)),
    }
}
