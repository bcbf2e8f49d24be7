//! `/api/summary/home`, `/api/inbox/summary` and `/api/settings`: what the frontend reads.

pub mod home;
pub mod profile;
pub mod settings;

use actix_web::web;

/// Registers the read routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/summary/home").route(web::get().to(home::home)))
        .service(web::resource("/inbox/summary").route(web::get().to(home::inbox)))
        .service(web::resource("/clients/{id}/profile").route(web::get().to(profile::profile)))
        .service(
            web::resource("/settings")
                .route(web::get().to(settings::get))
                .route(web::patch().to(settings::update)),
        );
}
