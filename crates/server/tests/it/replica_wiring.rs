//! `DATABASE_REPLICA_URL` through the composition root: `wiring::database` builds the replica's
//! pool, a server that is not a standby is never read as one (the reads go to the primary), and
//! `GET /metrics` counts the replica reads by the node that served them. The real streaming
//! replica is proved in `infra-postgres/tests/it/replica.rs`.

use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;
use domain::CompanyId;
use infra_postgres::testing::TestDb;
use infra_postgres::{DbError, TenantScope};
use server::config::Config;

#[derive(QueryableByName)]
struct Where {
    #[diesel(sql_type = Bool)]
    in_recovery: bool,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configured_replica_that_is_not_a_standby_is_never_read_and_the_scrape_counts_the_primary()
 {
    let t = TestDb::new().await;
    let config = Config::from_source(&[
        ("DATABASE_URL", t.url.as_str()),
        // The primary itself: reachable, but not in recovery.
        ("DATABASE_REPLICA_URL", t.url.as_str()),
        ("ATENDE_DB_REPLICA_MAX_LAG_SECS", "5"),
    ])
    .unwrap();
    let db = server::wiring::database(&config).unwrap();
    for _ in 0..3 {
        let served = db
            .replica_tx(TenantScope::company(CompanyId::new()), |conn| {
                Box::pin(async move {
                    let w: Where = diesel::sql_query("SELECT pg_is_in_recovery() AS in_recovery")
                        .get_result(conn)
                        .await?;
                    Ok::<_, DbError>(w.in_recovery)
                })
            })
            .await
            .unwrap();
        assert!(!served, "served by the primary");
    }
    let stats = db.replica_stats().unwrap();
    assert_eq!((stats.replica_reads, stats.primary_reads), (0, 3));
    assert_eq!(stats.lag, None, "not a standby: no lag to speak of");

    let text = server::metrics::registry(&db).render().await.unwrap();
    for line in [
        r#"atende_db_replica_reads_total{source="replica"} 0"#,
        r#"atende_db_replica_reads_total{source="primary"} 3"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }

    let without = Config::from_source(&[("DATABASE_URL", t.url.as_str())]).unwrap();
    let db = server::wiring::database(&without).unwrap();
    assert_eq!(db.replica_stats(), None);
    let text = server::metrics::registry(&db).render().await.unwrap();
    assert!(!text.contains("atende_db_replica_reads_total{"), "{text}");
}

/// The clinic's numbers are read through `replica_tx`: with a replica configured, every report is
/// counted as a replica-routed read (here served by the primary, the "replica" not being a
/// standby).
#[tokio::test(flavor = "multi_thread")]
async fn the_clinics_numbers_are_read_through_the_replica_route() {
    use domain::ports::reports::ReportRepository;
    let app = crate::support::TestApp::spawn().await;
    let company = app.clinic("Clínica Réplica").await.company_id;
    let config = Config::from_source(&[
        ("DATABASE_URL", app.db.url.as_str()),
        ("DATABASE_REPLICA_URL", app.db.url.as_str()),
    ])
    .unwrap();
    let db = server::wiring::database(&config).unwrap();
    let reports = infra_postgres::reports::PgReports::new(db.clone());
    let today = chrono::Utc::now().date_naive();
    reports
        .overview(
            CompanyId(company),
            domain::reports::ReportPeriod {
                from: today - chrono::Days::new(30),
                to: today,
            },
        )
        .await
        .unwrap();
    let stats = db.replica_stats().unwrap();
    assert_eq!(stats.replica_reads + stats.primary_reads, 1, "{stats:?}");
}
