//! `.prepared()` raw SQL is prepared once per connection and reused; plain `sql_query` is not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use infra_postgres::prepared::Prepare;
use infra_postgres::testing::TestDb;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Integer)]
    n: i32,
    #[diesel(sql_type = Text)]
    t: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn prepared_copies(conn: &mut AsyncPgConnection, marker: &str) -> i64 {
    let c: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%' \
           AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .bind::<Text, _>(marker)
    .get_result(conn)
    .await
    .unwrap();
    c.n
}

#[tokio::test]
async fn a_prepared_statement_is_prepared_once_and_reused_with_new_binds() {
    let t = TestDb::new().await;
    let mut conn = AsyncPgConnection::establish(&t.url).await.unwrap();
    for i in 0..3 {
        let row: Row = diesel::sql_query("SELECT $1::int4 + 1 AS n, $2 AS t /* kept */")
            .bind::<Integer, _>(i)
            .bind::<Text, _>(format!("v{i}"))
            .prepared()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!((row.n, row.t), (i + 1, format!("v{i}")));
    }
    assert_eq!(prepared_copies(&mut conn, "/* kept */").await, 1);

    for i in 0..3 {
        let row: Row = diesel::sql_query("SELECT $1::int4 + 1 AS n, $2 AS t /* one-off */")
            .bind::<Integer, _>(i)
            .bind::<Text, _>("x")
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(row.n, i + 1);
    }
    assert_eq!(prepared_copies(&mut conn, "/* one-off */").await, 0);
}
