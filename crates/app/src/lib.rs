//! Atende's use cases. They depend on `domain` only: every effect goes through a port held in
//! [`Deps`], so each use case is unit-tested with mockall mocks of those ports.

pub mod api_tokens;
pub mod appointments;
pub mod auth;
pub mod availability;
pub mod catalog;
pub mod clients;
pub mod companies;
pub mod conversations;
pub mod crm;
mod deps;
pub mod events;
pub mod inbound;
pub mod integrations;
pub mod jobs;
pub mod labels;
pub mod outbound;
pub mod payments;
pub mod reads;
pub mod reports;
pub mod search;
pub mod snapshots;
pub mod users;

pub use deps::{AuthPolicy, Deps, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
