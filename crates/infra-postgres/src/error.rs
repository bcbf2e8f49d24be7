//! Storage errors. They never reach an HTTP body: `api-http` logs them and answers 500/503.

use diesel_async::pooled_connection::deadpool::PoolError;

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool (database down, pool exhausted past its timeout).
    /// The marker is what the HTTP layer finds in the error chain to answer 503.
    #[error("database unavailable: {0}")]
    Unavailable(String, #[source] domain::ports::StoreUnavailable),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<PoolError> for DbError {
    fn from(value: PoolError) -> Self {
        Self::unavailable(value.to_string())
    }
}

impl DbError {
    /// [`DbError::Unavailable`] for `reason`.
    #[must_use]
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable(reason.into(), domain::ports::StoreUnavailable)
    }

    /// Whether this is a unique-constraint violation (optionally of the named constraint/index).
    #[must_use]
    pub fn is_unique_violation(&self, constraint: Option<&str>) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Self::Query(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                constraint.is_none_or(|c| info.constraint_name() == Some(c))
            }
            _ => false,
        }
    }
}
