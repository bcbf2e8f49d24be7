//! [`PgRateLimiter`]: one token bucket per key shared by every pool (node), refilled at its rate,
//! concurrent takes never exceeding the burst, keys stored as digests only, full buckets pruned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel_async::RunQueryDsl;
use domain::ports::rate_limits::{BucketRate, SharedRateLimiter};
use infra_postgres::rate_limits::PgRateLimiter;
use infra_postgres::testing::TestDb;
use std::sync::Arc;

const SLOW: BucketRate = BucketRate {
    per_second: 0.01,
    burst: 5.0,
};

#[derive(diesel::QueryableByName)]
struct V {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

async fn scalar(t: &TestDb, sql: &str) -> String {
    let mut conn = t.owner_conn().await;
    diesel::sql_query(sql)
        .get_result::<V>(&mut conn)
        .await
        .unwrap()
        .v
}

#[tokio::test]
async fn two_pools_share_one_bucket_and_concurrent_takes_never_exceed_the_burst() {
    let t = TestDb::new().await;
    // Two nodes: two pools over the same database.
    let other = infra_postgres::Database::connect(&t.url, &infra_postgres::PoolSettings::default())
        .unwrap();
    let limiters: [Arc<dyn SharedRateLimiter>; 2] = [
        Arc::new(PgRateLimiter::new(t.db.clone())),
        Arc::new(PgRateLimiter::new(other)),
    ];
    let takes = (0..12).map(|i| {
        let limiter = Arc::clone(&limiters[i % 2]);
        tokio::spawn(async move { limiter.take("webhook:ip:192.0.2.7", SLOW).await.unwrap() })
    });
    let mut answers = Vec::new();
    for h in takes {
        answers.push(h.await.unwrap());
    }
    let taken = answers.iter().filter(|a| a.is_none()).count();
    assert_eq!(taken, 5, "{answers:?}");
    // An empty bucket at 0.01/s: the next token is about 100 s away.
    for wait in answers.iter().flatten() {
        assert!((95..=100).contains(wait), "{wait}");
    }
    // Another key is another bucket.
    assert_eq!(
        limiters[1]
            .take("webhook:ip:192.0.2.8", SLOW)
            .await
            .unwrap(),
        None
    );
    // The table holds digests, never the addresses.
    assert_eq!(
        scalar(
            &t,
            "SELECT format('%s/%s', count(*), count(*) FILTER (WHERE key ~ '^[0-9a-f]{64}$' AND key NOT LIKE '%192.0.2%')) AS v FROM rate_buckets"
        )
        .await,
        "2/2"
    );
}

#[tokio::test]
async fn a_bucket_refills_at_its_rate_and_full_buckets_are_pruned() {
    let t = TestDb::new().await;
    let limiter = PgRateLimiter::new(t.db.clone());
    let fast = BucketRate {
        per_second: 20.0,
        burst: 2.0,
    };
    assert_eq!(limiter.take("k", fast).await.unwrap(), None);
    assert_eq!(limiter.take("k", fast).await.unwrap(), None);
    assert_eq!(limiter.take("k", fast).await.unwrap(), Some(1));
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert_eq!(limiter.take("k", fast).await.unwrap(), None, "refilled");
    limiter.take("slow", SLOW).await.unwrap();
    // After 0.2 s the fast bucket is full again (2 tokens at 20/s): pruned; the slow one stays.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(limiter.prune().await.unwrap(), 1);
    assert_eq!(
        scalar(&t, "SELECT count(*)::text AS v FROM rate_buckets").await,
        "1"
    );
    assert_eq!(
        scalar(
            &t,
            "SELECT relpersistence::text AS v FROM pg_class WHERE relname = 'rate_buckets'"
        )
        .await,
        "u",
        "unlogged"
    );
}
