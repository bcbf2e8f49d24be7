//! `/api/api-tokens` (admin only): bearer tokens for n8n and other services.

pub mod create;
pub mod dto;
pub mod list;
pub mod revoke;

use actix_web::web;

/// Registers the `/api-tokens` routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api-tokens")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(web::resource("/api-tokens/{id}").route(web::delete().to(revoke::revoke)));
}
