//! `/api/users` (admin only): the clinic's members.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;

/// Registers the `/users` routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/users/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}
