//! The HTTP side of the metrics: the request middleware (latency histogram and webhook
//! deliveries), `GET /metrics` on the main listener behind a bearer token, and the app of the
//! separate metrics listener.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, Error, HttpRequest, HttpResponse, ResponseError, web};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::Metrics;
use crate::problem::Problem;
use crate::state::AppState;
use crate::webhooks::handlers::HUB_SIGNATURE;

/// The media type of the exposition (OpenMetrics text 1.0.0, scraped natively by Prometheus).
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `route` label of requests that matched no route (their raw path is never recorded).
const UNMATCHED_ROUTE: &str = "unmatched";

/// Who may read `/metrics`, and where (from `ATENDE_METRICS_TOKEN` and `ATENDE_METRICS_BIND`).
#[derive(Clone, Default)]
pub enum MetricsAccess {
    /// Neither is set: `/metrics` is not served at all (404). Metrics are never public.
    #[default]
    Off,
    /// Only the token is set: `/metrics` on the main listener, behind
    /// `Authorization: Bearer <token>` (401 otherwise).
    Bearer(SecretString),
    /// `ATENDE_METRICS_BIND` is set: `/metrics` is served only by [`listener_app`] on that
    /// address, and the main listener does not route it (404).
    SeparateListener,
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Off => "Off",
            Self::Bearer(_) => "Bearer([REDACTED])",
            Self::SeparateListener => "SeparateListener",
        })
    }
}

/// How a webhook delivery ended, when the status alone does not say it. Handlers insert it in
/// their response's extensions; [`middleware`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryOutcome {
    /// Everything in the delivery was already stored or applied: nothing changed.
    Duplicate,
    /// A status callback named no message of the clinic.
    Unmatched,
}

/// Registers `GET /metrics` on the main listener when `access` is [`MetricsAccess::Bearer`];
/// otherwise registers nothing (the route falls through to the 404 of unknown routes).
pub fn configure(cfg: &mut web::ServiceConfig, access: &MetricsAccess) {
    if matches!(access, MetricsAccess::Bearer(_)) {
        cfg.service(web::resource("/metrics").route(web::get().to(scrape)));
    }
}

/// The webhook provider label of a request, or None when the request is not a webhook
/// delivery: `n8n_status` for `POST /webhooks/n8n/status`; for `POST /webhooks/whatsapp` and
/// `/webhooks/instagram`, `whatsapp` / `instagram` when Meta signed it (`X-Hub-Signature-256`),
/// else `relay` (the n8n relay). Meta's `GET` verification handshakes are not deliveries.
#[must_use]
pub fn webhook_provider(
    route: Option<&str>,
    method: &Method,
    meta_signed: bool,
) -> Option<&'static str> {
    if method != Method::POST {
        return None;
    }
    match route? {
        "/webhooks/n8n/status" => Some("n8n_status"),
        "/webhooks/whatsapp" if meta_signed => Some("whatsapp"),
        "/webhooks/instagram" if meta_signed => Some("instagram"),
        "/webhooks/whatsapp" | "/webhooks/instagram" => Some("relay"),
        _ => None,
    }
}

/// The outcome label of a webhook delivery from its final status and the handler's
/// [`DeliveryOutcome`]: `accepted`, `duplicate`, `unmatched` (2xx); `rejected_signature` (401,
/// 403); `rate_limited` (429); `invalid` (other 4xx: not JSON, too large, invalid fields);
/// `error` (5xx).
#[must_use]
pub fn webhook_outcome(
    status: StatusCode,
    marked_duplicate: bool,
    marked_unmatched: bool,
) -> &'static str {
    match status.as_u16() {
        200..=299 if marked_duplicate => "duplicate",
        200..=299 if marked_unmatched => "unmatched",
        200..=299 => "accepted",
        401 | 403 => "rejected_signature",
        429 => "rate_limited",
        400..=499 => "invalid",
        _ => "error",
    }
}

/// The method label: the standard methods, else `other` (so a client cannot mint series).
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Records every request in `atende_http_request_duration_seconds{method,route,status}` (the
/// route *pattern*, `unmatched` when none matched) and every webhook delivery in
/// `atende_webhook_deliveries_total{provider,outcome}`. Reads the [`Metrics`] of the
/// [`AppState`]. Use with `actix_web::middleware::from_fn`, outside the problem fallback so the
/// final status is recorded.
///
/// # Errors
/// Passes inner `Err`s through unchanged (after recording their status).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let route = req.match_pattern();
    let method = method_label(req.method());
    let provider = webhook_provider(
        route.as_deref(),
        req.method(),
        req.headers().contains_key(HUB_SIGNATURE),
    );
    let started = Instant::now();
    let outcome = next.call(req).await;
    if let Some(metrics) = metrics {
        let (status, marked) = match &outcome {
            Ok(res) => (
                res.status(),
                res.response()
                    .extensions()
                    .get::<DeliveryOutcome>()
                    .copied(),
            ),
            Err(e) => (e.as_response_error().status_code(), None),
        };
        metrics.observe_request(
            method,
            route.as_deref().unwrap_or(UNMATCHED_ROUTE),
            status.as_u16(),
            started.elapsed(),
        );
        if let Some(provider) = provider {
            metrics.record_webhook(
                provider,
                webhook_outcome(
                    status,
                    marked == Some(DeliveryOutcome::Duplicate),
                    marked == Some(DeliveryOutcome::Unmatched),
                ),
            );
        }
    }
    outcome
}

