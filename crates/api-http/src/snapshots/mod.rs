//! `/api/snapshots` and `/api/clients/{id}/snapshots`: the analyst agent's context snapshots of
//! a patient (any member or API token, so n8n's reply agent can read them).

pub mod dto;
pub mod generate;
pub mod read;

use actix_web::web;

/// Registers the snapshot routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/snapshots/generate").route(web::post().to(generate::generate)))
        .service(web::resource("/snapshots/{id}").route(web::get().to(read::get)))
        .service(web::resource("/clients/{id}/snapshots").route(web::get().to(read::history)));
}
