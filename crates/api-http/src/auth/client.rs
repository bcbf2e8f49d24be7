//! Where a request comes from (throttle key, session metadata).

use actix_web::HttpRequest;
use actix_web::http::header;
use app::auth::ClientInfo;

use crate::state::HttpSettings;

/// The client's address and `User-Agent`. The address is the socket peer unless
/// `trust_forwarded` (behind a proxy that sets `Forwarded`/`X-Forwarded-For`).
#[must_use]
pub fn info(req: &HttpRequest, settings: &HttpSettings) -> ClientInfo {
    let ip = if settings.trust_forwarded {
        req.connection_info()
            .realip_remote_addr()
            .map(str::to_owned)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo { ip, user_agent }
}
