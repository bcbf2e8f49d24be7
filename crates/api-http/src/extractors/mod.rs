//! Extractor configurations that turn actix's text/plain rejections into problem+json, and the
//! default service for unknown routes. `crate::app` registers all of them.

mod json;
pub mod nul;
mod params;
pub(crate) mod serde_message;

pub use json::{JSON_LIMIT, json_config};
pub use params::{path_config, query_config};

use crate::problem::Problem;

/// Default service: no route matches the path → 404 `not_found`.
///
/// # Errors
/// Always [`Problem::not_found`].
pub async fn unknown_route() -> Result<actix_web::HttpResponse, Problem> {
    Err(Problem::not_found())
}
