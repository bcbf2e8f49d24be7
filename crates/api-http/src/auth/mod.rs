//! `/auth/*`: sign-in, sign-out, the current account, accepting an invitation.

pub mod accept_invite;
pub mod client;
pub mod cookie;
pub mod dto;
pub mod me;
pub mod signin;
pub mod signout;

use actix_web::web;

/// Registers the `/auth` routes (public except `/auth/me`, which checks its own credential).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/signin").route(web::post().to(signin::signin)))
        .service(web::resource("/auth/signout").route(web::post().to(signout::signout)))
        .service(web::resource("/auth/me").route(web::get().to(me::me)))
        .service(
            web::resource("/auth/accept-invite")
                .route(web::post().to(accept_invite::accept_invite)),
        );
}
