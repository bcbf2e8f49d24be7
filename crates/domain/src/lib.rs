//! Atende's domain: entities, value objects, port traits and domain errors.
//!
//! This crate performs no IO and depends on no IO crate; adapters live in the `infra-*` crates and
//! use cases in `app`. Ports are `Send + Sync` traits held as `Arc<dyn Port>`; with the `mocks`
//! feature every port also gets a mockall `Mock*` type for unit tests in other crates.

pub mod appointments;
pub mod auth;
pub mod availability;
pub mod canned;
pub mod catalog;
pub mod channel;
pub mod clients;
pub mod conversations;
pub mod egress;
pub mod events;
pub mod ids;
pub mod inbound;
pub mod integration_admin;
pub mod integrations;
pub mod jobs;
pub mod labels;
pub mod notes;
pub mod outbound;
pub mod page;
pub mod payments;
pub mod phone;
pub mod ports;
pub mod reads;
pub mod reports;
pub mod search;
pub mod snapshots;
pub mod validation;

pub use channel::Channel;
pub use ids::*;
