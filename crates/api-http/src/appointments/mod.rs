//! `/api/appointments`: bookings of the clinic's professionals.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;

/// Registers the `/appointments` routes inside the `/api` scope (any member or API token).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/appointments")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/appointments/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}

/// 409 `slot_taken`.
pub(crate) fn slot_taken() -> crate::problem::Problem {
    crate::problem::Problem::conflict(
        "slot_taken",
        "the professional already has an appointment at that time",
    )
}
