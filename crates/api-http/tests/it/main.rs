//! The integration tests of `api-http`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// First, so its macros (`test_app!`) are in scope for every module below.
#[macro_use]
mod support;

mod auth_busy;
mod docs_ui;
mod errors;
mod extractors;
mod gate;
mod health;
mod limits;
mod logging;
mod metrics;
mod openapi;
mod openapi_routes;
mod openapi_sync;
mod openapi_walk;
mod request_id;
