//! A PostgreSQL restart (`pg_ctl restart` of a private cluster) costs no unit of work: the
//! pool's stale connections are dropped and the work runs on a fresh one; readiness reports the
//! outage and recovers by itself.

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use domain::ports::health::{HealthProbe, Readiness};
use infra_postgres::health::PgHealthProbe;
use infra_postgres::testing::cluster::{ClusterOptions, PrivateCluster, eventually};
use infra_postgres::{Database, DbError, PoolSettings};
use std::time::Duration;

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn migrated_cluster() -> (PrivateCluster, String) {
    let cluster = PrivateCluster::start(&ClusterOptions::default());
    cluster.psql("postgres", "CREATE DATABASE atende_restart");
    let url = cluster.url("atende_restart");
    infra_postgres::migrate::run_pending(&url).await.unwrap();
    (cluster, url)
}

/// `count` units of work at once, each holding its connection briefly so the pool opens
/// `count` connections; the number that succeeded.
async fn concurrent_work(db: &Database, count: usize) -> Vec<Result<i64, DbError>> {
    let runs = (0..count).map(|_| {
        let db = db.clone();
        async move {
            db.system_tx(|conn| {
                Box::pin(async move {
                    let n: N = diesel::sql_query(
                        "SELECT count(*) AS n FROM public.__diesel_schema_migrations, pg_sleep(0.05)",
                    )
                    .get_result(conn)
                    .await?;
                    Ok::<_, DbError>(n.n)
                })
            })
            .await
        }
    });
    futures_util::future::join_all(runs).await
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_restart_no_unit_of_work_fails_because_its_pooled_connection_was_stale() {
    let (cluster, url) = migrated_cluster().await;
    let db = Database::connect(
        &url,
        &PoolSettings {
            max_size: 6,
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let warm = concurrent_work(&db, 6).await;
    assert!(warm.iter().all(Result::is_ok), "{warm:?}");
    assert_eq!(
        db.pool_status().0,
        6,
        "six pooled connections before the restart"
    );

    cluster.restart();

    for round in 0..2 {
        let after = concurrent_work(&db, 6).await;
        let failed: Vec<_> = after.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(
            failed.is_empty(),
            "round {round}: units of work failed after the restart: {failed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_lost_silently_is_dropped_and_the_unit_of_work_begins_again_on_a_fresh_one() {
    use infra_postgres::testing::proxy::SilentProxy;
    let (cluster, _) = migrated_cluster().await;
    let proxy = SilentProxy::start(([127, 0, 0, 1], cluster.port()).into()).await;
    let db = Database::connect(
        &format!(
            "postgres://postgres@127.0.0.1:{}/atende_restart?sslmode=disable",
            proxy.port()
        ),
        &PoolSettings {
            max_size: 4,
            ..PoolSettings::default()
        },
    )
    .unwrap();
    assert!(concurrent_work(&db, 4).await.iter().all(Result::is_ok));
    assert_eq!(db.pool_status().0, 4);

    // Failover: every pooled connection is dead, and nothing says so until it is used.
    proxy.cut_silently();
    let after = concurrent_work(&db, 4).await;
    let failed: Vec<_> = after.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let again = concurrent_work(&db, 4).await;
    assert!(again.iter().all(Result::is_ok), "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_reports_the_outage_and_recovers_by_itself() {
    let (cluster, url) = migrated_cluster().await;
    let db = Database::connect(
        &url,
        &PoolSettings {
            max_size: 4,
            wait_timeout: Duration::from_secs(1),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let probe = PgHealthProbe::new(db.clone(), Duration::from_secs(2));
    assert_eq!(probe.readiness().await, Readiness::Ready);
    assert!(concurrent_work(&db, 4).await.iter().all(Result::is_ok));

    cluster.stop();
    assert_eq!(probe.readiness().await, Readiness::DatabaseUnavailable);
    let r = concurrent_work(&db, 1).await;
    assert!(
        matches!(r[0], Err(DbError::Unavailable(..))),
        "no server: the unit of work is unavailable (503), {r:?}"
    );

    cluster.start_again();
    assert!(
        eventually(Duration::from_secs(30), async || probe.readiness().await
            == Readiness::Ready)
        .await,
        "readiness must recover without a restart of the node"
    );
    let after = concurrent_work(&db, 4).await;
    assert!(after.iter().all(Result::is_ok), "{after:?}");
}

/// A backend terminated under a running unit of work (a restart's shutdown, a failover, an
/// operator's `pg_terminate_backend`) makes the unit of work unavailable (503 over HTTP, with the
/// marker the HTTP layer looks for), not a query error (500): the server committed nothing of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_backend_terminated_under_the_work_is_unavailable_not_a_query_error() {
    use diesel_async::AsyncConnection;
    let t = infra_postgres::testing::TestDb::new().await;
    let marker = format!("atende_terminated_{}", uuid::Uuid::now_v7().simple());
    let sql = format!("SELECT count(*) AS n FROM pg_sleep(20), (SELECT '{marker}') m");
    let work = {
        let db = t.db.clone();
        tokio::spawn(async move {
            db.system_tx(move |conn| {
                Box::pin(async move {
                    let n: N = diesel::sql_query(sql).get_result(conn).await?;
                    Ok::<_, DbError>(n.n)
                })
            })
            .await
        })
    };
    let mut admin = diesel_async::AsyncPgConnection::establish(&t.url)
        .await
        .unwrap();
    let find = format!(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%{marker}%' \
           AND pid <> pg_backend_pid() AND state = 'active'"
    );
    let terminate = format!(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
          WHERE query LIKE '%{marker}%' AND pid <> pg_backend_pid()"
    );
    assert!(
        eventually(Duration::from_secs(10), async || {
            diesel::sql_query(&find)
                .get_result::<N>(&mut admin)
                .await
                .is_ok_and(|r| r.n == 1)
        })
        .await,
        "the work never started"
    );
    let killed: N = diesel::sql_query(&terminate)
        .get_result(&mut admin)
        .await
        .unwrap();
    assert_eq!(killed.n, 1);
    let r = work.await.unwrap();
    let Err(e) = r else {
        panic!("the work succeeded: {r:?}")
    };
    assert!(matches!(e, DbError::Unavailable(..)), "{e:?}");
    let chain = anyhow::Error::from(e);
    assert!(
        chain
            .chain()
            .any(|c| c.is::<domain::ports::StoreUnavailable>()),
        "{chain:#}"
    );
}
