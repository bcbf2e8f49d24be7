//! `/api/labels` (the clinic's labels: any member reads them, admins write them) and
//! `/api/conversations/{id}/labels/{label_id}` (any member attaches and detaches them).

pub mod attach;
pub mod dto;
pub mod manage;

use actix_web::web;

/// Registers the label routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/labels")
            .route(web::get().to(manage::list))
            .route(web::post().to(manage::create)),
    )
    .service(
        web::resource("/labels/{id}")
            .route(web::get().to(manage::get))
            .route(web::patch().to(manage::update))
            .route(web::delete().to(manage::delete)),
    )
    .service(web::resource("/conversations/{id}/labels").route(web::get().to(attach::list)))
    .service(
        web::resource("/conversations/{id}/labels/{label_id}")
            .route(web::put().to(attach::attach))
            .route(web::delete().to(attach::detach)),
    );
}

/// 409 `label_exists`.
pub(crate) fn label_exists() -> crate::problem::Problem {
    crate::problem::Problem::conflict(
        "label_exists",
        "the clinic already has a label with this name (ignoring case)",
    )
}
