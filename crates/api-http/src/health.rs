//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use domain::ports::health::Readiness;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{Problem, ProblemDoc};
use crate::state::AppState;

/// Body of a successful probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` (liveness) or `ready` (readiness).
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Registers `GET /healthz` and `GET /readyz`.
///
/// Routes are registered as `web::resource(path).route(...)`, not `cfg.route(path, ...)`: the
/// latter moves the method guard onto the resource, turning a wrong method into a 404 instead of
/// a 405 with `Allow`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)));
}

/// Liveness: the process answers HTTP. No IO, so a slow database never restarts the pod.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The process is alive", body = HealthStatus))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers and every migration is applied.
///
/// # Errors
/// 503 `not_ready` when migrations are pending or the database is unavailable.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve traffic", body = HealthStatus),
        (status = 503, description = "Not ready", body = ProblemDoc,
            content_type = "application/problem+json"),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    match state.health.readiness().await {
        Readiness::Ready => Ok(HttpResponse::Ok().json(HealthStatus { status: "ready" })),
        Readiness::PendingMigrations { pending } => {
            let noun = if pending == 1 {
                "migration"
            } else {
                "migrations"
            };
            Err(not_ready(format!("{pending} {noun} pending")))
        }
        Readiness::DatabaseUnavailable => Err(not_ready("database unavailable")),
    }
}

fn not_ready(detail: impl Into<String>) -> Problem {
    Problem::service_unavailable("not_ready", detail)
}
