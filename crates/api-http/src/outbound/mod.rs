//! Replies through the n8n relay: `POST /api/chat/send`, `POST /api/interactions/{id}/retry`,
//! and n8n's delivery callbacks at `POST /webhooks/n8n/status`.

pub mod callback;
pub mod retry;
pub mod send;

use actix_web::web;

/// Registers the outbox routes inside the `/api` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/chat/send").route(web::post().to(send::send)))
        .service(web::resource("/interactions/{id}/retry").route(web::post().to(retry::retry)));
}

/// Registers `POST /webhooks/n8n/status` (outside the `/api` scope: signed, not session-bound).
pub fn configure_webhooks(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/n8n/status")
            .app_data(web::PayloadConfig::new(crate::webhooks::MAX_BODY))
            .route(web::post().to(callback::status)),
    );
}
