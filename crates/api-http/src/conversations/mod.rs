//! `/api/conversations` and `/api/interactions`: threads and their messages.

pub mod dto;
pub mod handlers;
pub mod notes;
pub mod record;

use actix_web::web;

/// Registers the conversation routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/conversations/start").route(web::post().to(handlers::start)))
        .service(web::resource("/conversations").route(web::get().to(handlers::list)))
        .service(web::resource("/conversations/{id}").route(web::get().to(handlers::view)))
        .service(web::resource("/conversations/{id}/close").route(web::patch().to(handlers::close)))
        .service(web::resource("/conversations/{id}/read").route(web::post().to(handlers::read)))
        .service(web::resource("/conversations/{id}/notes").route(web::post().to(notes::add)))
        .service(web::resource("/interactions").route(web::post().to(record::record)));
}
