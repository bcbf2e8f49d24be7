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

/// Behind PgBouncer 1.18 in transaction mode (no prepared-statement tracking) with
/// `ATENDE_DB_PREPARED=auto` and `pgbouncer=true`: many concurrent units of work over two
/// server connections, using `.prepared()` SQL and diesel's query builder, all succeed, and no
/// statement stays prepared on a server connection.
#[tokio::test(flavor = "multi_thread")]
async fn behind_pgbouncer_in_transaction_mode_nothing_stays_prepared() {
    use infra_postgres::testing::pgbouncer::PgBouncer;
    use infra_postgres::{Database, DbError, PoolSettings};
    let t = TestDb::new().await;
    let Some(bouncer) = PgBouncer::in_front_of(&t.url, 2) else {
        return;
    };
    let db = Database::connect(
        &bouncer.url(&t.name),
        &PoolSettings {
            max_size: 8,
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let runs = (0..40).map(|i| {
        let db = db.clone();
        async move {
            db.system_tx(move |conn| {
                Box::pin(async move {
                    let row: Row =
                        diesel::sql_query("SELECT $1::int4 + 1 AS n, $2 AS t /* pooled */")
                            .bind::<Integer, _>(i)
                            .bind::<Text, _>("x")
                            .prepared()
                            .get_result(conn)
                            .await?;
                    // Only the statement running now (prepared, run and closed in this
                    // transaction) exists on the server connection.
                    let left = prepared_copies(conn, "/*").await;
                    Ok::<_, DbError>((row.n, left))
                })
            })
            .await
        }
    });
    let results = futures_util::future::join_all(runs).await;
    for (i, r) in results.into_iter().enumerate() {
        let (n, left) = r
            .unwrap_or_else(|e| panic!("unit {i} failed behind PgBouncer: {e}\n{}", bouncer.log()));
        assert_eq!(n, i32::try_from(i).unwrap() + 1);
        assert_eq!(left, 0, "statements left prepared on the server connection");
    }
}
