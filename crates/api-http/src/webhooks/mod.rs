//! `/webhooks/*`: signed inbound deliveries from the n8n relay and from Meta (public routes:
//! authenticated by their signatures, not by sessions).

pub mod handlers;
pub mod limiter;

use actix_web::web;

/// The largest delivery accepted (413 above).
pub const MAX_BODY: usize = 256 * 1024;

/// Registers the webhook routes (outside the `/api` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/whatsapp")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route(web::post().to(handlers::whatsapp))
            .route(web::get().to(handlers::verify_whatsapp)),
    )
    .service(
        web::resource("/webhooks/instagram")
            .app_data(web::PayloadConfig::new(MAX_BODY))
            .route(web::post().to(handlers::instagram))
            .route(web::get().to(handlers::verify_instagram)),
    );
}
