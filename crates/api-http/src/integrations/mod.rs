//! `/api/integrations` (admin only): a clinic's channel accounts and their encrypted secrets.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;

/// Registers the `/integrations` routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/integrations")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/integrations/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}