/// Whether `req` carries `Authorization: Bearer <token>`. The token is compared in constant
/// time (its length aside).
fn bearer_matches(req: &HttpRequest, token: &SecretString) -> bool {
    let Some((scheme, given)) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
    else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer")
        && bool::from(
            given
                .trim()
                .as_bytes()
                .ct_eq(token.expose_secret().as_bytes()),
        )
}

/// The exposition, or 401 `unauthenticated` (with `WWW-Authenticate: Bearer`) when `token` is
/// set and the request does not carry it.
async fn exposition(
    req: &HttpRequest,
    metrics: &Metrics,
    token: Option<&SecretString>,
) -> Result<HttpResponse, Problem> {
    if let Some(token) = token
        && !bearer_matches(req, token)
    {
        let mut res = Problem::unauthenticated().error_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"metrics\""),
        );
        return Ok(res);
    }
    let body = metrics
        .render()
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type(METRICS_CONTENT_TYPE)
        .body(body))
}

/// The Prometheus metrics of this process (OpenMetrics text): request latency by route
/// pattern and status, webhook deliveries, the outbox, background jobs, the analyst's model
/// calls and the database pool (see `docs/metrics.md`).
///
/// Served on the main listener only when `ATENDE_METRICS_TOKEN` is set and
/// `ATENDE_METRICS_BIND` is not, and then only to `Authorization: Bearer <ATENDE_METRICS_TOKEN>`.
/// With `ATENDE_METRICS_BIND` it is served on that address instead (see [`listener_app`]);
/// with neither it does not exist (404). Never public.
///
/// # Errors
/// 401 `unauthenticated` without the token or with a wrong one; 404 when not served here.
pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    match &state.metrics_access {
        MetricsAccess::Bearer(token) => exposition(&req, &state.metrics, Some(token)).await,
        MetricsAccess::Off | MetricsAccess::SeparateListener => Err(Problem::not_found()),
    }
}

/// State of the separate metrics listener.
struct Listener {
    metrics: Metrics,
    token: Option<SecretString>,
}

async fn listener_scrape(
    req: HttpRequest,
    listener: web::Data<Listener>,
) -> Result<HttpResponse, Problem> {
    exposition(&req, &listener.metrics, listener.token.as_ref()).await
}

/// The app of the separate metrics listener (`ATENDE_METRICS_BIND`): `GET /metrics` and
/// nothing else (problem+json 404 elsewhere). When `token` is set it is required here too.
pub fn listener_app(
    metrics: Metrics,
    token: Option<SecretString>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(Listener { metrics, token }))
        .service(web::resource("/metrics").route(web::get().to(listener_scrape)))
        .default_service(web::to(crate::extractors::unknown_route))
        .wrap(from_fn(
            crate::middleware::problem_fallback::problem_fallback,
        ))
        .wrap(from_fn(
            crate::middleware::security_headers::security_headers,
        ))
        .wrap(from_fn(crate::request_id::middleware))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_providers_come_from_the_route_and_the_signature_header() {
        let post = Method::POST;
        assert_eq!(
            webhook_provider(Some("/webhooks/whatsapp"), &post, false),
            Some("relay")
        );
        assert_eq!(
            webhook_provider(Some("/webhooks/instagram"), &post, false),
            Some("relay")
        );
        assert_eq!(
            webhook_provider(Some("/webhooks/whatsapp"), &post, true),
            Some("whatsapp")
        );
        assert_eq!(
            webhook_provider(Some("/webhooks/instagram"), &post, true),
            Some("instagram")
        );
        assert_eq!(
            webhook_provider(Some("/webhooks/n8n/status"), &post, false),
            Some("n8n_status")
        );
        assert_eq!(
            webhook_provider(Some("/webhooks/whatsapp"), &Method::GET, false),
            None
        );
        assert_eq!(webhook_provider(Some("/api/chat/send"), &post, false), None);
        assert_eq!(webhook_provider(None, &post, false), None);
    }

    #[test]
    fn webhook_outcomes_come_from_the_status_and_the_handler_mark() {
        let s = |n| StatusCode::from_u16(n).unwrap_or(StatusCode::IM_A_TEAPOT);
        assert_eq!(webhook_outcome(s(200), false, false), "accepted");
        assert_eq!(webhook_outcome(s(200), true, false), "duplicate");
        assert_eq!(webhook_outcome(s(200), false, true), "unmatched");
        assert_eq!(webhook_outcome(s(401), false, false), "rejected_signature");
        assert_eq!(webhook_outcome(s(429), false, false), "rate_limited");
        for n in [400, 413, 415, 422] {
            assert_eq!(webhook_outcome(s(n), false, false), "invalid", "{n}");
        }
        assert_eq!(webhook_outcome(s(500), false, false), "error");
        assert_eq!(webhook_outcome(s(503), true, false), "error");
    }

    #[test]
    fn unknown_methods_do_not_mint_labels() {
        assert_eq!(method_label(&Method::GET), "GET");
        let odd = Method::from_bytes(b"BREW").unwrap_or(Method::TRACE);
        assert_eq!(method_label(&odd), "other");
    }

    #[test]
    fn the_access_never_prints_the_token() {
        let access = MetricsAccess::Bearer(SecretString::from("s3cr3t-metrics-token"));
        assert!(!format!("{access:?}").contains("s3cr3t"));
    }
}
