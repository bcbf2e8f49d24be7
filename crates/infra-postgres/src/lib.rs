//! PostgreSQL adapters for Atende.
//!
//! - [`Database`]: the connection pool and the only entry points to the data: [`Database::tenant_tx`]
//!   runs a tenant unit of work (one transaction that first switches to the `atende_app` role and
//!   pins company and user in one statement, so row-level security applies to everything in it);
//!   [`Database::system_tx`] runs work that precedes any tenant (global sign-in tables and the
//!   SECURITY DEFINER "doors" listed in `docs/security.md`), still as `atende_app`;
//!   [`Database::replica_tx`] runs a read-only tenant unit of work on the streaming replica
//!   (`DATABASE_REPLICA_URL`) while it is fresh enough, else on the primary ([`replica`]).
//! - [`connect`]: every connection is opened there, with the URL's TLS (`sslmode`, rustls) and
//!   pooler settings.
//! - [`migrate`]: the embedded diesel migrations, applied as the owner role.
//! - [`health::PgHealthProbe`]: readiness (database reachable, no migration pending).
//! - `testing` (feature `testing`): a database per test, copied from a migrated template.

pub mod auth;
pub mod availability;
pub mod connect;
pub mod conversations;
pub mod crm;
pub mod error;
pub mod events;
pub mod health;
pub mod inbound;
pub mod integrations;
pub mod jobs;
pub mod keyset;
pub mod labels;
pub mod metrics;
pub mod migrate;
pub mod notes;
pub mod outbox;
pub mod payments;
pub mod pool;
pub mod prepared;
pub mod rate_limits;
pub mod reads;
pub mod replica;
pub mod reports;
pub mod schema;
pub mod search;
pub mod seed;
pub mod snapshots;
pub mod tenant;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

pub use error::DbError;
pub use pool::{Database, PoolSettings, PreparedMode};
pub use replica::{ReplicaSettings, ReplicaStats};
pub use tenant::{DbFuture, TenantScope};
