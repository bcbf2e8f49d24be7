//! `GET /api/reports/overview`: the clinic's numbers (`docs/reports.md`), as JSON or as one CSV
//! table at a time.

pub mod csv;
pub mod dto;
pub mod examples;
pub mod handler;

use actix_web::web;

/// Registers the report routes inside the `/api` scope (admins).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/overview").route(web::get().to(handler::overview)));
}
