//! The analyst agent's store: append-only `ai_context_snapshots`, the material of an analysis,
//! the per-patient lock that makes concurrent generations one, and the clinics' clocks for the
//! daily run.

mod material;
mod rows;
mod store;

pub use store::{LOCK_WAIT, PgSnapshotStore};
