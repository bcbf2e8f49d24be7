//! Shared state handed to every handler as `web::Data<AppState>`.

use std::sync::Arc;

use domain::ports::health::HealthProbe;

/// Ports the handlers need, built once by the composition root (`server`).
#[derive(Clone)]
pub struct AppState {
    /// Readiness probe behind `GET /readyz`.
    pub health: Arc<dyn HealthProbe>,
}
