//! `/api/integrations` (admin only): a clinic's channel accounts and their encrypted secrets.

pub mod create;
pub mod dto;
pub mod get;
pub mod list;
pub mod update;

use actix_web::web;
use app::crm::FieldIssue;

use crate::problem::{FieldError, Problem};

/// Registers the `/integrations` routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/integrations")
            .route(web::get().to(list::list))
            .route(web::post().to(create::create)),
    )
    .service(
        web::resource("/integrations/{id}")
            .route(web::get().to(get::get))
            .route(web::patch().to(update::update)),
    );
}

/// 422 `validation_failed` with one error per field issue.
fn invalid(issues: Vec<FieldIssue>) -> Problem {
    Problem::validation(
        issues
            .into_iter()
            .map(|i| FieldError::new(i.field, i.message))
            .collect(),
    )
}
