//! The integration tests of `infra-n8n`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod dispatch;
