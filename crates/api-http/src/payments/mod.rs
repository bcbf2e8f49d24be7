//! `/api/payments`: what patients paid or owe, and how.

pub mod dto;
pub mod examples;
pub mod handlers;

use actix_web::web;

/// Registers the `/payments` routes inside the `/api` scope (any member or API token).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/payments")
            .route(web::get().to(handlers::list))
            .route(web::post().to(handlers::create)),
    )
    .service(
        web::resource("/payments/{id}")
            .route(web::get().to(handlers::get))
            .route(web::patch().to(handlers::update)),
    );
}
