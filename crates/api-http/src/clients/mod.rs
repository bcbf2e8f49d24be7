//! `/api/clients`: the clinic's patients and leads, with their channel identities.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;

/// Registers the `/clients` routes inside the `/api` scope (any member or API token).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/clients")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/clients/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}
