//! `/api/availability`, `/api/schedules` and `/api/time-off`: free slots, members' weekly
//! schedules and time off (`docs/domain-rules.md`, "Availability").

pub mod dto;
pub mod examples;
pub mod schedules;
pub mod slots;
pub mod time_off;

use actix_web::web;

/// Registers the routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/availability").route(web::get().to(slots::availability)))
        .service(web::resource("/schedules").route(web::get().to(schedules::list)))
        .service(
            web::resource("/schedules/{id}")
                .route(web::get().to(schedules::get))
                .route(web::put().to(schedules::put))
                .route(web::delete().to(schedules::delete)),
        )
        .service(
            web::resource("/time-off")
                .route(web::get().to(time_off::list))
                .route(web::post().to(time_off::create)),
        )
        .service(
            web::resource("/time-off/{id}")
                .route(web::get().to(time_off::get))
                .route(web::patch().to(time_off::update))
                .route(web::delete().to(time_off::delete)),
        );
}
