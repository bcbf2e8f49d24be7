//! The analyst agent's store: append-only `ai_context_snapshots`, the material of an analysis,
//! the reservations (`snapshot_runs`) that make concurrent generations of a patient one and
//! bound each clinic's analyses without holding a connection while an analyzer runs, and the
//! clinics' clocks for the daily run.

mod material;
mod rows;
mod runs;
mod store;

pub use store::PgSnapshotStore;
pub(crate) use store::latest_in as latest_snapshot;
