//! The integration tests of `infra-supabase`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod config;
mod jwks_cache;
mod password_grant;
mod user;
mod verify_token;
