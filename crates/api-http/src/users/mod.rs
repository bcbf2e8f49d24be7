//! `/api/users` (admin only): the clinic's members, their invitations and password resets.

pub mod create;
pub mod dto;
pub mod get;
pub mod invite;
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
    )
    .service(web::resource("/users/{id}/invite").route(web::post().to(invite::reinvite)))
    .service(
        web::resource("/users/{id}/password-reset").route(web::post().to(invite::password_reset)),
    );
}
