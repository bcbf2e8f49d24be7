//! The integration tests of `infra-postgres`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod crm;
mod doors;
mod events;
mod isolation;
mod metrics;
mod prepared;
mod restart;
mod schema_drift;
mod schema_rules;
mod tls;
