//! `/api/search`: full-text search over the clinic's messages (any member or API token with
//! `read`).

pub mod dto;
pub mod examples;
pub mod messages;

use actix_web::web;

/// Registers the `/search` routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search/messages").route(web::get().to(messages::search)));
}
