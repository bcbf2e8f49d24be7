//! The integration tests of `infra-openai`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config;
mod failures;
mod success;
