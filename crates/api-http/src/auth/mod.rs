//! `/auth/*`: sign-in, sign-out (one session or all), the current account and its clinics,
//! switching clinic, accepting an invitation, changing and resetting a password.

pub mod accept_invite;
pub mod client;
pub mod cookie;
pub mod dto;
pub mod me;
pub mod password;
pub mod signin;
pub mod signout;
pub mod switch;

use actix_web::web;

use crate::problem::Problem;

/// Registers the `/auth` routes (public, or checking their own session credential).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/signin").route(web::post().to(signin::signin)))
        .service(web::resource("/auth/signout").route(web::post().to(signout::signout)))
        .service(web::resource("/auth/signout-all").route(web::post().to(signout::signout_all)))
        .service(web::resource("/auth/me").route(web::get().to(me::me)))
        .service(web::resource("/auth/switch-clinic").route(web::post().to(switch::switch)))
        .service(web::resource("/auth/password").route(web::post().to(password::change)))
        .service(web::resource("/auth/reset-password").route(web::post().to(password::reset)))
        .service(
            web::resource("/auth/accept-invite")
                .route(web::post().to(accept_invite::accept_invite)),
        );
}

/// 503 `busy` with `Retry-After`: password hashing is saturated (nothing was checked).
pub(crate) fn busy(retry_after_secs: u64) -> Problem {
    Problem::service_unavailable(
        "busy",
        "the server is busy checking passwords; retry shortly",
    )
    .with_retry_after(retry_after_secs)
}
