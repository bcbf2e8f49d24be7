//! Raw SQL prepared once per connection.
//!
//! diesel marks every `sql_query` unsafe to cache, so diesel-async prepares it anew on each call:
//! a Parse/Describe round trip, then Bind/Execute in a second one, with PostgreSQL parsing,
//! analysing and planning the statement every time. [`Prepare::prepared`] keeps such a statement
//! in the connection's statement cache instead (keyed by its SQL text and bind types), as diesel
//! already does for its query builder: one round trip per execution and a cached plan.
//!
//! Only for SQL text drawn from a fixed set (constants, or text assembled from constants): every
//! distinct text stays prepared for the life of the pooled connection. Values always travel as
//! binds, never inside the text.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// A statement that is safe to keep prepared (see the module documentation).
#[derive(Debug, Clone)]
#[must_use = "Queries are only executed when calling `load`, `get_result` or similar."]
pub struct Prepared<Q>(Q);

/// `.prepared()` on a raw SQL query (`diesel::sql_query(..).bind(..)…`).
pub trait Prepare: Sized {
    /// Keeps this statement prepared on the connection (its text must come from a fixed set).
    fn prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: QueryFragment<Pg>> Prepare for Q {}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // No type id: the statement cache keys these by their SQL text and bind types.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::query_builder::QueryFragment;
    use diesel::sql_types::{Integer, Text};

    #[test]
    fn a_raw_query_is_uncacheable_until_prepared() {
        let raw = diesel::sql_query("SELECT $1::int4 AS n, $2 AS t")
            .bind::<Integer, _>(1)
            .bind::<Text, _>("x");
        assert!(!raw.is_safe_to_cache_prepared(&Pg).unwrap_or(true));
        let prepared = raw.prepared();
        assert!(prepared.is_safe_to_cache_prepared(&Pg).unwrap_or(false));
        let sql = diesel::debug_query::<Pg, _>(&prepared).to_string();
        assert!(sql.starts_with("SELECT $1::int4 AS n, $2 AS t"), "{sql}");
    }
}
