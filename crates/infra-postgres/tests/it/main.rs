//! The integration tests of `infra-postgres`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod common;
mod credential_notifications;
mod crm;
mod doors;
mod events;
mod integration_route;
mod isolation;
mod jobs;
mod metrics;
mod prepared;
mod rate_limits;
mod replica;
mod restart;
mod schema_drift;
mod schema_rules;
mod search;
mod tls;
