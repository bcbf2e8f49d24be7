//! `/api/services`: the clinic's catalogue.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;

/// Registers the `/services` routes inside the `/api` scope (any member or API token).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/services")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/services/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}

/// 409 `service_exists`, naming the service that has the name when known.
pub(crate) fn service_exists(existing: Option<domain::ServiceId>) -> crate::problem::Problem {
    let problem = crate::problem::Problem::conflict(
        "service_exists",
        "the clinic already has a service with this name",
    );
    match existing {
        Some(id) => problem.with_extra("service_id", id.to_string()),
        None => problem,
    }
}
