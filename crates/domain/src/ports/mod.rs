//! Port traits: what the use cases need from the outside world.

pub mod health;
