//! The analyst agent: context snapshots of a patient.

pub mod eval;
pub mod heuristic;
pub mod input;
pub mod policy;
pub mod service;
pub mod triggers;

#[cfg(test)]
mod tests;

pub use policy::SnapshotPolicy;
pub use service::{
    GenerateError, GenerateRequest, Generated, ReadSnapshotsError, SnapshotPage, SnapshotPorts,
    Snapshots,
};
