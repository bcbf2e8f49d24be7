//! Keyset pagination in SQL, written once: the row comparison that starts a page after the key
//! of the previous page's last row, and the `limit + 1` rows a page is cut from
//! (`domain::page::Page::from_rows`).
//!
//! The comparison is always the row form `(a, b) < ($1, $2)` (or `>` for ascending lists):
//! PostgreSQL turns it into one range scan of an index on `(company_id, a, b)` in the same
//! direction, so deep pages cost what the first one costs. The equivalent
//! `a < $1 OR (a = $1 AND b < $2)` is not a range the planner can use.

use chrono::{DateTime, Utc};
use diesel::expression::{AsExpression, SqlLiteral, TypedExpressionType};
use diesel::pg::Pg;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Bool, SqlType, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// The direction of a list's `ORDER BY (a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `ORDER BY a ASC, b ASC`: the next page is `(a, b) > key`.
    Asc,
    /// `ORDER BY a DESC, b DESC`: the next page is `(a, b) < key`.
    Desc,
}

impl Order {
    fn operator(self) -> &'static str {
        match self {
            Self::Asc => ">",
            Self::Desc => "<",
        }
    }
}

/// The SQL text before the first bound value: `(a, b) < (` or `(a, b) > (`.
fn head(order: Order, columns: [&str; 2]) -> String {
    let [a, b] = columns;
    format!("({a}, {b}) {} (", order.operator())
}

/// `(a, b) < ($1, $2)` (descending) or `(a, b) > ($1, $2)` (ascending): the rows after the key
/// `(a_value, b_value)` in list order. `columns` are qualified column names
/// (`"clients.created_at"`, `"clients.id"`), never request text; the key is bound.
pub fn after<SA, SB, A, B>(
    order: Order,
    columns: [&'static str; 2],
    a_value: A,
    b_value: B,
) -> SqlLiteral<Bool, impl QueryFragment<Pg> + Send + 'static>
where
    SA: SqlType + TypedExpressionType,
    SB: SqlType + TypedExpressionType,
    A: AsExpression<SA>,
    B: AsExpression<SB>,
    A::Expression: QueryFragment<Pg> + Send + 'static,
    B::Expression: QueryFragment<Pg> + Send + 'static,
{
    diesel::dsl::sql::<Bool>(&head(order, columns))
        .bind::<SA, _>(a_value)
        .sql(", ")
        .bind::<SB, _>(b_value)
        .sql(")")
}

/// [`after`] for the most common key: a time and an id (`(created_at, id)`, `(starts_at, id)`,
/// `(sort_at, id)`, …).
pub fn after_time_id(
    order: Order,
    columns: [&'static str; 2],
    at: DateTime<Utc>,
    id: Uuid,
) -> SqlLiteral<Bool, impl QueryFragment<Pg> + Send + 'static> {
    after::<Timestamptz, SqlUuid, _, _>(order, columns, at, id)
}

/// The same comparison for statements written as text (`diesel::sql_query`): `(a, b) < ($n,
/// $n+1)` with `n` = `first_param`; bind the key's two values there, in order.
#[must_use]
pub fn after_text(order: Order, columns: [&str; 2], first_param: usize) -> String {
    format!(
        "{}${first_param}, ${})",
        head(order, columns),
        first_param + 1
    )
}

/// How many rows to read for a page of `limit`: one more, which only says that there is a next
/// page (`Page::from_rows` drops it).
#[must_use]
pub fn fetch(limit: u32) -> i64 {
    i64::from(limit) + 1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use diesel::debug_query;

    #[test]
    fn descending_lists_compare_rows_with_less_than() {
        let at = chrono::DateTime::from_timestamp(1_767_268_800, 0).unwrap();
        let id = uuid::Uuid::nil();
        let expr = after_time_id(Order::Desc, ["clients.created_at", "clients.id"], at, id);
        let sql = debug_query::<Pg, _>(&expr).to_string();
        assert!(
            sql.starts_with("(clients.created_at, clients.id) < ($1, $2)"),
            "{sql}"
        );
    }

    #[test]
    fn ascending_lists_compare_rows_with_greater_than() {
        let expr = after::<diesel::sql_types::Text, SqlUuid, _, _>(
            Order::Asc,
            ["services.name", "services.id"],
            "Limpeza".to_owned(),
            uuid::Uuid::nil(),
        );
        let sql = debug_query::<Pg, _>(&expr).to_string();
        assert!(
            sql.starts_with("(services.name, services.id) > ($1, $2)"),
            "{sql}"
        );
        assert!(!sql.contains(" OR "));
    }

    #[test]
    fn statements_written_as_text_get_the_same_comparison() {
        assert_eq!(
            after_text(Order::Desc, ["t.sort_at", "t.id"], 3),
            "(t.sort_at, t.id) < ($3, $4)"
        );
        assert_eq!(
            after_text(Order::Asc, ["name", "id"], 1),
            "(name, id) > ($1, $2)"
        );
    }

    #[test]
    fn a_page_reads_one_row_more() {
        assert_eq!(fetch(50), 51);
        assert_eq!(fetch(u32::MAX), i64::from(u32::MAX) + 1);
    }
}
