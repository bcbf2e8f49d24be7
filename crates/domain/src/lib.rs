//! Atende's domain: entities, value objects, port traits and domain errors.
//!
//! This crate performs no IO and depends on no IO crate; adapters live in the `infra-*` crates and
//! use cases in `app`. Ports are `Send + Sync` traits held as `Arc<dyn Port>`; with the `mocks`
//! feature every port also gets a mockall `Mock*` type for unit tests in other crates.

pub mod ids;
pub mod ports;

pub use ids::*;
