//! Keyset pagination in SQL, written once: a list's [`ListOrder`] (two columns, one direction)
//! gives its `ORDER BY`, the row comparison that starts a page after the key of the previous
//! page's last row, and the `limit + 1` rows a page is cut from
//! (`domain::page::Page::from_rows`).
//!
//! The comparison is always the row form `(a, b) < ($1, $2)` (or `>` for ascending lists):
//! PostgreSQL turns it into one range scan of an index on `(company_id, a, b)` in the same
//! direction, so deep pages cost what the first one costs. The equivalent
//! `a < $1 OR (a = $1 AND b < $2)` is not a range the planner can use.

use chrono::{DateTime, Utc};
use diesel::BoxableExpression;
use diesel::expression::{AsExpression, SqlLiteral, TypedExpressionType};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSelectStatement, FromClause, QueryFragment};
use diesel::query_dsl::methods as dsl;
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

/// A list's keyset: its two sort columns (qualified names, the last one unique) and direction.
/// [`ListOrder::page`] emits both the `ORDER BY` and the comparison from it, so they always match
/// (and match the index on `(company_id, a, b)` in that direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOrder {
    /// The direction of both columns.
    pub order: Order,
    /// `[a, b]`.
    pub columns: [&'static str; 2],
}

/// A boxed query of a list.
type Boxed<'a, ST, QS> = BoxedSelectStatement<'a, ST, FromClause<QS>, Pg>;
/// A predicate on a list's rows.
type Predicate<'a, QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool> + 'a>;

/// What [`ListOrder::page`] needs of a boxed query: filtering, ordering and limiting it give the
/// same type back (every boxed `SELECT … FROM <table>` can).
pub trait Pageable<'a, QS>:
    dsl::FilterDsl<Predicate<'a, QS>, Output = Self>
    + dsl::OrderDsl<SqlLiteral<Bool>, Output = Self>
    + dsl::LimitDsl<Output = Self>
{
}

impl<'a, QS, T> Pageable<'a, QS> for T where
    T: dsl::FilterDsl<Predicate<'a, QS>, Output = T>
        + dsl::OrderDsl<SqlLiteral<Bool>, Output = T>
        + dsl::LimitDsl<Output = T>
{
}

impl ListOrder {
    /// A newest-first (descending) list over `columns`.
    #[must_use]
    pub const fn desc(columns: [&'static str; 2]) -> Self {
        Self {
            order: Order::Desc,
            columns,
        }
    }

    /// An ascending list over `columns`.
    #[must_use]
    pub const fn asc(columns: [&'static str; 2]) -> Self {
        Self {
            order: Order::Asc,
            columns,
        }
    }

    /// `a DESC, b DESC` (or `ASC`).
    fn order_by(&self) -> String {
        let dir = match self.order {
            Order::Asc => "ASC",
            Order::Desc => "DESC",
        };
        let [a, b] = self.columns;
        format!("{a} {dir}, {b} {dir}")
    }

    /// `query` as one page: the rows after `(a, b)` (when given) in list order, at most
    /// `limit + 1` of them (cut with `domain::page::Page::from_rows`).
    pub fn page<'a, ST, QS, SA, SB, A, B>(
        &self,
        query: Boxed<'a, ST, QS>,
        key: Option<(A, B)>,
        limit: u32,
    ) -> Boxed<'a, ST, QS>
    where
        SA: SqlType + TypedExpressionType,
        SB: SqlType + TypedExpressionType,
        A: AsExpression<SA>,
        B: AsExpression<SB>,
        A::Expression: QueryFragment<Pg> + Send + 'static,
        B::Expression: QueryFragment<Pg> + Send + 'static,
        QS: diesel::QuerySource + 'a,
        Boxed<'a, ST, QS>: Pageable<'a, QS>,
    {
        let query = match key {
            Some((a, b)) => {
                let predicate: Predicate<'a, QS> = Box::new(
                    diesel::dsl::sql::<Bool>(&head(self.order, self.columns))
                        .bind::<SA, _>(a)
                        .sql(", ")
                        .bind::<SB, _>(b)
                        .sql(")"),
                );
                dsl::FilterDsl::filter(query, predicate)
            }
            None => query,
        };
        let query = dsl::OrderDsl::order(query, diesel::dsl::sql::<Bool>(&self.order_by()));
        dsl::LimitDsl::limit(query, fetch(limit))
    }

    /// [`ListOrder::page`] for the most common key: a time and an id.
    pub fn page_time_id<'a, ST, QS>(
        &self,
        query: Boxed<'a, ST, QS>,
        key: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Boxed<'a, ST, QS>
    where
        QS: diesel::QuerySource + 'a,
        Boxed<'a, ST, QS>: Pageable<'a, QS>,
    {
        self.page::<ST, QS, Timestamptz, SqlUuid, _, _>(query, key, limit)
    }
}

/// The SQL text before the first bound value: `(a, b) < (` or `(a, b) > (`.
fn head(order: Order, columns: [&str; 2]) -> String {
    let [a, b] = columns;
    format!("({a}, {b}) {} (", order.operator())
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
    fn ascending_lists_compare_rows_with_greater_than() {
        use crate::schema::services;
        use diesel::prelude::*;
        use diesel::sql_types::Text;
        const PAGES: ListOrder = ListOrder::asc(["services.name", "services.id"]);
        let query = services::table.select(services::id).into_boxed::<Pg>();
        let key = Some(("Limpeza".to_owned(), uuid::Uuid::nil()));
        let page = PAGES.page::<_, _, Text, SqlUuid, _, _>(query, key, 10);
        let sql = debug_query::<Pg, _>(&page).to_string();
        assert!(
            sql.contains("(services.name, services.id) > ($1, $2)"),
            "{sql}"
        );
        assert!(
            sql.contains("ORDER BY services.name ASC, services.id ASC"),
            "{sql}"
        );
        assert!(!sql.contains(" OR "), "{sql}");
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
    fn a_page_orders_compares_and_limits_from_one_description() {
        use crate::schema::payments;
        use diesel::prelude::*;
        const PAGES: ListOrder = ListOrder::desc(["payments.created_at", "payments.id"]);
        let at = chrono::DateTime::from_timestamp(1_767_268_800, 0).unwrap();
        let query = payments::table
            .filter(payments::company_id.eq(uuid::Uuid::nil()))
            .select(payments::id)
            .into_boxed::<Pg>();
        let next = PAGES.page_time_id(query, Some((at, uuid::Uuid::nil())), 50);
        let sql = debug_query::<Pg, _>(&next).to_string();
        assert!(
            sql.contains("AND (payments.created_at, payments.id) < ($2, $3)"),
            "{sql}"
        );
        assert!(
            sql.contains("ORDER BY payments.created_at DESC, payments.id DESC LIMIT $4"),
            "{sql}"
        );
        assert!(sql.contains("51"), "{sql}");
        let first = PAGES.page_time_id(
            payments::table.select(payments::id).into_boxed::<Pg>(),
            None,
            10,
        );
        let sql = debug_query::<Pg, _>(&first).to_string();
        assert!(!sql.contains(" < ("), "{sql}");
        assert!(sql.contains("ORDER BY payments.created_at DESC"), "{sql}");
    }

    #[test]
    fn a_page_reads_one_row_more() {
        assert_eq!(fetch(50), 51);
        assert_eq!(fetch(u32::MAX), i64::from(u32::MAX) + 1);
    }
}
