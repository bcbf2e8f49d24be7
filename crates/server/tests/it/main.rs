//! The integration tests of `server`, one binary (one link) with a module per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_doc;
mod api_doc_support;
mod api_tokens;
mod appointments;
mod auth_sessions;
mod backup_restore;
mod browser;
mod browser_support;
mod cli;
mod clients;
mod conversations_http;
mod conversations_store;
mod dependencies;
mod e2e;
mod events;
mod http_basics;
mod integrations;
mod key_rotation;
mod metrics;
mod model_support;
mod outbox_dispatch;
mod outbox_send;
mod outbox_support;
mod readiness;
mod reads;
mod secrets_not_logged;
mod seed_scale;
mod services;
mod snapshots;
mod supabase_mode;
mod support;
mod tenant_scope;
mod users;
mod webhooks;
